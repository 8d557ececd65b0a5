package sweeper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Errors returned by Sweeper.Start.
var (
	// ErrStarted is returned by Start on a Sweeper that was already started.
	ErrStarted = errors.New("sweeper: already started")
	// ErrStopped is returned by Start on a Sweeper that was stopped.
	ErrStopped = errors.New("sweeper: stopped")
)

// Sweeper takes part in the fleet-wide sweep of idle queues with its prefix.
// See the package documentation.
type Sweeper struct {
	api      sqsapi.API
	opts     Options
	log      *slog.Logger
	workName string
	dlqName  string

	mu      sync.Mutex
	state   int // 0 new, 1 started, 2 stopped
	cancel  context.CancelFunc
	done    chan struct{}
	workURL string          // "" until known
	workLoc sqsapi.QueueURL // parsed workURL; kept when workURL is forgotten

	ensureMu sync.Mutex // serializes creation of the work queue

	deferring atomic.Bool // deletions are being deferred (one warning per episode)
	agenda    *agenda     // checks received before they are due

	listQueues  atomic.Int64
	sweeps      atomic.Int64
	checksSent  atomic.Int64
	checks      atomic.Int64
	deleted     atomic.Int64
	deferred    atomic.Int64
	badMessages atomic.Int64
	stale       atomic.Int64
	released    atomic.Int64
	paced       atomic.Int64
	errs        atomic.Int64
}

// NewSweeper returns a Sweeper over api. It does nothing until Start. The api
// should be the plain SQS client (not a Client wrapper): the Sweeper's own
// queues are not temporary.
func NewSweeper(api sqsapi.API, optFns ...func(*Options)) *Sweeper {
	o := resolveOptions(optFns)
	return &Sweeper{
		api:      api,
		opts:     o,
		log:      o.Logger.With("component", "sweeper.Sweeper", "prefix", o.QueuePrefix),
		workName: o.QueuePrefix + workQueueSuffix,
		dlqName:  o.QueuePrefix + dlqSuffix,
		agenda:   newAgenda(),
	}
}

// WorkQueueName returns the name of the shared work queue for prefix.
func WorkQueueName(prefix string) string { return prefix + workQueueSuffix }

// DeadLetterQueueName returns the name of the work queue's dead-letter queue
// for prefix.
func DeadLetterQueueName(prefix string) string { return prefix + dlqSuffix }

// Stats counts what one Sweeper did.
type Stats struct {
	ListQueuesCalls int64 // ListQueues calls made (pages of listings this Sweeper handled)
	Sweeps          int64 // sweeps this Sweeper started (seeds it took and acted on)
	ChecksSent      int64 // check messages this Sweeper sent (fan-out of the pages it listed)
	ChecksPerformed int64 // check messages for acceptable queues this Sweeper handled
	// ChecksHeld counts checks this Sweeper received before they were due
	// and held until then (checks are spread over each period).
	ChecksHeld    int64
	QueuesDeleted int64 // idle queues this Sweeper deleted
	// DeletionsDeferred counts idle queues not deleted because tagging may be
	// throttled in the account (see the package documentation): SQS
	// throttled a tagging call of this process within the queue's retention
	// plus the skew margin, or a heartbeat of this process is stale. The
	// next period's check tries again.
	DeletionsDeferred int64
	BadMessages       int64 // malformed, unknown or refused work messages dropped
	// StaleWorkDropped counts work messages of a past sweep period (or of a
	// period too far ahead) dropped without being acted on: the current
	// period's sweep covers their queues.
	StaleWorkDropped int64
	// WorkReleased counts work messages that Stop cut short and handed back
	// to the work queue (visibility 0) for another process to take at once.
	WorkReleased int64
	Errors       int64 // errors logged (each retried later)
}

// Stats returns counters of what s did so far.
func (s *Sweeper) Stats() Stats {
	return Stats{
		ListQueuesCalls:   s.listQueues.Load(),
		Sweeps:            s.sweeps.Load(),
		ChecksSent:        s.checksSent.Load(),
		ChecksPerformed:   s.checks.Load(),
		ChecksHeld:        s.paced.Load(),
		QueuesDeleted:     s.deleted.Load(),
		DeletionsDeferred: s.deferred.Load(),
		BadMessages:       s.badMessages.Load(),
		StaleWorkDropped:  s.stale.Load(),
		WorkReleased:      s.released.Load(),
		Errors:            s.errs.Load(),
	}
}

// Start starts the Sweeper's goroutines: one sends a seed at the start of
// every sweep period and polls the work queue for a while after it; the
// other runs the checks it received before they were due. It runs
// until Stop, retrying every error; ctx is used only for the duration of
// Start. Start returns an error only for a bad prefix or if the Sweeper was
// already started or stopped.
func (s *Sweeper) Start(ctx context.Context) error {
	if err := validatePrefix(s.opts.QueuePrefix); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case 1:
		return ErrStarted
	case 2:
		return ErrStopped
	}
	s.state = 1
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		var wg sync.WaitGroup
		wg.Go(func() { s.runAgenda(runCtx) })
		s.run(runCtx)
		wg.Wait()
	}()
	return nil
}

// Stop stops the Sweeper promptly: in-flight long polls and calls are
// cancelled, the work messages it holds but did not finish are handed back
// to the work queue (visibility 0, under a short timeout of their own) so
// that another process takes them at once, and its goroutines are joined;
// or it returns when ctx ends first. It is idempotent, and safe to call on
// a Sweeper that was never started.
func (s *Sweeper) Stop(ctx context.Context) error {
	s.mu.Lock()
	wasStarted := s.state == 1
	s.state = 2
	done := s.done
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	if !wasStarted && done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sweeper: stop: %w", ctx.Err())
	}
}

// sleep waits d on the clock, or until ctx ends; it reports whether ctx is
// still alive.
func (s *Sweeper) sleep(ctx context.Context, d time.Duration) bool {
	t := s.opts.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}

// backoff returns the n-th retry delay: 1 s doubling, capped at the sweep
// period (and at one minute), with jitter.
func (s *Sweeper) backoff(n int) time.Duration {
	limit := min(s.opts.SweepPeriod, time.Minute)
	d := time.Second << min(n, 6)
	if d > limit {
		d = limit
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func (s *Sweeper) logErr(msg string, args ...any) {
	s.errs.Add(1)
	s.log.Warn(msg, args...)
}

func ptr[T any](v T) *T { return &v }
