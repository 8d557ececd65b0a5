package sweeper

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// outcome is what becomes of a work message once it was handled.
type outcome int

const (
	// outcomeDone: handled, or dropped (bad or stale); delete it.
	outcomeDone outcome = iota
	// outcomeRetry: handling failed; leave it for SQS to redeliver after
	// its visibility timeout (and to the DLQ after workMaxReceiveCount).
	outcomeRetry
	// outcomeRelease: Stop cut the handling short; hand it back at once.
	outcomeRelease
)

// Timeouts of the calls that settle work messages. They use a context
// detached from Stop's: the work was done (delete) or must go to another
// process now (release), and Stop must stay prompt.
const (
	deleteTimeout  = 5 * time.Second
	releaseTimeout = 2 * time.Second
)

// work handles the messages of one receive, concurrently (a batch of checks
// takes as long as its slowest). While any is still being handled their
// visibility is extended, so slow work (a paced tagging budget, a throttled
// SQS) is not redelivered to another process meanwhile. Then it deletes the
// messages that are done and hands back those that Stop cut short.
func (s *Sweeper) work(ctx context.Context, workURL string, msgs []types.Message) {
	outcomes := make([]outcome, len(msgs))
	finished := make([]atomic.Bool, len(msgs))
	var wg sync.WaitGroup
	for i, m := range msgs {
		wg.Go(func() {
			outcomes[i] = s.handle(ctx, workURL, m)
			finished[i].Store(true)
		})
	}
	s.holdWhile(ctx, workURL, msgs, finished, &wg)
	var done, release []types.Message
	for i, m := range msgs {
		switch outcomes[i] {
		case outcomeDone:
			done = append(done, m)
		case outcomeRelease:
			release = append(release, m)
		}
	}
	// Both under timeouts of their own, at once: Stop waits for the longer.
	var settle sync.WaitGroup
	settle.Go(func() { s.deleteHandled(ctx, workURL, done) })
	s.release(ctx, workURL, release)
	settle.Wait()
}

// holdWhile waits for wg, extending the visibility of the messages not yet
// finished a third of the visibility timeout before it expires.
func (s *Sweeper) holdWhile(ctx context.Context, workURL string, msgs []types.Message, finished []atomic.Bool, wg *sync.WaitGroup) {
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	vis := s.workVisibility()
	for {
		t := s.opts.Clock.NewTimer(vis - vis/3)
		select {
		case <-all:
			t.Stop()
			return
		case <-t.C():
		}
		var entries []types.ChangeMessageVisibilityBatchRequestEntry
		for i, m := range msgs {
			if !finished[i].Load() {
				entries = append(entries, types.ChangeMessageVisibilityBatchRequestEntry{
					Id: ptr(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: int32(vis.Seconds()),
				})
			}
		}
		if len(entries) > 0 && ctx.Err() == nil {
			s.changeVisibility(ctx, workURL, entries, "extend")
		}
	}
}

// deleteHandled deletes handled work messages. A message whose delete fails
// is redelivered after the visibility timeout and handled again, which is
// harmless (checks are idempotent, listing pages and their checks are
// deduplicated, seeds are guarded by LastSweepTag).
func (s *Sweeper) deleteHandled(ctx context.Context, workURL string, msgs []types.Message) {
	if len(msgs) == 0 {
		return
	}
	entries := make([]types.DeleteMessageBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: ptr(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deleteTimeout)
	defer cancel()
	out, err := s.api.DeleteMessageBatch(dctx, &sqs.DeleteMessageBatchInput{QueueUrl: &workURL, Entries: entries})
	if err != nil {
		s.logErr("delete handled work messages failed", "error", err)
		return
	}
	for _, f := range out.Failed {
		s.logErr("delete handled work message failed", "id", deref(f.Id), "code", deref(f.Code), "message", deref(f.Message))
	}
}

// release hands work messages back to the work queue (visibility 0) so
// that another process takes them at once instead of after the timeout.
func (s *Sweeper) release(ctx context.Context, workURL string, msgs []types.Message) {
	if len(msgs) == 0 {
		return
	}
	entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{Id: ptr(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if n := s.changeVisibility(rctx, workURL, entries, "release"); n > 0 {
		s.released.Add(int64(n))
	}
}

// changeVisibility changes the visibility of work messages and returns how
// many it changed; failures are logged (the message then becomes visible
// when its current timeout ends, which is safe).
func (s *Sweeper) changeVisibility(ctx context.Context, workURL string, entries []types.ChangeMessageVisibilityBatchRequestEntry, what string) int {
	out, err := s.api.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &workURL, Entries: entries})
	if err != nil {
		s.logErr(what+" work messages failed", "error", err)
		return 0
	}
	for _, f := range out.Failed {
		s.logErr(what+" work message failed", "id", deref(f.Id), "code", deref(f.Code), "message", deref(f.Message))
	}
	return len(out.Successful)
}
