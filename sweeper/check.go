package sweeper

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// check applies the deletion rule to queueURL (Rule.Check, whose tagging
// calls go through the tagging budget) and deletes it if it is idle and
// deletions are not deferred (mayDelete).
func (s *Sweeper) check(ctx context.Context, queueURL string) error {
	rule := Rule{SkewMargin: s.opts.SkewMargin, NonEmptyGrace: s.opts.NonEmptyGrace}
	d, deleted, err := rule.Check(ctx, s.tagging(), queueURL, s.opts.Clock.Now, s.mayDelete)
	if err != nil {
		return err
	}
	switch {
	case deleted:
		s.deleted.Add(1)
		s.log.Info("deleted idle queue", "queue", queueURL, "reason", d.Reason)
	case d.Verdict == Unreadable:
		s.log.Warn("queue has unreadable tags; not deleting it", "queue", queueURL, "reason", d.Reason)
	}
	return nil
}

// mayDelete is the deletion guard of checks: it refuses to delete while
// heartbeats in this account may be late. In an account over its tagging
// quota live owners cannot heartbeat, so an old heartbeat proves nothing:
// the guard holds while SQS throttled a tagging call under this process's
// budget within the queue's retention plus the skew margin, or while a
// heartbeat under the budget is older than half its retention. Each refusal
// is counted (Stats.DeletionsDeferred); the first of an episode is logged.
func (s *Sweeper) mayDelete(d Decision) bool {
	b := s.opts.TagBudget
	var reason string
	if n := b.stale.Load(); n > 0 {
		reason = strconv.FormatInt(n, 10) + " heartbeats of this process are older than half their retention"
	} else if t := b.lastThrottled(); !t.IsZero() {
		if ago := s.opts.Clock.Now().Sub(t); ago <= d.Retention+s.opts.SkewMargin {
			reason = "SQS throttled a tagging call " + ago.Round(1e9).String() + " ago, within the queue's retention " + d.Retention.String() + " + skew margin"
		}
	}
	if reason == "" {
		if s.deferring.CompareAndSwap(true, false) {
			s.log.Info("deleting idle queues again: no throttled tagging call or stale heartbeat within their retention")
		}
		return true
	}
	s.deferred.Add(1)
	if s.deferring.CompareAndSwap(false, true) {
		s.log.Warn("deferring deletions of idle queues: heartbeats in this account may be late (tagging over its quota?); "+
			"grow the retention period or the account's tagging quota if this lasts", "reason", reason, "idleFor", d.IdleFor)
	}
	return false
}

// budgeted is an api whose tagging calls (ListQueueTags, TagQueue,
// UntagQueue) wait for a token of the tagging budget (as the sweep's, after
// heartbeats) and report their outcome to it, so that throttling seen by a
// sweep defers deletions too. Other calls go straight through.
type budgeted struct {
	sqsapi.API
	budget *TagBudget
}

// tagging returns the Sweeper's api, budgeted.
func (s *Sweeper) tagging() budgeted { return budgeted{API: s.api, budget: s.opts.TagBudget} }

// ListQueueTags waits for a token, then calls ListQueueTags.
func (b budgeted) ListQueueTags(ctx context.Context, in *sqs.ListQueueTagsInput, optFns ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	return paced(ctx, b.budget, b.API.ListQueueTags, in, optFns)
}

// TagQueue waits for a token, then calls TagQueue.
func (b budgeted) TagQueue(ctx context.Context, in *sqs.TagQueueInput, optFns ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	return paced(ctx, b.budget, b.API.TagQueue, in, optFns)
}

// UntagQueue waits for a token, then calls UntagQueue.
func (b budgeted) UntagQueue(ctx context.Context, in *sqs.UntagQueueInput, optFns ...func(*sqs.Options)) (*sqs.UntagQueueOutput, error) {
	return paced(ctx, b.budget, b.API.UntagQueue, in, optFns)
}

// paced makes one tagging call under budget: it waits for a token (as the
// sweep's), makes the call and reports its outcome.
func paced[I, O any](ctx context.Context, budget *TagBudget, call func(context.Context, I, ...func(*sqs.Options)) (O, error), in I, optFns []func(*sqs.Options)) (O, error) {
	if err := budget.wait(ctx, forSweep); err != nil {
		var zero O
		return zero, err
	}
	out, err := call(ctx, in, optFns...)
	budget.observe(err)
	return out, err
}
