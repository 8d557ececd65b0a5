package responder

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/callcount"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// extendCallTimeout bounds each ChangeMessageVisibilityBatch call.
const extendCallTimeout = 10 * time.Second

// extender keeps the requests whose handler runs invisible: when a third of
// a request's visibility timeout is left, it extends the visibility by the
// timeout again (in ChangeMessageVisibilityBatch calls of up to 10), until
// Options.MaxExtension after the request was received. One goroutine per
// Serve call, started with the first request and stopped by stop. A nil
// *extender (extension off) does nothing.
type extender struct {
	api      *callcount.API
	queueURL string
	vt       time.Duration // the requests' visibility timeout
	lead     time.Duration // extend when this much visibility is left
	limit    time.Duration // Options.MaxExtension
	log      *slog.Logger
	count    func(extended int)

	ctx    context.Context // cancelled by stop
	cancel context.CancelFunc
	kick   chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	reqs    map[*request]struct{}
	started bool
	stopped bool
}

// newExtender returns the extender of s, or nil if extension is off or the
// visibility timeout is unknown.
func newExtender(s *server) *extender {
	if s.r.opts.MaxExtension < 0 || s.vt <= 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &extender{
		api: s.r.calls, queueURL: s.queueURL, vt: s.vt, lead: s.vt / 3, limit: s.r.opts.MaxExtension,
		log: s.log, count: func(n int) { s.r.extended.Add(int64(n)) },
		ctx: ctx, cancel: cancel, kick: make(chan struct{}, 1), done: make(chan struct{}),
		reqs: make(map[*request]struct{}),
	}
}

// track starts extending q, received (and visible again) after e.vt.
func (e *extender) track(q *request) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return
	}
	q.visibleUntil = q.received.Add(e.vt)
	e.reqs[q] = struct{}{}
	if !e.started {
		e.started = true
		go e.run()
	}
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// untrack stops extending q: it is settled, or left to SQS.
func (e *extender) untrack(q *request) {
	if e == nil {
		return
	}
	e.mu.Lock()
	delete(e.reqs, q)
	e.mu.Unlock()
}

// stop stops the goroutine (cancelling a call in flight) and waits for it.
// It is idempotent.
func (e *extender) stop() {
	if e == nil {
		return
	}
	e.mu.Lock()
	started, already := e.started, e.stopped
	e.stopped = true
	e.mu.Unlock()
	if already {
		return
	}
	e.cancel()
	if started {
		<-e.done
	}
}

func (e *extender) run() {
	defer close(e.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		due, next := e.due(time.Now())
		if len(due) > 0 {
			e.extend(due)
			continue
		}
		wait := time.Hour // nothing due: wait for a kick
		if !next.IsZero() {
			wait = time.Until(next)
		}
		timer.Reset(wait)
		select {
		case <-e.ctx.Done():
			return
		case <-e.kick:
		case <-timer.C:
		}
	}
}

// extension is one entry of a ChangeMessageVisibilityBatch call.
type extension struct {
	q       *request
	timeout int32 // seconds
}

// due returns the extensions to make now (marking their requests visible
// until then), and when the next one is due (zero if none is).
func (e *extender) due(now time.Time) (due []extension, next time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for q := range e.reqs {
		end := q.received.Add(e.limit)
		if !q.visibleUntil.Before(end) {
			continue // extended as far as MaxExtension allows
		}
		at := q.visibleUntil.Add(-e.lead)
		if at.After(now) {
			if next.IsZero() || at.Before(next) {
				next = at
			}
			continue
		}
		d := min(e.vt, end.Sub(now))
		secs := int32((d + time.Second - 1) / time.Second)
		if secs <= 0 {
			continue
		}
		q.visibleUntil = now.Add(time.Duration(secs) * time.Second)
		due = append(due, extension{q, secs})
	}
	return due, next
}

// extend sends the extensions, up to 10 per call.
func (e *extender) extend(due []extension) {
	for len(due) > 0 {
		n := min(len(due), sqsapi.MaxBatchEntries)
		e.call(due[:n])
		due = due[n:]
	}
}

func (e *extender) call(batch []extension) {
	entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(batch))
	for i, x := range batch {
		entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
			ReceiptHandle: aws.String(x.q.handle), VisibilityTimeout: x.timeout}
	}
	ctx, cancel := context.WithTimeout(e.ctx, extendCallTimeout)
	defer cancel()
	out, err := e.api.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &e.queueURL, Entries: entries})
	if err != nil {
		if e.ctx.Err() == nil {
			e.log.Warn("responder: extending the visibility of running requests failed; they may be handled twice",
				"requests", len(batch), "err", err)
		}
		return
	}
	e.count(len(out.Successful))
	for _, f := range out.Failed {
		i, err := strconv.Atoi(aws.ToString(f.Id))
		if err != nil || i < 0 || i >= len(batch) {
			continue
		}
		e.mu.Lock()
		_, running := e.reqs[batch[i].q]
		e.mu.Unlock()
		if running { // else: settled meanwhile, deleted or released; nothing to extend
			e.log.Warn("responder: extending the visibility of a running request failed; it may be handled twice",
				"message", aws.ToString(batch[i].q.m.MessageId), "code", aws.ToString(f.Code), "reason", aws.ToString(f.Message))
		}
	}
}
