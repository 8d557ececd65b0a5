package sweeper

import (
	"context"
	"maps"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// The sqsapi.API methods of Client other than CreateQueue and DeleteQueue:
// calls on a held queue are routed (see routing.go), others pass through.

// GetQueueUrl implements sqsapi.API (pass-through).
func (c *Client) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	if in == nil {
		in = &sqs.GetQueueUrlInput{} // as *sqs.Client does
	}
	return c.api.GetQueueUrl(ctx, in, optFns...)
}

// ListQueues implements sqsapi.API (pass-through).
func (c *Client) ListQueues(ctx context.Context, in *sqs.ListQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	if in == nil {
		in = &sqs.ListQueuesInput{} // as *sqs.Client does
	}
	return c.api.ListQueues(ctx, in, optFns...)
}

// GetQueueAttributes implements sqsapi.API. For a held queue, it
// reports IdleQueueRetentionPeriodSeconds when asked (by name or "All").
func (c *Client) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	if in == nil {
		in = &sqs.GetQueueAttributesInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.GetQueueAttributes(ctx, in, optFns...)
	}
	want := false
	names := make([]types.QueueAttributeName, 0, len(in.AttributeNames))
	for _, n := range in.AttributeNames {
		switch n {
		case sqsapi.IdleQueueRetentionPeriodAttribute:
			want = true
			continue
		case types.QueueAttributeNameAll:
			want = true
		}
		names = append(names, n)
	}
	var out *sqs.GetQueueAttributesOutput
	var err error
	if len(names) == 0 && want {
		out = &sqs.GetQueueAttributesOutput{}
	} else {
		out, err = do(ctx, c, q, live(q), func(url string) (*sqs.GetQueueAttributesOutput, error) {
			cin := *in
			cin.QueueUrl, cin.AttributeNames = &url, names
			return c.api.GetQueueAttributes(ctx, &cin, optFns...)
		})
	}
	if err == nil && want {
		if out.Attributes == nil {
			out.Attributes = make(map[string]string, 1)
		}
		out.Attributes[sqsapi.IdleQueueRetentionPeriodAttribute] = q.retentionSeconds()
	}
	return out, err
}

// SetQueueAttributes implements sqsapi.API. The attributes set on a
// held queue are remembered for its recreation.
func (c *Client) SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error) {
	if in == nil {
		in = &sqs.SetQueueAttributesInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.SetQueueAttributes(ctx, in, optFns...)
	}
	if _, ok := in.Attributes[sqsapi.IdleQueueRetentionPeriodAttribute]; ok {
		return nil, &sqsapi.InvalidParameterError{Code: "InvalidAttributeName", Param: "AttributeName", Value: sqsapi.IdleQueueRetentionPeriodAttribute,
			Reason: "can only be set when the queue is created"}
	}
	out, err := do(ctx, c, q, live(q), func(url string) (*sqs.SetQueueAttributesOutput, error) {
		cin := *in
		cin.QueueUrl = &url
		return c.api.SetQueueAttributes(ctx, &cin, optFns...)
	})
	if err == nil {
		c.mu.Lock()
		if q.attrs == nil {
			q.attrs = make(map[string]string, len(in.Attributes))
		}
		maps.Copy(q.attrs, in.Attributes)
		c.mu.Unlock()
	}
	return out, err
}

// PurgeQueue implements sqsapi.API. A held queue's failover queue is
// purged too.
func (c *Client) PurgeQueue(ctx context.Context, in *sqs.PurgeQueueInput, optFns ...func(*sqs.Options)) (*sqs.PurgeQueueOutput, error) {
	if in == nil {
		in = &sqs.PurgeQueueInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.PurgeQueue(ctx, in, optFns...)
	}
	return do(ctx, c, q, live(q), func(url string) (*sqs.PurgeQueueOutput, error) {
		r := c.snapshot(q)
		for _, u := range []string{q.url, r.failover} {
			if u == "" || u == url {
				continue
			}
			cin := *in
			cin.QueueUrl = &u
			if _, err := c.api.PurgeQueue(ctx, &cin, optFns...); err != nil && !sqsapi.IsQueueDoesNotExist(err) {
				return nil, err
			}
		}
		cin := *in
		cin.QueueUrl = &url
		return c.api.PurgeQueue(ctx, &cin, optFns...)
	})
}

// SendMessage implements sqsapi.API. Sends to a held queue go to its
// failover queue while the original cannot be recreated.
func (c *Client) SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	if in == nil {
		in = &sqs.SendMessageInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.SendMessage(ctx, in, optFns...)
	}
	var out *sqs.SendMessageOutput
	err := c.send(ctx, q, func(url string) (err error) {
		cin := *in
		cin.QueueUrl = &url
		out, err = c.api.SendMessage(ctx, &cin, optFns...)
		return err
	})
	return out, err
}

// SendMessageBatch implements sqsapi.API, routed like SendMessage.
func (c *Client) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	if in == nil {
		in = &sqs.SendMessageBatchInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.SendMessageBatch(ctx, in, optFns...)
	}
	var out *sqs.SendMessageBatchOutput
	err := c.send(ctx, q, func(url string) (err error) {
		cin := *in
		cin.QueueUrl = &url
		out, err = c.api.SendMessageBatch(ctx, &cin, optFns...)
		return err
	})
	return out, err
}

// ReceiveMessage implements sqsapi.API. While a held queue has a failover
// queue, the receive is served from both: from the failover while the
// original cannot be recreated; afterwards from the draining failover first
// (without waiting), then from the original.
func (c *Client) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	if in == nil {
		in = &sqs.ReceiveMessageInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.ReceiveMessage(ctx, in, optFns...)
	}
	r := c.snapshot(q)
	for attempt := 0; ; attempt++ {
		out, failed, err := c.receive(ctx, q, r, in, optFns)
		if !sqsapi.IsQueueDoesNotExist(err) || attempt > 0 {
			return out, err
		}
		if rerr := c.recover(ctx, q, r.epoch, failed); rerr != nil {
			c.log.Error("recover deleted queue failed", "queue", q.url, "error", rerr)
			return out, err
		}
		r = c.snapshot(q)
	}
}

// DeleteMessage implements sqsapi.API. The receipt handle is routed to the
// queue its message was received from. Deleting a message whose queue was
// deleted underneath us (with the message) succeeds.
func (c *Client) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	if in == nil {
		in = &sqs.DeleteMessageInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.DeleteMessage(ctx, in, optFns...)
	}
	h := deref(in.ReceiptHandle)
	out, err := do(ctx, c, q, func(route) string { return c.handleTarget(q, h, false) }, func(url string) (*sqs.DeleteMessageOutput, error) {
		if c.goneOriginal(q, url) {
			return &sqs.DeleteMessageOutput{}, nil
		}
		cin := *in
		cin.QueueUrl = &url
		return c.api.DeleteMessage(ctx, &cin, optFns...)
	})
	if err == nil {
		c.handleTarget(q, h, true)
	}
	return out, err
}

// ChangeMessageVisibility implements sqsapi.API, routed like DeleteMessage.
func (c *Client) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	if in == nil {
		in = &sqs.ChangeMessageVisibilityInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.ChangeMessageVisibility(ctx, in, optFns...)
	}
	h := deref(in.ReceiptHandle)
	return do(ctx, c, q, func(route) string { return c.handleTarget(q, h, false) }, func(url string) (*sqs.ChangeMessageVisibilityOutput, error) {
		if c.goneOriginal(q, url) {
			return nil, errGoneWithQueue(h)
		}
		cin := *in
		cin.QueueUrl = &url
		return c.api.ChangeMessageVisibility(ctx, &cin, optFns...)
	})
}

// DeleteMessageBatch implements sqsapi.API. Entries are routed like
// DeleteMessage; entries for the original and for the failover queue are sent
// as two batches and their results merged.
func (c *Client) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	if in == nil {
		in = &sqs.DeleteMessageBatchInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.DeleteMessageBatch(ctx, in, optFns...)
	}
	ops := deleteBatchOps(func(url string, es []types.DeleteMessageBatchRequestEntry) (*sqs.DeleteMessageBatchOutput, error) {
		cin := *in
		cin.QueueUrl, cin.Entries = &url, es
		return c.api.DeleteMessageBatch(ctx, &cin, optFns...)
	})
	out, err := do(ctx, c, q, live(q), func(url string) (*sqs.DeleteMessageBatchOutput, error) {
		return splitBatch(c, q, url, in.Entries, ops)
	})
	if err == nil {
		for _, e := range in.Entries {
			c.handleTarget(q, deref(e.ReceiptHandle), true)
		}
	}
	return out, err
}

// ChangeMessageVisibilityBatch implements sqsapi.API, routed like
// DeleteMessageBatch.
func (c *Client) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	if in == nil {
		in = &sqs.ChangeMessageVisibilityBatchInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.ChangeMessageVisibilityBatch(ctx, in, optFns...)
	}
	ops := changeBatchOps(func(url string, es []types.ChangeMessageVisibilityBatchRequestEntry) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
		cin := *in
		cin.QueueUrl, cin.Entries = &url, es
		return c.api.ChangeMessageVisibilityBatch(ctx, &cin, optFns...)
	})
	return do(ctx, c, q, live(q), func(url string) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
		return splitBatch(c, q, url, in.Entries, ops)
	})
}

// TagQueue implements sqsapi.API. Tags set on a held queue are
// remembered for its recreation.
func (c *Client) TagQueue(ctx context.Context, in *sqs.TagQueueInput, optFns ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	if in == nil {
		in = &sqs.TagQueueInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.TagQueue(ctx, in, optFns...)
	}
	out, err := do(ctx, c, q, live(q), func(url string) (*sqs.TagQueueOutput, error) {
		cin := *in
		cin.QueueUrl = &url
		return c.api.TagQueue(ctx, &cin, optFns...)
	})
	if err == nil {
		c.mu.Lock()
		if q.userTags == nil {
			q.userTags = make(map[string]string, len(in.Tags))
		}
		maps.Copy(q.userTags, in.Tags)
		c.mu.Unlock()
	}
	return out, err
}

// UntagQueue implements sqsapi.API.
func (c *Client) UntagQueue(ctx context.Context, in *sqs.UntagQueueInput, optFns ...func(*sqs.Options)) (*sqs.UntagQueueOutput, error) {
	if in == nil {
		in = &sqs.UntagQueueInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.UntagQueue(ctx, in, optFns...)
	}
	out, err := do(ctx, c, q, live(q), func(url string) (*sqs.UntagQueueOutput, error) {
		cin := *in
		cin.QueueUrl = &url
		return c.api.UntagQueue(ctx, &cin, optFns...)
	})
	if err == nil {
		c.mu.Lock()
		for _, k := range in.TagKeys {
			delete(q.userTags, k)
		}
		c.mu.Unlock()
	}
	return out, err
}

// ListQueueTags implements sqsapi.API.
func (c *Client) ListQueueTags(ctx context.Context, in *sqs.ListQueueTagsInput, optFns ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	if in == nil {
		in = &sqs.ListQueueTagsInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.ListQueueTags(ctx, in, optFns...)
	}
	return do(ctx, c, q, live(q), func(url string) (*sqs.ListQueueTagsOutput, error) {
		cin := *in
		cin.QueueUrl = &url
		return c.api.ListQueueTags(ctx, &cin, optFns...)
	})
}

// errGoneWithQueue is the error for a receipt handle whose message was in a
