package virtualqueue

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// onHost runs call, an operation on messages, on the host queue when the
// input's QueueUrl (reached through queueURL) is a virtual queue URL, and
// passes it through unchanged otherwise. in is not modified.
func onHost[In, Out any](ctx context.Context, c *Client, op string, in *In, queueURL func(*In) **string,
	call func(context.Context, *In, ...func(*sqs.Options)) (*Out, error), optFns []func(*sqs.Options)) (*Out, error) {
	v, out, done, err := route(ctx, c, op, in, queueURL, call, optFns)
	if done {
		return out, err
	}
	c.touch(v.url)
	cp := *v.in
	*queueURL(&cp) = aws.String(v.hostURL)
	out, err = call(ctx, &cp, optFns...)
	if err != nil {
		return nil, fmt.Errorf("virtualqueue: %s on %s: %w", op, v.url, err)
	}
	return out, nil
}

// DeleteMessage on a virtual queue deletes the message from its host queue.
func (c *Client) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	return onHost(ctx, c, "DeleteMessage", in, func(in *sqs.DeleteMessageInput) **string { return &in.QueueUrl },
		c.api.DeleteMessage, optFns)
}

// DeleteMessageBatch on a virtual queue deletes the messages from its host queue.
func (c *Client) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	return onHost(ctx, c, "DeleteMessageBatch", in, func(in *sqs.DeleteMessageBatchInput) **string { return &in.QueueUrl },
		c.api.DeleteMessageBatch, optFns)
}

// ChangeMessageVisibility on a virtual queue changes it on the host queue.
func (c *Client) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	return onHost(ctx, c, "ChangeMessageVisibility", in, func(in *sqs.ChangeMessageVisibilityInput) **string { return &in.QueueUrl },
		c.api.ChangeMessageVisibility, optFns)
}

// ChangeMessageVisibilityBatch on a virtual queue changes it on the host queue.
func (c *Client) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	return onHost(ctx, c, "ChangeMessageVisibilityBatch", in, func(in *sqs.ChangeMessageVisibilityBatchInput) **string { return &in.QueueUrl },
		c.api.ChangeMessageVisibilityBatch, optFns)
}
