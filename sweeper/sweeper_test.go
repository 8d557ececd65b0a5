package sweeper

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// drive advances the fake clock in steps until cond holds, giving the
// goroutines under test a moment of real time after each step. It returns
// the fake time that passed.
func (e *fakeEnv) drive(t testing.TB, what string, step time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := e.clk.Now()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s (fake time passed: %v)", what, e.clk.Now().Sub(start))
		}
		e.clk.Advance(step)
		time.Sleep(500 * time.Microsecond)
	}
	return e.clk.Now().Sub(start)
}

func startSweeper(t *testing.T, api sqsapi.API, optFns ...func(*Options)) *Sweeper {
	t.Helper()
	s := NewSweeper(api, optFns...)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestSweeperDeletesOnlyIdleTaggedQueues(t *testing.T) {
	e := newFakeEnv(t)
	ctx := context.Background()
	const period = time.Minute
	opts := e.opts(t, func(o *Options) {
		o.SweepPeriod = period
		o.SkewMargin = time.Second
		o.NonEmptyGrace = 10 * time.Minute
	})

	// A dead owner: created queues, then went away without a word.
	dead := New(e.srv, opts...)
	dead1 := testutil.CreateQueue(t, dead, pfx+"dead1", retention(60), nil)
	dead2 := testutil.CreateQueue(t, dead, pfx+"dead2", retention(60), nil)
	full := testutil.CreateQueue(t, dead, pfx+"full", retention(60), nil)
	if _, err := dead.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &full, MessageBody: aws.String("unread reply")}); err != nil {
		t.Fatal(err)
	}
	if err := dead.Close(ctx); err != nil {
		t.Fatal(err)
	}
	_, _ = dead1, dead2

	// A live owner that keeps using its queue.
	owner := New(e.srv, opts...)
	defer owner.Close(ctx)
	liveURL := testutil.CreateQueue(t, owner, pfx+"live", retention(60), nil)

	// Controls that must never be deleted: prefixed but untagged; tagged
	// and ancient but without the prefix; a bad retention tag.
	ancient := map[string]string{sqsapi.RetentionTag: "1", sqsapi.HeartbeatTag: "0"}
	testutil.CreateQueue(t, e.srv, pfx+"untagged", nil, nil)
	testutil.CreateQueue(t, e.srv, "other-tagged", nil, ancient)
	testutil.CreateQueue(t, e.srv, pfx+"badtag", nil, map[string]string{sqsapi.RetentionTag: "forever", sqsapi.HeartbeatTag: "0"})
	controls := []string{pfx + "live", pfx + "untagged", "other-tagged", pfx + "badtag"}

	s := startSweeper(t, e.srv, opts...)
	use := func() bool {
		if _, err := owner.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &liveURL}); err != nil {
			t.Fatal(err)
		}
		return true
	}
	took := e.drive(t, "dead queues deleted", time.Second, func() bool {
		return use() && !exists(t, e.srv, pfx+"dead1") && !exists(t, e.srv, pfx+"dead2")
	})
	t.Logf("dead queues deleted %v after their creation (retention 60 s, period %v)", took, period)
	if limit := 60*time.Second + 2*period; took > limit {
		t.Errorf("deletion took %v of fake time, want <= retention + 2 periods = %v", took, limit)
	}
	if !exists(t, e.srv, pfx+"full") {
		t.Fatal("idle queue holding a message deleted before its grace period")
	}
	took = e.drive(t, "idle queue holding messages deleted after the grace period", time.Second, func() bool {
		return use() && !exists(t, e.srv, pfx+"full")
	})
	if elapsed := e.clk.Now().Sub(t0); elapsed < 60*time.Second+10*time.Minute {
		t.Errorf("full queue deleted after %v idle, before retention + grace", elapsed)
	}
	for _, name := range controls {
		if !exists(t, e.srv, name) {
			t.Errorf("control queue %s was deleted", name)
		}
	}
	for _, name := range []string{WorkQueueName(pfx), DeadLetterQueueName(pfx)} {
		if !exists(t, e.srv, name) {
			t.Errorf("%s missing", name)
		}
	}
	if st := s.Stats(); st.QueuesDeleted != 3 {
		t.Errorf("Stats = %+v, want 3 deletions", st)
	}
}

// TestFleetSharesOneSweepPerPeriod runs 5 sweepers sharing a prefix for 10
// sweep periods and counts the listings and how the checks spread.
func TestFleetSharesOneSweepPerPeriod(t *testing.T) {
	e := newFakeEnv(t)
	const (
		clients = 5
		periods = 10
		queues  = 40
		period  = time.Minute
	)
	for i := 0; i < queues; i++ {
		testutil.CreateQueue(t, e.srv, fmt.Sprintf("%sq%02d", pfx, i), nil, nil)
	}
	var fleet []*Sweeper
	for i := 0; i < clients; i++ {
		fleet = append(fleet, startSweeper(t, e.srv, e.opts(t, func(o *Options) { o.SweepPeriod = period })...))
	}
	total := func() (st Stats) {
		for _, s := range fleet {
			x := s.Stats()
			st.ListQueuesCalls += x.ListQueuesCalls
			st.Sweeps += x.Sweeps
			st.ChecksPerformed += x.ChecksPerformed
			st.Errors += x.Errors
		}
		return st
	}
	end := t0.Add(periods*period + 55*time.Second) // checks are due within the first 80% of a period
	e.drive(t, "10 periods", time.Second, func() bool { return !e.clk.Now().Before(end) })
	testutil.Eventually(t, "last checks done", func() bool { st := total(); return st.ChecksPerformed == st.Sweeps*queues })

	st := total()
	per := make([]int64, clients)
	for i, s := range fleet {
		per[i] = s.Stats().ChecksPerformed
	}
	t.Logf("%d clients, %d periods (plus the start): ListQueues calls=%d (server saw %d), sweeps=%d, checks=%d, checks per client=%v, errors=%d",
		clients, periods, st.ListQueuesCalls, e.srv.CallCounts()["ListQueues"], st.Sweeps, st.ChecksPerformed, per, st.Errors)
	// One sweep at start-up plus one per period boundary, whoever sends seeds.
	if st.Sweeps < periods || st.Sweeps > periods+1 {
		t.Errorf("sweeps = %d, want %d or %d", st.Sweeps, periods, periods+1)
	}
	if st.ListQueuesCalls != st.Sweeps || int64(e.srv.CallCounts()["ListQueues"]) != st.Sweeps {
		t.Errorf("ListQueues calls = %d, want one per sweep (%d)", st.ListQueuesCalls, st.Sweeps)
	}
	busy := 0
	for _, n := range per {
		if n > 0 {
			busy++
		}
	}
	if busy < 2 {
		t.Errorf("checks not spread over the fleet: %v", per)
	}
}

func TestListingIsPaginated(t *testing.T) {
	e := newFakeEnv(t)
	const n = 2345
	for i := 0; i < n; i++ {
		testutil.CreateQueue(t, e.srv, fmt.Sprintf("%sq%04d", pfx, i), nil, nil)
	}
	// The sweep is recorded once its last page is listed, not before.
	var lists, listsBeforeTag atomic.Int64
	e.srv.InjectFault("ListQueues", sqstest.Fault{Match: func(any) bool { lists.Add(1); return false }})
	e.srv.InjectFault("TagQueue", sqstest.Fault{Match: func(in any) bool {
		if _, ok := in.(*sqs.TagQueueInput).Tags[LastSweepTag]; ok {
			listsBeforeTag.Store(lists.Load())
		}
		return false
	}})
	s := startSweeper(t, e.srv, e.opts(t, func(o *Options) { o.SweepPeriod = time.Hour })...)
	e.drive(t, "all checks", time.Second, func() bool { return s.Stats().ChecksPerformed == n })
	if got := s.Stats().Sweeps; got != 1 {
		t.Fatalf("sweeps = %d, want 1", got)
	}
	if got := s.Stats().ListQueuesCalls; got != 3 {
		t.Errorf("ListQueues calls = %d, want 3 pages for %d queues", got, n)
	}
	if calls := e.srv.CallCounts(); calls["SendMessageBatch"] != (n+9)/10 {
		t.Errorf("SendMessageBatch calls = %d, want %d", calls["SendMessageBatch"], (n+9)/10)
	}
	if got := listsBeforeTag.Load(); got != 3 {
		t.Errorf("LastSweepTag written after %d of the 3 pages were listed, want after the last", got)
	}
}

// TestLongPeriodSweepsOnce: with a period longer than the 5-minute FIFO
// deduplication window, a late starter's seed is not deduplicated by SQS,
// but the LastSweepTag check still makes it one sweep per period.
func TestLongPeriodSweepsOnce(t *testing.T) {
	e := newFakeEnv(t)
	const period = 10 * time.Minute
	opts := e.opts(t, func(o *Options) { o.SweepPeriod = period })
	a := startSweeper(t, e.srv, opts...)
	e.drive(t, "first sweep", time.Second, func() bool { return a.Stats().Sweeps == 1 })
	e.clk.Advance(6 * time.Minute)
	b := startSweeper(t, e.srv, opts...)
	sent := func() int { return e.srv.CallCounts()["SendMessage"] }
	e.drive(t, "late seed handled", time.Second, func() bool {
		return sent() == 2 && workQueueEmpty(t, e.srv)
	})
	if got := a.Stats().Sweeps + b.Stats().Sweeps; got != 1 {
		t.Fatalf("sweeps in period 0 = %d, want 1", got)
	}
	e.drive(t, "next period's sweep", time.Second, func() bool { return a.Stats().Sweeps+b.Stats().Sweeps == 2 })
	if got := e.srv.CallCounts()["ListQueues"]; got != 2 {
		t.Errorf("ListQueues = %d, want 2", got)
	}
}

func workQueueEmpty(t testing.TB, api sqsapi.API) bool {
	out, err := api.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(WorkQueueName(pfx))})
	if err != nil {
		return false
	}
	attrs, err := api.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: messageCountAttributes})
	if err != nil {
		t.Fatal(err)
	}
	n, ok := messageCount(attrs.Attributes)
	return ok && n == 0
}

func TestSweeperDropsBadAndHostileMessages(t *testing.T) {
	e := newFakeEnv(t)
	ctx := context.Background()
	s := startSweeper(t, e.srv, e.opts(t)...)
	e.drive(t, "work queue", time.Second, func() bool { return exists(t, e.srv, WorkQueueName(pfx)) })
	e.drive(t, "first sweep", time.Second, func() bool { return s.Stats().Sweeps == 1 })
	workURL, dlqURL := urlOf(t, e.srv, WorkQueueName(pfx)), urlOf(t, e.srv, DeadLetterQueueName(pfx))

	ancient := map[string]string{sqsapi.RetentionTag: "1", sqsapi.HeartbeatTag: "0"}
	victim := testutil.CreateQueue(t, e.srv, "not-ours", nil, ancient)
	testutil.CreateQueue(t, e.srv, pfx+"ours", nil, nil)
	foreign := "https://sqs.eu-west-1.amazonaws.com/999999999999/" + pfx + "ours"
	bodies := []string{
		"not json",
		`{"v":2,"kind":"sweep","period":1}`,
		`{"v":1,"kind":"nuke","queueUrl":"x"}`,
		workMessage{V: 1, Kind: kindCheck, QueueURL: victim}.encode(),
		workMessage{V: 1, Kind: kindCheck, QueueURL: workURL}.encode(),
		workMessage{V: 1, Kind: kindCheck, QueueURL: dlqURL}.encode(),
		workMessage{V: 1, Kind: kindCheck, QueueURL: foreign}.encode(),
		workMessage{V: 1, Kind: kindCheck, QueueURL: "ftp://evil/1/" + pfx + "x"}.encode(),
		workMessage{V: 1, Kind: kindCheck, QueueURL: strings.Replace(urlOf(t, e.srv, pfx+"ours"), "https://", "http://", 1)}.encode(),
		`{"v":1,"kind":"list","period":1,"token":"","page":2}`,
		`{"v":1,"kind":"list","period":1,"token":"t","page":1}`,
	}
	for i, b := range bodies {
		if _, err := e.srv.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &workURL, MessageBody: aws.String(b),
			MessageGroupId: aws.String("g" + strconv.Itoa(i)), MessageDeduplicationId: aws.String("d" + strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	e.drive(t, "bad messages dropped", time.Second, func() bool {
		return s.Stats().BadMessages == int64(len(bodies)) && workQueueEmpty(t, e.srv)
	})
	for _, name := range []string{"not-ours", pfx + "ours", WorkQueueName(pfx), DeadLetterQueueName(pfx)} {
		if !exists(t, e.srv, name) {
			t.Errorf("%s deleted", name)
		}
	}
	if st := s.Stats(); st.QueuesDeleted != 0 {
		t.Errorf("Stats = %+v", st)
	}
}

// TestPoisonCheckGoesToDLQ: a check whose handling keeps failing is retried
// (one attempt per poll window: failed work waits for the next window) and
// ends in the DLQ after workMaxReceiveCount attempts.
func TestPoisonCheckGoesToDLQ(t *testing.T) {
	e := newFakeEnv(t)
	s := startSweeper(t, e.srv, e.opts(t, func(o *Options) { o.SweepPeriod = time.Minute })...)
	e.drive(t, "first sweep", time.Second, func() bool { return s.Stats().Sweeps == 1 })
	workURL := urlOf(t, e.srv, WorkQueueName(pfx))
	// A check without a period is never stale; its queue is not listed, so
	// no sweep sends checks of it.
	stuck := strings.Replace(workURL, WorkQueueName(pfx), pfx+"stuck", 1)
	e.srv.InjectFault("ListQueueTags", sqstest.Fault{
		Err:   errors.New("boom"),
		Match: func(in any) bool { return aws.ToString(in.(*sqs.ListQueueTagsInput).QueueUrl) == stuck },
	})
	if _, err := e.srv.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &workURL,
		MessageBody:    aws.String(workMessage{V: 1, Kind: kindCheck, QueueURL: stuck}.encode()),
		MessageGroupId: aws.String("poison"), MessageDeduplicationId: aws.String("poison")}); err != nil {
		t.Fatal(err)
	}
	dlqDepth := func() int64 {
		out, err := e.srv.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(DeadLetterQueueName(pfx))})
		if err != nil {
			return 0
		}
		a, _ := e.srv.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: messageCountAttributes})
		n, _ := messageCount(a.Attributes)
		return n
	}
	e.drive(t, "poison check in the DLQ", time.Second, func() bool { return dlqDepth() == 1 })
	if got := s.Stats().ChecksPerformed; got != workMaxReceiveCount {
		t.Errorf("attempts = %d, want %d", got, workMaxReceiveCount)
	}
}

func TestSweeperRecreatesWorkQueueWithBackoff(t *testing.T) {
	e := newFakeEnv(t)
	ctx := context.Background()
	s := startSweeper(t, e.srv, e.opts(t)...)
	e.drive(t, "first sweep", time.Second, func() bool { return s.Stats().Sweeps == 1 })
	workURL := urlOf(t, e.srv, WorkQueueName(pfx))
	e.srv.ResetCallCounts()
	if _, err := e.srv.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &workURL}); err != nil {
		t.Fatal(err)
	}
	took := e.drive(t, "work queue recreated", time.Second, func() bool { return exists(t, e.srv, WorkQueueName(pfx)) })
	calls := e.srv.CallCounts()
	t.Logf("work queue back after %v of fake time; calls meanwhile: %v", took, calls)
	// SQS refuses the name for 60 s: with backoff that is a handful of
	// attempts, not a spin.
	if calls["CreateQueue"] > 40 {
		t.Errorf("CreateQueue called %d times in %v: spinning", calls["CreateQueue"], took)
	}
	e.drive(t, "sweeping again", time.Second, func() bool { return s.Stats().Sweeps >= 2 })
}

func TestStartStop(t *testing.T) {
	e := newFakeEnv(t)
	ctx := context.Background()
	s := NewSweeper(e.srv, e.opts(t)...)
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("Stop before Start: %v", err)
	}
	if err := s.Start(ctx); !errors.Is(err, ErrStopped) {
		t.Fatalf("Start after Stop = %v, want ErrStopped", err)
	}

	s = NewSweeper(e.srv, e.opts(t)...)
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); !errors.Is(err, ErrStarted) {
		t.Fatalf("second Start = %v, want ErrStarted", err)
	}
	e.drive(t, "long poll waiting", time.Second, func() bool { return e.srv.CallCounts()["ReceiveMessage"] > 0 })
	if err := s.Stop(ctx); err != nil { // cancels the long poll; no clock advance needed
		t.Fatal(err)
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	bad := NewSweeper(e.srv, e.opts(t, func(o *Options) { o.QueuePrefix = "no spaces" })...)
	var ipe *sqsapi.InvalidParameterError
	if err := bad.Start(ctx); !errors.As(err, &ipe) || ipe.Param != "QueuePrefix" {
		t.Fatalf("Start with a bad prefix = %v", err)
	}
}

func TestWorkQueueReusedWithOtherAttributes(t *testing.T) {
	e := newFakeEnv(t)
	// Created by someone else (another version), with other attributes.
	testutil.CreateQueue(t, e.srv, WorkQueueName(pfx), map[string]string{"FifoQueue": "true", "VisibilityTimeout": "5"}, nil)
	s := startSweeper(t, e.srv, e.opts(t)...)
	e.drive(t, "sweep", time.Second, func() bool { return s.Stats().Sweeps == 1 })
	out, _ := e.srv.ListQueues(context.Background(), &sqs.ListQueuesInput{})
	sort.Strings(out.QueueUrls)
	if len(out.QueueUrls) != 1 {
		t.Errorf("queues = %v, want only the reused work queue", out.QueueUrls)
	}
	_ = types.QueueAttributeNameAll
}

func urlOf(t testing.TB, api sqsapi.API, name string) string {
	t.Helper()
	out, err := api.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatalf("url of %s: %v", name, err)
	}
	return *out.QueueUrl
}

// A sweep at start-up late in a period does not suppress the next period's.
func TestLateStartupSweepDoesNotSkipNextPeriod(t *testing.T) {
	e := newFakeEnv(t)
	e.clk.Advance(50 * time.Second)
	s := startSweeper(t, e.srv, e.opts(t, func(o *Options) { o.SweepPeriod = time.Minute })...)
	e.drive(t, "start-up sweep", time.Second, func() bool { return s.Stats().Sweeps == 1 })
	took := e.drive(t, "next period's sweep", time.Second, func() bool { return s.Stats().Sweeps == 2 })
	if end := e.clk.Now().Sub(t0); end > 70*time.Second {
		t.Errorf("second sweep at %v (waited %v), want right after the period boundary at 60 s", end, took)
	}
}

// TestWorkQueueCreatedForHighThroughput: the work queue is a FIFO queue with
// SQS's high-throughput settings and a dead-letter queue.
func TestWorkQueueCreatedForHighThroughput(t *testing.T) {
	e := newFakeEnv(t)
	s := startSweeper(t, e.srv, e.opts(t)...)
	e.drive(t, "first sweep", time.Second, func() bool { return s.Stats().Sweeps == 1 })
	checkWorkQueueAttributes(t, e.srv, urlOf(t, e.srv, WorkQueueName(pfx)), urlOf(t, e.srv, DeadLetterQueueName(pfx)))
}

func checkWorkQueueAttributes(t *testing.T, api sqsapi.API, workURL, dlqURL string) {
	t.Helper()
	out, err := api.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &workURL, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	dlq, err := api.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &dlqURL, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"FifoQueue":           "true",
		"DeduplicationScope":  "messageGroup",
		"FifoThroughputLimit": "perMessageGroupId",
	} {
		if got := out.Attributes[name]; got != want {
			t.Errorf("work queue %s = %q, want %q", name, got, want)
		}
	}
	if rp := out.Attributes["RedrivePolicy"]; !strings.Contains(rp, dlq.Attributes["QueueArn"]) {
		t.Errorf("work queue RedrivePolicy = %q, want the DLQ %s", rp, dlq.Attributes["QueueArn"])
	}
}
