package responder

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/batcher"
	"github.com/sqstemp/sqstemp/internal/callcount"
	"github.com/sqstemp/sqstemp/internal/rpcotel"
	"github.com/sqstemp/sqstemp/internal/rpcwire"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// ErrNoResponseRequested is returned by SendResponse for a request that
// carries no ResponseQueueUrl attribute.
var ErrNoResponseRequested = errors.New("responder: the request names no response queue")

// ErrStaleReply is matched (errors.Is) by a *StaleReplyError.
var ErrStaleReply = errors.New("responder: stale reply")

// StaleReplyError is returned when the response queue no longer exists: its
// requester has gone (it finished, timed out, or its process ended). Nothing
// can be delivered, so callers may ignore it. It is logged once per queue and
// counted in Stats.StaleReplies.
//
//	if errors.Is(err, responder.ErrStaleReply) { /* requester gone; ignore */ }
type StaleReplyError struct {
	URL string // the response queue
	Err error  // the SQS error
}

// Error implements error.
func (e *StaleReplyError) Error() string {
	return fmt.Sprintf("responder: stale reply: response queue %s no longer exists: %v", e.URL, e.Err)
}

// Unwrap returns the SQS error.
func (e *StaleReplyError) Unwrap() error { return e.Err }

// Is reports whether target is ErrStaleReply.
func (e *StaleReplyError) Is(target error) bool { return target == ErrStaleReply }

// ErrorPolicy says what Serve does with a request whose handler failed.
type ErrorPolicy int

const (
	// Redeliver leaves the request in flight: SQS delivers it again after the
	// request queue's visibility timeout (and moves it to a dead-letter queue
	// after its maxReceiveCount, if the queue has a redrive policy).
	Redeliver ErrorPolicy = iota
	// RedeliverNow makes the request visible again at once (visibility
	// timeout 0), for an immediate retry.
	RedeliverNow
	// Drop deletes the request: it is not retried, and its requester gets no
	// response.
	Drop
)

// String returns the policy's name.
func (p ErrorPolicy) String() string {
	switch p {
	case Redeliver:
		return "Redeliver"
	case RedeliverNow:
		return "RedeliverNow"
	case Drop:
		return "Drop"
	}
	return "ErrorPolicy(" + strconv.Itoa(int(p)) + ")"
}

// Responder sends responses to requests made with package requester (or the
// Java AmazonSQSRequester), and serves request queues. It is safe for
// concurrent use, and needs no Close: it holds no goroutine between calls.
type Responder struct {
	opts   Options
	calls  *callcount.API
	sender *batcher.Sender
	tel    *telemetry

	staleMu     sync.Mutex
	staleLogged map[string]struct{} // response queues whose staleness was logged

	received, handled, handlerErrors, panics    atomic.Int64
	responses, noReply, refused, stale, sendErr atomic.Int64
	errorReplies, expired, late                 atomic.Int64
	extended, released, receiveErrors           atomic.Int64
	inFlight, surges                            atomic.Int64
	lastReceive                                 atomic.Int64 // Unix nanoseconds of the last successful receive
}

// New returns a Responder that sends through api.
func New(api sqsapi.API, optFns ...func(*Options)) *Responder {
	o := resolveOptions(optFns)
	tel := newTelemetry(rpcotel.Providers{TracerProvider: o.TracerProvider, Propagator: o.Propagator, MeterProvider: o.MeterProvider})
	calls := callcount.New(api, rpcotel.SQSCallCounter(tel.meter, "responder"))
	return &Responder{
		opts:        o,
		calls:       calls,
		sender:      batcher.NewSender(calls, func(so *batcher.SenderOptions) { so.Logger = o.Logger }),
		tel:         tel,
		staleLogged: make(map[string]struct{}),
	}
}

// IsResponseRequested reports whether m carries a ResponseQueueUrl
// attribute, that is, whether its sender waits for a response.
func IsResponseRequested(m types.Message) bool {
	_, ok := responseQueueURL(m)
	return ok
}

// Deadline returns the deadline of the call that sent request: the
// deadline its caller's ctx had, which requester sends in the
// SqstempDeadline attribute. ok is false for a request without one (or
// with one that does not parse), such as the Java client's. Serve applies
// deadlines itself; code that answers through SendResponse outside Serve (a
// Lambda function, say) uses Deadline to skip requests nobody waits for any
// more and to bound its work.
func Deadline(request types.Message) (deadline time.Time, ok bool) {
	return rpcwire.Deadline(request.MessageAttributes)
}

func responseQueueURL(m types.Message) (string, bool) {
	a, ok := m.MessageAttributes[sqsapi.ResponseQueueURLAttribute]
	if !ok || a.StringValue == nil {
		return "", false
	}
	return *a.StringValue, true
}

// SendResponse sends response to the queue named by request's
// ResponseQueueUrl attribute; response.QueueUrl is filled in from it (it
// must be empty or equal). A virtual queue URL "<host>#<name>" is sent to
// the host with the virtual queue name attribute, as package virtualqueue
// does. Concurrent responses to one host queue are coalesced into
// SendMessageBatch calls. response is not modified.
//
// A reply URL outside the allow rule gets a *ReplyURLRefusedError and
// nothing is sent; a response queue that no longer exists gets a
// *StaleReplyError (errors.Is(err, ErrStaleReply)), which callers may ignore.
func (r *Responder) SendResponse(ctx context.Context, request types.Message, response *sqs.SendMessageInput) error {
	return r.sendResponse(ctx, request, response, nil)
}

func (r *Responder) sendResponse(ctx context.Context, request types.Message, response *sqs.SendMessageInput, requestQueue *sqsapi.QueueURL) error {
	raw, ok := responseQueueURL(request)
	if !ok {
		return ErrNoResponseRequested
	}
	if response == nil {
		return fmt.Errorf("responder: %w", &sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "response", Value: "<nil>", Reason: "required"})
	}
	if q := aws.ToString(response.QueueUrl); q != "" && q != raw {
		return fmt.Errorf("responder: %w", &sqsapi.InvalidParameterError{Param: "QueueUrl", Value: q,
			Reason: "a response goes to the request's ResponseQueueUrl; leave QueueUrl empty"})
	}
	t, err := r.resolveReply(raw, requestQueue)
	if err != nil {
		r.refused.Add(1)
		return err
	}
	in := *response
	in.QueueUrl = aws.String(raw)
	hostIn, _, err := virtualqueue.ToHost(&in) // the virtual-queue wire format, if raw is "<host>#<name>"
	if err != nil {
		return fmt.Errorf("responder: %w", err)
	}
	if _, err := r.sender.SendMessage(ctx, hostIn); err != nil {
		if sqsapi.IsQueueDoesNotExist(err) {
			r.stale.Add(1)
			r.logStale(t.queueURL, err)
			return &StaleReplyError{URL: raw, Err: err}
		}
		r.sendErr.Add(1)
		return fmt.Errorf("responder: send response to %s: %w", raw, err)
	}
	r.responses.Add(1)
	return nil
}

// logStale logs the first stale reply to each queue (remembering at most
// 10,000 queues).
func (r *Responder) logStale(queueURL string, err error) {
	r.staleMu.Lock()
	_, seen := r.staleLogged[queueURL]
	if !seen {
		if len(r.staleLogged) >= 10_000 {
			clear(r.staleLogged)
		}
		r.staleLogged[queueURL] = struct{}{}
	}
	r.staleMu.Unlock()
	if !seen {
		r.opts.Logger.Debug("responder: response queue no longer exists; dropping responses to it",
			"queue", queueURL, "err", err)
	}
}
