package reliability

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sqstemp/sqstemp/internal/faultproxy"
	"github.com/sqstemp/sqstemp/internal/testutil"
)

// TestEmulatorRestart: the emulator is stopped for 10 s in the middle of a
// run and restarted empty on the same port. Requests made meanwhile fail
// with clear errors (or succeed after the SDK's retries); the requester's
// poller and Serve back off and recover within recoveryBound; the
// requester's host queue is recreated by the library (sweeper's recreate
// path, through tempqueue); the request queue, which belongs to the
// application, is recreated by the application (here the test) — the
// library cannot know its attributes or policy, and must not invent a
// queue someone deleted on purpose. Until it has, the proxy answers every
// call with a server error, which Serve retries with backoff (a receive
// that found the queue missing would stop Serve, by design). Serve then
// picks the queue up again without a restart, and every request succeeds.
func TestEmulatorRestart(t *testing.T) {
	const (
		callers = 16
		outage  = 10 * time.Second
		after   = 500 // requests after recovery, all of which must succeed
		probe   = 10 * time.Second
		// recoveryBound bounds the time from the end of the outage to the
		// first request that succeeds: the pollers' next retry (their
		// backoff is capped at 20 s; after a 10 s outage it is under a
		// second), the host queue's recreation, and a probe or two that
		// went out before it and timed out (10 s each), with room for a
		// loaded machine.
		recoveryBound = time.Minute
	)
	e := newEmuEnv(t, 10, time.Second)
	ignore := goleak.IgnoreCurrent()
	g := newRPCRig(t, e, nil)
	ctx := context.Background()

	// Background load through the whole outage.
	var (
		mu       sync.Mutex
		duringOK int
		during   []outcome
		stop     atomic.Bool
		wg       sync.WaitGroup
		seq      atomic.Int64
	)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				o := g.call("outage-"+itoa(seq.Add(1)), 30*time.Second)
				mu.Lock()
				if o.err == nil && o.wrong == "" {
					duringOK++
				}
				during = append(during, o)
				mu.Unlock()
			}
		}()
	}
	time.Sleep(2 * time.Second)
	e.em.Stop()
	stopped := time.Now()
	time.Sleep(outage)
	if err := e.proxy.SetRates(faultproxy.Rates{Error500: 1}); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	if err := e.em.Restart(rctx); err != nil {
		cancel()
		t.Fatalf("restart: %v", err)
	}
	cancel()
	if left := e.queues(t, ""); len(left) != 0 {
		t.Fatalf("the emulator restarted with queues: %v", left)
	}
	// The application recreates its request queue (same name; the URL the
	// clients use names the proxy), then the proxy lets calls through.
	testutil.CreateQueue(t, e.direct, g.queue, map[string]string{"VisibilityTimeout": "5"}, nil)
	if err := e.proxy.SetRates(faultproxy.Rates{}); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	t.Logf("emulator restarted empty after %v", restarted.Sub(stopped).Round(time.Millisecond))

	// Recovery: the first request that succeeds after the restart.
	var recovered time.Duration
	for {
		o := g.call("probe-"+itoa(seq.Add(1)), probe)
		if o.wrong != "" {
			t.Fatalf("wrong response: %s", o.wrong)
		}
		if o.err == nil {
			recovered = time.Since(restarted)
			break
		}
		if time.Since(restarted) > 2*recoveryBound {
			t.Fatalf("no request succeeded within %v of the restart: %v", 2*recoveryBound, o.err)
		}
	}
	if recovered > recoveryBound {
		t.Errorf("the first request succeeded %v after the restart, more than %v", recovered.Round(time.Millisecond), recoveryBound)
	}
	stop.Store(true)
	wg.Wait()

	// Later requests all succeed.
	outs := g.run(after, callers, 60*time.Second)
	rs := g.req.Stats()
	if err := g.shutdown(t); err != nil {
		// Deletes of answered requests that failed while the emulator was
		// down: those requests were redelivered and answered again.
		t.Logf("Serve returned the deferred delete errors of the outage: %.300s", err)
	}
	ss := g.resp.Stats()
	r := tally(outs, g.h.snapshot())

	mu.Lock()
	dr := tally(during, g.h.snapshot())
	mu.Unlock()
	leftQueues := e.queues(t, "")
	_ = e.proxy.Close()
	leaked, stacks := leakedGoroutines(ignore, e.closeIdle)
	t.Logf("during the outage: %d requests, %d answered, %d clear errors (%d timeouts), %d wrong; first success %v after the restart",
		dr.Requests, dr.Answered, dr.Errors, dr.Timeouts, dr.Wrong, recovered.Round(time.Millisecond))
	for _, s := range dr.errSamples {
		t.Logf("error sample: %s", s)
	}
	t.Logf("after recovery: %d requests, answered %d, errors %d, wrong %d, lost %d", r.Requests, r.Answered, r.Errors, r.Wrong, r.Lost)
	t.Logf("requester: poll errors (backed off) %d, host queue recreated %d, failed over %d; responder: received %d, responses %d, stale %d, send errors %d",
		rs.TempQueue.VirtualQueue.PollErrors, rs.TempQueue.Heartbeats.Recreated, rs.TempQueue.Heartbeats.FailedOver,
		ss.Received, ss.Responses, ss.StaleReplies, ss.SendErrors)
	t.Logf("leaked goroutines %d, leaked queues %d", leaked, len(leftQueues))

	if dr.Wrong != 0 || r.Wrong != 0 {
		t.Errorf("wrong responses: %d during, %d after", dr.Wrong, r.Wrong)
	}
	for _, o := range during {
		if o.err != nil && !strings.HasPrefix(o.err.Error(), "requester:") {
			t.Errorf("unclear error: %v", o.err)
		}
	}
	if r.Answered != after || r.Lost != 0 {
		t.Errorf("after recovery: answered %d of %d, lost %d; errors: %v", r.Answered, after, r.Lost, r.errSamples)
	}
	if rs.TempQueue.VirtualQueue.PollErrors == 0 {
		t.Error("the requester's poller saw no error: the outage did not happen?")
	}
	if rs.TempQueue.Heartbeats.Recreated+rs.TempQueue.Heartbeats.FailedOver == 0 {
		t.Error("the requester's host queue was not recreated")
	}
	if leaked != 0 {
		t.Errorf("%d goroutines leaked:\n%s", leaked, stacks)
	}
	if len(leftQueues) != 0 {
		t.Errorf("queues left behind: %v", leftQueues)
	}
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
