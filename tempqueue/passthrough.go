package tempqueue

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// The operations below act on virtual queues as package virtualqueue
// describes, and pass through for any other queue.

// ListQueues implements sqsapi.API.
func (c *Client) ListQueues(ctx context.Context, in *sqs.ListQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	return c.vq.ListQueues(ctx, in, optFns...)
}

// GetQueueAttributes implements sqsapi.API.
func (c *Client) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return c.vq.GetQueueAttributes(ctx, in, optFns...)
}

// SetQueueAttributes implements sqsapi.API.
func (c *Client) SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error) {
	return c.vq.SetQueueAttributes(ctx, in, optFns...)
}

// PurgeQueue implements sqsapi.API.
func (c *Client) PurgeQueue(ctx context.Context, in *sqs.PurgeQueueInput, optFns ...func(*sqs.Options)) (*sqs.PurgeQueueOutput, error) {
	return c.vq.PurgeQueue(ctx, in, optFns...)
}

// SendMessage implements sqsapi.API.
func (c *Client) SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	return c.vq.SendMessage(ctx, in, optFns...)
}

// SendMessageBatch implements sqsapi.API.
func (c *Client) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	return c.vq.SendMessageBatch(ctx, in, optFns...)
}

// DeleteMessage implements sqsapi.API.
func (c *Client) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	return c.vq.DeleteMessage(ctx, in, optFns...)
}

// DeleteMessageBatch implements sqsapi.API.
func (c *Client) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	return c.vq.DeleteMessageBatch(ctx, in, optFns...)
}

// ChangeMessageVisibility implements sqsapi.API.
func (c *Client) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	return c.vq.ChangeMessageVisibility(ctx, in, optFns...)
}

// ChangeMessageVisibilityBatch implements sqsapi.API.
func (c *Client) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	return c.vq.ChangeMessageVisibilityBatch(ctx, in, optFns...)
}

// TagQueue implements sqsapi.API.
func (c *Client) TagQueue(ctx context.Context, in *sqs.TagQueueInput, optFns ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	return c.vq.TagQueue(ctx, in, optFns...)
}

// UntagQueue implements sqsapi.API.
func (c *Client) UntagQueue(ctx context.Context, in *sqs.UntagQueueInput, optFns ...func(*sqs.Options)) (*sqs.UntagQueueOutput, error) {
	return c.vq.UntagQueue(ctx, in, optFns...)
}

// ListQueueTags implements sqsapi.API.
func (c *Client) ListQueueTags(ctx context.Context, in *sqs.ListQueueTagsInput, optFns ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	return c.vq.ListQueueTags(ctx, in, optFns...)
}
