package reliability

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestEmulatorRestart: the emulator is stopped for 10 s in the middle of a
// run and restarted empty on the same port. Requests made meanwhile fail
// with clear errors (or succeed after the SDK's retries); the requester's
// poller and Serve back off and recover; the requester's host queue is
// recreated by the library (sweeper's recreate path, through tempqueue);
// the request queue, which belongs to the application, is recreated by the
// application (here the test) — the library cannot know its attributes or
// policy, and must not invent a queue someone deleted on purpose. Serve
// keeps polling it with backoff and picks it up again without a restart.
// Then every request succeeds.
func TestEmulatorRestart(t *testing.T) {
	const (
		callers = 16
		outage  = 10 * time.Second
		after   = 500 // requests after recovery, all of which must succeed
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
	t.Logf("emulator stopped")
	time.Sleep(outage)
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	if err := e.em.Restart(rctx); err != nil {
		cancel()
		t.Fatalf("restart: %v", err)
	}
	cancel()
	restarted := time.Now()
	t.Logf("emulator restarted empty after %v: queues %v", restarted.Sub(stopped).Round(time.Millisecond), e.queues(t, ""))
	// The application recreates its request queue (same name, same URL).
	if u := createQueue(t, e.faulty, g.queue, map[string]string{"VisibilityTimeout": "5"}); u != g.queueURL {
		t.Fatalf("recreated request queue at %s, was %s", u, g.queueURL)
	}

	// Recovery: the first request that succeeds after the restart.
	var recovered time.Duration
	for {
		o := g.call("probe-"+itoa(seq.Add(1)), 20*time.Second)
		if o.wrong != "" {
			t.Fatalf("wrong response: %s", o.wrong)
		}
		if o.err == nil {
			recovered = time.Since(restarted)
			break
		}
		if time.Since(restarted) > 2*time.Minute {
			t.Fatalf("no request succeeded within 2 minutes of the restart: %v", o.err)
		}
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
