package responder

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqstemp/sqstemp/internal/rpcotel"
	"github.com/sqstemp/sqstemp/internal/rpcwire"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// handle runs the handler on one request and settles the request.
func (s *server) handle(q *request) {
	r := s.r
	deadline, hasDeadline := rpcwire.Deadline(q.m.MessageAttributes)
	if hasDeadline && s.pastDeadline(deadline) {
		s.dropExpired(q, deadline)
		return
	}
	ctx := rpcwire.Extract(q.ctx, r.tel.propagator, q.m.MessageAttributes)
	ctx, span := r.tel.startHandle(ctx, s.queueName, aws.ToString(q.m.MessageId))
	defer span.End()
	if r.opts.HandlerTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.opts.HandlerTimeout)
		defer cancel()
	}
	if hasDeadline {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	start := time.Now()
	resp, panicked, err := s.call(ctx, q)
	if !s.beginSettle(q) {
		return // abandoned by a shutdown: released to other servers
	}
	var reply *ReplyError
	switch {
	case errors.As(err, &reply):
		r.tel.handlerDone(ctx, s.queueName, start, "")
		rpcotel.Fail(span, reply.Code, err)
		body, attrs := rpcwire.ErrorReply(reply.Code, reply.Message)
		resp = &sqs.SendMessageInput{MessageBody: aws.String(body), MessageAttributes: attrs}
	case err != nil:
		kind := "error"
		if panicked {
			kind = "panic"
		}
		r.tel.handlerDone(ctx, s.queueName, start, kind)
		rpcotel.Fail(span, kind, err)
		s.handlerFailed(q, err, kind)
		return
	default:
		r.tel.handlerDone(ctx, s.queueName, start, "")
	}
	r.handled.Add(1)
	switch {
	case resp == nil || !IsResponseRequested(q.m):
		r.noReply.Add(1)
		s.delete(q)
	case hasDeadline && s.pastDeadline(deadline):
		r.late.Add(1)
		s.log.Debug("responder: deadline passed while handling; no response sent", "message", aws.ToString(q.m.MessageId), "deadline", deadline)
		s.delete(q)
	default:
		s.reply(ctx, span, q, resp, reply != nil)
	}
}

// pastDeadline reports whether deadline has passed, beyond the clock-skew
// allowance.
func (s *server) pastDeadline(deadline time.Time) bool {
	return time.Now().After(deadline.Add(s.r.opts.DeadlineSkew))
}

// dropExpired deletes a request whose deadline passed before it was
// handled.
func (s *server) dropExpired(q *request, deadline time.Time) {
	s.r.expired.Add(1)
	s.r.tel.expired.Add(q.ctx, 1)
	s.log.Debug("responder: request expired before it was handled; deleted", "message", aws.ToString(q.m.MessageId), "deadline", deadline)
	if s.beginSettle(q) {
		s.delete(q)
	}
}

// call runs the handler, turning a panic into an error.
func (s *server) call(ctx context.Context, q *request) (resp *sqs.SendMessageInput, panicked bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.r.panics.Add(1)
			panicked, err = true, fmt.Errorf("responder: handler panicked: %v", p)
		}
	}()
	resp, err = s.h.ServeSQS(ctx, q.m)
	return resp, false, err
}

// handlerFailed applies Options.OnHandlerError to a request whose handler
// failed.
func (s *server) handlerFailed(q *request, err error, kind string) {
	s.r.handlerErrors.Add(1)
	level := "handler failed"
	if kind == "panic" {
		level = "handler panicked"
	}
	s.log.Warn("responder: "+level, "message", aws.ToString(q.m.MessageId), "policy", s.r.opts.OnHandlerError, "err", err)
	s.ext.untrack(q)
	switch s.r.opts.OnHandlerError {
	case RedeliverNow:
		s.acker.ChangeVisibility(s.queueURL, q.handle, 0)
	case Drop:
		s.acker.Delete(s.queueURL, q.handle)
	}
}

// delete deletes a settled request (batched, off the critical path).
func (s *server) delete(q *request) {
	s.ext.untrack(q)
	s.acker.Delete(s.queueURL, q.handle)
}

// reply sends resp to q's response queue and settles q.
func (s *server) reply(ctx context.Context, span trace.Span, q *request, resp *sqs.SendMessageInput, isError bool) {
	r := s.r
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultSendTimeout)
	defer cancel()
	err := r.sendResponse(sctx, q.m, withFIFODefaults(resp, q), &s.queue)
	var refused *ReplyURLRefusedError
	var bad *sqsapi.InvalidParameterError
	switch {
	case err == nil:
		if isError {
			r.errorReplies.Add(1)
		}
		s.delete(q)
	case errors.As(err, &refused):
		s.log.Warn("responder: request refused: its reply URL is not allowed",
			"message", aws.ToString(q.m.MessageId), "reply", refused.URL, "reason", refused.Reason)
		s.delete(q)
	case errors.Is(err, ErrStaleReply):
		s.delete(q) // logged once by sendResponse
	case errors.As(err, &bad):
		// The handler's response is invalid: the handler's failure.
		rpcotel.Fail(span, "invalid_response", err)
		s.handlerFailed(q, fmt.Errorf("invalid response: %w", err), "invalid_response")
	default:
		// Left in flight: SQS redelivers the request and the handler runs again.
		s.ext.untrack(q)
		s.log.Warn("responder: sending response failed; the request will be redelivered",
			"message", aws.ToString(q.m.MessageId), "err", err)
	}
}

// withFIFODefaults returns resp with the MessageGroupId and
// MessageDeduplicationId a FIFO response queue needs, when resp has none:
// one group for all responses (each response queue receives one response)
// and the request's MessageId as deduplication ID (a redelivered request's
// second response is deduplicated). Whether the queue is FIFO is the real
// queue's (the host's) name's to say, not a virtual queue name's.
func withFIFODefaults(resp *sqs.SendMessageInput, q *request) *sqs.SendMessageInput {
	raw, _ := responseQueueURL(q.m)
	host, _, _ := strings.Cut(raw, "#")
	if !strings.HasSuffix(host, sqsapi.FIFOSuffix) || resp.MessageGroupId != nil && resp.MessageDeduplicationId != nil {
		return resp
	}
	cp := *resp
	if cp.MessageGroupId == nil {
		cp.MessageGroupId = aws.String("responses")
	}
	if cp.MessageDeduplicationId == nil && q.m.MessageId != nil {
		cp.MessageDeduplicationId = q.m.MessageId
	}
	return &cp
}
