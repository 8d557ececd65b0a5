package virtualqueue

import (
	"container/heap"
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func (q *vqueue) deadlineKey() int64   { return q.deadline }
func (q *vqueue) setHeapIndex(i int32) { q.heapIdx = i }

// scheduleExpiryLocked puts q, which has a retention period, in the expiry
// heap, and makes sure the expiry goroutine wakes for it.
func (c *Client) scheduleExpiryLocked(q *vqueue, now int64) {
	q.deadline = now + retentionNanos(q.retention)
	heap.Push(&c.expiry, q)
	if q.heapIdx == 0 || !c.expirer.started {
		c.armLocked(&c.expirer, c.expiry.next, c.expireDue)
	}
}

// expireDue deletes the virtual queues idle for their retention period.
// Deadlines in the heap are lower bounds (activity only moves a queue's real
// deadline later), so a queue found still active is re-queued at its real
// deadline.
func (c *Client) expireDue() {
	type rel struct {
		host string
		msgs []types.Message
	}
	var rels []rel
	var gone []string
	c.mu.Lock()
	now := c.now()
	for len(c.expiry) > 0 && c.expiry[0].deadline <= now {
		q := c.expiry[0]
		if q.waiters > 0 { // a waiting receive is activity
			q.lastActive = now
		}
		if d := q.lastActive + retentionNanos(q.retention); d > now {
			q.deadline = d
			heap.Fix(&c.expiry, 0)
			continue
		}
		c.expired.Add(1)
		gone = append(gone, q.url)
		if msgs := c.removeLocked(q); len(msgs) > 0 {
			rels = append(rels, rel{q.hostURL(), msgs})
		}
	}
	c.mu.Unlock()
	if c.opts.OnExpired != nil {
		for _, u := range gone {
			c.opts.OnExpired(u)
		}
	}
	// Detached from c.ctx so that a Close racing with this still releases.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 30*time.Second)
	defer cancel()
	for _, r := range rels {
		if err := c.release(ctx, r.host, r.msgs); err != nil {
			c.log.Warn("virtualqueue: releasing buffered messages of expired queue", "host", r.host, "err", err)
		}
	}
}
