package responder

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqstemp/sqstemp/internal/rpcotel"
)

// scope is the instrumentation scope of the Responder's spans and metrics.
const scope = "github.com/sqstemp/sqstemp/responder"

// telemetry is a Responder's tracer, propagator and metric instruments.
type telemetry struct {
	tracer        trace.Tracer
	propagator    propagation.TextMapPropagator
	meter         metric.Meter
	duration      metric.Float64Histogram
	active        metric.Int64UpDownCounter
	handlerErrors metric.Int64Counter
	expired       metric.Int64Counter
}

func newTelemetry(p rpcotel.Providers) *telemetry {
	p = p.Resolve()
	m := p.MeterProvider.Meter(scope)
	return &telemetry{
		tracer:     p.TracerProvider.Tracer(scope),
		propagator: p.Propagator,
		meter:      m,
		duration: rpcotel.Float64Histogram(m, "sqstemp.responder.handler.duration", "s",
			"Duration of handler calls in Serve"),
		active: rpcotel.Int64UpDownCounter(m, "sqstemp.responder.handlers.active", "{request}",
			"Handlers running in Serve"),
		handlerErrors: rpcotel.Int64Counter(m, "sqstemp.responder.handler.errors", "{request}",
			"Handler calls that failed (error, panic or invalid response; not error replies)"),
		expired: rpcotel.Int64Counter(m, "sqstemp.responder.requests.expired", "{request}",
			"Requests dropped unhandled because their deadline had passed"),
	}
}

// startHandle starts the span of one request handled from the queue named
// queue, as a child of the caller's span if the request carries its trace
// context.
func (t *telemetry) startHandle(ctx context.Context, queue, messageID string) (context.Context, trace.Span) {
	attrs := append(rpcotel.MessagingAttributes("process", rpcotel.OpProcess, queue), rpcotel.MessageID(messageID))
	return t.tracer.Start(ctx, "process "+queue, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
}

// handlerDone records a handler call that took since start; errType is
// "" for success (error replies included), else the error.type.
func (t *telemetry) handlerDone(ctx context.Context, queue string, start time.Time, errType string) {
	ctx = context.WithoutCancel(ctx)
	attrs := []attribute.KeyValue{rpcotel.Destination(queue)}
	if errType != "" {
		attrs = append(attrs, rpcotel.ErrorType(errType))
		t.handlerErrors.Add(ctx, 1, metric.WithAttributes(attrs...))
	}
	t.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
}
