package requester

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqstemp/sqstemp/internal/rpcotel"
)

// scope is the instrumentation scope of the Requester's spans and metrics.
const scope = "github.com/sqstemp/sqstemp/requester"

// telemetry is a Requester's tracer, propagator and metric instruments.
type telemetry struct {
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	meter      metric.Meter
	duration   metric.Float64Histogram
	active     metric.Int64UpDownCounter
	skipped    metric.Int64Counter
	reg        metric.Registration // the observable orphan counter; nil if none
}

// newTelemetry makes the instruments.
func newTelemetry(p rpcotel.Providers) *telemetry {
	p = p.Resolve()
	m := p.MeterProvider.Meter(scope)
	t := &telemetry{tracer: p.TracerProvider.Tracer(scope), propagator: p.Propagator, meter: m}
	t.duration = rpcotel.Float64Histogram(m, "sqstemp.requester.call.duration", "s",
		"Duration of SendMessageAndGetResponse calls, from send to response or error")
	t.active = rpcotel.Int64UpDownCounter(m, "sqstemp.requester.calls.active", "{call}",
		"Calls waiting for their response")
	t.skipped = rpcotel.Int64Counter(m, "sqstemp.requester.trace_context.skipped", "{request}",
		"Requests sent without trace context: no room among their message attributes")
	return t
}

// observeOrphans registers the observable orphan counter, reported by
// orphans.
func (t *telemetry) observeOrphans(orphans func() int64) {
	c, err := t.meter.Int64ObservableCounter("sqstemp.requester.orphans", metric.WithUnit("{message}"),
		metric.WithDescription("Responses that arrived for no waiting call (late or duplicate) and were deleted"))
	if err != nil {
		return
	}
	t.reg, _ = t.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(c, orphans())
		return nil
	}, c)
}

// close unregisters the observable instruments.
func (t *telemetry) close() {
	if t.reg != nil {
		_ = t.reg.Unregister()
	}
}

// startCall starts the span of a call to the queue named queue.
func (t *telemetry) startCall(ctx context.Context, queue string) (context.Context, trace.Span) {
	t.active.Add(ctx, 1)
	return t.tracer.Start(ctx, "call "+queue, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(rpcotel.MessagingAttributes("call", rpcotel.OpSend, queue)...))
}

// endCall ends the span of a call and records its duration and outcome.
func (t *telemetry) endCall(ctx context.Context, span trace.Span, queue string, start time.Time, err error) {
	attrs := []attribute.KeyValue{rpcotel.Destination(queue)}
	if err != nil {
		kind := errorType(err)
		attrs = append(attrs, rpcotel.ErrorType(kind))
		rpcotel.Fail(span, kind, err)
	}
	span.End()
	ctx = context.WithoutCancel(ctx)
	t.active.Add(ctx, -1)
	t.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
}

// errorType is the error.type of a failed call: the remote error code, or
// the kind of failure.
func errorType(err error) string {
	var remote *RemoteError
	switch {
	case errors.As(err, &remote):
		return remote.Code
	case errors.Is(err, ErrClosed):
		return "closed"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "_OTHER"
}
