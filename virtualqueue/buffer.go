package virtualqueue

import (
	"container/heap"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// bufferedMsg is a message received from a host, waiting in a virtual
// queue's buffer for a consumer.
type bufferedMsg struct {
	m          types.Message
	q          *vqueue // its queue; nil once taken from the buffer
	size       int64   // bytes counted against the budget
	visibility int32   // seconds each extension keeps it invisible
	heapIdx    int32   // index in Client.extensions, -1 when not in it
	extendAt   int64   // unix nanoseconds: when its visibility is extended next
}

func (b *bufferedMsg) deadlineKey() int64   { return b.extendAt }
func (b *bufferedMsg) setHeapIndex(i int32) { b.heapIdx = i }

// budget counts what is buffered over all virtual queues.
type budget struct {
	count int
	bytes int64
	hit   bool // a message did not fit: pollers wait until a consumer takes some
}

// budgetFullLocked reports whether the pollers must stop receiving because
// the byte budget is used up.
func (c *Client) budgetFullLocked() bool {
	return c.budget.hit || c.budget.bytes >= c.opts.MaxBufferedBytes
}

// fitsLocked reports whether size more bytes fit the budget. A message always
// fits empty buffers, so that no message is too big to be delivered.
func (c *Client) fitsLocked(size int64) bool {
	return c.budget.bytes == 0 || c.budget.bytes+size <= c.opts.MaxBufferedBytes
}

// extendAfter is how long after a message became invisible for visibility
// seconds its visibility is extended: half-way, so that a consumer receiving
// it has at least half the host's visibility timeout left.
func extendAfter(visibility int32) int64 { return int64(visibility) * int64(time.Second) / 2 }

// bufferLocked appends b to q's buffer and schedules its extension.
func (c *Client) bufferLocked(q *vqueue, b *bufferedMsg) {
	b.q = q
	q.buf = append(q.buf, b)
	c.budget.count++
	c.budget.bytes += b.size
	heap.Push(&c.extensions, b)
	if b.heapIdx == 0 || !c.extender.started {
		c.armLocked(&c.extender, c.extensions.next, c.extendDue)
	}
}

// replaceLocked puts a newer copy (same MessageId, newer receipt handle) of
// buffered message old in its place.
func (c *Client) replaceLocked(old, b *bufferedMsg) {
	c.budget.bytes += b.size - old.size
	old.m, old.size, old.visibility, old.extendAt = b.m, b.size, b.visibility, b.extendAt
	heap.Fix(&c.extensions, int(old.heapIdx))
}

// find returns the buffered copy of the message with the given id, or nil.
func (q *vqueue) find(id string) *bufferedMsg {
	for _, b := range q.buf {
		if aws.ToString(b.m.MessageId) == id {
			return b
		}
	}
	return nil
}

// takeLocked removes the first k messages of q's buffer and returns them.
func (c *Client) takeLocked(q *vqueue, k int) []types.Message {
	if k == 0 {
		return nil
	}
	wasFull := c.budgetFullLocked()
	msgs := make([]types.Message, k)
	for i, b := range q.buf[:k] {
		msgs[i] = b.m
		c.unbufferLocked(b)
	}
	clear(q.buf[:k])
	q.buf = q.buf[k:]
	if len(q.buf) == 0 {
		q.buf = nil // an idle queue holds no buffer
	}
	c.afterUnbufferLocked(wasFull)
	return msgs
}

// dropLocked removes b from its queue's buffer (a stale copy).
func (c *Client) dropLocked(b *bufferedMsg) {
	q := b.q
	for i, x := range q.buf {
		if x == b {
			wasFull := c.budgetFullLocked()
			q.buf = slices.Delete(q.buf, i, i+1)
			c.unbufferLocked(b)
			if len(q.buf) == 0 {
				q.buf = nil
			}
			c.afterUnbufferLocked(wasFull)
			return
		}
	}
}

func (c *Client) unbufferLocked(b *bufferedMsg) {
	removeFrom(&c.extensions, b.heapIdx)
	b.q = nil
	c.budget.count--
	c.budget.bytes -= b.size
	c.budget.hit = false
}

// afterUnbufferLocked restarts the pollers that the byte budget stopped,
// once it has room again.
func (c *Client) afterUnbufferLocked(wasFull bool) {
	if wasFull && !c.budgetFullLocked() {
		c.ensureAllPollersLocked()
	}
}

// messageSize is the size of m as SQS counts it: body, and the names,
// types and values of its message attributes.
func messageSize(m types.Message) int64 {
	n := len(aws.ToString(m.Body))
	for k, v := range m.MessageAttributes {
		n += len(k) + len(aws.ToString(v.DataType)) + len(aws.ToString(v.StringValue)) + len(v.BinaryValue)
		for _, s := range v.StringListValues {
			n += len(s)
		}
		for _, b := range v.BinaryListValues {
			n += len(b)
		}
	}
	return int64(n)
}
