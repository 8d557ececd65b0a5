package main

import (
	"context"
	"maps"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/callcount"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// meter counts the calls made through it by operation (callcount.API), and
// how many messages or entries the calls that carry several carried.
type meter struct {
	*callcount.API
	received      atomic.Int64 // messages returned by ReceiveMessage
	emptyReceives atomic.Int64 // ReceiveMessage calls that returned none
	sendEntries   atomic.Int64 // entries of SendMessageBatch calls
	deleteEntries atomic.Int64 // entries of DeleteMessageBatch calls
}

var _ sqsapi.API = (*meter)(nil)

func newMeter(api sqsapi.API) *meter { return &meter{API: callcount.New(api)} }

// ReceiveMessage counts the call and the messages it returns.
func (m *meter) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	out, err := m.API.ReceiveMessage(ctx, in, optFns...)
	if err == nil {
		m.received.Add(int64(len(out.Messages)))
		if len(out.Messages) == 0 {
			m.emptyReceives.Add(1)
		}
	}
	return out, err
}

// SendMessageBatch counts the call and its entries.
func (m *meter) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	if in != nil {
		m.sendEntries.Add(int64(len(in.Entries)))
	}
	return m.API.SendMessageBatch(ctx, in, optFns...)
}

// DeleteMessageBatch counts the call and its entries.
func (m *meter) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	if in != nil {
		m.deleteEntries.Add(int64(len(in.Entries)))
	}
	return m.API.DeleteMessageBatch(ctx, in, optFns...)
}

// counts is a snapshot of a meter.
type counts struct {
	calls                                               map[string]int64
	received, emptyReceives, sendEntries, deleteEntries int64
}

func (m *meter) snapshot() counts {
	return counts{
		calls:         m.Calls(),
		received:      m.received.Load(),
		emptyReceives: m.emptyReceives.Load(),
		sendEntries:   m.sendEntries.Load(),
		deleteEntries: m.deleteEntries.Load(),
	}
}

// sub returns c - o.
func (c counts) sub(o counts) counts {
	r := counts{
		calls:         make(map[string]int64),
		received:      c.received - o.received,
		emptyReceives: c.emptyReceives - o.emptyReceives,
		sendEntries:   c.sendEntries - o.sendEntries,
		deleteEntries: c.deleteEntries - o.deleteEntries,
	}
	for op, v := range c.calls {
		if d := v - o.calls[op]; d != 0 {
			r.calls[op] = d
		}
	}
	return r
}

// add returns c + o.
func (c counts) add(o counts) counts {
	r := counts{
		calls:         maps.Clone(c.calls),
		received:      c.received + o.received,
		emptyReceives: c.emptyReceives + o.emptyReceives,
		sendEntries:   c.sendEntries + o.sendEntries,
		deleteEntries: c.deleteEntries + o.deleteEntries,
	}
	if r.calls == nil {
		r.calls = make(map[string]int64)
	}
	for op, v := range o.calls {
		r.calls[op] += v
	}
	return r
}

func (c counts) total() int64 {
	var t int64
	for _, v := range c.calls {
		t += v
	}
	return t
}
