package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/callcount"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/tempqueue"
)

// QueueAPI is what the application needs of SQS: the methods of
// *sqs.Client it calls, with their exact signatures. *sqs.Client satisfies
// it, and so does *tempqueue.Client.
type QueueAPI interface {
	CreateQueue(ctx context.Context, params *sqs.CreateQueueInput, optFns ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error)
	DeleteQueue(ctx context.Context, params *sqs.DeleteQueueInput, optFns ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error)
	SendMessage(ctx context.Context, params *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	ReceiveMessage(ctx context.Context, params *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, params *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

var (
	_ QueueAPI = (*sqs.Client)(nil)
	_ QueueAPI = (*tempqueue.Client)(nil)
)

// runTask is the application code, unchanged between the two runs: it
// creates a queue for one task, posts the task's result to it, reads it
// back, and deletes the queue.
func runTask(ctx context.Context, api QueueAPI, id, task string) (string, error) {
	q, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("task-" + id)})
	if err != nil {
		return "", err
	}
	defer api.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl})
	if _, err := api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(strings.ToUpper(task))}); err != nil {
		return "", err
	}
	out, err := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 20})
	if err != nil {
		return "", err
	}
	if len(out.Messages) == 0 {
		return "", errors.New("no result")
	}
	m := out.Messages[0]
	if _, err := api.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
		return "", err
	}
	return aws.ToString(m.Body), nil
}

var tasks = []string{"resize photo", "send email", "bill customer", "archive logs", "index document"}

func main() {
	endpoint := flag.String("endpoint", "", `SQS endpoint: "" for the embedded in-memory SQS, a URL for an SQS-compatible server, "aws" for real AWS`)
	flag.Parse()
	if _, _, err := run(context.Background(), os.Stdout, *endpoint); err != nil {
		fmt.Fprintln(os.Stderr, "dropin:", err)
		os.Exit(1)
	}
}

// run runs the tasks with a real queue each, then on tempqueue, and returns
// the SQS calls each run made, by operation.
func run(ctx context.Context, out io.Writer, endpoint string) (before, after map[string]int64, err error) {
	var base sqsapi.API
	run := "" // distinguishes queue names on a shared server
	if endpoint == "" {
		srv := sqstest.New()
		defer srv.Close()
		base = srv
	} else {
		c, err := sqsClient(ctx, endpoint)
		if err != nil {
			return nil, nil, err
		}
		base = c
		run = uuid.NewString()[:8] + "-"
	}

	// Before: one real queue per task.
	calls := callcount.New(base) // counts every SQS call
	var api QueueAPI = calls
	if err := runAll(ctx, out, api, run+"real-"); err != nil {
		return nil, nil, err
	}
	before = calls.Calls()
	fmt.Fprintf(out, "SQS calls with a real queue per task:     %s\n\n", format(before))

	// After: the same code on virtual queues. The one line that changes:
	calls = callcount.New(base)
	tq, err := tempqueue.New(ctx, calls, func(o *tempqueue.Options) {
		o.DisableSweeper = true // a short-lived demo; see package sweeper
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	})
	if err != nil {
		return nil, nil, err
	}
	api = tq // <- was: api = sqsClient
	if err := runAll(ctx, out, api, run+"virtual-"); err != nil {
		return nil, nil, errors.Join(err, tq.Close(ctx))
	}
	if err := tq.Close(ctx); err != nil { // deletes the host queue
		return nil, nil, err
	}
	after = calls.Calls()
	fmt.Fprintf(out, "SQS calls with tempqueue virtual queues:  %s\n", format(after))
	return before, after, nil
}

func runAll(ctx context.Context, out io.Writer, api QueueAPI, prefix string) error {
	for i, task := range tasks {
		res, err := runTask(ctx, api, fmt.Sprintf("%s%d", prefix, i), task)
		if err != nil {
			return fmt.Errorf("task %q: %w", task, err)
		}
		fmt.Fprintf(out, "task %q -> %q\n", task, res)
	}
	return nil
}

// format prints call counts by operation, in a stable order, with the total.
func format(m map[string]int64) string {
	var b strings.Builder
	var total int64
	for _, op := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s=%d ", op, m[op])
		total += m[op]
	}
	return fmt.Sprintf("%d (%s)", total, strings.TrimSpace(b.String()))
}

// sqsClient returns the SQS client for -endpoint "aws" or a URL.
func sqsClient(ctx context.Context, endpoint string) (*sqs.Client, error) {
	if endpoint != "aws" {
		return awsclient.New(ctx, endpoint) // an SQS-compatible server, with test credentials
	}
	// Real AWS: credentials, region and endpoint (AWS_ENDPOINT_URL_SQS)
	// from the SDK's standard chain; nothing else is needed.
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return sqs.NewFromConfig(cfg), nil
}
