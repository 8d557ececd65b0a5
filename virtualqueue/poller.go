package virtualqueue

import (
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// host is a host queue with virtual queues on this client, or with pollers
// still finishing their last long poll.
//
// Its pollers are demand-driven: wantLocked says how many should run now,
// and every poller asks before each long poll whether it is still wanted
// (keepPolling), so surplus pollers stop by themselves; whatever raises the
// demand (a receive, a full batch, room in the byte budget) calls
// ensurePollersLocked, which starts the missing ones. So at any time the
// pollers running are those the demand asks for, plus at most one long poll
// each that is finishing.
type host struct {
	url      string
	queues   int   // virtual queues on it
	waiters  int   // receives waiting on its virtual queues
	pollers  int   // pollers running (a poller in its long poll included)
	surge    int   // pollers wanted beyond PollersPerHost: receives came back full
	lastRecv int64 // unix nanoseconds of the last receive's start or end on one of its queues
}

// wantLocked returns how many pollers h should have now: none unless one of
// its virtual queues has a receive waiting or had one within PollLinger,
// and none while the byte budget is used up; else PollersPerHost plus the
// surge, up to MaxPollersPerHost.
func (c *Client) wantLocked(h *host, now int64) int {
	if c.closed || h.queues == 0 || c.budgetFullLocked() {
		return 0
	}
	if h.waiters == 0 && now-h.lastRecv >= int64(c.opts.PollLinger) {
		return 0
	}
	return min(c.opts.PollersPerHost+h.surge, c.opts.MaxPollersPerHost)
}

// ensurePollersLocked starts the pollers h lacks.
func (c *Client) ensurePollersLocked(h *host) {
	want := c.wantLocked(h, c.now())
	for h.pollers < want {
		h.pollers++
		if h.pollers > c.opts.PollersPerHost {
			c.surges.Add(1)
		}
		c.wg.Add(1)
		go c.poll(h)
	}
}

// ensureAllPollersLocked starts the pollers every host lacks (after the byte
// budget had been used up).
func (c *Client) ensureAllPollersLocked() {
	for _, h := range c.hosts {
		c.ensurePollersLocked(h)
	}
}

// keepPolling reports whether the calling poller of h is still wanted; if
// not, it unregisters it.
func (c *Client) keepPolling(h *host) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h.pollers <= c.wantLocked(h, c.now()) {
		return true
	}
	c.stopPollerLocked(h)
	return false
}

// stopPollerLocked unregisters a poller of h. The last one takes the surge
// with it: a backlog found later starts from PollersPerHost again.
func (c *Client) stopPollerLocked(h *host) {
	h.pollers--
	if h.pollers == 0 {
		h.surge = 0
	}
	c.forgetHostLocked(h)
}

// forgetHostLocked drops h once it has neither virtual queues nor pollers.
func (c *Client) forgetHostLocked(h *host) {
	if h.pollers > 0 || h.queues > 0 || c.hosts[h.url] != h {
		return
	}
	delete(c.hosts, h.url)
	c.pruneInfosLocked()
}

// afterReceive adjusts h's surge to a receive that came back full (more
// messages are probably waiting, and one long poll at a time would cap
// throughput at ten messages per round trip) or not.
func (c *Client) afterReceive(h *host, full bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case full:
		h.surge = min(h.surge+1, c.opts.MaxPollersPerHost-c.opts.PollersPerHost)
		c.ensurePollersLocked(h)
	case h.surge > 0:
		h.surge--
	}
}

const (
	backoffBase = 100 * time.Millisecond
	backoffMax  = 20 * time.Second
	// earlyEmptyLimit is how many long polls in a row may come back empty
	// before half their wait before the poller backs off: an endpoint that
	// ignores WaitTimeSeconds must not get a loop of short polls.
	earlyEmptyLimit = 3
)

// backoff returns the wait before retry number attempt (1-based): exponential
// from backoffBase, capped at limit, with "equal jitter".
func backoff(attempt int, limit time.Duration) time.Duration {
	d := limit
	if attempt < 20 {
		d = min(backoffBase<<(attempt-1), limit)
	}
	return d/2 + rand.N(d/2+1)
}

// poll is one poller of host h: it long-polls for as long as h wants it
// (see host), dispatching what it receives. A long poll in progress is not
// cancelled when the demand ends (only by Close): a cancelled receive could
// lose messages SQS already sent, leaving them invisible for the visibility
// timeout.
func (c *Client) poll(h *host) {
	defer c.wg.Done()
	registered := true
	defer func() {
		if registered {
			c.mu.Lock()
			c.stopPollerLocked(h)
			c.mu.Unlock()
		}
	}()
	wait := c.opts.HostWaitTime
	failures, early := 0, 0
	// The first long poll needs no check: the poller was started for the
	// demand of that moment, and a receive that started it (even one that
	// returned at once) must see the host polled at least once.
	for first := true; ; first = false {
		if !first && !c.keepPolling(h) {
			registered = false
			return
		}
		p, err := c.hostParams(c.ctx, h.url)
		var out *sqs.ReceiveMessageOutput
		start := c.clock.Now()
		if err == nil {
			out, err = c.api.ReceiveMessage(c.ctx, p.receiveInput(h.url, wait))
		}
		if err != nil {
			if c.ctx.Err() != nil {
				return
			}
			c.pollErrors.Add(1)
			failures++
			d := backoff(failures, backoffMax)
			// One failure retried at once is routine; a run of them is
			// what an operator should see.
			lvl := slog.LevelDebug
			if failures >= 3 {
				lvl = slog.LevelWarn
			}
			c.log.Log(c.ctx, lvl, "virtualqueue: receive from host queue failed; retrying",
				"host", h.url, "attempt", failures, "backoff", d, "err", err)
			if !c.sleep(d) {
				return
			}
			continue
		}
		failures = 0
		n := len(out.Messages)
		c.afterReceive(h, n == sqsapi.MaxMessagesPerReceive)
		if n > 0 {
			c.dispatch(h.url, out.Messages, start.UnixNano(), p)
		}
		if n > 0 || c.clock.Now().Sub(start) >= wait/2 {
			early = 0
			continue
		}
		c.earlyEmpty.Add(1)
		early++
		if early >= earlyEmptyLimit && !c.sleep(backoff(early-earlyEmptyLimit+1, wait)) {
			return
		}
	}
}

// sleep waits d on the clock; it reports false if the client closed first.
func (c *Client) sleep(d time.Duration) bool {
	t := c.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.ctx.Done():
		return false
	case <-t.C():
		return true
	}
}

// receiveInput is a poller's long poll of hostURL.
func (p hostParams) receiveInput(hostURL string, wait time.Duration) *sqs.ReceiveMessageInput {
	in := &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(hostURL),
		MaxNumberOfMessages:         sqsapi.MaxMessagesPerReceive,
		WaitTimeSeconds:             int32(wait / time.Second),
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	}
	if p.explicit {
		in.VisibilityTimeout = p.visibility
	}
	return in
}
