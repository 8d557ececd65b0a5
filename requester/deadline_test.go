package requester_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// TestExpiredRequestsAreNeverHandled: five requests whose 300 ms deadlines
// passed before Serve started are deleted unhandled; a live request is
// answered, its handler's ctx carrying the caller's deadline.
func TestExpiredRequestsAreNeverHandled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := sqstest.New()
		t.Cleanup(srv.Close)
		var mu sync.Mutex
		var handled []string
		var handlerDeadline time.Time
		g := newRig(t, srv, rigOpts{noServe: true, handler: responder.HandlerFunc(func(ctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
			mu.Lock()
			defer mu.Unlock()
			handled = append(handled, aws.ToString(m.Body))
			handlerDeadline, _ = ctx.Deadline()
			return echo(ctx, m)
		})})
		for range 5 {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			_, err := g.call(ctx, "expired", nil)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("request with nobody serving: %v, want DeadlineExceeded", err)
			}
		}
		time.Sleep(2 * time.Second) // past the deadlines and the clock-skew allowance
		g.serve()

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		want, _ := ctx.Deadline()
		m, err := g.call(ctx, "live", nil)
		if err != nil || aws.ToString(m.Body) != "re: live" {
			t.Fatalf("live request: %v, %v", m, err)
		}
		g.shutdown(t)

		if len(handled) != 1 || handled[0] != "live" {
			t.Errorf("handler calls: %q, want only the live request", handled)
		}
		if d := handlerDeadline.Sub(want); d < 0 || d >= time.Millisecond {
			t.Errorf("handler ctx deadline %v, want the caller's %v", handlerDeadline, want)
		}
		if st := g.resp.Stats(); st.Expired != 5 || st.Handled != 1 {
			t.Errorf("responder stats: expired %d, handled %d; want 5, 1", st.Expired, st.Handled)
		}
		if v, f := queueCounts(t, srv, g.queueURL); v != "0" || f != "0" {
			t.Errorf("request queue after Serve: %s visible, %s in flight; want none left", v, f)
		}
		t.Logf("handler calls %d (%q), expired requests deleted %d, left on the queue 0, handler deadline %s (caller's %s)",
			len(handled), handled, g.resp.Stats().Expired, handlerDeadline.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	})
}

// TestDeadlineAttribute: a request made under a deadline carries it; one
// made without carries none (as the Java client's requests).
func TestDeadlineAttribute(t *testing.T) {
	srv := newServer(t)
	var mu sync.Mutex
	seen := map[string]types.MessageAttributeValue{}
	g := newRig(t, srv, rigOpts{handler: responder.HandlerFunc(func(ctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
		mu.Lock()
		seen[aws.ToString(m.Body)] = m.MessageAttributes[sqsapi.DeadlineAttribute]
		mu.Unlock()
		return echo(ctx, m)
	})})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	deadline, _ := ctx.Deadline()
	if _, err := g.call(ctx, "with", nil); err != nil {
		t.Fatal(err)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	defer ccancel()
	done := make(chan error, 1)
	go func() { _, err := g.call(cctx, "without", nil); done <- err }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	with := seen["with"]
	if aws.ToString(with.DataType) != "Number" || aws.ToString(with.StringValue) != formatMillisUp(deadline) {
		t.Errorf("deadline attribute %s %s, want Number %s", aws.ToString(with.DataType), aws.ToString(with.StringValue), formatMillisUp(deadline))
	}
	if without := seen["without"]; without.DataType != nil {
		t.Errorf("request without a deadline carries %s %s", aws.ToString(without.DataType), aws.ToString(without.StringValue))
	}
}

// TestDeadlineCountsAgainstAttributeLimit: with a deadline a request may
// carry 8 attributes of its own, without one 9; the error says why.
func TestDeadlineCountsAgainstAttributeLimit(t *testing.T) {
	srv := newServer(t)
	g := newRig(t, srv, rigOpts{})
	attrs := func(n int) map[string]types.MessageAttributeValue {
		m := map[string]types.MessageAttributeValue{}
		for i := range n {
			m["a"+string(rune('0'+i))] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
		}
		return m
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := g.call(ctx, "nine", attrs(9))
	var bad *sqsapi.InvalidParameterError
	if !errors.As(err, &bad) || !strings.Contains(bad.Reason, sqsapi.DeadlineAttribute) {
		t.Errorf("9 attributes and a deadline: %v, want an InvalidParameterError naming %s", err, sqsapi.DeadlineAttribute)
	}
	if _, err := g.call(ctx, "eight", attrs(8)); err != nil {
		t.Errorf("8 attributes and a deadline: %v", err)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	defer ccancel()
	if _, err := g.call(cctx, "nine", attrs(9)); err != nil {
		t.Errorf("9 attributes, no deadline: %v", err)
	}
	reserved := map[string]types.MessageAttributeValue{sqsapi.DeadlineAttribute: {DataType: aws.String("Number"), StringValue: aws.String("1")}}
	if _, err := g.call(ctx, "forged", reserved); !errors.As(err, &bad) || bad.Value != sqsapi.DeadlineAttribute {
		t.Errorf("request carrying %s itself: %v, want refused", sqsapi.DeadlineAttribute, err)
	}
}
