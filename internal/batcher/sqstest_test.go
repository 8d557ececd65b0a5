package batcher

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// TestAgainstSQSTest sends concurrently through a Sender to an in-memory SQS
// whose calls take a little while (so sends overlap), receives everything,
// checks every caller's MessageId and MD5 against what arrived, deletes all
// through an Acker, and checks the queue is empty and calls were batched.
func TestAgainstSQSTest(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	url := testutil.CreateQueue(t, srv, "batcher-it", nil, nil)
	for _, op := range []string{"SendMessage", "SendMessageBatch"} {
		srv.InjectFault(op, sqstest.Fault{Delay: time.Millisecond})
	}
	s := NewSender(srv)
	const n = 60
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprint("msg-", i)
			out, err := s.SendMessage(context.Background(), &sqs.SendMessageInput{
				QueueUrl: &url, MessageBody: &body,
				MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: ptr("Number"), StringValue: ptr(fmt.Sprint(i))}},
			})
			if err != nil {
				t.Error(err)
				return
			}
			if aws(out.MD5OfMessageBody) != md5hex(body) {
				t.Errorf("%s: MD5 %s", body, aws(out.MD5OfMessageBody))
			}
			ids[i] = aws(out.MessageId)
		})
	}
	wg.Wait()
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	counts := srv.CallCounts()
	t.Logf("sender: %+v; server calls %v", s.Stats(), counts)
	if counts["SendMessage"]+counts["SendMessageBatch"] >= n {
		t.Errorf("no coalescing: %v", counts)
	}

	a := NewAcker(srv)
	got := 0
	for got < n {
		out, err := srv.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			t.Fatalf("received %d of %d", got, n)
		}
		for _, m := range out.Messages {
			var i int
			fmt.Sscan(aws(m.MessageAttributes["n"].StringValue), &i)
			if want := fmt.Sprint("msg-", i); aws(m.Body) != want || aws(m.MessageId) != ids[i] {
				t.Errorf("message %s/%s, caller %d was told %s", aws(m.Body), aws(m.MessageId), i, ids[i])
			}
			a.Delete(url, aws(m.ReceiptHandle))
			got++
		}
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := a.Stats(); st.Succeeded != n || st.Calls["DeleteMessageBatch"] != n/10 {
		t.Errorf("acker: %+v", st)
	}
	assertEmpty(t, srv, url)
}

// assertEmpty fails the test unless the queue at url holds no message,
// visible or in flight.
func assertEmpty(t *testing.T, api sqsapi.API, url string) {
	t.Helper()
	attrs, err := api.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range attrs.Attributes {
		if v != "0" {
			t.Errorf("%s = %s after deleting everything", k, v)
		}
	}
}

// BenchmarkSender reports SQS calls saved: messages per call when C
// goroutines send as fast as they can to one queue, with calls taking
// 0 or 1 ms.
func BenchmarkSender(b *testing.B) {
	for _, rtt := range []time.Duration{0, time.Millisecond} {
		for _, c := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("rtt=%v/c=%d", rtt, c), func(b *testing.B) {
				srv := sqstest.New()
				defer srv.Close()
				url := testutil.CreateQueue(b, srv, "bench", nil, nil)
				if rtt > 0 {
					for _, op := range []string{"SendMessage", "SendMessageBatch"} {
						srv.InjectFault(op, sqstest.Fault{Delay: rtt})
					}
				}
				benchSends(b, srv, url, c)
			})
		}
	}
}

// benchSends sends b.N messages to url through a Sender over api from c
// goroutines at once, timed, and reports the messages per call and the
// mean batch size.
func benchSends(b *testing.B, api sqsapi.API, url string, c int) {
	s := NewSender(api)
	body := "x"
	b.ResetTimer()
	var wg sync.WaitGroup
	for g := range c {
		wg.Go(func() {
			for i := g; i < b.N; i += c {
				if _, err := s.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	_ = s.Close(context.Background())
	st := s.Stats()
	b.ReportMetric(st.MessagesPerCall, "msgs/call")
	b.ReportMetric(st.MeanBatchSize, "msgs/batch")
}

// BenchmarkAcker reports deletes per DeleteMessageBatch call when C
// goroutines delete as fast as they can.
func BenchmarkAcker(b *testing.B) {
	for _, c := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			srv := sqstest.New()
			defer srv.Close()
			url := testutil.CreateQueue(b, srv, "bench", nil, nil)
			a := NewAcker(srv)
			b.ResetTimer()
			var wg sync.WaitGroup
			for g := range c {
				wg.Go(func() {
					for i := g; i < b.N; i += c {
						a.Delete(url, fmt.Sprint("h", i)) // unknown handles: counted as stale, still one entry each
					}
				})
			}
			wg.Wait()
			_ = a.Close(context.Background())
			b.StopTimer()
			st := a.Stats()
			b.ReportMetric(st.MeanBatchSize, "entries/call")
		})
	}
}
