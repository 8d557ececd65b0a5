package sweeper

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// The crash test re-executes the test binary as the owner process: with
// crashChildEnv set, TestMain runs crashChild instead of the tests.
const (
	crashChildEnv  = "SQSTEMP_SWEEPER_CRASH_CHILD"
	crashPrefixEnv = "SQSTEMP_SWEEPER_CRASH_PREFIX"
	crashQueues    = 5
	crashPeriod    = 2 * time.Second
	crashRetention = 3 * time.Second
	crashSkew      = 500 * time.Millisecond
)

// crashOptions are the options of both processes of the crash test.
func crashOptions(prefix string) func(*Options) {
	return func(o *Options) {
		o.QueuePrefix = prefix
		o.SweepPeriod = crashPeriod
		o.SkewMargin = crashSkew
		o.NonEmptyGrace = time.Second // the child's queues may hold a ping
	}
}

// holdingAPI makes a Sweeper hold whatever sweep work it takes: listing
// queues and reading tags block until the Sweeper stops (or the process
// dies). The first time, it closes holding.
type holdingAPI struct {
	sqsapi.API
	once    sync.Once
	holding chan struct{}
}

func (h *holdingAPI) hold(ctx context.Context) error {
	h.once.Do(func() { close(h.holding) })
	<-ctx.Done()
	return ctx.Err()
}

func (h *holdingAPI) ListQueues(ctx context.Context, _ *sqs.ListQueuesInput, _ ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	return nil, h.hold(ctx)
}

func (h *holdingAPI) ListQueueTags(ctx context.Context, _ *sqs.ListQueueTagsInput, _ ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	return nil, h.hold(ctx)
}

// crashChild creates crashQueues temporary queues through a Client and
// takes part in the sweep with a Sweeper that holds the first work it takes
// (see holdingAPI). Once it holds that work, it tells the test its queues'
// URLs (testutil.ChildReady) and uses the queues until it is killed: it
// dies holding sweep work.
func crashChild() int {
	ctx := context.Background()
	api, err := awsclient.New(ctx, os.Getenv(awsclient.EndpointEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	prefix := os.Getenv(crashPrefixEnv)
	// Heartbeats of 5 queues with a 3 s retention (every 0.75 s) need more
	// than the default tagging budget, and they go first: with it, the
	// Sweeper would never get a token to take work.
	budget, err := NewTagBudget(50, 50)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	opts := func(o *Options) { crashOptions(prefix)(o); o.TagBudget = budget }
	c := New(api, opts)
	var urls []string
	for i := 0; i < crashQueues; i++ {
		out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("%scrash%d", prefix, i)),
			Attributes: retention(int(crashRetention.Seconds()))})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		urls = append(urls, *out.QueueUrl)
	}
	held := &holdingAPI{API: api, holding: make(chan struct{})}
	s := NewSweeper(held, opts)
	if err := s.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	<-held.holding
	testutil.ChildReady(strings.Join(urls, " "))
	for {
		for _, u := range urls {
			_, _ = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &u, MessageBody: aws.String("ping")})
			out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &u, MaxNumberOfMessages: 10})
			if err == nil {
				for _, m := range out.Messages {
					_, _ = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &u, ReceiptHandle: m.ReceiptHandle})
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// crashMargin is what a loaded 2-core machine may add to the deletion
// bound: the skew margin, the seed jitter, the checks' calls and scheduling.
const crashMargin = 5 * time.Second

// TestIntegrationCrashedOwnerQueuesAreSwept: a separate OS process creates
// temporary queues, takes part in the sweep and is killed with SIGKILL while
// it holds sweep work. This process, sharing the prefix, runs a Sweeper that
// must delete all of the dead process's queues within retention + 2 sweep
// periods (+ crashMargin) of the kill, and nothing else. (The work the dead
// process held stalls only its own period's message group: before, it
// stalled every seed for the work queue's 60 s visibility timeout.)
//
//	scripts/test -run TestIntegrationCrashedOwnerQueuesAreSwept -v ./sweeper/
func TestIntegrationCrashedOwnerQueuesAreSwept(t *testing.T) {
	api := awsclient.ForTest(t)
	ctx := context.Background()
	prefix := uniquePrefix(t, api)
	// The sweep of this test checks a handful of queues every 2 s: more than
	// the default tagging budget allows.
	budget, err := NewTagBudget(50, 50)
	if err != nil {
		t.Fatal(err)
	}
	opts := func(o *Options) {
		crashOptions(prefix)(o)
		o.Logger = testutil.Logger(t)
		o.TagBudget = budget
	}

	// Controls: prefixed but untagged; tagged and stale but not prefixed;
	// and a temporary queue of this (live) process.
	ancient := map[string]string{sqsapi.RetentionTag: "1", sqsapi.HeartbeatTag: "0"}
	controls := map[string]string{}
	for _, n := range []string{prefix + "untagged1", prefix + "untagged2"} {
		controls[n] = testutil.CreateQueue(t, api, n, nil, nil)
	}
	other := "x" + prefix + "tagged"
	controls[other] = testutil.CreateQueue(t, api, other, nil, ancient)
	live := New(api, opts)
	defer live.Close(ctx)
	liveName := prefix + "live"
	controls[liveName] = testutil.CreateQueue(t, live, liveName, retention(int(crashRetention.Seconds())), nil)
	useCtx, stopUse := context.WithCancel(ctx)
	useDone := make(chan struct{})
	go func() {
		defer close(useDone)
		u := controls[liveName]
		for useCtx.Err() == nil {
			_, _ = live.ReceiveMessage(useCtx, &sqs.ReceiveMessageInput{QueueUrl: &u, WaitTimeSeconds: 1})
		}
	}()
	defer func() { stopUse(); <-useDone }()

	s := startSweeper(t, api, opts)

	// The owner process: ready once its Sweeper holds sweep work.
	child, ready := testutil.StartChild(t, crashChildEnv, crashPrefixEnv+"="+prefix)
	urls := strings.Fields(ready)
	time.Sleep(3 * crashRetention) // the child heartbeats: its queues survive sweeps meanwhile
	for _, u := range urls {
		if !exists(t, api, u[strings.LastIndexByte(u, '/')+1:]) {
			t.Fatalf("queue %s of the live child was deleted", u)
		}
	}
	child.Kill() // SIGKILL
	killed := time.Now()

	limit := crashRetention + 2*crashPeriod
	var gone time.Duration
	for {
		left := 0
		for _, u := range urls {
			if exists(t, api, u[strings.LastIndexByte(u, '/')+1:]) {
				left++
			}
		}
		gone = time.Since(killed)
		if left == 0 {
			break
		}
		if gone > limit+time.Minute { // a broken sweeper never finishes
			t.Fatalf("%d of %d queues of the killed process still exist after %v", left, len(urls), gone)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("all %d queues of the SIGKILLed process (which held sweep work) deleted %v after the kill (retention %v + 2 periods of %v = %v, margin %v)",
		len(urls), gone.Round(10*time.Millisecond), crashRetention, crashPeriod, limit, crashMargin)
	if gone > limit+crashMargin {
		t.Errorf("deleted %v after the kill, want within retention + 2 periods + %v = %v", gone, crashMargin, limit+crashMargin)
	}
	for name := range controls {
		if !exists(t, api, name) {
			t.Errorf("control queue %s was deleted", name)
		}
	}
	if st := s.Stats(); st.QueuesDeleted != crashQueues {
		t.Errorf("sweeper deleted %d queues, want %d: %+v", st.QueuesDeleted, crashQueues, st)
	}
	for _, u := range controls {
		_, _ = api.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)})
	}
}

// uniquePrefix returns a prefix no other test uses, and deletes the work
// queues made for it when the test ends.
func uniquePrefix(t *testing.T, api sqsapi.API) string {
	t.Helper()
	p := "sw" + strconv.FormatInt(time.Now().UnixNano()%1e12, 36) + "_"
	t.Cleanup(func() {
		ctx := context.Background()
		for _, n := range []string{WorkQueueName(p), DeadLetterQueueName(p)} {
			if out, err := api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(n)}); err == nil {
				_, _ = api.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl})
			}
		}
	})
	return p
}
