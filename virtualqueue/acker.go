package virtualqueue

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// sender sends one message; batcher.Sender fits, coalescing concurrent sends
// to one host into SendMessageBatch calls.
type sender interface {
	SendMessage(ctx context.Context, params *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	Close(ctx context.Context) error
}

// acker takes deletes and visibility changes that nobody waits for and sends
// them in batches of 10 within a short bound; Flush sends everything pending.
// batcher.Acker fits.
type acker interface {
	Delete(queueURL, receiptHandle string)
	ChangeVisibility(queueURL, receiptHandle string, timeoutSeconds int32)
	Flush(ctx context.Context) error
	Close(ctx context.Context) error
}
