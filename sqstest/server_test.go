package sqstest_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

func TestMain(m *testing.M) { testutil.VerifyTestMain(m) }

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newFake(t *testing.T) (*sqstest.Server, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(t0)
	s := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
	t.Cleanup(s.Close)
	return s, clk
}

func mustSend(t *testing.T, s *sqstest.Server, url, body string) {
	t.Helper()
	if _, err := s.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
}

func receive(t *testing.T, s *sqstest.Server, in *sqs.ReceiveMessageInput) []types.Message {
	t.Helper()
	out, err := s.ReceiveMessage(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out.Messages
}

func TestOptions(t *testing.T) {
	s := sqstest.New(func(o *sqstest.Options) { o.Region = "eu-west-1"; o.AccountID = "123456789012" })
	defer s.Close()
	url := testutil.CreateQueue(t, s, "q", nil, nil)
	if want := "https://sqs.eu-west-1.amazonaws.com/123456789012/q"; url != want {
		t.Errorf("url = %s, want %s", url, want)
	}
	out, err := s.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sqs:eu-west-1:123456789012:q"; out.Attributes["QueueArn"] != want {
		t.Errorf("QueueArn = %s, want %s", out.Attributes["QueueArn"], want)
	}
	// Another account's URL names no queue here.
	_, err = s.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String("https://sqs.eu-west-1.amazonaws.com/000000000000/q"), MessageBody: aws.String("x")})
	if !sqsapi.IsQueueDoesNotExist(err) {
		t.Errorf("other account: %v", err)
	}
	s2 := sqstest.New(func(o *sqstest.Options) { o.Host = "localhost:9324" })
	defer s2.Close()
	if url := testutil.CreateQueue(t, s2, "q", nil, nil); url != "https://localhost:9324/000000000000/q" {
		t.Errorf("url with Host = %s", url)
	}
}

func TestCallCounts(t *testing.T) {
	s, _ := newFake(t)
	ctx := context.Background()
	url := testutil.CreateQueue(t, s, "q", nil, nil)
	mustSend(t, s, url, "a")
	_, err := s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url + "-missing"), MessageBody: aws.String("b")})
	if !sqsapi.IsQueueDoesNotExist(err) {
		t.Fatalf("send to missing queue: %v", err)
	}
	_, err = s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url)}) // no body: refused before "sending"
	var invalid smithy.InvalidParamsError
	if !errors.As(err, &invalid) {
		t.Fatalf("send without body: %v, want smithy.InvalidParamsError", err)
	}
	got := s.CallCounts()
	if got["CreateQueue"] != 1 || got["SendMessage"] != 3 || len(got) != 2 {
		t.Errorf("CallCounts = %v, want CreateQueue 1, SendMessage 3 (failed calls count)", got)
	}
	got["SendMessage"] = 100 // a copy
	s.ResetCallCounts()
	if got := s.CallCounts(); len(got) != 0 {
		t.Errorf("after reset: %v", got)
	}
}

func TestInjectFault(t *testing.T) {
	s, clk := newFake(t)
	ctx := context.Background()
	url := testutil.CreateQueue(t, s, "q", nil, nil)
	boom := errors.New("boom")

	s.InjectFault("SendMessage", sqstest.Fault{Err: boom, Times: 2})
	for i := range 3 {
		_, err := s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x")})
		if i < 2 && !errors.Is(err, boom) {
			t.Errorf("call %d: %v, want boom", i, err)
		}
		if i == 2 && err != nil {
			t.Errorf("call %d after the fault ran out: %v", i, err)
		}
	}

	// Match limits the fault to some inputs; a throttling error classifies.
	throttle := &smithy.GenericAPIError{Code: "RequestThrottled", Message: "slow down"}
	s.InjectFault("SendMessage", sqstest.Fault{Err: throttle, Match: func(in any) bool {
		return aws.ToString(in.(*sqs.SendMessageInput).MessageBody) == "throttle me"
	}})
	_, err := s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("throttle me")})
	if !sqsapi.IsThrottled(err) {
		t.Errorf("matching call: %v, want throttled", err)
	}
	if _, err := s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("fine")}); err != nil {
		t.Errorf("non-matching call: %v", err)
	}
	s.ClearFaults()
	if _, err := s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("throttle me")}); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}

	// A delay runs on the server's clock, then the call proceeds.
	s.InjectFault("GetQueueUrl", sqstest.Fault{Delay: time.Minute, Times: 1})
	done := make(chan error, 1)
	go func() {
		_, err := s.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("q")})
		done <- err
	}()
	clk.BlockUntil(1)
	clk.Advance(time.Minute)
	if err := <-done; err != nil {
		t.Errorf("delayed call: %v", err)
	}

	// A delayed call honours ctx.
	s.InjectFault("GetQueueUrl", sqstest.Fault{Delay: time.Hour, Times: 1})
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		_, err := s.GetQueueUrl(cctx, &sqs.GetQueueUrlInput{QueueName: aws.String("q")})
		done <- err
	}()
	clk.BlockUntil(1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled delayed call: %v", err)
	}
}

// longPolls starts n receives (WaitTimeSeconds 20) on url and returns once
// all of them wait on clk; each one's outcome arrives on the channel.
func longPolls(t *testing.T, s *sqstest.Server, clk *clock.Fake, url string, n int) <-chan polled {
	t.Helper()
	results := make(chan polled, n)
	for range n {
		go func() {
			out, err := s.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
			results <- polled{out, err}
		}()
	}
	clk.BlockUntil(n)
	return results
}

// polled is the outcome of one of longPolls' receives.
type polled struct {
	out *sqs.ReceiveMessageOutput
	err error
}

func TestCloseWakesLongPolls(t *testing.T) {
	s, clk := newFake(t)
	url := testutil.CreateQueue(t, s, "q", nil, nil)
	const n = 5
	results := longPolls(t, s, clk, url, n)
	s.Close()
	s.Close() // idempotent
	for range n {
		if err := (<-results).err; !errors.Is(err, sqstest.ErrClosed) || !errors.Is(err, context.Canceled) {
			t.Errorf("long poll after Close: %v", err)
		}
	}
	_, err := s.ListQueues(context.Background(), &sqs.ListQueuesInput{})
	if !errors.Is(err, sqstest.ErrClosed) {
		t.Errorf("call after Close: %v", err)
	}
	if clk.Waiters() != 0 {
		t.Errorf("%d timers left after Close", clk.Waiters())
	}
}

func TestDeleteQueueWakesLongPoll(t *testing.T) {
	s, clk := newFake(t)
	url := testutil.CreateQueue(t, s, "q", nil, nil)
	results := longPolls(t, s, clk, url, 1)
	if _, err := s.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}); err != nil {
		t.Fatal(err)
	}
	err := (<-results).err
	var qdne *types.QueueDoesNotExist
	if !errors.As(err, &qdne) || !sqsapi.IsQueueDoesNotExist(err) {
		t.Errorf("long poll on deleted queue: %v", err)
	}
}

func TestConcurrentLongPollsEachGetOneMessage(t *testing.T) {
	s, clk := newFake(t)
	url := testutil.CreateQueue(t, s, "q", nil, nil)
	const n = 8
	results := longPolls(t, s, clk, url, n)
	for i := range n {
		mustSend(t, s, url, strconv.Itoa(i))
	}
	seen := map[string]bool{}
	for range n {
		r := <-results
		if r.err != nil || len(r.out.Messages) != 1 {
			t.Errorf("receive: %v %v", r.out, r.err)
			continue
		}
		b := *r.out.Messages[0].Body
		if seen[b] {
			t.Errorf("message %s delivered twice", b)
		}
		seen[b] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages delivered, want %d", len(seen), n)
	}
}

func TestStaleHandleDoesNotDelete(t *testing.T) {
	s, clk := newFake(t)
	ctx := context.Background()
	url := testutil.CreateQueue(t, s, "q", nil, nil)
	mustSend(t, s, url, "x")
	first := receive(t, s, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 10})[0]
	clk.Advance(10 * time.Second)
	second := receive(t, s, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 10})[0]
	if _, err := s.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: first.ReceiptHandle}); err != nil {
		t.Fatalf("stale handle: %v", err)
	}
	clk.Advance(10 * time.Second)
	if got := receive(t, s, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}); len(got) != 1 {
		t.Fatalf("a delete with a stale handle deleted the message")
	}
	_ = second
	// ChangeMessageVisibility with a stale handle fails like SQS.
	_, err := s.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: second.ReceiptHandle, VisibilityTimeout: 5})
	if !sqsapi.IsInvalidParameter(err) {
		t.Errorf("ChangeMessageVisibility with stale handle: %v", err)
	}
	// A handle for another queue is invalid.
	other := testutil.CreateQueue(t, s, "other", nil, nil)
	_, err = s.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(other), ReceiptHandle: first.ReceiptHandle})
	var rhi *types.ReceiptHandleIsInvalid
	if !errors.As(err, &rhi) {
		t.Errorf("handle of another queue: %v", err)
	}
}

func TestFIFOExpiredHandleRefused(t *testing.T) {
	s, clk := newFake(t)
	ctx := context.Background()
	url := testutil.CreateQueue(t, s, "q.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}, nil)
	if _, err := s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), MessageGroupId: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	m := receive(t, s, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 5})[0]
	clk.Advance(5 * time.Second)
	_, err := s.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
	if !sqsapi.IsInvalidParameter(err) {
		t.Errorf("FIFO delete with expired handle: %v", err)
	}
	again := receive(t, s, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	if len(again) != 1 || again[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("FIFO redelivery: %+v", again)
	}
}

func TestRetention(t *testing.T) {
	s, clk := newFake(t)
	url := testutil.CreateQueue(t, s, "q", map[string]string{"MessageRetentionPeriod": "60"}, nil)
	mustSend(t, s, url, "old")
	clk.Advance(30 * time.Second)
	mustSend(t, s, url, "new")
	clk.Advance(30 * time.Second)
	got := receive(t, s, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if len(got) != 1 || *got[0].Body != "new" {
		t.Errorf("after retention: %v", got)
	}
}

func TestRedriveFIFO(t *testing.T) {
	s, _ := newFake(t)
	ctx := context.Background()
	fifo := map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}
	dlq := testutil.CreateQueue(t, s, "dlq.fifo", fifo, nil)
	src := testutil.CreateQueue(t, s, "src.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true",
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq.fifo","maxReceiveCount":1}`}, nil)
	for _, b := range []string{"poison", "next"} {
		if _, err := s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(src), MessageBody: aws.String(b), MessageGroupId: aws.String("g")}); err != nil {
			t.Fatal(err)
		}
	}
	m := receive(t, s, &sqs.ReceiveMessageInput{QueueUrl: aws.String(src), MaxNumberOfMessages: 1})[0]
	if _, err := s.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(src), ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	got := receive(t, s, &sqs.ReceiveMessageInput{QueueUrl: aws.String(src), MaxNumberOfMessages: 1})
	if len(got) != 1 || *got[0].Body != "next" {
		t.Fatalf("after redrive the group should continue with next: %v", got)
	}
	moved := receive(t, s, &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlq), MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	if len(moved) != 1 || *moved[0].Body != "poison" || moved[0].Attributes["DeadLetterQueueSourceArn"] == "" {
		t.Fatalf("dead-letter queue: %+v", moved)
	}
}

func TestReceiveManyInFlight(t *testing.T) {
	// A receive must not scan the in-flight messages: with 100,000 messages
	// all received (in flight), receives of the remaining stay cheap. The
	// test asserts outcomes only; a quadratic implementation would time out.
	if testing.Short() {
		t.Skip("large queue")
	}
	s, _ := newFake(t)
	ctx := context.Background()
	url := testutil.CreateQueue(t, s, "big", nil, nil)
	n := 100_000
	if raceEnabled {
		n = 20_000 // the race detector makes every call ~10x slower
	}
	for i := 0; i < n; i += 10 {
		var entries []types.SendMessageBatchRequestEntry
		for j := range 10 {
			entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(j)), MessageBody: aws.String("m")})
		}
		if _, err := s.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries}); err != nil {
			t.Fatal(err)
		}
	}
	seen := 0
	for {
		got := receive(t, s, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 3600})
		if len(got) == 0 {
			break
		}
		seen += len(got)
	}
	if seen != n {
		t.Errorf("received %d, want %d", seen, n)
	}
	out, err := s.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Attributes["ApproximateNumberOfMessagesNotVisible"] != strconv.Itoa(n) || out.Attributes["ApproximateNumberOfMessages"] != "0" {
		t.Errorf("counts: %v", out.Attributes)
	}
}

func TestInputNotRetained(t *testing.T) {
	s, _ := newFake(t)
	url := testutil.CreateQueue(t, s, "q", nil, nil)
	val := "before"
	bin := []byte{1, 2}
	_, err := s.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"s": {DataType: aws.String("String"), StringValue: &val},
			"b": {DataType: aws.String("Binary"), BinaryValue: bin}}})
	if err != nil {
		t.Fatal(err)
	}
	val, bin[0] = "after", 9
	m := receive(t, s, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageAttributeNames: []string{"All"}})[0]
	if *m.MessageAttributes["s"].StringValue != "before" || m.MessageAttributes["b"].BinaryValue[0] != 1 {
		t.Errorf("server kept the caller's memory: %+v", m.MessageAttributes)
	}
}

func BenchmarkSendReceiveDelete(b *testing.B) {
	s := sqstest.New()
	defer s.Close()
	ctx := context.Background()
	out, _ := s.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
	for b.Loop() {
		_, _ = s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageBody: aws.String("x")})
		r, _ := s.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: out.QueueUrl})
		_, _ = s.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: out.QueueUrl, ReceiptHandle: r.Messages[0].ReceiptHandle})
	}
}

func TestInjectFaultUnknownOperation(t *testing.T) {
	s := sqstest.New()
	defer s.Close()
	defer func() {
		if recover() == nil {
			t.Error("InjectFault with a misspelt operation did not panic")
		}
	}()
	s.InjectFault("SendMesage", sqstest.Fault{Err: errors.New("x")})
}

func TestOperationsAllCounted(t *testing.T) {
	// Every operation in Operations is counted under its name (here all fail
	// on a missing queue or missing input, and still count).
	s := sqstest.New()
	defer s.Close()
	ctx := context.Background()
	u := aws.String("https://sqs.us-east-1.amazonaws.com/000000000000/missing")
	s.CreateQueue(ctx, &sqs.CreateQueueInput{})
	s.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: u})
	s.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{})
	s.ListQueues(ctx, nil)
	s.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: u})
	s.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: u})
	s.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: u})
	s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: u})
	s.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: u})
	s.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: u})
	s.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: u})
	s.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: u})
	s.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: u})
	s.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: u})
	s.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: u})
	s.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: u})
	s.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: u})
	counts := s.CallCounts()
	for _, op := range sqstest.Operations {
		if counts[op] != 1 {
			t.Errorf("%s counted %d times, want 1", op, counts[op])
		}
	}
	if len(counts) != len(sqstest.Operations) {
		t.Errorf("counts %v", counts)
	}
}
