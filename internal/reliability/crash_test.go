package reliability

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"go.uber.org/goleak"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/emulator"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/requester"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sweeper"
	"github.com/sqstemp/sqstemp/tempqueue"
)

// The crash child is this test binary re-executed with crashChildEnv set:
// TestMain runs crashChild instead of the tests.
const (
	crashChildEnv    = "SQSTEMP_RELIABILITY_CRASH_CHILD"
	crashPrefixEnv   = "SQSTEMP_RELIABILITY_CRASH_PREFIX"
	crashQueueEnv    = "SQSTEMP_RELIABILITY_CRASH_QUEUE"
	crashSweepEnv    = "SQSTEMP_RELIABILITY_CRASH_SWEEP"
	crashRequests    = 5
	crashRetention   = 2 * time.Second
	crashHeartbeat   = 500 * time.Millisecond
	crashSweepPeriod = 2 * time.Second
)

func crashTempQueueOptions(prefix string) tempqueue.Options {
	// Heartbeats every 0.5 s and sweeps every 2 s need more tagging actions
	// than the default budget gives (2 a second, heartbeats first).
	budget, err := sweeper.NewTagBudget(50, 50)
	if err != nil {
		panic(err) // constant, valid arguments
	}
	return tempqueue.Options{
		QueuePrefix:              prefix,
		IdleQueueRetentionPeriod: crashRetention,
		HeartbeatInterval:        crashHeartbeat,
		SweepPeriod:              crashSweepPeriod,
		TagBudget:                budget,
	}
}

// crashChild runs a requester against the endpoint in SQSTEMP_SQS_ENDPOINT
// with crashRequests requests waiting on the queue in crashQueueEnv (which
// nobody serves), tells the test its host queue URL (testutil.ChildReady)
// and waits to be killed.
func crashChild() int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	ctx := context.Background()
	api, err := awsclient.New(ctx, os.Getenv(awsclient.EndpointEnv))
	if err != nil {
		return fail(err)
	}
	r, err := requester.New(ctx, api, func(o *requester.Options) {
		o.TempQueue = crashTempQueueOptions(os.Getenv(crashPrefixEnv))
		o.TempQueue.DisableSweeper = os.Getenv(crashSweepEnv) != "1"
	})
	if err != nil {
		return fail(err)
	}
	queue := os.Getenv(crashQueueEnv)
	for i := range crashRequests {
		go func() {
			_, err := r.SendMessageAndGetResponse(ctx, &sqs.SendMessageInput{QueueUrl: &queue, MessageBody: aws.String(fmt.Sprintf("request %d from pid %d", i, os.Getpid()))})
			fmt.Fprintln(os.Stderr, "crash child: request ended:", err) // never: no responder
		}()
	}
	for {
		st := r.Stats()
		if st.Pending == crashRequests && st.Sender.Messages == crashRequests && st.Sender.Failed == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	testutil.ChildReady(r.HostQueueURL())
	select {} // mid-request, until SIGKILL
}

// startCrashChild starts a child and returns it with its host queue URL.
func startCrashChild(t *testing.T, endpoint, prefix, queueURL string, sweep bool) (*testutil.Child, string) {
	t.Helper()
	env := []string{awsclient.EndpointEnv + "=" + endpoint, crashPrefixEnv + "=" + prefix, crashQueueEnv + "=" + queueURL}
	if sweep {
		env = append(env, crashSweepEnv+"=1")
	}
	return testutil.StartChild(t, crashChildEnv, env...)
}

// TestCrashLeavesNoQueues: processes running a requester are killed with
// SIGKILL while their requests wait for responses. A restarted requester
// (same prefix, sweeper on, short periods) works at once, and its sweeper
// deletes the dead processes' host queues within retention + skew margin +
// two sweep periods, and nothing else. Responses sent late to the dead
// requesters are stale replies: dropped, nothing recreated.
//
// By default the killed processes take no part in the sweep. With
// SQSTEMP_LONG=1 they do, as every process of a fleet would, and one of them
// may die holding a work message (the period's seed): that stalls only its
// own period's message group, so the deletion may wait one period more.
func TestCrashLeavesNoQueues(t *testing.T) {
	const children = 3
	childrenSweep := long()
	em := emulator.StartForTest(t)
	ignore := goleak.IgnoreCurrent()
	ctx := context.Background()
	tr := newTransport()
	defer tr.CloseIdleConnections()
	api, err := awsclient.New(ctx, em.Endpoint(), func(o *sqs.Options) { o.HTTPClient = &http.Client{Transport: tr} })
	if err != nil {
		t.Fatal(err)
	}
	// A prefix of this test's own (the default one and a letter, so the
	// responder's default allow rule still applies).
	prefix := sqsapi.DefaultQueuePrefix + "C"
	abandoned := testutil.CreateQueue(t, api, "crash-abandoned-requests", nil, nil)
	served := testutil.CreateQueue(t, api, "crash-requests", nil, nil)

	var hosts []string
	var kids []*testutil.Child
	for range children {
		kid, host := startCrashChild(t, em.Endpoint(), prefix, abandoned, childrenSweep)
		kids = append(kids, kid)
		hosts = append(hosts, host)
	}
	for _, kid := range kids {
		kid.Kill() // SIGKILL
	}
	killed := time.Now()
	before := listPrefix(t, api, prefix)
	for _, h := range hosts {
		if !slices.Contains(before, h) {
			t.Fatalf("host queue %s of a killed child does not exist (queues %v)", h, before)
		}
	}
	t.Logf("killed %d children mid-request (%d requests each); their host queues: %v", children, crashRequests, hosts)

	// The restarted requester works at once.
	r, err := requester.New(ctx, api, func(o *requester.Options) {
		o.TempQueue = crashTempQueueOptions(prefix)
		o.Logger = testutil.Logger(t)
	})
	if err != nil {
		t.Fatal(err)
	}
	resp := responder.New(api, func(o *responder.Options) { o.Logger = testutil.Logger(t); o.WaitTime = time.Second })
	sctx, stopServe := context.WithCancel(ctx)
	serveDone := make(chan error, 1)
	go func() { serveDone <- resp.Serve(sctx, served, newEchoHandler()) }()
	first := time.Now()
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	m, err := r.SendMessageAndGetResponse(cctx, &sqs.SendMessageInput{QueueUrl: &served, MessageBody: aws.String("after restart"),
		MessageAttributes: map[string]types.MessageAttributeValue{tokenAttr: strAttr("t0")}})
	cancel()
	if err != nil || aws.ToString(m.Body) != "re:after restart" {
		t.Fatalf("first request of the restarted requester: %v", err)
	}
	t.Logf("restarted requester: first request answered in %v", time.Since(first).Round(time.Millisecond))

	// The dead children's host queues go; the live requester's stays.
	// A killed child may hold sweep work: that period is lost.
	lost := time.Duration(0)
	if childrenSweep {
		lost = crashSweepPeriod
	}
	deadline := killed.Add(lost + crashRetention + 10*time.Second /* sweeper.Options.SkewMargin default */ + 2*crashSweepPeriod + 20*time.Second)
	var left []string
	for {
		now := listPrefix(t, api, prefix)
		left = left[:0]
		for _, h := range hosts {
			if slices.Contains(now, h) {
				left = append(left, h)
			}
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("host queues of killed children still there %v after the kill: %v; sweeper stats %+v; queues %v",
				time.Since(killed).Round(time.Second), left, r.Stats().TempQueue.Sweeper, listPrefix(t, api, ""))
		}
		time.Sleep(250 * time.Millisecond)
	}
	gone := time.Since(killed)
	remaining := listPrefix(t, api, prefix)
	if !slices.Contains(remaining, r.HostQueueURL()) {
		t.Errorf("the live requester's host queue %s was deleted", r.HostQueueURL())
	}
	// Still working after the sweep.
	cctx, cancel = context.WithTimeout(ctx, 20*time.Second)
	_, err = r.SendMessageAndGetResponse(cctx, &sqs.SendMessageInput{QueueUrl: &served, MessageBody: aws.String("after sweep"),
		MessageAttributes: map[string]types.MessageAttributeValue{tokenAttr: strAttr("t1")}})
	cancel()
	if err != nil {
		t.Errorf("request after the sweep: %v", err)
	}

	// Late responses to the dead requesters are stale replies: dropped
	// (and their requests deleted), no queue recreated.
	late := responder.New(api, func(o *responder.Options) { o.Logger = testutil.Logger(t); o.WaitTime = time.Second })
	lctx, stopLate := context.WithCancel(ctx)
	lateDone := make(chan error, 1)
	go func() { lateDone <- late.Serve(lctx, abandoned, newEchoHandler()) }()
	for late.Stats().StaleReplies < children*crashRequests && time.Now().Before(deadline.Add(30*time.Second)) {
		time.Sleep(50 * time.Millisecond)
	}
	stopLate()
	if err := <-lateDone; err != nil {
		t.Errorf("late Serve: %v", err)
	}
	ls := late.Stats()

	stopServe()
	if err := <-serveDone; err != nil {
		t.Errorf("Serve: %v", err)
	}
	closeCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := r.Close(closeCtx); err != nil {
		t.Errorf("requester Close: %v", err)
	}
	for _, q := range []string{abandoned, served} {
		if _, err := api.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &q}); err != nil {
			t.Errorf("delete %s: %v", q, err)
		}
	}
	// What is left with the prefix: the fleet's shared sweeper work queue
	// and its DLQ (infrastructure, reused by the next process), nothing else.
	var leaked []string
	for _, q := range listPrefix(t, api, prefix) {
		if !strings.HasSuffix(q, "/"+sweeper.WorkQueueName(prefix)) && !strings.HasSuffix(q, "/"+sweeper.DeadLetterQueueName(prefix)) {
			leaked = append(leaked, q)
		}
	}
	all := listPrefix(t, api, "")
	tr.CloseIdleConnections()
	leakedG, stacks := leakedGoroutines(ignore, tr.CloseIdleConnections)
	t.Logf("host queues of %d killed requesters (sweeping themselves: %v) deleted %v after SIGKILL (retention %v, skew margin 10s, sweep period %v)",
		children, childrenSweep, gone.Round(100*time.Millisecond), crashRetention, crashSweepPeriod)
	t.Logf("late responses to the dead requesters: %d stale (dropped), %d sent, %d refused", ls.StaleReplies, ls.Responses, ls.RefusedReplies)
	t.Logf("leaked queues %d (all queues now: %v), leaked goroutines %d", len(leaked), all, leakedG)
	if ls.StaleReplies != children*crashRequests || ls.Responses != 0 {
		t.Errorf("late responses: %d stale, %d sent; want %d stale, 0 sent", ls.StaleReplies, ls.Responses, children*crashRequests)
	}
	if len(leaked) != 0 {
		t.Errorf("queues left behind: %v", leaked)
	}
	if leakedG != 0 {
		t.Errorf("%d goroutines leaked:\n%s", leakedG, stacks)
	}
}

func listPrefix(t *testing.T, api sqsapi.API, prefix string) []string {
	t.Helper()
	in := &sqs.ListQueuesInput{MaxResults: aws.Int32(1000)}
	if prefix != "" {
		in.QueueNamePrefix = &prefix
	}
	var all []string
	for {
		out, err := api.ListQueues(context.Background(), in)
		if err != nil {
			t.Fatalf("ListQueues: %v", err)
		}
		all = append(all, out.QueueUrls...)
		if aws.ToString(out.NextToken) == "" {
			slices.Sort(all)
			return all
		}
		in.NextToken = out.NextToken
	}
}
