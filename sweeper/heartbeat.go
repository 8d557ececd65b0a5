package sweeper

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// beatState is the heartbeat schedule of one held queue. Guarded by
// Client.mu.
type beatState struct {
	lastOK   time.Time // when the heartbeat tag was last written (creation, recovery, or the timestamp of a successful TagQueue)
	due      time.Time // next heartbeat, while in the due heap
	dueIdx   int       // index in scheduler.due; -1 while being heartbeated or not held
	staleIdx int       // index in scheduler.stale; -1 while stale or not held
	failures int       // consecutive failed heartbeats
	lastErr  error     // error of the last failed heartbeat, for the stale warning
	stale    bool      // lastOK is older than half the retention; counted in TagBudget.stale
}

// staleAt is when q's heartbeat gets older than half its retention.
func (q *queueState) staleAt() time.Time { return q.hb.lastOK.Add(q.retention / 2) }

// scheduler heartbeats the queues a Client holds. One goroutine keeps them
// in a min-heap by due time and starts each due heartbeat, oldest first, in
// a goroutine of its own, at most Options.HeartbeatConcurrency at once, so
// that a slow or hung call holds up no other queue. A second heap, by when
// each heartbeat gets stale, makes the warning come on time even while
// heartbeats cannot run. Its fields are guarded by Client.mu.
type scheduler struct {
	c       *Client
	due     queueHeap // held queues waiting for their next heartbeat
	stale   queueHeap // held queues not stale, by staleAt
	active  int       // heartbeats running
	started bool
	wake    chan struct{}
	done    chan struct{} // closed when the loop and every heartbeat it started returned
	workers sync.WaitGroup
}

func newScheduler(c *Client) *scheduler {
	return &scheduler{
		c:     c,
		due:   queueHeap{key: func(q *queueState) time.Time { return q.hb.due }, index: func(q *queueState) *int { return &q.hb.dueIdx }},
		stale: queueHeap{key: (*queueState).staleAt, index: func(q *queueState) *int { return &q.hb.staleIdx }},
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
}

// addLocked starts heartbeating q, whose heartbeat tag was written at now
// (by CreateQueue). Its first heartbeat is due at once all the same: a
// CreateQueue that returns an existing queue does not write its tags.
func (s *scheduler) addLocked(q *queueState, now time.Time) {
	q.hb.lastOK, q.hb.due = now, now
	s.due.set(q)
	s.stale.set(q)
	if !s.started {
		s.started = true
		go s.run()
	}
	s.nudge()
}

// removeLocked stops heartbeating q.
func (s *scheduler) removeLocked(q *queueState) {
	s.due.remove(q)
	s.stale.remove(q)
	if q.hb.stale {
		q.hb.stale = false
		s.c.opts.TagBudget.stale.Add(-1)
	}
}

// writtenLocked records that q's heartbeat tag was written at at, and
// reports whether that ended a stale episode.
func (s *scheduler) writtenLocked(q *queueState, at time.Time) (recovered bool) {
	if !s.c.holdsLocked(q) {
		return false
	}
	if at.After(q.hb.lastOK) {
		q.hb.lastOK = at
	}
	if q.hb.stale {
		q.hb.stale, recovered = false, true
		s.c.opts.TagBudget.stale.Add(-1)
	}
	s.stale.set(q)
	return recovered
}

func (s *scheduler) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run is the scheduler's goroutine; it returns when the Client closes,
// after every heartbeat it started returned.
func (s *scheduler) run() {
	defer close(s.done)
	defer s.workers.Wait()
	ctx := s.c.ctx
	for {
		wait, timed := s.step()
		var t clock.Timer
		var fire <-chan time.Time
		if timed {
			t = s.c.opts.Clock.NewTimer(wait)
			fire = t.C()
		}
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-fire:
		}
		if t != nil {
			t.Stop()
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// step marks the queues whose heartbeat just got stale, starts the due
// heartbeats that free workers can take, and returns how long until the
// next of either (timed is false if there is none until a wake-up).
func (s *scheduler) step() (wait time.Duration, timed bool) {
	c := s.c
	now := c.opts.Clock.Now()
	var stale []staleReport
	c.mu.Lock()
	for q := s.stale.peek(); q != nil && !q.staleAt().After(now); q = s.stale.peek() {
		stale = append(stale, s.markStaleLocked(s.stale.pop(), now))
	}
	for s.active < c.opts.HeartbeatConcurrency {
		q := s.due.peek()
		if q == nil || q.hb.due.After(now) {
			break
		}
		s.due.pop()
		s.active++
		s.workers.Add(1)
		go s.work(q)
	}
	var next time.Time
	if q := s.stale.peek(); q != nil {
		next = q.staleAt()
	}
	if q := s.due.peek(); q != nil && s.active < c.opts.HeartbeatConcurrency && (next.IsZero() || q.hb.due.Before(next)) {
		next = q.hb.due
	}
	c.mu.Unlock()
	for _, r := range stale {
		c.warnStale(r)
	}
	if next.IsZero() {
		return 0, false
	}
	return next.Sub(now), true
}

// work runs one heartbeat of q and schedules the next.
func (s *scheduler) work(q *queueState) {
	defer s.workers.Done()
	res := s.c.beat(s.c.ctx, q)
	s.finish(q, res)
}

// finish schedules q's next heartbeat: one interval (jittered) after the
// timestamp just written, or soon after a failure.
func (s *scheduler) finish(q *queueState, res beatResult) {
	c := s.c
	now := c.opts.Clock.Now()
	recovered, firstFailure := false, false
	var retry time.Duration
	c.mu.Lock()
	s.active--
	if c.holdsLocked(q) && c.ctx.Err() == nil {
		if res.err == nil {
			q.hb.failures, q.hb.lastErr = 0, nil
			recovered = s.writtenLocked(q, res.at)
			q.hb.due = res.at.Add(jitter(q.interval))
		} else {
			q.hb.failures++
			q.hb.lastErr = res.err
			firstFailure = q.hb.failures == 1
			retry = retryDelay(q.hb.failures, q.interval)
			q.hb.due = now.Add(retry)
			c.hbFailures.Add(1)
		}
		s.due.set(q)
	}
	c.mu.Unlock()
	s.nudge()
	c.logRecovered(q, recovered)
	// A failure retried within seconds is routine: the operator is told
	// (warnStale) only if the heartbeat gets older than half the retention.
	switch {
	case firstFailure:
		c.log.Debug("heartbeat failed; retrying", "queue", q.url, "retryIn", retry, "error", res.err)
	case res.err != nil && retry > 0:
		c.log.Debug("heartbeat failed again; retrying", "queue", q.url, "retryIn", retry, "error", res.err)
	}
}

// beatResult is the outcome of one heartbeat of a queue: the timestamp it
// wrote (the earliest of its calls), or an error.
type beatResult struct {
	at  time.Time
	err error
}

// beat heartbeats q: its live queue, and a failover it drains, each with a
// TagQueue of its own. A queue found deleted is recovered (recreated, or
// failed over). While q runs on its failover, it also tries to recreate the
// original.
func (c *Client) beat(ctx context.Context, q *queueState) beatResult {
	c.mu.Lock()
	epoch, restore := q.epoch, q.fo.active
	targets := []string{q.url}
	switch {
	case q.fo.active:
		targets = []string{q.fo.url}
	case q.fo.url != "":
		targets = append(targets, q.fo.url)
	}
	c.mu.Unlock()
	var res beatResult
	for _, target := range targets {
		at, err := c.tag(ctx, q, target)
		if sqsapi.IsQueueDoesNotExist(err) {
			at, err = c.opts.Clock.Now(), c.recoverWithin(ctx, q, func(ctx context.Context) error { return c.recover(ctx, q, epoch, target) })
		}
		if err != nil {
			res.err = err
			continue
		}
		if res.at.IsZero() || at.Before(res.at) {
			res.at = at
		}
	}
	if restore {
		_ = c.recoverWithin(ctx, q, func(ctx context.Context) error { c.tryRestore(ctx, q); return nil })
	}
	return res
}

// recoverWithin runs a recovery step of a heartbeat under the heartbeat's
// timeout, so that a hung CreateQueue does not hold the worker.
func (c *Client) recoverWithin(ctx context.Context, q *queueState, step func(context.Context) error) error {
	rctx, cancel := withTimeout(ctx, c.opts.Clock, q.timeout)
	defer cancel()
	return step(rctx)
}

// tag makes one heartbeat call: it takes a token from the tagging budget,
// then writes the time of the call (not of some earlier moment) under its
// own timeout.
func (c *Client) tag(ctx context.Context, q *queueState, target string) (time.Time, error) {
	b := c.opts.TagBudget
	if err := b.wait(ctx, forHeartbeat); err != nil {
		return time.Time{}, err
	}
	at := c.opts.Clock.Now()
	cctx, cancel := withTimeout(ctx, c.opts.Clock, q.timeout)
	defer cancel()
	c.heartbeats.Add(1)
	_, err := c.api.TagQueue(cctx, &sqs.TagQueueInput{QueueUrl: &target, Tags: map[string]string{
		sqsapi.HeartbeatTag: strconv.FormatInt(at.UnixMilli(), 10),
		sqsapi.RetentionTag: q.retentionSeconds(),
	}})
	b.observe(err)
	if sqsapi.IsThrottled(err) {
		c.throttled.Add(1)
	}
	if err != nil && ctx.Err() == nil && cctx.Err() != nil {
		err = fmt.Errorf("sweeper: heartbeat of %s: no answer within %v: %w", target, q.timeout, err)
	}
	return at, err
}

// staleReport is what the stale warning says about a queue.
type staleReport struct {
	q       *queueState
	age     time.Duration
	lastErr error
}

// markStaleLocked starts a stale episode of q (just taken out of the stale
// heap).
func (s *scheduler) markStaleLocked(q *queueState, now time.Time) staleReport {
	q.hb.stale = true
	s.c.opts.TagBudget.stale.Add(1)
	s.c.staleEpisodes.Add(1)
	return staleReport{q: q, age: now.Sub(q.hb.lastOK), lastErr: q.hb.lastErr}
}

func (c *Client) logRecovered(q *queueState, recovered bool) {
	if recovered {
		c.log.Info("heartbeat fresh again", "queue", q.url)
	}
}

func (c *Client) warnStale(r staleReport) {
	c.log.Warn("heartbeat older than half the retention period: a sweeper may soon delete this live queue. "+
		"If heartbeats are throttled or slow, the account's tagging quota may be too low for the fleet: raise the quota, or the retention period",
		"queue", r.q.url, "heartbeatAge", r.age, "retention", r.q.retention, "lastError", r.lastErr)
}

// jitter returns d shortened by up to 20%, so that a fleet's heartbeats
// spread out instead of synchronising.
func jitter(d time.Duration) time.Duration {
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

// retryDelay is how long after its n-th consecutive failure a heartbeat is
// retried: about a second, doubling with each failure, at most a quarter of
// the interval; drawn between half and all of that, so that the retries of
// many queues throttled together spread out.
func retryDelay(n int, interval time.Duration) time.Duration {
	d := min(time.Second<<min(n-1, 16), interval/4)
	return d/2 + rand.N(d/2+1)
}

// withTimeout is context.WithTimeout on clk, which may be a test's fake
// clock.
func withTimeout(ctx context.Context, clk clock.Clock, d time.Duration) (context.Context, context.CancelFunc) {
	if _, real := clk.(clock.Real); real {
		return context.WithTimeout(ctx, d)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	t := clk.NewTimer(d)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-t.C():
			cancel(context.DeadlineExceeded)
		case <-stop:
			t.Stop()
		}
	}()
	return ctx, func() {
		close(stop)
		<-done
		cancel(context.Canceled)
	}
}
