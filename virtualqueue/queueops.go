package virtualqueue

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// GetQueueAttributes on a virtual queue returns its own attributes,
// HostQueueUrl, ReceiveMessageWaitTimeSeconds and (when set)
// IdleQueueRetentionPeriodSeconds, and its host queue's others (one call to
// the host, only if any of them are asked for). The host's message counts are
// those of the whole host queue.
func (c *Client) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	if in == nil {
		in = &sqs.GetQueueAttributesInput{}
	}
	const op = "GetQueueAttributes"
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	url := aws.ToString(in.QueueUrl)
	hostURL, _, ok, err := virtual(op, url)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.api.GetQueueAttributes(ctx, in, optFns...)
	}
	c.mu.Lock()
	q := c.queues[url]
	var own map[string]string
	if q != nil {
		q.lastActive = c.now()
		own = map[string]string{sqsapi.HostQueueURLAttribute: hostURL, waitAttribute: strconv.Itoa(int(q.wait))}
		if q.retention > 0 {
			own[sqsapi.IdleQueueRetentionPeriodAttribute] = strconv.Itoa(int(q.retention))
		}
	}
	c.mu.Unlock()
	if q == nil {
		return nil, queueDoesNotExist(op, url)
	}
	all := slices.Contains(in.AttributeNames, types.QueueAttributeNameAll)
	var hostNames []types.QueueAttributeName
	for _, n := range in.AttributeNames {
		if isOwnAttribute(string(n)) {
			continue
		}
		if !slices.Contains(n.Values(), n) {
			return nil, fmt.Errorf("virtualqueue: %s of %s: %w", op, url, &sqsapi.InvalidParameterError{
				Code: "InvalidAttributeName", Param: "AttributeName", Value: string(n), Reason: "not a queue attribute"})
		}
		hostNames = append(hostNames, n)
	}
	attrs := make(map[string]string)
	if len(hostNames) > 0 {
		cp := *in
		cp.QueueUrl = aws.String(hostURL)
		cp.AttributeNames = hostNames
		out, err := c.api.GetQueueAttributes(ctx, &cp, optFns...)
		if err != nil {
			return nil, fmt.Errorf("virtualqueue: %s of %s: host: %w", op, url, err)
		}
		for k, v := range out.Attributes {
			if !isOwnAttribute(k) { // the host's values of these are not the virtual queue's
				attrs[k] = v
			}
		}
	}
	for k, v := range own {
		if all || slices.Contains(in.AttributeNames, types.QueueAttributeName(k)) {
			attrs[k] = v
		}
	}
	return &sqs.GetQueueAttributesOutput{Attributes: attrs}, nil
}

// isOwnAttribute reports whether a queue attribute is a virtual queue's own
// rather than its host's.
func isOwnAttribute(name string) bool {
	return name == sqsapi.HostQueueURLAttribute || name == sqsapi.IdleQueueRetentionPeriodAttribute || name == waitAttribute
}

// SetQueueAttributes on a virtual queue is refused (UnsupportedOperation):
// a virtual queue's attributes are its host's, fixed at creation.
func (c *Client) SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error) {
	if in == nil {
		in = &sqs.SetQueueAttributesInput{}
	}
	const op = "SetQueueAttributes"
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	url := aws.ToString(in.QueueUrl)
	_, _, ok, err := virtual(op, url)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.api.SetQueueAttributes(ctx, in, optFns...)
	}
	if c.touch(url) == nil {
		return nil, queueDoesNotExist(op, url)
	}
	return nil, fmt.Errorf("virtualqueue: %s: %w", op, &sqsapi.InvalidParameterError{Code: "UnsupportedOperation",
		Param: "QueueUrl", Value: url, Reason: "the attributes of a virtual queue cannot be changed"})
}

// PurgeQueue on a virtual queue empties its local buffer and deletes those
// messages from the host (batched). Messages already handed to consumers are
// in flight and not known locally; they are not deleted.
func (c *Client) PurgeQueue(ctx context.Context, in *sqs.PurgeQueueInput, optFns ...func(*sqs.Options)) (*sqs.PurgeQueueOutput, error) {
	if in == nil {
		in = &sqs.PurgeQueueInput{}
	}
	const op = "PurgeQueue"
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	url := aws.ToString(in.QueueUrl)
	hostURL, _, ok, err := virtual(op, url)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.api.PurgeQueue(ctx, in, optFns...)
	}
	c.mu.Lock()
	q := c.queues[url]
	if q == nil {
		c.mu.Unlock()
		return nil, queueDoesNotExist(op, url)
	}
	q.lastActive = c.now()
	msgs := c.takeLocked(q, len(q.buf))
	c.mu.Unlock()
	for i := range msgs {
		c.acker.Delete(hostURL, aws.ToString(msgs[i].ReceiptHandle))
	}
	if len(msgs) > 0 {
		if err := c.acker.Flush(ctx); err != nil {
			return nil, fmt.Errorf("virtualqueue: %s %s: deleting buffered messages: %w", op, url, err)
		}
	}
	return &sqs.PurgeQueueOutput{}, nil
}

// TagQueue on a virtual queue tags it locally.
func (c *Client) TagQueue(ctx context.Context, in *sqs.TagQueueInput, optFns ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	if in == nil {
		in = &sqs.TagQueueInput{}
	}
	const op = "TagQueue"
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	url := aws.ToString(in.QueueUrl)
	_, _, ok, err := virtual(op, url)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.api.TagQueue(ctx, in, optFns...)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queues[url]
	if q == nil {
		return nil, queueDoesNotExist(op, url)
	}
	q.lastActive = c.now()
	if len(in.Tags) > 0 && q.tags == nil {
		q.tags = make(map[string]string, len(in.Tags))
	}
	maps.Copy(q.tags, in.Tags)
	return &sqs.TagQueueOutput{}, nil
}

// UntagQueue on a virtual queue removes local tags.
func (c *Client) UntagQueue(ctx context.Context, in *sqs.UntagQueueInput, optFns ...func(*sqs.Options)) (*sqs.UntagQueueOutput, error) {
	if in == nil {
		in = &sqs.UntagQueueInput{}
	}
	const op = "UntagQueue"
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	url := aws.ToString(in.QueueUrl)
	_, _, ok, err := virtual(op, url)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.api.UntagQueue(ctx, in, optFns...)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queues[url]
	if q == nil {
		return nil, queueDoesNotExist(op, url)
	}
	q.lastActive = c.now()
	for _, k := range in.TagKeys {
		delete(q.tags, k)
	}
	if len(q.tags) == 0 {
		q.tags = nil
	}
	return &sqs.UntagQueueOutput{}, nil
}

// ListQueueTags on a virtual queue returns its local tags.
func (c *Client) ListQueueTags(ctx context.Context, in *sqs.ListQueueTagsInput, optFns ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	if in == nil {
		in = &sqs.ListQueueTagsInput{}
	}
	const op = "ListQueueTags"
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	url := aws.ToString(in.QueueUrl)
	_, _, ok, err := virtual(op, url)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.api.ListQueueTags(ctx, in, optFns...)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queues[url]
	if q == nil {
		return nil, queueDoesNotExist(op, url)
	}
	q.lastActive = c.now()
	return &sqs.ListQueueTagsOutput{Tags: maps.Clone(q.tags)}, nil
}
