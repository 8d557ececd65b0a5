package sweeper

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// route is a snapshot of where a held queue's calls go.
type route struct {
	epoch      uint64
	failover   string
	toFailover bool
}

// sendTarget is where sends go.
func (r route) sendTarget(q *queueState) string {
	if r.toFailover {
		return r.failover
	}
	return q.url
}

func (c *Client) snapshot(q *queueState) route {
	c.mu.Lock()
	defer c.mu.Unlock()
	return route{epoch: q.epoch, failover: q.fo.url, toFailover: q.fo.active}
}

// live returns where q lives now (where sends go).
func live(q *queueState) func(route) string {
	return func(r route) string { return r.sendTarget(q) }
}

// do runs call against q's current target, recovering q and retrying once
// if the target was deleted underneath us.
func do[T any](ctx context.Context, c *Client, q *queueState, target func(route) string, call func(url string) (T, error)) (T, error) {
	r := c.snapshot(q)
	url := target(r)
	out, err := call(url)
	if !sqsapi.IsQueueDoesNotExist(err) {
		return out, err
	}
	if rerr := c.recover(ctx, q, r.epoch, url); rerr != nil {
		c.log.Error("recover deleted queue failed", "queue", q.url, "error", rerr)
		return out, err
	}
	return call(target(c.snapshot(q)))
}

// send runs a send to q's live queue, recovering q and retrying once if it
// was deleted underneath us. The target is chosen, and a send to the
// failover registered, under one lock, so that a failover is never retired
// while a send to it may still land.
func (c *Client) send(ctx context.Context, q *queueState, call func(url string) error) error {
	for attempt := 0; ; attempt++ {
		c.mu.Lock()
		epoch, url := q.epoch, q.url
		toFailover := q.fo.active && q.fo.url != ""
		if toFailover {
			url = q.fo.url
			q.fo.sends++
		}
		c.mu.Unlock()
		err := call(url)
		if toFailover {
			c.mu.Lock()
			q.fo.sends--
			q.fo.lastUse = c.opts.Clock.Now()
			c.mu.Unlock()
		}
		if !sqsapi.IsQueueDoesNotExist(err) || attempt > 0 {
			return err
		}
		if rerr := c.recover(ctx, q, epoch, url); rerr != nil {
			c.log.Error("recover deleted queue failed", "queue", q.url, "error", rerr)
			return err
		}
	}
}

// receive serves one receive from q: while q has a draining failover, from
// it first (without waiting), then from where q lives. It returns the queue
// whose failure is in err.
func (c *Client) receive(ctx context.Context, q *queueState, r route, in *sqs.ReceiveMessageInput, optFns []func(*sqs.Options)) (*sqs.ReceiveMessageOutput, string, error) {
	if r.failover != "" && !r.toFailover {
		fo := r.failover
		cin := *in
		cin.QueueUrl, cin.WaitTimeSeconds = &fo, 0
		out, err := c.api.ReceiveMessage(ctx, &cin, optFns...)
		switch {
		case sqsapi.IsQueueDoesNotExist(err):
			c.dropFailover(q, fo)
		case err != nil:
			return out, fo, err
		case len(out.Messages) > 0:
			c.recordFailoverHandles(q, fo, out.Messages)
			return out, fo, nil
		case c.drainedEmpty(q):
			c.retireFailover(ctx, q, fo)
		}
	}
	target := r.sendTarget(q)
	cin := *in
	cin.QueueUrl = &target
	out, err := c.api.ReceiveMessage(ctx, &cin, optFns...)
	if err == nil && r.toFailover {
		c.recordFailoverHandles(q, target, out.Messages)
	}
	return out, target, err
}

// batchOps describes a batch operation on receipt handles (entries E,
// output O) for splitBatch.
type batchOps[E, O any] struct {
	handle func(E) *string                      // an entry's receipt handle
	call   func(url string, es []E) (*O, error) // the batch call on one queue
	gone   func(es []E) *O                      // the result for entries whose message was deleted with its queue
	merge  func(into, part *O)
}

// splitBatch runs a batch call on q's receipt handles: each entry goes to
// the queue its message was received from (the original or the failover),
// one call per queue, and the results are merged. Entries whose message was
// in the original deleted underneath us get ops.gone. A batch for one queue
// is one call, whose output and error are returned as they are.
func splitBatch[E, O any](c *Client, q *queueState, live string, entries []E, ops batchOps[E, O]) (*O, error) {
	if len(entries) == 0 {
		return ops.call(live, entries) // SQS says what is wrong with it
	}
	groups := map[string][]E{}
	var order []string
	for _, e := range entries {
		u := c.handleTarget(q, deref(ops.handle(e)), false)
		if _, ok := groups[u]; !ok {
			order = append(order, u)
		}
		groups[u] = append(groups[u], e)
	}
	if len(order) == 1 {
		if c.goneOriginal(q, order[0]) {
			return ops.gone(entries), nil
		}
		return ops.call(order[0], entries)
	}
	merged := new(O)
	for _, u := range order {
		part := ops.gone(groups[u])
		if !c.goneOriginal(q, u) {
			var err error
			if part, err = ops.call(u, groups[u]); err != nil {
				return nil, err
			}
		}
		ops.merge(merged, part)
	}
	return merged, nil
}

// deleteBatchOps are the batchOps of DeleteMessageBatch. Deleting a message
// that went with its queue succeeds.
func deleteBatchOps(call func(string, []types.DeleteMessageBatchRequestEntry) (*sqs.DeleteMessageBatchOutput, error)) batchOps[types.DeleteMessageBatchRequestEntry, sqs.DeleteMessageBatchOutput] {
	return batchOps[types.DeleteMessageBatchRequestEntry, sqs.DeleteMessageBatchOutput]{
		handle: func(e types.DeleteMessageBatchRequestEntry) *string { return e.ReceiptHandle },
		call:   call,
		gone: func(es []types.DeleteMessageBatchRequestEntry) *sqs.DeleteMessageBatchOutput {
			out := &sqs.DeleteMessageBatchOutput{}
			for _, e := range es {
				out.Successful = append(out.Successful, types.DeleteMessageBatchResultEntry{Id: e.Id})
			}
			return out
		},
		merge: func(into, part *sqs.DeleteMessageBatchOutput) {
			into.Successful = append(into.Successful, part.Successful...)
			into.Failed = append(into.Failed, part.Failed...)
		},
	}
}

// changeBatchOps are the batchOps of ChangeMessageVisibilityBatch. Changing
// the visibility of a message that went with its queue fails with
// ReceiptHandleIsInvalid.
func changeBatchOps(call func(string, []types.ChangeMessageVisibilityBatchRequestEntry) (*sqs.ChangeMessageVisibilityBatchOutput, error)) batchOps[types.ChangeMessageVisibilityBatchRequestEntry, sqs.ChangeMessageVisibilityBatchOutput] {
	return batchOps[types.ChangeMessageVisibilityBatchRequestEntry, sqs.ChangeMessageVisibilityBatchOutput]{
		handle: func(e types.ChangeMessageVisibilityBatchRequestEntry) *string { return e.ReceiptHandle },
		call:   call,
		gone: func(es []types.ChangeMessageVisibilityBatchRequestEntry) *sqs.ChangeMessageVisibilityBatchOutput {
			out := &sqs.ChangeMessageVisibilityBatchOutput{}
			for _, e := range es {
				out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, SenderFault: true,
					Code: ptr("ReceiptHandleIsInvalid"), Message: ptr(errGoneWithQueue(deref(e.ReceiptHandle)).ErrorMessage())})
			}
			return out
		},
		merge: func(into, part *sqs.ChangeMessageVisibilityBatchOutput) {
			into.Successful = append(into.Successful, part.Successful...)
			into.Failed = append(into.Failed, part.Failed...)
		},
	}
}
