package responder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/batcher"
	"github.com/sqstemp/sqstemp/internal/callcount"
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

// Defaults for the zero values of Options.
const (
	DefaultMaxConcurrency = 64
	DefaultMaxReceivers   = 8
	DefaultWaitTime       = 20 * time.Second
	DefaultSendTimeout    = 30 * time.Second
)

// Options configures a Responder. The zero value of every field means its
// documented default.
type Options struct {
	// QueuePrefix is the prefix the default allow rule requires of the name
	// of the queue a response goes to. Default sqsapi.DefaultQueuePrefix.
	QueuePrefix string

	// AllowReplyURL, if set, replaces the default allow rule (see the package
	// documentation): a response is sent only to queues it allows. AllowAll
	// allows every well-formed SQS queue URL.
	AllowReplyURL AllowFunc

	// AllowOtherAccounts lifts the default rule's requirement, in Serve, that
	// the response queue be in the account and region of the request queue.
	AllowOtherAccounts bool

	// MaxConcurrency bounds the handlers Serve runs at once. Default 64.
	MaxConcurrency int

	// MaxReceivers bounds Serve's concurrent long polls. Serve keeps one;
	// a receive that comes back with 10 requests starts one more (a backlog
	// is waiting, and one receive at a time would cap throughput at ten
	// requests per round trip), and such a surge receiver stops after its
	// first receive that comes back with fewer. Default 8.
	MaxReceivers int

	// WaitTime is the long-poll wait of Serve's receives (at most 20 s).
	// Default 20 s.
	WaitTime time.Duration

	// VisibilityTimeout, if set, is the visibility timeout of the requests
	// Serve receives (whole seconds); default: the request queue's.
	VisibilityTimeout time.Duration

	// HandlerTimeout, if set, bounds each handler call through its ctx.
	// Default: no bound (the handler's ctx is not cancelled when Serve's ctx
	// ends; Serve waits for it).
	HandlerTimeout time.Duration

	// OnHandlerError says what Serve does with a request whose handler
	// returned an error or panicked. Default Redeliver.
	OnHandlerError ErrorPolicy

	// Logger receives operational logs. Default slog.Default().
	Logger *slog.Logger
}

// Responder sends responses to requests made with package requester (or the
// Java AmazonSQSRequester), and serves request queues. It is safe for
// concurrent use, and needs no Close: it holds no goroutine between calls.
type Responder struct {
	opts   Options
	calls  *callcount.API
	sender *batcher.Sender

	staleMu     sync.Mutex
	staleLogged map[string]struct{} // response queues whose staleness was logged

	received, handled, handlerErrors, panics    atomic.Int64
	responses, noReply, refused, stale, sendErr atomic.Int64
	inFlight, surges                            atomic.Int64
}

// New returns a Responder that sends through api.
func New(api sqsapi.API, optFns ...func(*Options)) *Responder {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.QueuePrefix == "" {
		o.QueuePrefix = sqsapi.DefaultQueuePrefix
	}
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = DefaultMaxConcurrency
	}
	if o.MaxReceivers <= 0 {
		o.MaxReceivers = DefaultMaxReceivers
	}
	if o.WaitTime <= 0 || o.WaitTime > sqsapi.MaxWaitTimeSeconds*time.Second {
		o.WaitTime = DefaultWaitTime
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	calls := callcount.New(api)
	return &Responder{
		opts:        o,
		calls:       calls,
		sender:      batcher.NewSender(calls, func(so *batcher.SenderOptions) { so.Logger = o.Logger }),
		staleLogged: make(map[string]struct{}),
	}
}

// IsResponseRequested reports whether m carries a ResponseQueueUrl
// attribute, that is, whether its sender waits for a response.
func IsResponseRequested(m types.Message) bool {
	_, ok := responseQueueURL(m)
	return ok
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
		r.opts.Logger.Info("responder: response queue no longer exists; dropping responses to it",
			"queue", queueURL, "err", err)
	}
}

// Stats is a snapshot of a Responder's counters.
type Stats struct {
	// Calls counts the SQS calls made to the API given to New, by
	// operation: receives and deletes of requests, sends of responses.
	Calls map[string]int64
	// Received counts requests Serve received; Handled the handler calls
	// that returned without error; HandlerErrors those that failed (Panics
	// of them panicked); InFlight the handlers running now.
	Received, Handled, HandlerErrors, Panics int64
	InFlight                                 int64
	// Responses counts responses sent; NoReply requests handled that asked
	// for no response (or whose handler returned none); RefusedReplies
	// reply URLs refused by the allow rule; StaleReplies responses to
	// queues that no longer exist; SendErrors other failed sends.
	Responses, NoReply, RefusedReplies, StaleReplies, SendErrors int64
	// Surges counts surge receivers Serve started because a receive came
	// back full (see Options.MaxReceivers).
	Surges int64
	// Sender is the statistics of the response sender.
	Sender batcher.SenderStats
}

// Stats returns a snapshot of the Responder's counters.
func (r *Responder) Stats() Stats {
	return Stats{
		Calls:          r.calls.Calls(),
		Received:       r.received.Load(),
		Handled:        r.handled.Load(),
		HandlerErrors:  r.handlerErrors.Load(),
		Panics:         r.panics.Load(),
		InFlight:       r.inFlight.Load(),
		Responses:      r.responses.Load(),
		NoReply:        r.noReply.Load(),
		RefusedReplies: r.refused.Load(),
		StaleReplies:   r.stale.Load(),
		Surges:         r.surges.Load(),
		SendErrors:     r.sendErr.Load(),
		Sender:         r.sender.Stats(),
	}
}
