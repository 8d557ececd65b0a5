package virtualqueue

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// dispatch buffers messages received from the host at hostURL (at polledAt,
// unix nanoseconds, or later) for their virtual queues, never blocking on a
// consumer. Messages it cannot buffer stay in flight on the host.
func (c *Client) dispatch(hostURL string, msgs []types.Message, polledAt int64, p hostParams) {
	fifo := isFIFOHost(hostURL)
	var orphans []types.Message
	c.mu.Lock()
	wasFull := c.budgetFullLocked()
	for _, m := range msgs {
		if c.closed {
			c.acker.ChangeVisibility(hostURL, aws.ToString(m.ReceiptHandle), 0)
			c.released.Add(1)
			continue
		}
		var q *vqueue
		name := queueName(m)
		if name != "" {
			q = c.queues[URL(hostURL, name)]
		}
		if q == nil {
			orphans = append(orphans, m)
			continue
		}
		restoreIDs(&m, name, fifo)
		c.bufferOneLocked(q, &bufferedMsg{m: m, size: messageSize(m), visibility: p.visibility,
			heapIdx: -1, extendAt: polledAt + extendAfter(p.visibility)})
	}
	if !wasFull && c.budgetFullLocked() {
		c.budgetPauses.Add(1)
	}
	c.mu.Unlock()
	for _, m := range orphans {
		c.orphans.Add(1)
		switch c.opts.OrphanHandler(c.ctx, hostURL, m) {
		case OrphanDelete:
			c.acker.Delete(hostURL, aws.ToString(m.ReceiptHandle))
		case OrphanRelease:
			c.acker.ChangeVisibility(hostURL, aws.ToString(m.ReceiptHandle), 0)
		}
	}
}

// bufferOneLocked buffers b for q, or leaves it in flight on the host when
// q's buffer or the byte budget is full.
func (c *Client) bufferOneLocked(q *vqueue, b *bufferedMsg) {
	if rc := b.m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)]; rc != "" && rc != "1" {
		c.redeliveries.Add(1)
	}
	if old := q.find(aws.ToString(b.m.MessageId)); old != nil {
		c.replaceLocked(old, b) // the newest receipt handle wins
		c.duplicates.Add(1)
	} else {
		switch {
		case len(q.buf) >= c.opts.MaxBufferedPerQueue:
			c.overflows.Add(1) // not acknowledged: SQS redelivers it
			return
		case !c.fitsLocked(b.size):
			c.overflows.Add(1)
			c.budget.hit = true
			return
		}
		c.bufferLocked(q, b)
	}
	c.dispatched.Add(1)
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
}

// queueName returns the virtual queue a host message names, or "".
func queueName(m types.Message) string {
	if a, ok := m.MessageAttributes[sqsapi.VirtualQueueNameAttribute]; ok {
		return aws.ToString(a.StringValue)
	}
	return ""
}
