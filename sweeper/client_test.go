package sweeper

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
)

const pfx = sqsapi.DefaultQueuePrefix

func TestCreateQueueRefusesBadInput(t *testing.T) {
	e := newFakeEnv(t)
	c := New(e.srv, e.opts(t)...)
	defer c.Close(context.Background())
	tests := []struct {
		name, queue, value, param string
	}{
		{"zero", pfx + "q", "0", sqsapi.IdleQueueRetentionPeriodAttribute},
		{"negative", pfx + "q", "-5", sqsapi.IdleQueueRetentionPeriodAttribute},
		{"not a number", pfx + "q", "soon", sqsapi.IdleQueueRetentionPeriodAttribute},
		{"empty", pfx + "q", "", sqsapi.IdleQueueRetentionPeriodAttribute},
		{"fraction", pfx + "q", "1.5", sqsapi.IdleQueueRetentionPeriodAttribute},
		{"no prefix", "other-q", "60", "QueueName"},
		{"prefix not at start", "x" + pfx + "q", "60", "QueueName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.srv.ResetCallCounts()
			_, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{
				QueueName:  aws.String(tt.queue),
				Attributes: map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: tt.value},
			})
			var bad *sqsapi.InvalidParameterError
			if !errors.As(err, &bad) {
				t.Fatalf("err = %v, want *sqsapi.InvalidParameterError", err)
			}
			if bad.Param != tt.param {
				t.Errorf("Param = %q, want %q", bad.Param, tt.param)
			}
			if n := len(e.srv.CallCounts()); n != 0 {
				t.Errorf("made SQS calls: %v", e.srv.CallCounts())
			}
		})
	}
}

func TestCreateQueueTagsAndStripsRetention(t *testing.T) {
	e := newFakeEnv(t)
	c := New(e.srv, e.opts(t)...)
	defer c.Close(context.Background())
	attrs := retention(120)
	attrs["VisibilityTimeout"] = "7"
	url := testutil.CreateQueue(t, c, pfx+"tagged", attrs, map[string]string{"team": "blue"})

	tags := tagsOf(t, e.srv, url)
	want := map[string]string{
		"team":              "blue",
		sqsapi.RetentionTag: "120",
		sqsapi.HeartbeatTag: strconv.FormatInt(t0.UnixMilli(), 10),
	}
	for k, v := range want {
		if tags[k] != v {
			t.Errorf("tag %s = %q, want %q", k, tags[k], v)
		}
	}
	// The real queue has the other attribute; through the wrapper the
	// retention is reported too.
	real, err := e.srv.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if real.Attributes["VisibilityTimeout"] != "7" {
		t.Errorf("VisibilityTimeout = %q, want 7", real.Attributes["VisibilityTimeout"])
	}
	got, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{sqsapi.IdleQueueRetentionPeriodAttribute}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Attributes[sqsapi.IdleQueueRetentionPeriodAttribute] != "120" {
		t.Errorf("retention through wrapper = %v", got.Attributes)
	}

	// A virtual queue request passes through untouched (the layer below
	// handles it; sqstest refuses the unknown attributes, proving it got them).
	_, err = c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(pfx + "virtual"),
		Attributes: map[string]string{sqsapi.HostQueueURLAttribute: url, sqsapi.IdleQueueRetentionPeriodAttribute: "60"}})
	if err == nil || exists(t, e.srv, pfx+"virtual") {
		t.Errorf("virtual queue request was not passed through as is: %v", err)
	}

	// Other queues pass through untouched, with or without the prefix.
	for _, name := range []string{"plain", pfx + "plain"} {
		u := testutil.CreateQueue(t, c, name, nil, nil)
		if tags := tagsOf(t, e.srv, u); len(tags) != 0 {
			t.Errorf("%s got tags %v", name, tags)
		}
	}
}

func TestRecreateDeletedQueue(t *testing.T) {
	e := newFakeEnv(t)
	c := New(e.srv, e.opts(t)...)
	defer c.Close(context.Background())
	ctx := context.Background()
	url := testutil.CreateQueue(t, c, pfx+"re", map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "60", "VisibilityTimeout": "9"}, map[string]string{"k": "v"})
	if _, err := e.srv.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(61 * time.Second) // SQS accepts the name again
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("after")}); err != nil {
		t.Fatalf("send after deletion: %v", err)
	}
	if s := c.Stats(); s.Recreated != 1 || s.FailedOver != 0 {
		t.Fatalf("stats = %+v", s)
	}
	tags := tagsOf(t, e.srv, url)
	if tags["k"] != "v" || tags[sqsapi.RetentionTag] != "60" || tags[sqsapi.HeartbeatTag] == "" {
		t.Errorf("recreated tags = %v", tags)
	}
	attrs, _ := e.srv.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"VisibilityTimeout"}})
	if attrs.Attributes["VisibilityTimeout"] != "9" {
		t.Errorf("recreated attributes = %v", attrs.Attributes)
	}
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
	if err != nil || len(out.Messages) != 1 || *out.Messages[0].Body != "after" {
		t.Fatalf("receive = %v, %v", out, err)
	}
}

// TestFailoverLosesNothing deletes a queue underneath a client while it is
// used, with SQS refusing the name, and counts what was lost.
func TestFailoverLosesNothing(t *testing.T) {
	for _, fifo := range []bool{false, true} {
		t.Run(fmt.Sprintf("fifo=%v", fifo), func(t *testing.T) {
			e := newFakeEnv(t)
			c := New(e.srv, e.opts(t)...)
			defer c.Close(context.Background())
			ctx := context.Background()
			name, attrs := pfx+"fo", retention(60)
			if fifo {
				name += ".fifo"
				attrs["FifoQueue"] = "true"
				attrs["ContentBasedDeduplication"] = "true"
			}
			url := testutil.CreateQueue(t, c, name, attrs, nil)
			send := func(i int) error {
				in := &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strconv.Itoa(i))}
				if fifo {
					in.MessageGroupId = aws.String("g")
				}
				_, err := c.SendMessage(ctx, in)
				return err
			}
			got := map[int]bool{}
			receive := func() int {
				out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
				if err != nil {
					t.Fatalf("receive: %v", err)
				}
				for _, m := range out.Messages {
					i, _ := strconv.Atoi(*m.Body)
					got[i] = true
					if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
						t.Fatalf("delete %d: %v", i, err)
					}
				}
				return len(out.Messages)
			}
			const n, deleteAt, restoreAt = 300, 100, 200
			for i := 0; i < n; i++ {
				switch i {
				case deleteAt:
					if _, err := e.srv.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
						t.Fatal(err)
					}
				case restoreAt:
					// SQS accepts the name again; a heartbeat recreates it.
					// Time flows on (a heartbeat in flight during the jump
					// times out and is retried a second later).
					e.clk.Advance(60 * time.Second)
					e.drive(t, "original recreated", time.Second, func() bool { return c.Stats().Recreated == 1 })
				}
				if err := send(i); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
				if i%7 == 6 {
					receive()
				}
			}
			for receive() > 0 {
			}
			lostBefore, lostAfter := 0, 0
			for i := 0; i < n; i++ {
				if !got[i] {
					if i < deleteAt {
						lostBefore++
					} else {
						lostAfter++
					}
				}
			}
			s := c.Stats()
			t.Logf("queue deleted underneath at message %d: failovers=%d recreations=%d; lost with the deleted queue=%d; lost after recovery=%d (of %d)",
				deleteAt, s.FailedOver, s.Recreated, lostBefore, lostAfter, n-deleteAt)
			if s.FailedOver != 1 || s.Recreated != 1 {
				t.Errorf("stats = %+v, want one failover and one recreation", s)
			}
			if lostAfter != 0 {
				t.Errorf("lost %d messages sent after the recovery", lostAfter)
			}
			// Drained: the failover queue is gone, the original remains.
			foName, _ := failoverName(name)
			testutil.Eventually(t, "failover deleted once drained", func() bool { receive(); return !exists(t, e.srv, foName) })
			if !exists(t, e.srv, name) {
				t.Error("original queue missing")
			}
		})
	}
}

func TestFailoverRoutesReceiptHandles(t *testing.T) {
	e := newFakeEnv(t)
	c := New(e.srv, e.opts(t)...)
	defer c.Close(context.Background())
	ctx := context.Background()
	url := testutil.CreateQueue(t, c, pfx+"routes", retention(60), nil)
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("old")}); err != nil {
		t.Fatal(err)
	}
	old, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
	if err != nil || len(old.Messages) != 1 {
		t.Fatalf("receive = %v, %v", old, err)
	}
	if _, err := e.srv.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, VisibilityTimeout: 30})
	if err != nil || len(out.Messages) != 3 {
		t.Fatalf("receive = %v, %v", out, err)
	}
	// A message received before the deletion went with its queue: deleting
	// it succeeds, changing its visibility says its handle is invalid.
	oldHandle := old.Messages[0].ReceiptHandle
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: oldHandle}); !sqsapi.IsReceiptHandleInvalid(err) {
		t.Errorf("change visibility of a message gone with its queue = %v, want ReceiptHandleIsInvalid", err)
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: oldHandle}); err != nil {
		t.Errorf("delete of a message gone with its queue = %v", err)
	}
	if s := c.Stats(); s.FailedOver != 1 || s.Recreated != 0 {
		t.Errorf("stats = %+v, want exactly one failover", s)
	}
	// Visibility change and batch delete through the original URL reach the failover.
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: out.Messages[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatalf("change visibility: %v", err)
	}
	var entries []types.DeleteMessageBatchRequestEntry
	for i, m := range out.Messages[1:] {
		entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
	}
	del, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: entries})
	if err != nil || len(del.Successful) != 2 || len(del.Failed) != 0 {
		t.Fatalf("delete batch = %+v, %v", del, err)
	}
	again, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
	if err != nil || len(again.Messages) != 1 || *again.Messages[0].Body != *out.Messages[0].Body {
		t.Fatalf("after visibility 0, receive = %v, %v", again, err)
	}
	// DeleteQueue through the wrapper deletes both.
	if _, err := c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	if exists(t, e.srv, pfx+"routes-Failover") {
		t.Error("failover queue survived DeleteQueue")
	}
}

func TestFailoverName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"q", "q-Failover"},
		{"q.fifo", "q-Failover.fifo"},
	}
	for _, tt := range tests {
		if got, err := failoverName(tt.in); err != nil || got != tt.want {
			t.Errorf("failoverName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	long := string(make([]byte, 75))
	if _, err := failoverName(long); err == nil {
		t.Error("no error for a failover name over 80 characters")
	}
}

// TestConcurrentUseDuringFailover runs producers and consumers through the
// Client while its queue is deleted, failed over and restored (-race food).
func TestConcurrentUseDuringFailover(t *testing.T) {
	e := newFakeEnv(t)
	c := New(e.srv, e.opts(t)...)
	defer c.Close(context.Background())
	ctx := context.Background()
	url := testutil.CreateQueue(t, c, pfx+"busy", retention(60), nil)

	const producers, perProducer = 4, 150
	var mu sync.Mutex
	got := map[string]bool{}
	sent := map[string]bool{} // body -> its send started after the deletion
	var deleted atomic.Bool
	cctx, stop := context.WithCancel(ctx)
	var consumers sync.WaitGroup
	for w := 0; w < 3; w++ {
		consumers.Add(1)
		go func() {
			defer consumers.Done()
			for cctx.Err() == nil {
				out, err := c.ReceiveMessage(cctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
				if err != nil {
					continue
				}
				var entries []types.DeleteMessageBatchRequestEntry
				for i, m := range out.Messages {
					mu.Lock()
					got[*m.Body] = true
					mu.Unlock()
					entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
				}
				if len(entries) > 0 {
					if _, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: entries}); err != nil {
						t.Errorf("delete batch: %v", err)
					}
				}
			}
		}()
	}
	var producing sync.WaitGroup
	for p := 0; p < producers; p++ {
		producing.Add(1)
		go func() {
			defer producing.Done()
			for i := 0; i < perProducer; i++ {
				body := fmt.Sprintf("%d-%d", p, i)
				after := deleted.Load()
				if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body}); err != nil {
					t.Errorf("send %s: %v", body, err)
					continue
				}
				mu.Lock()
				sent[body] = after
				mu.Unlock()
			}
		}()
	}
	// Delete underneath once some messages flowed, then let SQS accept the
	// name again so that the heartbeat restores the original.
	testutil.Eventually(t, "traffic", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) > 50 })
	if _, err := e.srv.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	deleted.Store(true)
	testutil.Eventually(t, "failover", func() bool { return c.Stats().FailedOver == 1 })
	e.clk.Advance(60 * time.Second)
	e.drive(t, "restored", time.Second, func() bool { return c.Stats().Recreated == 1 })
	producing.Wait()
	defer func() {
		if !t.Failed() {
			return
		}
		mu.Lock()
		var missing []string
		for b, after := range sent {
			if after && !got[b] {
				missing = append(missing, b)
			}
		}
		mu.Unlock()
		t.Logf("missing %d: %v; stats %+v", len(missing), missing, c.Stats())
		list, _ := e.srv.ListQueues(ctx, &sqs.ListQueuesInput{})
		for _, u := range list.QueueUrls {
			a, _ := e.srv.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &u, AttributeNames: messageCountAttributes})
			t.Logf("queue %s: %v", u, a.Attributes)
		}
		c.mu.Lock()
		for _, q := range c.queues {
			t.Logf("state: failover=%q toFailover=%v sends=%d epoch=%d handles=%d", q.fo.url, q.fo.active, q.fo.sends, q.epoch, len(q.fo.handles))
		}
		c.mu.Unlock()
	}()
	testutil.Eventually(t, "everything sent after the deletion received", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for b, after := range sent {
			if after && !got[b] {
				return false
			}
		}
		return true
	})
	stop()
	consumers.Wait()
	lostAfter := 0
	for b, after := range sent {
		if after && !got[b] {
			lostAfter++
		}
	}
	t.Logf("sent %d, %d of them after the deletion; lost of those: %d; stats %+v", len(sent), func() (n int) {
		for _, after := range sent {
			if after {
				n++
			}
		}
		return n
	}(), lostAfter, c.Stats())
}

func TestRetentionAttributeOnExistingQueue(t *testing.T) {
	e := newFakeEnv(t)
	c := New(e.srv, e.opts(t)...)
	defer c.Close(context.Background())
	ctx := context.Background()
	url := testutil.CreateQueue(t, c, pfx+"attrs", retention(42), nil)
	e.srv.ResetCallCounts()
	_, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: retention(10)})
	var bad *sqsapi.InvalidParameterError
	if !errors.As(err, &bad) || bad.Value != sqsapi.IdleQueueRetentionPeriodAttribute {
		t.Fatalf("SetQueueAttributes(retention) = %v", err)
	}
	out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{sqsapi.IdleQueueRetentionPeriodAttribute}})
	if err != nil || out.Attributes[sqsapi.IdleQueueRetentionPeriodAttribute] != "42" {
		t.Fatalf("GetQueueAttributes = %v, %v", out, err)
	}
	if calls := e.srv.CallCounts(); len(calls) != 0 {
		t.Errorf("SQS calls made: %v", calls)
	}
	// Other attributes are set, and remembered for a recreation.
	if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"VisibilityTimeout": "11"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(61 * time.Second)
	all, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if all.Attributes["VisibilityTimeout"] != "11" || all.Attributes[sqsapi.IdleQueueRetentionPeriodAttribute] != "42" || c.Stats().Recreated != 1 {
		t.Errorf("after recreation: %v, %+v", all.Attributes, c.Stats())
	}
}
