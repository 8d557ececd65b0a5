package sqstest

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

// validateInput does what *sqs.Client does before sending a request: it
// refuses nil required fields with a smithy.InvalidParamsError (which is not
// an API error: nothing was sent).
func validateInput(in any) error {
	var (
		ctx  string
		miss []string
		req  = func(ok bool, field string) {
			if !ok {
				miss = append(miss, field)
			}
		}
		nested = map[string]smithy.InvalidParamsError{}
	)
	attrs := func(prefix string, m map[string]types.MessageAttributeValue) {
		for k, v := range m {
			if v.DataType == nil {
				e := smithy.InvalidParamsError{Context: "MessageAttributeValue"}
				e.Add(smithy.NewErrParamRequired("DataType"))
				nested[fmt.Sprintf("%s[%q]", prefix, k)] = e
			}
		}
	}
	switch in := in.(type) {
	case *sqs.CreateQueueInput:
		ctx = "CreateQueueInput"
		req(in.QueueName != nil, "QueueName")
	case *sqs.DeleteQueueInput:
		ctx = "DeleteQueueInput"
		req(in.QueueUrl != nil, "QueueUrl")
	case *sqs.GetQueueUrlInput:
		ctx = "GetQueueUrlInput"
		req(in.QueueName != nil, "QueueName")
	case *sqs.GetQueueAttributesInput:
		ctx = "GetQueueAttributesInput"
		req(in.QueueUrl != nil, "QueueUrl")
	case *sqs.SetQueueAttributesInput:
		ctx = "SetQueueAttributesInput"
		req(in.QueueUrl != nil, "QueueUrl")
		req(in.Attributes != nil, "Attributes")
	case *sqs.PurgeQueueInput:
		ctx = "PurgeQueueInput"
		req(in.QueueUrl != nil, "QueueUrl")
	case *sqs.SendMessageInput:
		ctx = "SendMessageInput"
		req(in.QueueUrl != nil, "QueueUrl")
		req(in.MessageBody != nil, "MessageBody")
		attrs("MessageAttributes", in.MessageAttributes)
	case *sqs.SendMessageBatchInput:
		ctx = "SendMessageBatchInput"
		req(in.QueueUrl != nil, "QueueUrl")
		req(in.Entries != nil, "Entries")
		for i, e := range in.Entries {
			if e.Id == nil || e.MessageBody == nil {
				ne := smithy.InvalidParamsError{Context: "SendMessageBatchRequestEntry"}
				if e.Id == nil {
					ne.Add(smithy.NewErrParamRequired("Id"))
				}
				if e.MessageBody == nil {
					ne.Add(smithy.NewErrParamRequired("MessageBody"))
				}
				nested[fmt.Sprintf("Entries[%d]", i)] = ne
			}
			attrs(fmt.Sprintf("Entries[%d].MessageAttributes", i), e.MessageAttributes)
		}
	case *sqs.ReceiveMessageInput:
		ctx = "ReceiveMessageInput"
		req(in.QueueUrl != nil, "QueueUrl")
	case *sqs.DeleteMessageInput:
		ctx = "DeleteMessageInput"
		req(in.QueueUrl != nil, "QueueUrl")
		req(in.ReceiptHandle != nil, "ReceiptHandle")
	case *sqs.DeleteMessageBatchInput:
		ctx = "DeleteMessageBatchInput"
		req(in.QueueUrl != nil, "QueueUrl")
		req(in.Entries != nil, "Entries")
		for i, e := range in.Entries {
			if e.Id == nil || e.ReceiptHandle == nil {
				ne := smithy.InvalidParamsError{Context: "DeleteMessageBatchRequestEntry"}
				if e.Id == nil {
					ne.Add(smithy.NewErrParamRequired("Id"))
				}
				if e.ReceiptHandle == nil {
					ne.Add(smithy.NewErrParamRequired("ReceiptHandle"))
				}
				nested[fmt.Sprintf("Entries[%d]", i)] = ne
			}
		}
	case *sqs.ChangeMessageVisibilityInput:
		ctx = "ChangeMessageVisibilityInput"
		req(in.QueueUrl != nil, "QueueUrl")
		req(in.ReceiptHandle != nil, "ReceiptHandle")
	case *sqs.ChangeMessageVisibilityBatchInput:
		ctx = "ChangeMessageVisibilityBatchInput"
		req(in.QueueUrl != nil, "QueueUrl")
		req(in.Entries != nil, "Entries")
		for i, e := range in.Entries {
			if e.Id == nil || e.ReceiptHandle == nil {
				ne := smithy.InvalidParamsError{Context: "ChangeMessageVisibilityBatchRequestEntry"}
				if e.Id == nil {
					ne.Add(smithy.NewErrParamRequired("Id"))
				}
				if e.ReceiptHandle == nil {
					ne.Add(smithy.NewErrParamRequired("ReceiptHandle"))
				}
				nested[fmt.Sprintf("Entries[%d]", i)] = ne
			}
		}
	case *sqs.TagQueueInput:
		ctx = "TagQueueInput"
		req(in.QueueUrl != nil, "QueueUrl")
		req(in.Tags != nil, "Tags")
	case *sqs.UntagQueueInput:
		ctx = "UntagQueueInput"
		req(in.QueueUrl != nil, "QueueUrl")
		req(in.TagKeys != nil, "TagKeys")
	case *sqs.ListQueueTagsInput:
		ctx = "ListQueueTagsInput"
		req(in.QueueUrl != nil, "QueueUrl")
	}
	if len(miss) == 0 && len(nested) == 0 {
		return nil
	}
	e := smithy.InvalidParamsError{Context: ctx}
	for _, f := range miss {
		e.Add(smithy.NewErrParamRequired(f))
	}
	for k, ne := range nested {
		e.AddNested(k, ne)
	}
	return e
}
