package batcher

import (
	"context"
	"log/slog"
	"time"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// Acker defaults.
const (
	DefaultMaxDelay    = 100 * time.Millisecond
	DefaultMaxAttempts = 4
	DefaultBackoff     = 100 * time.Millisecond
	DefaultMaxInFlight = 16
)

// AckerOptions configures an Acker. The zero value gives the defaults.
type AckerOptions struct {
	MaxDelay    time.Duration
	MaxBatch    int
	MaxAttempts int
	Backoff     time.Duration
	MaxInFlight int
	CallTimeout time.Duration
	Clock       clock.Clock
	Logger      *slog.Logger
	OnError     func(*AckError)
}

// AckerStats is a snapshot of an Acker's counters.
type AckerStats struct {
	Calls map[string]int64
}

// Acker batches deletes and visibility changes that nobody waits for.
type Acker struct {
	api sqsapi.API
}

// NewAcker returns an Acker and starts its owner goroutine; Close stops it.
func NewAcker(api sqsapi.API, optFns ...func(*AckerOptions)) *Acker {
	return &Acker{api: api}
}

// Delete asks for the message to be deleted. It never blocks.
func (a *Acker) Delete(queueURL, receiptHandle string) {}

// ChangeVisibility asks for the message's visibility timeout to be changed.
// It never blocks.
func (a *Acker) ChangeVisibility(queueURL, receiptHandle string, timeoutSeconds int32) {}

// Flush sends everything pending and waits for it.
func (a *Acker) Flush(ctx context.Context) error { return nil }

// Close flushes, stops the owner goroutine and returns deferred errors.
func (a *Acker) Close(ctx context.Context) error { return nil }

// Stats returns a snapshot of the counters.
func (a *Acker) Stats() AckerStats { return AckerStats{} }
