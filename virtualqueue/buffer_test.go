package virtualqueue

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

func hostCounts(t testing.TB, api sqsapi.API, url string) (visible, inFlight string) {
	t.Helper()
	out, err := api.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes["ApproximateNumberOfMessages"], out.Attributes["ApproximateNumberOfMessagesNotVisible"]
}

// Issue 11 item 6: a message that waits in a buffer for many host
// visibility timeouts, on a host with a RedrivePolicy, while the host is
// polled all along (a receive waits on another virtual queue), stays
// invisible and is not received again: it is not moved to the dead-letter
// queue, and the consumer's delete deletes it.
func TestBufferedMessageStaysOffDeadLetterQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		srv := sqstest.New()
		defer srv.Close()
		dlq := testutil.CreateQueue(t, srv, "dlq", nil, nil)
		arn, err := srv.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(dlq), AttributeNames: []types.QueueAttributeName{"QueueArn"}})
		if err != nil {
			t.Fatal(err)
		}
		host := testutil.CreateQueue(t, srv, "host", map[string]string{"VisibilityTimeout": "10",
			"RedrivePolicy": `{"deadLetterTargetArn":"` + arn.Attributes["QueueArn"] + `","maxReceiveCount":"2"}`}, nil)
		vq := New(srv, func(o *Options) { o.Logger = testutil.Quiet })
		defer vq.Close(ctx)
		q, busy := createOn(t, vq, host, "q"), createOn(t, vq, host, "busy")
		// A consumer long-polls "busy" for two minutes: the host is polled throughout.
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range 6 {
				receiveFrom(t, vq, busy, 1, 20)
			}
		}()
		sendTo(t, vq, q, "waits")
		time.Sleep(2 * time.Minute) // 12 host visibility timeouts
		<-done
		msgs := receiveFrom(t, vq, q, 1, 0)
		if len(msgs) != 1 {
			t.Fatalf("received %d, want the buffered message", len(msgs))
		}
		deleteFrom(t, vq, q, msgs[0])
		if v, f := hostCounts(t, srv, dlq); v != "0" || f != "0" {
			t.Errorf("dead-letter queue holds %s visible and %s in-flight messages, want none (stats %+v)", v, f, vq.Stats())
		}
		if v, f := hostCounts(t, srv, host); v != "0" || f != "0" {
			t.Errorf("after the consumer's delete the host holds %s visible and %s in-flight messages, want none", v, f)
		}
	})
}

// Issue 11 item 5: MD5OfMessageAttributes of a received message is that of
// the attributes returned, after the receive's filter (none: no digest).
func TestMD5OfFilteredAttributes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		e := newHostEnv(t, "host", nil, nil, nil)
		vq := e.vq
		q := createOn(t, vq, e.host, "q")
		str := func(s string) types.MessageAttributeValue {
			return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(s)}
		}
		sent := map[string]types.MessageAttributeValue{"keep": str("1"), "drop": str("2")}
		for i, filter := range [][]string{{"keep"}, nil, {"All"}} {
			if _, err := vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String(strconv.Itoa(i)), MessageAttributes: sent}); err != nil {
				t.Fatal(err)
			}
			out, err := vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), WaitTimeSeconds: 20, MessageAttributeNames: filter})
			if err != nil || len(out.Messages) != 1 {
				t.Fatalf("filter %v: %v %v", filter, out, err)
			}
			m := out.Messages[0]
			want := sqsapi.MD5OfMessageAttributes(m.MessageAttributes)
			if got := aws.ToString(m.MD5OfMessageAttributes); got != want {
				t.Errorf("filter %v: returned %d attributes with MD5OfMessageAttributes %q, want %q", filter, len(m.MessageAttributes), got, want)
			}
			if len(m.MessageAttributes) == 0 && m.MD5OfMessageAttributes != nil {
				t.Errorf("filter %v: no attributes returned but MD5OfMessageAttributes %q", filter, *m.MD5OfMessageAttributes)
			}
			deleteFrom(t, vq, q, m)
		}
	})
}

// Issue 11 item 7: GetQueueAttributes on a virtual queue reports its own
// ReceiveMessageWaitTimeSeconds and IdleQueueRetentionPeriodSeconds, not
// the host's.
func TestGetQueueAttributesReportsVirtualQueuesOwn(t *testing.T) {
	ctx := context.Background()
	e := newHostEnv(t, "host", map[string]string{"ReceiveMessageWaitTimeSeconds": "20", "VisibilityTimeout": "45"}, nil, nil)
	vq := e.vq
	q := createOn(t, vq, e.host, "q")
	out, err := vq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q), AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Attributes["ReceiveMessageWaitTimeSeconds"]; got != "0" {
		t.Errorf("ReceiveMessageWaitTimeSeconds %q, want the virtual queue's 0 (the host's is 20)", got)
	}
	if got, ok := out.Attributes[sqsapi.IdleQueueRetentionPeriodAttribute]; ok {
		t.Errorf("IdleQueueRetentionPeriodSeconds %q reported for a queue created without one", got)
	}
	if out.Attributes["VisibilityTimeout"] != "45" {
		t.Errorf("VisibilityTimeout %q, want the host's 45", out.Attributes["VisibilityTimeout"])
	}
}

// keepPolled keeps a receive waiting on url for d, so that its host stays
// polled; the returned channel is closed when it stops, d (rounded up to
// whole seconds) after the call. A failed receive is reported with t.Error.
func keepPolled(t *testing.T, vq *Client, url string, d time.Duration) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for end := time.Now().Add(d); time.Now().Before(end); {
			wait := min(20, int32((time.Until(end)+time.Second-1)/time.Second)) // at least 1: no busy loop
			_, err := vq.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: wait})
			if err != nil {
				t.Errorf("ReceiveMessage from %s: %v", url, err)
				return
			}
		}
	}()
	return done
}

// When extending a buffered message's visibility fails, the host delivers
// it again; the buffer keeps one copy, with the newest receipt handle, so
// the consumer's delete deletes it.
func TestDuplicateKeepsNewestHandle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newHostEnv(t, "host", map[string]string{"VisibilityTimeout": "10"}, nil, nil)
		srv, host, vq := e.srv, e.host, e.vq
		srv.InjectFault("ChangeMessageVisibilityBatch", sqstest.Fault{Err: &smithy.GenericAPIError{Code: "InternalError", Fault: smithy.FaultServer}})
		q, busy := createOn(t, vq, host, "q"), createOn(t, vq, host, "busy")
		done := keepPolled(t, vq, busy, 25*time.Second)
		sendTo(t, vq, q, "x")
		<-done // 25 s: delivered at 0, again at about 10 and 20
		if s := vq.Stats(); s.Duplicates == 0 || s.Buffered != 1 {
			t.Fatalf("after 2.5 host visibility timeouts with extensions failing: stats %+v, want duplicates and 1 buffered", s)
		}
		srv.ClearFaults()
		msgs := receiveFrom(t, vq, q, 10, 0)
		if len(msgs) != 1 {
			t.Fatalf("received %d copies, want 1", len(msgs))
		}
		deleteFrom(t, vq, q, msgs[0]) // with a stale handle this would delete nothing
		if v, f := hostCounts(t, srv, host); v != "0" || f != "0" {
			t.Errorf("after the delete the host holds %s visible and %s in-flight messages, want none", v, f)
		}
	})
}

// A buffered copy whose extension the host refuses (the message is gone:
// here the host was purged) is dropped, not delivered.
func TestStaleBufferedCopyDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		e := newHostEnv(t, "host", map[string]string{"VisibilityTimeout": "10"}, nil, nil)
		srv, host, vq := e.srv, e.host, e.vq
		q := createOn(t, vq, host, "q")
		receiveFrom(t, vq, q, 1, 0)
		sendTo(t, vq, q, "purged")
		synctest.Wait()
		if _, err := srv.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(host)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(6 * time.Second) // the extension is due after half the visibility timeout
		if s := vq.Stats(); s.Stale != 1 || s.Buffered != 0 {
			t.Fatalf("stats %+v, want the stale copy dropped", s)
		}
		if msgs := receiveFrom(t, vq, q, 10, 0); len(msgs) != 0 {
			t.Fatalf("a message purged from the host was delivered: %q", aws.ToString(msgs[0].Body))
		}
	})
}

// Issue 11 item 9: past MaxBufferedBytes, messages stay on the host and the
// pollers stop receiving (no host receive while it is used up) until a
// consumer takes some; nothing is lost. A message bigger than the budget
// still gets through empty buffers.
func TestByteBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var api *countingAPI
		e := newHostEnv(t, "host", map[string]string{"VisibilityTimeout": "30"}, func(o *Options) { o.MaxBufferedBytes = 1000 },
			func(srv *sqstest.Server) sqsapi.API { api = &countingAPI{Server: srv}; return api })
		vq := e.vq
		q := createOn(t, vq, e.host, "q")
		body := func(i int) string { return strconv.Itoa(i) + strings.Repeat("b", 399) }
		for i := range 5 {
			sendTo(t, vq, q, body(i))
		}
		receiveFrom(t, vq, q, 1, 0) // the host is polled
		synctest.Wait()
		per := messageSize(types.Message{Body: aws.String(body(0)), MessageAttributes: map[string]types.MessageAttributeValue{
			sqsapi.VirtualQueueNameAttribute: {DataType: aws.String("String"), StringValue: aws.String("q")}}})
		s := vq.Stats()
		if s.Buffered != 2 || s.BufferedBytes != 2*per || s.BudgetPauses != 1 || s.Overflows == 0 || s.Pollers != 0 {
			t.Fatalf("stats %+v; want 2 messages (%d bytes) buffered, the pollers paused", s, 2*per)
		}
		polls := api.receives()
		time.Sleep(10 * time.Minute)
		if n := api.receives() - polls; n != 0 {
			t.Errorf("%d host receives while the byte budget was used up, want none", n)
		}
		// A message that did not fit is in flight on the host, which
		// delivers it again after its 30 s visibility timeout.
		got := map[string]bool{}
		for empty := 0; len(got) < 5; {
			msgs := receiveFrom(t, vq, q, 10, 20)
			if len(msgs) == 0 {
				empty++
				if empty > 2 {
					t.Fatalf("received %d of 5 messages, then nothing for a minute (stats %+v)", len(got), vq.Stats())
				}
				continue
			}
			empty = 0
			for _, m := range msgs {
				got[aws.ToString(m.Body)] = true
				deleteFrom(t, vq, q, m)
			}
		}
		if s := vq.Stats(); s.BufferedBytes != 0 || s.Buffered != 0 {
			t.Errorf("stats %+v after everything was received", s)
		}
		big := strings.Repeat("B", 5000)
		sendTo(t, vq, q, big)
		if msgs := receiveFrom(t, vq, q, 1, 20); len(msgs) != 1 || aws.ToString(msgs[0].Body) != big {
			t.Fatalf("a message over the whole budget was not delivered through empty buffers")
		}
	})
}

// Issue 11 item 6: plain virtualqueue warns about a host whose redrive
// policy it cannot fully honour, when its pollers first read the host.
func TestRedrivePolicyWarning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		srv := sqstest.New()
		defer srv.Close()
		testutil.CreateQueue(t, srv, "dlq", nil, nil)
		host := testutil.CreateQueue(t, srv, "host", map[string]string{
			"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"5"}`}, nil)
		var logs strings.Builder
		var mu sync.Mutex
		vq := New(srv, func(o *Options) {
			o.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
		})
		defer vq.Close(ctx)
		receiveFrom(t, vq, createOn(t, vq, host, "q"), 1, 0)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "RedrivePolicy") {
			t.Errorf("no warning about the host's RedrivePolicy; logs:\n%s", logs.String())
		}
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
