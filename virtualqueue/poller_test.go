package virtualqueue

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// gatedAPI holds every host ReceiveMessage after the first until the test
// lets it through, so a test can decide which poller's long poll returns
// first.
type gatedAPI struct {
	*sqstest.Server
	mu    sync.Mutex
	calls int
	held  []chan struct{}
}

func (g *gatedAPI) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	g.mu.Lock()
	g.calls++
	var gate chan struct{}
	if g.calls > 1 {
		gate = make(chan struct{})
		g.held = append(g.held, gate)
	}
	g.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Server.ReceiveMessage(ctx, in, optFns...)
}

// releaseOne lets one held receive through, chosen at random, and reports
// how many were held.
func (g *gatedAPI) releaseOne() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := len(g.held)
	if n > 0 {
		i := rand.N(n)
		close(g.held[i])
		g.held = append(g.held[:i], g.held[i+1:]...)
	}
	return n
}

// passAll stops holding receives and lets the held ones through.
func (g *gatedAPI) passAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, h := range g.held {
		close(h)
	}
	g.held = nil
	g.calls = -1 << 30
}

// Issue 11 item 2: the last virtual queue of a host is deleted while two
// pollers (one of them a surge poller) are in a long poll; one of them
// returns and stops; a virtual queue created on the host afterwards must
// still be polled for as long as receives wait on it, whichever of the two
// pollers was left. Which long poll returns first is chosen at random, so
// the iterations cover both orders.
func TestNoHostLeftWithoutPoller(t *testing.T) {
	for i := range 12 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			synctest.Test(t, testNoHostLeftWithoutPoller)
		})
	}
}

func testNoHostLeftWithoutPoller(t *testing.T) {
	ctx := context.Background()
	srv := sqstest.New()
	defer srv.Close()
	g := &gatedAPI{Server: srv}
	host := testutil.CreateQueue(t, srv, "host", nil, nil)
	// A backlog of 10 for queue a: the first receive comes back full and
	// starts a surge poller.
	sendRaw(t, srv, host, "a", 10)
	vq := New(g, func(o *Options) { o.Logger = testutil.Quiet; o.MaxPollersPerHost = 2 })
	defer func() {
		g.passAll()
		if err := vq.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	a := createOn(t, vq, host, "a")
	got := receiveFrom(t, vq, a, 10, 20)
	for _, m := range got {
		deleteFrom(t, vq, a, m)
	}
	if len(got) != 10 {
		t.Fatalf("received %d of the backlog of 10", len(got))
	}
	synctest.Wait() // both pollers are held at the gate now
	if _, err := vq.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(a)}); err != nil {
		t.Fatal(err)
	}
	if n := g.releaseOne(); n != 2 {
		t.Fatalf("%d long polls held, want 2 (a poller and a surge poller)", n)
	}
	time.Sleep(21 * time.Second) // that long poll ends empty; its poller stops
	b := createOn(t, vq, host, "b")
	for i := range 2 {
		body := "to b " + strconv.Itoa(i)
		sendTo(t, vq, b, body)
		if i == 0 {
			g.passAll() // the other long poll goes ahead; no more holding
		}
		msgs := receiveFrom(t, vq, b, 1, 20)
		if len(msgs) != 1 || aws.ToString(msgs[0].Body) != body {
			t.Fatalf("receive %d from b after its host lost a poller: %d messages, want %q (stats %+v)", i, len(msgs), body, vq.Stats())
		}
		deleteFrom(t, vq, b, msgs[0])
	}
}

// sendRaw puts n messages for virtual queue name on the host directly.
func sendRaw(t testing.TB, api sqsapi.API, host, name string, n int) {
	t.Helper()
	for i := range n {
		_, err := api.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(host), MessageBody: aws.String(name + "/" + strconv.Itoa(i)),
			MessageAttributes: map[string]types.MessageAttributeValue{
				sqsapi.VirtualQueueNameAttribute: {DataType: aws.String("String"), StringValue: aws.String(name)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// countingAPI counts host receives, and answers them at once with nothing
// when early is set (an endpoint that ignores WaitTimeSeconds).
type countingAPI struct {
	*sqstest.Server
	early bool
	mu    sync.Mutex
	n     int
}

func (c *countingAPI) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	if c.early {
		return &sqs.ReceiveMessageOutput{}, nil
	}
	return c.Server.ReceiveMessage(ctx, in, optFns...)
}

func (c *countingAPI) receives() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// Issue 11 item 3: a HostWaitTime under one second must not turn into
// WaitTimeSeconds=0 polls in a loop. On a fake clock that never moves, a
// long poll never ends, so one receive is all a poller may make; a spinning
// poller makes thousands.
func TestSubSecondHostWaitDoesNotSpin(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
	defer srv.Close()
	api := &countingAPI{Server: srv}
	host := testutil.CreateQueue(t, srv, "host", nil, nil)
	vq := New(api, func(o *Options) { o.Logger = testutil.Quiet; o.Clock = clk; o.HostWaitTime = 100 * time.Millisecond })
	defer vq.Close(context.Background())
	q := createOn(t, vq, host, "q")
	receiveFrom(t, vq, q, 1, 0) // a receive: the host is polled
	testutil.Eventually(t, "a host receive", func() bool { return api.receives() >= 1 })
	time.Sleep(50 * time.Millisecond) // real time: room for a spinning poller to show itself
	if n := api.receives(); n > 1 {
		t.Fatalf("%d host receives with HostWaitTime 100ms and a clock standing still, want 1 long poll", n)
	}
}

// Issue 11 item 3: an endpoint that answers long polls at once with nothing
// must not be polled in a loop: after a few early empty answers the poller
// backs off (on the clock, which stands still here).
func TestEarlyEmptyAnswersBackOff(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
	defer srv.Close()
	api := &countingAPI{Server: srv, early: true}
	host := testutil.CreateQueue(t, srv, "host", nil, nil)
	vq := New(api, func(o *Options) { o.Logger = testutil.Quiet; o.Clock = clk })
	defer vq.Close(context.Background())
	q := createOn(t, vq, host, "q")
	receiveFrom(t, vq, q, 1, 0)
	testutil.Eventually(t, "host receives", func() bool { return api.receives() >= 3 })
	time.Sleep(50 * time.Millisecond)
	if n := api.receives(); n > 4 {
		t.Fatalf("%d host receives answered at once and empty, with the clock standing still; want the poller to back off after 3", n)
	}
}
