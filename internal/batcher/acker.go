package batcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// Acker defaults.
const (
	// DefaultMaxDelay is how long a request may wait for its batch to fill.
	// It must stay well inside the visibility timeout of the queues acked.
	DefaultMaxDelay = 100 * time.Millisecond
	// DefaultMaxAttempts is how many times a retryable entry is tried.
	DefaultMaxAttempts = 4
	// DefaultBackoff is the wait before the first retry; it doubles after
	// each attempt, up to maxBackoff.
	DefaultBackoff = 100 * time.Millisecond
	// DefaultMaxInFlight bounds the Acker's concurrent calls.
	DefaultMaxInFlight = 16

	maxBackoff = 5 * time.Second
	maxErrors  = 100 // deferred errors kept in full; the rest are counted
)

// AckerOptions configures an Acker. The zero value gives the defaults.
type AckerOptions struct {
	// MaxDelay bounds how long a request waits for its batch to fill before
	// it is sent anyway. Default (0) DefaultMaxDelay. Keep it well inside the
	// visibility timeout of the queues acked (SQS default 30 s), or messages
	// are redelivered before their delete is sent.
	MaxDelay time.Duration
	// MaxBatch is the most entries per batch call: 1 to 10, default (0) 10.
	MaxBatch int
	// MaxAttempts bounds how often an entry that failed for a transient
	// reason (throttling, server or transport error) is tried. Default (0)
	// DefaultMaxAttempts.
	MaxAttempts int
	// Backoff is the wait before the first retry, doubled after each one
	// (capped at 5 s). Default (0) DefaultBackoff.
	Backoff time.Duration
	// MaxInFlight bounds concurrent batch calls. Default (0)
	// DefaultMaxInFlight. While it is reached, requests keep collecting.
	MaxInFlight int
	// CallTimeout bounds each call. Default (0) DefaultCallTimeout.
	CallTimeout time.Duration
	// Clock drives MaxDelay and the retry backoff (Flush and Close wait for
	// retries, so with a fake clock the test must advance it). Default: the
	// wall clock.
	Clock clock.Clock
	// Logger receives warn records of failures and debug records of stale
	// entries. Default: discard.
	Logger *slog.Logger
	// OnError, if set, is called once for every request that was not
	// carried out and is reported as a failure (not for stale entries). It
	// may be called concurrently, from the Acker's goroutines or, for a
	// request refused after Close, from the caller's; it must not block.
	OnError func(*AckError)
}

// AckerStats is a snapshot of an Acker's counters. Entries are counted once
// each, by their final outcome.
type AckerStats struct {
	// Calls counts SQS calls made, by operation ("DeleteMessageBatch",
	// "ChangeMessageVisibilityBatch"), retries included.
	Calls map[string]int64
	// Requested counts Delete and ChangeVisibility requests accepted.
	Requested int64
	// Deduplicated counts requests merged into a pending one for the same
	// receipt handle (or superseded by a Delete).
	Deduplicated int64
	// Succeeded counts entries SQS carried out.
	Succeeded int64
	// Stale counts entries SQS refused because the receipt handle was no
	// longer valid or the queue no longer exists: final, not data loss.
	Stale int64
	// Retried counts entry retries.
	Retried int64
	// Failed counts entries reported as failures (OnError, Flush, Close).
	Failed int64
	// Refused counts requests refused because the Acker was closed or the
	// input was invalid; they are reported like failures too.
	Refused int64
	// Pending is the number of requests waiting to be sent.
	Pending int
	// Entries counts entries sent in calls, retries included;
	// MeanBatchSize is Entries per call.
	Entries       int64
	MeanBatchSize float64
}

type ackKind int

const (
	kindDelete ackKind = iota
	kindChange
)

func (k ackKind) op() string {
	if k == kindDelete {
		return opDeleteMessage
	}
	return opChangeMessageVisibility
}

type ackEntry struct {
	kind    ackKind
	handle  string
	timeout int32
}

// ackQueue holds the requests pending for one queue URL.
type ackQueue struct {
	deletes, changes []*ackEntry
	byHandle         map[string]*ackEntry
	deadline         time.Time // when the oldest pending request must go
}

// ackBatch is one batch call and its retries, run by one worker goroutine.
type ackBatch struct {
	kind    ackKind
	url     string
	entries []*ackEntry
	done    chan struct{} // closed when the batch is finished
	err     error         // its failures; written before done is closed
}

// Acker batches deletes and visibility changes that nobody waits for into
// DeleteMessageBatch and ChangeMessageVisibilityBatch calls. Its zero value
// is not usable; call NewAcker. It is safe for concurrent use.
type Acker struct {
	api         sqsapi.API
	maxDelay    time.Duration
	maxBatch    int
	maxAttempts int
	backoff     time.Duration
	callTimeout time.Duration
	clk         clock.Clock
	log         *slog.Logger
	onError     func(*AckError)

	mu       sync.Mutex
	queues   map[string]*ackQueue
	pending  int
	closed   bool
	inflight map[*ackBatch]struct{}
	errs     []error
	dropped  int // failures beyond maxErrors

	kick       chan struct{}         // wakes the owner; buffered(1)
	flushReq   chan chan []*ackBatch // Flush asks the owner
	stop       chan struct{}         // closed by Close
	stopOnce   sync.Once
	done       chan struct{}      // closed when the owner has exited
	hardCtx    context.Context    // parent of every call
	hardCancel context.CancelFunc // called when Close's ctx ends
	sem        chan struct{}      // bounds concurrent calls
	wg         sync.WaitGroup     // workers

	calls        [2]atomic.Int64 // DeleteMessageBatch, ChangeMessageVisibilityBatch
	requested    atomic.Int64
	deduplicated atomic.Int64
	succeeded    atomic.Int64
	stale        atomic.Int64
	retried      atomic.Int64
	failed       atomic.Int64
	refused      atomic.Int64
	entries      atomic.Int64
}

// NewAcker returns an Acker and starts its owner goroutine; Close stops it.
func NewAcker(api sqsapi.API, optFns ...func(*AckerOptions)) *Acker {
	var o AckerOptions
	for _, fn := range optFns {
		fn(&o)
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaxBatch <= 0 || o.MaxBatch > sqsapi.MaxBatchEntries {
		o.MaxBatch = sqsapi.MaxBatchEntries
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	a := &Acker{
		api:         api,
		maxDelay:    o.MaxDelay,
		maxBatch:    o.MaxBatch,
		maxAttempts: o.MaxAttempts,
		backoff:     o.Backoff,
		callTimeout: o.CallTimeout,
		clk:         clock.OrReal(o.Clock),
		log:         orDiscard(o.Logger),
		onError:     o.OnError,
		queues:      make(map[string]*ackQueue),
		inflight:    make(map[*ackBatch]struct{}),
		kick:        make(chan struct{}, 1),
		flushReq:    make(chan chan []*ackBatch),
		stop:        make(chan struct{}),
		done:        make(chan struct{}),
		sem:         make(chan struct{}, o.MaxInFlight),
	}
	a.hardCtx, a.hardCancel = context.WithCancel(context.Background())
	go a.run()
	return a
}

// Delete asks for the message with receiptHandle to be deleted from the
// queue at queueURL. It never blocks and never calls SQS itself: the delete
// is sent in a DeleteMessageBatch within MaxDelay. Failures are reported as
// described in the package documentation.
func (a *Acker) Delete(queueURL, receiptHandle string) {
	a.add(&ackEntry{kind: kindDelete, handle: receiptHandle}, queueURL)
}

// ChangeVisibility asks for the visibility timeout of the message with
// receiptHandle to be set to timeoutSeconds (0 releases it at once). It never
// blocks and never calls SQS itself: the change is sent in a
// ChangeMessageVisibilityBatch within MaxDelay.
func (a *Acker) ChangeVisibility(queueURL, receiptHandle string, timeoutSeconds int32) {
	a.add(&ackEntry{kind: kindChange, handle: receiptHandle, timeout: timeoutSeconds}, queueURL)
}

func (a *Acker) add(e *ackEntry, url string) {
	var bad error
	switch {
	case url == "":
		bad = &sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "QueueUrl", Value: "", Reason: "must not be empty"}
	case e.handle == "":
		bad = &sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "ReceiptHandle", Value: "", Reason: "must not be empty"}
	case e.kind == kindChange:
		bad = sqsapi.ValidateVisibilityTimeout(e.timeout)
	}
	if bad != nil {
		a.refuse(e, url, bad)
		return
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		a.refuse(e, url, ErrClosed)
		return
	}
	a.requested.Add(1)
	q := a.queues[url]
	if q == nil {
		q = &ackQueue{byHandle: make(map[string]*ackEntry), deadline: a.clk.Now().Add(a.maxDelay)}
		a.queues[url] = q
	}
	if old := q.byHandle[e.handle]; old != nil {
		a.deduplicated.Add(1)
		switch {
		case old.kind == kindDelete:
			// A pending delete makes any other request for the handle moot.
			a.mu.Unlock()
			return
		case e.kind == kindChange:
			old.timeout = e.timeout // the latest visibility change wins
			a.mu.Unlock()
			return
		default:
			// A delete supersedes a pending visibility change.
			q.changes = remove(q.changes, old)
			a.pending--
		}
	}
	q.byHandle[e.handle] = e
	if e.kind == kindDelete {
		q.deletes = append(q.deletes, e)
	} else {
		q.changes = append(q.changes, e)
	}
	a.pending++
	a.mu.Unlock()
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

func remove(s []*ackEntry, e *ackEntry) []*ackEntry {
	for i, x := range s {
		if x == e {
			return append(s[:i], s[i+1:]...)
		}
	}
	return s
}

// refuse reports a request that is not even queued.
func (a *Acker) refuse(e *ackEntry, url string, err error) {
	a.refused.Add(1)
	a.report(&AckError{Op: e.kind.op(), QueueURL: url, ReceiptHandle: e.handle, VisibilityTimeout: e.timeout, Err: err})
}

// fail reports an entry that was not carried out.
func (a *Acker) fail(kind ackKind, url string, e *ackEntry, err error) error {
	a.failed.Add(1)
	ae := &AckError{Op: kind.op(), QueueURL: url, ReceiptHandle: e.handle, VisibilityTimeout: e.timeout, Err: err}
	a.report(ae)
	return ae
}

func (a *Acker) report(ae *AckError) {
	a.log.Warn("batcher: request not carried out", "op", ae.Op, "queue", ae.QueueURL, "err", ae.Err)
	a.mu.Lock()
	if len(a.errs) < maxErrors {
		a.errs = append(a.errs, ae)
	} else {
		a.dropped++
	}
	a.mu.Unlock()
	if a.onError != nil {
		a.onError(ae)
	}
}

// run is the owner goroutine: it sends batches that are full or due,
// serves Flush, and on Close sends everything and waits for the workers.
func (a *Acker) run() {
	defer close(a.done)
	defer a.wg.Wait()
	var (
		timer   clock.Timer
		timerAt time.Time
	)
	stopTimer := func() {
		if timer != nil {
			timer.Stop()
			timer = nil
		}
	}
	defer stopTimer()
	for {
		now := a.clk.Now()
		a.mu.Lock()
		batches, next := a.takeLocked(now, false)
		a.mu.Unlock()
		a.dispatch(batches)

		switch {
		case next.IsZero():
			stopTimer()
		case timer == nil || !next.Equal(timerAt):
			stopTimer()
			timer, timerAt = a.clk.NewTimer(next.Sub(now)), next
		}
		var fire <-chan time.Time
		if timer != nil {
			fire = timer.C()
		}
		select {
		case <-a.kick:
		case <-fire:
			timer = nil
		case reply := <-a.flushReq:
			a.mu.Lock()
			batches, _ := a.takeLocked(now, true)
			a.mu.Unlock()
			a.dispatch(batches)
			a.mu.Lock()
			list := make([]*ackBatch, 0, len(a.inflight))
			for b := range a.inflight {
				list = append(list, b)
			}
			a.mu.Unlock()
			reply <- list
		case <-a.stop:
			a.mu.Lock()
			batches, _ := a.takeLocked(now, true)
			a.mu.Unlock()
			a.dispatch(batches)
			return
		}
	}
}

// takeLocked removes the batches that are full, or due at now (all if
// force), and returns them with the earliest deadline of what remains.
func (a *Acker) takeLocked(now time.Time, force bool) (batches []*ackBatch, next time.Time) {
	for url, q := range a.queues {
		due := force || !now.Before(q.deadline)
		for _, kind := range [...]ackKind{kindDelete, kindChange} {
			list := &q.deletes
			if kind == kindChange {
				list = &q.changes
			}
			for len(*list) >= a.maxBatch || due && len(*list) > 0 {
				n := min(len(*list), a.maxBatch)
				entries := (*list)[:n:n]
				*list = (*list)[n:]
				for _, e := range entries {
					delete(q.byHandle, e.handle)
				}
				a.pending -= n
				batches = append(batches, &ackBatch{kind: kind, url: url, entries: entries, done: make(chan struct{})})
			}
		}
		if len(q.deletes) == 0 && len(q.changes) == 0 {
			delete(a.queues, url)
		} else if next.IsZero() || q.deadline.Before(next) {
			next = q.deadline
		}
	}
	return batches, next
}

// dispatch starts a worker per batch, as call slots allow.
func (a *Acker) dispatch(batches []*ackBatch) {
	for i, b := range batches {
		select {
		case a.sem <- struct{}{}:
		case <-a.hardCtx.Done():
			for _, b := range batches[i:] {
				var errs []error
				for _, e := range b.entries {
					errs = append(errs, a.fail(b.kind, b.url, e, fmt.Errorf("not sent before Close gave up: %w", ErrClosed)))
				}
				b.err = errors.Join(errs...)
				close(b.done)
			}
			return
		}
		a.mu.Lock()
		a.inflight[b] = struct{}{}
		a.mu.Unlock()
		a.wg.Add(1)
		go a.work(b)
	}
}

type retryEntry struct {
	e   *ackEntry
	err error
}

// work sends one batch, retrying transient failures with backoff.
func (a *Acker) work(b *ackBatch) {
	var errs []error
	defer func() {
		<-a.sem
		a.mu.Lock()
		delete(a.inflight, b)
		a.mu.Unlock()
		b.err = errors.Join(errs...)
		close(b.done)
		a.wg.Done()
	}()
	entries := b.entries
	backoff := a.backoff
	for attempt := 1; ; attempt++ {
		retry, failures := a.call(b.kind, b.url, entries)
		errs = append(errs, failures...)
		if len(retry) == 0 {
			return
		}
		giveUp := func(why error) {
			for _, r := range retry {
				errs = append(errs, a.fail(b.kind, b.url, r.e, fmt.Errorf("%w (after %d attempts)", why, attempt)))
			}
		}
		if attempt >= a.maxAttempts {
			giveUp(retry[0].err)
			return
		}
		t := a.clk.NewTimer(backoff)
		select {
		case <-t.C():
		case <-a.hardCtx.Done():
			t.Stop()
			giveUp(fmt.Errorf("retry abandoned because Close gave up: %w", ErrClosed))
			return
		}
		backoff = min(2*backoff, maxBackoff)
		entries = entries[:0:0]
		for _, r := range retry {
			entries = append(entries, r.e)
		}
		a.retried.Add(int64(len(entries)))
	}
}

// outcome of an error, for one entry or a whole call.
type outcome int

const (
	outcomeFail outcome = iota
	outcomeStale
	outcomeRetry
)

func (a *Acker) classify(err error, senderFault bool) outcome {
	if a.hardCtx.Err() != nil {
		return outcomeFail
	}
	switch sqsapi.Classify(err) {
	case sqsapi.CategoryReceiptHandleInvalid, sqsapi.CategoryQueueDoesNotExist:
		return outcomeStale
	case sqsapi.CategoryThrottled:
		return outcomeRetry
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return outcomeRetry // transport error or timeout
	}
	if apiErr.ErrorFault() == smithy.FaultServer || !senderFault {
		return outcomeRetry
	}
	return outcomeFail
}

// call makes one batch call for entries and settles each entry: success,
// stale and final failures are accounted here; the retryable ones are
// returned.
func (a *Acker) call(kind ackKind, url string, entries []*ackEntry) (retry []retryEntry, failures []error) {
	ctx, cancel := context.WithTimeout(a.hardCtx, a.callTimeout)
	defer cancel()
	a.entries.Add(int64(len(entries)))
	var (
		op     string
		okIDs  []*string
		failed []types.BatchResultErrorEntry
		err    error
	)
	if kind == kindDelete {
		op = opDeleteMessageBatch
		a.calls[0].Add(1)
		in := &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: make([]types.DeleteMessageBatchRequestEntry, len(entries))}
		for i, e := range entries {
			in.Entries[i] = types.DeleteMessageBatchRequestEntry{Id: ptr(strconv.Itoa(i)), ReceiptHandle: ptr(e.handle)}
		}
		var out *sqs.DeleteMessageBatchOutput
		if out, err = a.api.DeleteMessageBatch(ctx, in); err == nil {
			for _, s := range out.Successful {
				okIDs = append(okIDs, s.Id)
			}
			failed = out.Failed
		}
	} else {
		op = opChangeMessageVisibilityBatch
		a.calls[1].Add(1)
		in := &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url, Entries: make([]types.ChangeMessageVisibilityBatchRequestEntry, len(entries))}
		for i, e := range entries {
			in.Entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{Id: ptr(strconv.Itoa(i)), ReceiptHandle: ptr(e.handle), VisibilityTimeout: e.timeout}
		}
		var out *sqs.ChangeMessageVisibilityBatchOutput
		if out, err = a.api.ChangeMessageVisibilityBatch(ctx, in); err == nil {
			for _, s := range out.Successful {
				okIDs = append(okIDs, s.Id)
			}
			failed = out.Failed
		}
	}

	settle := func(e *ackEntry, err error, senderFault bool) {
		switch a.classify(err, senderFault) {
		case outcomeStale:
			a.stale.Add(1)
			a.log.Debug("batcher: stale request", "op", kind.op(), "queue", url, "err", err)
		case outcomeRetry:
			retry = append(retry, retryEntry{e, err})
		default:
			failures = append(failures, a.fail(kind, url, e, err))
		}
	}
	if err != nil {
		err = fmt.Errorf("%s: %w", op, err)
		for _, e := range entries {
			settle(e, err, true)
		}
		return retry, failures
	}
	settled := make([]bool, len(entries))
	for _, id := range okIDs {
		if i, ok := entryIndex(id, len(entries)); ok && !settled[i] {
			settled[i] = true
			a.succeeded.Add(1)
		}
	}
	for _, f := range failed {
		if i, ok := entryIndex(f.Id, len(entries)); ok && !settled[i] {
			settled[i] = true
			settle(entries[i], &EntryError{Op: op, QueueURL: url, Code: aws(f.Code), Message: aws(f.Message), SenderFault: f.SenderFault}, f.SenderFault)
		}
	}
	for i, ok := range settled {
		if !ok {
			retry = append(retry, retryEntry{entries[i], fmt.Errorf("%s: no result for the entry", op)})
		}
	}
	return retry, failures
}

// Flush sends everything pending now and waits until it, and every call
// already in flight, has finished (retries included) or ctx ends. It returns
// the failures of the batches it waited for, joined. After Close it returns
// nil at once.
func (a *Acker) Flush(ctx context.Context) error {
	reply := make(chan []*ackBatch, 1)
	select {
	case a.flushReq <- reply:
	case <-a.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("batcher: Acker.Flush: %w", ctx.Err())
	}
	var list []*ackBatch
	select {
	case list = <-reply:
	case <-ctx.Done():
		return fmt.Errorf("batcher: Acker.Flush: %w", ctx.Err())
	}
	var errs []error
	for _, b := range list {
		select {
		case <-b.done:
			errs = append(errs, b.err)
		case <-ctx.Done():
			return errors.Join(append(errs, fmt.Errorf("batcher: Acker.Flush: %w", ctx.Err()))...)
		}
	}
	return errors.Join(errs...)
}

// Close sends everything pending, waits for every call (retries included),
// stops the owner goroutine, and returns every failure reported since
// NewAcker (joined with errors.Join; nil if none). If ctx ends first, the
// calls in flight are cancelled, their entries reported as failures, and
// Close returns once every goroutine has stopped. Later requests are
// refused. Close is idempotent.
func (a *Acker) Close(ctx context.Context) error {
	a.stopOnce.Do(func() {
		a.mu.Lock()
		a.closed = true
		a.mu.Unlock()
		close(a.stop)
	})
	var ctxErr error
	select {
	case <-a.done:
	case <-ctx.Done():
		a.hardCancel()
		<-a.done
		ctxErr = fmt.Errorf("batcher: Acker.Close: %w", ctx.Err())
	}
	a.hardCancel()
	a.mu.Lock()
	errs := append([]error(nil), a.errs...)
	if a.dropped > 0 {
		errs = append(errs, fmt.Errorf("batcher: %d more failures not listed", a.dropped))
	}
	a.mu.Unlock()
	return errors.Join(append(errs, ctxErr)...)
}

// Stats returns a snapshot of the counters.
func (a *Acker) Stats() AckerStats {
	a.mu.Lock()
	pending := a.pending
	a.mu.Unlock()
	st := AckerStats{
		Calls: map[string]int64{
			opDeleteMessageBatch:           a.calls[0].Load(),
			opChangeMessageVisibilityBatch: a.calls[1].Load(),
		},
		Requested:    a.requested.Load(),
		Deduplicated: a.deduplicated.Load(),
		Succeeded:    a.succeeded.Load(),
		Stale:        a.stale.Load(),
		Retried:      a.retried.Load(),
		Failed:       a.failed.Load(),
		Refused:      a.refused.Load(),
		Pending:      pending,
		Entries:      a.entries.Load(),
	}
	if n := st.Calls[opDeleteMessageBatch] + st.Calls[opChangeMessageVisibilityBatch]; n > 0 {
		st.MeanBatchSize = float64(st.Entries) / float64(n)
	}
	return st
}
