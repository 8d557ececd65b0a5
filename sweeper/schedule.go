package sweeper

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Timing of the work queue polls.
const (
	// minWorkVisibility and maxWorkVisibility bound the visibility timeout
	// of received work messages, half the sweep period: a message whose
	// taker died is redelivered within the period (for periods of 10 s and
	// more), yet a short period does not make SQS redeliver work that is
	// merely slow (it is extended while it runs, see holdWhile).
	minWorkVisibility = 5 * time.Second
	maxWorkVisibility = 60 * time.Second
	// maxMinWindow caps the shortest poll window after a seed: long enough
	// for the seed's taker to list a page and fan out its checks, which the
	// rest of the fleet must then receive.
	maxMinWindow = 10 * time.Second
)

// period returns the sweep period number of t.
func (s *Sweeper) period(t time.Time) int64 {
	return t.UnixMilli() / max(s.opts.SweepPeriod.Milliseconds(), 1)
}

func (s *Sweeper) periodStart(n int64) time.Time {
	return time.UnixMilli(n * max(s.opts.SweepPeriod.Milliseconds(), 1))
}

// seedJitter spreads the fleet's seeds over the start of a period: up to a
// tenth of the period, at most 5 s (all seeds of one period must land within
// the 5-minute FIFO deduplication window).
func (s *Sweeper) seedJitter() time.Duration {
	j := min(s.opts.SweepPeriod/10, 5*time.Second)
	if j <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(j)))
}

// workVisibility is the visibility timeout of the work messages this
// Sweeper receives: half the period, within [5 s, 60 s], in whole seconds.
func (s *Sweeper) workVisibility() time.Duration {
	return min(max(s.opts.SweepPeriod/2, minWorkVisibility), maxWorkVisibility).Truncate(time.Second)
}

// minWindow is how long the work queue is polled at least after a seed.
func (s *Sweeper) minWindow() time.Duration {
	return min(s.opts.SweepPeriod/2, maxMinWindow)
}

// pollWait is the long-poll wait (whole seconds, at least 1) of a receive
// made untilSeed before the next seed is due: the next seed is sent at most
// a second late.
func (s *Sweeper) pollWait(untilSeed time.Duration) int32 {
	w := min(s.opts.WorkQueueWaitTime, untilSeed)
	return int32(max(w/time.Second, 1))
}

// run is the Sweeper's main goroutine (runAgenda is the other, which runs
// the checks held until due). At the start of every period (plus jitter)
// it sends the period's seed; from then on it polls the work queue
// and does the work it receives, until a poll comes back empty after the
// period's minimum window; then it sleeps until the next period. Work is
// only ever sent in such a window (a seed, and the listing and checks that
// follow it), so between windows nothing can be waiting for this process.
// It never dies: errors are logged and retried with backoff, and a missing
// work queue is recreated.
func (s *Sweeper) run(ctx context.Context) {
	var (
		clk        = s.opts.Clock
		nextSeed   = clk.Now().Add(s.seedJitter())
		windowEnd  time.Time
		open       bool
		failures   int
		earlyEmpty int
	)
	for ctx.Err() == nil {
		now := clk.Now()
		if !now.Before(nextSeed) {
			n := s.period(now)
			if err := s.sendSeed(ctx, n); err != nil && ctx.Err() == nil {
				s.logErr("send sweep seed failed; polling the work queue anyway", "period", n, "error", err)
			}
			open, windowEnd = true, clk.Now().Add(s.minWindow())
			// Capped at one period, in case the wall clock stepped back.
			nextSeed = clk.Now().Add(min(s.periodStart(n+1).Sub(clk.Now()), s.opts.SweepPeriod) + s.seedJitter())
			continue
		}
		if !open {
			s.sleep(ctx, nextSeed.Sub(now))
			continue
		}
		wait := s.pollWait(nextSeed.Sub(now))
		url, msgs, err := s.receive(ctx, wait)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.logErr("receive from work queue failed; retrying", "error", err)
			failures++
			s.sleep(ctx, min(s.backoff(failures-1), max(nextSeed.Sub(clk.Now()), time.Second)))
			continue
		}
		failures = 0
		if len(msgs) > 0 {
			earlyEmpty = 0
			if msgs = s.holdEarly(ctx, url, msgs); len(msgs) > 0 {
				s.work(ctx, url, msgs)
			}
			continue
		}
		// An endpoint that does not honour long polling must not make us
		// spin. One early empty answer is normal (another poller took what
		// woke us); a run of them is not.
		if clk.Now().Sub(now) < time.Duration(wait)*time.Second/2 {
			if earlyEmpty++; earlyEmpty >= 3 {
				s.sleep(ctx, s.backoff(earlyEmpty-3))
			}
		} else {
			earlyEmpty = 0
		}
		if !clk.Now().Before(windowEnd) {
			open = false
		}
	}
}

// sendSeed sends the seed of period n. Every Sweeper sends one; the seeds of
// a period share a message group and a deduplication ID, so SQS keeps one.
func (s *Sweeper) sendSeed(ctx context.Context, n int64) error {
	url, err := s.ensureWorkQueue(ctx)
	if err != nil {
		return err
	}
	body := workMessage{V: workMessageVersion, Kind: kindSweep, Period: n}.encode()
	id := seedGroup(n)
	_, err = s.api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body, MessageGroupId: &id, MessageDeduplicationId: &id})
	if sqsapi.IsQueueDoesNotExist(err) {
		s.forgetWorkQueue(url)
	}
	if err != nil {
		return fmt.Errorf("sweeper: send seed to %s: %w", url, err)
	}
	return nil
}

// seedGroup is the message group and deduplication ID of period n's seeds:
// one group per period, so a seed held by a process that died stalls only
// its own period.
func seedGroup(n int64) string { return "sweep-" + strconv.FormatInt(n, 10) }
