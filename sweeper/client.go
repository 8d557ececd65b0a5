package sweeper

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
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
// attribute are tagged, heartbeated while the Client holds them (until
// DeleteQueue through it, or Close), and recovered when deleted underneath
// their user; every other call passes through. See the package
// documentation for the semantics.
type Client struct {
	api  sqsapi.API
	opts Options
	log  *slog.Logger

	// ctx is cancelled by Close; heartbeats and the recoveries they trigger
	// run under it.
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	queues map[string]*queueState // held queues, by the URL the caller holds
	closed bool
	sched  *scheduler // guarded by mu

	failoverQuiet time.Duration // see failoverQuiet; tests shorten it

	heartbeats    atomic.Int64
	hbFailures    atomic.Int64
	throttled     atomic.Int64
	staleEpisodes atomic.Int64
	recreated     atomic.Int64
	failedOver    atomic.Int64
}

var _ sqsapi.API = (*Client)(nil)

// New returns a Client wrapping api. It starts its heartbeat scheduler when
// the first queue with IdleQueueRetentionPeriodSeconds is created through
// it; Close stops it. Options out of range (zero or negative durations and
// counts) mean their documented defaults.
func New(api sqsapi.API, optFns ...func(*Options)) *Client {
	o := resolveOptions(optFns)
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{
		api:    api,
		opts:   o,
		log:    o.Logger.With("component", "sweeper.Client"),
		ctx:    ctx,
		cancel: cancel,
		queues: make(map[string]*queueState),

		failoverQuiet: failoverQuiet,
	}
	c.sched = newScheduler(c)
	return c
}

// ClientStats counts what a Client did.
type ClientStats struct {
	Heartbeats        int64 // TagQueue calls made to refresh heartbeats
	HeartbeatFailures int64 // heartbeats that failed (error, timeout, throttling, failed recovery); each is retried within seconds
	Throttled         int64 // heartbeat TagQueue calls that SQS throttled (RequestThrottled)
	StaleHeartbeats   int64 // episodes of a held queue's heartbeat getting older than half its retention (each logged once, as a warning)
	Recreated         int64 // queues recreated after being deleted underneath us
	FailedOver        int64 // failover queues created because SQS refused the name
	Held              int   // queues heartbeated now
	StaleNow          int   // held queues whose heartbeat is older than half their retention now
}

// Stats returns counters of what c did so far.
func (c *Client) Stats() ClientStats {
	st := ClientStats{
		Heartbeats:        c.heartbeats.Load(),
		HeartbeatFailures: c.hbFailures.Load(),
		Throttled:         c.throttled.Load(),
		StaleHeartbeats:   c.staleEpisodes.Load(),
		Recreated:         c.recreated.Load(),
		FailedOver:        c.failedOver.Load(),
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st.Held = len(c.queues)
	for _, q := range c.queues {
		if q.hb.stale {
			st.StaleNow++
		}
	}
	return st
}

// Close stops the heartbeats of every queue and waits for the heartbeat
// goroutines to return (in-flight heartbeats are cancelled, not waited out),
// or for ctx to end. It deletes no queue: a queue that is no longer
// heartbeated is deleted by a Sweeper once its retention period has passed.
// Close is idempotent. Calls made after Close pass straight through to the
// wrapped API, without heartbeats or recovery.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	c.closed = true
	for _, q := range c.queues {
		c.sched.removeLocked(q)
	}
	c.queues = make(map[string]*queueState)
	started := c.sched.started
	c.mu.Unlock()
	c.cancel()
	if !started {
		return nil
	}
	select {
	case <-c.sched.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sweeper: close: %w", ctx.Err())
	}
}

// CreateQueue implements sqsapi.API. With IdleQueueRetentionPeriodSeconds
// (an integer >= 1; the queue name must start with the prefix), it creates
// the queue without that attribute, tags it with the retention period and a
// heartbeat, and heartbeats it until DeleteQueue or Close, starting at once.
// Other queues pass through.
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
	secs, err := c.validateCreate(in, raw)
	if err != nil {
		return nil, err
	}
	attrs := maps.Clone(in.Attributes)
	delete(attrs, sqsapi.IdleQueueRetentionPeriodAttribute)
	q := newQueueState(deref(in.QueueName), attrs, maps.Clone(in.Tags), time.Duration(secs)*time.Second, c.opts)
	now := c.opts.Clock.Now()
	out, err := c.api.CreateQueue(ctx, c.createInput(q, q.name, now), optFns...)
	if err != nil {
		return nil, err
	}
	q.url = deref(out.QueueUrl)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return out, nil
	}
	if _, dup := c.queues[q.url]; !dup {
		c.queues[q.url] = q
		c.sched.addLocked(q, now)
	}
	return out, nil
}

// validateCreate checks a CreateQueue of a queue with a retention period
// (raw) and returns the period in seconds.
func (c *Client) validateCreate(in *sqs.CreateQueueInput, raw string) (int, error) {
	secs, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || secs < sqsapi.MinIdleRetentionSeconds {
		return 0, &sqsapi.InvalidParameterError{Code: "InvalidAttributeValue", Param: sqsapi.IdleQueueRetentionPeriodAttribute,
			Value: raw, Reason: "must be an integer number of seconds, at least 1"}
	}
	name := deref(in.QueueName)
	if err := sqsapi.ValidateQueueName(name, sqsapi.IsFIFOQueueName(name) || in.Attributes[string(types.QueueAttributeNameFifoQueue)] == "true"); err != nil {
		return 0, err
	}
	if !strings.HasPrefix(name, c.opts.QueuePrefix) {
		return 0, &sqsapi.InvalidParameterError{Param: "QueueName", Value: name,
			Reason: fmt.Sprintf("a queue with %s must have a name starting with the prefix %q", sqsapi.IdleQueueRetentionPeriodAttribute, c.opts.QueuePrefix)}
	}
	return secs, nil
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

// DeleteQueue implements sqsapi.API. Deleting a held queue stops its
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
		c.sched.removeLocked(q)
	}
	failover := q.fo.url
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

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
