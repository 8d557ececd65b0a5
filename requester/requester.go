package requester

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/batcher"
	"github.com/sqstemp/sqstemp/internal/callcount"
	"github.com/sqstemp/sqstemp/internal/rpcotel"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/tempqueue"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// ErrClosed is returned (wrapped) by SendMessageAndGetResponse after Close,
// and by the requests that were waiting when Close was called.
var ErrClosed = errors.New("requester: closed")

// Requester sends requests and waits for their responses, each on its own
// virtual queue, all hosted on one host queue read by one poller. It is safe
// for concurrent use. See the package documentation.
type Requester struct {
	opts    Options
	fifo    bool
	calls   *callcount.API
	tq      *tempqueue.Client
	sender  *batcher.Sender
	acker   *batcher.Acker // deletes responses through tq, which knows where each came from
	tel     *telemetry
	hostURL string

	seq atomic.Uint64

	closing context.Context // cancelled by Close
	cancel  context.CancelFunc

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup

	closeOnce sync.Once
	closeErr  error

	requests, responses, remoteErrors, timeouts, failures atomic.Int64
	pending, late, traceSkipped                           atomic.Int64
}

// New returns a Requester over api. It creates the host queue of its
// response queues at once (so configuration errors surface here, and the
// first request pays nothing extra); ctx bounds that creation.
func New(ctx context.Context, api sqsapi.API, optFns ...func(*Options)) (*Requester, error) {
	o, err := resolveOptions(optFns)
	if err != nil {
		return nil, fmt.Errorf("requester: %w", err)
	}
	r := &Requester{opts: o, fifo: o.fifo()}
	r.tel = newTelemetry(rpcotel.Providers{TracerProvider: o.TracerProvider, Propagator: o.Propagator, MeterProvider: o.MeterProvider})
	r.calls = callcount.New(api, rpcotel.SQSCallCounter(r.tel.meter, "requester"))
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
	fail := func(err error) (*Requester, error) {
		return nil, errors.Join(fmt.Errorf("requester: %w", err), tq.Close(context.WithoutCancel(ctx)))
	}
	// Create the host queue now, with a first response queue that is
	// deleted at once: configuration errors surface here, and the first
	// request pays nothing extra. (The host is polled only while requests
	// wait for responses.)
	out, err := tq.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String(r.queueName("r0")),
		Attributes: o.ResponseQueueAttributes,
	})
	if err != nil {
		return fail(fmt.Errorf("create response queue host: %w", err))
	}
	r.hostURL, _, _ = virtualqueue.ParseURL(aws.ToString(out.QueueUrl))
	if _, err := tq.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl}); err != nil {
		return fail(err)
	}
	r.sender = batcher.NewSender(r.calls, func(so *batcher.SenderOptions) { so.Logger = o.Logger })
	// Deletes go through tq: if the host queue is deleted underneath us and
	// tq fails over to another queue, it routes each receipt handle to the
	// queue its message came from.
	r.acker = batcher.NewAcker(tq, func(ao *batcher.AckerOptions) { ao.Logger = o.Logger })
	r.closing, r.cancel = context.WithCancel(context.Background())
	r.tel.observeOrphans(func() int64 { return tq.Stats().Orphans })
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
		r.tel.close()
		r.closeErr = errors.Join(errs...)
	})
	return r.closeErr
}
