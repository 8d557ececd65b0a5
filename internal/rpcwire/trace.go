package rpcwire

import (
	"context"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"go.opentelemetry.io/otel/propagation"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Carrier adapts message attributes to propagation.TextMapCarrier: each
// field is a String attribute of the same name.
type Carrier map[string]types.MessageAttributeValue

var _ propagation.TextMapCarrier = Carrier(nil)

// Get returns the String value of attribute key, or "".
func (c Carrier) Get(key string) string {
	v, ok := c[key]
	if !ok || aws.ToString(v.DataType) != "String" {
		return ""
	}
	return aws.ToString(v.StringValue)
}

// Set sets attribute key to the String value.
func (c Carrier) Set(key, value string) {
	c[key] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(SanitizeText(value))}
}

// Keys returns the attribute names, sorted.
func (c Carrier) Keys() []string { return slices.Sorted(maps.Keys(c)) }

// Inject adds the trace context of ctx to attrs through p, as String
// attributes, when all of its fields fit within SQS's limit of
// sqsapi.MaxMessageAttributes attributes, have valid attribute names and
// are not set already. It returns false, with attrs unchanged, when they do
// not (skipped) and when there is nothing to inject (ctx carries no trace
// context): a send never fails for want of room for the trace context.
func Inject(ctx context.Context, p propagation.TextMapPropagator, attrs map[string]types.MessageAttributeValue) (injected, skipped bool) {
	fields := propagation.MapCarrier{}
	p.Inject(ctx, fields)
	if len(fields) == 0 {
		return false, false
	}
	if len(attrs)+len(fields) > sqsapi.MaxMessageAttributes {
		return false, true
	}
	for k := range fields {
		if _, taken := attrs[k]; taken || sqsapi.ValidateMessageAttributeName(k) != nil {
			return false, true
		}
	}
	c := Carrier(attrs)
	for k, v := range fields {
		c.Set(k, v)
	}
	return true, false
}

// Extract returns ctx with the trace context that attrs carry, if any.
func Extract(ctx context.Context, p propagation.TextMapPropagator, attrs map[string]types.MessageAttributeValue) context.Context {
	if len(attrs) == 0 {
		return ctx
	}
	return p.Extract(ctx, Carrier(attrs))
}
