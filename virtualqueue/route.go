package virtualqueue

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// call is a call on a virtual queue, as route finds it.
type call[In any] struct {
	in      *In    // the input, never nil
	url     string // the virtual queue URL
	hostURL string
	name    string
}

// route does what every operation on a queue URL does first: a nil input is
// an empty one (as *sqs.Client treats it), a call after Close fails, a
// malformed virtual queue URL is refused, and a call on any other queue goes
// to the wrapped API unchanged (pass). done reports that the call is over,
// with out and err its result; otherwise v is the call on a virtual queue.
// queueURL reaches the input's QueueUrl field.
func route[In, Out any](ctx context.Context, c *Client, op string, in *In, queueURL func(*In) **string,
	pass func(context.Context, *In, ...func(*sqs.Options)) (*Out, error), optFns []func(*sqs.Options)) (v call[In], out *Out, done bool, err error) {
	if in == nil {
		in = new(In)
	}
	if c.closedFlag.Load() {
		return v, nil, true, errClosed(op)
	}
	url := aws.ToString(*queueURL(in))
	hostURL, name, ok, err := virtual(op, url)
	if err != nil {
		return v, nil, true, err
	}
	if !ok {
		out, err := pass(ctx, in, optFns...)
		return v, out, true, err
	}
	return call[In]{in: in, url: url, hostURL: hostURL, name: name}, nil, false, nil
}

// withQueue runs fn on the virtual queue at url under c.mu, recording
// activity on it; a queue that does not exist is an error.
func (c *Client) withQueue(op, url string, fn func(q *vqueue)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queues[url]
	if q == nil {
		return queueDoesNotExist(op, url)
	}
	q.lastActive = c.now()
	fn(q)
	return nil
}
