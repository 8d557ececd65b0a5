package requester

import (
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/tempqueue"
)

// DefaultResponseVisibilityTimeout is the default visibility timeout of the
// response host queue (see Options.ResponseVisibilityTimeout).
const DefaultResponseVisibilityTimeout = 5 * time.Second

// Options configures a Requester. The zero value of every field means its
// documented default.
type Options struct {
	// ResponseQueueAttributes are the queue attributes of the response
	// queues (see package tempqueue for the attributes accepted). Setting
	// FifoQueue to "true" makes them FIFO queues. Default none: a standard
	// host queue with SQS's defaults, except VisibilityTimeout (see
	// ResponseVisibilityTimeout).
	ResponseQueueAttributes map[string]string

	// ResponseVisibilityTimeout is the VisibilityTimeout of the response host
	// queue, unless ResponseQueueAttributes sets one. Responses are consumed
	// the moment they arrive, so it only matters when the answer to a
	// ReceiveMessage is lost on the network: SQS hides the responses it
	// returned for this long before it delivers them again. Whole seconds,
	// 1 s to 12 h. Default 5 s (SQS's own default is 30 s, longer than most
	// callers wait).
	ResponseVisibilityTimeout time.Duration

	// TempQueue configures the temporary queues client that hosts the
	// response queues: queue prefix, idle retention, heartbeats, sweeping,
	// host long-poll wait. Its Logger defaults to Logger.
	TempQueue tempqueue.Options

	// TracerProvider makes the span of each call (kind Client). Default
	// otel.GetTracerProvider().
	TracerProvider trace.TracerProvider

	// Propagator injects the trace context of each call into the request's
	// message attributes, when there is room for it (see the package
	// documentation). Default otel.GetTextMapPropagator().
	Propagator propagation.TextMapPropagator

	// MeterProvider makes the Requester's metrics (see the package
	// documentation). Default otel.GetMeterProvider().
	MeterProvider metric.MeterProvider

	// Logger receives operational logs. Default slog.Default().
	Logger *slog.Logger
}

// resolveOptions applies optFns to the zero Options and fills in defaults.
func resolveOptions(optFns []func(*Options)) (Options, error) {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	vt := o.ResponseVisibilityTimeout
	switch {
	case vt == 0:
		vt = DefaultResponseVisibilityTimeout
	case vt < time.Second || vt > sqsapi.MaxVisibilityTimeoutSecs*time.Second:
		return o, &sqsapi.InvalidParameterError{Param: "ResponseVisibilityTimeout", Value: vt.String(), Reason: "must be between 1s and 12h"}
	}
	attrs := maps.Clone(o.ResponseQueueAttributes)
	if attrs == nil {
		attrs = make(map[string]string, 1)
	}
	if _, set := attrs["VisibilityTimeout"]; !set {
		attrs["VisibilityTimeout"] = strconv.Itoa(int(vt / time.Second))
	}
	o.ResponseQueueAttributes = attrs
	return o, nil
}

// fifo reports whether the response queues are FIFO queues.
func (o Options) fifo() bool {
	return strings.EqualFold(o.ResponseQueueAttributes["FifoQueue"], "true")
}
