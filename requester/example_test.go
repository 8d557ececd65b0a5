package requester_test

import (
	"context"
	"errors"
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

// GetUser asks for a user by ID; User is the answer.
type GetUser struct {
	ID int `json:"id"`
}

type User struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Call and responder.JSON make a typed service: JSON on the wire, a Go
// value on each side, and error replies that the caller gets as a
// *RemoteError.
func ExampleCall() {
	ctx := context.Background()
	api := sqstest.New()
	defer api.Close()
	q, _ := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("users")})

	users := map[int]User{7: {ID: 7, Name: "alice"}}
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- responder.New(api).Serve(serveCtx, *q.QueueUrl, responder.JSON(
			func(ctx context.Context, req GetUser) (User, error) {
				u, ok := users[req.ID]
				if !ok {
					return User{}, &responder.ReplyError{Code: "NotFound", Message: fmt.Sprintf("no user %d", req.ID)}
				}
				return u, nil
			}))
	}()

	r, _ := requester.New(ctx, api)
	for _, id := range []int{7, 8} {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		u, err := requester.Call[GetUser, User](ctx, r, *q.QueueUrl, GetUser{ID: id})
		cancel()
		var remote *requester.RemoteError
		switch {
		case errors.As(err, &remote):
			fmt.Printf("user %d: %s (%s)\n", id, remote.Code, remote.Message)
		case err != nil:
			fmt.Println("error:", err)
		default:
			fmt.Printf("user %d: %s\n", id, u.Name)
		}
	}
	_ = r.Close(ctx)
	stop()
	<-served
	// Output:
	// user 7: alice
	// user 8: NotFound (no user 8)
}
