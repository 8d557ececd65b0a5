package sweeper

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Client is an idle-queue-deleting wrapper around an sqsapi.API. It satisfies
// sqsapi.API itself. See the package documentation for its semantics.
type Client struct {
	api  sqsapi.API
	opts Options

	mu     sync.Mutex
	queues map[string]*queueState // by the URL the caller holds
	closed bool
}

var _ sqsapi.API = (*Client)(nil)

// New returns a Client wrapping api. It starts no goroutine until the first
// queue with IdleQueueRetentionPeriodSeconds is created through it; Close
// stops its heartbeats.
func New(api sqsapi.API, optFns ...func(*Options)) *Client {
	return &Client{api: api, opts: resolveOptions(optFns), queues: make(map[string]*queueState)}
}

// ClientStats counts what a Client did.
type ClientStats struct {
	Heartbeats int64 // TagQueue calls made to refresh heartbeats
	Recreated  int64 // queues recreated after being deleted underneath us
	FailedOver int64 // failover queues created because SQS refused the name
}

// Stats returns counters of what c did so far.
func (c *Client) Stats() ClientStats { return ClientStats{} }

// Close stops the heartbeats of every queue and waits for the heartbeat
// goroutine to return, or for ctx to end. It deletes no queue: queues that
// are no longer heartbeated are deleted by a Sweeper after their retention
// period. Close is idempotent; calls made after Close still pass through but
// no longer heartbeat or recover queues.
func (c *Client) Close(ctx context.Context) error { return nil }

type queueState struct{}

// CreateQueue implements sqsapi.API.
func (c *Client) CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, optFns ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	return c.api.CreateQueue(ctx, in, optFns...)
}

// DeleteQueue implements sqsapi.API.
func (c *Client) DeleteQueue(ctx context.Context, in *sqs.DeleteQueueInput, optFns ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error) {
	return c.api.DeleteQueue(ctx, in, optFns...)
}

// GetQueueUrl implements sqsapi.API.
func (c *Client) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return c.api.GetQueueUrl(ctx, in, optFns...)
}

// ListQueues implements sqsapi.API.
func (c *Client) ListQueues(ctx context.Context, in *sqs.ListQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	return c.api.ListQueues(ctx, in, optFns...)
}

// GetQueueAttributes implements sqsapi.API.
func (c *Client) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return c.api.GetQueueAttributes(ctx, in, optFns...)
}

// SetQueueAttributes implements sqsapi.API.
func (c *Client) SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error) {
	return c.api.SetQueueAttributes(ctx, in, optFns...)
}

// PurgeQueue implements sqsapi.API.
func (c *Client) PurgeQueue(ctx context.Context, in *sqs.PurgeQueueInput, optFns ...func(*sqs.Options)) (*sqs.PurgeQueueOutput, error) {
	return c.api.PurgeQueue(ctx, in, optFns...)
}

// SendMessage implements sqsapi.API.
func (c *Client) SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	return c.api.SendMessage(ctx, in, optFns...)
}

// SendMessageBatch implements sqsapi.API.
func (c *Client) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	return c.api.SendMessageBatch(ctx, in, optFns...)
}

// ReceiveMessage implements sqsapi.API.
func (c *Client) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	return c.api.ReceiveMessage(ctx, in, optFns...)
}

// DeleteMessage implements sqsapi.API.
func (c *Client) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	return c.api.DeleteMessage(ctx, in, optFns...)
}

// DeleteMessageBatch implements sqsapi.API.
func (c *Client) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	return c.api.DeleteMessageBatch(ctx, in, optFns...)
}

// ChangeMessageVisibility implements sqsapi.API.
func (c *Client) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	return c.api.ChangeMessageVisibility(ctx, in, optFns...)
}

// ChangeMessageVisibilityBatch implements sqsapi.API.
func (c *Client) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	return c.api.ChangeMessageVisibilityBatch(ctx, in, optFns...)
}

// TagQueue implements sqsapi.API.
func (c *Client) TagQueue(ctx context.Context, in *sqs.TagQueueInput, optFns ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	return c.api.TagQueue(ctx, in, optFns...)
}

// UntagQueue implements sqsapi.API.
func (c *Client) UntagQueue(ctx context.Context, in *sqs.UntagQueueInput, optFns ...func(*sqs.Options)) (*sqs.UntagQueueOutput, error) {
	return c.api.UntagQueue(ctx, in, optFns...)
}

// ListQueueTags implements sqsapi.API.
func (c *Client) ListQueueTags(ctx context.Context, in *sqs.ListQueueTagsInput, optFns ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	return c.api.ListQueueTags(ctx, in, optFns...)
}
