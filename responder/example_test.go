package responder_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/requester"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// SendResponse answers a request read by other means than Serve. A request
// naming a reply queue outside the allow rule gets nothing.
func ExampleResponder_SendResponse() {
	ctx := context.Background()
	api := sqstest.New()
	defer api.Close()
	host, _ := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(sqsapi.DefaultQueuePrefix + "example")})
	victim, _ := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("payments")})
	r := responder.New(api)

	for _, reply := range []string{*host.QueueUrl + "#reply-1", *victim.QueueUrl} {
		request := types.Message{Body: aws.String("ping"), MessageAttributes: map[string]types.MessageAttributeValue{
			sqsapi.ResponseQueueURLAttribute: {DataType: aws.String("String"), StringValue: aws.String(reply)}}}
		fmt.Println("response requested:", responder.IsResponseRequested(request))
		err := r.SendResponse(ctx, request, &sqs.SendMessageInput{MessageBody: aws.String("pong")})
		var refused *responder.ReplyURLRefusedError
		switch {
		case errors.As(err, &refused):
			fmt.Println("refused:", refused.Reason)
		case err != nil:
			fmt.Println("error:", err)
		default:
			fmt.Println("sent")
		}
	}
	fmt.Println("responses sent:", api.CallCounts()["SendMessage"])
	// Output:
	// response requested: true
	// sent
	// response requested: true
	// refused: queue name "payments" does not start with the prefix "__RequesterClientQueues__"
	// responses sent: 1
}

// A handler answers "not found" with a ReplyError: Serve sends an error
// reply and deletes the request, and the caller gets a
// *requester.RemoteError with the same code and message.
func ExampleReplyError() {
	ctx := context.Background()
	api := sqstest.New()
	defer api.Close()
	q, _ := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("stock")})

	stock := map[string]int{"apple": 3}
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- responder.New(api).Serve(serveCtx, *q.QueueUrl, responder.HandlerFunc(
			func(ctx context.Context, req types.Message) (*sqs.SendMessageInput, error) {
				n, ok := stock[aws.ToString(req.Body)]
				if !ok {
					return nil, &responder.ReplyError{Code: "NotFound", Message: "no " + aws.ToString(req.Body) + " in stock"}
				}
				return &sqs.SendMessageInput{MessageBody: aws.String(strconv.Itoa(n))}, nil
			}))
	}()

	r, _ := requester.New(ctx, api)
	for _, item := range []string{"apple", "pear"} {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		resp, err := r.SendMessageAndGetResponse(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(item)})
		cancel()
		var remote *requester.RemoteError
		if errors.As(err, &remote) {
			fmt.Printf("%s: %s: %s\n", item, remote.Code, remote.Message)
			continue
		}
		fmt.Printf("%s: %s\n", item, aws.ToString(resp.Body))
	}
	_ = r.Close(ctx)
	stop()
	<-served
	// Output:
	// apple: 3
	// pear: NotFound: no pear in stock
}
