package virtualqueue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/batcher"
	"github.com/sqstemp/sqstemp/internal/callcount"
	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// Client multiplexes virtual queues onto host queues. It satisfies
// sqsapi.API: calls on virtual queue URLs are handled locally or redirected
// to the host queue; every other call goes to the wrapped API unchanged. A
// Client is safe for concurrent use. Call Close when done.
type Client struct {
	api    *callcount.API
	opts   Options
	log    *slog.Logger
	clock  clock.Clock
	sender sender
	acker  acker

	ctx     context.Context // cancelled by Close; parent of the pollers' contexts
	cancel  context.CancelFunc
	closing chan struct{} // closed by Close: wakes waiting receives
	wg      sync.WaitGroup

	closedFlag atomic.Bool
	closeDone  chan struct{}
	closeErr   error

	mu         sync.Mutex
	closed     bool
	queues     map[string]*vqueue      // by virtual queue URL
	hosts      map[string]*host        // by host queue URL; hosts with queues or running pollers
	infos      map[string]*hostInfo    // by host queue URL; what the pollers read of a host, once
	expiry     deadlines[*vqueue]      // queues with a retention period, by deadline
	expirer    timed                   // the expiry goroutine
	extensions deadlines[*bufferedMsg] // buffered messages, by when their visibility must be extended
	extender   timed                   // the extension goroutine
	budget     budget                  // messages and bytes buffered

	dispatched, delivered, redeliveries, duplicates atomic.Int64
	overflows, budgetPauses, extended, stale        atomic.Int64
	orphans, released, expired                      atomic.Int64
	pollErrors, earlyEmpty, surges                  atomic.Int64
}

// vqueue is one virtual queue. Kept small: an idle one costs this struct, its
// URL and a map entry.
type vqueue struct {
	url        string // "<host>#<name>"; also the key in Client.queues
	hostLen    int32  // url[:hostLen] is the host queue URL
	retention  int32  // idle retention in seconds; 0 = none
	wait       int32  // ReceiveMessageWaitTimeSeconds: the wait of receives that give none
	heapIdx    int32  // index in Client.expiry, -1 when not in it
	waiters    int32  // receives waiting on this queue
	deleted    bool
	lastActive int64 // unix nanoseconds
	deadline   int64 // expiry heap key, unix nanoseconds
	buf        []*bufferedMsg
	wake       chan struct{} // closed on dispatch or deletion; nil when nobody waits
	tags       map[string]string
}

func (q *vqueue) hostURL() string { return q.url[:q.hostLen] }

// New returns a Client over api. Pollers start when a receive on a virtual
// queue needs them, so New itself starts no goroutine.
func New(api sqsapi.API, optFns ...func(*Options)) *Client {
	var o Options
	for _, f := range optFns {
		f(&o)
	}
	o.resolve()
	ctx, cancel := context.WithCancel(context.Background())
	counted := callcount.New(api)
	c := &Client{
		api:    counted,
		opts:   o,
		log:    o.Logger,
		clock:  o.Clock,
		sender: batcher.NewSender(counted, func(so *batcher.SenderOptions) { so.Logger = o.Logger }),
		acker: batcher.NewAcker(counted, func(ao *batcher.AckerOptions) {
			ao.Logger = o.Logger
			ao.Clock = o.Clock
		}),
		ctx:       ctx,
		cancel:    cancel,
		closing:   make(chan struct{}),
		closeDone: make(chan struct{}),
		queues:    make(map[string]*vqueue),
		hosts:     make(map[string]*host),
		infos:     make(map[string]*hostInfo),
		expirer:   newTimed(),
		extender:  newTimed(),
	}
	if c.opts.OrphanHandler == nil {
		c.opts.OrphanHandler = c.defaultOrphanHandler
	}
	return c
}

var _ sqsapi.API = (*Client)(nil)

func (c *Client) defaultOrphanHandler(_ context.Context, hostQueueURL string, m types.Message) OrphanAction {
	name := "(none)"
	if a, ok := m.MessageAttributes[sqsapi.VirtualQueueNameAttribute]; ok {
		name = aws.ToString(a.StringValue)
	}
	c.log.Debug("virtualqueue: orphan message left on host queue",
		"host", hostQueueURL, "virtualQueue", name, "messageId", aws.ToString(m.MessageId))
	return OrphanLeave
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	s := Stats{VirtualQueues: len(c.queues), Hosts: len(c.hosts), Buffered: c.budget.count, BufferedBytes: c.budget.bytes}
	for _, h := range c.hosts {
		s.Pollers += h.pollers
	}
	c.mu.Unlock()
	s.Calls = c.api.Calls()
	s.Dispatched = c.dispatched.Load()
	s.Delivered = c.delivered.Load()
	s.Redeliveries = c.redeliveries.Load()
	s.Duplicates = c.duplicates.Load()
	s.Overflows = c.overflows.Load()
	s.BudgetPauses = c.budgetPauses.Load()
	s.Extended = c.extended.Load()
	s.Stale = c.stale.Load()
	s.Orphans = c.orphans.Load()
	s.Released = c.released.Load()
	s.Expired = c.expired.Load()
	s.PollErrors = c.pollErrors.Load()
	s.EarlyEmpty = c.earlyEmpty.Load()
	s.Surges = c.surges.Load()
	return s
}

// Close stops the client: waiting receives return ErrClosed, in-flight host
// long polls are cancelled, messages buffered but not yet received are made
// visible again on their host queues (in batches of 10), and every goroutine
// is joined. Calls made after Close return ErrClosed. Close is idempotent:
// later calls wait for the first to finish and return its result. If ctx ends
// first, Close returns ctx's error and the release is abandoned (those
// messages reappear on the host after its visibility timeout).
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		select {
		case <-c.closeDone:
			return c.closeErr
		default:
		}
		select {
		case <-c.closeDone:
			return c.closeErr
		case <-ctx.Done():
			return fmt.Errorf("virtualqueue: close: %w", ctx.Err())
		}
	}
	c.closed = true
	c.closedFlag.Store(true)
	close(c.closing)
	c.cancel() // cancels every poller's long poll and the timed goroutines
	c.mu.Unlock()

	var errs []error
	joined := make(chan struct{})
	go func() { c.wg.Wait(); close(joined) }()
	select {
	case <-joined:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("virtualqueue: close: waiting for pollers: %w", ctx.Err()))
	}

	// Pollers dispatching after c.closed was set release instead of
	// buffering, so after this sweep nothing is left in any buffer.
	c.mu.Lock()
	n := 0
	for _, q := range c.queues {
		for _, b := range c.takeLocked(q, len(q.buf)) {
			c.acker.ChangeVisibility(q.hostURL(), aws.ToString(b.ReceiptHandle), 0)
			n++
		}
	}
	c.mu.Unlock()
	c.released.Add(int64(n))
	if err := c.sender.Close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("virtualqueue: close: sends in flight: %w", err))
	}
	if err := c.acker.Close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("virtualqueue: close: releasing buffered messages: %w", err))
	}
	c.closeErr = errors.Join(errs...)
	close(c.closeDone)
	return c.closeErr
}

func errClosed(op string) error { return fmt.Errorf("virtualqueue: %s: %w", op, ErrClosed) }

// virtual reports whether url is a virtual queue URL and splits it. A URL with
// a '#' that is not a well-formed virtual queue URL is an error.
func virtual(op, url string) (hostURL, name string, ok bool, err error) {
	if !strings.Contains(url, "#") {
		return "", "", false, nil
	}
	hostURL, name, ok = ParseURL(url)
	if !ok {
		return "", "", false, fmt.Errorf("virtualqueue: %s: %w", op, &sqsapi.InvalidParameterError{
			Code: "InvalidAddress", Param: "QueueUrl", Value: url,
			Reason: "not a virtual queue URL (<host queue URL>#<queue name>)"})
	}
	return hostURL, name, true, nil
}

func queueDoesNotExist(op, url string) error {
	return fmt.Errorf("virtualqueue: %s: %w", op, &types.QueueDoesNotExist{
		Message: aws.String("virtual queue " + url + " does not exist")})
}

// now returns the clock's time in unix nanoseconds.
func (c *Client) now() int64 { return c.clock.Now().UnixNano() }

// touch records activity on the virtual queue at url and returns it, or nil
// if it does not exist.
func (c *Client) touch(url string) *vqueue {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queues[url]
	if q != nil {
		q.lastActive = c.now()
	}
	return q
}
