package virtualqueue

import (
	"container/heap"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// extensionRetry is how soon an extension that failed (not refused) is tried
// again.
const extensionRetry = time.Second

// extension is one buffered message's visibility extension in a batch.
type extension struct {
	b      *bufferedMsg
	handle string // the receipt handle extended
	secs   int32
}

// extendDue extends the visibility of the buffered messages that are due, in
// ChangeMessageVisibilityBatch calls of up to 10 per host, so that a message
// waiting for a consumer is not received again by a poller (and does not
// count another receive toward a RedrivePolicy's maxReceiveCount).
func (c *Client) extendDue() {
	byHost := map[string][]extension{}
	c.mu.Lock()
	now := c.now()
	for len(c.extensions) > 0 && c.extensions[0].extendAt <= now {
		b := c.extensions[0]
		b.extendAt = now + extendAfter(b.visibility)
		heap.Fix(&c.extensions, 0)
		h := b.q.hostURL()
		byHost[h] = append(byHost[h], extension{b: b, handle: aws.ToString(b.m.ReceiptHandle), secs: b.visibility})
	}
	c.mu.Unlock()
	for h, exts := range byHost {
		for batch := range slices.Chunk(exts, sqsapi.MaxBatchEntries) {
			c.extendBatch(h, batch)
		}
	}
}

// extendBatch sends one batch of extensions. A buffered copy whose extension
// the host refuses is stale (the message was deleted, moved to a dead-letter
// queue, or received again elsewhere) and is dropped; one whose extension
// failed otherwise is tried again soon.
func (c *Client) extendBatch(hostURL string, exts []extension) {
	entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(exts))
	for i, e := range exts {
		entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
			ReceiptHandle: aws.String(e.handle), VisibilityTimeout: e.secs}
	}
	ctx, cancel := context.WithTimeout(c.ctx, callTimeout)
	out, err := c.api.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(hostURL), Entries: entries})
	cancel()
	if err != nil {
		if c.ctx.Err() == nil {
			c.log.Warn("virtualqueue: extending the visibility of buffered messages failed; retrying", "host", hostURL, "err", err)
			c.retryExtensions(exts)
		}
		return
	}
	c.extended.Add(int64(len(out.Successful)))
	var stale, retry []extension
	for _, f := range out.Failed {
		i, err := strconv.Atoi(aws.ToString(f.Id))
		if err != nil || i < 0 || i >= len(exts) {
			continue
		}
		if f.SenderFault {
			stale = append(stale, exts[i])
		} else {
			retry = append(retry, exts[i])
		}
	}
	c.dropStale(hostURL, stale)
	c.retryExtensions(retry)
}

// current reports whether e's message is still buffered under the receipt
// handle e extended.
func (e extension) current() bool {
	return e.b.q != nil && aws.ToString(e.b.m.ReceiptHandle) == e.handle
}

// dropStale drops the buffered copies the host refused to extend, unless a
// newer copy replaced them meanwhile.
func (c *Client) dropStale(hostURL string, exts []extension) {
	if len(exts) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range exts {
		if e.current() {
			c.log.Debug("virtualqueue: dropping a buffered message the host no longer holds for us",
				"host", hostURL, "messageId", aws.ToString(e.b.m.MessageId))
			c.dropLocked(e.b)
			c.stale.Add(1)
		}
	}
}

// retryExtensions moves the next extension of exts' messages up to
// extensionRetry from now. It runs on the extension goroutine, which looks at
// the heap again when it returns.
func (c *Client) retryExtensions(exts []extension) {
	if len(exts) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	soon := c.now() + int64(extensionRetry)
	for _, e := range exts {
		if e.current() && e.b.extendAt > soon {
			e.b.extendAt = soon
			heap.Fix(&c.extensions, int(e.b.heapIdx))
		}
	}
}
