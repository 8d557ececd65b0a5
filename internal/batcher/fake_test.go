package batcher

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
)

func TestMain(m *testing.M) { testutil.VerifyTestMain(m) }

// fakeCall is one call recorded by fakeAPI.
type fakeCall struct {
	op   string
	url  string
	keys []string // message bodies, or receipt handles
	size int      // total payload, for sends
	vis  []int32  // visibility timeouts, for ChangeMessageVisibilityBatch
}

// entryFault is how fakeAPI answers for one entry.
type entryFault struct {
	code        string
	senderFault bool
}

// fakeAPI is a hand-written sqsapi.API that records calls and answers from
// hooks. Methods it does not implement panic (through the nil embedded API).
type fakeAPI struct {
	sqsapi.API

	// before runs at the start of every call (outside the lock); it may
	// block, and a non-nil error fails the whole call.
	before func(ctx context.Context, c fakeCall) error
	// entry, if set, decides the per-entry result for a message body or a
	// receipt handle; ok=false means success.
	entry func(op, key string) (entryFault, bool)

	mu    sync.Mutex
	calls []fakeCall
}

func (f *fakeAPI) record(ctx context.Context, c fakeCall) error {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	if f.before != nil {
		return f.before(ctx, c)
	}
	return nil
}

func (f *fakeAPI) fault(op, key string) (entryFault, bool) {
	if f.entry == nil {
		return entryFault{}, false
	}
	return f.entry(op, key)
}

func (f *fakeAPI) log() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeCall(nil), f.calls...)
}

func (f *fakeAPI) ops() []string {
	var ops []string
	for _, c := range f.log() {
		ops = append(ops, c.op)
	}
	return ops
}

func (f *fakeAPI) ncalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (f *fakeAPI) SendMessage(ctx context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	body := aws(in.MessageBody)
	if err := f.record(ctx, fakeCall{op: opSendMessage, url: aws(in.QueueUrl), keys: []string{body}, size: messageSize(in)}); err != nil {
		return nil, err
	}
	if ef, ok := f.fault(opSendMessage, body); ok {
		return nil, &EntryError{Op: opSendMessage, Code: ef.code, Message: "fake", SenderFault: ef.senderFault}
	}
	return &sqs.SendMessageOutput{MessageId: ptr("id-" + body), MD5OfMessageBody: ptr(md5hex(body)), SequenceNumber: ptr("seq-" + body)}, nil
}

func (f *fakeAPI) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	c := fakeCall{op: opSendMessageBatch, url: aws(in.QueueUrl)}
	for _, e := range in.Entries {
		c.keys = append(c.keys, aws(e.MessageBody))
		c.size += messageSize(&sqs.SendMessageInput{MessageBody: e.MessageBody, MessageAttributes: e.MessageAttributes, MessageSystemAttributes: e.MessageSystemAttributes})
	}
	if err := f.record(ctx, c); err != nil {
		return nil, err
	}
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		body := aws(e.MessageBody)
		if ef, ok := f.fault(opSendMessageBatch, body); ok {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: ptr(ef.code), Message: ptr("fake"), SenderFault: ef.senderFault})
			continue
		}
		out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: ptr("id-" + body), MD5OfMessageBody: ptr(md5hex(body)), SequenceNumber: ptr("seq-" + body)})
	}
	return out, nil
}

func (f *fakeAPI) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	c := fakeCall{op: opDeleteMessageBatch, url: aws(in.QueueUrl)}
	for _, e := range in.Entries {
		c.keys = append(c.keys, aws(e.ReceiptHandle))
	}
	if err := f.record(ctx, c); err != nil {
		return nil, err
	}
	out := &sqs.DeleteMessageBatchOutput{}
	for _, e := range in.Entries {
		if ef, ok := f.fault(opDeleteMessageBatch, aws(e.ReceiptHandle)); ok {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: ptr(ef.code), Message: ptr("fake"), SenderFault: ef.senderFault})
			continue
		}
		out.Successful = append(out.Successful, types.DeleteMessageBatchResultEntry{Id: e.Id})
	}
	return out, nil
}

func (f *fakeAPI) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	c := fakeCall{op: opChangeMessageVisibilityBatch, url: aws(in.QueueUrl)}
	for _, e := range in.Entries {
		c.keys = append(c.keys, aws(e.ReceiptHandle))
		c.vis = append(c.vis, e.VisibilityTimeout)
	}
	if err := f.record(ctx, c); err != nil {
		return nil, err
	}
	out := &sqs.ChangeMessageVisibilityBatchOutput{}
	for _, e := range in.Entries {
		if ef, ok := f.fault(opChangeMessageVisibilityBatch, aws(e.ReceiptHandle)); ok {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: ptr(ef.code), Message: ptr("fake"), SenderFault: ef.senderFault})
			continue
		}
		out.Successful = append(out.Successful, types.ChangeMessageVisibilityBatchResultEntry{Id: e.Id})
	}
	return out, nil
}

// gate blocks calls until released; it reports each call that reaches it.
type gate struct {
	arrived chan fakeCall
	release chan struct{}
}

func newGate() *gate { return &gate{arrived: make(chan fakeCall, 1000), release: make(chan struct{})} }

// before blocks until the gate is opened or ctx ends.
func (g *gate) before(ctx context.Context, c fakeCall) error {
	g.arrived <- c
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// firstGated returns a fakeAPI whose call carrying the message "first"
// blocks in g; other calls go through.
func firstGated(g *gate) *fakeAPI {
	return &fakeAPI{before: func(ctx context.Context, c fakeCall) error {
		if c.keys[0] == "first" {
			return g.before(ctx, c)
		}
		return nil
	}}
}

// pendingCount is the number of sends waiting for url.
func (s *Sender) pendingCount(url string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queues[url]; q != nil {
		return len(q.pending)
	}
	return 0
}

const qURL = "https://sqs.us-east-1.amazonaws.com/000000000000/q"

func sendIn(url, body string) *sqs.SendMessageInput {
	return &sqs.SendMessageInput{QueueUrl: ptr(url), MessageBody: ptr(body)}
}

func joinKeys(c fakeCall) string { return c.op + "[" + strings.Join(c.keys, ",") + "]" }
