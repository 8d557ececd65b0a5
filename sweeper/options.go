package sweeper

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// Options configures a Client (New) and a Sweeper (NewSweeper). Both read the
// same struct so that a process can configure them together; each ignores the
// fields that do not concern it. The zero value of every field means its
// documented default.
type Options struct {
	// QueuePrefix is the prefix of the queues managed here. The Client refuses
	// to create a queue with IdleQueueRetentionPeriodSeconds whose name does
	// not start with it; the Sweeper only ever looks at (and deletes) queues
	// whose name starts with it, and names its work queue after it.
	// Default sqsapi.DefaultQueuePrefix.
	QueuePrefix string

	// HeartbeatInterval is how often the Client refreshes the heartbeat tag
	// of each queue it holds (jittered by up to -20%). At most half of a
	// queue's retention period: a longer interval is shortened to that.
	// Default (zero or negative): a quarter of each queue's retention period,
	// 75 s at the default 300 s. Every heartbeat is a TagQueue, and SQS
	// limits tagging actions per account: the live queues of one account
	// are at most about the tagging quota times the interval.
	HeartbeatInterval time.Duration

	// HeartbeatConcurrency is how many heartbeats (TagQueue calls) a Client
	// runs at once, so that slow or hung calls do not hold up the others.
	// Default (zero or negative) 16: enough for 30 queues whose TagQueue
	// takes 1 s with a 10 s retention (a heartbeat every 2.5 s).
	HeartbeatConcurrency int

	// HeartbeatTimeout bounds each heartbeat call. It is never more than half
	// the queue's heartbeat interval (a longer timeout is shortened to that).
	// A heartbeat that fails or times out is retried within about a second,
	// backing off up to a quarter of the interval. Default (zero or
	// negative) 10 s.
	HeartbeatTimeout time.Duration

	// SweepPeriod is how often, fleet-wide, a sweep of all queues with the
	// prefix starts. The Sweeper polls the work queue only in a window
	// after each period's start, and receives work with a visibility
	// timeout of half the period (5 s to 60 s). Default 5 min.
	SweepPeriod time.Duration

	// SkewMargin is added to a queue's retention period before the Sweeper
	// considers its last heartbeat stale, to absorb clock skew between the
	// hosts of a fleet and heartbeat jitter. Default 10 s.
	SkewMargin time.Duration

	// NonEmptyGrace is the extra idle time, beyond the queue's own retention
	// period, after which the Sweeper also deletes an idle queue that still
	// holds messages (see the package documentation for why). Negative means
	// never delete a queue that holds messages. Default 1 h.
	NonEmptyGrace time.Duration

	// WorkQueueWaitTime is the long-poll wait of the Sweeper's receives on
	// the shared work queue (whole seconds, 1 to 20); a poll that waits it
	// out empty ends the Sweeper's poll window of the period. Default 20 s.
	WorkQueueWaitTime time.Duration

	// Logger receives errors (which are retried, never fatal) and notable
	// events such as deletions and failovers. Default slog.Default().
	Logger *slog.Logger

	// Clock drives heartbeats, sweep periods, idleness and backoff.
	// Default: the wall clock.
	Clock clock.Clock

	// TagBudget paces the tagging actions (TagQueue, UntagQueue,
	// ListQueueTags) of heartbeats and checks, which SQS limits per account.
	// Default: one budget shared by every Client and Sweeper of the process
	// (DefaultTagRate per second, bursts of DefaultTagBurst); with a Clock of
	// their own, one budget each on that clock.
	TagBudget *TagBudget
}

// Defaults of the Client's heartbeats (see Options).
const (
	DefaultHeartbeatConcurrency = 16
	DefaultHeartbeatTimeout     = 10 * time.Second
)

const (
	defaultSkewMargin        = 10 * time.Second
	defaultNonEmptyGrace     = time.Hour
	defaultWorkQueueWaitTime = 20 * time.Second

	// workQueueSuffix and dlqSuffix name the shared work queue and its
	// dead-letter queue after the prefix.
	workQueueSuffix = "Sweeper" + sqsapi.FIFOSuffix
	dlqSuffix       = "Sweeper-DLQ" + sqsapi.FIFOSuffix
	failoverSuffix  = "-Failover"
)

func resolveOptions(optFns []func(*Options)) Options {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.QueuePrefix == "" {
		o.QueuePrefix = sqsapi.DefaultQueuePrefix
	}
	if o.HeartbeatInterval < 0 {
		o.HeartbeatInterval = 0 // a quarter of each queue's retention
	}
	if o.HeartbeatConcurrency <= 0 {
		o.HeartbeatConcurrency = DefaultHeartbeatConcurrency
	}
	if o.HeartbeatTimeout <= 0 {
		o.HeartbeatTimeout = DefaultHeartbeatTimeout
	}
	if o.SweepPeriod <= 0 {
		o.SweepPeriod = sqsapi.DefaultSweepPeriod
	}
	if o.SkewMargin <= 0 {
		o.SkewMargin = defaultSkewMargin
	}
	if o.NonEmptyGrace == 0 {
		o.NonEmptyGrace = defaultNonEmptyGrace
	}
	if o.WorkQueueWaitTime <= 0 || o.WorkQueueWaitTime > sqsapi.MaxWaitTimeSeconds*time.Second {
		o.WorkQueueWaitTime = defaultWorkQueueWaitTime
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	_, wall := o.Clock.(clock.Real)
	customClock := o.Clock != nil && !wall // a clock of their own: a budget of their own
	o.Clock = clock.OrReal(o.Clock)
	o.TagBudget = defaultBudget(o, customClock)
	return o
}

// validatePrefix checks that the prefix can begin a queue name and leaves
// room for the work queue's and the dead-letter queue's suffixes.
func validatePrefix(prefix string) error {
	bad := func(reason string) error {
		return &sqsapi.InvalidParameterError{Param: "QueuePrefix", Value: prefix, Reason: reason}
	}
	if len(prefix)+len(dlqSuffix) > sqsapi.MaxQueueNameLength {
		return bad(fmt.Sprintf("longer than %d characters", sqsapi.MaxQueueNameLength-len(dlqSuffix)))
	}
	if err := sqsapi.ValidateQueueName(prefix+"x", false); err != nil {
		return bad("may contain only A-Z, a-z, 0-9, '-' and '_'")
	}
	return nil
}
