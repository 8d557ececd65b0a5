package virtualqueue_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// Two virtual queues on one host queue: creating them makes no SQS call, and
// each receives only what was sent to it.
func Example() {
	ctx := context.Background()
	srv := sqstest.New() // or an *sqs.Client
	defer srv.Close()
	host, _ := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("host")})

	vq := virtualqueue.New(srv)
	defer vq.Close(ctx)

	var urls []string
	for _, name := range []string{"alice", "bob"} {
		out, err := vq.CreateQueue(ctx, &sqs.CreateQueueInput{
			QueueName:  aws.String(name),
			Attributes: map[string]string{sqsapi.HostQueueURLAttribute: *host.QueueUrl},
		})
		if err != nil {
			panic(err)
		}
		urls = append(urls, *out.QueueUrl)
	}
	fmt.Println(urls[0])

	// Senders need no local state: any process may send to a virtual URL.
	for _, u := range urls {
		_, name, _ := virtualqueue.ParseURL(u)
		if _, err := vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(u), MessageBody: aws.String("hello " + name)}); err != nil {
			panic(err)
		}
	}
	for _, u := range urls {
		out, err := vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(u), WaitTimeSeconds: 20})
		if err != nil {
			panic(err)
		}
		for _, m := range out.Messages {
			fmt.Println(*m.Body)
			vq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(u), ReceiptHandle: m.ReceiptHandle})
		}
	}
	s := vq.Stats()
	fmt.Println("virtual queues:", s.VirtualQueues, "SendMessage calls:", s.Calls["SendMessage"], "CreateQueue calls:", s.Calls["CreateQueue"])
	// Output:
	// https://sqs.us-east-1.amazonaws.com/000000000000/host#alice
	// hello alice
	// hello bob
	// virtual queues: 2 SendMessage calls: 2 CreateQueue calls: 0
}

func ExampleParseURL() {
	u := virtualqueue.URL("https://sqs.us-east-1.amazonaws.com/123456789012/host", "replies")
	host, name, ok := virtualqueue.ParseURL(u)
	fmt.Println(u)
	fmt.Println(host, name, ok)
	_, _, ok = virtualqueue.ParseURL("https://sqs.us-east-1.amazonaws.com/123456789012/host")
	fmt.Println(ok)
	// Output:
	// https://sqs.us-east-1.amazonaws.com/123456789012/host#replies
	// https://sqs.us-east-1.amazonaws.com/123456789012/host replies true
	// false
}

// An orphan handler for a host queue private to this process: messages for
// virtual queues that no longer exist (late replies) are deleted.
func ExampleOptions_orphanHandler() {
	ctx := context.Background()
	srv := sqstest.New()
	defer srv.Close()
	host, _ := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("host")})

	orphans := make(chan string, 1)
	vq := virtualqueue.New(srv, func(o *virtualqueue.Options) {
		o.OrphanHandler = func(ctx context.Context, hostQueueURL string, m types.Message) virtualqueue.OrphanAction {
			orphans <- *m.Body
			return virtualqueue.OrphanDelete
		}
	})
	defer vq.Close(ctx)
	live, _ := vq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("live"),
		Attributes: map[string]string{sqsapi.HostQueueURLAttribute: *host.QueueUrl}})
	vq.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(virtualqueue.URL(*host.QueueUrl, "gone")),
		MessageBody: aws.String("late reply")})
	// The host is polled while receives need it: this one (WaitTimeSeconds
	// 0) returns at once, and the pollers it started linger for a while.
	vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: live.QueueUrl})
	fmt.Println("orphan:", <-orphans)
	// Output:
	// orphan: late reply
}
