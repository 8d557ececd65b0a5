package virtualqueue

import (
	"context"
	"fmt"
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

// ReceiveMessage from a virtual queue waits on its local buffer, with no SQS
// call of its own: up to WaitTimeSeconds (0 means the queue's
// ReceiveMessageWaitTimeSeconds, itself 0 unless set at creation; a wait of
// 0 returns at once), for up to MaxNumberOfMessages (0 means 1), or until
// ctx ends. It starts the host's pollers if they sleep (see the package
// documentation). Other receives pass through.
func (c *Client) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	const op = "ReceiveMessage"
	v, out, done, err := route(ctx, c, op, in, func(in *sqs.ReceiveMessageInput) **string { return &in.QueueUrl }, c.api.ReceiveMessage, optFns)
	if done {
		return out, err
	}
	in, url, hostURL := v.in, v.url, v.hostURL
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
		c.applyVisibility(ctx, url, hostURL, msgs, in.VisibilityTimeout)
	}
	c.delivered.Add(int64(len(msgs)))
	for i := range msgs {
		filterMessage(&msgs[i], in)
	}
	return &sqs.ReceiveMessageOutput{Messages: msgs}, nil
}

// applyVisibility applies a receive's VisibilityTimeout to the messages it
// returns, which are in flight on the host under the host's.
func (c *Client) applyVisibility(ctx context.Context, url, hostURL string, msgs []types.Message, secs int32) {
	entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(msgs))
	for i := range msgs {
		entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
			ReceiptHandle: msgs[i].ReceiptHandle, VisibilityTimeout: secs}
	}
	if _, err := c.api.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{
		QueueUrl: aws.String(hostURL), Entries: entries}); err != nil {
		c.log.Warn("virtualqueue: applying VisibilityTimeout of a receive", "queue", url, "err", err)
	}
}

// receive takes up to n buffered messages of the virtual queue at url,
// waiting up to wait seconds (0: the queue's own wait) for the first. It
// counts as a receive on the host for its pollers' demand, from its start
// to its end.
func (c *Client) receive(ctx context.Context, url string, n int, wait int32) ([]types.Message, error) {
	const op = "ReceiveMessage"
	c.mu.Lock()
	q := c.queues[url]
	if q == nil {
		c.mu.Unlock()
		return nil, queueDoesNotExist(op, url)
	}
	if wait == 0 {
		wait = q.wait
	}
	h := c.hosts[q.hostURL()] // there while q is
	now := c.now()
	q.lastActive, h.lastRecv = now, now
	c.ensurePollersLocked(h)
	var timer clock.Timer
	timedOut := wait == 0
	for {
		switch {
		case c.closed:
			c.mu.Unlock()
			return nil, errClosed(op)
		case q.deleted:
			c.mu.Unlock()
			return nil, queueDoesNotExist(op, url)
		case len(q.buf) > 0:
			msgs := c.takeLocked(q, min(n, len(q.buf)))
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
		h.waiters++
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
		h.waiters--
		now := c.now()
		q.lastActive, h.lastRecv = now, now
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
// filter asks for it (for example "All"). MD5OfMessageAttributes is that of
// the message attributes returned (none: no digest), as SQS computes it.
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
	m.MD5OfMessageAttributes = nil
	if len(m.MessageAttributes) > 0 {
		m.MD5OfMessageAttributes = aws.String(sqsapi.MD5OfMessageAttributes(m.MessageAttributes))
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
