package sweeper_test

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/sweeper"
)

// A queue created with IdleQueueRetentionPeriodSeconds is tagged, and
// heartbeated while this process uses it.
func ExampleNew() {
	ctx := context.Background()
	srv := sqstest.New() // or an *sqs.Client
	defer srv.Close()
	c := sweeper.New(srv)
	defer c.Close(ctx)

	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String(sqsapi.DefaultQueuePrefix + "replies"),
		Attributes: map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "300"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	tags, _ := srv.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: out.QueueUrl})
	var keys []string
	for k := range tags.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Println(keys)
	fmt.Println("retention:", tags.Tags[sqsapi.RetentionTag])

	_, err = c.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String("not-prefixed"),
		Attributes: map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "300"},
	})
	fmt.Println(err)
	// Output:
	// [__AmazonSQSIdleQueueDeletingClient.LastHeartbeatTimestamp __IdleQueueRetentionPeriodSeconds]
	// retention: 300
	// InvalidParameterValue: invalid QueueName "not-prefixed": a queue with IdleQueueRetentionPeriodSeconds must have a name starting with the prefix "__RequesterClientQueues__"
}

// Every process of a fleet runs a Sweeper with the same prefix; together
// they delete the queues whose heartbeat stopped.
func ExampleNewSweeper() {
	ctx := context.Background()
	srv := sqstest.New()
	defer srv.Close()

	// A queue whose owner died long ago, and one that is not temporary.
	for name, tags := range map[string]map[string]string{
		sqsapi.DefaultQueuePrefix + "abandoned": {sqsapi.RetentionTag: "60", sqsapi.HeartbeatTag: "0"},
		sqsapi.DefaultQueuePrefix + "permanent": nil,
	} {
		if _, err := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Tags: tags}); err != nil {
			fmt.Println(err)
			return
		}
	}

	s := sweeper.NewSweeper(srv, func(o *sweeper.Options) {
		o.SweepPeriod = time.Second // default 5 minutes
		o.Logger = slog.New(slog.DiscardHandler)
	})
	if err := s.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	for s.Stats().QueuesDeleted == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Stop(ctx); err != nil {
		fmt.Println(err)
	}
	list, _ := srv.ListQueues(ctx, &sqs.ListQueuesInput{})
	sort.Strings(list.QueueUrls)
	for _, u := range list.QueueUrls {
		fmt.Println(u)
	}
	// Output:
	// https://sqs.us-east-1.amazonaws.com/000000000000/__RequesterClientQueues__Sweeper-DLQ.fifo
	// https://sqs.us-east-1.amazonaws.com/000000000000/__RequesterClientQueues__Sweeper.fifo
	// https://sqs.us-east-1.amazonaws.com/000000000000/__RequesterClientQueues__permanent
}
