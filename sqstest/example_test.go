package sqstest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

func Example() {
	ctx := context.Background()
	srv := sqstest.New()
	defer srv.Close()

	var api sqsapi.API = srv // wherever a *sqs.Client would go
	q, _ := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders")})
	fmt.Println(*q.QueueUrl)

	sent, _ := api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("hello")})
	fmt.Println("MD5OfMessageBody:", *sent.MD5OfMessageBody)

	out, _ := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    q.QueueUrl,
		WaitTimeSeconds:             20, // returns as soon as a message is there
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
	})
	m := out.Messages[0]
	fmt.Println(*m.Body, "receive count", m.Attributes["ApproximateReceiveCount"])
	_, err := api.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle})
	fmt.Println("deleted:", err == nil)

	_, err = api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("missing")})
	var missing *types.QueueDoesNotExist
	fmt.Println("missing queue:", errors.As(err, &missing), sqsapi.IsQueueDoesNotExist(err))
	// Output:
	// https://sqs.us-east-1.amazonaws.com/000000000000/orders
	// MD5OfMessageBody: 5d41402abc4b2a76b9719d911017c592
	// hello receive count 1
	// deleted: true
	// missing queue: true true
}

func ExampleServer_InjectFault() {
	ctx := context.Background()
	srv := sqstest.New()
	defer srv.Close()
	q, _ := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})

	// The next two sends are throttled, then SendMessage works again.
	srv.InjectFault("SendMessage", sqstest.Fault{
		Err:   &smithy.GenericAPIError{Code: "RequestThrottled", Message: "Rate exceeded"},
		Times: 2,
	})
	for i := range 3 {
		_, err := srv.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("x")})
		fmt.Println(i, "throttled:", sqsapi.IsThrottled(err))
	}
	// Output:
	// 0 throttled: true
	// 1 throttled: true
	// 2 throttled: false
}

func ExampleServer_CallCounts() {
	ctx := context.Background()
	srv := sqstest.New()
	defer srv.Close()
	q, _ := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
	srv.ResetCallCounts()

	entries := []types.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("1")},
		{Id: aws.String("b"), MessageBody: aws.String("2")},
	}
	_, _ = srv.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: entries})
	_, _ = srv.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10})

	counts := srv.CallCounts()
	fmt.Println("SendMessageBatch:", counts["SendMessageBatch"], "ReceiveMessage:", counts["ReceiveMessage"], "SendMessage:", counts["SendMessage"])
	// Output:
	// SendMessageBatch: 1 ReceiveMessage: 1 SendMessage: 0
}

func ExampleOptions_clock() {
	ctx := context.Background()
	clk := sqstest.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
	defer srv.Close()
	q, _ := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
	_, _ = srv.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("job")})

	recv := func() int {
		out, _ := srv.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, VisibilityTimeout: 30})
		return len(out.Messages)
	}
	fmt.Println("first receive:", recv())
	fmt.Println("while in flight:", recv())
	clk.Advance(30 * time.Second) // the visibility timeout expires without sleeping
	fmt.Println("after 30 s:", recv())
	// Output:
	// first receive: 1
	// while in flight: 0
	// after 30 s: 1
}

// A fleet simulation models SQS's account-wide quota on tagging actions and
// its latency: past the quota, tagging calls fail with RequestThrottled, and
// TaggingStats reports the peak rate the account saw.
func ExampleOptions_taggingQuota() {
	ctx := context.Background()
	clk := sqstest.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := sqstest.New(func(o *sqstest.Options) {
		o.Clock = clk
		o.TaggingQuota = 5 // tagging actions per second, for the whole account
		o.TaggingBurst = 5
		o.Latency = func(op string) time.Duration {
			if op == "ReceiveMessage" {
				return 0
			}
			return 20 * time.Millisecond // on the Server's clock
		}
	})
	defer srv.Close()

	// With a fake clock, a call waits for its latency until the clock moves.
	created := make(chan *sqs.CreateQueueOutput)
	go func() {
		out, _ := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
		created <- out
	}()
	clk.BlockUntil(1)
	clk.Advance(20 * time.Millisecond)
	q := <-created

	// Seven heartbeats at once (under testing/synctest, with the wall clock,
	// the latency passes by itself): five go through, two are throttled.
	results := make(chan error, 7)
	for range 7 {
		go func() {
			_, err := srv.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: q.QueueUrl, Tags: map[string]string{"heartbeat": "1"}})
			results <- err
		}()
	}
	clk.BlockUntil(7)
	clk.Advance(20 * time.Millisecond)
	throttled := 0
	for range 7 {
		var rt *types.RequestThrottled
		if err := <-results; errors.As(err, &rt) && sqsapi.IsThrottled(err) {
			throttled++
		}
	}
	st := srv.TaggingStats()
	fmt.Println("throttled:", throttled)
	fmt.Println("calls:", st.Calls, "throttled:", st.Throttled, "peak TPS:", st.PeakTPS, "requested:", st.PeakRequestedTPS)
	// Output:
	// throttled: 2
	// calls: 7 throttled: 2 peak TPS: 5 requested: 7
}
