package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sweeper"
)

// peekVisibility is how long dlq keeps each message it has seen invisible
// while it reads on, so that later receives return other messages. All are
// made visible again at the end; if the command dies, they reappear after
// this long.
const peekVisibility = 120 // seconds

// maxPeek bounds the listing of a queue that keeps receiving new messages.
const maxPeek = 10000

// releaseTimeout bounds making the messages visible again, which runs even
// when the command is interrupted.
const releaseTimeout = 30 * time.Second

// dlqRow is one dead-letter message.
type dlqRow struct {
	MessageID      string  `json:"message_id"`
	SentTimestamp  *string `json:"sent_timestamp"` // RFC 3339
	ReceiveCount   *int64  `json:"receive_count"`
	MessageGroupID string  `json:"message_group_id"`
	Body           string  `json:"body"`
}

var dlqHeader = []string{"MESSAGE ID", "SENT", "RECEIVES", "GROUP", "BODY"}

func (r dlqRow) cells() []string {
	n := ""
	if r.ReceiveCount != nil {
		n = strconv.FormatInt(*r.ReceiveCount, 10)
	}
	return []string{r.MessageID, aws.ToString(r.SentTimestamp), n, r.MessageGroupID, r.Body}
}

func runDLQ(ctx context.Context, e env, api sqsapi.API, o options, stdout, stderr io.Writer) error {
	name := sweeper.DeadLetterQueueName(o.prefix)
	out, err := api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
	if sqsapi.IsQueueDoesNotExist(err) {
		if !o.json {
			fmt.Fprintf(stderr, "sqstemp: no dead-letter queue %s\n", name)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up %s: %w", name, err)
	}
	url := aws.ToString(out.QueueUrl)
	held, err := visibleMessages(ctx, api, url)
	if err != nil {
		return err
	}
	msgs, err := peek(ctx, api, url, e.dlqWait)
	t := newTable(stdout, o.json, dlqHeader...)
	for _, m := range msgs {
		row := toDLQRow(m)
		t.add(row, row.cells()...)
	}
	err = errors.Join(err, t.flush())
	if err == nil && int64(len(msgs)) < held {
		fmt.Fprintf(stderr, "sqstemp: shown %d of about %d messages: a FIFO queue hands out no more of a message group while its first messages are in flight\n", len(msgs), held)
	}
	return err
}

// visibleMessages returns the approximate number of visible messages in the
// queue at url.
func visibleMessages(ctx context.Context, api sqsapi.API, url string) (int64, error) {
	out, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		return 0, fmt.Errorf("read message count of %s: %w", url, err)
	}
	n, _ := strconv.ParseInt(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)], 10, 64)
	return n, nil
}

func toDLQRow(m types.Message) dlqRow {
	row := dlqRow{
		MessageID:      aws.ToString(m.MessageId),
		MessageGroupID: m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)],
		Body:           aws.ToString(m.Body),
	}
	if ms, err := strconv.ParseInt(m.Attributes[string(types.MessageSystemAttributeNameSentTimestamp)], 10, 64); err == nil {
		row.SentTimestamp = aws.String(time.UnixMilli(ms).UTC().Format(time.RFC3339))
	}
	if n, err := strconv.ParseInt(m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)], 10, 64); err == nil {
		row.ReceiveCount = &n
	}
	return row
}

// peek receives every message of the queue at url it can, without removing
// any: each stays invisible until the end, so that the next receive returns
// others, and the listing ends when a receive brings no message not seen
// before (or after maxPeek messages). Then all are made visible again (also on error or interruption).
// On a FIFO queue a message group hands out nothing more while one of its
// messages is in flight, so only what the first receive from a group
// returns is seen (up to 10 messages on SQS; 1 on some emulators).
func peek(ctx context.Context, api sqsapi.API, url string, wait time.Duration) (msgs []types.Message, err error) {
	held := map[string]string{} // message ID -> latest receipt handle
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		err = errors.Join(err, release(rctx, api, url, held))
	}()
	for {
		out, err := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    &url,
			MaxNumberOfMessages:         sqsapi.MaxBatchEntries,
			VisibilityTimeout:           peekVisibility,
			WaitTimeSeconds:             int32(wait / time.Second),
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			return msgs, fmt.Errorf("receive from %s: %w", url, err)
		}
		fresh := 0
		for _, m := range out.Messages {
			id := aws.ToString(m.MessageId)
			if _, seen := held[id]; !seen {
				msgs = append(msgs, m)
				fresh++
			}
			held[id] = aws.ToString(m.ReceiptHandle)
		}
		if fresh == 0 || len(msgs) >= maxPeek {
			return msgs, nil
		}
	}
}

// release makes the messages with the given receipt handles visible again,
// 10 at a time.
func release(ctx context.Context, api sqsapi.API, url string, held map[string]string) error {
	var entries []types.ChangeMessageVisibilityBatchRequestEntry
	var errs []error
	flush := func() {
		if len(entries) == 0 {
			return
		}
		out, err := api.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url, Entries: entries})
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("make %d messages visible again (they reappear within %d s): %w", len(entries), peekVisibility, err))
		case len(out.Failed) > 0:
			errs = append(errs, fmt.Errorf("make %d messages visible again (they reappear within %d s): %s: %s",
				len(out.Failed), peekVisibility, aws.ToString(out.Failed[0].Code), aws.ToString(out.Failed[0].Message)))
		}
		entries = entries[:0]
	}
	for _, h := range held {
		entries = append(entries, types.ChangeMessageVisibilityBatchRequestEntry{
			Id: aws.String(strconv.Itoa(len(entries))), ReceiptHandle: aws.String(h), VisibilityTimeout: 0,
		})
		if len(entries) == sqsapi.MaxBatchEntries {
			flush()
		}
	}
	flush()
	return errors.Join(errs...)
}
