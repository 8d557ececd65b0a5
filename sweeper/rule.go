package sweeper

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Verdict is what the sweeper's rule makes of one queue.
type Verdict int

// Verdicts, from the safest to the only one that deletes.
const (
	// Untagged: the queue has no retention tag. The sweeper never deletes it.
	Untagged Verdict = iota + 1
	// Unreadable: the queue has a retention or heartbeat tag the rule cannot
	// read (or, without a heartbeat tag, no readable creation time). It is
	// kept, and the sweeper logs it: deleting on a guess could delete a
	// queue in use.
	Unreadable
	// InUse: the last heartbeat is within the retention period plus the
	// skew margin (or the retention is too long to ever expire).
	InUse
	// NeedAttributes: idle by its tags, but the decision needs the queue's
	// attributes (its message counts, and its creation time when it has no
	// heartbeat tag). Decide again with them.
	NeedAttributes
	// KeptNonEmpty: idle, but it holds messages (or its counts are
	// unreadable), and it has not yet been idle for the retention period plus
	// the skew margin plus Rule.NonEmptyGrace.
	KeptNonEmpty
	// Idle: the sweeper deletes it.
	Idle
)

// String returns the verdict's name as the sqstemp command prints it.
func (v Verdict) String() string {
	switch v {
	case Untagged:
		return "untagged"
	case Unreadable:
		return "unreadable"
	case InUse:
		return "in-use"
	case NeedAttributes:
		return "need-attributes"
	case KeptNonEmpty:
		return "kept-nonempty"
	case Idle:
		return "idle"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// Rule is the sweeper's deletion rule, a pure function of a queue's tags, its
// attributes and the time. A Sweeper applies it with its Options.SkewMargin
// and Options.NonEmptyGrace; the sqstemp command applies it to show what a
// sweep would do.
type Rule struct {
	// SkewMargin is added to a queue's retention period before its last
	// heartbeat counts as stale (clock skew between hosts, late heartbeats).
	SkewMargin time.Duration
	// NonEmptyGrace is the further idle time after which a queue that still
	// holds messages is deleted too. Negative: never.
	NonEmptyGrace time.Duration
}

// Decision is the rule's verdict on one queue, with what it was based on.
type Decision struct {
	Verdict Verdict
	// Retention is the queue's retention period from its retention tag; 0
	// when the tag is missing or unreadable.
	Retention time.Duration
	// LastHeartbeat is the time of the last heartbeat from the heartbeat
	// tag; zero when there is none (or it is unreadable).
	LastHeartbeat time.Time
	// IdleFor is how long the queue has been idle (since its last heartbeat,
	// or without one since its creation); 0 when not known.
	IdleFor time.Duration
	// Reason says why, in words fit for a log line or a table.
	Reason string
}

// maxRetentionSeconds is the longest retention tag the rule honours as a
// duration (about 73 years, a quarter of time.Duration's range, leaving room
// for the margins); longer ones mean "never idle".
const maxRetentionSeconds = int64(math.MaxInt64) / int64(time.Second) / 4

// messageCountAttributes are the attributes whose sum says whether a queue
// holds messages.
var messageCountAttributes = []types.QueueAttributeName{
	types.QueueAttributeNameApproximateNumberOfMessages,
	types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
	types.QueueAttributeNameApproximateNumberOfMessagesDelayed,
}

// RuleAttributes are the queue attributes Decide reads when it returns
// NeedAttributes: the message counts and the creation time.
func RuleAttributes() []types.QueueAttributeName {
	return append(append([]types.QueueAttributeName(nil), messageCountAttributes...), types.QueueAttributeNameCreatedTimestamp)
}

// messageCount sums the approximate message counts; ok is false if any is
// missing or unreadable.
func messageCount(attrs map[string]string) (n int64, ok bool) {
	for _, a := range messageCountAttributes {
		v, err := strconv.ParseInt(attrs[string(a)], 10, 64)
		if err != nil || v < 0 {
			return 0, false
		}
		n += v
	}
	return n, true
}

// addSat adds durations, saturating instead of wrapping around.
func addSat(ds ...time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		if d > 0 && sum > math.MaxInt64-d {
			return math.MaxInt64
		}
		sum += d
	}
	return sum
}

// Decide applies the rule to a queue with the given tags (from ListQueueTags)
// and attributes (from GetQueueAttributes with RuleAttributes; nil when not
// read yet) at time now.
//
// Only a queue with a readable retention tag is ever Idle: one whose last
// heartbeat (or, with no heartbeat tag, its creation) is older than the
// retention period plus SkewMargin, and that holds no message, or has been
// idle NonEmptyGrace longer still. A heartbeat tag that is present but
// unreadable keeps the queue (Unreadable), as does a retention tag that is.
func (r Rule) Decide(now time.Time, tags, attrs map[string]string) Decision {
	rawRet, ok := tags[sqsapi.RetentionTag]
	if !ok {
		return Decision{Verdict: Untagged, Reason: "no retention tag: never deleted"}
	}
	retSecs, err := strconv.ParseInt(rawRet, 10, 64)
	if err != nil || retSecs < sqsapi.MinIdleRetentionSeconds {
		return Decision{Verdict: Unreadable, Reason: "unreadable retention tag " + strconv.Quote(clip(rawRet))}
	}
	if retSecs > maxRetentionSeconds {
		return Decision{Verdict: InUse, Reason: "retention tag too long to ever expire"}
	}
	d := Decision{Retention: time.Duration(retSecs) * time.Second}
	limit := addSat(d.Retention, r.SkewMargin)

	var last time.Time
	if rawHB, ok := tags[sqsapi.HeartbeatTag]; ok {
		ms, err := strconv.ParseInt(rawHB, 10, 64)
		if err != nil {
			d.Verdict, d.Reason = Unreadable, "unreadable heartbeat tag "+strconv.Quote(clip(rawHB))
			return d
		}
		last = time.UnixMilli(ms)
		d.LastHeartbeat = last
		d.IdleFor = max(now.Sub(last), 0)
		if d.IdleFor <= limit {
			d.Verdict, d.Reason = InUse, "heartbeat "+d.IdleFor.Round(time.Second).String()+" ago, within retention "+d.Retention.String()+" + margin"
			return d
		}
	}
	if attrs == nil {
		d.Verdict, d.Reason = NeedAttributes, "idle by its tags; message counts needed"
		return d
	}
	if last.IsZero() {
		created, err := strconv.ParseInt(attrs[string(types.QueueAttributeNameCreatedTimestamp)], 10, 64)
		if err != nil {
			d.Verdict, d.Reason = Unreadable, "no heartbeat tag and no readable creation time"
			return d
		}
		d.IdleFor = max(now.Sub(time.Unix(created, 0)), 0)
		if d.IdleFor <= limit {
			d.Verdict, d.Reason = InUse, "no heartbeat yet; created "+d.IdleFor.Round(time.Second).String()+" ago, within retention + margin"
			return d
		}
	}
	n, ok := messageCount(attrs)
	if !ok || n > 0 {
		if r.NonEmptyGrace < 0 || d.IdleFor <= addSat(limit, r.NonEmptyGrace) {
			d.Verdict = KeptNonEmpty
			if ok {
				d.Reason = "idle " + d.IdleFor.Round(time.Second).String() + " but holds " + strconv.FormatInt(n, 10) + " messages: kept for the grace period"
			} else {
				d.Reason = "idle " + d.IdleFor.Round(time.Second).String() + " but its message counts are unreadable: kept for the grace period"
			}
			return d
		}
		d.Verdict, d.Reason = Idle, "idle "+d.IdleFor.Round(time.Second).String()+", past retention + margin + non-empty grace"
		return d
	}
	d.Verdict, d.Reason = Idle, "idle "+d.IdleFor.Round(time.Second).String()+", past retention "+d.Retention.String()+" + margin, and empty"
	return d
}

// clip shortens an untrusted tag value for a reason string.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// Check applies r to the queue at queueURL as a sweep does: it reads the
// queue's tags and, when the rule needs them, its attributes; if the queue is
// Idle it asks mayDelete (nil means yes), reads the tags once more right
// before DeleteQueue (a heartbeat may have landed meanwhile), and deletes
// the queue if it is still Idle. It returns the last decision and whether
// the queue was deleted. A queue that no longer exists is no error: the
// decision is then the zero Decision.
func (r Rule) Check(ctx context.Context, api sqsapi.API, queueURL string, now func() time.Time, mayDelete func(Decision) bool) (Decision, bool, error) {
	tags, err := api.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &queueURL})
	if err != nil {
		return Decision{}, false, gone(err, "read tags of "+queueURL)
	}
	d := r.Decide(now(), tags.Tags, nil)
	if d.Verdict != NeedAttributes {
		return d, false, nil
	}
	attrs, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &queueURL, AttributeNames: RuleAttributes()})
	if err != nil {
		return d, false, gone(err, "read attributes of "+queueURL)
	}
	if d = r.Decide(now(), tags.Tags, attrs.Attributes); d.Verdict != Idle || (mayDelete != nil && !mayDelete(d)) {
		return d, false, nil
	}
	tags, err = api.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &queueURL})
	if err != nil {
		return d, false, gone(err, "read tags again of "+queueURL)
	}
	if d = r.Decide(now(), tags.Tags, attrs.Attributes); d.Verdict != Idle {
		return d, false, nil
	}
	if _, err := api.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &queueURL}); err != nil {
		return d, false, gone(err, "delete idle queue "+queueURL)
	}
	return d, true, nil
}

// gone returns nil for a queue that does not exist (nothing left to check),
// else err wrapped with what was being done.
func gone(err error, doing string) error {
	if sqsapi.IsQueueDoesNotExist(err) {
		return nil
	}
	return fmt.Errorf("sweeper: %s: %w", doing, err)
}
