package rpcotel

import (
	"context"
	"path"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqstemp/sqstemp/internal/callcount"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// Providers are the OpenTelemetry providers of a client, nil meaning the
// global one.
type Providers struct {
	TracerProvider trace.TracerProvider
	Propagator     propagation.TextMapPropagator
	MeterProvider  metric.MeterProvider
}

// Resolve fills the nil providers with the globals: otel.GetTracerProvider,
// otel.GetTextMapPropagator and otel.GetMeterProvider, read now, as the
// OpenTelemetry HTTP instrumentation does.
func (p Providers) Resolve() Providers {
	if p.TracerProvider == nil {
		p.TracerProvider = otel.GetTracerProvider()
	}
	if p.Propagator == nil {
		p.Propagator = otel.GetTextMapPropagator()
	}
	if p.MeterProvider == nil {
		p.MeterProvider = otel.GetMeterProvider()
	}
	return p
}

// SQSCallsMetric is the counter of SQS calls, by operation (attribute
// rpc.method) and component (attribute sqstemp.component).
const SQSCallsMetric = "sqstemp.sqs.calls"

// SQSCallCounter returns a callcount observer that adds every SQS call
// made by component ("requester", "responder") to the SQSCallsMetric
// counter of m.
func SQSCallCounter(m metric.Meter, component string) func(op string) {
	c := Int64Counter(m, SQSCallsMetric, "{call}", "SQS API calls made, by operation")
	sets := make(map[string]metric.MeasurementOption)
	for _, op := range callcount.Operations() {
		sets[op] = metric.WithAttributeSet(attribute.NewSet(
			semconv.RPCMethod(op), attribute.String("sqstemp.component", component)))
	}
	return func(op string) {
		if o, ok := sets[op]; ok {
			c.Add(context.Background(), 1, o)
		}
	}
}

// QueueName returns the name of the queue at url: its last path element.
func QueueName(url string) string {
	if q, err := sqsapi.ParseQueueURL(url); err == nil {
		return q.Name
	}
	return path.Base(url)
}

// Operation types of the messaging semantic conventions.
var (
	OpSend    = semconv.MessagingOperationTypeSend
	OpProcess = semconv.MessagingOperationTypeProcess
)

// MessagingAttributes are the messaging semantic-convention attributes of
// a span for an operation on the queue named queue.
func MessagingAttributes(operation string, opType attribute.KeyValue, queue string) []attribute.KeyValue {
	return []attribute.KeyValue{
		semconv.MessagingSystemAWSSQS,
		semconv.MessagingOperationName(operation),
		opType,
		Destination(queue),
	}
}

// Destination is the messaging.destination.name attribute.
func Destination(queue string) attribute.KeyValue { return semconv.MessagingDestinationName(queue) }

// MessageID is the messaging.message.id attribute.
func MessageID(id string) attribute.KeyValue { return semconv.MessagingMessageID(id) }

// Fail marks span as failed with err, of error.type errType.
func Fail(span trace.Span, errType string, err error) {
	span.SetAttributes(ErrorType(errType))
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
}

// ErrorType is the error.type attribute.
func ErrorType(t string) attribute.KeyValue { return semconv.ErrorTypeKey.String(t) }
