package main

import (
	"maps"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// toMessage converts a record of a Lambda SQS event to the types.Message
// that ReceiveMessage would have returned for it, which is what the
// responder takes.
func toMessage(rec events.SQSMessage) types.Message {
	return types.Message{
		MessageId:              aws.String(rec.MessageId),
		ReceiptHandle:          aws.String(rec.ReceiptHandle),
		Body:                   aws.String(rec.Body),
		MD5OfBody:              optional(rec.Md5OfBody),
		MD5OfMessageAttributes: optional(rec.Md5OfMessageAttributes),
		Attributes:             cloneOrNil(rec.Attributes),
		MessageAttributes:      toAttributeValues(rec.MessageAttributes),
	}
}

// toEventMessage is the reverse of toMessage: m as the Lambda service puts
// it in an SQS event for the queue with the given ARN, in region.
func toEventMessage(m types.Message, queueARN, region string) events.SQSMessage {
	return events.SQSMessage{
		MessageId:              aws.ToString(m.MessageId),
		ReceiptHandle:          aws.ToString(m.ReceiptHandle),
		Body:                   aws.ToString(m.Body),
		Md5OfBody:              aws.ToString(m.MD5OfBody),
		Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
		Attributes:             cloneOrNil(m.Attributes),
		MessageAttributes:      toEventAttributes(m.MessageAttributes),
		EventSourceARN:         queueARN,
		EventSource:            "aws:sqs",
		AWSRegion:              region,
	}
}

// toAttributeValues converts message attributes as a Lambda event encodes
// them (stringValue, binaryValue, dataType) to the SDK's.
func toAttributeValues(in map[string]events.SQSMessageAttribute) map[string]types.MessageAttributeValue {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]types.MessageAttributeValue, len(in))
	for name, a := range in {
		out[name] = types.MessageAttributeValue{
			DataType:         aws.String(a.DataType),
			StringValue:      a.StringValue,
			BinaryValue:      a.BinaryValue,
			StringListValues: a.StringListValues,
			BinaryListValues: a.BinaryListValues,
		}
	}
	return out
}

// toEventAttributes converts the SDK's message attributes to a Lambda
// event's.
func toEventAttributes(in map[string]types.MessageAttributeValue) map[string]events.SQSMessageAttribute {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]events.SQSMessageAttribute, len(in))
	for name, a := range in {
		out[name] = events.SQSMessageAttribute{
			DataType:         aws.ToString(a.DataType),
			StringValue:      a.StringValue,
			BinaryValue:      a.BinaryValue,
			StringListValues: a.StringListValues,
			BinaryListValues: a.BinaryListValues,
		}
	}
	return out
}

// optional returns nil for "" (a field the event leaves empty).
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func cloneOrNil(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}
