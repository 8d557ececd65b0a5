package responder_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// serveWithTimeout runs Serve on url, failing the test if it has not
// returned within the liveness bound; it returns Serve's error.
func serveWithTimeout(t *testing.T, r *responder.Responder, url string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testutil.LivenessBound)
	defer cancel()
	err := r.Serve(ctx, url, responder.HandlerFunc(echo))
	if ctx.Err() != nil {
		t.Fatalf("Serve kept running on %s: %v", url, err)
	}
	return err
}

// wantOneCall fails the test unless r made exactly one SQS call (fast:
// nothing retried, nothing more tried after the first error).
func wantOneCall(t *testing.T, r *responder.Responder) {
	t.Helper()
	total := int64(0)
	calls := r.Stats().Calls
	for _, n := range calls {
		total += n
	}
	if total != 1 {
		t.Errorf("SQS calls %v, want only the first (GetQueueAttributes), whose error stops Serve", calls)
	}
}

// TestServeFailsFastOnMissingQueue: Serve on a queue that does not exist,
// or that is deleted while Serve runs, returns the SQS error, wrapped, from
// the first call that fails: nothing is retried.
func TestServeFailsFastOnMissingQueue(t *testing.T) {
	t.Run("deleted before", func(t *testing.T) {
		e := newEnv(t, nil)
		if _, err := e.srv.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: &e.requests}); err != nil {
			t.Fatal(err)
		}
		r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet })
		err := serveWithTimeout(t, r, e.requests)
		if !sqsapi.IsQueueDoesNotExist(err) {
			t.Fatalf("Serve on a deleted queue: %v, want QueueDoesNotExist", err)
		}
		wantOneCall(t, r)
	})
	t.Run("deleted while serving", func(t *testing.T) {
		e := newEnv(t, nil)
		r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet })
		go func() {
			testutil.Eventually(t, "Serve is receiving", func() bool { return e.srv.CallCounts()["ReceiveMessage"] > 0 })
			_, _ = e.srv.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: &e.requests})
		}()
		err := serveWithTimeout(t, r, e.requests)
		if !sqsapi.IsQueueDoesNotExist(err) {
			t.Fatalf("Serve on a queue deleted underneath: %v, want QueueDoesNotExist", err)
		}
		if st := r.Stats(); st.ReceiveErrors != 1 || st.Calls["ReceiveMessage"] != 1 {
			t.Errorf("ReceiveErrors = %d of %d receives, want 1 of 1: the failed receive is not retried", st.ReceiveErrors, st.Calls["ReceiveMessage"])
		}
	})
}

// TestServeFailsFastOnAccessDenied: a receive refused for want of
// permission stops Serve.
func TestServeFailsFastOnAccessDenied(t *testing.T) {
	e := newEnv(t, nil)
	denied := &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform sqs:receivemessage", Fault: smithy.FaultClient}
	e.srv.InjectFault("ReceiveMessage", sqstest.Fault{Err: denied})
	r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet })
	err := serveWithTimeout(t, r, e.requests)
	if !sqsapi.IsAccessDenied(err) || !errors.Is(err, denied) {
		t.Fatalf("Serve with receives denied: %v, want the AccessDenied error", err)
	}
	if n := e.srv.CallCounts()["ReceiveMessage"]; n != 1 {
		t.Errorf("%d receives, want 1: a denied receive is not retried", n)
	}
}

// TestServeRetriesTransientErrors: throttled receives are retried; Stats
// counts them and records the last successful receive.
func TestServeRetriesTransientErrors(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.InjectFault("ReceiveMessage", sqstest.Fault{Times: 3,
		Err: &smithy.GenericAPIError{Code: "RequestThrottled", Message: "slow down", Fault: smithy.FaultClient}})
	r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet })
	if !r.Stats().LastReceive.IsZero() {
		t.Error("LastReceive set before any receive")
	}
	stop := serve(r, e.requests, responder.HandlerFunc(echo))
	e.request(t, "after the storm", virtualqueue.URL(e.host, "r"))
	testutil.Eventually(t, "the request answered", func() bool { return r.Stats().Responses == 1 })
	if err := stop(); err != nil {
		t.Fatalf("Serve after transient errors: %v", err)
	}
	st := r.Stats()
	if st.ReceiveErrors != 3 || st.LastReceive.IsZero() {
		t.Errorf("ReceiveErrors %d, LastReceive %v; want 3 and set", st.ReceiveErrors, st.LastReceive)
	}
}

// TestServeWithoutGetQueueAttributesPermission: a responder allowed to
// receive but not to read queue attributes serves, setting 30 s visibility
// on its receives.
func TestServeWithoutGetQueueAttributesPermission(t *testing.T) {
	e := newEnv(t, map[string]string{"VisibilityTimeout": "600"})
	e.srv.InjectFault("GetQueueAttributes", sqstest.Fault{Err: &smithy.GenericAPIError{Code: "AccessDenied", Fault: smithy.FaultClient}})
	var vt []int32
	api := &recordReceives{API: e.srv, onReceive: func(in *sqs.ReceiveMessageInput) { vt = append(vt, in.VisibilityTimeout) }}
	r := responder.New(api, func(o *responder.Options) { o.Logger = testutil.Quiet })
	stop := serve(r, e.requests, responder.HandlerFunc(echo))
	e.request(t, "x", virtualqueue.URL(e.host, "r"))
	testutil.Eventually(t, "the request answered", func() bool { return r.Stats().Responses == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if len(vt) == 0 || vt[0] != 30 {
		t.Errorf("receive VisibilityTimeout %v, want 30", vt)
	}
}

// recordReceives passes calls on to API and shows each ReceiveMessage
// input to onReceive (called from Serve's receivers, one at a time here).
type recordReceives struct {
	sqsapi.API
	onReceive func(*sqs.ReceiveMessageInput)
}

func (r *recordReceives) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	r.onReceive(in)
	return r.API.ReceiveMessage(ctx, in, optFns...)
}

// TestServeFailsFastOnEmulator: Serve on a queue deleted on a real
// SQS-compatible server returns its error at once: the error of its first
// call, which is not retried.
func TestServeFailsFastOnEmulator(t *testing.T) {
	api := awsclient.ForTest(t)
	ctx := context.Background()
	url := testutil.CreateQueue(t, api, "failfast-"+strconv.FormatInt(time.Now().UnixNano(), 36), nil, nil)
	if _, err := api.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	r := responder.New(api, func(o *responder.Options) { o.Logger = testutil.Quiet })
	err := serveWithTimeout(t, r, url)
	if !sqsapi.IsQueueDoesNotExist(err) {
		t.Fatalf("Serve on a deleted queue: %v, want QueueDoesNotExist", err)
	}
	wantOneCall(t, r)
}
