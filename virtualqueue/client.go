package virtualqueue

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
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

	mu       sync.Mutex
	closed   bool
	queues   map[string]*vqueue // by virtual queue URL
	hosts    map[string]*host   // by host queue URL; hosts with queues or running pollers
	expiry   expiryHeap         // queues with a retention period, by deadline
	janitor  bool               // expiry goroutine started
	kick     chan struct{}      // re-arms the expiry goroutine
	buffered int

	dispatched, delivered, redeliveries, duplicates atomic.Int64
	overflows, orphans, released, expired           atomic.Int64
	pollErrors, surges                              atomic.Int64
}

// host is a host queue with virtual queues on this client, or with pollers
// still finishing their last long poll after its last virtual queue went.
type host struct {
	queues  int // virtual queues on it
	pollers int // pollers running
}

// vqueue is one virtual queue. Kept small: an idle one costs this struct, its
// URL and a map entry.
type vqueue struct {
	url        string // "<host>#<name>"; also the key in Client.queues
	hostLen    int32  // url[:hostLen] is the host queue URL
	retention  int32  // idle retention in seconds; 0 = none
	heapIdx    int32  // index in Client.expiry, -1 when not in it
	waiters    int32  // receives waiting on this queue
	deleted    bool
	lastActive int64 // unix nanoseconds
	deadline   int64 // expiry heap key, unix nanoseconds
	buf        []types.Message
	wake       chan struct{} // closed on dispatch or deletion; nil when nobody waits
	tags       map[string]string
}

func (q *vqueue) hostURL() string { return q.url[:q.hostLen] }
func (q *vqueue) name() string    { return q.url[q.hostLen+1:] }

// New returns a Client over api. Pollers start when the first virtual queue
// on a host queue is created, so New itself starts no goroutine.
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
		kick:      make(chan struct{}, 1),
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
	c.log.Info("virtualqueue: orphan message left on host queue",
		"host", hostQueueURL, "virtualQueue", name, "messageId", aws.ToString(m.MessageId))
	return OrphanLeave
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	s := Stats{VirtualQueues: len(c.queues), Hosts: len(c.hosts), Buffered: c.buffered}
	c.mu.Unlock()
	s.Calls = c.api.Calls()
	s.Dispatched = c.dispatched.Load()
	s.Delivered = c.delivered.Load()
	s.Redeliveries = c.redeliveries.Load()
	s.Duplicates = c.duplicates.Load()
	s.Overflows = c.overflows.Load()
	s.Orphans = c.orphans.Load()
	s.Released = c.released.Load()
	s.Expired = c.expired.Load()
	s.PollErrors = c.pollErrors.Load()
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
	c.cancel() // cancels every poller's long poll and the expiry goroutine
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
		for i := range q.buf {
			c.acker.ChangeVisibility(q.hostURL(), aws.ToString(q.buf[i].ReceiptHandle), 0)
		}
		n += len(q.buf)
		q.buf = nil
	}
	c.buffered = 0
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

// lookup returns the live virtual queue at url, touching it, or nil.
func (c *Client) touch(url string) *vqueue {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queues[url]
	if q != nil {
		q.lastActive = c.now()
	}
	return q
}

// ---- CreateQueue ----

// CreateQueue creates a virtual queue, with no SQS call, when the attributes
// include HostQueueUrl; otherwise it passes through.
func (c *Client) CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, optFns ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	if in == nil {
		in = &sqs.CreateQueueInput{}
	}
	const op = "CreateQueue"
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	hostURL, isVirtual := in.Attributes[sqsapi.HostQueueURLAttribute]
	if !isVirtual {
		return c.api.CreateQueue(ctx, in, optFns...)
	}
	name := aws.ToString(in.QueueName)
	bad := func(err error) (*sqs.CreateQueueOutput, error) {
		return nil, fmt.Errorf("virtualqueue: %s %q: %w", op, name, err)
	}
	var retention int32
	var extra []string
	for k, v := range in.Attributes {
		switch k {
		case sqsapi.HostQueueURLAttribute:
		case sqsapi.IdleQueueRetentionPeriodAttribute:
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n < sqsapi.MinIdleRetentionSeconds {
				return bad(&sqsapi.InvalidParameterError{Code: "InvalidAttributeValue", Param: k, Value: v,
					Reason: "must be a whole number of seconds, at least 1"})
			}
			retention = int32(n)
		default:
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return bad(&sqsapi.InvalidParameterError{Code: "InvalidAttributeName", Param: "Attributes", Value: strings.Join(extra, ","),
			Reason: "only " + sqsapi.IdleQueueRetentionPeriodAttribute + " may accompany " + sqsapi.HostQueueURLAttribute})
	}
	hu, err := sqsapi.ParseQueueURL(hostURL)
	if err != nil {
		return bad(&sqsapi.InvalidParameterError{Code: "InvalidAttributeValue", Param: sqsapi.HostQueueURLAttribute, Value: hostURL,
			Reason: "not an SQS queue URL"})
	}
	fifo := sqsapi.IsFIFOQueueName(hu.Name)
	if err := sqsapi.ValidateQueueName(name, fifo); err != nil {
		return bad(err)
	}
	url := URL(hostURL, name)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errClosed(op)
	}
	now := c.now()
	if q := c.queues[url]; q != nil {
		if q.retention != retention {
			return nil, fmt.Errorf("virtualqueue: %s %q: %w", op, name, &types.QueueNameExists{
				Message: aws.String("virtual queue " + url + " already exists with different attributes")})
		}
		q.lastActive = now
		return &sqs.CreateQueueOutput{QueueUrl: aws.String(url)}, nil
	}
	if len(c.queues) >= c.opts.MaxQueues {
		return nil, fmt.Errorf("virtualqueue: %s %q: %w (limit %d)", op, name, ErrTooManyQueues, c.opts.MaxQueues)
	}
	q := &vqueue{url: url, hostLen: int32(len(hostURL)), retention: retention, heapIdx: -1, lastActive: now}
	if len(in.Tags) > 0 {
		q.tags = make(map[string]string, len(in.Tags))
		for k, v := range in.Tags {
			q.tags[k] = v
		}
	}
	c.queues[url] = q
	h := c.hosts[hostURL]
	if h == nil {
		h = &host{}
		c.hosts[hostURL] = h
	}
	h.queues++
	c.startPollersLocked(hostURL, h)
	if retention > 0 {
		q.deadline = now + int64(retention)*int64(time.Second)
		heap.Push(&c.expiry, q)
		if !c.janitor {
			c.janitor = true
			c.wg.Add(1)
			go c.runExpiry()
		}
		if q.heapIdx == 0 {
			select {
			case c.kick <- struct{}{}:
			default:
			}
		}
	}
	return &sqs.CreateQueueOutput{QueueUrl: aws.String(url)}, nil
}

// removeLocked deletes q and returns its buffered messages, which the caller
// must release.
func (c *Client) removeLocked(q *vqueue) []types.Message {
	delete(c.queues, q.url)
	q.deleted = true
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
	if q.heapIdx >= 0 {
		heap.Remove(&c.expiry, int(q.heapIdx))
	}
	msgs := q.buf
	q.buf = nil
	c.buffered -= len(msgs)
	hostURL := q.hostURL()
	if h := c.hosts[hostURL]; h != nil {
		// With no virtual queue left, the pollers stop after their current
		// long poll: cancelling it could lose a response SQS already sent,
		// leaving its messages invisible for the visibility timeout.
		h.queues--
	}
	return msgs
}

// release hands messages back to their host (visibility 0) and flushes.
func (c *Client) release(ctx context.Context, hostURL string, msgs []types.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	for i := range msgs {
		c.acker.ChangeVisibility(hostURL, aws.ToString(msgs[i].ReceiptHandle), 0)
	}
	c.released.Add(int64(len(msgs)))
	return c.acker.Flush(ctx)
}

// DeleteQueue deletes a virtual queue locally, with no SQS call, handing
// its buffered messages back to the host (visibility 0); otherwise it passes
// through.
func (c *Client) DeleteQueue(ctx context.Context, in *sqs.DeleteQueueInput, optFns ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error) {
	if in == nil {
		in = &sqs.DeleteQueueInput{}
	}
	const op = "DeleteQueue"
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	url := aws.ToString(in.QueueUrl)
	hostURL, _, ok, err := virtual(op, url)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.api.DeleteQueue(ctx, in, optFns...)
	}
	c.mu.Lock()
	q := c.queues[url]
	if q == nil {
		c.mu.Unlock()
		return nil, queueDoesNotExist(op, url)
	}
	msgs := c.removeLocked(q)
	c.mu.Unlock()
	if err := c.release(ctx, hostURL, msgs); err != nil {
		// Not the caller's failure: the queue is gone, and the messages
		// reappear on the host after its visibility timeout.
		c.log.Warn("virtualqueue: releasing buffered messages of deleted queue", "queue", url, "err", err)
	}
	return &sqs.DeleteQueueOutput{}, nil
}

// GetQueueUrl passes through: virtual queues are not registered by name
// (they are keyed by host and name), so their URLs come from CreateQueue.
func (c *Client) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	if in == nil {
		in = &sqs.GetQueueUrlInput{}
	}
	if c.closedFlag.Load() {
		return nil, errClosed("GetQueueUrl")
	}
	return c.api.GetQueueUrl(ctx, in, optFns...)
}

// ListQueues passes through; virtual queues are not listed.
func (c *Client) ListQueues(ctx context.Context, in *sqs.ListQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	if in == nil {
		in = &sqs.ListQueuesInput{}
	}
	if c.closedFlag.Load() {
		return nil, errClosed("ListQueues")
	}
	return c.api.ListQueues(ctx, in, optFns...)
}

// ---- expiry ----

type expiryHeap []*vqueue

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].deadline < h[j].deadline }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = int32(i)
	h[j].heapIdx = int32(j)
}
func (h *expiryHeap) Push(x any) {
	q := x.(*vqueue)
	q.heapIdx = int32(len(*h))
	*h = append(*h, q)
}
func (h *expiryHeap) Pop() any {
	old := *h
	q := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	q.heapIdx = -1
	return q
}

// runExpiry is the one expiry goroutine: it sleeps until the earliest
// possible deadline. Deadlines in the heap are lower bounds (activity only
// moves a queue's real deadline later), so a queue found still active is
// re-queued at its real deadline.
func (c *Client) runExpiry() {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		var tc <-chan time.Time
		var t clock.Timer
		if len(c.expiry) > 0 {
			deadline := c.expiry[0].deadline
			now := c.now()
			t = c.clock.NewTimer(time.Duration(deadline - now))
			// NewTimer is relative to the clock's time when it runs; if
			// the clock moved meanwhile (a fake clock advanced by a test),
			// the timer would fire late, so look again.
			if c.now()-now > int64(time.Millisecond) {
				t.Stop()
				c.mu.Unlock()
				continue
			}
			tc = t.C()
		}
		c.mu.Unlock()
		select {
		case <-c.ctx.Done():
			if t != nil {
				t.Stop()
			}
			return
		case <-c.kick:
			if t != nil {
				t.Stop()
			}
			continue
		case <-tc:
		}
		c.expireDue()
	}
}

func (c *Client) expireDue() {
	type rel struct {
		host string
		msgs []types.Message
	}
	var rels []rel
	c.mu.Lock()
	now := c.now()
	for len(c.expiry) > 0 && c.expiry[0].deadline <= now {
		q := c.expiry[0]
		if q.waiters > 0 { // a waiting receive is activity
			q.lastActive = now
		}
		if d := q.lastActive + int64(q.retention)*int64(time.Second); d > now {
			q.deadline = d
			heap.Fix(&c.expiry, 0)
			continue
		}
		c.expired.Add(1)
		if msgs := c.removeLocked(q); len(msgs) > 0 {
			rels = append(rels, rel{q.hostURL(), msgs})
		}
	}
	c.mu.Unlock()
	// Detached from c.ctx so that a Close racing with this still releases.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 30*time.Second)
	defer cancel()
	for _, r := range rels {
		if err := c.release(ctx, r.host, r.msgs); err != nil {
			c.log.Warn("virtualqueue: releasing buffered messages of expired queue", "host", r.host, "err", err)
		}
	}
}

// ---- pollers ----

// startPollersLocked brings h's pollers up to PollersPerHost.
func (c *Client) startPollersLocked(hostURL string, h *host) {
	for h.pollers < c.opts.PollersPerHost {
		h.pollers++
		c.wg.Add(1)
		go c.poll(c.ctx, hostURL, h, false)
	}
}

// surgeLocked starts one more poller on h, if h has fewer than
// MaxPollersPerHost. Called when a receive came back full: more messages are
// probably waiting, and one long poll at a time would cap throughput at ten
// messages per round trip.
func (c *Client) surgeLocked(hostURL string, h *host) {
	if c.closed || h.pollers >= c.opts.MaxPollersPerHost {
		return
	}
	h.pollers++
	c.surges.Add(1)
	c.wg.Add(1)
	go c.poll(c.ctx, hostURL, h, true)
}

// stopPollerLocked unregisters a poller (and h once its last poller is gone
// and it has no virtual queue).
func (c *Client) stopPollerLocked(hostURL string, h *host) {
	h.pollers--
	if h.pollers == 0 && h.queues == 0 && c.hosts[hostURL] == h {
		delete(c.hosts, hostURL)
	}
}

// keepPolling reports whether h still has virtual queues; if not, it
// unregisters the calling poller (and h once its last poller is gone).
func (c *Client) keepPolling(hostURL string, h *host) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h.queues > 0 {
		return true
	}
	c.stopPollerLocked(hostURL, h)
	return false
}

const (
	backoffBase = 100 * time.Millisecond
	backoffMax  = 20 * time.Second
)

// backoff returns the wait before retry number attempt (1-based): exponential
// from backoffBase, capped at backoffMax, with "equal jitter".
func backoff(attempt int) time.Duration {
	d := backoffMax
	if attempt < 20 {
		d = min(backoffBase<<(attempt-1), backoffMax)
	}
	return d/2 + rand.N(d/2+1)
}

// poll is one poller of a host queue: it long-polls until ctx ends (Close)
// or, after a long poll returns, the host has no virtual queue left. A
// receive that comes back full starts a surge poller (up to
// MaxPollersPerHost); a surge poller stops after its first receive that does
// not come back full, so at low load one long poll per host is all there is.
func (c *Client) poll(ctx context.Context, hostURL string, h *host, surge bool) {
	defer c.wg.Done()
	in := &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(hostURL),
		MaxNumberOfMessages:         sqsapi.MaxMessagesPerReceive,
		WaitTimeSeconds:             int32(c.opts.HostWaitTime / time.Second),
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	}
	attempt := 0
	for ctx.Err() == nil && c.keepPolling(hostURL, h) {
		out, err := c.api.ReceiveMessage(ctx, in)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			c.pollErrors.Add(1)
			attempt++
			d := backoff(attempt)
			c.log.Warn("virtualqueue: receive from host queue failed; retrying",
				"host", hostURL, "attempt", attempt, "backoff", d, "err", err)
			t := c.clock.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C():
			}
			continue
		}
		attempt = 0
		full := len(out.Messages) == sqsapi.MaxMessagesPerReceive
		if full {
			c.mu.Lock()
			c.surgeLocked(hostURL, h)
			c.mu.Unlock()
		}
		if len(out.Messages) > 0 {
			c.dispatch(ctx, hostURL, out.Messages)
		}
		if surge && !full {
			c.mu.Lock()
			c.stopPollerLocked(hostURL, h)
			c.mu.Unlock()
			return
		}
	}
}

// dispatch buffers messages for their virtual queues, never blocking on a
// consumer. Messages it cannot buffer stay in flight on the host.
func (c *Client) dispatch(ctx context.Context, hostURL string, msgs []types.Message) {
	var orphans []types.Message
	c.mu.Lock()
	for _, m := range msgs {
		if c.closed {
			c.acker.ChangeVisibility(hostURL, aws.ToString(m.ReceiptHandle), 0)
			c.released.Add(1)
			continue
		}
		var q *vqueue
		if a, ok := m.MessageAttributes[sqsapi.VirtualQueueNameAttribute]; ok && aws.ToString(a.StringValue) != "" {
			q = c.queues[URL(hostURL, aws.ToString(a.StringValue))]
		}
		if q == nil {
			orphans = append(orphans, m)
			continue
		}
		if rc := m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)]; rc != "" && rc != "1" {
			c.redeliveries.Add(1)
		}
		id := aws.ToString(m.MessageId)
		replaced := false
		for i := range q.buf {
			if aws.ToString(q.buf[i].MessageId) == id {
				q.buf[i] = m // the newest receipt handle wins
				replaced = true
				c.duplicates.Add(1)
				break
			}
		}
		if !replaced {
			if len(q.buf) >= c.opts.MaxBufferedPerQueue {
				c.overflows.Add(1) // not acknowledged: SQS redelivers it
				continue
			}
			q.buf = append(q.buf, m)
			c.buffered++
		}
		c.dispatched.Add(1)
		if q.wake != nil {
			close(q.wake)
			q.wake = nil
		}
	}
	c.mu.Unlock()
	for _, m := range orphans {
		c.orphans.Add(1)
		switch c.opts.OrphanHandler(ctx, hostURL, m) {
		case OrphanDelete:
			c.acker.Delete(hostURL, aws.ToString(m.ReceiptHandle))
		case OrphanRelease:
			c.acker.ChangeVisibility(hostURL, aws.ToString(m.ReceiptHandle), 0)
		}
	}
}
