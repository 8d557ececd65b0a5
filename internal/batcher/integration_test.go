package batcher

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// Integration tests: they run against the SQS endpoint named by
// SQSTEMP_SQS_ENDPOINT (scripts/test starts the fauxqs emulator) and skip
// without it.

// countingAPI records the outcome of every call, by operation.
type countingAPI struct {
	sqsapi.API
	mu     sync.Mutex
	calls  map[string]int
	errors map[string][]error
}

func (c *countingAPI) note(op string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op]++
	if err != nil {
		c.errors[op] = append(c.errors[op], err)
	}
}

func (c *countingAPI) SendMessage(ctx context.Context, in *sqs.SendMessageInput, o ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	out, err := c.API.SendMessage(ctx, in, o...)
	c.note(opSendMessage, err)
	return out, err
}

func (c *countingAPI) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, o ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	out, err := c.API.SendMessageBatch(ctx, in, o...)
	c.note(opSendMessageBatch, err)
	return out, err
}

func integrationQueue(t *testing.T) (*countingAPI, string) {
	t.Helper()
	// An own transport whose idle connections are closed at the end, so
	// goleak sees no keep-alive goroutines.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	client := awsclient.ForTest(t, func(o *sqs.Options) { o.HTTPClient = &http.Client{Transport: tr} })
	name := "batcher-it-" + uuid.NewString()[:8]
	out, err := client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: &name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl}) })
	return &countingAPI{API: client, calls: map[string]int{}, errors: map[string][]error{}}, *out.QueueUrl
}

func receiveAll(t *testing.T, api sqsapi.API, url string, n int) []types.Message {
	t.Helper()
	var msgs []types.Message
	for len(msgs) < n {
		out, err := api.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			t.Fatalf("received %d of %d messages", len(msgs), n)
		}
		msgs = append(msgs, out.Messages...)
	}
	return msgs
}

// Concurrent sends through a real SDK client: every caller's MessageId and
// MD5 digests match the message that arrives; then everything is deleted
// through an Acker; requests with invalid receipt handles are not reported
// as failures.
func TestIntegrationSendAndAck(t *testing.T) {
	api, url := integrationQueue(t)
	s := NewSender(api)
	const n = 40
	type sent struct{ id, md5Body, md5Attrs string }
	results := make([]sent, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			out, err := s.SendMessage(context.Background(), &sqs.SendMessageInput{
				QueueUrl: &url, MessageBody: ptr(fmt.Sprint("body-", i)),
				MessageAttributes: map[string]types.MessageAttributeValue{
					"n":   {DataType: ptr("Number"), StringValue: ptr(fmt.Sprint(i))},
					"bin": {DataType: ptr("Binary"), BinaryValue: []byte{byte(i)}},
				},
			})
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = sent{aws(out.MessageId), aws(out.MD5OfMessageBody), aws(out.MD5OfMessageAttributes)}
		})
	}
	wg.Wait()
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(api.errors) > 0 {
		t.Fatalf("call errors: %v", api.errors)
	}
	if api.calls[opSendMessage]+api.calls[opSendMessageBatch] >= n {
		t.Errorf("no coalescing: %v", api.calls)
	}
	t.Logf("%d messages in %v", n, api.calls)

	msgs := receiveAll(t, api, url, n)
	a := NewAcker(api)
	for _, m := range msgs {
		var i int
		fmt.Sscan(aws(m.MessageAttributes["n"].StringValue), &i)
		r := results[i]
		if aws(m.Body) != fmt.Sprint("body-", i) || aws(m.MessageId) != r.id || aws(m.MD5OfBody) != r.md5Body || aws(m.MD5OfMessageAttributes) != r.md5Attrs {
			t.Errorf("received %s %s %s %s; caller %d was told %+v", aws(m.Body), aws(m.MessageId), aws(m.MD5OfBody), aws(m.MD5OfMessageAttributes), i, r)
		}
		a.Delete(url, aws(m.ReceiptHandle))
	}
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := a.Stats(); st.Succeeded != n || st.Calls[opDeleteMessageBatch] != n/10 {
		t.Errorf("acker after deletes: %+v", st)
	}
	a.Delete(url, "not-a-receipt-handle")
	a.ChangeVisibility(url, "not-a-receipt-handle-either", 0)
	if err := a.Close(context.Background()); err != nil {
		t.Fatalf("Close = %v", err)
	}
	// SQS refuses garbage handles as ReceiptHandleIsInvalid (stale); fauxqs
	// accepts them (internal/conformance/DEVIATIONS.md). Either way, they
	// are not failures.
	if st := a.Stats(); st.Failed != 0 || st.Stale+st.Succeeded != n+2 {
		t.Errorf("acker after stale requests: %+v", st)
	}
	assertEmpty(t, api, url)
}

// Large messages are batched within the 256 KiB payload limit, so the
// server never refuses a batch as too long.
func TestIntegrationLargeMessages(t *testing.T) {
	api, url := integrationQueue(t)
	s := NewSender(api)
	defer s.Close(context.Background())
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprint(i, strings.Repeat("x", 90*1024))
			_, err := s.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body,
				MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: ptr("String"), StringValue: ptr(strings.Repeat("y", 1000))}}})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(api.errors) > 0 {
		t.Fatalf("call errors: %v", api.errors)
	}
	t.Logf("%d messages in %v", n, api.calls)
	receiveAll(t, api, url, n)
}

// BenchmarkSenderEmulator is BenchmarkSender against the SQS endpoint named
// by SQSTEMP_SQS_ENDPOINT (skipped without it).
func BenchmarkSenderEmulator(b *testing.B) {
	for _, c := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.MaxIdleConnsPerHost = 100
			defer tr.CloseIdleConnections()
			client := awsclient.ForTest(b, func(o *sqs.Options) { o.HTTPClient = &http.Client{Transport: tr} })
			name := "batcher-bench-" + uuid.NewString()[:8]
			q, err := client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: &name})
			if err != nil {
				b.Fatal(err)
			}
			defer client.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl})
			benchSends(b, client, *q.QueueUrl, c)
		})
	}
}

// TestIntegrationFIFO: every caller gets its own SequenceNumber, and one
// caller's sends, made one after the other, arrive in order.
func TestIntegrationFIFO(t *testing.T) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	client := awsclient.ForTest(t, func(o *sqs.Options) { o.HTTPClient = &http.Client{Transport: tr} })
	name := "batcher-it-" + uuid.NewString()[:8] + ".fifo"
	q, err := client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: &name,
		Attributes: map[string]string{"FifoQueue": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl}) })
	s := NewSender(client)
	defer s.Close(context.Background())
	const callers, each = 8, 5
	seqs := make(map[string]bool)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for i := range each {
				out, err := s.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: q.QueueUrl,
					MessageBody: ptr(fmt.Sprintf("%d-%d", c, i)), MessageGroupId: ptr(fmt.Sprint("g", c)),
					MessageDeduplicationId: ptr(fmt.Sprintf("d%d-%d", c, i))})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seqs[aws(out.SequenceNumber)] || aws(out.SequenceNumber) == "" {
					t.Errorf("sequence number %q repeated or empty", aws(out.SequenceNumber))
				}
				seqs[aws(out.SequenceNumber)] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("sender: %+v", s.Stats())
	next := make([]int, callers)
	for got := 0; got < callers*each; {
		out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			t.Fatalf("received %d of %d", got, callers*each)
		}
		var entries []types.DeleteMessageBatchRequestEntry
		for j, m := range out.Messages {
			var c, i int
			fmt.Sscanf(aws(m.Body), "%d-%d", &c, &i)
			if i != next[c] {
				t.Errorf("caller %d: got message %d, want %d", c, i, next[c])
			}
			next[c] = i + 1
			entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: ptr(fmt.Sprint(j)), ReceiptHandle: m.ReceiptHandle})
		}
		if _, err := client.DeleteMessageBatch(context.Background(), &sqs.DeleteMessageBatchInput{QueueUrl: q.QueueUrl, Entries: entries}); err != nil {
			t.Fatal(err)
		}
		got += len(out.Messages)
	}
}
