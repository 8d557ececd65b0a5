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
	const op = "GetQueueAttributes"
	v, out, done, err := route(ctx, c, op, in, func(in *sqs.GetQueueAttributesInput) **string { return &in.QueueUrl }, c.api.GetQueueAttributes, optFns)
	if done {
		return out, err
	}
	in, url, hostURL := v.in, v.url, v.hostURL
	var own map[string]string
	err = c.withQueue(op, url, func(q *vqueue) {
		own = map[string]string{sqsapi.HostQueueURLAttribute: hostURL, waitAttribute: strconv.Itoa(int(q.wait))}
		if q.retention > 0 {
			own[sqsapi.IdleQueueRetentionPeriodAttribute] = strconv.Itoa(int(q.retention))
		}
	})
	if err != nil {
		return nil, err
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
	const op = "SetQueueAttributes"
	v, out, done, err := route(ctx, c, op, in, func(in *sqs.SetQueueAttributesInput) **string { return &in.QueueUrl }, c.api.SetQueueAttributes, optFns)
	if done {
		return out, err
	}
	if err := c.withQueue(op, v.url, func(*vqueue) {}); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("virtualqueue: %s: %w", op, &sqsapi.InvalidParameterError{Code: "UnsupportedOperation",
		Param: "QueueUrl", Value: v.url, Reason: "the attributes of a virtual queue cannot be changed"})
}

// PurgeQueue on a virtual queue empties its local buffer and deletes those
// messages from the host (batched). Messages already handed to consumers are
// in flight and not known locally; they are not deleted.
func (c *Client) PurgeQueue(ctx context.Context, in *sqs.PurgeQueueInput, optFns ...func(*sqs.Options)) (*sqs.PurgeQueueOutput, error) {
	const op = "PurgeQueue"
	v, out, done, err := route(ctx, c, op, in, func(in *sqs.PurgeQueueInput) **string { return &in.QueueUrl }, c.api.PurgeQueue, optFns)
	if done {
		return out, err
	}
	url, hostURL := v.url, v.hostURL
	var msgs []types.Message
	if err := c.withQueue(op, url, func(q *vqueue) { msgs = c.takeLocked(q, len(q.buf)) }); err != nil {
		return nil, err
	}
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
	const op = "TagQueue"
	v, out, done, err := route(ctx, c, op, in, func(in *sqs.TagQueueInput) **string { return &in.QueueUrl }, c.api.TagQueue, optFns)
	if done {
		return out, err
	}
	err = c.withQueue(op, v.url, func(q *vqueue) {
		if len(v.in.Tags) > 0 && q.tags == nil {
			q.tags = make(map[string]string, len(v.in.Tags))
		}
		maps.Copy(q.tags, v.in.Tags)
	})
	if err != nil {
		return nil, err
	}
	return &sqs.TagQueueOutput{}, nil
}

// UntagQueue on a virtual queue removes local tags.
func (c *Client) UntagQueue(ctx context.Context, in *sqs.UntagQueueInput, optFns ...func(*sqs.Options)) (*sqs.UntagQueueOutput, error) {
	const op = "UntagQueue"
	v, out, done, err := route(ctx, c, op, in, func(in *sqs.UntagQueueInput) **string { return &in.QueueUrl }, c.api.UntagQueue, optFns)
	if done {
		return out, err
	}
	err = c.withQueue(op, v.url, func(q *vqueue) {
		for _, k := range v.in.TagKeys {
			delete(q.tags, k)
		}
		if len(q.tags) == 0 {
			q.tags = nil
		}
	})
	if err != nil {
		return nil, err
	}
	return &sqs.UntagQueueOutput{}, nil
}

// ListQueueTags on a virtual queue returns its local tags.
func (c *Client) ListQueueTags(ctx context.Context, in *sqs.ListQueueTagsInput, optFns ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	const op = "ListQueueTags"
	v, out, done, err := route(ctx, c, op, in, func(in *sqs.ListQueueTagsInput) **string { return &in.QueueUrl }, c.api.ListQueueTags, optFns)
	if done {
		return out, err
	}
	var tags map[string]string
	if err := c.withQueue(op, v.url, func(q *vqueue) { tags = maps.Clone(q.tags) }); err != nil {
		return nil, err
	}
	return &sqs.ListQueueTagsOutput{Tags: tags}, nil
}
