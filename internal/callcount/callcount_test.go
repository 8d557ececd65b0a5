package callcount_test

import (
	"context"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/callcount"
	"github.com/sqstemp/sqstemp/sqstest"
)

func TestCountsEveryCallByOperation(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	c := callcount.New(srv)
	ctx := context.Background()
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("m")}); err != nil {
			t.Fatal(err)
		}
	}
	// Failed calls count too.
	if _, err := c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String("https://sqs.us-east-1.amazonaws.com/000000000000/nope")}); err == nil {
		t.Fatal("deleting a missing queue succeeded")
	}
	want := map[string]int64{"CreateQueue": 1, "SendMessage": 3, "DeleteQueue": 1}
	if got := c.Calls(); !maps.Equal(got, want) || c.Total() != 5 {
		t.Fatalf("Calls() = %v (total %d), want %v", got, c.Total(), want)
	}
	for op, n := range srv.CallCounts() {
		if int64(n) != want[op] {
			t.Errorf("server saw %d %s, counter %d", n, op, want[op])
		}
	}
}

func TestObserversSeeEveryCall(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	seen := map[string]int64{}
	c := callcount.New(srv, func(op string) { seen[op]++ })
	ctx := context.Background()
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl})
	_, _ = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String("https://sqs.us-east-1.amazonaws.com/000000000000/nope")})
	if want := c.Calls(); !maps.Equal(seen, want) {
		t.Fatalf("observer saw %v, counter %v", seen, want)
	}
}
