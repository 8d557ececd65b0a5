package sweeper

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Client is an idle-queue-deleting wrapper around an sqsapi.API. It satisfies
// sqsapi.API itself: queues created with the IdleQueueRetentionPeriodSeconds
// attribute are tagged, heartbeated while used, and recovered when deleted
// underneath their user; every other call passes through. See the package
// documentation for the semantics.
type Client struct {
	api  sqsapi.API
	opts Options
	log  *slog.Logger

	// ctx is cancelled by Close; heartbeats and the recoveries they trigger
	// run under it.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	queues  map[string]*queueState // by the URL the caller holds
	closed  bool
	started bool          // the heartbeat goroutine runs
	wake    chan struct{} // nudges the heartbeat goroutine to reschedule
	done    chan struct{} // closed when the heartbeat goroutine returns

	failoverQuiet time.Duration // see failoverQuiet; tests shorten it

	heartbeats atomic.Int64
	recreated  atomic.Int64
	failedOver atomic.Int64
}

var _ sqsapi.API = (*Client)(nil)

// New returns a Client wrapping api. It starts its single heartbeat goroutine
// when the first queue with IdleQueueRetentionPeriodSeconds is created
// through it; Close stops it.
func New(api sqsapi.API, optFns ...func(*Options)) *Client {
	o := resolveOptions(optFns)
	ctx, cancel := context.WithCancel(context.Background())
	return &Client{
		api:    api,
		opts:   o,
		log:    o.Logger.With("component", "sweeper.Client"),
		ctx:    ctx,
		cancel: cancel,
		queues: make(map[string]*queueState),
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),

		failoverQuiet: failoverQuiet,
	}
}

// ClientStats counts what a Client did.
type ClientStats struct {
	Heartbeats int64 // TagQueue calls made to refresh heartbeats
	Recreated  int64 // queues recreated after being deleted underneath us
	FailedOver int64 // failover queues created because SQS refused the name
}

// Stats returns counters of what c did so far.
func (c *Client) Stats() ClientStats {
	return ClientStats{Heartbeats: c.heartbeats.Load(), Recreated: c.recreated.Load(), FailedOver: c.failedOver.Load()}
}

// Close stops the heartbeats of every queue and waits for the heartbeat
// goroutine to return (an in-flight heartbeat is cancelled, not waited out),
// or for ctx to end. It deletes no queue: a queue that is no longer
// heartbeated is deleted by a Sweeper once its retention period has passed.
// Close is idempotent. Calls made after Close pass straight through to the
// wrapped API, without heartbeats or recovery.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	c.closed = true
	started := c.started
	c.queues = make(map[string]*queueState)
	c.mu.Unlock()
	c.cancel()
	if !started {
		return nil
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sweeper: close: %w", ctx.Err())
	}
}

// queueState is what the Client knows about one queue it created with a
// retention period. Fields after mu-guarded are guarded by Client.mu.
type queueState struct {
	url       string // the URL the caller holds; never changes
	name      string
	attrs     map[string]string // real attributes (retention removed), for recreation
	userTags  map[string]string // the caller's tags, for recreation
	retention time.Duration
	interval  time.Duration // heartbeat interval for this queue

	recMu sync.Mutex // serializes recoveries of this queue

	// Guarded by Client.mu.
	inflight      int       // calls in progress (a waiting receive counts as use)
	used          bool      // used since the last heartbeat
	lastHeartbeat time.Time // last heartbeat written (or creation)
	nextDue       time.Time // next heartbeat check; zero while idle
	epoch         uint64    // bumped by every recovery and restore (where sends go changed)
	// failoverURL is the <name>-Failover queue, "" when none. While
	// toFailover, the original cannot be recreated yet and sends go to the
	// failover; afterwards the failover is drained (receives look at it
	// first) until it is empty, then deleted.
	failoverURL     string
	toFailover      bool
	failoverHandles map[string]struct{} // receipt handles of messages received from the failover
	failoverSends   int                 // sends to the failover in flight
	lastFailoverUse time.Time           // when the last send to the failover ended
	failoverEmpty   int                 // consecutive empty receives from the draining failover
}

func (q *queueState) retentionSeconds() string {
	return strconv.Itoa(int(q.retention / time.Second))
}

// tracked returns the state of a queue this Client heartbeats, or nil.
func (c *Client) tracked(url *string) *queueState {
	if url == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queues[*url]
}

// route is a snapshot of where a tracked queue's calls go.
type route struct {
	epoch      uint64
	failover   string
	toFailover bool
}

// sendTarget is where sends go.
func (r route) sendTarget(q *queueState) string {
	if r.toFailover {
		return r.failover
	}
	return q.url
}

// begin records a call on q and returns its route; end must follow.
func (c *Client) begin(q *queueState) route {
	c.mu.Lock()
	defer c.mu.Unlock()
	q.inflight++
	q.used = true
	if q.nextDue.IsZero() && c.queues[q.url] == q {
		due := q.lastHeartbeat.Add(q.interval)
		if now := c.opts.Clock.Now(); due.Before(now) {
			due = now
		}
		q.nextDue = due
		c.nudge()
	}
	return route{epoch: q.epoch, failover: q.failoverURL, toFailover: q.toFailover}
}

func (c *Client) end(q *queueState) {
	c.mu.Lock()
	q.inflight--
	c.mu.Unlock()
}

func (c *Client) nudge() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// CreateQueue implements sqsapi.API. With IdleQueueRetentionPeriodSeconds
// (an integer >= 1; the queue name must start with the prefix), it creates
// the queue without that attribute, tags it with the retention period and a
// heartbeat, and heartbeats it while it is used. Other queues pass through.
func (c *Client) CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, optFns ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	if in == nil {
		return c.api.CreateQueue(ctx, in, optFns...)
	}
	raw, ok := in.Attributes[sqsapi.IdleQueueRetentionPeriodAttribute]
	if _, virtual := in.Attributes[sqsapi.HostQueueURLAttribute]; !ok || virtual {
		// A virtual queue is no SQS queue: the layer that hosts it
		// expires it locally.
		return c.api.CreateQueue(ctx, in, optFns...)
	}
	secs, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || secs < sqsapi.MinIdleRetentionSeconds {
		return nil, &sqsapi.InvalidParameterError{Code: "InvalidAttributeValue", Param: sqsapi.IdleQueueRetentionPeriodAttribute,
			Value: raw, Reason: "must be an integer number of seconds, at least 1"}
	}
	name := deref(in.QueueName)
	if err := sqsapi.ValidateQueueName(name, sqsapi.IsFIFOQueueName(name) || in.Attributes[string(types.QueueAttributeNameFifoQueue)] == "true"); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(name, c.opts.QueuePrefix) {
		return nil, &sqsapi.InvalidParameterError{Param: "QueueName", Value: name,
			Reason: fmt.Sprintf("a queue with %s must have a name starting with the prefix %q", sqsapi.IdleQueueRetentionPeriodAttribute, c.opts.QueuePrefix)}
	}
	attrs := maps.Clone(in.Attributes)
	delete(attrs, sqsapi.IdleQueueRetentionPeriodAttribute)
	q := &queueState{
		name:      name,
		attrs:     attrs,
		userTags:  maps.Clone(in.Tags),
		retention: time.Duration(secs) * time.Second,
	}
	q.interval = min(c.opts.HeartbeatInterval, q.retention/2)
	now := c.opts.Clock.Now()
	out, err := c.api.CreateQueue(ctx, c.createInput(q, name, now), optFns...)
	if err != nil {
		return nil, err
	}
	q.url = deref(out.QueueUrl)
	q.lastHeartbeat = now

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return out, nil
	}
	if old, dup := c.queues[q.url]; dup {
		q = old
	} else {
		c.queues[q.url] = q
	}
	// Creation is use: a heartbeat follows within one interval. That also
	// refreshes a queue that already existed (SQS ignores the tags of a
	// CreateQueue that returns an existing queue).
	q.used = true
	if q.nextDue.IsZero() {
		q.nextDue = now.Add(q.interval)
		c.nudge()
	}
	if !c.started {
		c.started = true
		go c.heartbeatLoop()
	}
	return out, nil
}

// createInput is the real CreateQueue input for q under name.
func (c *Client) createInput(q *queueState, name string, now time.Time) *sqs.CreateQueueInput {
	c.mu.Lock()
	defer c.mu.Unlock()
	tags := maps.Clone(q.userTags)
	if tags == nil {
		tags = make(map[string]string, 2)
	}
	tags[sqsapi.RetentionTag] = q.retentionSeconds()
	tags[sqsapi.HeartbeatTag] = strconv.FormatInt(now.UnixMilli(), 10)
	return &sqs.CreateQueueInput{QueueName: &name, Attributes: maps.Clone(q.attrs), Tags: tags}
}

// failoverName is <name>-Failover, before ".fifo" for a FIFO queue.
func failoverName(name string) (string, error) {
	base, suffix := name, ""
	if sqsapi.IsFIFOQueueName(name) {
		base, suffix = strings.TrimSuffix(name, sqsapi.FIFOSuffix), sqsapi.FIFOSuffix
	}
	fo := base + failoverSuffix + suffix
	if len(fo) > sqsapi.MaxQueueNameLength {
		return "", &sqsapi.InvalidParameterError{Param: "QueueName", Value: fo, Reason: "failover queue name longer than 80 characters"}
	}
	return fo, nil
}

// recover is called when failed (the original or the failover of q) was
// found missing by a call that began at epoch. It makes sure q has a live
// queue to send to: the original, recreated, or while SQS refuses its name,
// the failover queue. If another call recovered q in the meantime it does
// nothing. On success the caller retries once.
func (c *Client) recover(ctx context.Context, q *queueState, epoch uint64, failed string) error {
	q.recMu.Lock()
	defer q.recMu.Unlock()
	c.mu.Lock()
	// Nothing to do if another call recovered q since this one began, or if
	// the queue found missing is no longer part of q (a retired failover).
	if q.epoch != epoch || c.queues[q.url] != q || failed != q.url && failed != q.failoverURL {
		c.mu.Unlock()
		return nil
	}
	failover := q.failoverURL
	c.mu.Unlock()

	c.log.Warn("queue deleted underneath its user; recovering", "queue", q.url, "missing", failed)
	now := c.opts.Clock.Now()
	_, err := c.api.CreateQueue(ctx, c.createInput(q, q.name, now))
	switch {
	case err == nil:
		c.recreated.Add(1)
		c.mu.Lock()
		q.epoch++
		q.toFailover = false
		q.lastHeartbeat = now
		if failed == failover {
			// The failover itself vanished: nothing left to drain.
			q.failoverURL, q.failoverHandles = "", nil
		}
		c.mu.Unlock()
		c.log.Info("queue recreated", "queue", q.url)
		return nil
	case !sqsapi.IsQueueDeletedRecently(err):
		return fmt.Errorf("sweeper: recreate deleted queue %s: %w", q.url, err)
	}
	foName, nerr := failoverName(q.name)
	if nerr != nil {
		return fmt.Errorf("sweeper: fail over deleted queue %s: %w", q.url, nerr)
	}
	out, ferr := c.api.CreateQueue(ctx, c.createInput(q, foName, now))
	if ferr != nil {
		return fmt.Errorf("sweeper: recreate deleted queue %s: %w (and create failover %s: %w)", q.url, err, foName, ferr)
	}
	c.failedOver.Add(1)
	c.mu.Lock()
	q.epoch++
	if q.failoverURL != deref(out.QueueUrl) {
		q.failoverHandles = make(map[string]struct{})
	}
	q.failoverURL = deref(out.QueueUrl)
	q.toFailover = true
	q.failoverEmpty = 0
	q.lastHeartbeat = now
	c.mu.Unlock()
	c.log.Warn("queue name refused by SQS; failed over", "queue", q.url, "failover", q.failoverURL)
	return nil
}

// tryRestore is called by the heartbeat goroutine while q runs on its
// failover queue: once SQS accepts the original name again, sends go back
// to the recreated original and the failover is drained.
func (c *Client) tryRestore(ctx context.Context, q *queueState) {
	q.recMu.Lock()
	defer q.recMu.Unlock()
	c.mu.Lock()
	if !q.toFailover || c.queues[q.url] != q {
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	now := c.opts.Clock.Now()
	_, err := c.api.CreateQueue(ctx, c.createInput(q, q.name, now))
	if err != nil {
		if !sqsapi.IsQueueDeletedRecently(err) && ctx.Err() == nil {
			c.log.Warn("recreate original queue failed; staying on failover", "queue", q.url, "error", err)
		}
		return
	}
	c.recreated.Add(1)
	c.mu.Lock()
	q.epoch++
	q.toFailover = false
	q.failoverEmpty = 0
	failover := q.failoverURL
	c.mu.Unlock()
	c.log.Info("original queue recreated; draining failover", "queue", q.url, "failover", failover)
}

// failoverQuiet is how long after the last send to a failover queue it may
// be deleted: SQS's message counts are approximate, and settle within a
// minute.
const failoverQuiet = time.Minute

// retireFailover deletes q's draining failover queue once it holds nothing
// (no visible, in-flight or delayed message). Sends go to the failover only
// while the original cannot be recreated, so once q is draining none can
// start; retirement also waits until none is running and the last one ended
// failoverQuiet ago, so that the counts include it.
func (c *Client) retireFailover(ctx context.Context, q *queueState, failover string) {
	quiet := func() bool {
		return !q.toFailover && q.failoverURL == failover && q.failoverSends == 0 &&
			c.opts.Clock.Now().Sub(q.lastFailoverUse) >= c.failoverQuiet
	}
	c.mu.Lock()
	ok := quiet()
	c.mu.Unlock()
	if !ok {
		return
	}
	out, err := c.api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &failover, AttributeNames: messageCountAttributes})
	if err != nil {
		return
	}
	if n, ok := messageCount(out.Attributes); !ok || n > 0 {
		return
	}
	c.mu.Lock()
	if !quiet() {
		c.mu.Unlock()
		return
	}
	q.failoverURL, q.failoverHandles = "", nil
	c.mu.Unlock()
	if _, err := c.api.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &failover}); err != nil && !sqsapi.IsQueueDoesNotExist(err) {
		// Not heartbeated any more: a Sweeper deletes it after its retention.
		c.log.Warn("delete drained failover queue failed", "failover", failover, "error", err)
		return
	}
	c.log.Info("failover queue drained and deleted", "queue", q.url, "failover", failover)
}

// jitter returns d shortened by up to 20%, so that a fleet's heartbeats
// spread out instead of synchronising.
func jitter(d time.Duration) time.Duration {
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

// heartbeatLoop is the Client's one goroutine: it sleeps (on the clock) until
// the earliest queue is due, then heartbeats the due queues that were used
// since their last heartbeat. Idle queues are not rescheduled until used.
func (c *Client) heartbeatLoop() {
	defer close(c.done)
	for {
		c.mu.Lock()
		var due time.Time
		for _, q := range c.queues {
			if !q.nextDue.IsZero() && (due.IsZero() || q.nextDue.Before(due)) {
				due = q.nextDue
			}
		}
		c.mu.Unlock()
		var fire <-chan time.Time
		var t interface{ Stop() bool }
		if !due.IsZero() {
			tm := c.opts.Clock.NewTimer(due.Sub(c.opts.Clock.Now()))
			fire, t = tm.C(), tm
		}
		select {
		case <-c.ctx.Done():
			if t != nil {
				t.Stop()
			}
			return
		case <-c.wake:
			if t != nil {
				t.Stop()
			}
			continue
		case <-fire:
		}
		c.beatDue()
	}
}

type beat struct {
	q       *queueState
	targets []string
	epoch   uint64
	restore bool // running on the failover: try to recreate the original
}

// beatDue heartbeats every due queue that was used since its last heartbeat.
func (c *Client) beatDue() {
	now := c.opts.Clock.Now()
	var beats []beat
	c.mu.Lock()
	for _, q := range c.queues {
		if q.nextDue.IsZero() || q.nextDue.After(now) {
			continue
		}
		if !q.used && q.inflight == 0 {
			q.nextDue = time.Time{} // idle: the next call reschedules it
			continue
		}
		q.used = false
		q.lastHeartbeat = now
		q.nextDue = now.Add(jitter(q.interval))
		b := beat{q: q, epoch: q.epoch}
		switch {
		case q.toFailover:
			b.targets, b.restore = []string{q.failoverURL}, true
		case q.failoverURL != "":
			b.targets = []string{q.url, q.failoverURL}
		default:
			b.targets = []string{q.url}
		}
		beats = append(beats, b)
	}
	c.mu.Unlock()

	ms := strconv.FormatInt(now.UnixMilli(), 10)
	for _, b := range beats {
		for _, target := range b.targets {
			if c.ctx.Err() != nil {
				return
			}
			c.heartbeats.Add(1)
			_, err := c.api.TagQueue(c.ctx, &sqs.TagQueueInput{QueueUrl: &target, Tags: map[string]string{
				sqsapi.HeartbeatTag: ms,
				sqsapi.RetentionTag: b.q.retentionSeconds(),
			}})
			switch {
			case err == nil:
			case sqsapi.IsQueueDoesNotExist(err):
				if rerr := c.recover(c.ctx, b.q, b.epoch, target); rerr != nil && c.ctx.Err() == nil {
					c.log.Error("recover deleted queue failed; will retry", "queue", b.q.url, "error", rerr)
				}
			case c.ctx.Err() == nil:
				c.log.Warn("heartbeat failed; will retry", "queue", b.q.url, "target", target, "error", err)
				c.mu.Lock()
				b.q.used = true // retried at the next due time, used or not
				c.mu.Unlock()
			}
		}
		if b.restore {
			c.tryRestore(c.ctx, b.q)
		}
	}
}

// do runs call against q's current target, recovering q and retrying once
// if the target was deleted underneath us.
func do[T any](ctx context.Context, c *Client, q *queueState, target func(route) string, call func(url string) (T, error)) (T, error) {
	r := c.begin(q)
	defer c.end(q)
	url := target(r)
	out, err := call(url)
	if !sqsapi.IsQueueDoesNotExist(err) {
		return out, err
	}
	if rerr := c.recover(ctx, q, r.epoch, url); rerr != nil {
		c.log.Error("recover deleted queue failed", "queue", q.url, "error", rerr)
		return out, err
	}
	r = c.snapshot(q)
	return call(target(r))
}

func (c *Client) snapshot(q *queueState) route {
	c.mu.Lock()
	defer c.mu.Unlock()
	return route{epoch: q.epoch, failover: q.failoverURL, toFailover: q.toFailover}
}

// live returns where q lives now (where sends go).
func live(q *queueState) func(route) string {
	return func(r route) string { return r.sendTarget(q) }
}

// DeleteQueue implements sqsapi.API. Deleting a heartbeated queue stops its
// heartbeats and also deletes its failover queue, if any.
func (c *Client) DeleteQueue(ctx context.Context, in *sqs.DeleteQueueInput, optFns ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error) {
	if in == nil {
		in = &sqs.DeleteQueueInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.DeleteQueue(ctx, in, optFns...)
	}
	c.mu.Lock()
	if c.queues[q.url] == q {
		delete(c.queues, q.url)
	}
	failover := q.failoverURL
	c.mu.Unlock()
	out, err := c.api.DeleteQueue(ctx, in, optFns...)
	if failover != "" {
		fin := *in
		fin.QueueUrl = &failover
		if _, ferr := c.api.DeleteQueue(ctx, &fin, optFns...); ferr != nil && !sqsapi.IsQueueDoesNotExist(ferr) {
			return out, ferr
		}
		if sqsapi.IsQueueDoesNotExist(err) {
			return &sqs.DeleteQueueOutput{}, nil
		}
	}
	return out, err
}

// GetQueueUrl implements sqsapi.API (pass-through).
func (c *Client) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	if in == nil {
		in = &sqs.GetQueueUrlInput{} // as *sqs.Client does
	}
	return c.api.GetQueueUrl(ctx, in, optFns...)
}

// ListQueues implements sqsapi.API (pass-through).
func (c *Client) ListQueues(ctx context.Context, in *sqs.ListQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	if in == nil {
		in = &sqs.ListQueuesInput{} // as *sqs.Client does
	}
	return c.api.ListQueues(ctx, in, optFns...)
}

// GetQueueAttributes implements sqsapi.API. For a heartbeated queue, it
// reports IdleQueueRetentionPeriodSeconds when asked (by name or "All").
func (c *Client) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	if in == nil {
		in = &sqs.GetQueueAttributesInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.GetQueueAttributes(ctx, in, optFns...)
	}
	want := false
	names := make([]types.QueueAttributeName, 0, len(in.AttributeNames))
	for _, n := range in.AttributeNames {
		switch n {
		case sqsapi.IdleQueueRetentionPeriodAttribute:
			want = true
			continue
		case types.QueueAttributeNameAll:
			want = true
		}
		names = append(names, n)
	}
	var out *sqs.GetQueueAttributesOutput
	var err error
	if len(names) == 0 && want {
		c.begin(q)
		c.end(q)
		out = &sqs.GetQueueAttributesOutput{}
	} else {
		out, err = do(ctx, c, q, live(q), func(url string) (*sqs.GetQueueAttributesOutput, error) {
			cin := *in
			cin.QueueUrl, cin.AttributeNames = &url, names
			return c.api.GetQueueAttributes(ctx, &cin, optFns...)
		})
	}
	if err == nil && want {
		if out.Attributes == nil {
			out.Attributes = make(map[string]string, 1)
		}
		out.Attributes[sqsapi.IdleQueueRetentionPeriodAttribute] = q.retentionSeconds()
	}
	return out, err
}

// SetQueueAttributes implements sqsapi.API. The attributes set on a
// heartbeated queue are remembered for its recreation.
func (c *Client) SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error) {
	if in == nil {
		in = &sqs.SetQueueAttributesInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.SetQueueAttributes(ctx, in, optFns...)
	}
	if _, ok := in.Attributes[sqsapi.IdleQueueRetentionPeriodAttribute]; ok {
		return nil, &sqsapi.InvalidParameterError{Code: "InvalidAttributeName", Param: "AttributeName", Value: sqsapi.IdleQueueRetentionPeriodAttribute,
			Reason: "can only be set when the queue is created"}
	}
	out, err := do(ctx, c, q, live(q), func(url string) (*sqs.SetQueueAttributesOutput, error) {
		cin := *in
		cin.QueueUrl = &url
		return c.api.SetQueueAttributes(ctx, &cin, optFns...)
	})
	if err == nil {
		c.mu.Lock()
		if q.attrs == nil {
			q.attrs = make(map[string]string, len(in.Attributes))
		}
		maps.Copy(q.attrs, in.Attributes)
		c.mu.Unlock()
	}
	return out, err
}

// PurgeQueue implements sqsapi.API. A heartbeated queue's failover queue is
// purged too.
func (c *Client) PurgeQueue(ctx context.Context, in *sqs.PurgeQueueInput, optFns ...func(*sqs.Options)) (*sqs.PurgeQueueOutput, error) {
	if in == nil {
		in = &sqs.PurgeQueueInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.PurgeQueue(ctx, in, optFns...)
	}
	return do(ctx, c, q, live(q), func(url string) (*sqs.PurgeQueueOutput, error) {
		r := c.snapshot(q)
		for _, u := range []string{q.url, r.failover} {
			if u == "" || u == url {
				continue
			}
			cin := *in
			cin.QueueUrl = &u
			if _, err := c.api.PurgeQueue(ctx, &cin, optFns...); err != nil && !sqsapi.IsQueueDoesNotExist(err) {
				return nil, err
			}
		}
		cin := *in
		cin.QueueUrl = &url
		return c.api.PurgeQueue(ctx, &cin, optFns...)
	})
}

// send runs a send to q's live queue, recovering q and retrying once if it
// was deleted underneath us. The target is chosen, and a send to the
// failover registered, under one lock, so that a failover is never retired
// while a send to it may still land.
func (c *Client) send(ctx context.Context, q *queueState, call func(url string) error) error {
	c.begin(q)
	defer c.end(q)
	for attempt := 0; ; attempt++ {
		c.mu.Lock()
		epoch, url := q.epoch, q.url
		toFailover := q.toFailover && q.failoverURL != ""
		if toFailover {
			url = q.failoverURL
			q.failoverSends++
		}
		c.mu.Unlock()
		err := call(url)
		if toFailover {
			c.mu.Lock()
			q.failoverSends--
			q.lastFailoverUse = c.opts.Clock.Now()
			c.mu.Unlock()
		}
		if !sqsapi.IsQueueDoesNotExist(err) || attempt > 0 {
			return err
		}
		if rerr := c.recover(ctx, q, epoch, url); rerr != nil {
			c.log.Error("recover deleted queue failed", "queue", q.url, "error", rerr)
			return err
		}
	}
}

// SendMessage implements sqsapi.API. Sends to a heartbeated queue go to its
// failover queue while the original cannot be recreated.
func (c *Client) SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	if in == nil {
		in = &sqs.SendMessageInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.SendMessage(ctx, in, optFns...)
	}
	var out *sqs.SendMessageOutput
	err := c.send(ctx, q, func(url string) (err error) {
		cin := *in
		cin.QueueUrl = &url
		out, err = c.api.SendMessage(ctx, &cin, optFns...)
		return err
	})
	return out, err
}

// SendMessageBatch implements sqsapi.API, routed like SendMessage.
func (c *Client) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	if in == nil {
		in = &sqs.SendMessageBatchInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.SendMessageBatch(ctx, in, optFns...)
	}
	var out *sqs.SendMessageBatchOutput
	err := c.send(ctx, q, func(url string) (err error) {
		cin := *in
		cin.QueueUrl = &url
		out, err = c.api.SendMessageBatch(ctx, &cin, optFns...)
		return err
	})
	return out, err
}

// ReceiveMessage implements sqsapi.API. A receive from a heartbeated queue
// counts as use even when it returns nothing. While the queue has a failover
// queue, the receive is served from both: from the failover while the
// original cannot be recreated; afterwards from the draining failover first
// (without waiting), then from the original.
func (c *Client) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	if in == nil {
		in = &sqs.ReceiveMessageInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.ReceiveMessage(ctx, in, optFns...)
	}
	r := c.begin(q)
	defer c.end(q)
	for attempt := 0; ; attempt++ {
		out, failed, err := c.receive(ctx, q, r, in, optFns)
		if !sqsapi.IsQueueDoesNotExist(err) || attempt > 0 {
			return out, err
		}
		if rerr := c.recover(ctx, q, r.epoch, failed); rerr != nil {
			c.log.Error("recover deleted queue failed", "queue", q.url, "error", rerr)
			return out, err
		}
		r = c.snapshot(q)
	}
}

func (c *Client) receive(ctx context.Context, q *queueState, r route, in *sqs.ReceiveMessageInput, optFns []func(*sqs.Options)) (*sqs.ReceiveMessageOutput, string, error) {
	if r.failover != "" && !r.toFailover {
		// Drain the failover first, without waiting.
		fo := r.failover
		cin := *in
		cin.QueueUrl, cin.WaitTimeSeconds = &fo, 0
		out, err := c.api.ReceiveMessage(ctx, &cin, optFns...)
		if err != nil {
			if sqsapi.IsQueueDoesNotExist(err) {
				c.dropFailover(q, fo)
			} else {
				return out, fo, err
			}
		} else if len(out.Messages) > 0 {
			c.recordFailoverHandles(q, fo, out.Messages)
			return out, fo, nil
		} else {
			c.mu.Lock()
			q.failoverEmpty++
			retire := q.failoverEmpty >= 2
			c.mu.Unlock()
			if retire {
				c.retireFailover(ctx, q, fo)
			}
		}
	}
	target := r.sendTarget(q)
	cin := *in
	cin.QueueUrl = &target
	out, err := c.api.ReceiveMessage(ctx, &cin, optFns...)
	if err == nil && r.toFailover {
		c.recordFailoverHandles(q, target, out.Messages)
	}
	return out, target, err
}

// dropFailover forgets a draining failover queue that no longer exists.
func (c *Client) dropFailover(q *queueState, fo string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q.failoverURL == fo && !q.toFailover {
		q.failoverURL, q.failoverHandles = "", nil
	}
}

func (c *Client) recordFailoverHandles(q *queueState, fo string, msgs []types.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q.failoverURL != fo || len(msgs) == 0 {
		return
	}
	if q.failoverHandles == nil {
		q.failoverHandles = make(map[string]struct{})
	}
	q.failoverHandles[deref(msgs[0].ReceiptHandle)] = struct{}{}
	for _, m := range msgs[1:] {
		q.failoverHandles[deref(m.ReceiptHandle)] = struct{}{}
	}
}

// handleTarget returns the queue a receipt handle came from: the failover
// if it was received from there, else the original.
func (c *Client) handleTarget(q *queueState, handle string, forget bool) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := q.failoverHandles[handle]; ok && q.failoverURL != "" {
		if forget {
			delete(q.failoverHandles, handle)
		}
		return q.failoverURL
	}
	return q.url
}

// goneOriginal reports whether url is q's original while q runs on its
// failover, i.e. the queue the handle came from was deleted with its
// messages.
func (c *Client) goneOriginal(q *queueState, url string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return url == q.url && q.toFailover
}

// DeleteMessage implements sqsapi.API. The receipt handle is routed to the
// queue its message was received from. Deleting a message whose queue was
// deleted underneath us (with the message) succeeds.
func (c *Client) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	if in == nil {
		in = &sqs.DeleteMessageInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.DeleteMessage(ctx, in, optFns...)
	}
	h := deref(in.ReceiptHandle)
	out, err := do(ctx, c, q, func(route) string { return c.handleTarget(q, h, false) }, func(url string) (*sqs.DeleteMessageOutput, error) {
		if c.goneOriginal(q, url) {
			return &sqs.DeleteMessageOutput{}, nil
		}
		cin := *in
		cin.QueueUrl = &url
		return c.api.DeleteMessage(ctx, &cin, optFns...)
	})
	if err == nil {
		c.handleTarget(q, h, true)
	}
	return out, err
}

// ChangeMessageVisibility implements sqsapi.API, routed like DeleteMessage.
func (c *Client) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	if in == nil {
		in = &sqs.ChangeMessageVisibilityInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.ChangeMessageVisibility(ctx, in, optFns...)
	}
	h := deref(in.ReceiptHandle)
	return do(ctx, c, q, func(route) string { return c.handleTarget(q, h, false) }, func(url string) (*sqs.ChangeMessageVisibilityOutput, error) {
		if c.goneOriginal(q, url) {
			return nil, errGoneWithQueue(h)
		}
		cin := *in
		cin.QueueUrl = &url
		return c.api.ChangeMessageVisibility(ctx, &cin, optFns...)
	})
}

// DeleteMessageBatch implements sqsapi.API. Entries are routed like
// DeleteMessage; entries for the original and for the failover queue are sent
// as two batches and their results merged.
func (c *Client) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	if in == nil {
		in = &sqs.DeleteMessageBatchInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.DeleteMessageBatch(ctx, in, optFns...)
	}
	out, err := do(ctx, c, q, live(q), func(string) (*sqs.DeleteMessageBatchOutput, error) {
		groups := map[string][]types.DeleteMessageBatchRequestEntry{}
		var order []string
		for _, e := range in.Entries {
			u := c.handleTarget(q, deref(e.ReceiptHandle), false)
			if _, ok := groups[u]; !ok {
				order = append(order, u)
			}
			groups[u] = append(groups[u], e)
		}
		if len(order) <= 1 {
			url := q.url
			if len(order) == 1 {
				url = order[0]
			}
			if len(order) == 1 && c.goneOriginal(q, url) {
				return allDeleted(in.Entries), nil
			}
			cin := *in
			cin.QueueUrl = &url
			return c.api.DeleteMessageBatch(ctx, &cin, optFns...)
		}
		merged := &sqs.DeleteMessageBatchOutput{}
		for _, u := range order {
			var part *sqs.DeleteMessageBatchOutput
			if c.goneOriginal(q, u) {
				part = allDeleted(groups[u])
			} else {
				cin := *in
				cin.QueueUrl, cin.Entries = &u, groups[u]
				var err error
				if part, err = c.api.DeleteMessageBatch(ctx, &cin, optFns...); err != nil {
					return nil, err
				}
			}
			merged.Successful = append(merged.Successful, part.Successful...)
			merged.Failed = append(merged.Failed, part.Failed...)
		}
		return merged, nil
	})
	if err == nil {
		for _, e := range in.Entries {
			c.handleTarget(q, deref(e.ReceiptHandle), true)
		}
	}
	return out, err
}

func allDeleted(entries []types.DeleteMessageBatchRequestEntry) *sqs.DeleteMessageBatchOutput {
	out := &sqs.DeleteMessageBatchOutput{}
	for _, e := range entries {
		out.Successful = append(out.Successful, types.DeleteMessageBatchResultEntry{Id: e.Id})
	}
	return out
}

// ChangeMessageVisibilityBatch implements sqsapi.API, routed like
// DeleteMessageBatch.
func (c *Client) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	if in == nil {
		in = &sqs.ChangeMessageVisibilityBatchInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.ChangeMessageVisibilityBatch(ctx, in, optFns...)
	}
	return do(ctx, c, q, live(q), func(string) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
		groups := map[string][]types.ChangeMessageVisibilityBatchRequestEntry{}
		var order []string
		for _, e := range in.Entries {
			u := c.handleTarget(q, deref(e.ReceiptHandle), false)
			if _, ok := groups[u]; !ok {
				order = append(order, u)
			}
			groups[u] = append(groups[u], e)
		}
		merged := &sqs.ChangeMessageVisibilityBatchOutput{}
		if len(order) == 0 {
			order = []string{q.url}
		}
		for _, u := range order {
			if c.goneOriginal(q, u) {
				for _, e := range groups[u] {
					merged.Failed = append(merged.Failed, types.BatchResultErrorEntry{Id: e.Id, SenderFault: true,
						Code: ptr("ReceiptHandleIsInvalid"), Message: ptr(errGoneWithQueue(deref(e.ReceiptHandle)).ErrorMessage())})
				}
				continue
			}
			cin := *in
			cin.QueueUrl, cin.Entries = &u, groups[u]
			part, err := c.api.ChangeMessageVisibilityBatch(ctx, &cin, optFns...)
			if err != nil {
				if len(order) == 1 {
					return part, err
				}
				return nil, err
			}
			merged.Successful = append(merged.Successful, part.Successful...)
			merged.Failed = append(merged.Failed, part.Failed...)
		}
		return merged, nil
	})
}

// TagQueue implements sqsapi.API. Tags set on a heartbeated queue are
// remembered for its recreation.
func (c *Client) TagQueue(ctx context.Context, in *sqs.TagQueueInput, optFns ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	if in == nil {
		in = &sqs.TagQueueInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.TagQueue(ctx, in, optFns...)
	}
	out, err := do(ctx, c, q, live(q), func(url string) (*sqs.TagQueueOutput, error) {
		cin := *in
		cin.QueueUrl = &url
		return c.api.TagQueue(ctx, &cin, optFns...)
	})
	if err == nil {
		c.mu.Lock()
		if q.userTags == nil {
			q.userTags = make(map[string]string, len(in.Tags))
		}
		maps.Copy(q.userTags, in.Tags)
		c.mu.Unlock()
	}
	return out, err
}

// UntagQueue implements sqsapi.API.
func (c *Client) UntagQueue(ctx context.Context, in *sqs.UntagQueueInput, optFns ...func(*sqs.Options)) (*sqs.UntagQueueOutput, error) {
	if in == nil {
		in = &sqs.UntagQueueInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.UntagQueue(ctx, in, optFns...)
	}
	out, err := do(ctx, c, q, live(q), func(url string) (*sqs.UntagQueueOutput, error) {
		cin := *in
		cin.QueueUrl = &url
		return c.api.UntagQueue(ctx, &cin, optFns...)
	})
	if err == nil {
		c.mu.Lock()
		for _, k := range in.TagKeys {
			delete(q.userTags, k)
		}
		c.mu.Unlock()
	}
	return out, err
}

// ListQueueTags implements sqsapi.API.
func (c *Client) ListQueueTags(ctx context.Context, in *sqs.ListQueueTagsInput, optFns ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	if in == nil {
		in = &sqs.ListQueueTagsInput{} // as *sqs.Client does
	}
	q := c.tracked(in.QueueUrl)
	if q == nil {
		return c.api.ListQueueTags(ctx, in, optFns...)
	}
	return do(ctx, c, q, live(q), func(url string) (*sqs.ListQueueTagsOutput, error) {
		cin := *in
		cin.QueueUrl = &url
		return c.api.ListQueueTags(ctx, &cin, optFns...)
	})
}

// errGoneWithQueue is the error for a receipt handle whose message was in a
// queue deleted underneath us: the message is gone.
func errGoneWithQueue(handle string) *types.ReceiptHandleIsInvalid {
	return &types.ReceiptHandleIsInvalid{Message: ptr(fmt.Sprintf("sweeper: the message of receipt handle %.40q was in a queue deleted underneath its user; it is gone", handle))}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
