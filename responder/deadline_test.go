package responder_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// requestWithDeadline sends a request naming reply and carrying the
// deadline attribute with value v.
func (e *env) requestWithDeadline(t *testing.T, body, reply, dataType, v string) {
	t.Helper()
	_, err := e.srv.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &e.requests, MessageBody: &body,
		MessageAttributes: map[string]types.MessageAttributeValue{
			sqsapi.ResponseQueueURLAttribute: str(reply),
			sqsapi.DeadlineAttribute:         {DataType: &dataType, StringValue: &v},
		}})
	if err != nil {
		t.Fatal(err)
	}
}

func millis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// TestDeadlines: a request past its deadline (beyond the skew allowance) is
// deleted unhandled; within the allowance it is handled; a deadline that
// passes while the handler runs means no response is sent; a malformed
// deadline is ignored.
func TestDeadlines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, nil)
		now := time.Now()
		reply := virtualqueue.URL(e.host, "r")
		e.requestWithDeadline(t, "expired", reply, "Number", millis(now.Add(-1500*time.Millisecond)))
		e.requestWithDeadline(t, "within skew", reply, "Number", millis(now.Add(-500*time.Millisecond)))
		e.requestWithDeadline(t, "slow", reply, "Number", millis(now.Add(2*time.Second)))
		e.requestWithDeadline(t, "malformed", reply, "Number", "-12.5") // not whole milliseconds
		e.requestWithDeadline(t, "not a number", reply, "String", millis(now.Add(-time.Hour)))
		var mu sync.Mutex
		handled := map[string]bool{}
		r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet; o.DeadlineSkew = time.Second })
		stop := serve(r, e.requests, responder.HandlerFunc(func(ctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
			mu.Lock()
			handled[aws.ToString(m.Body)] = true
			mu.Unlock()
			if aws.ToString(m.Body) == "slow" {
				time.Sleep(5 * time.Second)
			}
			return echo(ctx, m)
		}))
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"within skew": true, "slow": true, "malformed": true, "not a number": true}
		if len(handled) != len(want) || handled["expired"] {
			t.Errorf("handled %v, want %v", handled, want)
		}
		st := r.Stats()
		if st.Expired != 1 || st.LateReplies != 1 || st.Responses != 3 {
			t.Errorf("Expired %d, LateReplies %d, Responses %d; want 1, 1, 3", st.Expired, st.LateReplies, st.Responses)
		}
		if v, f := e.counts(t, e.requests); v != "0" || f != "0" {
			t.Errorf("request queue: %s visible, %s in flight; want every request deleted", v, f)
		}
	})
}

// TestDeadlineOfRequest: responder.Deadline reads the deadline a requester
// sent (milliseconds, as on the wire) and nothing else.
func TestDeadlineOfRequest(t *testing.T) {
	at := time.UnixMilli(1_800_000_000_123)
	for _, tc := range []struct {
		name     string
		dataType string
		value    string
		want     time.Time
		ok       bool
	}{
		{"requester's", "Number", "1800000000123", at, true},
		{"custom number type", "Number.ms", "1800000000123", at, true},
		{"string", "String", "1800000000123", time.Time{}, false},
		{"not a number", "Number", "soon", time.Time{}, false},
		{"negative", "Number", "-5", time.Time{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := types.Message{MessageAttributes: map[string]types.MessageAttributeValue{
				sqsapi.DeadlineAttribute: {DataType: aws.String(tc.dataType), StringValue: aws.String(tc.value)}}}
			got, ok := responder.Deadline(m)
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("Deadline = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	if _, ok := responder.Deadline(types.Message{}); ok {
		t.Error("a request without the attribute has a deadline")
	}
}
