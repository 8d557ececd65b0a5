package fleetsim

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/callcount"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// errKilled is what every call of a killed process returns: its requests
// never reach SQS, as after a SIGKILL.
var errKilled = errors.New("fleetsim: the process was killed")

// deletion is one DeleteQueue that succeeded.
type deletion struct {
	url string
	by  int // the process that deleted it
	at  time.Time
}

// ledger records the fleet's successful DeleteQueue calls.
type ledger struct {
	mu  sync.Mutex
	log []deletion
}

func (l *ledger) add(d deletion) {
	l.mu.Lock()
	l.log = append(l.log, d)
	l.mu.Unlock()
}

func (l *ledger) all() []deletion {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]deletion(nil), l.log...)
}

// procAPI is one simulated process's connection to SQS: it counts the
// process's calls, logs its successful DeleteQueue calls, and once the
// process is killed fails every call without making it.
type procAPI struct {
	id     int
	api    *callcount.API
	dead   atomic.Bool
	ledger *ledger
}

var _ sqsapi.API = (*procAPI)(nil)

func newProcAPI(id int, api sqsapi.API, l *ledger) *procAPI {
	return &procAPI{id: id, api: callcount.New(api), ledger: l}
}

func (p *procAPI) kill() { p.dead.Store(true) }

func gate[I, O any](p *procAPI, ctx context.Context, in *I, o []func(*sqs.Options), f func(context.Context, *I, ...func(*sqs.Options)) (*O, error)) (*O, error) {
	if p.dead.Load() {
		return nil, errKilled
	}
	return f(ctx, in, o...)
}

func (p *procAPI) CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, o ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	return gate(p, ctx, in, o, p.api.CreateQueue)
}

func (p *procAPI) DeleteQueue(ctx context.Context, in *sqs.DeleteQueueInput, o ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error) {
	out, err := gate(p, ctx, in, o, p.api.DeleteQueue)
	if err == nil && in != nil && in.QueueUrl != nil {
		p.ledger.add(deletion{url: *in.QueueUrl, by: p.id, at: time.Now()})
	}
	return out, err
}

func (p *procAPI) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, o ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return gate(p, ctx, in, o, p.api.GetQueueUrl)
}

func (p *procAPI) ListQueues(ctx context.Context, in *sqs.ListQueuesInput, o ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	return gate(p, ctx, in, o, p.api.ListQueues)
}

func (p *procAPI) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, o ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return gate(p, ctx, in, o, p.api.GetQueueAttributes)
}

func (p *procAPI) SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, o ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error) {
	return gate(p, ctx, in, o, p.api.SetQueueAttributes)
}

func (p *procAPI) PurgeQueue(ctx context.Context, in *sqs.PurgeQueueInput, o ...func(*sqs.Options)) (*sqs.PurgeQueueOutput, error) {
	return gate(p, ctx, in, o, p.api.PurgeQueue)
}

func (p *procAPI) SendMessage(ctx context.Context, in *sqs.SendMessageInput, o ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	return gate(p, ctx, in, o, p.api.SendMessage)
}

func (p *procAPI) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, o ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	return gate(p, ctx, in, o, p.api.SendMessageBatch)
}

func (p *procAPI) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, o ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	return gate(p, ctx, in, o, p.api.ReceiveMessage)
}

func (p *procAPI) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, o ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	return gate(p, ctx, in, o, p.api.DeleteMessage)
}

func (p *procAPI) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, o ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	return gate(p, ctx, in, o, p.api.DeleteMessageBatch)
}

func (p *procAPI) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, o ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	return gate(p, ctx, in, o, p.api.ChangeMessageVisibility)
}

func (p *procAPI) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, o ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	return gate(p, ctx, in, o, p.api.ChangeMessageVisibilityBatch)
}

func (p *procAPI) TagQueue(ctx context.Context, in *sqs.TagQueueInput, o ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	return gate(p, ctx, in, o, p.api.TagQueue)
}

func (p *procAPI) UntagQueue(ctx context.Context, in *sqs.UntagQueueInput, o ...func(*sqs.Options)) (*sqs.UntagQueueOutput, error) {
	return gate(p, ctx, in, o, p.api.UntagQueue)
}

func (p *procAPI) ListQueueTags(ctx context.Context, in *sqs.ListQueueTagsInput, o ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	return gate(p, ctx, in, o, p.api.ListQueueTags)
}
