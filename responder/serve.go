package responder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/batcher"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// A Handler answers requests served by Serve, in the manner of
// net/http.Handler.
//
// ServeSQS returns the response to send, with QueueUrl left empty (Serve
// fills it in from the request's ResponseQueueUrl), or nil to send none. A
// *ReplyError (or an error wrapping one) is an answer: Serve sends it as an
// error reply. Any other error means the request failed: no response is
// sent and Options.OnHandlerError decides what becomes of the request. A
// panic is recovered and treated as an error.
//
// ctx carries the request's deadline if it has one (and
// Options.HandlerTimeout if set), and the span of the request, a child of
// the caller's if the request carries its trace context. It is not
// cancelled when Serve's ctx ends (Serve lets running handlers finish), only
// when Options.ShutdownTimeout runs out. ServeSQS may be called
// concurrently.
type Handler interface {
	ServeSQS(ctx context.Context, request types.Message) (*sqs.SendMessageInput, error)
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, request types.Message) (*sqs.SendMessageInput, error)

// ServeSQS calls f(ctx, request).
func (f HandlerFunc) ServeSQS(ctx context.Context, request types.Message) (*sqs.SendMessageInput, error) {
	return f(ctx, request)
}

// ErrShutdownTimeout is matched (errors.Is) by the error Serve returns when
// handlers were still running after Options.ShutdownTimeout: their requests
// were released to other servers. The error says how many; so does
// Stats.Released.
var ErrShutdownTimeout = errors.New("responder: handlers still running after ShutdownTimeout")

// Serve receives requests from the queue at requestQueueURL and answers them
// with h until ctx ends.
//
// It long-polls for up to 10 requests at a time (never more than there are
// free handler slots, Options.MaxConcurrency); while receives come back full
// it adds concurrent receivers, up to Options.MaxReceivers, and drops them
// when the backlog is gone. It runs h on each request concurrently,
// sends each response to the request's ResponseQueueUrl (see SendResponse;
// concurrent responses to one host queue share SendMessageBatch calls) and
// deletes each request after its response is sent, in DeleteMessageBatch
// calls of up to 10 off the critical path. A request without a
// ResponseQueueUrl is handled and deleted; nothing is sent. A request whose
// reply URL is refused by the allow rule, or whose response queue no longer
// exists, is deleted (the refusal or the stale reply is logged and counted).
// A request whose deadline has passed is deleted unhandled. A handler's
// ReplyError is sent as an error reply; other handler failures are dealt
// with by Options.OnHandlerError; a request whose response could not be
// sent for another reason (throttling, network) is left for SQS to
// redeliver. While a handler runs, its request's visibility is extended
// (see Options.MaxExtension).
//
// Transient receive errors are retried with backoff. A receive error that
// retrying cannot fix (the queue does not exist, access is denied, a
// parameter is invalid) stops receiving: Serve then finishes as below and
// returns that error, wrapped.
//
// When ctx ends, Serve stops receiving (the long poll in progress is
// cancelled; should SQS have taken messages for it, they reappear after the
// visibility timeout), waits for running handlers and their responses (up
// to Options.ShutdownTimeout, if set: see ErrShutdownTimeout), sends the
// pending deletes, and returns nil, or the deferred errors of those deletes.
// It returns an error at once for an invalid requestQueueURL or a nil h.
func (r *Responder) Serve(ctx context.Context, requestQueueURL string, h Handler) error {
	reqQ, err := r.validateServe(requestQueueURL, h)
	if err != nil {
		return fmt.Errorf("responder: Serve: %w", err)
	}
	s := &server{r: r, h: h, queueURL: requestQueueURL, queueName: reqQ.Name, queue: reqQ,
		log:   r.opts.Logger.With("queue", requestQueueURL),
		slots: make(chan struct{}, r.opts.MaxConcurrency), running: make(map[*request]struct{}), idle: make(chan struct{})}
	if err := s.readVisibility(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("responder: Serve %s: %w", requestQueueURL, err)
	}
	s.acker = batcher.NewAcker(r.calls, func(ao *batcher.AckerOptions) { ao.Logger = s.log })
	s.ext = newExtender(s)
	recvCtx, stopReceiving := context.WithCancel(ctx)
	defer stopReceiving()
	s.stopReceiving = stopReceiving
	s.startReceiver(recvCtx, false)
	s.receivers.Wait() // after this, no handler starts
	released := s.drain()
	var errs []error
	if s.fatal != nil {
		errs = append(errs, fmt.Errorf("responder: Serve %s: receive requests: %w", requestQueueURL, s.fatal))
	}
	if released > 0 {
		errs = append(errs, fmt.Errorf("responder: Serve %s: %d requests still being handled after ShutdownTimeout %v were released to other servers: %w",
			requestQueueURL, released, r.opts.ShutdownTimeout, ErrShutdownTimeout))
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultSendTimeout)
	defer cancel()
	if err := s.acker.Close(fctx); err != nil {
		errs = append(errs, fmt.Errorf("responder: Serve %s: deleting answered requests: %w", requestQueueURL, err))
	}
	return errors.Join(errs...)
}

// validateServe checks Serve's arguments and options before any SQS call.
func (r *Responder) validateServe(requestQueueURL string, h Handler) (sqsapi.QueueURL, error) {
	if h == nil {
		return sqsapi.QueueURL{}, &sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "Handler", Value: "<nil>", Reason: "required"}
	}
	if _, _, virtual := virtualqueue.ParseURL(requestQueueURL); virtual {
		return sqsapi.QueueURL{}, &sqsapi.InvalidParameterError{Param: "QueueUrl", Value: requestQueueURL,
			Reason: "Serve reads a real SQS queue, not a virtual queue"}
	}
	reqQ, err := sqsapi.ParseQueueURL(requestQueueURL)
	if err != nil {
		return sqsapi.QueueURL{}, err
	}
	if vt := r.opts.VisibilityTimeout; vt != 0 {
		if err := sqsapi.ValidateVisibilityTimeout(int32(vt / time.Second)); err != nil || vt < time.Second {
			return sqsapi.QueueURL{}, &sqsapi.InvalidParameterError{Param: "VisibilityTimeout", Value: vt.String(),
				Reason: "must be between 1s and 12h"}
		}
	}
	return reqQ, nil
}

// server is one Serve call.
type server struct {
	r         *Responder
	h         Handler
	queueURL  string
	queueName string
	queue     sqsapi.QueueURL
	log       *slog.Logger
	acker     *batcher.Acker
	ext       *extender     // nil if visibility extension is off
	slots     chan struct{} // one token per running handler

	// vt is the visibility timeout of the requests received; receiveVT the
	// VisibilityTimeout set on receives (0: the queue's, which is vt).
	vt        time.Duration
	receiveVT int32

	stopReceiving context.CancelFunc
	receivers     sync.WaitGroup

	mu         sync.Mutex
	nrecv      int                   // running receivers
	fatal      error                 // the receive error that stopped Serve
	running    map[*request]struct{} // requests whose handler runs or whose response is being sent
	draining   bool                  // no more requests: idle is closed once running is empty
	idle       chan struct{}
	idleClosed bool
}

// request is one request being handled.
type request struct {
	m        types.Message
	handle   string
	ctx      context.Context // the base of the handler's ctx
	cancel   context.CancelFunc
	received time.Time
	settling bool // guarded by server.mu: the handler has returned

	visibleUntil time.Time // guarded by extender.mu
}

// readVisibility sets the visibility timeout of the requests Serve
// receives: Options.VisibilityTimeout, else the queue's, read once. If the
// queue's cannot be read for a reason that does not stop Serve (throttling,
// or no permission for GetQueueAttributes), Serve sets SQS's default of
// 30 s on every receive instead, so that it knows when to extend.
func (s *server) readVisibility(ctx context.Context) error {
	if vt := s.r.opts.VisibilityTimeout; vt != 0 {
		s.vt, s.receiveVT = vt.Truncate(time.Second), int32(vt/time.Second)
		return nil
	}
	if s.r.opts.MaxExtension < 0 {
		return nil // not needed
	}
	const sqsDefault = 30
	out, err := s.r.calls.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &s.queueURL,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameVisibilityTimeout}})
	var secs int
	switch {
	case err == nil:
		_, scanErr := fmt.Sscanf(out.Attributes[string(types.QueueAttributeNameVisibilityTimeout)], "%d", &secs)
		if scanErr != nil || secs < 0 {
			secs, s.receiveVT = sqsDefault, sqsDefault
		}
	case ctx.Err() != nil:
		return ctx.Err()
	case permanent(err) && !sqsapi.IsAccessDenied(err):
		return fmt.Errorf("read the queue's visibility timeout: %w", err)
	default:
		s.log.Debug("responder: cannot read the request queue's visibility timeout; setting 30 s on receives", "err", err)
		secs, s.receiveVT = sqsDefault, sqsDefault
	}
	s.vt = time.Duration(secs) * time.Second
	return nil
}

// admit registers a received request as running.
func (s *server) admit(q *request) {
	s.mu.Lock()
	s.running[q] = struct{}{}
	s.mu.Unlock()
	s.ext.track(q)
}

// beginSettle marks q's handler as returned. It reports false if q was
// abandoned by a shutdown that outlasted ShutdownTimeout: it was released
// to other servers, and the handler's result must be discarded.
func (s *server) beginSettle(q *request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.running[q]; !ok {
		return false
	}
	q.settling = true
	return true
}

// finish removes q from the running requests once it is settled (or
// abandoned).
func (s *server) finish(q *request) {
	q.cancel()
	s.mu.Lock()
	delete(s.running, q)
	s.maybeIdleLocked()
	s.mu.Unlock()
}

func (s *server) maybeIdleLocked() {
	if s.draining && len(s.running) == 0 && !s.idleClosed {
		close(s.idle)
		s.idleClosed = true
	}
}

// drain waits for the running requests once receiving has stopped: all of
// them, or, once Options.ShutdownTimeout has passed, those whose response
// is being sent. Requests whose handler still runs then are abandoned:
// their handler's ctx is cancelled and they are released (visibility 0).
// It stops the extender and returns how many requests it released.
func (s *server) drain() int {
	s.mu.Lock()
	s.draining = true
	s.maybeIdleLocked()
	s.mu.Unlock()
	var timeout <-chan time.Time
	if d := s.r.opts.ShutdownTimeout; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-s.idle:
		s.ext.stop()
		return 0
	case <-timeout:
	}
	var abandoned []*request
	s.mu.Lock()
	for q := range s.running {
		if !q.settling {
			abandoned = append(abandoned, q)
			delete(s.running, q)
		}
	}
	s.maybeIdleLocked()
	s.mu.Unlock()
	s.ext.stop() // no extension may follow a release
	for _, q := range abandoned {
		q.cancel()
		s.acker.ChangeVisibility(s.queueURL, q.handle, 0)
	}
	s.r.released.Add(int64(len(abandoned)))
	if len(abandoned) > 0 {
		s.log.Warn("responder: handlers still running after ShutdownTimeout; their requests were released to other servers",
			"released", len(abandoned), "shutdownTimeout", s.r.opts.ShutdownTimeout)
	}
	<-s.idle // only responses being sent are left
	return len(abandoned)
}
