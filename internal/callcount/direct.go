package callcount

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// The operations of *sqs.Client that sqsapi.API leaves out. The API wrapped
// may or may not have them: a call is passed on (and counted) when it does,
// and fails with an error wrapping errors.ErrUnsupported, counting nothing,
// when it does not.

type (
	addPermissionAPI interface {
		AddPermission(context.Context, *sqs.AddPermissionInput, ...func(*sqs.Options)) (*sqs.AddPermissionOutput, error)
	}
	removePermissionAPI interface {
		RemovePermission(context.Context, *sqs.RemovePermissionInput, ...func(*sqs.Options)) (*sqs.RemovePermissionOutput, error)
	}
	listDeadLetterSourceQueuesAPI interface {
		ListDeadLetterSourceQueues(context.Context, *sqs.ListDeadLetterSourceQueuesInput, ...func(*sqs.Options)) (*sqs.ListDeadLetterSourceQueuesOutput, error)
	}
	startMessageMoveTaskAPI interface {
		StartMessageMoveTask(context.Context, *sqs.StartMessageMoveTaskInput, ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error)
	}
	cancelMessageMoveTaskAPI interface {
		CancelMessageMoveTask(context.Context, *sqs.CancelMessageMoveTaskInput, ...func(*sqs.Options)) (*sqs.CancelMessageMoveTaskOutput, error)
	}
	listMessageMoveTasksAPI interface {
		ListMessageMoveTasks(context.Context, *sqs.ListMessageMoveTasksInput, ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error)
	}
)

// direct passes a call to the wrapped API if it has the operation (A is the
// interface with that one method, call its method expression).
func direct[A any, I, O any](c *API, o op, ctx context.Context, in *I, optFns []func(*sqs.Options),
	call func(A, context.Context, *I, ...func(*sqs.Options)) (*O, error)) (*O, error) {
	a, ok := c.api.(A)
	if !ok {
		return nil, fmt.Errorf("%T has no %s method: %w", c.api, opNames[o], errors.ErrUnsupported)
	}
	c.n[o].Add(1)
	return call(a, ctx, in, optFns...)
}

// AddPermission counts the call and passes it on, if the wrapped API has it.
func (c *API) AddPermission(ctx context.Context, in *sqs.AddPermissionInput, optFns ...func(*sqs.Options)) (*sqs.AddPermissionOutput, error) {
	return direct(c, opAddPermission, ctx, in, optFns, addPermissionAPI.AddPermission)
}

// RemovePermission counts the call and passes it on, if the wrapped API has it.
func (c *API) RemovePermission(ctx context.Context, in *sqs.RemovePermissionInput, optFns ...func(*sqs.Options)) (*sqs.RemovePermissionOutput, error) {
	return direct(c, opRemovePermission, ctx, in, optFns, removePermissionAPI.RemovePermission)
}

// ListDeadLetterSourceQueues counts the call and passes it on, if the
// wrapped API has it.
func (c *API) ListDeadLetterSourceQueues(ctx context.Context, in *sqs.ListDeadLetterSourceQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListDeadLetterSourceQueuesOutput, error) {
	return direct(c, opListDeadLetterSourceQueues, ctx, in, optFns, listDeadLetterSourceQueuesAPI.ListDeadLetterSourceQueues)
}

// StartMessageMoveTask counts the call and passes it on, if the wrapped API
// has it.
func (c *API) StartMessageMoveTask(ctx context.Context, in *sqs.StartMessageMoveTaskInput, optFns ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error) {
	return direct(c, opStartMessageMoveTask, ctx, in, optFns, startMessageMoveTaskAPI.StartMessageMoveTask)
}

// CancelMessageMoveTask counts the call and passes it on, if the wrapped API
// has it.
func (c *API) CancelMessageMoveTask(ctx context.Context, in *sqs.CancelMessageMoveTaskInput, optFns ...func(*sqs.Options)) (*sqs.CancelMessageMoveTaskOutput, error) {
	return direct(c, opCancelMessageMoveTask, ctx, in, optFns, cancelMessageMoveTaskAPI.CancelMessageMoveTask)
}

// ListMessageMoveTasks counts the call and passes it on, if the wrapped API
// has it.
func (c *API) ListMessageMoveTasks(ctx context.Context, in *sqs.ListMessageMoveTasksInput, optFns ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error) {
	return direct(c, opListMessageMoveTasks, ctx, in, optFns, listMessageMoveTasksAPI.ListMessageMoveTasks)
}
