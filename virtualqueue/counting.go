package virtualqueue

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// op indexes the per-operation call counters.
type op int

const (
	opCreateQueue op = iota
	opDeleteQueue
	opGetQueueUrl
	opListQueues
	opGetQueueAttributes
	opSetQueueAttributes
	opPurgeQueue
	opSendMessage
	opSendMessageBatch
	opReceiveMessage
	opDeleteMessage
	opDeleteMessageBatch
	opChangeMessageVisibility
	opChangeMessageVisibilityBatch
	opTagQueue
	opUntagQueue
	opListQueueTags
	numOps
)

var opNames = [numOps]string{
	"CreateQueue", "DeleteQueue", "GetQueueUrl", "ListQueues", "GetQueueAttributes",
	"SetQueueAttributes", "PurgeQueue", "SendMessage", "SendMessageBatch", "ReceiveMessage",
	"DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility",
	"ChangeMessageVisibilityBatch", "TagQueue", "UntagQueue", "ListQueueTags",
}

// countingAPI counts the calls made through it, by operation.
type countingAPI struct {
	api sqsapi.API
	n   [numOps]atomic.Int64
}

func (c *countingAPI) snapshot() map[string]int64 {
	m := make(map[string]int64)
	for i := range c.n {
		if v := c.n[i].Load(); v != 0 {
			m[opNames[i]] = v
		}
	}
	return m
}

func (c *countingAPI) CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, optFns ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	c.n[opCreateQueue].Add(1)
	return c.api.CreateQueue(ctx, in, optFns...)
}

func (c *countingAPI) DeleteQueue(ctx context.Context, in *sqs.DeleteQueueInput, optFns ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error) {
	c.n[opDeleteQueue].Add(1)
	return c.api.DeleteQueue(ctx, in, optFns...)
}

func (c *countingAPI) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	c.n[opGetQueueUrl].Add(1)
	return c.api.GetQueueUrl(ctx, in, optFns...)
}

func (c *countingAPI) ListQueues(ctx context.Context, in *sqs.ListQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	c.n[opListQueues].Add(1)
	return c.api.ListQueues(ctx, in, optFns...)
}

func (c *countingAPI) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	c.n[opGetQueueAttributes].Add(1)
	return c.api.GetQueueAttributes(ctx, in, optFns...)
}

func (c *countingAPI) SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error) {
	c.n[opSetQueueAttributes].Add(1)
	return c.api.SetQueueAttributes(ctx, in, optFns...)
}

func (c *countingAPI) PurgeQueue(ctx context.Context, in *sqs.PurgeQueueInput, optFns ...func(*sqs.Options)) (*sqs.PurgeQueueOutput, error) {
	c.n[opPurgeQueue].Add(1)
	return c.api.PurgeQueue(ctx, in, optFns...)
}

func (c *countingAPI) SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	c.n[opSendMessage].Add(1)
	return c.api.SendMessage(ctx, in, optFns...)
}

func (c *countingAPI) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	c.n[opSendMessageBatch].Add(1)
	return c.api.SendMessageBatch(ctx, in, optFns...)
}

func (c *countingAPI) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	c.n[opReceiveMessage].Add(1)
	return c.api.ReceiveMessage(ctx, in, optFns...)
}

func (c *countingAPI) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	c.n[opDeleteMessage].Add(1)
	return c.api.DeleteMessage(ctx, in, optFns...)
}

func (c *countingAPI) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	c.n[opDeleteMessageBatch].Add(1)
	return c.api.DeleteMessageBatch(ctx, in, optFns...)
}

func (c *countingAPI) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	c.n[opChangeMessageVisibility].Add(1)
	return c.api.ChangeMessageVisibility(ctx, in, optFns...)
}

func (c *countingAPI) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	c.n[opChangeMessageVisibilityBatch].Add(1)
	return c.api.ChangeMessageVisibilityBatch(ctx, in, optFns...)
}

func (c *countingAPI) TagQueue(ctx context.Context, in *sqs.TagQueueInput, optFns ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	c.n[opTagQueue].Add(1)
	return c.api.TagQueue(ctx, in, optFns...)
}

func (c *countingAPI) UntagQueue(ctx context.Context, in *sqs.UntagQueueInput, optFns ...func(*sqs.Options)) (*sqs.UntagQueueOutput, error) {
	c.n[opUntagQueue].Add(1)
	return c.api.UntagQueue(ctx, in, optFns...)
}

func (c *countingAPI) ListQueueTags(ctx context.Context, in *sqs.ListQueueTagsInput, optFns ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	c.n[opListQueueTags].Add(1)
	return c.api.ListQueueTags(ctx, in, optFns...)
}

var _ sqsapi.API = (*countingAPI)(nil)
