package requester

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/batcher"
	"github.com/sqstemp/sqstemp/internal/callcount"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/tempqueue"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// ErrClosed is returned (wrapped) by SendMessageAndGetResponse after Close,
// and by the requests that were waiting when Close was called.
var ErrClosed = errors.New("requester: closed")

// Options configures a Requester. The zero value of every field means its
// documented default.
type Options struct {
	// ResponseQueueAttributes are the queue attributes of the response
	// queues (see package tempqueue for the attributes accepted). Setting
	// FifoQueue to "true" makes them FIFO queues. Default none: a standard
	// host queue with SQS's defaults.
	ResponseQueueAttributes map[string]string

	// TempQueue configures the temporary queues client that hosts the
	// response queues: queue prefix, idle retention, heartbeats, sweeping,
	// host long-poll wait. Its Logger defaults to Logger.
	TempQueue tempqueue.Options

	// Logger receives operational logs. Default slog.Default().
	Logger *slog.Logger
}

// Requester sends requests and waits for their responses, each on its own
// virtual queue, all hosted on one host queue read by one poller. It is safe
// for concurrent use. See the package documentation.
type Requester struct {
	opts    Options
	fifo    bool
	calls   *callcount.API
	tq      *tempqueue.Client
	sender  *batcher.Sender
	acker   *batcher.Acker
	hostURL string

	seq atomic.Uint64

	closing context.Context // cancelled by Close
	cancel  context.CancelFunc

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup

	closeOnce sync.Once
	closeErr  error

	requests, responses, timeouts, failures atomic.Int64
	pending                                 atomic.Int64
}

// New returns a Requester over api. It creates the host queue of its
// response queues at once (so configuration errors surface here, and the
// first request pays nothing extra); ctx bounds that creation.
func New(ctx context.Context, api sqsapi.API, optFns ...func(*Options)) (*Requester, error) {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	r := &Requester{opts: o, calls: callcount.New(api)}
	r.fifo = strings.EqualFold(o.ResponseQueueAttributes["FifoQueue"], "true")
	tq, err := tempqueue.New(ctx, r.calls, func(to *tempqueue.Options) {
		*to = o.TempQueue
		if to.Logger == nil {
			to.Logger = o.Logger
		}
	})
	if err != nil {
		return nil, fmt.Errorf("requester: %w", err)
	}
	r.tq = tq
	// Create the host queue now (tempqueue keeps its poller running until
	// Close), with a first response queue that is deleted at once.
	out, err := tq.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String(r.queueName("r0")),
		Attributes: o.ResponseQueueAttributes,
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("requester: create response queue host: %w", err), tq.Close(context.WithoutCancel(ctx)))
	}
	r.hostURL, _, _ = virtualqueue.ParseURL(aws.ToString(out.QueueUrl))
	if _, err := tq.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl}); err != nil {
		return nil, errors.Join(fmt.Errorf("requester: %w", err), tq.Close(context.WithoutCancel(ctx)))
	}
	r.sender = batcher.NewSender(r.calls, func(so *batcher.SenderOptions) { so.Logger = o.Logger })
	r.acker = batcher.NewAcker(r.calls, func(ao *batcher.AckerOptions) { ao.Logger = o.Logger })
	r.closing, r.cancel = context.WithCancel(context.Background())
	return r, nil
}

func (r *Requester) queueName(base string) string {
	if r.fifo {
		return base + sqsapi.FIFOSuffix
	}
	return base
}

// HostQueueURL returns the URL of the host queue of the response queues.
func (r *Requester) HostQueueURL() string { return r.hostURL }

// SendMessageAndGetResponse sends the request in and waits for its response.
//
// It creates a virtual response queue (no SQS call), sends in with the
// message attribute ResponseQueueUrl naming it (concurrent requests to the
// same queue are coalesced into SendMessageBatch calls), and waits until a
// response arrives on it or ctx ends. The response message is deleted in the
// background (batched) and the response queue deleted before it returns.
//
// If ctx ends first, the error satisfies errors.Is(err, context.DeadlineExceeded)
// (or context.Canceled) and nothing is left behind: a response that arrives
// later is deleted as an orphan. in is not modified; it must not carry the
// ResponseQueueUrl attribute itself, and may carry at most 9 attributes.
// optFns apply to the request's SendMessage (which then is not coalesced).
func (r *Requester) SendMessageAndGetResponse(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*types.Message, error) {
	req, err := validateRequest(in)
	if err != nil {
		return nil, fmt.Errorf("requester: %w", err)
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	r.inflight.Add(1)
	r.mu.Unlock()
	defer r.inflight.Done()
	r.requests.Add(1)
	r.pending.Add(1)
	defer r.pending.Add(-1)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(r.closing, cancel)
	defer stop()

	m, err := r.roundTrip(ctx, req, optFns)
	switch {
	case err == nil:
		r.responses.Add(1)
		return m, nil
	case r.closing.Err() != nil:
		r.failures.Add(1)
		return nil, fmt.Errorf("requester: request to %s: %w", aws.ToString(in.QueueUrl), ErrClosed)
	case ctx.Err() != nil:
		r.timeouts.Add(1)
	default:
		r.failures.Add(1)
	}
	return nil, err
}

// roundTrip does the work of SendMessageAndGetResponse under ctx.
func (r *Requester) roundTrip(ctx context.Context, req *sqs.SendMessageInput, optFns []func(*sqs.Options)) (*types.Message, error) {
	target := aws.ToString(req.QueueUrl)
	out, err := r.tq.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String(r.queueName("r" + strconv.FormatUint(r.seq.Add(1), 36))),
		Attributes: r.opts.ResponseQueueAttributes,
	})
	if err != nil {
		return nil, fmt.Errorf("requester: create response queue: %w", err)
	}
	replyURL := aws.ToString(out.QueueUrl)
	defer func() {
		// Local: no SQS call. A response arriving later is an orphan.
		_, _ = r.tq.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: &replyURL})
	}()
	req.MessageAttributes[sqsapi.ResponseQueueURLAttribute] = types.MessageAttributeValue{
		DataType: aws.String("String"), StringValue: aws.String(replyURL)}

	if _, _, virtual := virtualqueue.ParseURL(target); virtual {
		// A request queue that is itself a virtual queue: the wire format
		// needs the virtual queue client.
		_, err = r.tq.SendMessage(ctx, req, optFns...)
	} else {
		_, err = r.sender.SendMessage(ctx, req, optFns...)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("requester: send request to %s: %w", target, ctx.Err())
		}
		return nil, fmt.Errorf("requester: send request to %s: %w", target, err)
	}

	rin := &sqs.ReceiveMessageInput{
		QueueUrl:                    &replyURL,
		MaxNumberOfMessages:         1,
		WaitTimeSeconds:             sqsapi.MaxWaitTimeSeconds,
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	}
	for {
		got, err := r.tq.ReceiveMessage(ctx, rin)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("requester: no response to request sent to %s: %w", target, ctx.Err())
		}
		if err != nil {
			return nil, fmt.Errorf("requester: receive response from %s: %w", replyURL, err)
		}
		if len(got.Messages) == 0 {
			continue
		}
		m := got.Messages[0]
		r.acker.Delete(r.hostURL, aws.ToString(m.ReceiptHandle))
		if _, ok := m.MessageAttributes[sqsapi.VirtualQueueNameAttribute]; ok {
			m.MessageAttributes = maps.Clone(m.MessageAttributes)
			delete(m.MessageAttributes, sqsapi.VirtualQueueNameAttribute)
		}
		return &m, nil
	}
}

// validateRequest checks in and returns a copy with its own attribute map.
// validateRequestQueueURL refuses what cannot be an SQS queue URL. It is
// deliberately looser than sqsapi.ParseQueueURL, so that SQS-compatible
// servers with other path shapes keep working; a virtual queue URL is
// refused because requests go to a real queue that a responder serves.
func validateRequestQueueURL(raw string) error {
	bad := func(reason string) error {
		return &sqsapi.InvalidParameterError{Code: "InvalidAddress", Param: "QueueUrl", Value: raw, Reason: reason}
	}
	if strings.Contains(raw, "#") {
		return bad("requests go to a real SQS queue that a responder serves, not to a virtual queue")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return bad("not an http(s) queue URL")
	}
	return nil
}

func validateRequest(in *sqs.SendMessageInput) (*sqs.SendMessageInput, error) {
	if in == nil {
		return nil, &sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "SendMessageInput", Value: "<nil>", Reason: "required"}
	}
	if aws.ToString(in.QueueUrl) == "" {
		return nil, &sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "QueueUrl", Reason: "required: the queue to send the request to"}
	}
	if err := validateRequestQueueURL(aws.ToString(in.QueueUrl)); err != nil {
		return nil, err
	}
	if in.MessageBody == nil {
		return nil, &sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "MessageBody", Value: "<nil>", Reason: "required"}
	}
	for _, name := range slices.Sorted(maps.Keys(in.MessageAttributes)) {
		if err := sqsapi.ValidateMessageAttributeName(name); err != nil {
			return nil, err
		}
	}
	if _, ok := in.MessageAttributes[sqsapi.ResponseQueueURLAttribute]; ok {
		return nil, &sqsapi.InvalidParameterError{Param: "MessageAttributeName", Value: sqsapi.ResponseQueueURLAttribute,
			Reason: "reserved: the requester sets it to the response queue"}
	}
	if _, ok := in.MessageAttributes[sqsapi.VirtualQueueNameAttribute]; ok {
		return nil, &sqsapi.InvalidParameterError{Param: "MessageAttributeName", Value: sqsapi.VirtualQueueNameAttribute,
			Reason: "reserved for virtual queue routing"}
	}
	if len(in.MessageAttributes) >= sqsapi.MaxMessageAttributes {
		return nil, &sqsapi.InvalidParameterError{Param: "MessageAttributes", Value: strconv.Itoa(len(in.MessageAttributes)) + " attributes",
			Reason: "a request may carry at most 9 message attributes (the 10th names the response queue)"}
	}
	cp := *in
	cp.MessageAttributes = make(map[string]types.MessageAttributeValue, len(in.MessageAttributes)+1)
	maps.Copy(cp.MessageAttributes, in.MessageAttributes)
	return &cp, nil
}

// Stats is a snapshot of a Requester's counters.
type Stats struct {
	// Calls counts the SQS calls made to the API given to New, by
	// operation: requests, the host poller, deletes, heartbeats, sweeps.
	Calls map[string]int64
	// Requests counts calls of SendMessageAndGetResponse that passed
	// validation; Responses, Timeouts (ctx ended first) and Failures their
	// outcomes; Pending those waiting now.
	Requests, Responses, Timeouts, Failures int64
	Pending                                 int64
	// VirtualQueues, Buffered and Orphans are those of the response queues'
	// virtual queue layer: VirtualQueues is the number of requests waiting.
	VirtualQueues int
	Buffered      int
	Orphans       int64
	// TempQueue, Sender and Acker are the statistics of the layers.
	TempQueue tempqueue.Stats
	Sender    batcher.SenderStats
	Acker     batcher.AckerStats
}

// Stats returns a snapshot of the Requester's counters.
func (r *Requester) Stats() Stats {
	ts := r.tq.Stats()
	return Stats{
		Calls:         r.calls.Calls(),
		Requests:      r.requests.Load(),
		Responses:     r.responses.Load(),
		Timeouts:      r.timeouts.Load(),
		Failures:      r.failures.Load(),
		Pending:       r.pending.Load(),
		VirtualQueues: ts.VirtualQueues,
		Buffered:      ts.Buffered,
		Orphans:       ts.Orphans,
		TempQueue:     ts,
		Sender:        r.sender.Stats(),
		Acker:         r.acker.Stats(),
	}
}

// Close makes waiting requests return an error wrapping ErrClosed, waits for
// them, sends the pending deletes of responses, deletes the host queue and
// stops every goroutine, or gives up when ctx ends. It returns the errors
// met, joined, and is idempotent. Response deletes that failed (during an
// outage, say) are logged when they fail and counted in Stats().Acker; Close
// reports them only if the host queue could not be deleted, since deleting
// it deletes those responses too.
func (r *Requester) Close(ctx context.Context) error {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		r.cancel()
		r.inflight.Wait() // prompt: every wait and send was just cancelled
		var errs []error
		ackErr := r.acker.Close(ctx)
		if err := r.sender.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("requester: %w", err))
		}
		if err := r.tq.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("requester: %w", err))
			// Responses whose delete failed (each was logged) are still on
			// the host queue only if it could not be deleted.
			if ackErr != nil {
				errs = append(errs, fmt.Errorf("requester: delete responses: %w", ackErr))
			}
		}
		r.closeErr = errors.Join(errs...)
	})
	return r.closeErr
}
