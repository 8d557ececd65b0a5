package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// spanLog is a span exporter that keeps the ended spans, and prints them a
// trace at a time, one line each.
type spanLog struct {
	mu     sync.Mutex
	spans  []sdktrace.ReadOnlySpan
	traces []trace.TraceID // in the order first printed, to number them
}

// ExportSpans implements sdktrace.SpanExporter.
func (l *spanLog) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.spans = append(l.spans, spans...)
	return nil
}

// Shutdown implements sdktrace.SpanExporter.
func (l *spanLog) Shutdown(context.Context) error { return nil }

// print writes the spans of trace id once want of them have ended (Serve
// ends its span just after the response is sent), outermost first.
func (l *spanLog) print(out io.Writer, id trace.TraceID, want int) {
	var spans []sdktrace.ReadOnlySpan
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		spans = l.of(id)
		if len(spans) >= want || time.Now().After(deadline) {
			break
		}
	}
	slices.SortFunc(spans, func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) })
	l.mu.Lock()
	l.traces = append(l.traces, id)
	n := len(l.traces)
	l.mu.Unlock()
	names := map[trace.SpanID]string{}
	for _, s := range spans {
		names[s.SpanContext().SpanID()] = s.Name()
	}
	for _, s := range spans {
		line := fmt.Sprintf("  trace %d: span %q kind %s", n, s.Name(), s.SpanKind())
		if p, ok := names[s.Parent().SpanID()]; ok {
			line += fmt.Sprintf(" (child of %q)", p)
		}
		if s.Status().Code.String() == "Error" {
			line += " error: " + errorType(s)
		}
		fmt.Fprintln(out, line)
	}
}

// of returns the ended spans of trace id.
func (l *spanLog) of(id trace.TraceID) []sdktrace.ReadOnlySpan {
	l.mu.Lock()
	defer l.mu.Unlock()
	var mine []sdktrace.ReadOnlySpan
	for _, s := range l.spans {
		if s.SpanContext().TraceID() == id {
			mine = append(mine, s)
		}
	}
	return mine
}

func errorType(s sdktrace.ReadOnlySpan) string {
	for _, kv := range s.Attributes() {
		if kv.Key == "error.type" {
			return kv.Value.Emit()
		}
	}
	return strings.ToLower(s.Status().Description)
}
