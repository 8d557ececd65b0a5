package virtualqueue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// sender sends one message; *sqs.Client, sqsapi.API and batcher.Sender fit.
type sender interface {
	SendMessage(ctx context.Context, params *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// acker takes deletes and visibility changes that nobody waits for. Flush
// sends everything pending; batcher.Acker fits.
type acker interface {
	Delete(queueURL, receiptHandle string)
	ChangeVisibility(queueURL, receiptHandle string, timeoutSeconds int32)
	Flush(ctx context.Context) error
	Close(ctx context.Context) error
}

// syncAcker is the simple acker: it queues operations and sends them, in
// batches of 10 per queue, when Flush is called.
type syncAcker struct {
	api sqsapi.API

	mu      sync.Mutex
	pending map[string]*pendingAcks // by queue URL
}

type visChange struct {
	handle  string
	timeout int32
}

type pendingAcks struct {
	deletes []string
	vis     []visChange
}

func newSyncAcker(api sqsapi.API) *syncAcker {
	return &syncAcker{api: api}
}

func (a *syncAcker) queue(url string) *pendingAcks {
	if a.pending == nil {
		a.pending = make(map[string]*pendingAcks)
	}
	p := a.pending[url]
	if p == nil {
		p = &pendingAcks{}
		a.pending[url] = p
	}
	return p
}

func (a *syncAcker) Delete(queueURL, receiptHandle string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.queue(queueURL)
	p.deletes = append(p.deletes, receiptHandle)
}

func (a *syncAcker) ChangeVisibility(queueURL, receiptHandle string, timeoutSeconds int32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.queue(queueURL)
	p.vis = append(p.vis, visChange{receiptHandle, timeoutSeconds})
}

// Flush sends every pending operation, 10 per call, and returns the errors of
// the calls and of their failed entries, joined.
func (a *syncAcker) Flush(ctx context.Context) error {
	a.mu.Lock()
	pending := a.pending
	a.pending = nil
	a.mu.Unlock()
	var errs []error
	for url, p := range pending {
		for i := 0; i < len(p.deletes); i += sqsapi.MaxBatchEntries {
			chunk := p.deletes[i:min(i+sqsapi.MaxBatchEntries, len(p.deletes))]
			entries := make([]types.DeleteMessageBatchRequestEntry, len(chunk))
			for j, h := range chunk {
				entries[j] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(j)), ReceiptHandle: aws.String(h)}
			}
			out, err := a.api.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
			if err != nil {
				errs = append(errs, fmt.Errorf("virtualqueue: delete %d messages on %s: %w", len(chunk), url, err))
				continue
			}
			for _, f := range out.Failed {
				errs = append(errs, fmt.Errorf("virtualqueue: delete message on %s: %s: %s", url, aws.ToString(f.Code), aws.ToString(f.Message)))
			}
		}
		for i := 0; i < len(p.vis); i += sqsapi.MaxBatchEntries {
			chunk := p.vis[i:min(i+sqsapi.MaxBatchEntries, len(p.vis))]
			entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(chunk))
			for j, v := range chunk {
				entries[j] = types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(j)), ReceiptHandle: aws.String(v.handle), VisibilityTimeout: v.timeout}
			}
			out, err := a.api.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url), Entries: entries})
			if err != nil {
				errs = append(errs, fmt.Errorf("virtualqueue: change visibility of %d messages on %s: %w", len(chunk), url, err))
				continue
			}
			for _, f := range out.Failed {
				errs = append(errs, fmt.Errorf("virtualqueue: change message visibility on %s: %s: %s", url, aws.ToString(f.Code), aws.ToString(f.Message)))
			}
		}
	}
	return errors.Join(errs...)
}

func (a *syncAcker) Close(ctx context.Context) error { return a.Flush(ctx) }
