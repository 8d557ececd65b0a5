package tempqueue_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/tempqueue"
)

// Code that creates a queue per task runs unchanged on a tempqueue.Client:
// only the first CreateQueue makes an SQS call (for the host queue).
func Example() {
	ctx := context.Background()
	srv := sqstest.New() // or an *sqs.Client
	defer srv.Close()

	tq, err := tempqueue.New(ctx, srv, func(o *tempqueue.Options) { o.DisableSweeper = true })
	if err != nil {
		panic(err)
	}
	defer tq.Close(ctx)

	for _, task := range []string{"resize", "upload"} {
		q, err := tq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("task-" + task)})
		if err != nil {
			panic(err)
		}
		url := aws.ToString(q.QueueUrl)
		if _, err := tq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(task + " done")}); err != nil {
			panic(err)
		}
		out, err := tq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 20})
		if err != nil {
			panic(err)
		}
		m := out.Messages[0]
		fmt.Println(url[strings.IndexByte(url, '#'):], aws.ToString(m.Body))
		if _, err := tq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
			panic(err)
		}
		if _, err := tq.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl}); err != nil {
			panic(err)
		}
	}
	fmt.Println("CreateQueue calls:", srv.CallCounts()["CreateQueue"])
	// Output:
	// #task-resize resize done
	// #task-upload upload done
	// CreateQueue calls: 1
}
