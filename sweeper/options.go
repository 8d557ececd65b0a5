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
	// of a queue that was used since its last heartbeat (jittered by up to
	// -20%, and shortened to half the retention period for queues whose
	// retention is shorter than twice the interval). Default 5 s.
	HeartbeatInterval time.Duration

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
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = sqsapi.DefaultHeartbeatInterval
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
	customClock := o.Clock != nil
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
