package sweeper

import (
	"strconv"
	"sync"
	"time"
)

// queueState is what the Client knows about one queue it created with a
// retention period and holds (heartbeats) until DeleteQueue or Close.
type queueState struct {
	url       string // the URL the caller holds; never changes
	name      string
	retention time.Duration
	interval  time.Duration // heartbeat interval; at most retention/2
	timeout   time.Duration // per heartbeat call; at most interval/2

	recMu sync.Mutex // serializes recoveries of this queue

	// Guarded by Client.mu.
	attrs    map[string]string // real attributes (retention removed), for recreation
	userTags map[string]string // the caller's tags, for recreation
	epoch    uint64            // bumped by every recovery and restore (where sends go changed)
	fo       failoverState
	hb       beatState
}

// newQueueState returns the state of a queue about to be created with
// retention, its heartbeat interval and timeout resolved from o.
func newQueueState(name string, attrs, tags map[string]string, retention time.Duration, o Options) *queueState {
	interval := heartbeatInterval(o.HeartbeatInterval, retention)
	return &queueState{
		name:      name,
		attrs:     attrs,
		userTags:  tags,
		retention: retention,
		interval:  interval,
		timeout:   min(o.HeartbeatTimeout, interval/2),
		hb:        beatState{dueIdx: -1, staleIdx: -1},
	}
}

// heartbeatInterval is the heartbeat interval of a queue with retention:
// the configured one if set, at most half the retention; else a quarter of
// the retention. A heartbeat every quarter of the retention leaves room for
// a few failed or late heartbeats before a sweeper may delete the queue.
func heartbeatInterval(configured, retention time.Duration) time.Duration {
	if configured > 0 {
		return min(configured, retention/2)
	}
	return retention / 4
}

func (q *queueState) retentionSeconds() string {
	return strconv.Itoa(int(q.retention / time.Second))
}

// tracked returns the state of a queue this Client holds, or nil.
func (c *Client) tracked(url *string) *queueState {
	if url == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queues[*url]
}

// holdsLocked reports whether q is still held by c (not deleted through c,
// c not closed). c.mu must be held.
func (c *Client) holdsLocked(q *queueState) bool {
	return !c.closed && c.queues[q.url] == q
}
