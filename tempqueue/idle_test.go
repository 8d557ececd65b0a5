package tempqueue_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/requester"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/tempqueue"
)

// receiveCounter counts ReceiveMessage calls by queue URL.
type receiveCounter struct {
	*sqstest.Server
	mu sync.Mutex
	n  map[string]int
}

func (r *receiveCounter) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	r.mu.Lock()
	r.n[aws.ToString(in.QueueUrl)]++
	r.mu.Unlock()
	return r.Server.ReceiveMessage(ctx, in, optFns...)
}

// receivesOn returns the ReceiveMessage calls made on the given queues since
// the last call, and starts counting again.
func (r *receiveCounter) receivesOn(urls ...string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, u := range urls {
		n += r.n[u]
	}
	clear(r.n)
	return n
}

// idleHour is how long the idle tests watch, on the synctest clock.
const idleHour = time.Hour

// Issue 10 item 4: a tempqueue client with virtual queues and nothing to
// receive makes no host ReceiveMessage while idle. It is used first (a
// message sent and received), then left alone for a simulated hour after
// its pollers' linger.
func TestIdleClientMakesNoHostReceives(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		api := &receiveCounter{Server: sqstest.New(), n: map[string]int{}}
		defer api.Close()
		c, err := tempqueue.New(ctx, api, func(o *tempqueue.Options) { o.Logger = testutil.Quiet; o.DisableSweeper = true })
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		u := testutil.CreateQueue(t, c, "q", nil, nil)
		testutil.CreateQueue(t, c, "idle", nil, nil)
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(u), MessageBody: aws.String("x")}); err != nil {
			t.Fatal(err)
		}
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(u), WaitTimeSeconds: 20})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("receive: %v %v", out, err)
		}
		if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(u), ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute) // the pollers' linger (one more long poll)
		hosts := c.HostQueueURLs()
		api.receivesOn(hosts...)
		before := c.Stats().Calls
		time.Sleep(idleHour)
		n := api.receivesOn(hosts...)
		t.Logf("idle tempqueue client, 2 virtual queues, 1 host, %v simulated: %d host ReceiveMessage; calls by operation before %v, after %v",
			idleHour, n, before, c.Stats().Calls)
		if n != 0 {
			t.Errorf("%d host ReceiveMessage calls in an idle hour, want 0", n)
		}
	})
}

// Issue 10 item 4: a requester with no request in flight makes no host
// ReceiveMessage while idle: after one request answered, a simulated hour
// passes with none.
func TestIdleRequesterMakesNoHostReceives(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		api := &receiveCounter{Server: sqstest.New(), n: map[string]int{}}
		defer api.Close()
		reqQ, stop := serveEcho(t, api)
		r := newRequester(t, api, nil)
		defer r.Close(ctx)
		resp, err := r.SendMessageAndGetResponse(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(reqQ), MessageBody: aws.String("hi")})
		if err != nil || aws.ToString(resp.Body) != "hi" {
			t.Fatalf("request: %v %v", resp, err)
		}
		stop()
		time.Sleep(time.Minute) // the pollers' linger
		api.receivesOn(r.HostQueueURL())
		before := r.Stats().Calls
		time.Sleep(idleHour)
		n := api.receivesOn(r.HostQueueURL())
		t.Logf("idle requester, %v simulated: %d host ReceiveMessage; calls by operation before %v, after %v",
			idleHour, n, before, r.Stats().Calls)
		if n != 0 {
			t.Errorf("%d host ReceiveMessage calls in an idle hour, want 0", n)
		}
	})
}

// serveEcho creates a request queue on api and serves it with
// responder.Serve, answering each request with its body, until stop.
func serveEcho(t testing.TB, api sqsapi.API) (queueURL string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	queueURL = testutil.CreateQueue(t, api, "requests", nil, nil)
	served := make(chan error, 1)
	go func() {
		served <- responder.New(api, func(o *responder.Options) { o.Logger = testutil.Quiet }).Serve(ctx, queueURL,
			responder.HandlerFunc(func(_ context.Context, m types.Message) (*sqs.SendMessageInput, error) {
				return &sqs.SendMessageInput{MessageBody: m.Body}, nil
			}))
	}()
	return queueURL, func() { cancel(); <-served }
}

// newRequester returns a requester over api (no sweeper) whose response
// queues have the given attributes.
func newRequester(t testing.TB, api sqsapi.API, responseQueueAttributes map[string]string) *requester.Requester {
	t.Helper()
	r, err := requester.New(context.Background(), api, func(o *requester.Options) {
		o.Logger = testutil.Quiet
		o.TempQueue.DisableSweeper = true
		o.ResponseQueueAttributes = responseQueueAttributes
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
