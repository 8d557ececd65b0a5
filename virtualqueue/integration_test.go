package virtualqueue

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// Integration tests: they run against the SQS endpoint named by
// SQSTEMP_SQS_ENDPOINT (scripts/test starts the fauxqs emulator) and skip
// without it.

func integrationHost(t *testing.T, attrs map[string]string, fifo bool) (*sqs.Client, string) {
	t.Helper()
	// An own transport whose idle connections are closed at the end, so
	// goleak sees no keep-alive goroutines.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	api := awsclient.ForTest(t, func(o *sqs.Options) { o.HTTPClient = &http.Client{Transport: tr} })
	name := "vq-it-" + uuid.NewString()[:8]
	if fifo {
		name += sqsapi.FIFOSuffix
		if attrs == nil {
			attrs = map[string]string{}
		}
		attrs["FifoQueue"] = "true"
	}
	host := testutil.CreateQueue(t, api, name, attrs, nil)
	t.Cleanup(func() { api.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(host)}) })
	return api, host
}

func integrationClient(t *testing.T, api sqsapi.API, optFns ...func(*Options)) *Client {
	vq := New(api, append([]func(*Options){func(o *Options) { o.Logger = testutil.Quiet }}, optFns...)...)
	t.Cleanup(func() {
		if err := vq.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return vq
}

// Must show: a message received but not deleted comes back to the same
// virtual queue after the host visibility timeout (1 s here, which the
// pollers raise to 2 s on their receives).
func TestIntegrationRedeliveryAfterVisibilityTimeout(t *testing.T) {
	api, host := integrationHost(t, map[string]string{"VisibilityTimeout": "1"}, false)
	vq := integrationClient(t, api)
	a, b := testutil.CreateQueue(t, vq, "a", hostAttr(host), nil), testutil.CreateQueue(t, vq, "b", hostAttr(host), nil)
	ctx := context.Background()
	sent, err := vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(a), MessageBody: aws.String("come back")})
	if err != nil {
		t.Fatal(err)
	}
	m1 := receiveWithin(t, vq, a, 4)
	start := time.Now()
	m2 := receiveWithin(t, vq, a, 4) // not deleted: the host redelivers it
	t.Logf("redelivered to the same virtual queue %v after the first receive (host VisibilityTimeout 1 s); receive counts %s -> %s",
		time.Since(start).Round(time.Millisecond), m1.Attributes["ApproximateReceiveCount"], m2.Attributes["ApproximateReceiveCount"])
	if *m1.MessageId != *sent.MessageId || *m2.MessageId != *sent.MessageId || *m2.ReceiptHandle == *m1.ReceiptHandle {
		t.Fatalf("first %s, second %s, sent %s", *m1.MessageId, *m2.MessageId, *sent.MessageId)
	}
	if _, err := vq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(a), ReceiptHandle: m2.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	out, err := vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(b), WaitTimeSeconds: 0})
	if err != nil || len(out.Messages) != 0 {
		t.Fatalf("b got %v %v", out, err)
	}
	if s := vq.Stats(); s.Redeliveries < 1 || s.Orphans != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestIntegrationManyQueuesNoCalls(t *testing.T) {
	api, host := integrationHost(t, nil, false)
	vq := integrationClient(t, api)
	ctx := context.Background()
	const n = 1000
	keep := testutil.CreateQueue(t, vq, "keep", hostAttr(host), nil)
	for i := range n {
		u := testutil.CreateQueue(t, vq, fmt.Sprint("q", i), hostAttr(host), nil)
		if _, err := vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
		if _, err := vq.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
	}
	calls := vq.Stats().Calls
	t.Logf("calls after %d create/receive/delete on the emulator: %v (ReceiveMessage = the poller's host long polls, GetQueueAttributes = its one read of the host)", n, calls)
	for op, c := range calls {
		if op == "ReceiveMessage" || op == "GetQueueAttributes" && c == 1 {
			continue
		}
		if c != 0 {
			t.Errorf("%s: %d calls", op, c)
		}
	}
	_ = keep
}

func TestIntegrationCloseWithWaitingReceives(t *testing.T) {
	api, host := integrationHost(t, nil, false)
	vq := New(api, func(o *Options) { o.Logger = testutil.Quiet })
	urls := make([]string, 100)
	for i := range urls {
		urls[i] = testutil.CreateQueue(t, vq, fmt.Sprint("q", i), hostAttr(host), nil)
	}
	took := closeWithWaitingReceives(t, vq, urls, func() {
		time.Sleep(100 * time.Millisecond) // let the host long poll reach the emulator
	})
	// Close cancels the host long poll instead of waiting it out: it returns
	// well inside the 20 s the poll would take (10 s leaves room for a
	// loaded machine; a waited-out poll takes 20).
	if took >= 10*time.Second {
		t.Errorf("Close with 100 waiting receives and a 20 s host long poll in flight took %v: it waited the poll out", took)
	}
}

func TestIntegrationFIFOHost(t *testing.T) {
	api, host := integrationHost(t, map[string]string{"ContentBasedDeduplication": "true"}, true)
	vq := integrationClient(t, api)
	q := testutil.CreateQueue(t, vq, "q.fifo", hostAttr(host), nil)
	ctx := context.Background()
	for i := range 3 {
		if _, err := vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String(fmt.Sprint(i)),
			MessageGroupId: aws.String("g")}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		m := receiveWithin(t, vq, q, 4)
		if *m.Body != fmt.Sprint(i) || m.Attributes["MessageGroupId"] != "g" {
			t.Fatalf("got %q group %q", *m.Body, m.Attributes["MessageGroupId"])
		}
		if _, err := vq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
}

// On the emulator, a FIFO host without ContentBasedDeduplication is read as
// such: a send without MessageDeduplicationId is refused before any send,
// one with it goes through.
func TestIntegrationFIFOHostWithoutContentDeduplication(t *testing.T) {
	api, host := integrationHost(t, nil, true)
	vq := integrationClient(t, api)
	q := testutil.CreateQueue(t, vq, "q.fifo", hostAttr(host), nil)
	ctx := context.Background()
	_, err := vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x"), MessageGroupId: aws.String("g")})
	var bad *sqsapi.InvalidParameterError
	if !errors.As(err, &bad) || bad.Param != "MessageDeduplicationId" {
		t.Fatalf("send without MessageDeduplicationId: %v, want an InvalidParameterError for it", err)
	}
	if _, err := vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x"),
		MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d")}); err != nil {
		t.Fatal(err)
	}
	if m := receiveWithin(t, vq, q, 4); aws.ToString(m.Body) != "x" || m.Attributes["MessageDeduplicationId"] != "d" {
		t.Errorf("got %q dedup %q, want x with d", aws.ToString(m.Body), m.Attributes["MessageDeduplicationId"])
	}
}

// FIFO scopes on the emulator: the same body to two virtual queues with
// content-based deduplication reaches both, and an unread group-g message on
// one queue does not hold back group g on the other; IDs come back as sent.
func TestIntegrationFIFOScopesPerQueue(t *testing.T) {
	api, host := integrationHost(t, map[string]string{"ContentBasedDeduplication": "true"}, true)
	vq := integrationClient(t, api)
	a, b := testutil.CreateQueue(t, vq, "a.fifo", hostAttr(host), nil), testutil.CreateQueue(t, vq, "b.fifo", hostAttr(host), nil)
	ctx := context.Background()
	for _, u := range []string{a, b} {
		if _, err := vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(u), MessageBody: aws.String("same"),
			MessageGroupId: aws.String("g")}); err != nil {
			t.Fatal(err)
		}
	}
	ma := receiveWithin(t, vq, a, 4) // read, not deleted: group g of a stays in flight
	mb := receiveWithin(t, vq, b, 4)
	for _, m := range []types.Message{ma, mb} {
		if *m.Body != "same" || m.Attributes["MessageGroupId"] != "g" || len(m.Attributes["MessageDeduplicationId"]) != 64 {
			t.Errorf("got %q group %q dedup %q", *m.Body, m.Attributes["MessageGroupId"], m.Attributes["MessageDeduplicationId"])
		}
	}
}

// Buffered messages are kept invisible on the emulator: a message waits in
// its buffer for several host visibility timeouts, while the host is polled
// for another queue, and is neither received again nor left behind after
// the consumer deletes it.
func TestIntegrationBufferedMessageKeptInvisible(t *testing.T) {
	api, host := integrationHost(t, map[string]string{"VisibilityTimeout": "2"}, false)
	vq := integrationClient(t, api)
	q, busy := testutil.CreateQueue(t, vq, "q", hostAttr(host), nil), testutil.CreateQueue(t, vq, "busy", hostAttr(host), nil)
	ctx := context.Background()
	if _, err := vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("waits")}); err != nil {
		t.Fatal(err)
	}
	// Receives on "busy" keep the host polled for about 8 s (4 visibility timeouts).
	for range 4 {
		if _, err := vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(busy), WaitTimeSeconds: 2}); err != nil {
			t.Fatal(err)
		}
	}
	s := vq.Stats()
	if s.Buffered != 1 || s.Duplicates != 0 || s.Extended == 0 {
		t.Fatalf("stats %+v: want the message buffered once, extended, never received again", s)
	}
	m := receiveWithin(t, vq, q, 1)
	if _, err := vq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	out, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(host),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Attributes["ApproximateNumberOfMessages"] != "0" || out.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("host after the delete: %v", out.Attributes)
	}
}
