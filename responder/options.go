package responder

import (
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Defaults for the zero values of Options.
const (
	DefaultMaxConcurrency = 64
	DefaultMaxReceivers   = 8
	DefaultWaitTime       = 20 * time.Second
	DefaultSendTimeout    = 30 * time.Second
	DefaultDeadlineSkew   = time.Second
	DefaultMaxExtension   = time.Hour
)

// maxExtension is SQS's limit: a message's visibility can be extended up
// to 12 hours after it was received.
const maxExtension = sqsapi.MaxVisibilityTimeoutSecs * time.Second

// Options configures a Responder. The zero value of every field means its
// documented default.
type Options struct {
	// QueuePrefix is the prefix the default allow rule requires of the name
	// of the queue a response goes to. Default sqsapi.DefaultQueuePrefix.
	QueuePrefix string

	// AllowReplyURL, if set, replaces the default allow rule (see the package
	// documentation): a response is sent only to queues it allows. AllowAll
	// allows every well-formed SQS queue URL.
	AllowReplyURL AllowFunc

	// AllowOtherAccounts lifts the default rule's requirement, in Serve, that
	// the response queue be in the account and region of the request queue.
	AllowOtherAccounts bool

	// MaxConcurrency bounds the handlers Serve runs at once. Default 64.
	MaxConcurrency int

	// MaxReceivers bounds Serve's concurrent long polls. Serve keeps one;
	// a receive that comes back with 10 requests starts one more (a backlog
	// is waiting, and one receive at a time would cap throughput at ten
	// requests per round trip), and such a surge receiver stops after its
	// first receive that comes back with fewer. Default 8.
	MaxReceivers int

	// WaitTime is the long-poll wait of Serve's receives, in whole seconds
	// (rounded up: never a short poll), at most 20 s. Default 20 s.
	WaitTime time.Duration

	// VisibilityTimeout, if set, is the visibility timeout of the requests
	// Serve receives (whole seconds); default: the request queue's, read
	// once when Serve starts (or 30 s, set on every receive, if it cannot
	// be read).
	VisibilityTimeout time.Duration

	// MaxExtension bounds how long after receiving a request Serve keeps
	// extending its visibility while its handler runs, as Pub/Sub's
	// MaxExtension does: past it, the request becomes visible to other
	// servers although its handler still runs. Default 1 h, at most 12 h
	// (SQS's limit); negative: never extend.
	MaxExtension time.Duration

	// DeadlineSkew is the clock-skew allowance for request deadlines: a
	// request whose deadline passed more than DeadlineSkew ago is dropped
	// without calling the handler. Default 1 s; negative: none.
	DeadlineSkew time.Duration

	// HandlerTimeout, if set, bounds each handler call through its ctx.
	// Default: no bound beyond the request's own deadline (the handler's ctx
	// is not cancelled when Serve's ctx ends; Serve waits for it).
	HandlerTimeout time.Duration

	// ShutdownTimeout, if set, bounds how long Serve waits for running
	// handlers once it stops receiving (its ctx ended, or an error stopped
	// it). Handlers still running then are abandoned: their ctx is
	// cancelled, their requests are released to other servers (visibility
	// 0) and whatever they return is discarded; Serve returns an error
	// matching ErrShutdownTimeout that says how many. Default: no bound.
	ShutdownTimeout time.Duration

	// OnHandlerError says what Serve does with a request whose handler
	// returned an error (other than a ReplyError) or panicked. Default
	// Redeliver.
	OnHandlerError ErrorPolicy

	// TracerProvider makes the span of each request Serve handles (kind
	// Server). Default otel.GetTracerProvider().
	TracerProvider trace.TracerProvider

	// Propagator extracts the caller's trace context from a request's
	// message attributes. Default otel.GetTextMapPropagator().
	Propagator propagation.TextMapPropagator

	// MeterProvider makes the Responder's metrics (see the package
	// documentation). Default otel.GetMeterProvider().
	MeterProvider metric.MeterProvider

	// Logger receives operational logs: Warn and Error for what an operator
	// should see, Debug for routine events. Default slog.Default().
	Logger *slog.Logger
}

func resolveOptions(optFns []func(*Options)) Options {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.QueuePrefix == "" {
		o.QueuePrefix = sqsapi.DefaultQueuePrefix
	}
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = DefaultMaxConcurrency
	}
	if o.MaxReceivers <= 0 {
		o.MaxReceivers = DefaultMaxReceivers
	}
	if o.WaitTime <= 0 || o.WaitTime > sqsapi.MaxWaitTimeSeconds*time.Second {
		o.WaitTime = DefaultWaitTime
	}
	switch {
	case o.MaxExtension == 0:
		o.MaxExtension = DefaultMaxExtension
	case o.MaxExtension > maxExtension:
		o.MaxExtension = maxExtension
	}
	switch {
	case o.DeadlineSkew == 0:
		o.DeadlineSkew = DefaultDeadlineSkew
	case o.DeadlineSkew < 0:
		o.DeadlineSkew = 0
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// waitTimeSeconds is the WaitTimeSeconds of Serve's receives: WaitTime
// rounded up to whole seconds, so that a sub-second WaitTime never turns
// into a loop of short polls (each one billed).
func (o Options) waitTimeSeconds() int32 {
	return int32(max((o.WaitTime+time.Second-1)/time.Second, 1))
}
