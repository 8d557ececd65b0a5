package sweeper

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// SQS limits tagging actions (TagQueue, UntagQueue, ListQueueTags) per
// account, not per queue: 5 per second in AWS's references. Every heartbeat
// is a TagQueue and every check of a queue a ListQueueTags, so a fleet that
// tags faster than its account allows gets throttled, and throttled
// heartbeats make live queues look idle. A TagBudget paces one process's
// tagging actions so that it slows itself down before SQS throttles it.

// Defaults of the process-wide TagBudget.
const (
	DefaultTagRate  = 2.0 // tagging actions per second, per process
	DefaultTagBurst = 5
)

// TagBudget is a token bucket for tagging actions, shared by the heartbeats
// of Clients and the checks of Sweepers. Heartbeats go first: a Sweeper's
// tagging calls take a token only when no heartbeat is waiting for one and
// the bucket is more than half full. When SQS throttles a tagging call made
// under it, the budget halves its rate (down to a hundredth of the rate it
// was made with) and empties its bucket; every call that gets through wins
// back a twentieth of that rate. So a fleet over its account's quota slows
// down together instead of retrying into it. A TagBudget also remembers when SQS last
// throttled a tagging call made under it, and how many heartbeats under it are
// stale: a Sweeper does not delete queues while either says that heartbeats
// in this account may be late. It is safe for concurrent use.
type TagBudget struct {
	clk     clock.Clock
	maxRate float64 // tokens per second, as made
	burst   float64

	mu         sync.Mutex
	rate       float64 // tokens per second now: maxRate, less after throttling
	tokens     float64
	last       time.Time // when tokens was last refilled
	hbWaiting  int       // heartbeats waiting for a token
	lastThrott time.Time // last RequestThrottled on a tagging call

	stale     atomic.Int64 // heartbeats older than half their retention, now
	taken     atomic.Int64
	throttles atomic.Int64
	waitedNs  atomic.Int64
}

// TagBudgetOptions configures NewTagBudget.
type TagBudgetOptions struct {
	// Clock drives the refill. Default: the wall clock.
	Clock clock.Clock
}

// NewTagBudget returns a budget of perSecond tagging actions per second
// (more than 0), with bursts of up to burst (at least 1).
func NewTagBudget(perSecond float64, burst int, optFns ...func(*TagBudgetOptions)) (*TagBudget, error) {
	var o TagBudgetOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if !(perSecond > 0) || math.IsInf(perSecond, 0) {
		return nil, &sqsapi.InvalidParameterError{Param: "TagBudget rate", Value: strconv.FormatFloat(perSecond, 'g', -1, 64),
			Reason: "must be a number of tagging actions per second above 0"}
	}
	if burst < 1 {
		return nil, &sqsapi.InvalidParameterError{Param: "TagBudget burst", Value: strconv.Itoa(burst), Reason: "must be at least 1"}
	}
	return newTagBudget(perSecond, burst, clock.OrReal(o.Clock)), nil
}

func newTagBudget(perSecond float64, burst int, clk clock.Clock) *TagBudget {
	return &TagBudget{clk: clk, maxRate: perSecond, rate: perSecond, burst: float64(burst), tokens: float64(burst), last: clk.Now()}
}

var (
	processBudgetOnce sync.Once
	processBudget     *TagBudget
)

// defaultBudget is the budget of Clients and Sweepers whose Options leave
// TagBudget nil: the process-wide one on the wall clock, or with a Clock of
// their own (tests), one of their own on it.
func defaultBudget(o Options, custom bool) *TagBudget {
	if o.TagBudget != nil {
		return o.TagBudget
	}
	if custom {
		return newTagBudget(DefaultTagRate, DefaultTagBurst, o.Clock)
	}
	processBudgetOnce.Do(func() { processBudget = newTagBudget(DefaultTagRate, DefaultTagBurst, clock.Real{}) })
	return processBudget
}

// tagClass says who asks for a token.
type tagClass int

const (
	forHeartbeat tagClass = iota
	forSweep
)

// refillLocked adds the tokens earned since the last refill.
func (b *TagBudget) refillLocked(now time.Time) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.burst, b.tokens+d.Seconds()*b.rate)
		b.last = now
	}
}

// wait takes one token for a tagging action, waiting (on the budget's
// clock) until one is free or ctx ends.
func (b *TagBudget) wait(ctx context.Context, class tagClass) error {
	start := b.clk.Now()
	registered := false
	defer func() {
		if registered {
			b.mu.Lock()
			b.hbWaiting--
			b.mu.Unlock()
		}
	}()
	for {
		b.mu.Lock()
		now := b.clk.Now()
		b.refillLocked(now)
		need := 1.0
		if class == forSweep {
			need = 1 + math.Floor(b.burst/2) // leave half the burst to heartbeats
		}
		if b.tokens >= need && (class == forHeartbeat || b.hbWaiting == 0) {
			b.tokens--
			b.mu.Unlock()
			b.taken.Add(1)
			if d := now.Sub(start); d > 0 {
				b.waitedNs.Add(int64(d))
			}
			return nil
		}
		if class == forHeartbeat && !registered {
			registered = true
			b.hbWaiting++
		}
		d := time.Duration((need - b.tokens) / b.rate * float64(time.Second))
		if class == forSweep && b.tokens >= need {
			d = time.Duration(float64(time.Second) / b.rate) // a heartbeat is waiting: let it go first
		}
		b.mu.Unlock()
		t := b.clk.NewTimer(max(d, time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("sweeper: waiting for the tagging budget: %w", ctx.Err())
		case <-t.C():
		}
	}
}

// observe records the outcome of a tagging call made under the budget: a
// throttled call halves the rate and empties the bucket, one that got
// through wins back a twentieth of the rate the budget was made with.
func (b *TagBudget) observe(err error) {
	if err != nil && !sqsapi.IsThrottled(err) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clk.Now()
	b.refillLocked(now)
	if err == nil {
		b.rate = min(b.maxRate, b.rate+b.maxRate/20)
		return
	}
	b.throttles.Add(1)
	b.lastThrott = now
	b.rate = max(b.rate/2, b.maxRate/100)
	b.tokens = 0
}

// lastThrottled returns when SQS last throttled a tagging call made under
// the budget (zero if never).
func (b *TagBudget) lastThrottled() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lastThrott
}

func (b *TagBudget) currentRate() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rate
}

// TagBudgetStats counts what a TagBudget did.
type TagBudgetStats struct {
	Taken          int64         // tagging actions that took a token
	Waited         time.Duration // total time callers waited for a token
	Throttled      int64         // tagging calls SQS throttled (RequestThrottled)
	LastThrottled  time.Time     // when the last one was throttled; zero if never
	StaleHeartbeat int64         // heartbeats under this budget older than half their retention, now
	Rate           float64       // tagging actions per second it allows now (less than made with after throttling)
}

// Stats returns counters of what b did so far.
func (b *TagBudget) Stats() TagBudgetStats {
	return TagBudgetStats{
		Taken:          b.taken.Load(),
		Waited:         time.Duration(b.waitedNs.Load()),
		Throttled:      b.throttles.Load(),
		LastThrottled:  b.lastThrottled(),
		StaleHeartbeat: b.stale.Load(),
		Rate:           b.currentRate(),
	}
}
