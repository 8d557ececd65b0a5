package virtualqueue

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// withName returns a copy of attrs with the virtual queue name added, or an
// error if the caller's attributes leave no room for it or use its name.
func withName(attrs map[string]types.MessageAttributeValue, name string) (map[string]types.MessageAttributeValue, error) {
	if _, ok := attrs[sqsapi.VirtualQueueNameAttribute]; ok {
		return nil, &sqsapi.InvalidParameterError{Param: "MessageAttributeName", Value: sqsapi.VirtualQueueNameAttribute,
			Reason: "reserved: it names the virtual queue a message is sent to"}
	}
	for name := range attrs {
		if err := sqsapi.ValidateMessageAttributeName(name); err != nil {
			return nil, err
		}
	}
	if len(attrs) >= sqsapi.MaxMessageAttributes {
		return nil, &sqsapi.InvalidParameterError{Param: "MessageAttributes", Value: strconv.Itoa(len(attrs)) + " attributes",
			Reason: "a message to a virtual queue may carry at most 9 message attributes (the 10th names the virtual queue)"}
	}
	out := make(map[string]types.MessageAttributeValue, len(attrs)+1)
	maps.Copy(out, attrs)
	out[sqsapi.VirtualQueueNameAttribute] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(name)}
	return out, nil
}

// ToHost translates a send to a virtual queue into the send to its host
// queue that the wire format prescribes: QueueUrl becomes the host queue's
// URL and the virtual queue name attribute is added (so the message may carry
// at most 9 attributes of its own, none of them the reserved name). It needs
// no client and no state, so any process can reply to a virtual URL it only
// read from a message. ok is false, and in is returned as is, when QueueUrl
// is not a virtual queue URL; a malformed one (a '#' but not
// "<queue URL>#<name>") is an *sqsapi.InvalidParameterError. in is not
// modified.
func ToHost(in *sqs.SendMessageInput) (out *sqs.SendMessageInput, ok bool, err error) {
	const op = "SendMessage"
	url := aws.ToString(in.QueueUrl)
	hostURL, name, ok, err := virtual(op, url)
	if err != nil || !ok {
		return in, false, err
	}
	attrs, err := withName(in.MessageAttributes, name)
	if err != nil {
		return nil, true, fmt.Errorf("virtualqueue: %s to %s: %w", op, url, err)
	}
	cp := *in
	cp.QueueUrl = aws.String(hostURL)
	cp.MessageAttributes = attrs
	return &cp, true, nil
}

// SendMessage to a virtual queue sends to its host queue with the virtual
// queue name attribute added. It needs no local state: the virtual queue may
// live in another process. Other sends pass through.
func (c *Client) SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	if in == nil {
		in = &sqs.SendMessageInput{}
	}
	const op = "SendMessage"
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	hostIn, ok, err := ToHost(in)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.api.SendMessage(ctx, in, optFns...)
	}
	url := aws.ToString(in.QueueUrl)
	c.touch(url)
	out, err := c.sender.SendMessage(ctx, hostIn, optFns...)
	if err != nil {
		return nil, fmt.Errorf("virtualqueue: %s to %s: %w", op, url, err)
	}
	return out, nil
}

// SendMessageBatch to a virtual queue sends the batch to its host queue with
// the virtual queue name attribute added to every entry; every entry is
// checked before the call. Other batches pass through.
func (c *Client) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	if in == nil {
		in = &sqs.SendMessageBatchInput{}
	}
	const op = "SendMessageBatch"
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	url := aws.ToString(in.QueueUrl)
	hostURL, name, ok, err := virtual(op, url)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.api.SendMessageBatch(ctx, in, optFns...)
	}
	cp := *in
	cp.QueueUrl = aws.String(hostURL)
	cp.Entries = make([]types.SendMessageBatchRequestEntry, len(in.Entries))
	for i, e := range in.Entries {
		attrs, err := withName(e.MessageAttributes, name)
		if err != nil {
			return nil, fmt.Errorf("virtualqueue: %s to %s: entry %q: %w", op, url, aws.ToString(e.Id), err)
		}
		e.MessageAttributes = attrs
		cp.Entries[i] = e
	}
	c.touch(url)
	out, err := c.api.SendMessageBatch(ctx, &cp, optFns...)
	if err != nil {
		return nil, fmt.Errorf("virtualqueue: %s to %s: %w", op, url, err)
	}
	return out, nil
}

// ReceiveMessage from a virtual queue waits on its local buffer, with no SQS
// call: up to WaitTimeSeconds (0 returns at once), for up to
// MaxNumberOfMessages (0 means 1), or until ctx ends. Other receives pass
// through.
func (c *Client) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	if in == nil {
		in = &sqs.ReceiveMessageInput{}
	}
	const op = "ReceiveMessage"
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	url := aws.ToString(in.QueueUrl)
	hostURL, _, ok, err := virtual(op, url)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.api.ReceiveMessage(ctx, in, optFns...)
	}
	for _, err := range []error{
		sqsapi.ValidateWaitTimeSeconds(in.WaitTimeSeconds),
		sqsapi.ValidateMaxNumberOfMessages(in.MaxNumberOfMessages),
		sqsapi.ValidateVisibilityTimeout(in.VisibilityTimeout),
	} {
		if err != nil {
			return nil, fmt.Errorf("virtualqueue: %s from %s: %w", op, url, err)
		}
	}
	msgs, err := c.receive(ctx, url, sqsapi.EffectiveMaxNumberOfMessages(in.MaxNumberOfMessages), in.WaitTimeSeconds)
	if err != nil {
		return nil, err
	}
	if len(msgs) > 0 && in.VisibilityTimeout > 0 {
		// The messages are in flight on the host under its visibility
		// timeout; apply the one asked for.
		entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(msgs))
		for i := range msgs {
			entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
				ReceiptHandle: msgs[i].ReceiptHandle, VisibilityTimeout: in.VisibilityTimeout}
		}
		if _, err := c.api.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{
			QueueUrl: aws.String(hostURL), Entries: entries}); err != nil {
			c.log.Warn("virtualqueue: applying VisibilityTimeout of a receive", "queue", url, "err", err)
		}
	}
	c.delivered.Add(int64(len(msgs)))
	for i := range msgs {
		filterMessage(&msgs[i], in)
	}
	return &sqs.ReceiveMessageOutput{Messages: msgs}, nil
}

// receive takes up to n buffered messages of the virtual queue at url,
// waiting up to wait seconds for the first.
func (c *Client) receive(ctx context.Context, url string, n int, wait int32) ([]types.Message, error) {
	const op = "ReceiveMessage"
	var timer clock.Timer
	timedOut := wait == 0
	c.mu.Lock()
	q := c.queues[url]
	if q == nil {
		c.mu.Unlock()
		return nil, queueDoesNotExist(op, url)
	}
	q.lastActive = c.now()
	for {
		switch {
		case c.closed:
			c.mu.Unlock()
			return nil, errClosed(op)
		case q.deleted:
			c.mu.Unlock()
			return nil, queueDoesNotExist(op, url)
		case len(q.buf) > 0:
			k := min(n, len(q.buf))
			msgs := make([]types.Message, k)
			copy(msgs, q.buf)
			clear(q.buf[:k])
			q.buf = q.buf[k:]
			if len(q.buf) == 0 {
				q.buf = nil // an idle queue holds no buffer
			}
			c.buffered -= k
			c.mu.Unlock()
			return msgs, nil
		case timedOut:
			c.mu.Unlock()
			return nil, nil
		}
		if timer == nil {
			timer = c.clock.NewTimer(time.Duration(wait) * time.Second)
			defer timer.Stop()
		}
		if q.wake == nil {
			q.wake = make(chan struct{})
		}
		wake := q.wake
		q.waiters++
		c.mu.Unlock()
		var ctxErr error
		select {
		case <-wake:
		case <-timer.C():
			timedOut = true
		case <-c.closing:
		case <-ctx.Done():
			ctxErr = ctx.Err()
		}
		c.mu.Lock()
		q.waiters--
		q.lastActive = c.now()
		if ctxErr != nil {
			c.mu.Unlock()
			return nil, fmt.Errorf("virtualqueue: %s from %s: %w", op, url, ctxErr)
		}
	}
}

// filterMessage applies a receive's attribute filters, as SQS would:
// message attributes by MessageAttributeNames ("All", ".*", "prefix.*" or
// exact names), system attributes by MessageSystemAttributeNames and the
// deprecated AttributeNames ("All" or exact names). The virtual queue name
// attribute is a message attribute like any other: it is returned when the
// filter asks for it (for example "All").
func filterMessage(m *types.Message, in *sqs.ReceiveMessageInput) {
	if len(m.MessageAttributes) > 0 {
		var keep map[string]types.MessageAttributeValue
		for k, v := range m.MessageAttributes {
			if attributeWanted(k, in.MessageAttributeNames) {
				if keep == nil {
					keep = make(map[string]types.MessageAttributeValue, len(m.MessageAttributes))
				}
				keep[k] = v
			}
		}
		m.MessageAttributes = keep
	}
	if len(m.Attributes) > 0 {
		names := make([]string, 0, len(in.MessageSystemAttributeNames)+len(in.AttributeNames))
		for _, n := range in.MessageSystemAttributeNames {
			names = append(names, string(n))
		}
		for _, n := range in.AttributeNames {
			names = append(names, string(n))
		}
		var keep map[string]string
		for k, v := range m.Attributes {
			if slices.Contains(names, "All") || slices.Contains(names, k) {
				if keep == nil {
					keep = make(map[string]string, len(m.Attributes))
				}
				keep[k] = v
			}
		}
		m.Attributes = keep
	}
}

func attributeWanted(name string, filter []string) bool {
	for _, f := range filter {
		switch {
		case f == "All" || f == ".*" || f == name:
			return true
		case strings.HasSuffix(f, ".*") && strings.HasPrefix(name, f[:len(f)-1]):
			return true
		}
	}
	return false
}

// toHost returns the host URL of a virtual queue URL (touching the queue) or
// "", false for another URL.
func (c *Client) toHost(op, url string) (string, bool, error) {
	hostURL, _, ok, err := virtual(op, url)
	if err != nil || !ok {
		return "", false, err
	}
	c.touch(url)
	return hostURL, true, nil
}

// onHost runs call, an operation on messages, on the host queue when the
// input's QueueUrl (reached through queueURL) is a virtual queue URL, and
// passes it through unchanged otherwise. in is not modified.
func onHost[In, Out any](ctx context.Context, c *Client, op string, in *In, queueURL func(*In) **string,
	call func(context.Context, *In, ...func(*sqs.Options)) (*Out, error), optFns []func(*sqs.Options)) (*Out, error) {
	if in == nil {
		in = new(In)
	}
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	url := aws.ToString(*queueURL(in))
	hostURL, ok, err := c.toHost(op, url)
	if err != nil {
		return nil, err
	}
	if !ok {
		return call(ctx, in, optFns...)
	}
	cp := *in
	*queueURL(&cp) = aws.String(hostURL)
	out, err := call(ctx, &cp, optFns...)
	if err != nil {
		return nil, fmt.Errorf("virtualqueue: %s on %s: %w", op, url, err)
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
