package reliability

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/requester"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/sweeper"
	"github.com/sqstemp/sqstemp/tempqueue"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

func callAllWithNil(t *testing.T, name string, api sqsapi.API) {
	ctx := context.Background()
	calls := map[string]func() error{
		"CreateQueue":                  func() error { _, err := api.CreateQueue(ctx, nil); return err },
		"DeleteQueue":                  func() error { _, err := api.DeleteQueue(ctx, nil); return err },
		"GetQueueUrl":                  func() error { _, err := api.GetQueueUrl(ctx, nil); return err },
		"ListQueues":                   func() error { _, err := api.ListQueues(ctx, nil); return err },
		"GetQueueAttributes":           func() error { _, err := api.GetQueueAttributes(ctx, nil); return err },
		"SetQueueAttributes":           func() error { _, err := api.SetQueueAttributes(ctx, nil); return err },
		"PurgeQueue":                   func() error { _, err := api.PurgeQueue(ctx, nil); return err },
		"SendMessage":                  func() error { _, err := api.SendMessage(ctx, nil); return err },
		"SendMessageBatch":             func() error { _, err := api.SendMessageBatch(ctx, nil); return err },
		"ReceiveMessage":               func() error { _, err := api.ReceiveMessage(ctx, nil); return err },
		"DeleteMessage":                func() error { _, err := api.DeleteMessage(ctx, nil); return err },
		"DeleteMessageBatch":           func() error { _, err := api.DeleteMessageBatch(ctx, nil); return err },
		"ChangeMessageVisibility":      func() error { _, err := api.ChangeMessageVisibility(ctx, nil); return err },
		"ChangeMessageVisibilityBatch": func() error { _, err := api.ChangeMessageVisibilityBatch(ctx, nil); return err },
		"TagQueue":                     func() error { _, err := api.TagQueue(ctx, nil); return err },
		"UntagQueue":                   func() error { _, err := api.UntagQueue(ctx, nil); return err },
		"ListQueueTags":                func() error { _, err := api.ListQueueTags(ctx, nil); return err },
	}
	for op, f := range calls {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s.%s(nil) panicked: %v", name, op, p)
				}
			}()
			_ = f()
		}()
	}
}

// TestNilInputsNeverPanic calls every sqsapi.API method of every client with a
// nil input, as code written against *sqs.Client may (the SDK treats nil as an
// empty input): an error is fine, a panic is not. The requester's and the
// responder's own methods refuse a nil input, handler or requester with an
// *sqsapi.InvalidParameterError naming it, before any SQS call.
func TestNilInputsNeverPanic(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	callAllWithNil(t, "sqstest", srv)
	vq := virtualqueue.New(srv)
	defer vq.Close(context.Background())
	callAllWithNil(t, "virtualqueue", vq)
	sw := sweeper.New(srv)
	defer sw.Close(context.Background())
	callAllWithNil(t, "sweeper", sw)
	tq, err := tempqueue.New(context.Background(), srv, func(o *tempqueue.Options) { o.DisableSweeper = true })
	if err != nil {
		t.Fatal(err)
	}
	defer tq.Close(context.Background())
	callAllWithNil(t, "tempqueue", tq)
	rq, err := requester.New(context.Background(), srv, func(o *requester.Options) { o.TempQueue.DisableSweeper = true })
	if err != nil {
		t.Fatal(err)
	}
	defer rq.Close(context.Background())
	// The requester's host queue gets its first heartbeat at once, in the
	// background: let it land before counting calls.
	testutil.Eventually(t, "the requester's first heartbeat", func() bool {
		return rq.Stats().TempQueue.Heartbeats.Heartbeats >= 1
	})
	rs := responder.New(srv)
	reqQ := testutil.CreateQueue(t, srv, "nil-input-requests", nil, nil)
	reply := types.Message{MessageAttributes: map[string]types.MessageAttributeValue{
		sqsapi.ResponseQueueURLAttribute: strAttr(virtualqueue.URL(rq.HostQueueURL(), "r"))}}
	// Each call gets an *sqsapi.InvalidParameterError naming the nil
	// parameter, before any SQS call.
	for _, tc := range []struct {
		name, param string
		call        func() error
	}{
		{"requester.SendMessageAndGetResponse(nil)", "SendMessageInput", func() error {
			_, err := rq.SendMessageAndGetResponse(context.Background(), nil)
			return err
		}},
		{"requester.Call(nil requester)", "Requester", func() error {
			_, err := requester.Call[int, int](context.Background(), nil, reqQ, 1)
			return err
		}},
		{"responder.SendResponse(nil response)", "response", func() error {
			return rs.SendResponse(context.Background(), reply, nil)
		}},
		{"responder.Serve(nil handler)", "Handler", func() error {
			return rs.Serve(context.Background(), reqQ, nil)
		}},
	} {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s panicked: %v", tc.name, p)
				}
			}()
			before := srv.CallCounts()
			err := tc.call()
			var bad *sqsapi.InvalidParameterError
			if !errors.As(err, &bad) || bad.Param != tc.param {
				t.Errorf("%s: %v, want an InvalidParameterError for %s", tc.name, err, tc.param)
			}
			if calls := diffCalls(before, srv.CallCounts()); calls != "" {
				t.Errorf("%s: SQS calls made: %s", tc.name, calls)
			}
		}()
	}
}
