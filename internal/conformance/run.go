package conformance

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// QueuePrefix starts the name of every queue the suite creates.
const QueuePrefix = "sqstemp-conf-"

// Result counts the subtests of one Run.
type Result struct {
	Ran, Passed, Skipped, Failed int
}

type testCase struct {
	name string
	fn   func(e *env)
}

// Run runs the conformance suite against h and returns the counts (also
// logged). The subtests run concurrently: most of their time is spent
// waiting for visibility timeouts and long polls, so they run from their own
// goroutines (at most 32 at once) rather than under t.Parallel, whose limit
// (-parallel, GOMAXPROCS by default) would serialise the waits.
func Run(t *testing.T, h Harness) Result {
	var ran, passed, skipped, failed atomic.Int32
	t.Run(h.Name(), func(t *testing.T) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for _, tc := range suite() {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				t.Run(tc.name, func(t *testing.T) {
					ran.Add(1)
					t.Cleanup(func() {
						switch {
						case t.Failed():
							failed.Add(1)
						case t.Skipped():
							skipped.Add(1)
						default:
							passed.Add(1)
						}
					})
					tc.fn(newEnv(t, h))
				})
			}()
		}
		wg.Wait()
	})
	r := Result{Ran: int(ran.Load()), Passed: int(passed.Load()), Skipped: int(skipped.Load()), Failed: int(failed.Load())}
	t.Logf("conformance against %s: %d subtests ran, %d passed, %d skipped, %d failed", h.Name(), r.Ran, r.Passed, r.Skipped, r.Failed)
	return r
}

// env is one subtest's view of the backend.
type env struct {
	t    *testing.T
	ctx  context.Context
	api  sqsapi.API
	caps Capabilities
	adv  Advancer // nil: real time
	id   string   // unique per subtest
}

func newEnv(t *testing.T, h Harness) *env {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	api, cleanup := h.MakeAPI(ctx, t)
	t.Cleanup(cleanup)
	e := &env{t: t, ctx: ctx, api: api, caps: h.Capabilities(), id: strings.ReplaceAll(uuid.NewString(), "-", "")[:12]}
	e.adv, _ = api.(Advancer)
	return e
}

// deviates reports whether the backend has deviation d; if so it logs that
// the check is skipped.
func (e *env) deviates(d Deviation) bool {
	if e.caps.Deviations[d] {
		e.t.Logf("check skipped: known deviation %q of this backend from SQS", d)
		return true
	}
	return false
}

// skipIf skips the whole subtest if the backend has deviation d.
func (e *env) skipIf(d Deviation) {
	if e.caps.Deviations[d] {
		e.t.Skipf("known deviation %q of this backend from SQS", d)
	}
}

// name returns a unique queue name ending in suffix.
func (e *env) name(suffix string) string {
	return QueuePrefix + e.id + suffix
}

// create creates a queue that is deleted when the subtest ends.
func (e *env) create(suffix string, attrs map[string]string) string {
	e.t.Helper()
	return e.createNamed(e.name(suffix), attrs, nil)
}

func (e *env) createNamed(name string, attrs, tags map[string]string) string {
	e.t.Helper()
	out, err := e.api.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs, Tags: tags})
	if err != nil {
		e.t.Fatalf("CreateQueue %s: %v", name, err)
	}
	url := aws.ToString(out.QueueUrl)
	e.t.Cleanup(func() {
		_, _ = e.api.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(url)})
	})
	return url
}

func (e *env) send(url, body string) *sqs.SendMessageOutput {
	e.t.Helper()
	out, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)})
	if err != nil {
		e.t.Fatalf("SendMessage: %v", err)
	}
	return out
}

// pollWait is the WaitTimeSeconds the suite's receives use: a short long
// poll in real time (so real SQS does not sample a subset of its servers),
// none on a fake clock (the clock would not move on its own).
func (e *env) pollWait() int32 {
	if e.adv != nil {
		return 0
	}
	return 1
}

// receiveOnce receives once with in's settings plus the suite's wait.
func (e *env) receiveOnce(in sqs.ReceiveMessageInput) []types.Message {
	e.t.Helper()
	if in.WaitTimeSeconds == 0 {
		in.WaitTimeSeconds = e.pollWait()
	}
	out, err := e.api.ReceiveMessage(e.ctx, &in)
	if err != nil {
		e.t.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

// receive receives until at least one message arrives (or fails the test
// after a deadline).
func (e *env) receive(in sqs.ReceiveMessageInput) []types.Message {
	e.t.Helper()
	var got []types.Message
	e.eventually("a message to arrive", func() bool {
		got = e.receiveOnce(in)
		return len(got) > 0
	})
	return got
}

// receiveN receives until n messages arrived in total.
func (e *env) receiveN(in sqs.ReceiveMessageInput, n int) []types.Message {
	e.t.Helper()
	var got []types.Message
	e.eventually("messages to arrive", func() bool {
		got = append(got, e.receiveOnce(in)...)
		return len(got) >= n
	})
	return got
}

// eventually polls cond until it holds, advancing a fake clock by a second
// between tries or sleeping in real time; it fails the test after 30 s (or
// 30 fake minutes; on real AWS, whose deletes and purges take up to 60 s,
// after 100 s).
func (e *env) eventually(what string, cond func() bool) {
	e.t.Helper()
	limit := 30 * time.Second
	if e.caps.RealAWS {
		limit = 100 * time.Second
	}
	deadline := time.Now().Add(limit)
	for i := 0; ; i++ {
		if cond() {
			return
		}
		if (e.adv != nil && i > 1800) || time.Now().After(deadline) {
			e.t.Fatalf("gave up waiting for %s", what)
		}
		if e.adv != nil {
			e.adv.Advance(time.Second)
		} else {
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// pass lets d pass: advances a fake clock, or sleeps.
func (e *env) pass(d time.Duration) {
	if e.adv != nil {
		e.adv.Advance(d)
		return
	}
	time.Sleep(d)
}

// missingURL returns the URL of a queue that does not exist, in the
// backend's URL shape.
func (e *env) missingURL(existing string) string {
	i := strings.LastIndexByte(existing, '/')
	return existing[:i+1] + e.name("-missing")
}

// wantCategory marks the test failed (and goes on) unless err classifies as
// one of want.
func (e *env) wantCategory(what string, err error, want ...sqsapi.Category) {
	e.t.Helper()
	if err == nil {
		e.t.Errorf("%s: got no error, want %v", what, want)
		return
	}
	got := sqsapi.Classify(err)
	for _, w := range want {
		if got == w {
			return
		}
	}
	e.t.Errorf("%s: got error %v (category %v, code %q), want category %v", what, err, got, sqsapi.ErrorCode(err), want)
}

// wantCode fails the test unless err carries the SQS code.
func (e *env) wantCode(what string, err error, code string) {
	e.t.Helper()
	if err == nil {
		e.t.Errorf("%s: got no error, want %s", what, code)
		return
	}
	if got := sqsapi.ErrorCode(err); got != code && got != "AWS.SimpleQueueService."+code {
		e.t.Errorf("%s: got error %v (code %q), want code %s", what, err, got, code)
	}
}

// wantAs fails the test unless errors.As finds target's type in err.
func wantAs[T error](e *env, what string, err error) {
	e.t.Helper()
	var target T
	if !errors.As(err, &target) {
		if e.deviates(DeviationErrorTypes) {
			return
		}
		e.t.Fatalf("%s: error %v (%T) does not unwrap to %T", what, err, err, target)
	}
}

func (e *env) noErr(what string, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

func (e *env) attrs(url string, names ...types.QueueAttributeName) map[string]string {
	e.t.Helper()
	out, err := e.api.GetQueueAttributes(e.ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: names})
	e.noErr("GetQueueAttributes", err)
	return out.Attributes
}
