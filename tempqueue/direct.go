package tempqueue

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// The operations below complete the method set of *sqs.Client. The library
// does not use them: they go straight to the API given to New, if it has the
// method (*sqs.Client has them all; an API without it gets an error wrapping
// errors.ErrUnsupported), and are counted in Stats.Calls. They act on real
// queues only: a virtual queue URL is refused with an
// *sqsapi.InvalidParameterError and no SQS call. The message-move tasks take
// the ARNs of real queues (a virtual queue has no ARN of its own).

// fullSQSClient is the part of *sqs.Client's operations that sqsapi.API
// leaves out; with sqsapi.API it makes every operation of *sqs.Client.
type fullSQSClient interface {
	AddPermission(context.Context, *sqs.AddPermissionInput, ...func(*sqs.Options)) (*sqs.AddPermissionOutput, error)
	RemovePermission(context.Context, *sqs.RemovePermissionInput, ...func(*sqs.Options)) (*sqs.RemovePermissionOutput, error)
	ListDeadLetterSourceQueues(context.Context, *sqs.ListDeadLetterSourceQueuesInput, ...func(*sqs.Options)) (*sqs.ListDeadLetterSourceQueuesOutput, error)
	StartMessageMoveTask(context.Context, *sqs.StartMessageMoveTaskInput, ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error)
	CancelMessageMoveTask(context.Context, *sqs.CancelMessageMoveTaskInput, ...func(*sqs.Options)) (*sqs.CancelMessageMoveTaskOutput, error)
	ListMessageMoveTasks(context.Context, *sqs.ListMessageMoveTasksInput, ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error)
}

var (
	_ fullSQSClient = (*Client)(nil)
	_ fullSQSClient = (*sqs.Client)(nil)
)

// realQueueOnly returns an error if the client is closed or queueURL is a
// virtual queue URL, which op cannot act on.
func (c *Client) realQueueOnly(op string, queueURL *string) error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return fmt.Errorf("tempqueue: %s: %w", op, ErrClosed)
	}
	if queueURL == nil {
		return nil
	}
	if _, _, ok := virtualqueue.ParseURL(*queueURL); ok {
		return fmt.Errorf("tempqueue: %s: %w", op, &sqsapi.InvalidParameterError{
			Param: "QueueUrl", Value: *queueURL,
			Reason: "a virtual queue URL; " + op + " acts on real SQS queues only",
		})
	}
	return nil
}

// AddPermission passes the call to the wrapped API; a virtual queue URL is
// refused.
func (c *Client) AddPermission(ctx context.Context, in *sqs.AddPermissionInput, optFns ...func(*sqs.Options)) (*sqs.AddPermissionOutput, error) {
	var url *string
	if in != nil {
		url = in.QueueUrl
	}
	if err := c.realQueueOnly("AddPermission", url); err != nil {
		return nil, err
	}
	out, err := c.calls.AddPermission(ctx, in, optFns...)
	return out, directErr("AddPermission", err)
}

// RemovePermission passes the call to the wrapped API; a virtual queue URL
// is refused.
func (c *Client) RemovePermission(ctx context.Context, in *sqs.RemovePermissionInput, optFns ...func(*sqs.Options)) (*sqs.RemovePermissionOutput, error) {
	var url *string
	if in != nil {
		url = in.QueueUrl
	}
	if err := c.realQueueOnly("RemovePermission", url); err != nil {
		return nil, err
	}
	out, err := c.calls.RemovePermission(ctx, in, optFns...)
	return out, directErr("RemovePermission", err)
}

// ListDeadLetterSourceQueues passes the call to the wrapped API; a virtual
// queue URL is refused (a virtual queue cannot be a dead-letter queue).
func (c *Client) ListDeadLetterSourceQueues(ctx context.Context, in *sqs.ListDeadLetterSourceQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListDeadLetterSourceQueuesOutput, error) {
	var url *string
	if in != nil {
		url = in.QueueUrl
	}
	if err := c.realQueueOnly("ListDeadLetterSourceQueues", url); err != nil {
		return nil, err
	}
	out, err := c.calls.ListDeadLetterSourceQueues(ctx, in, optFns...)
	return out, directErr("ListDeadLetterSourceQueues", err)
}

// StartMessageMoveTask passes the call to the wrapped API.
func (c *Client) StartMessageMoveTask(ctx context.Context, in *sqs.StartMessageMoveTaskInput, optFns ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error) {
	if err := c.realQueueOnly("StartMessageMoveTask", nil); err != nil {
		return nil, err
	}
	out, err := c.calls.StartMessageMoveTask(ctx, in, optFns...)
	return out, directErr("StartMessageMoveTask", err)
}

// CancelMessageMoveTask passes the call to the wrapped API.
func (c *Client) CancelMessageMoveTask(ctx context.Context, in *sqs.CancelMessageMoveTaskInput, optFns ...func(*sqs.Options)) (*sqs.CancelMessageMoveTaskOutput, error) {
	if err := c.realQueueOnly("CancelMessageMoveTask", nil); err != nil {
		return nil, err
	}
	out, err := c.calls.CancelMessageMoveTask(ctx, in, optFns...)
	return out, directErr("CancelMessageMoveTask", err)
}

// ListMessageMoveTasks passes the call to the wrapped API.
func (c *Client) ListMessageMoveTasks(ctx context.Context, in *sqs.ListMessageMoveTasksInput, optFns ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error) {
	if err := c.realQueueOnly("ListMessageMoveTasks", nil); err != nil {
		return nil, err
	}
	out, err := c.calls.ListMessageMoveTasks(ctx, in, optFns...)
	return out, directErr("ListMessageMoveTasks", err)
}

// directErr names op in an error of a direct call; errors.As and the sqsapi
// helpers still find SQS's own errors through it.
func directErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("tempqueue: %s: %w", op, err)
}
