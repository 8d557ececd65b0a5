package batcher_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/batcher"
	"github.com/sqstemp/sqstemp/sqstest"
)

func ExampleSender() {
	ctx := context.Background()
	srv := sqstest.New()
	defer srv.Close()
	q, _ := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("example")})

	s := batcher.NewSender(srv)
	defer s.Close(ctx)
	// A lone send goes out at once as a plain SendMessage.
	out, err := s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("hello")})
	fmt.Println(err, *out.MD5OfMessageBody)
	fmt.Println(srv.CallCounts()["SendMessage"], srv.CallCounts()["SendMessageBatch"])
	// Output:
	// <nil> 5d41402abc4b2a76b9719d911017c592
	// 1 0
}

func ExampleAcker() {
	ctx := context.Background()
	srv := sqstest.New()
	defer srv.Close()
	q, _ := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("example")})
	for range 3 {
		srv.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("job")})
	}
	recv, _ := srv.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10})

	a := batcher.NewAcker(srv)
	for _, m := range recv.Messages {
		a.Delete(*q.QueueUrl, *m.ReceiptHandle) // never blocks
	}
	// Close sends what is pending and reports what could not be done.
	fmt.Println(a.Close(ctx))
	fmt.Println(len(recv.Messages), "deleted in", srv.CallCounts()["DeleteMessageBatch"], "call")
	// Output:
	// <nil>
	// 3 deleted in 1 call
}
