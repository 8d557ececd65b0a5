package requester

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// validateRequestQueueURL refuses what cannot be an SQS queue URL. It is
// deliberately looser than sqsapi.ParseQueueURL, so that SQS-compatible
// servers with other path shapes keep working; a virtual queue URL is
// refused because requests go to a real queue that a responder serves.
func validateRequestQueueURL(raw string) error {
	bad := func(reason string) error {
		return &sqsapi.InvalidParameterError{Code: "InvalidAddress", Param: "QueueUrl", Value: raw, Reason: reason}
	}
	if strings.Contains(raw, "#") {
		return bad("requests go to a real SQS queue that a responder serves, not to a virtual queue")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return bad("not an http(s) queue URL")
	}
	return nil
}

// reserved are the message attributes the requester sets itself.
var reserved = []struct{ name, reason string }{
	{sqsapi.ResponseQueueURLAttribute, "reserved: the requester sets it to the response queue"},
	{sqsapi.DeadlineAttribute, "reserved: the requester sets it to the deadline of the call's ctx"},
	{sqsapi.VirtualQueueNameAttribute, "reserved for virtual queue routing"},
}

// validateRequest checks in and returns a copy with its own attribute map.
// A request whose ctx has a deadline carries it in one more attribute, so
// it may carry one attribute less of its own.
func validateRequest(in *sqs.SendMessageInput, withDeadline bool) (*sqs.SendMessageInput, error) {
	if in == nil {
		return nil, &sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "SendMessageInput", Value: "<nil>", Reason: "required"}
	}
	if aws.ToString(in.QueueUrl) == "" {
		return nil, &sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "QueueUrl", Reason: "required: the queue to send the request to"}
	}
	if err := validateRequestQueueURL(aws.ToString(in.QueueUrl)); err != nil {
		return nil, err
	}
	if in.MessageBody == nil {
		return nil, &sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "MessageBody", Value: "<nil>", Reason: "required"}
	}
	for _, name := range slices.Sorted(maps.Keys(in.MessageAttributes)) {
		if err := sqsapi.ValidateMessageAttributeName(name); err != nil {
			return nil, err
		}
	}
	for _, r := range reserved {
		if _, ok := in.MessageAttributes[r.name]; ok {
			return nil, &sqsapi.InvalidParameterError{Param: "MessageAttributeName", Value: r.name, Reason: r.reason}
		}
	}
	limit, reason := sqsapi.MaxMessageAttributes-1, "a request may carry at most 9 message attributes (the 10th, ResponseQueueUrl, names the response queue)"
	if withDeadline {
		limit, reason = sqsapi.MaxMessageAttributes-2, "a request whose ctx has a deadline may carry at most 8 message attributes (ResponseQueueUrl and "+
			sqsapi.DeadlineAttribute+" take the other two)"
	}
	if len(in.MessageAttributes) > limit {
		return nil, &sqsapi.InvalidParameterError{Param: "MessageAttributes", Value: strconv.Itoa(len(in.MessageAttributes)) + " attributes", Reason: reason}
	}
	cp := *in
	cp.MessageAttributes = make(map[string]types.MessageAttributeValue, len(in.MessageAttributes)+4)
	maps.Copy(cp.MessageAttributes, in.MessageAttributes)
	return &cp, nil
}
