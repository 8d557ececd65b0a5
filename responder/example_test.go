package responder_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

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
