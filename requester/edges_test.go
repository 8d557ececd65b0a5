package requester_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/requester"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// TestResponseHostVisibilityTimeout: the response host queue gets a short
// visibility timeout (responses hidden by a lost receive come back within
// seconds) unless the user sets one.
func TestResponseHostVisibilityTimeout(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		name string
		opts func(*requester.Options)
		want string
	}{
		{"default", nil, "5"},
		{"option", func(o *requester.Options) { o.ResponseVisibilityTimeout = 2 * time.Second }, "2"},
		{"attribute wins", func(o *requester.Options) {
			o.ResponseVisibilityTimeout = 2 * time.Second
			o.ResponseQueueAttributes = map[string]string{"VisibilityTimeout": "40"}
		}, "40"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newRig(t, srv, rigOpts{noServe: true, reqOpts: tc.opts})
			out, err := srv.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
				QueueUrl: aws.String(g.req.HostQueueURL()), AttributeNames: []types.QueueAttributeName{"VisibilityTimeout"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := out.Attributes["VisibilityTimeout"]; got != tc.want {
				t.Errorf("host VisibilityTimeout = %s, want %s", got, tc.want)
			}
		})
	}
	for _, bad := range []time.Duration{500 * time.Millisecond, -time.Second, 13 * time.Hour} {
		_, err := requester.New(context.Background(), srv, func(o *requester.Options) { o.ResponseVisibilityTimeout = bad })
		var ip *sqsapi.InvalidParameterError
		if !errors.As(err, &ip) || ip.Param != "ResponseVisibilityTimeout" {
			t.Errorf("ResponseVisibilityTimeout %v: %v, want an InvalidParameterError", bad, err)
		}
	}
}

// TestResponseMD5OfMessageAttributes: a response's MD5OfMessageAttributes is
// SQS's digest of the attributes it is returned with (the routing attribute
// removed), and absent when none are left.
func TestResponseMD5OfMessageAttributes(t *testing.T) {
	srv := newServer(t)
	g := newRig(t, srv, rigOpts{handler: responder.HandlerFunc(func(_ context.Context, m types.Message) (*sqs.SendMessageInput, error) {
		in := &sqs.SendMessageInput{MessageBody: aws.String("ok")}
		if aws.ToString(m.Body) == "with" {
			in.MessageAttributes = map[string]types.MessageAttributeValue{"status": {DataType: aws.String("String"), StringValue: aws.String("ok")}}
		}
		return in, nil
	})})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	with, err := g.call(ctx, "with", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := sqsapi.MD5OfMessageAttributes(with.MessageAttributes); len(with.MessageAttributes) != 1 || aws.ToString(with.MD5OfMessageAttributes) != want {
		t.Errorf("attributes %v with MD5 %s, want 1 attribute and MD5 %s", with.MessageAttributes, aws.ToString(with.MD5OfMessageAttributes), want)
	}
	without, err := g.call(ctx, "without", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(without.MessageAttributes) != 0 || without.MD5OfMessageAttributes != nil {
		t.Errorf("a response without attributes has %v, MD5 %s", without.MessageAttributes, aws.ToString(without.MD5OfMessageAttributes))
	}
}

// cancelOnResponse is an API whose receives from the requester's host queue
// end the caller's ctx when they return the response to the current call:
// at once (before the response reaches the caller) or, with jitter, a few
// microseconds later (while it is being handed over). A receive of another
// response (a late one, as an orphan) cancels nothing: it could end the
// next call before its request is sent, and no response would exist to
// account for.
type cancelOnResponse struct {
	sqsapi.API
	jitter time.Duration // 0: cancel before the receive returns
	mu     sync.Mutex
	want   string // the current call's response body
	cancel context.CancelFunc
}

// arm makes the response body want end the call whose ctx cancel ends.
func (c *cancelOnResponse) arm(want string, cancel context.CancelFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.want, c.cancel = want, cancel
}

func (c *cancelOnResponse) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	out, err := c.API.ReceiveMessage(ctx, in, optFns...)
	if err != nil || !strings.Contains(aws.ToString(in.QueueUrl), sqsapi.DefaultQueuePrefix) {
		return out, err
	}
	c.mu.Lock()
	want, cancel := c.want, c.cancel
	c.mu.Unlock()
	for _, m := range out.Messages {
		switch {
		case cancel == nil || aws.ToString(m.Body) != want:
		case c.jitter == 0:
			cancel()
		default:
			time.AfterFunc(rand.N(c.jitter), cancel)
		}
	}
	return out, err
}

// TestResponseAsCallerGivesUp: a response that arrives just as the caller's
// ctx ends is returned or deleted, never left in flight (the host's
// visibility timeout here is 12 h: a response left in flight would stay
// there). The ctx ends either inside the host receive or up to 30 µs after
// it, while the response is handed to the caller.
func TestResponseAsCallerGivesUp(t *testing.T) {
	for _, tc := range []struct {
		name   string
		jitter time.Duration
		calls  int
	}{
		{"in the receive", 0, 40},
		{"during the handover", 30 * time.Microsecond, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			api := &cancelOnResponse{API: srv, jitter: tc.jitter}
			g := newRig(t, api, rigOpts{reqOpts: func(o *requester.Options) { o.ResponseVisibilityTimeout = 12 * time.Hour }})
			returned := 0
			for i := range tc.calls {
				ctx, cancel := context.WithCancel(context.Background())
				body := "now " + strconv.Itoa(i)
				api.arm("re: "+body, cancel)
				m, err := g.call(ctx, body, nil)
				cancel()
				switch {
				case err == nil && aws.ToString(m.Body) == "re: "+body:
					returned++
				case errors.Is(err, context.Canceled):
				default:
					t.Fatalf("call: %v, %v", m, err)
				}
			}
			host := g.req.HostQueueURL()
			testutil.Eventually(t, "every response deleted from the host", func() bool {
				v, f := queueCounts(t, srv, host)
				return v == "0" && f == "0"
			})
			// Every response is accounted for once: returned, deleted as
			// late by its caller, or (when the ctx ends while the poller
			// still holds it) deleted as an orphan when it reaches the
			// deleted virtual queue.
			st := g.req.Stats()
			if int64(returned)+st.LateResponses+st.Orphans != int64(tc.calls) {
				t.Errorf("returned %d + late %d + orphans %d != %d calls", returned, st.LateResponses, st.Orphans, tc.calls)
			}
		})
	}
}

// TestResponseDeletesFollowFailover: after the host queue is deleted
// underneath the requester and it fails over to <host>-Failover, a response
// received from the failover is deleted there.
func TestResponseDeletesFollowFailover(t *testing.T) {
	srv := newServer(t)
	g := newRig(t, srv, rigOpts{noServe: true, reqOpts: func(o *requester.Options) { o.ResponseVisibilityTimeout = 12 * time.Hour }})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	host := g.req.HostQueueURL()
	if _, err := srv.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &host}); err != nil {
		t.Fatal(err)
	}
	// The next call polls the host, finds it gone and fails over (an idle
	// requester finds out at its next heartbeat).
	done := make(chan error, 1)
	go func() {
		m, err := g.call(ctx, "ping", nil)
		if err == nil && aws.ToString(m.Body) != "pong" {
			err = errors.New("wrong response " + aws.ToString(m.Body))
		}
		done <- err
	}()
	name := host[strings.LastIndex(host, "/")+1:]
	var failover string
	testutil.Eventually(t, "the requester fails over", func() bool {
		out, err := srv.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name + "-Failover")})
		if err == nil {
			failover = aws.ToString(out.QueueUrl)
		}
		return err == nil
	})
	// The response reaches the failover queue (as a send through a layer
	// that knows about the failover would), for the request's virtual queue.
	out, err := srv.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &g.queueURL, WaitTimeSeconds: 20, MessageAttributeNames: []string{"All"}})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive request: %v", err)
	}
	reply := aws.ToString(out.Messages[0].MessageAttributes[sqsapi.ResponseQueueURLAttribute].StringValue)
	vname := reply[strings.LastIndex(reply, "#")+1:]
	if _, err := srv.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &failover, MessageBody: aws.String("pong"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			sqsapi.VirtualQueueNameAttribute: {DataType: aws.String("String"), StringValue: aws.String(vname)}}}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "the response delete is sent", func() bool {
		st := g.req.Stats().Acker
		return st.Succeeded+st.Stale+st.Failed > 0
	})
	if st := g.req.Stats().Acker; st.Stale != 0 || st.Failed != 0 {
		t.Errorf("response delete: %d stale, %d failed; want it deleted from the failover", st.Stale, st.Failed)
	}
	if v, f := queueCounts(t, srv, failover); v != "0" || f != "0" {
		t.Errorf("failover queue: %s visible, %s in flight; want the response deleted", v, f)
	}
}
