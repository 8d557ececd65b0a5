package main

import (
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sweeper"
)

// The states `sqstemp queues` reports.
const (
	stateInUse    = "in-use"
	stateIdle     = "idle"
	stateUntagged = "untagged"
	stateKept     = "kept"
	stateSweeper  = "sweeper"
)

// queueRow is one queue as `sqstemp queues` reports it.
type queueRow struct {
	URL              string  `json:"url"`
	State            string  `json:"state"`
	LastHeartbeat    *string `json:"last_heartbeat"`    // RFC 3339
	RetentionSeconds *int64  `json:"retention_seconds"` // nil without a readable retention tag
	Messages         *int64  `json:"messages"`          // nil if unreadable
	Reason           string  `json:"reason"`
}

// cells returns the row as table cells, in the order of queueHeader.
func (r queueRow) cells() []string {
	opt := func(p *int64, unit string) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10) + unit
	}
	return []string{r.URL, r.State, aws.ToString(r.LastHeartbeat), opt(r.RetentionSeconds, "s"), opt(r.Messages, ""), r.Reason}
}

var queueHeader = []string{"URL", "STATE", "LAST HEARTBEAT", "RETENTION", "MESSAGES", "REASON"}

func runQueues(ctx context.Context, e env, api sqsapi.API, o options, stdout, stderr io.Writer) error {
	urls, err := listQueues(ctx, api, o.prefix)
	if err != nil {
		return err
	}
	t := newTable(stdout, o.json, queueHeader...)
	var errs []error
	for _, u := range urls {
		row, ok, err := inspect(ctx, api, o, e.now, u)
		if err != nil {
			errs = append(errs, err)
			fmt.Fprintf(stderr, "sqstemp: %v\n", err)
			continue
		}
		if ok {
			t.add(row, row.cells()...)
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	return failedOn(len(errs), len(urls))
}

// failedOn is the error of a command that failed on n of total queues (nil
// for none); the errors themselves were reported as they happened.
func failedOn(n, total int) error {
	if n == 0 {
		return nil
	}
	return fmt.Errorf("failed on %d of %d queues (see above)", n, total)
}

// listQueues returns the URLs of every queue whose name starts with prefix,
// sorted, following NextToken (no 1,000-queue ceiling).
func listQueues(ctx context.Context, api sqsapi.API, prefix string) ([]string, error) {
	var urls []string
	var token *string
	seen := map[string]bool{}
	for {
		out, err := api.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: &prefix, MaxResults: aws.Int32(1000), NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("list queues with prefix %q: %w", prefix, err)
		}
		for _, u := range out.QueueUrls {
			// The prefix filter is the server's; check it, since the
			// command deletes what it lists.
			if strings.HasPrefix(queueName(u), prefix) {
				urls = append(urls, u)
			}
		}
		if aws.ToString(out.NextToken) == "" || seen[*out.NextToken] {
			break
		}
		seen[*out.NextToken] = true
		token = out.NextToken
	}
	slices.Sort(urls)
	return slices.Compact(urls), nil
}

// queueName returns the name part of a queue URL.
func queueName(u string) string { return path.Base(u) }

// sweeperQueue returns what the queue at u is to the sweeper of prefix: ""
// for none of its own.
func sweeperQueue(u, prefix string) string {
	switch queueName(u) {
	case sweeper.WorkQueueName(prefix):
		return "the sweeper's work queue"
	case sweeper.DeadLetterQueueName(prefix):
		return "the sweeper's dead-letter queue"
	}
	return ""
}

// inspect reads a queue's tags and attributes and applies the sweeper's
// rule. ok is false if the queue no longer exists.
func inspect(ctx context.Context, api sqsapi.API, o options, now func() time.Time, u string) (row queueRow, ok bool, err error) {
	row.URL = u
	attrs, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &u, AttributeNames: sweeper.RuleAttributes()})
	if err != nil {
		return row, false, gone(err, "read attributes of "+u)
	}
	row.Messages = messageCount(attrs.Attributes)
	if what := sweeperQueue(u, o.prefix); what != "" {
		row.State, row.Reason = stateSweeper, what
		return row, true, nil
	}
	tags, err := api.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &u})
	if err != nil {
		return row, false, gone(err, "read tags of "+u)
	}
	d := o.rule.Decide(now(), tags.Tags, attrs.Attributes)
	row.State, row.Reason = state(d.Verdict), d.Reason
	if !d.LastHeartbeat.IsZero() {
		row.LastHeartbeat = aws.String(d.LastHeartbeat.UTC().Format(time.RFC3339))
	}
	if d.Retention > 0 {
		row.RetentionSeconds = aws.Int64(int64(d.Retention / time.Second))
	}
	return row, true, nil
}

// state names a verdict of the sweeper's rule.
func state(v sweeper.Verdict) string {
	switch v {
	case sweeper.InUse:
		return stateInUse
	case sweeper.Idle:
		return stateIdle
	case sweeper.Untagged:
		return stateUntagged
	}
	// Unreadable tags or counts, or idle but holding messages within the
	// grace: a sweep keeps it. (NeedAttributes cannot happen: inspect
	// always passes the attributes.)
	return stateKept
}

// messageCount sums a queue's approximate visible, in-flight and delayed
// messages; nil if any count is missing or unreadable.
func messageCount(attrs map[string]string) *int64 {
	var n int64
	for _, a := range []types.QueueAttributeName{
		types.QueueAttributeNameApproximateNumberOfMessages,
		types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		types.QueueAttributeNameApproximateNumberOfMessagesDelayed,
	} {
		v, err := strconv.ParseInt(attrs[string(a)], 10, 64)
		if err != nil || v < 0 {
			return nil
		}
		n += v
	}
	return &n
}

// gone returns nil for a queue that no longer exists (nothing to report),
// else err wrapped with what was being done.
func gone(err error, doing string) error {
	if sqsapi.IsQueueDoesNotExist(err) {
		return nil
	}
	return fmt.Errorf("%s: %w", doing, err)
}
