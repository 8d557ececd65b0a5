package sweeper

import (
	"context"
	"errors"

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
	api  sqsapi.API
	opts Options
}

// NewSweeper returns a Sweeper over api. It does nothing until Start.
func NewSweeper(api sqsapi.API, optFns ...func(*Options)) *Sweeper {
	return &Sweeper{api: api, opts: resolveOptions(optFns)}
}

// Stats counts what one Sweeper did.
type Stats struct {
	ListQueuesCalls int64 // ListQueues calls made (pages of a listing)
	Sweeps          int64 // sweeps this Sweeper started (seeds it took)
	ChecksPerformed int64 // check messages this Sweeper handled
	QueuesDeleted   int64 // idle queues this Sweeper deleted
	BadMessages     int64 // malformed, unknown or refused work messages dropped
	Errors          int64 // errors logged (each retried later)
}

// Stats returns counters of what s did so far.
func (s *Sweeper) Stats() Stats { return Stats{} }

// Start starts the Sweeper's goroutines. They run until Stop; ctx is used
// only for the duration of Start.
func (s *Sweeper) Start(ctx context.Context) error { return validatePrefix(s.opts.QueuePrefix) }

// Stop stops the Sweeper promptly (in-flight long polls are cancelled) and
// waits for its goroutines to return, or for ctx to end. It is idempotent.
func (s *Sweeper) Stop(ctx context.Context) error { return nil }
