package sweeper

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// failoverState is where a held queue lives after it was deleted
// underneath its user. url is the <name>-Failover queue, "" when none.
// While active, the original cannot be recreated yet and sends go to the
// failover; afterwards the failover is drained (receives look at it first)
// until it is empty, then deleted. Guarded by Client.mu.
type failoverState struct {
	url     string
	active  bool                // sends go to the failover
	handles map[string]struct{} // receipt handles of messages received from the failover
	sends   int                 // sends to the failover in flight
	lastUse time.Time           // when the last send to the failover ended
	empty   int                 // consecutive empty receives from the draining failover
}

// failoverQuiet is how long after the last send to a failover queue it may
// be deleted: SQS's message counts are approximate, and settle within a
// minute.
const failoverQuiet = time.Minute

// failoverName is <name>-Failover, before ".fifo" for a FIFO queue.
func failoverName(name string) (string, error) {
	base, suffix := name, ""
	if sqsapi.IsFIFOQueueName(name) {
		base, suffix = strings.TrimSuffix(name, sqsapi.FIFOSuffix), sqsapi.FIFOSuffix
	}
	fo := base + failoverSuffix + suffix
	if len(fo) > sqsapi.MaxQueueNameLength {
		return "", &sqsapi.InvalidParameterError{Param: "QueueName", Value: fo, Reason: "failover queue name longer than 80 characters"}
	}
	return fo, nil
}

// recover is called when failed (the original or the failover of q) was
// found missing by a call that began at epoch. It makes sure q has a live
// queue to send to: the original, recreated, or while SQS refuses its name,
// the failover queue. If another call recovered q in the meantime it does
// nothing. On success the caller retries once.
func (c *Client) recover(ctx context.Context, q *queueState, epoch uint64, failed string) error {
	q.recMu.Lock()
	defer q.recMu.Unlock()
	c.mu.Lock()
	// Nothing to do if another call recovered q since this one began, or if
	// the queue found missing is no longer part of q (a retired failover).
	if q.epoch != epoch || c.queues[q.url] != q || failed != q.url && failed != q.fo.url {
		c.mu.Unlock()
		return nil
	}
	failover := q.fo.url
	c.mu.Unlock()

	c.log.Warn("queue deleted underneath its user; recovering", "queue", q.url, "missing", failed)
	now := c.opts.Clock.Now()
	_, err := c.api.CreateQueue(ctx, c.createInput(q, q.name, now))
	switch {
	case err == nil:
		c.recreated.Add(1)
		c.mu.Lock()
		q.epoch++
		q.fo.active = false
		if failed == failover {
			// The failover itself vanished: nothing left to drain.
			q.fo.url, q.fo.handles = "", nil
		}
		recovered := c.sched.writtenLocked(q, now)
		c.mu.Unlock()
		c.logRecovered(q, recovered)
		c.log.Info("queue recreated", "queue", q.url)
		return nil
	case !sqsapi.IsQueueDeletedRecently(err):
		return fmt.Errorf("sweeper: recreate deleted queue %s: %w", q.url, err)
	}
	foName, nerr := failoverName(q.name)
	if nerr != nil {
		return fmt.Errorf("sweeper: fail over deleted queue %s: %w", q.url, nerr)
	}
	out, ferr := c.api.CreateQueue(ctx, c.createInput(q, foName, now))
	if ferr != nil {
		return fmt.Errorf("sweeper: recreate deleted queue %s: %w (and create failover %s: %w)", q.url, err, foName, ferr)
	}
	c.failedOver.Add(1)
	c.mu.Lock()
	q.epoch++
	if q.fo.url != deref(out.QueueUrl) {
		q.fo.handles = make(map[string]struct{})
	}
	q.fo.url = deref(out.QueueUrl)
	q.fo.active = true
	q.fo.empty = 0
	fo := q.fo.url
	recovered := c.sched.writtenLocked(q, now)
	c.mu.Unlock()
	c.logRecovered(q, recovered)
	c.log.Warn("queue name refused by SQS; failed over", "queue", q.url, "failover", fo)
	return nil
}

// tryRestore is called by a heartbeat while q runs on its failover queue:
// once SQS accepts the original name again, sends go back to the recreated
// original and the failover is drained.
func (c *Client) tryRestore(ctx context.Context, q *queueState) {
	q.recMu.Lock()
	defer q.recMu.Unlock()
	c.mu.Lock()
	if !q.fo.active || c.queues[q.url] != q {
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	now := c.opts.Clock.Now()
	_, err := c.api.CreateQueue(ctx, c.createInput(q, q.name, now))
	if err != nil {
		if !sqsapi.IsQueueDeletedRecently(err) && ctx.Err() == nil {
			c.log.Warn("recreate original queue failed; staying on failover", "queue", q.url, "error", err)
		}
		return
	}
	c.recreated.Add(1)
	c.mu.Lock()
	q.epoch++
	q.fo.active = false
	q.fo.empty = 0
	failover := q.fo.url
	c.mu.Unlock()
	c.log.Info("original queue recreated; draining failover", "queue", q.url, "failover", failover)
}

// retireFailover deletes q's draining failover queue once it holds nothing
// (no visible, in-flight or delayed message). Sends go to the failover only
// while the original cannot be recreated, so once q is draining none can
// start; retirement also waits until none is running and the last one ended
// failoverQuiet ago, so that the counts include it.
func (c *Client) retireFailover(ctx context.Context, q *queueState, failover string) {
	quiet := func() bool {
		return !q.fo.active && q.fo.url == failover && q.fo.sends == 0 &&
			c.opts.Clock.Now().Sub(q.fo.lastUse) >= c.failoverQuiet
	}
	c.mu.Lock()
	ok := quiet()
	c.mu.Unlock()
	if !ok {
		return
	}
	out, err := c.api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &failover, AttributeNames: messageCountAttributes})
	if err != nil {
		return
	}
	if n, ok := messageCount(out.Attributes); !ok || n > 0 {
		return
	}
	c.mu.Lock()
	if !quiet() {
		c.mu.Unlock()
		return
	}
	q.fo.url, q.fo.handles = "", nil
	c.mu.Unlock()
	if _, err := c.api.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &failover}); err != nil && !sqsapi.IsQueueDoesNotExist(err) {
		// Not heartbeated any more: a Sweeper deletes it after its retention.
		c.log.Warn("delete drained failover queue failed", "failover", failover, "error", err)
		return
	}
	c.log.Info("failover queue drained and deleted", "queue", q.url, "failover", failover)
}

// drainedEmpty counts an empty receive from q's draining failover and
// reports whether it is time to try retiring it.
func (c *Client) drainedEmpty(q *queueState) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	q.fo.empty++
	return q.fo.empty >= 2
}

// dropFailover forgets a draining failover queue that no longer exists.
func (c *Client) dropFailover(q *queueState, fo string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q.fo.url == fo && !q.fo.active {
		q.fo.url, q.fo.handles = "", nil
	}
}

// recordFailoverHandles remembers that msgs were received from the failover
// fo, so that their receipt handles are routed there.
func (c *Client) recordFailoverHandles(q *queueState, fo string, msgs []types.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q.fo.url != fo || len(msgs) == 0 {
		return
	}
	if q.fo.handles == nil {
		q.fo.handles = make(map[string]struct{})
	}
	for _, m := range msgs {
		q.fo.handles[deref(m.ReceiptHandle)] = struct{}{}
	}
}

// handleTarget returns the queue a receipt handle came from: the failover
// if it was received from there, else the original.
func (c *Client) handleTarget(q *queueState, handle string, forget bool) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := q.fo.handles[handle]; ok && q.fo.url != "" {
		if forget {
			delete(q.fo.handles, handle)
		}
		return q.fo.url
	}
	return q.url
}

// goneOriginal reports whether url is q's original while q runs on its
// failover, i.e. the queue the handle came from was deleted with its
// messages.
func (c *Client) goneOriginal(q *queueState, url string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return url == q.url && q.fo.active
}

// errGoneWithQueue is the error for a receipt handle whose message was in a
// queue deleted underneath us: the message is gone.
func errGoneWithQueue(handle string) *types.ReceiptHandleIsInvalid {
	return &types.ReceiptHandleIsInvalid{Message: ptr(fmt.Sprintf("sweeper: the message of receipt handle %.40q was in a queue deleted underneath its user; it is gone", handle))}
}
