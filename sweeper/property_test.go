package sweeper

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"pgregory.net/rapid"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// TestPropertyNoLossAfterDeletion drives a Client with random sequences of
// sends, receives (with single and batched deletes, and visibility changes),
// deletions of the queue or of its failover underneath it, and clock moves.
// Properties: a call through the Client fails only while SQS refuses both the
// queue's name and its failover's (both deleted within 60 s), and then with
// QueueDoesNotExist; the Client heals itself afterwards; and every message
// whose send succeeded after the last deletion underneath is received.
func TestPropertyNoLossAfterDeletion(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		clk := clock.NewFake(t0)
		srv := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
		defer srv.Close()
		c := New(srv, func(o *Options) { o.Clock = clk; o.Logger = testutil.Logger(t) })
		defer c.Close(context.Background())
		ctx := context.Background()
		url := testutil.CreateQueue(t, c, pfx+"prop", retention(60), nil)
		foURL := "https://sqs.us-east-1.amazonaws.com/000000000000/" + pfx + "prop-Failover"

		next := 0
		safeFrom := 0 // messages numbered from here on must arrive, if sent
		got := map[int]bool{}
		sent := map[int]bool{}
		var lastDeletion time.Time
		// allowed reports whether err is acceptable: none, or the queue
		// does not exist within 60 s of a deletion underneath.
		allowed := func(err error) bool {
			return err == nil || sqsapi.IsQueueDoesNotExist(err) && !lastDeletion.IsZero() && clk.Now().Sub(lastDeletion) < 60*time.Second
		}
		take := func(out *sqs.ReceiveMessageOutput) {
			for _, m := range out.Messages {
				n, _ := strconv.Atoi(*m.Body)
				got[n] = true
			}
		}
		receive := func(batch bool) int {
			out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
			if !allowed(err) {
				rt.Fatalf("receive: %v", err)
			}
			if err != nil {
				return 0
			}
			take(out)
			if batch && len(out.Messages) > 0 {
				var entries []types.DeleteMessageBatchRequestEntry
				for i, m := range out.Messages {
					entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
				}
				res, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: entries})
				if !allowed(err) || err == nil && len(res.Failed) > 0 {
					rt.Fatalf("delete batch: %+v, %v", res, err)
				}
				return len(out.Messages)
			}
			for _, m := range out.Messages {
				if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); !allowed(err) {
					rt.Fatalf("delete: %v", err)
				}
			}
			return len(out.Messages)
		}

		rt.Repeat(map[string]func(*rapid.T){
			"send": func(rt *rapid.T) {
				for i := rapid.IntRange(1, 5).Draw(rt, "n"); i > 0; i-- {
					_, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strconv.Itoa(next))})
					if !allowed(err) {
						rt.Fatalf("send %d: %v", next, err)
					}
					sent[next] = err == nil
					next++
				}
			},
			"sendBatch": func(rt *rapid.T) {
				var entries []types.SendMessageBatchRequestEntry
				first := next
				for i := rapid.IntRange(1, 10).Draw(rt, "n"); i > 0; i-- {
					entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(strconv.Itoa(next))})
					next++
				}
				res, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries})
				if !allowed(err) || err == nil && len(res.Failed) > 0 {
					rt.Fatalf("send batch: %+v, %v", res, err)
				}
				for n := first; n < next; n++ {
					sent[n] = err == nil
				}
			},
			"receive":      func(rt *rapid.T) { receive(false) },
			"receiveBatch": func(rt *rapid.T) { receive(true) },
			"receiveAndRelease": func(rt *rapid.T) {
				out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
				if !allowed(err) {
					rt.Fatalf("receive: %v", err)
				}
				if err != nil {
					return
				}
				for _, m := range out.Messages {
					if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); !allowed(err) {
						rt.Fatalf("release: %v", err)
					}
				}
			},
			"deleteUnderneath": func(rt *rapid.T) {
				if _, err := srv.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err == nil {
					safeFrom, lastDeletion = next, clk.Now()
				}
			},
			"deleteFailoverUnderneath": func(rt *rapid.T) {
				if _, err := srv.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &foURL}); err == nil {
					safeFrom, lastDeletion = next, clk.Now()
				}
			},
			"advance": func(rt *rapid.T) {
				clk.Advance(time.Duration(rapid.IntRange(1, 70).Draw(rt, "seconds")) * time.Second)
			},
		})
		// Heal: once SQS accepts the names again, calls work.
		clk.Advance(61 * time.Second)
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strconv.Itoa(next))}); err != nil {
			rt.Fatalf("send after 60 s: %v", err)
		}
		sent[next] = true
		next++
		// Drain: whatever state the Client is in, receives reach every queue
		// that may hold messages sent since the last deletion.
		for empty := 0; empty < 3; {
			if receive(true) == 0 {
				empty++
			} else {
				empty = 0
			}
		}
		for n := safeFrom; n < next; n++ {
			if sent[n] && !got[n] {
				rt.Fatalf("message %d (sent after the last deletion, at %d) lost; stats %+v", n, safeFrom, c.Stats())
			}
		}
	})
}
