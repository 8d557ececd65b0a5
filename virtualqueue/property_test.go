package virtualqueue

import (
	"context"
	"fmt"
	"strings"
	"sync"
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

// TestPropertyDeliveredToItsQueueOnly: under any interleaving of creates,
// sends, receives, message deletes and queue deletions (with the poller
// dispatching concurrently), every message received from virtual queue X was
// sent to X, no message is received twice, and every message sent to X while
// X existed, with X not deleted since, is eventually received from X.
func TestPropertyDeliveredToItsQueueOnly(t *testing.T) {
	names := []string{"a", "b", "c"}
	rapid.Check(t, func(rt *rapid.T) {
		clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		srv := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
		defer srv.Close()
		ctx := context.Background()
		hostOut, err := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("host"),
			Attributes: map[string]string{"VisibilityTimeout": "600"}})
		if err != nil {
			rt.Fatal(err)
		}
		host := *hostOut.QueueUrl
		var omu sync.Mutex
		orphaned := map[string]bool{}
		vq := New(srv, func(o *Options) {
			o.Logger = testutil.Quiet
			o.Clock = clk
			o.MaxBufferedPerQueue = rapid.IntRange(1, 5).Draw(rt, "maxBuffered")
			o.OrphanHandler = func(_ context.Context, _ string, m types.Message) OrphanAction {
				omu.Lock()
				orphaned[*m.Body] = true
				omu.Unlock()
				return OrphanDelete
			}
		})
		defer vq.Close(ctx)

		exists := map[string]bool{}
		live := map[string]map[string]bool{} // queue -> bodies owed to it
		received := map[string]bool{}
		var undeleted []struct{ url, handle string }
		seq := 0
		// Before the drain the clock stands still, so SQS redelivers nothing
		// and no message may be received twice. The drain moves the clock
		// past the visibility timeout, after which a message that sat in a
		// buffer that long is legitimately redelivered (at least once).
		draining := false

		check := func(name string, msgs []types.Message) {
			for _, m := range msgs {
				body := *m.Body
				if !strings.HasPrefix(body, name+"/") {
					rt.Fatalf("message %q received from %q", body, name)
				}
				if got := aws.ToString(m.MessageAttributes[sqsapi.VirtualQueueNameAttribute].StringValue); got != name {
					rt.Fatalf("name attribute %q on a message from %q", got, name)
				}
				if received[body] && !draining {
					rt.Fatalf("message %q received twice", body)
				}
				received[body] = true
				delete(live[name], body)
			}
		}
		receive := func(name string, max, wait int32) {
			out, err := vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(URL(host, name)),
				MaxNumberOfMessages: max, WaitTimeSeconds: wait, MessageAttributeNames: []string{"All"}})
			if !exists[name] {
				if !sqsapi.IsQueueDoesNotExist(err) {
					rt.Fatalf("receive from deleted %q: %v", name, err)
				}
				return
			}
			if err != nil {
				rt.Fatal(err)
			}
			check(name, out.Messages)
			for _, m := range out.Messages {
				undeleted = append(undeleted, struct{ url, handle string }{URL(host, name), *m.ReceiptHandle})
			}
		}

		rt.Repeat(map[string]func(*rapid.T){
			"create": func(rt *rapid.T) {
				name := rapid.SampledFrom(names).Draw(rt, "name")
				if _, err := vq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name),
					Attributes: map[string]string{sqsapi.HostQueueURLAttribute: host}}); err != nil {
					rt.Fatal(err)
				}
				exists[name] = true
			},
			"deleteQueue": func(rt *rapid.T) {
				name := rapid.SampledFrom(names).Draw(rt, "name")
				_, err := vq.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(URL(host, name))})
				if exists[name] != (err == nil) {
					rt.Fatalf("delete %q (exists %v): %v", name, exists[name], err)
				}
				delete(exists, name)
				delete(live, name) // owed nothing any more: may be orphaned or go to a recreated queue
			},
			"send": func(rt *rapid.T) {
				name := rapid.SampledFrom(names).Draw(rt, "name")
				n := rapid.IntRange(1, 3).Draw(rt, "n")
				var entries []types.SendMessageBatchRequestEntry
				for i := range n {
					seq++
					body := fmt.Sprintf("%s/%d", name, seq)
					entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String(body)})
					if exists[name] {
						if live[name] == nil {
							live[name] = map[string]bool{}
						}
						live[name][body] = true
					}
				}
				if _, err := vq.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(URL(host, name)), Entries: entries}); err != nil {
					rt.Fatal(err)
				}
			},
			"receive": func(rt *rapid.T) {
				receive(rapid.SampledFrom(names).Draw(rt, "name"), int32(rapid.IntRange(0, 10).Draw(rt, "max")), 0)
			},
			"deleteMessage": func(rt *rapid.T) {
				if len(undeleted) == 0 {
					rt.Skip("nothing received")
				}
				i := rapid.IntRange(0, len(undeleted)-1).Draw(rt, "i")
				u := undeleted[i]
				undeleted = append(undeleted[:i], undeleted[i+1:]...)
				if _, err := vq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(u.url), ReceiptHandle: aws.String(u.handle)}); err != nil {
					rt.Fatal(err)
				}
			},
		})

		// Drain: everything owed arrives. Messages left on the host because a
		// buffer was full come back after the host's visibility timeout, so
		// delete what was received (else it would be redelivered, correctly)
		// and move the clock past it.
		deleteAll := func() {
			for _, u := range undeleted {
				if _, err := vq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(u.url), ReceiptHandle: aws.String(u.handle)}); err != nil {
					rt.Fatal(err)
				}
			}
			undeleted = nil
		}
		deleteAll()
		draining = true
		deadline := time.Now().Add(20 * time.Second)
		for _, name := range names {
			for len(live[name]) > 0 {
				if time.Now().After(deadline) {
					rt.Fatalf("never received from %q: %v (stats %+v)", name, live[name], vq.Stats())
				}
				before := len(live[name])
				receive(name, 10, 0)
				deleteAll()
				if len(live[name]) == before {
					clk.Advance(601 * time.Second)
					time.Sleep(time.Millisecond)
				}
			}
		}
	})
}
