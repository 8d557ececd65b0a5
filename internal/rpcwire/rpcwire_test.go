package rpcwire_test

import (
	"context"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqstemp/sqstemp/internal/rpcwire"
	"github.com/sqstemp/sqstemp/sqsapi"
)

func deadlineAttrs(dataType, v string) map[string]types.MessageAttributeValue {
	return map[string]types.MessageAttributeValue{sqsapi.DeadlineAttribute: {DataType: aws.String(dataType), StringValue: aws.String(v)}}
}

func TestDeadlineRoundTrip(t *testing.T) {
	for _, d := range []time.Time{
		time.UnixMilli(1_700_000_000_123),
		time.UnixMilli(1_700_000_000_123).Add(time.Microsecond), // rounded up, never earlier
	} {
		got, ok := rpcwire.Deadline(map[string]types.MessageAttributeValue{sqsapi.DeadlineAttribute: rpcwire.DeadlineValue(d)})
		if !ok || got.Before(d) || got.Sub(d) >= time.Millisecond {
			t.Errorf("deadline %v read back as %v, %v", d, got, ok)
		}
	}
	for _, tc := range []struct{ dataType, v string }{
		{"String", "1700000000123"},
		{"Number", "-5"},
		{"Number", "12.5"},
		{"Number", "0"},
		{"Number", "1e12"},
		{"Number", "99999999999999999999"},
		{"Number", "253402300800000"}, // one millisecond past the year 9999
		{"Number.", "1700000000123"},  // "Number." is no custom type: the suffix is empty
		{"Binary", ""},
	} {
		if got, ok := rpcwire.Deadline(deadlineAttrs(tc.dataType, tc.v)); ok {
			t.Errorf("%s %q read as deadline %v", tc.dataType, tc.v, got)
		}
	}
	if _, ok := rpcwire.Deadline(deadlineAttrs("Number.ms", "1700000000123")); !ok {
		t.Error("a Number with a custom type suffix was refused")
	}
	if got, ok := rpcwire.Deadline(deadlineAttrs("Number", "253402300799999")); !ok || got.Year() != 9999 {
		t.Errorf("the last millisecond of the year 9999 read as %v, %v", got, ok)
	}
}

// FuzzDeadline: Deadline never panics on untrusted values, and what it
// accepts is a positive whole number of milliseconds that it reads exactly.
func FuzzDeadline(f *testing.F) {
	for _, s := range []string{"1700000000123", "-1", "1.5", "", "0", "253402300799999", "253402300800000"} {
		f.Add("Number", s)
	}
	f.Fuzz(func(t *testing.T, dataType, v string) {
		d, ok := rpcwire.Deadline(deadlineAttrs(dataType, v))
		if !ok {
			return
		}
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms <= 0 || d.UnixMilli() != ms {
			t.Fatalf("%s %q accepted as %v", dataType, v, d)
		}
	})
}

func TestErrorReply(t *testing.T) {
	for _, tc := range []struct{ code, message, wantCode, wantBody string }{
		{"NotFound", "no such user", "NotFound", "no such user"},
		{"Conflict", "", "Conflict", "Conflict"},
		{"", "", rpcwire.DefaultErrorCode, rpcwire.DefaultErrorCode},
		{"A\x00", "b\uffffc\xff", "A\uFFFD", "b\uFFFDc\uFFFD"},
	} {
		body, attrs := rpcwire.ErrorReply(tc.code, tc.message)
		code, ok := rpcwire.ErrorCode(attrs)
		if !ok || code != tc.wantCode || body != tc.wantBody {
			t.Errorf("ErrorReply(%q, %q) = %q, %q; want %q, %q", tc.code, tc.message, code, body, tc.wantCode, tc.wantBody)
		}
	}
	_, attrs := rpcwire.ErrorReply(string(make([]byte, 300)), "m")
	if code, _ := rpcwire.ErrorCode(attrs); len(code) > 256*utf8.UTFMax || !utf8.ValidString(code) {
		t.Errorf("long code sent as %d bytes", len(code))
	}
}

func TestInject(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	p := propagation.TraceContext{}
	attrs := map[string]types.MessageAttributeValue{}
	if injected, skipped := rpcwire.Inject(ctx, p, attrs); !injected || skipped {
		t.Fatalf("Inject into empty attributes: %v, %v", injected, skipped)
	}
	got := trace.SpanContextFromContext(rpcwire.Extract(context.Background(), p, attrs))
	if got.TraceID() != sc.TraceID() || got.SpanID() != sc.SpanID() {
		t.Errorf("extracted %v, want %v", got, sc)
	}
	full := map[string]types.MessageAttributeValue{}
	for i := range sqsapi.MaxMessageAttributes {
		full["a"+strconv.Itoa(i)] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
	}
	if injected, skipped := rpcwire.Inject(ctx, p, full); injected || !skipped || len(full) != sqsapi.MaxMessageAttributes {
		t.Errorf("Inject into full attributes: injected %v, skipped %v, %d attributes", injected, skipped, len(full))
	}
	if injected, skipped := rpcwire.Inject(context.Background(), p, map[string]types.MessageAttributeValue{}); injected || skipped {
		t.Errorf("Inject without trace context: %v, %v", injected, skipped)
	}
}
