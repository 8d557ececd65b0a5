package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sweeper"
)

// runCleanup deletes the sweeper's work queue and dead-letter queue, unless
// (without -force) a queue under the prefix is in use.
func runCleanup(ctx context.Context, e env, api sqsapi.API, o options, stdout, stderr io.Writer) error {
	if !o.force {
		inUse, err := queuesInUse(ctx, e, api, o)
		if err != nil {
			return err
		}
		if len(inUse) > 0 {
			return fmt.Errorf("refusing to delete the sweeper's queues: %d queue(s) under %q in use (stop their processes first, or use -force):\n  %s",
				len(inUse), o.prefix, strings.Join(inUse, "\n  "))
		}
	}
	t := newTable(stdout, o.json, actionHeader...)
	found := 0
	// The work queue first: it names the dead-letter queue in its redrive policy.
	for _, name := range []string{sweeper.WorkQueueName(o.prefix), sweeper.DeadLetterQueueName(o.prefix)} {
		u, err := api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if sqsapi.IsQueueDoesNotExist(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("look up %s: %w", name, err)
		}
		url := aws.ToString(u.QueueUrl)
		if _, err := api.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil && !sqsapi.IsQueueDoesNotExist(err) {
			return fmt.Errorf("delete %s: %w", url, err)
		}
		found++
		row := actionRow{URL: url, Action: actionDeleted, Reason: sweeperQueue(url, o.prefix)}
		t.add(row, row.cells()...)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if found == 0 && !o.json {
		fmt.Fprintf(stderr, "sqstemp: no sweeper queues for prefix %q\n", o.prefix)
	}
	return nil
}

// queuesInUse returns the URLs of the queues under the prefix that are in
// use. A queue it cannot check is an error: it might be in use.
func queuesInUse(ctx context.Context, e env, api sqsapi.API, o options) ([]string, error) {
	urls, err := listQueues(ctx, api, o.prefix)
	if err != nil {
		return nil, err
	}
	var inUse []string
	for _, u := range urls {
		if sweeperQueue(u, o.prefix) != "" {
			continue
		}
		row, ok, err := inspect(ctx, api, o, e.now, u)
		if err != nil {
			return nil, fmt.Errorf("cannot tell whether %s is in use (nothing deleted): %w", u, err)
		}
		if ok && row.State == stateInUse {
			inUse = append(inUse, u)
		}
	}
	return inUse, nil
}
