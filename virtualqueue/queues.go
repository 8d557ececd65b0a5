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

	"github.com/sqstemp/sqstemp/sqsapi"
)

// queueSpec is a valid CreateQueue of a virtual queue.
type queueSpec struct {
	name, hostURL string
	retention     int32 // IdleQueueRetentionPeriodSeconds; 0 = none
	wait          int32 // ReceiveMessageWaitTimeSeconds
}

func (s queueSpec) url() string { return URL(s.hostURL, s.name) }

// CreateQueue creates a virtual queue, with no SQS call, when the attributes
// include HostQueueUrl; otherwise it passes through.
func (c *Client) CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, optFns ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	if in == nil {
		in = &sqs.CreateQueueInput{}
	}
	const op = "CreateQueue"
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	hostURL, isVirtual := in.Attributes[sqsapi.HostQueueURLAttribute]
	if !isVirtual {
		return c.api.CreateQueue(ctx, in, optFns...)
	}
	name := aws.ToString(in.QueueName)
	spec, err := parseCreate(name, hostURL, in.Attributes)
	if err != nil {
		return nil, fmt.Errorf("virtualqueue: %s %q: %w", op, name, err)
	}
	if err := c.register(spec, in.Tags); err != nil {
		return nil, fmt.Errorf("virtualqueue: %s %q: %w", op, name, err)
	}
	return &sqs.CreateQueueOutput{QueueUrl: aws.String(spec.url())}, nil
}

// parseCreate validates a CreateQueue of a virtual queue: its name, its
// host and the attributes a virtual queue may have.
func parseCreate(name, hostURL string, attrs map[string]string) (queueSpec, error) {
	s := queueSpec{name: name, hostURL: hostURL}
	var extra []string
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		v := attrs[k]
		switch k {
		case sqsapi.HostQueueURLAttribute:
		case sqsapi.IdleQueueRetentionPeriodAttribute:
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n < sqsapi.MinIdleRetentionSeconds {
				return s, &sqsapi.InvalidParameterError{Code: "InvalidAttributeValue", Param: k, Value: v,
					Reason: "must be a whole number of seconds, at least 1"}
			}
			s.retention = int32(n)
		case waitAttribute:
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || sqsapi.ValidateWaitTimeSeconds(int32(n)) != nil {
				return s, &sqsapi.InvalidParameterError{Code: "InvalidAttributeValue", Param: k, Value: v,
					Reason: "must be a whole number of seconds between 0 and 20"}
			}
			s.wait = int32(n)
		default:
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		return s, &sqsapi.InvalidParameterError{Code: "InvalidAttributeName", Param: "Attributes", Value: strings.Join(extra, ","),
			Reason: "only " + sqsapi.IdleQueueRetentionPeriodAttribute + " and " + waitAttribute + " may accompany " + sqsapi.HostQueueURLAttribute}
	}
	hu, err := sqsapi.ParseQueueURL(hostURL)
	if err != nil {
		return s, &sqsapi.InvalidParameterError{Code: "InvalidAttributeValue", Param: sqsapi.HostQueueURLAttribute, Value: hostURL,
			Reason: "not an SQS queue URL"}
	}
	return s, sqsapi.ValidateQueueName(name, sqsapi.IsFIFOQueueName(hu.Name))
}

// waitAttribute is the queue attribute giving the wait of receives that set
// no WaitTimeSeconds.
const waitAttribute = string(types.QueueAttributeNameReceiveMessageWaitTimeSeconds)

// register adds the virtual queue s, or finds it if it exists with the same
// attributes, and schedules its idle expiry.
func (c *Client) register(s queueSpec, tags map[string]string) error {
	url := s.url()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	now := c.now()
	if q := c.queues[url]; q != nil {
		if q.retention != s.retention || q.wait != s.wait {
			return &types.QueueNameExists{Message: aws.String("virtual queue " + url + " already exists with different attributes")}
		}
		q.lastActive = now
		return nil
	}
	if len(c.queues) >= c.opts.MaxQueues {
		return fmt.Errorf("%w (limit %d)", ErrTooManyQueues, c.opts.MaxQueues)
	}
	q := &vqueue{url: url, hostLen: int32(len(s.hostURL)), retention: s.retention, wait: s.wait, heapIdx: -1, lastActive: now}
	if len(tags) > 0 {
		q.tags = maps.Clone(tags)
	}
	c.queues[url] = q
	h := c.hosts[s.hostURL]
	if h == nil {
		h = &host{url: s.hostURL}
		c.hosts[s.hostURL] = h
	}
	h.queues++
	if s.retention > 0 {
		c.scheduleExpiryLocked(q, now)
	}
	return nil
}

// removeLocked deletes q and returns its buffered messages, which the caller
// must release.
func (c *Client) removeLocked(q *vqueue) []types.Message {
	delete(c.queues, q.url)
	q.deleted = true
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
	removeFrom(&c.expiry, q.heapIdx)
	msgs := c.takeLocked(q, len(q.buf))
	if h := c.hosts[q.hostURL()]; h != nil {
		// With no virtual queue left, the pollers stop after their current
		// long poll: cancelling it could lose a response SQS already sent,
		// leaving its messages invisible for the visibility timeout.
		h.queues--
		c.forgetHostLocked(h)
	}
	return msgs
}

// release hands messages back to their host (visibility 0) and flushes.
func (c *Client) release(ctx context.Context, hostURL string, msgs []types.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	for i := range msgs {
		c.acker.ChangeVisibility(hostURL, aws.ToString(msgs[i].ReceiptHandle), 0)
	}
	c.released.Add(int64(len(msgs)))
	return c.acker.Flush(ctx)
}

// DeleteQueue deletes a virtual queue locally, with no SQS call, handing
// its buffered messages back to the host (visibility 0); otherwise it passes
// through.
func (c *Client) DeleteQueue(ctx context.Context, in *sqs.DeleteQueueInput, optFns ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error) {
	const op = "DeleteQueue"
	v, out, done, err := route(ctx, c, op, in, func(in *sqs.DeleteQueueInput) **string { return &in.QueueUrl }, c.api.DeleteQueue, optFns)
	if done {
		return out, err
	}
	url, hostURL := v.url, v.hostURL
	c.mu.Lock()
	q := c.queues[url]
	if q == nil {
		c.mu.Unlock()
		return nil, queueDoesNotExist(op, url)
	}
	msgs := c.removeLocked(q)
	c.mu.Unlock()
	if err := c.release(ctx, hostURL, msgs); err != nil {
		// Not the caller's failure: the queue is gone, and the messages
		// reappear on the host after its visibility timeout.
		c.log.Warn("virtualqueue: releasing buffered messages of deleted queue", "queue", url, "err", err)
	}
	return &sqs.DeleteQueueOutput{}, nil
}

// GetQueueUrl passes through: virtual queues are not registered by name
// (they are keyed by host and name), so their URLs come from CreateQueue.
func (c *Client) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	if in == nil {
		in = &sqs.GetQueueUrlInput{}
	}
	if c.closedFlag.Load() {
		return nil, errClosed("GetQueueUrl")
	}
	return c.api.GetQueueUrl(ctx, in, optFns...)
}

// ListQueues passes through; virtual queues are not listed.
func (c *Client) ListQueues(ctx context.Context, in *sqs.ListQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	if in == nil {
		in = &sqs.ListQueuesInput{}
	}
	if c.closedFlag.Load() {
		return nil, errClosed("ListQueues")
	}
	return c.api.ListQueues(ctx, in, optFns...)
}

// retentionNanos is a retention period in seconds as nanoseconds.
func retentionNanos(seconds int32) int64 { return int64(seconds) * int64(time.Second) }
