package virtualqueue

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// ErrClosed is returned (wrapped) by every call made after Close, and by
// receives that were waiting when Close was called.
var ErrClosed = errors.New("virtualqueue: client closed")

// ErrTooManyQueues is returned (wrapped) by CreateQueue when Options.MaxQueues
// virtual queues already exist.
var ErrTooManyQueues = errors.New("virtualqueue: too many virtual queues")

// Defaults for the zero values of Options.
const (
	DefaultPollersPerHost      = 1
	DefaultMaxPollersPerHost   = 8
	DefaultMaxQueues           = 1_000_000
	DefaultMaxBufferedPerQueue = 1000
)

// OrphanAction says what to do with an orphan: a message received from a
// host queue that names no virtual queue known to this client.
type OrphanAction int

// Orphan actions.
const (
	// OrphanLeave leaves the message in flight on the host; SQS makes it
	// visible again after the host's visibility timeout.
	OrphanLeave OrphanAction = iota
	// OrphanDelete deletes the message from the host.
	OrphanDelete
	// OrphanRelease makes the message visible again on the host at once
	// (visibility timeout 0), for another consumer of a shared host.
	OrphanRelease
)

// String returns the action's name.
func (a OrphanAction) String() string {
	switch a {
	case OrphanLeave:
		return "OrphanLeave"
	case OrphanDelete:
		return "OrphanDelete"
	case OrphanRelease:
		return "OrphanRelease"
	}
	return "OrphanAction(" + strconv.Itoa(int(a)) + ")"
}

// OrphanHandler decides what happens to an orphan. It runs on the host
// queue's poller goroutine, so it must return quickly; ctx is cancelled when
// the client closes. hostQueueURL is the queue the message came from.
type OrphanHandler func(ctx context.Context, hostQueueURL string, m types.Message) OrphanAction

// Options configures a Client. The zero value of every field means its
// documented default.
type Options struct {
	// PollersPerHost is the number of concurrent long polls kept on each
	// host queue that has at least one virtual queue. Default 1.
	PollersPerHost int

	// MaxPollersPerHost bounds the long polls on a host queue while it is
	// busy: a receive that comes back with 10 messages starts one more
	// poller, and such a surge poller stops after its first receive that
	// comes back with fewer. Default 8 (never less than PollersPerHost).
	MaxPollersPerHost int

	// HostWaitTime is the WaitTimeSeconds of the pollers' receives, rounded
	// down to whole seconds and capped at 20 s. Default 20 s.
	HostWaitTime time.Duration

	// OrphanHandler decides what to do with orphans. Default: log at Info
	// level and return OrphanLeave (the host may be shared with other
	// clients, so the message is left alone).
	OrphanHandler OrphanHandler

	// MaxQueues bounds the number of virtual queues; CreateQueue beyond it
	// fails with ErrTooManyQueues. Default 1,000,000.
	MaxQueues int

	// MaxBufferedPerQueue bounds the messages buffered (received from the host
	// but not yet received by a consumer) per virtual queue. Past it, a
	// message is not buffered and not acknowledged: it stays in flight on the
	// host, which redelivers it after its visibility timeout. Default 1000.
	MaxBufferedPerQueue int

	// Logger receives operational logs (poller errors, orphans). Default
	// slog.Default().
	Logger *slog.Logger

	// Clock drives receive waits, idle expiry and poller backoff. Default
	// the wall clock.
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
	if o.HostWaitTime > sqsapi.MaxWaitTimeSeconds*time.Second {
		o.HostWaitTime = sqsapi.MaxWaitTimeSeconds * time.Second
	}
	if o.MaxQueues <= 0 {
		o.MaxQueues = DefaultMaxQueues
	}
	if o.MaxBufferedPerQueue <= 0 {
		o.MaxBufferedPerQueue = DefaultMaxBufferedPerQueue
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Clock = clock.OrReal(o.Clock)
}

// Stats is a snapshot of a Client's counters.
type Stats struct {
	// Calls counts the SQS calls this client made to the API it wraps, by
	// operation name ("ReceiveMessage", ...), pass-through calls included.
	Calls map[string]int64

	VirtualQueues int   // virtual queues that exist now
	Hosts         int   // host queues with pollers running
	Buffered      int   // messages buffered now, over all virtual queues
	Dispatched    int64 // messages from hosts buffered for a virtual queue
	Delivered     int64 // messages handed to consumers by ReceiveMessage
	Redeliveries  int64 // dispatched messages SQS had delivered before (ApproximateReceiveCount > 1)
	Duplicates    int64 // dispatched messages that replaced a buffered copy (same MessageId)
	Overflows     int64 // messages left on the host because a buffer was full
	Orphans       int64 // messages naming no virtual queue known here
	Released      int64 // buffered messages handed back to the host (visibility 0)
	Expired       int64 // virtual queues deleted by idle expiry
	PollErrors    int64 // failed host receives (retried with backoff)
	Surges        int64 // surge pollers started because a receive came back full
}

// URL returns the URL of the virtual queue name on the host queue
// hostQueueURL: "<hostQueueURL>#<name>".
func URL(hostQueueURL, name string) string { return hostQueueURL + "#" + name }

// ParseURL splits a virtual queue URL "<host>#<name>". ok is false unless u
// has exactly one '#', the host part is an http(s) URL and the name is a valid
// SQS queue name (ending in ".fifo" for a FIFO virtual queue).
func ParseURL(u string) (hostQueueURL, name string, ok bool) {
	i := strings.IndexByte(u, '#')
	if i < 0 {
		return "", "", false
	}
	host, name := u[:i], u[i+1:]
	if !strings.HasPrefix(host, "https://") && !strings.HasPrefix(host, "http://") {
		return "", "", false
	}
	if rest := host[strings.Index(host, "://")+3:]; rest == "" || rest[0] == '/' {
		return "", "", false
	}
	if sqsapi.ValidateQueueName(name, sqsapi.IsFIFOQueueName(name)) != nil {
		return "", "", false
	}
	return host, name, true
}
