package requester_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/requester"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqstest"
)

// A responder serves a request queue; a requester calls it. Each request
// waits on its own virtual response queue, on one host queue for all of them.
func Example() {
	ctx := context.Background()
	api := sqstest.New() // or an *sqs.Client
	defer api.Close()
	q, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("shout")})
	if err != nil {
		panic(err)
	}

	// Server side.
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- responder.New(api).Serve(serveCtx, *q.QueueUrl, responder.HandlerFunc(
			func(ctx context.Context, req types.Message) (*sqs.SendMessageInput, error) {
				return &sqs.SendMessageInput{MessageBody: aws.String(strings.ToUpper(aws.ToString(req.Body)) + "!")}, nil
			}))
	}()

	// Client side.
	r, err := requester.New(ctx, api)
	if err != nil {
		panic(err)
	}
	for _, word := range []string{"hello", "sqs"} {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		resp, err := r.SendMessageAndGetResponse(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(word)})
		cancel()
		if err != nil {
			panic(err)
		}
		fmt.Println(word, "->", aws.ToString(resp.Body))
	}

	if err := r.Close(ctx); err != nil {
		panic(err)
	}
	stop()
	if err := <-served; err != nil {
		panic(err)
	}
	// Output:
	// hello -> HELLO!
	// sqs -> SQS!
}
