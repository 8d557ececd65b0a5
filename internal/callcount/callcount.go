package callcount

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqsapi"
)

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
	opAddPermission
	opRemovePermission
	opListDeadLetterSourceQueues
	opStartMessageMoveTask
	opCancelMessageMoveTask
	opListMessageMoveTasks
	numOps
)

var opNames = [numOps]string{
	"CreateQueue",
	"DeleteQueue",
	"GetQueueUrl",
	"ListQueues",
	"GetQueueAttributes",
	"SetQueueAttributes",
	"PurgeQueue",
	"SendMessage",
	"SendMessageBatch",
	"ReceiveMessage",
	"DeleteMessage",
	"DeleteMessageBatch",
	"ChangeMessageVisibility",
	"ChangeMessageVisibilityBatch",
	"TagQueue",
	"UntagQueue",
	"ListQueueTags",
	"AddPermission",
	"RemovePermission",
	"ListDeadLetterSourceQueues",
	"StartMessageMoveTask",
	"CancelMessageMoveTask",
	"ListMessageMoveTasks",
}

// Operations returns the names of the operations counted, as Calls and
// observers report them.
func Operations() []string { return append([]string(nil), opNames[:]...) }

// API wraps an sqsapi.API and counts every call made through it, failed
// calls included. It is safe for concurrent use.
type API struct {
	api       sqsapi.API
	n         [numOps]atomic.Int64
	observers []func(op string)
}

var _ sqsapi.API = (*API)(nil)

// New returns an API counting the calls made through it to api. Each
// observer is also called with the operation's name ("SendMessage", ...)
// before every call; observers must be cheap and safe for concurrent use
// (a metric counter, typically).
func New(api sqsapi.API, observers ...func(op string)) *API {
	return &API{api: api, observers: observers}
}

func (c *API) count(o op) {
	c.n[o].Add(1)
	for _, fn := range c.observers {
		fn(opNames[o])
	}
}

// Calls returns the number of calls made so far, by operation name; only
// operations called at least once appear.
func (c *API) Calls() map[string]int64 {
	m := make(map[string]int64)
	for i := range c.n {
		if v := c.n[i].Load(); v != 0 {
			m[opNames[i]] = v
		}
	}
	return m
}

// Total returns the number of calls made so far.
func (c *API) Total() int64 {
	var t int64
	for i := range c.n {
		t += c.n[i].Load()
	}
	return t
}

// CreateQueue counts the call and passes it on.
func (c *API) CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, optFns ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	c.count(opCreateQueue)
	return c.api.CreateQueue(ctx, in, optFns...)
}

// DeleteQueue counts the call and passes it on.
func (c *API) DeleteQueue(ctx context.Context, in *sqs.DeleteQueueInput, optFns ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error) {
	c.count(opDeleteQueue)
	return c.api.DeleteQueue(ctx, in, optFns...)
}

// GetQueueUrl counts the call and passes it on.
func (c *API) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	c.count(opGetQueueUrl)
	return c.api.GetQueueUrl(ctx, in, optFns...)
}

// ListQueues counts the call and passes it on.
func (c *API) ListQueues(ctx context.Context, in *sqs.ListQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	c.count(opListQueues)
	return c.api.ListQueues(ctx, in, optFns...)
}

// GetQueueAttributes counts the call and passes it on.
func (c *API) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	c.count(opGetQueueAttributes)
	return c.api.GetQueueAttributes(ctx, in, optFns...)
}

// SetQueueAttributes counts the call and passes it on.
func (c *API) SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error) {
	c.count(opSetQueueAttributes)
	return c.api.SetQueueAttributes(ctx, in, optFns...)
}

// PurgeQueue counts the call and passes it on.
func (c *API) PurgeQueue(ctx context.Context, in *sqs.PurgeQueueInput, optFns ...func(*sqs.Options)) (*sqs.PurgeQueueOutput, error) {
	c.count(opPurgeQueue)
	return c.api.PurgeQueue(ctx, in, optFns...)
}

// SendMessage counts the call and passes it on.
func (c *API) SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	c.count(opSendMessage)
	return c.api.SendMessage(ctx, in, optFns...)
}

// SendMessageBatch counts the call and passes it on.
func (c *API) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	c.count(opSendMessageBatch)
	return c.api.SendMessageBatch(ctx, in, optFns...)
}

// ReceiveMessage counts the call and passes it on.
func (c *API) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	c.count(opReceiveMessage)
	return c.api.ReceiveMessage(ctx, in, optFns...)
}

// DeleteMessage counts the call and passes it on.
func (c *API) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	c.count(opDeleteMessage)
	return c.api.DeleteMessage(ctx, in, optFns...)
}

// DeleteMessageBatch counts the call and passes it on.
func (c *API) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	c.count(opDeleteMessageBatch)
	return c.api.DeleteMessageBatch(ctx, in, optFns...)
}

// ChangeMessageVisibility counts the call and passes it on.
func (c *API) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	c.count(opChangeMessageVisibility)
	return c.api.ChangeMessageVisibility(ctx, in, optFns...)
}

// ChangeMessageVisibilityBatch counts the call and passes it on.
func (c *API) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	c.count(opChangeMessageVisibilityBatch)
	return c.api.ChangeMessageVisibilityBatch(ctx, in, optFns...)
}

// TagQueue counts the call and passes it on.
func (c *API) TagQueue(ctx context.Context, in *sqs.TagQueueInput, optFns ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	c.count(opTagQueue)
	return c.api.TagQueue(ctx, in, optFns...)
}

// UntagQueue counts the call and passes it on.
func (c *API) UntagQueue(ctx context.Context, in *sqs.UntagQueueInput, optFns ...func(*sqs.Options)) (*sqs.UntagQueueOutput, error) {
	c.count(opUntagQueue)
	return c.api.UntagQueue(ctx, in, optFns...)
}

// ListQueueTags counts the call and passes it on.
func (c *API) ListQueueTags(ctx context.Context, in *sqs.ListQueueTagsInput, optFns ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	c.count(opListQueueTags)
	return c.api.ListQueueTags(ctx, in, optFns...)
}
