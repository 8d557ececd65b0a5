package tempqueue

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/sqstemp/sqstemp/internal/callcount"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sweeper"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// ErrClosed is returned (wrapped) by calls made after Close.
var ErrClosed = errors.New("tempqueue: client closed")

// Client is the drop-in temporary queues client: it satisfies sqsapi.API,
// and every CreateQueue through it creates a virtual queue on a host queue
// that it creates on demand. See the package documentation.
type Client struct {
	opts    Options
	calls   *callcount.API  // the API given to New, counted
	sw      *sweeper.Client // heartbeats and recovery of host queues
	vq      *virtualqueue.Client
	sweeper *sweeper.Sweeper // nil if disabled
	id      string           // UUID in the names of this client's host queues

	mu     sync.Mutex
	hosts  map[string]*hostQueue // by canonical attribute set
	byURL  map[string]*hostQueue // by host queue URL, once created
	names  map[string]vqEntry    // virtual queues by name
	nhosts int
	closed bool

	creating sync.WaitGroup // host queues being created

	closeOnce sync.Once
	closeErr  error
}

// hostQueue is a host queue, created once for an attribute set.
type hostQueue struct {
	key   string        // canonical attribute set
	ready chan struct{} // closed when url or err is set
	url   string
	err   error
}

// vqEntry is a virtual queue created through the client.
type vqEntry struct {
	host      *hostQueue // its key is the queue's attribute set
	retention int32
	wait      int32
}

var _ sqsapi.API = (*Client)(nil)

// New returns a Client over api and, unless Options.DisableSweeper is set,
// starts its part in the fleet-wide sweep of idle queues with the prefix (ctx
// bounds that start only). It creates no queue until the first CreateQueue.
// Close releases everything.
func New(ctx context.Context, api sqsapi.API, optFns ...func(*Options)) (*Client, error) {
	o, err := resolveOptions(optFns)
	if err != nil {
		return nil, fmt.Errorf("tempqueue: %w", err)
	}
	c := &Client{
		opts:  o,
		calls: callcount.New(api),
		id:    uuid.NewString(),
		hosts: make(map[string]*hostQueue),
		byURL: make(map[string]*hostQueue),
		names: make(map[string]vqEntry),
	}
	swOpts := func(so *sweeper.Options) {
		so.QueuePrefix = o.QueuePrefix
		so.HeartbeatInterval = o.HeartbeatInterval
		so.HeartbeatConcurrency = o.HeartbeatConcurrency
		so.TagBudget = o.TagBudget // nil: the process-wide budget
		so.SweepPeriod = o.SweepPeriod
		so.SkewMargin = o.SweepSkewMargin
		so.NonEmptyGrace = o.SweepNonEmptyGrace
		so.Logger = o.Logger
		so.Clock = o.Clock
	}
	c.sw = sweeper.New(c.calls, swOpts)
	orphans := o.OrphanHandler
	if orphans == nil {
		orphans = deleteOrphan
	}
	c.vq = virtualqueue.New(c.sw, func(vo *virtualqueue.Options) {
		vo.PollersPerHost = o.PollersPerHost
		vo.MaxPollersPerHost = o.MaxPollersPerHost
		vo.HostWaitTime = o.HostWaitTime
		vo.PollLinger = o.PollLinger
		vo.OrphanHandler = orphans
		vo.OnExpired = c.expired
		vo.MaxQueues = o.MaxQueues
		vo.MaxBufferedPerQueue = o.MaxBufferedPerQueue
		vo.MaxBufferedBytes = o.MaxBufferedBytes
		vo.Logger = o.Logger
		vo.Clock = o.Clock
	})
	if !o.DisableSweeper {
		c.sweeper = sweeper.NewSweeper(c.calls, swOpts)
		if err := c.sweeper.Start(ctx); err != nil {
			cerr := c.Close(context.WithoutCancel(ctx))
			return nil, errors.Join(fmt.Errorf("tempqueue: start sweeper: %w", err), cerr)
		}
	}
	return c, nil
}

// deleteOrphan is the default OrphanHandler: a host queue is private to its
// client, so an orphan is a late message for a virtual queue that is gone.
func deleteOrphan(context.Context, string, types.Message) virtualqueue.OrphanAction {
	return virtualqueue.OrphanDelete
}

// Stats is a snapshot of a Client's counters.
type Stats struct {
	// Calls counts the SQS calls made to the API given to New, by
	// operation, including those of heartbeats, pollers and the sweeper.
	Calls map[string]int64
	// Hosts is the number of host queues created and not deleted.
	Hosts int
	// VirtualQueues is the number of virtual queues created through the
	// client and not deleted. Buffered, BufferedBytes and Orphans are those
	// of the virtual queue layer (see VirtualQueue).
	VirtualQueues int
	Buffered      int
	BufferedBytes int64
	Orphans       int64
	// VirtualQueue and Heartbeats are the full statistics of the layers.
	VirtualQueue virtualqueue.Stats
	Heartbeats   sweeper.ClientStats
	// Sweeper is the statistics of this client's part in the sweep (zero
	// if disabled).
	Sweeper sweeper.Stats
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	vs := c.vq.Stats()
	c.mu.Lock()
	hosts := len(c.byURL)
	c.mu.Unlock()
	st := Stats{
		Calls:         c.calls.Calls(),
		Hosts:         hosts,
		VirtualQueues: vs.VirtualQueues,
		Buffered:      vs.Buffered,
		BufferedBytes: vs.BufferedBytes,
		Orphans:       vs.Orphans,
		VirtualQueue:  vs,
		Heartbeats:    c.sw.Stats(),
	}
	if c.sweeper != nil {
		st.Sweeper = c.sweeper.Stats()
	}
	return st
}

// HostQueueURLs returns the URLs of the host queues this client created and
// has not deleted.
func (c *Client) HostQueueURLs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	urls := make([]string, 0, len(c.byURL))
	for u := range c.byURL {
		urls = append(urls, u)
	}
	return urls
}

// Close closes the virtual queues (waiting receives return an error wrapping
// virtualqueue.ErrClosed), deletes the host queues this client created,
// stops heartbeats and the sweeper, and waits for every goroutine to return
// or for ctx to end. It returns the errors met, joined. It is idempotent:
// later calls return the same result.
func (c *Client) Close(ctx context.Context) error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		// Host queues being created are deleted with the others.
		c.creating.Wait()
		c.mu.Lock()
		hosts := make([]string, 0, len(c.byURL))
		for u := range c.byURL {
			hosts = append(hosts, u)
		}
		c.mu.Unlock()
		var errs []error
		if err := c.vq.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("tempqueue: close virtual queues: %w", err))
		}
		if c.sweeper != nil {
			if err := c.sweeper.Stop(ctx); err != nil {
				errs = append(errs, fmt.Errorf("tempqueue: stop sweeper: %w", err))
			}
		}
		for _, u := range hosts {
			_, err := c.sw.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)})
			if err != nil && !sqsapi.IsQueueDoesNotExist(err) {
				errs = append(errs, fmt.Errorf("tempqueue: delete host queue %s: %w", u, err))
			}
		}
		c.mu.Lock()
		clear(c.byURL)
		c.mu.Unlock()
		if err := c.sw.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("tempqueue: stop heartbeats: %w", err))
		}
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

// host returns the URL of the host queue for spec, creating it on first use.
// Concurrent callers for one attribute set share a single CreateQueue.
func (c *Client) host(ctx context.Context, spec queueSpec) (*hostQueue, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	h := c.hosts[spec.hostKey]
	if h == nil {
		if c.nhosts >= MaxHostQueues {
			c.mu.Unlock()
			return nil, fmt.Errorf("tempqueue: %d host queues created already, one per distinct attribute set: %w", c.nhosts,
				&sqsapi.InvalidParameterError{Param: "Attributes", Value: spec.hostKey, Reason: "too many distinct attribute sets"})
		}
		h = &hostQueue{key: spec.hostKey, ready: make(chan struct{})}
		c.hosts[spec.hostKey] = h
		c.nhosts++
		n := c.nhosts
		c.creating.Add(1)
		c.mu.Unlock()
		c.createHost(ctx, h, spec, n)
	} else {
		c.mu.Unlock()
	}
	select {
	case <-h.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if h.err != nil {
		return nil, h.err
	}
	return h, nil
}

func (c *Client) createHost(ctx context.Context, h *hostQueue, spec queueSpec, n int) {
	defer c.creating.Done()
	name := c.opts.QueuePrefix + c.id + "-" + strconv.Itoa(n)
	if spec.fifo {
		name += sqsapi.FIFOSuffix
	}
	attrs := maps.Clone(spec.hostAttrs)
	attrs[sqsapi.IdleQueueRetentionPeriodAttribute] = strconv.FormatInt(int64(c.opts.IdleQueueRetentionPeriod.Seconds()), 10)
	out, err := c.sw.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err != nil:
		h.err = fmt.Errorf("create host queue %s: %w", name, err)
		delete(c.hosts, spec.hostKey) // a later CreateQueue tries again
	default:
		h.url = aws.ToString(out.QueueUrl)
		c.byURL[h.url] = h
		c.opts.Logger.Debug("tempqueue: created host queue", "url", h.url)
	}
	close(h.ready)
}
