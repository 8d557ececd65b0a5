package virtualqueue

import (
	"log/slog"
	"time"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// Defaults for the zero values of Options.
const (
	DefaultPollersPerHost      = 1
	DefaultMaxPollersPerHost   = 8
	DefaultMaxQueues           = 1_000_000
	DefaultMaxBufferedPerQueue = 1000
	DefaultMaxBufferedBytes    = 64 << 20 // 64 MiB
)

// Options configures a Client. The zero value of every field means its
// documented default.
type Options struct {
	// PollersPerHost is the number of concurrent long polls kept on a host
	// queue while it is polled (see PollLinger). Default 1.
	PollersPerHost int

	// MaxPollersPerHost bounds the long polls on a host queue while it is
	// busy: each receive that comes back with 10 messages asks for one more
	// poller, each that comes back with fewer for one less, between
	// PollersPerHost and MaxPollersPerHost. Default 8 (never less than
	// PollersPerHost).
	MaxPollersPerHost int

	// HostWaitTime is the WaitTimeSeconds of the pollers' receives, rounded
	// up to whole seconds, from 1 s to 20 s: a poller never polls without
	// waiting. Default 20 s.
	HostWaitTime time.Duration

	// PollLinger is how long a host queue stays polled after the last
	// receive on one of its virtual queues (a receive waiting keeps it
	// polled throughout). Then the pollers stop after their current long
	// poll, and an idle host costs no call until the next receive. Default
	// HostWaitTime (one more long poll).
	PollLinger time.Duration

	// OrphanHandler decides what to do with orphans. Default: log at Debug
	// level and return OrphanLeave (the host may be shared with other
	// clients, so the message is left alone).
	OrphanHandler OrphanHandler

	// OnExpired, if set, is called with the URL of each virtual queue that
	// idle expiry deleted, after it was deleted, on the expiry goroutine
	// (so it must return quickly and must not call Close).
	OnExpired func(queueURL string)

	// MaxQueues bounds the number of virtual queues; CreateQueue beyond it
	// fails with ErrTooManyQueues. Default 1,000,000.
	MaxQueues int

	// MaxBufferedPerQueue bounds the messages buffered (received from the host
	// but not yet received by a consumer) per virtual queue. Past it, a
	// message is not buffered and not acknowledged: it stays in flight on the
	// host, which redelivers it after its visibility timeout. Default 1000.
	MaxBufferedPerQueue int

	// MaxBufferedBytes bounds the bytes buffered over all virtual queues of
	// the client (bodies and message attributes, counted as SQS counts
	// them). Past it, a message is not buffered (it stays in flight on the
	// host, which redelivers it after its visibility timeout), and the
	// pollers stop receiving until consumers have taken some. One message
	// is always accepted into empty buffers, whatever its size. Default
	// 64 MiB.
	MaxBufferedBytes int64

	// Logger receives operational logs (poller errors, orphans). Default
	// slog.Default().
	Logger *slog.Logger

	// Clock drives receive waits, idle expiry, the linger of pollers,
	// visibility extensions and poller backoff. Default the wall clock.
	Clock clock.Clock
}

func (o *Options) resolve() {
	if o.PollersPerHost <= 0 {
		o.PollersPerHost = DefaultPollersPerHost
	}
	if o.MaxPollersPerHost <= 0 {
		o.MaxPollersPerHost = DefaultMaxPollersPerHost
	}
	o.MaxPollersPerHost = max(o.MaxPollersPerHost, o.PollersPerHost)
	if o.HostWaitTime <= 0 {
		o.HostWaitTime = sqsapi.DefaultHostWaitTime
	}
	// Whole seconds, rounded up, at least one: WaitTimeSeconds=0 would make
	// every poller a loop of short polls, each one billed.
	secs := (o.HostWaitTime + time.Second - 1) / time.Second
	o.HostWaitTime = min(max(secs, 1), sqsapi.MaxWaitTimeSeconds) * time.Second
	if o.PollLinger <= 0 {
		o.PollLinger = o.HostWaitTime
	}
	if o.MaxQueues <= 0 {
		o.MaxQueues = DefaultMaxQueues
	}
	if o.MaxBufferedPerQueue <= 0 {
		o.MaxBufferedPerQueue = DefaultMaxBufferedPerQueue
	}
	if o.MaxBufferedBytes <= 0 {
		o.MaxBufferedBytes = DefaultMaxBufferedBytes
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Clock = clock.OrReal(o.Clock)
}
