package responder

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
// fills it in from the request's ResponseQueueUrl), or nil to send none. An
// error means the request failed: no response is sent and
// Options.OnHandlerError decides what becomes of the request. A panic is
// recovered and treated as an error.
//
// ctx is not cancelled when Serve's ctx ends (Serve lets running handlers
// finish), only by Options.HandlerTimeout if set. ServeSQS may be called
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
// A request whose handler fails is dealt with by Options.OnHandlerError; one
// whose response could not be sent for another reason (throttling, network)
// is left for SQS to redeliver.
//
// When ctx ends, Serve stops receiving (the long poll in progress is
// cancelled; should SQS have taken messages for it, they reappear after the
// visibility timeout), waits for running handlers and their responses, sends
// the pending deletes, and returns nil, or the deferred errors of those
// deletes.
// It returns an error at once for an invalid requestQueueURL or a nil h.
func (r *Responder) Serve(ctx context.Context, requestQueueURL string, h Handler) error {
	if h == nil {
		return fmt.Errorf("responder: Serve: %w", &sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "Handler", Value: "<nil>", Reason: "required"})
	}
	if _, _, virtual := virtualqueue.ParseURL(requestQueueURL); virtual {
		return fmt.Errorf("responder: Serve: %w", &sqsapi.InvalidParameterError{Param: "QueueUrl", Value: requestQueueURL,
			Reason: "Serve reads a real SQS queue, not a virtual queue"})
	}
	reqQ, err := sqsapi.ParseQueueURL(requestQueueURL)
	if err != nil {
		return fmt.Errorf("responder: Serve: %w", err)
	}
	if vt := r.opts.VisibilityTimeout; vt != 0 {
		if err := sqsapi.ValidateVisibilityTimeout(int32(vt / time.Second)); err != nil || vt < time.Second {
			return fmt.Errorf("responder: Serve: %w", &sqsapi.InvalidParameterError{Param: "VisibilityTimeout", Value: vt.String(),
				Reason: "must be between 1s and 12h"})
		}
	}
	log := r.opts.Logger.With("queue", requestQueueURL)
	acker := batcher.NewAcker(r.calls, func(ao *batcher.AckerOptions) {
		ao.Logger = log
	})
	s := &server{r: r, h: h, queueURL: requestQueueURL, queue: reqQ, acker: acker,
		slots: make(chan struct{}, r.opts.MaxConcurrency)}
	s.startReceiver(ctx, false)
	s.receivers.Wait() // after this, no handler starts
	s.wg.Wait()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultSendTimeout)
	defer cancel()
	if err := acker.Close(fctx); err != nil {
		return fmt.Errorf("responder: Serve %s: deleting answered requests: %w", requestQueueURL, err)
	}
	return nil
}

// server is one Serve call.
type server struct {
	r        *Responder
	h        Handler
	queueURL string
	queue    sqsapi.QueueURL
	acker    *batcher.Acker
	slots    chan struct{}  // one token per running handler
	wg       sync.WaitGroup // running handlers

	receivers sync.WaitGroup
	mu        sync.Mutex
	nrecv     int // running receivers
}

// startReceiver starts a receiver: the first (surge false) runs until ctx
// ends; a surge receiver, started when a receive came back full, also stops
// after its first receive that does not. It reports whether one started.
func (s *server) startReceiver(ctx context.Context, surge bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if surge && (s.nrecv >= s.r.opts.MaxReceivers || ctx.Err() != nil) {
		return false
	}
	s.nrecv++
	s.receivers.Add(1)
	go func() {
		defer func() {
			s.mu.Lock()
			s.nrecv--
			s.mu.Unlock()
			s.receivers.Done()
		}()
		s.receive(ctx, surge)
	}()
	return true
}

func (s *server) receive(ctx context.Context, surge bool) {
	in := &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(s.queueURL),
		WaitTimeSeconds:             int32(s.r.opts.WaitTime / time.Second),
		VisibilityTimeout:           int32(s.r.opts.VisibilityTimeout / time.Second),
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	}
	attempt := 0
	for {
		// Wait for one free slot, then take up to 10.
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		n := 1
		for n < sqsapi.MaxMessagesPerReceive {
			select {
			case s.slots <- struct{}{}:
				n++
				continue
			default:
			}
			break
		}
		in.MaxNumberOfMessages = int32(n)
		out, err := s.r.calls.ReceiveMessage(ctx, in)
		got := 0
		if err == nil {
			got = len(out.Messages)
		}
		for range n - got {
			<-s.slots
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			attempt++
			d := backoff(attempt)
			s.r.opts.Logger.Warn("responder: receive requests failed; retrying", "queue", s.queueURL, "attempt", attempt, "backoff", d, "err", err)
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		attempt = 0
		if got == sqsapi.MaxMessagesPerReceive && s.startReceiver(ctx, true) {
			s.r.surges.Add(1)
		}
		s.r.received.Add(int64(got))
		for _, m := range out.Messages {
			s.wg.Add(1)
			s.r.inFlight.Add(1)
			go func() {
				defer func() {
					s.r.inFlight.Add(-1)
					<-s.slots
					s.wg.Done()
				}()
				s.handle(ctx, m)
			}()
		}
		if surge && got < sqsapi.MaxMessagesPerReceive {
			return
		}
	}
}

// backoff returns the wait before retry number attempt: exponential from
// 100 ms, capped at 20 s, with equal jitter.
func backoff(attempt int) time.Duration {
	d := 20 * time.Second
	if attempt < 9 {
		d = min(100*time.Millisecond<<(attempt-1), d)
	}
	return d/2 + rand.N(d/2+1)
}

// handle runs the handler on one request and settles the request.
func (s *server) handle(serveCtx context.Context, m types.Message) {
	r := s.r
	handle := aws.ToString(m.ReceiptHandle)
	hctx := context.WithoutCancel(serveCtx)
	if r.opts.HandlerTimeout > 0 {
		var cancel context.CancelFunc
		hctx, cancel = context.WithTimeout(hctx, r.opts.HandlerTimeout)
		defer cancel()
	}
	resp, err := s.call(hctx, m)
	if err != nil {
		r.handlerErrors.Add(1)
		r.opts.Logger.Warn("responder: handler failed", "queue", s.queueURL, "message", aws.ToString(m.MessageId),
			"policy", r.opts.OnHandlerError, "err", err)
		s.onError(handle)
		return
	}
	r.handled.Add(1)
	if resp == nil || !IsResponseRequested(m) {
		r.noReply.Add(1)
		s.acker.Delete(s.queueURL, handle)
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(serveCtx), DefaultSendTimeout)
	defer cancel()
	err = r.sendResponse(sctx, m, resp, &s.queue)
	var refused *ReplyURLRefusedError
	var bad *sqsapi.InvalidParameterError
	switch {
	case err == nil:
		s.acker.Delete(s.queueURL, handle)
	case errors.As(err, &refused):
		r.opts.Logger.Warn("responder: request refused: its reply URL is not allowed", "queue", s.queueURL,
			"message", aws.ToString(m.MessageId), "reply", refused.URL, "reason", refused.Reason)
		s.acker.Delete(s.queueURL, handle)
	case errors.Is(err, ErrStaleReply):
		s.acker.Delete(s.queueURL, handle) // logged once by sendResponse
	case errors.As(err, &bad):
		// The handler's response is invalid: the handler's failure.
		r.handlerErrors.Add(1)
		r.opts.Logger.Warn("responder: handler returned an invalid response", "queue", s.queueURL,
			"message", aws.ToString(m.MessageId), "policy", r.opts.OnHandlerError, "err", err)
		s.onError(handle)
	default:
		// Left in flight: SQS redelivers the request and the handler runs again.
		r.opts.Logger.Warn("responder: sending response failed; the request will be redelivered", "queue", s.queueURL,
			"message", aws.ToString(m.MessageId), "err", err)
	}
}

// call runs the handler, turning a panic into an error.
func (s *server) call(ctx context.Context, m types.Message) (resp *sqs.SendMessageInput, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.r.panics.Add(1)
			err = fmt.Errorf("responder: handler panicked: %v", p)
		}
	}()
	return s.h.ServeSQS(ctx, m)
}

func (s *server) onError(handle string) {
	switch s.r.opts.OnHandlerError {
	case RedeliverNow:
		s.acker.ChangeVisibility(s.queueURL, handle, 0)
	case Drop:
		s.acker.Delete(s.queueURL, handle)
	}
}
