package batcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Operation names used as keys of the Calls maps in the stats.
const (
	opSendMessage                  = "SendMessage"
	opSendMessageBatch             = "SendMessageBatch"
	opDeleteMessage                = "DeleteMessage"
	opDeleteMessageBatch           = "DeleteMessageBatch"
	opChangeMessageVisibility      = "ChangeMessageVisibility"
	opChangeMessageVisibilityBatch = "ChangeMessageVisibilityBatch"
)

// DefaultCallTimeout bounds a batch call, which runs detached from the
// cancellation of the callers whose messages it carries.
const DefaultCallTimeout = 30 * time.Second

// SenderOptions configures a Sender. The zero value gives the defaults.
type SenderOptions struct {
	// MaxBatch is the most messages per SendMessageBatch call: 1 to 10,
	// default (0) 10. 1 disables coalescing.
	MaxBatch int
	// MaxBatchBytes bounds the total payload of a batch, counted like SQS
	// counts it (bodies plus message attribute names, types and values).
	// Default (0) sqsapi.MaxMessageSizeBytes (1 MiB), SQS's limit. A single message larger than this is
	// sent alone with SendMessage, and SQS decides.
	MaxBatchBytes int
	// CallTimeout bounds each batch call. Default (0) DefaultCallTimeout.
	CallTimeout time.Duration
	// Logger receives debug records of failed calls. Default: discard.
	Logger *slog.Logger
}

// SenderStats is a snapshot of a Sender's counters.
type SenderStats struct {
	// Calls counts SQS calls made, by operation ("SendMessage",
	// "SendMessageBatch"), including direct and failed ones.
	Calls map[string]int64
	// Messages counts messages handed to SQS in a call (whatever the outcome).
	Messages int64
	// Failed counts messages whose caller got an error from SQS.
	Failed int64
	// Withdrawn counts messages withdrawn before any call because their
	// caller's ctx ended, or failed by Close.
	Withdrawn int64
	// Batches counts SendMessageBatch calls; Batched the messages in them.
	Batches, Batched int64
	// MeanBatchSize is Batched/Batches (0 if no batch was sent).
	MeanBatchSize float64
	// MessagesPerCall is Messages per SQS call made.
	MessagesPerCall float64
}

// Sender coalesces concurrent SendMessage calls to the same queue into
// SendMessageBatch calls while another send to that queue is in flight. Its
// zero value is not usable; call NewSender. It is safe for concurrent use.
type Sender struct {
	api           sqsapi.API
	maxBatch      int
	maxBatchBytes int
	callTimeout   time.Duration
	log           *slog.Logger

	mu     sync.Mutex
	queues map[string]*sendQueue // queues with a call in flight
	closed bool
	active int           // calls in flight plus goroutines driving them
	idle   chan struct{} // made by Close, closed when active drops to 0

	calls     [2]atomic.Int64 // SendMessage, SendMessageBatch
	messages  atomic.Int64
	failed    atomic.Int64
	withdrawn atomic.Int64
	batched   atomic.Int64
}

type sendQueue struct {
	url      string
	inflight int        // calls in flight to this queue
	pending  []*sendReq // waiting for the next call, FIFO
}

// sendReq is one caller's message waiting for (or in) a batch call.
type sendReq struct {
	ctx   context.Context
	in    *sqs.SendMessageInput
	size  int
	taken bool            // guarded by Sender.mu: moved from pending into a call
	done  chan sendResult // buffered(1)
}

type sendResult struct {
	out *sqs.SendMessageOutput
	err error
}

// NewSender returns a Sender that sends through api.
func NewSender(api sqsapi.API, optFns ...func(*SenderOptions)) *Sender {
	var o SenderOptions
	for _, fn := range optFns {
		fn(&o)
	}
	if o.MaxBatch <= 0 || o.MaxBatch > sqsapi.MaxBatchEntries {
		o.MaxBatch = sqsapi.MaxBatchEntries
	}
	if o.MaxBatchBytes <= 0 {
		o.MaxBatchBytes = sqsapi.MaxMessageSizeBytes
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	return &Sender{
		api:           api,
		maxBatch:      o.MaxBatch,
		maxBatchBytes: o.MaxBatchBytes,
		callTimeout:   o.CallTimeout,
		log:           orDiscard(o.Logger),
		queues:        make(map[string]*sendQueue),
	}
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// SendMessage sends one message, coalescing it with concurrent sends to the
// same queue while another call to that queue is in flight. It has the exact
// signature of (*sqs.Client).SendMessage; calls with optFns are sent directly.
func (s *Sender) SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	if in == nil {
		return nil, &sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "SendMessageInput", Value: "<nil>", Reason: "must not be nil"}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("batcher: SendMessage: not sent: %w", err)
	}
	url := aws(in.QueueUrl)
	if n := messageSize(in); n > sqsapi.MaxMessageSizeBytes {
		return nil, fmt.Errorf("batcher: SendMessage to %s: not sent: %w", url, &sqsapi.InvalidParameterError{
			Param: "MessageBody", Value: strconv.Itoa(len(aws(in.MessageBody))) + "-byte body (" + strconv.Itoa(n) + " bytes with attributes)",
			Reason: "a message may be at most 1 MiB (1,048,576 bytes), body and attributes together"})
	}
	direct := len(optFns) > 0 || !batchable(in)
	var r *sendReq
	if !direct {
		r = &sendReq{ctx: ctx, in: in, size: messageSize(in), done: make(chan sendResult, 1)}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, fmt.Errorf("batcher: SendMessage to %s: %w", url, ErrClosed)
	}
	if direct {
		s.active++
		s.mu.Unlock()
		defer s.release(1)
		return s.sendOne(ctx, in, optFns...)
	}
	q := s.queues[url]
	if q == nil {
		// Nothing in flight to this queue: send at once, on this goroutine.
		q = &sendQueue{url: url, inflight: 1}
		s.queues[url] = q
		s.active++
		s.mu.Unlock()
		out, err := s.sendOne(ctx, in)
		s.callDone(q, false)
		return out, err
	}
	q.pending = append(q.pending, r)
	// A full batch cannot get better by waiting: send it now.
	full := s.takeLocked(q, false)
	q.inflight += len(full)
	s.active += len(full)
	s.mu.Unlock()
	for _, b := range full {
		go s.drive(q, b)
	}

	select {
	case res := <-r.done:
		return res.out, res.err
	case <-ctx.Done():
	}
	s.mu.Lock()
	if !r.taken {
		// Still waiting: withdraw it. q is still registered, because a
		// queue with pending messages always has a call in flight.
		for i, p := range q.pending {
			if p == r {
				q.pending = append(q.pending[:i], q.pending[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
		s.withdrawn.Add(1)
		return nil, fmt.Errorf("batcher: SendMessage to %s: not sent: %w", url, ctx.Err())
	}
	s.mu.Unlock()
	select {
	case res := <-r.done:
		return res.out, res.err
	default:
	}
	return nil, fmt.Errorf("batcher: SendMessage to %s: gave up waiting, the message may or may not have been sent: %w", url, ctx.Err())
}

// sendOne makes a plain SendMessage call.
func (s *Sender) sendOne(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	s.calls[0].Add(1)
	s.messages.Add(1)
	out, err := s.api.SendMessage(ctx, in, optFns...)
	if err != nil {
		s.failed.Add(1)
		return nil, fmt.Errorf("batcher: SendMessage to %s: %w", aws(in.QueueUrl), err)
	}
	return out, nil
}

// callDone records the end of a call to q and sends what may go now. If
// drive is set (the caller is a batch goroutine), it returns one batch for
// the caller to send next, and new goroutines send the others.
func (s *Sender) callDone(q *sendQueue, drive bool) (mine []*sendReq) {
	s.mu.Lock()
	q.inflight--
	// Partial batches wait while another call to the queue is in flight;
	// when none is, everything waiting goes.
	batches := s.takeLocked(q, q.inflight == 0)
	q.inflight += len(batches)
	if q.inflight == 0 {
		delete(s.queues, q.url)
	}
	if drive && len(batches) > 0 {
		mine, batches = batches[0], batches[1:]
	} else {
		s.active-- // this call is over and this goroutine does not go on
	}
	s.active += len(batches)
	s.maybeIdleLocked()
	s.mu.Unlock()
	for _, b := range batches {
		go s.drive(q, b)
	}
	return mine
}

// drive sends batch b to q, then the batches that may go when it returns,
// until none is left for it.
func (s *Sender) drive(q *sendQueue, b []*sendReq) {
	for b != nil {
		s.sendBatch(q.url, b)
		// Let the callers just answered run first: those that send again at
		// once then join the next batch instead of following it alone. This
		// is a yield, not a delay.
		runtime.Gosched()
		b = s.callDone(q, true)
	}
}

// takeLocked removes pending messages of q in batches: every full batch
// (MaxBatch messages, or as many as fit in MaxBatchBytes before the next),
// and the last, partial one too if all is set.
func (s *Sender) takeLocked(q *sendQueue, all bool) [][]*sendReq {
	var batches [][]*sendReq
	p := q.pending
	for len(p) > 0 {
		n, size := 1, p[0].size
		for n < len(p) && n < s.maxBatch && size+p[n].size <= s.maxBatchBytes {
			size += p[n].size
			n++
		}
		if n == len(p) && n < s.maxBatch && !all {
			break // partial: it waits for more, or for the calls in flight
		}
		for _, r := range p[:n] {
			r.taken = true
		}
		batches = append(batches, p[:n:n])
		p = p[n:]
	}
	if len(p) == 0 {
		p = nil
	}
	q.pending = p
	return batches
}

func (s *Sender) release(n int) {
	s.mu.Lock()
	s.active -= n
	s.maybeIdleLocked()
	s.mu.Unlock()
}

func (s *Sender) maybeIdleLocked() {
	if s.active == 0 && s.idle != nil {
		close(s.idle)
		s.idle = nil
	}
}

// sendBatch makes one call for b and hands each caller its result.
func (s *Sender) sendBatch(url string, b []*sendReq) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(b[0].ctx), s.callTimeout)
	defer cancel()
	if len(b) == 1 {
		out, err := s.sendOne(ctx, b[0].in)
		b[0].done <- sendResult{out, err}
		return
	}
	entries := make([]types.SendMessageBatchRequestEntry, len(b))
	for i, r := range b {
		entries[i] = types.SendMessageBatchRequestEntry{
			Id:                      ptr(strconv.Itoa(i)),
			MessageBody:             r.in.MessageBody,
			DelaySeconds:            r.in.DelaySeconds,
			MessageAttributes:       r.in.MessageAttributes,
			MessageDeduplicationId:  r.in.MessageDeduplicationId,
			MessageGroupId:          r.in.MessageGroupId,
			MessageSystemAttributes: r.in.MessageSystemAttributes,
		}
	}
	s.calls[1].Add(1)
	s.messages.Add(int64(len(b)))
	s.batched.Add(int64(len(b)))
	out, err := s.api.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries})
	if err != nil {
		var invalid *smithy.InvalidParamsError
		if sqsapi.IsInvalidParameter(err) || errors.As(err, &invalid) {
			// The whole batch was refused as invalid, so nothing was sent:
			// send one by one, so that each caller gets its own answer.
			s.log.Debug("batcher: SendMessageBatch refused, sending one by one", "queue", url, "entries", len(b), "err", err)
			for _, r := range b {
				o, e := s.sendOne(ctx, r.in)
				r.done <- sendResult{o, e}
			}
			return
		}
		s.log.Debug("batcher: SendMessageBatch failed", "queue", url, "entries", len(b), "err", err)
		s.failed.Add(int64(len(b)))
		err = fmt.Errorf("batcher: SendMessageBatch to %s (%d messages): %w", url, len(b), err)
		for _, r := range b {
			r.done <- sendResult{nil, err}
		}
		return
	}
	answered := make([]bool, len(b))
	for _, e := range out.Successful {
		i, ok := entryIndex(e.Id, len(b))
		if !ok || answered[i] {
			continue
		}
		answered[i] = true
		b[i].done <- sendResult{out: &sqs.SendMessageOutput{
			MessageId:                    e.MessageId,
			MD5OfMessageBody:             e.MD5OfMessageBody,
			MD5OfMessageAttributes:       e.MD5OfMessageAttributes,
			MD5OfMessageSystemAttributes: e.MD5OfMessageSystemAttributes,
			SequenceNumber:               e.SequenceNumber,
			ResultMetadata:               out.ResultMetadata,
		}}
	}
	for _, e := range out.Failed {
		i, ok := entryIndex(e.Id, len(b))
		if !ok || answered[i] {
			continue
		}
		answered[i] = true
		s.failed.Add(1)
		b[i].done <- sendResult{err: fmt.Errorf("batcher: SendMessage to %s: %w", url, &EntryError{
			Op: opSendMessageBatch, QueueURL: url, Code: aws(e.Code), Message: aws(e.Message), SenderFault: e.SenderFault,
		})}
	}
	for i, ok := range answered {
		if !ok {
			s.failed.Add(1)
			b[i].done <- sendResult{err: fmt.Errorf("batcher: SendMessage to %s: %w", url, errNoResult)}
		}
	}
}

var errNoResult = errors.New("SendMessageBatch returned no result for the entry; the message may or may not have been sent")

func entryIndex(id *string, n int) (int, bool) {
	i, err := strconv.Atoi(aws(id))
	return i, err == nil && i >= 0 && i < n && strconv.Itoa(i) == aws(id)
}

// Close fails the sends still waiting with ErrClosed, refuses new ones, and
// waits until the calls in flight have returned or ctx ends. It is
// idempotent.
func (s *Sender) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for _, q := range s.queues {
		for _, r := range q.pending {
			r.taken = true
			s.withdrawn.Add(1)
			r.done <- sendResult{err: fmt.Errorf("batcher: SendMessage to %s: not sent: %w", q.url, ErrClosed)}
		}
		q.pending = nil
	}
	var idle chan struct{}
	if s.active > 0 {
		if s.idle == nil {
			s.idle = make(chan struct{})
		}
		idle = s.idle
	}
	s.mu.Unlock()
	if idle == nil {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("batcher: Sender.Close: calls still in flight: %w", ctx.Err())
	}
}

// Stats returns a snapshot of the counters.
func (s *Sender) Stats() SenderStats {
	st := SenderStats{
		Calls: map[string]int64{
			opSendMessage:      s.calls[0].Load(),
			opSendMessageBatch: s.calls[1].Load(),
		},
		Messages:  s.messages.Load(),
		Failed:    s.failed.Load(),
		Withdrawn: s.withdrawn.Load(),
		Batches:   s.calls[1].Load(),
		Batched:   s.batched.Load(),
	}
	if st.Batches > 0 {
		st.MeanBatchSize = float64(st.Batched) / float64(st.Batches)
	}
	if n := st.Calls[opSendMessage] + st.Batches; n > 0 {
		st.MessagesPerCall = float64(st.Messages) / float64(n)
	}
	return st
}

// batchable reports whether in can go in a batch: it has a queue URL and
// everything the SDK requires of a batch entry. Other sends go directly, so
// that input the SDK refuses fails only its own caller.
func batchable(in *sqs.SendMessageInput) bool {
	if aws(in.QueueUrl) == "" || in.MessageBody == nil {
		return false
	}
	for _, v := range in.MessageAttributes {
		if v.DataType == nil {
			return false
		}
	}
	for _, v := range in.MessageSystemAttributes {
		if v.DataType == nil {
			return false
		}
	}
	return true
}

// messageSize is the size SQS counts against its payload limits: the body
// plus, for every message attribute, its name, data type and value.
func messageSize(in *sqs.SendMessageInput) int {
	n := len(aws(in.MessageBody))
	for name, v := range in.MessageAttributes {
		n += len(name) + attrSize(v.DataType, v.StringValue, v.BinaryValue, v.StringListValues, v.BinaryListValues)
	}
	for name, v := range in.MessageSystemAttributes {
		n += len(name) + attrSize(v.DataType, v.StringValue, v.BinaryValue, v.StringListValues, v.BinaryListValues)
	}
	return n
}

func attrSize(dataType, str *string, bin []byte, strs []string, bins [][]byte) int {
	n := len(aws(dataType)) + len(aws(str)) + len(bin)
	for _, v := range strs {
		n += len(v)
	}
	for _, v := range bins {
		n += len(v)
	}
	return n
}

func aws(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }
