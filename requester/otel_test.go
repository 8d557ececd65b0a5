package requester_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/requester"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// tracing is a tracer provider recording spans, and the W3C propagator.
type tracing struct {
	rec  *tracetest.SpanRecorder
	tp   *sdktrace.TracerProvider
	prop propagation.TextMapPropagator
}

func newTracing(t *testing.T) *tracing {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return &tracing{rec: rec, tp: tp, prop: propagation.TraceContext{}}
}

func (tr *tracing) span(t *testing.T, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	for _, s := range tr.rec.Ended() {
		if s.Name() == name {
			return s
		}
	}
	t.Fatalf("no span %q among %d", name, len(tr.rec.Ended()))
	return nil
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

// TestOneTraceAcrossRequesterAndServe: the caller's span (kind Client) and
// Serve's span (kind Server) are one trace, the handler's ctx is in Serve's
// span, and both carry the messaging attributes.
func TestOneTraceAcrossRequesterAndServe(t *testing.T) {
	srv := newServer(t)
	tr := newTracing(t)
	var handlerSpan trace.SpanContext
	g := newRig(t, srv, rigOpts{
		queueName: "orders",
		reqOpts:   func(o *requester.Options) { o.TracerProvider, o.Propagator = tr.tp, tr.prop },
		respOpts:  func(o *responder.Options) { o.TracerProvider, o.Propagator = tr.tp, tr.prop },
		handler: responder.HandlerFunc(func(ctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
			handlerSpan = trace.SpanContextFromContext(ctx)
			return echo(ctx, m)
		}),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := g.call(ctx, "ping", nil); err != nil {
		t.Fatal(err)
	}
	g.shutdown(t) // Serve's span has ended

	client, server := tr.span(t, "call orders"), tr.span(t, "process orders")
	if client.SpanKind() != trace.SpanKindClient || server.SpanKind() != trace.SpanKindServer {
		t.Errorf("kinds: %v, %v; want client, server", client.SpanKind(), server.SpanKind())
	}
	if server.SpanContext().TraceID() != client.SpanContext().TraceID() || server.Parent().SpanID() != client.SpanContext().SpanID() {
		t.Errorf("server span %v (parent %v) is not a child of client span %v", server.SpanContext(), server.Parent(), client.SpanContext())
	}
	if handlerSpan.SpanID() != server.SpanContext().SpanID() {
		t.Errorf("handler ctx span %v, want Serve's span %v", handlerSpan.SpanID(), server.SpanContext().SpanID())
	}
	for _, s := range []sdktrace.ReadOnlySpan{client, server} {
		if attr(s, "messaging.system") != "aws_sqs" || attr(s, "messaging.destination.name") != "orders" || attr(s, "messaging.message.id") == "" {
			t.Errorf("span %q attributes %v", s.Name(), s.Attributes())
		}
	}
	if attr(client, "messaging.message.id") != attr(server, "messaging.message.id") {
		t.Errorf("message ids differ: %s, %s", attr(client, "messaging.message.id"), attr(server, "messaging.message.id"))
	}
	t.Logf("trace %s: %q kind %v span %s; %q kind %v span %s parent %s", client.SpanContext().TraceID(),
		client.Name(), client.SpanKind(), client.SpanContext().SpanID(), server.Name(), server.SpanKind(), server.SpanContext().SpanID(), server.Parent().SpanID())
}

// TestTraceContextOnlyWhenThereIsRoom: a request whose attributes leave no
// room for the trace context is sent without it, and counted.
func TestTraceContextOnlyWhenThereIsRoom(t *testing.T) {
	srv := newServer(t)
	tr := newTracing(t)
	g := newRig(t, srv, rigOpts{
		queueName: "full",
		reqOpts:   func(o *requester.Options) { o.TracerProvider, o.Propagator = tr.tp, tr.prop },
		respOpts:  func(o *responder.Options) { o.TracerProvider, o.Propagator = tr.tp, tr.prop },
	})
	attrs := map[string]types.MessageAttributeValue{}
	for i := range 8 {
		attrs["a"+strconv.Itoa(i)] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := g.call(ctx, "full", attrs); err != nil {
		t.Fatalf("a request with no room for the trace context failed: %v", err)
	}
	g.shutdown(t)
	if n := g.req.Stats().TraceContextSkipped; n != 1 {
		t.Errorf("TraceContextSkipped = %d, want 1", n)
	}
	if client, server := tr.span(t, "call full"), tr.span(t, "process full"); server.SpanContext().TraceID() == client.SpanContext().TraceID() {
		t.Error("the trace context crossed although there was no room for it")
	}
}

// TestGlobalProvidersByDefault: with no options, spans go to the global
// tracer provider and propagate through the global propagator.
func TestGlobalProvidersByDefault(t *testing.T) {
	tr := newTracing(t)
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tr.tp)
	otel.SetTextMapPropagator(tr.prop)
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) })
	srv := newServer(t)
	g := newRig(t, srv, rigOpts{queueName: "global"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := g.call(ctx, "x", nil); err != nil {
		t.Fatal(err)
	}
	g.shutdown(t)
	if client, server := tr.span(t, "call global"), tr.span(t, "process global"); server.Parent().SpanID() != client.SpanContext().SpanID() {
		t.Error("no trace across the global providers")
	}
}

// TestMetrics: call duration, in-flight calls, SQS calls by operation,
// handler errors and expired requests reach the MeterProvider.
func TestMetrics(t *testing.T) {
	srv := newServer(t)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	g := newRig(t, srv, rigOpts{
		reqOpts:  func(o *requester.Options) { o.MeterProvider = mp },
		respOpts: func(o *responder.Options) { o.MeterProvider = mp; o.OnHandlerError = responder.Drop },
		handler: responder.HandlerFunc(func(ctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
			if aws.ToString(m.Body) == "fail" {
				return nil, errors.New("boom")
			}
			return echo(ctx, m)
		}),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := g.call(ctx, "ok", nil); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	_, _ = g.call(short, "fail", nil) // dropped by the handler: the caller times out
	expired := map[string]types.MessageAttributeValue{sqsapi.DeadlineAttribute: {DataType: aws.String("Number"), StringValue: aws.String("1000")}}
	if _, err := srv.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &g.queueURL, MessageBody: aws.String("old"), MessageAttributes: expired}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "the failed and the expired request", func() bool {
		st := g.resp.Stats()
		return st.HandlerErrors == 1 && st.Expired == 1
	})
	if _, ok := collect(t, reader)["sqstemp.requester.orphans"]; !ok {
		t.Error("no orphan counter")
	}
	g.shutdown(t)
	got := collect(t, reader)
	for name, want := range map[string]int64{
		"sqstemp.requester.call.duration":                2,
		"sqstemp.requester.calls.active":                 0,
		"sqstemp.responder.handler.duration":             2,
		"sqstemp.responder.handler.errors":               1,
		"sqstemp.responder.requests.expired":             1,
		"sqstemp.responder.handlers.active":              0,
		"sqstemp.sqs.calls/requester/SendMessage":        2,
		"sqstemp.sqs.calls/responder/GetQueueAttributes": 1,
		"sqstemp.sqs.calls/requester/CreateQueue":        1,
		"sqstemp.sqs.calls/responder/SendMessage":        1,
	} {
		if got[name] != want {
			t.Errorf("%s = %d, want %d", name, got[name], want)
		}
	}
	if got["sqstemp.sqs.calls/responder/ReceiveMessage"] == 0 || got["sqstemp.sqs.calls/requester/ReceiveMessage"] == 0 {
		t.Errorf("receives not counted: %v", got)
	}
}

// collect reads the metrics: sums and histogram counts by name, SQS calls by
// name/component/operation.
func collect(t *testing.T, reader *sdkmetric.ManualReader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					key := m.Name
					if op, ok := p.Attributes.Value(attribute.Key("rpc.method")); ok {
						comp, _ := p.Attributes.Value("sqstemp.component")
						key += "/" + comp.AsString() + "/" + op.AsString()
					}
					got[key] += p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					got[m.Name] += int64(p.Count)
				}
			}
		}
	}
	return got
}
