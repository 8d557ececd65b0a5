package tempqueue

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sweeper"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// Options configures a Client. The zero value of every field means its
// documented default.
type Options struct {
	// QueuePrefix starts the name of every host queue the Client creates, and
	// names the fleet-wide sweep the Client takes part in. At most
	// MaxQueuePrefixLength characters of A-Z, a-z, 0-9, '-' and '_'.
	// Default sqsapi.DefaultQueuePrefix ("__RequesterClientQueues__").
	QueuePrefix string

	// IdleQueueRetentionPeriod is the IdleQueueRetentionPeriodSeconds of the
	// host queues: how long a host queue may go without a heartbeat before a
	// sweeper anywhere in the fleet deletes it (after this process died, for
	// example). Whole seconds, at least 1 s. Default 300 s.
	IdleQueueRetentionPeriod time.Duration

	// HeartbeatInterval is how often the heartbeat tag of each host queue is
	// refreshed while the Client holds it (one TagQueue call per host per
	// interval, jittered down by up to 20%), at most half the
	// IdleQueueRetentionPeriod. Negative is an error. Default (zero): a
	// quarter of the IdleQueueRetentionPeriod, 75 s at the default 300 s
	// (sweeper.Options.HeartbeatInterval).
	HeartbeatInterval time.Duration

	// HeartbeatConcurrency is how many heartbeats run at once, so that a
	// slow TagQueue holds up no other host's (sweeper.Options). Negative is
	// an error. Default (zero) sweeper.DefaultHeartbeatConcurrency (16).
	HeartbeatConcurrency int

	// TagBudget paces the tagging actions (TagQueue, ListQueueTags...) of
	// this Client's heartbeats and of its part in the sweep, which SQS limits
	// per account (see sweeper.TagBudget); share one budget between the
	// clients of a process. Default: the process-wide budget of package
	// sweeper (sweeper.DefaultTagRate per second); with a Clock of its own,
	// one budget on that clock for this Client.
	TagBudget *sweeper.TagBudget

	// SweepPeriod is how often, fleet-wide, idle queues with the prefix are
	// swept. Default 5 min.
	SweepPeriod time.Duration

	// SweepSkewMargin and SweepNonEmptyGrace tune what this Client's sweeper
	// deletes (sweeper.Options.SkewMargin and NonEmptyGrace): the margin
	// added to a queue's retention for clock skew (default 10 s), and the
	// extra idle time before an idle queue that still holds messages is
	// deleted (default 1 h; negative: never).
	SweepSkewMargin    time.Duration
	SweepNonEmptyGrace time.Duration

	// DisableSweeper stops this Client from taking part in the fleet-wide
	// sweep (its host queues are still heartbeated, so sweepers elsewhere
	// can delete them if this process dies).
	DisableSweeper bool

	// HostWaitTime is the long-poll wait of the host queue pollers, rounded
	// up to whole seconds, from 1 s to 20 s. Default 20 s.
	HostWaitTime time.Duration

	// PollLinger is how long a host queue stays polled after the last
	// receive on one of its virtual queues (virtualqueue.Options.PollLinger);
	// then it costs no call until the next receive. Default HostWaitTime.
	PollLinger time.Duration

	// PollersPerHost is the number of concurrent long polls per host queue.
	// Default 1.
	PollersPerHost int

	// MaxPollersPerHost bounds the long polls per host queue while it is
	// busy (virtualqueue.Options.MaxPollersPerHost). Default 8.
	MaxPollersPerHost int

	// MaxQueues bounds the number of virtual queues. Default 1,000,000.
	MaxQueues int

	// MaxBufferedPerQueue bounds the messages buffered per virtual queue;
	// past it messages stay on the host and are redelivered. Default 1000.
	MaxBufferedPerQueue int

	// MaxBufferedBytes bounds the bytes buffered over all virtual queues of
	// the Client (virtualqueue.Options.MaxBufferedBytes); past it messages
	// stay on the host and the pollers wait for consumers. Default 64 MiB;
	// negative is refused.
	MaxBufferedBytes int64

	// OrphanHandler decides what happens to a message received on a host
	// queue that names no virtual queue of this Client. Default: delete it.
	// The host queues are private to the Client, so an orphan is a late
	// message for a queue that was deleted (a reply to a request that gave
	// up, typically).
	OrphanHandler virtualqueue.OrphanHandler

	// Logger receives operational logs. Default slog.Default().
	Logger *slog.Logger

	// Clock drives heartbeats, sweeps and waits. Default the wall clock.
	Clock clock.Clock
}

// MaxQueuePrefixLength is the longest QueuePrefix: host queue names are the
// prefix, a 36-character UUID, "-<n>" (n up to MaxHostQueues) and, for FIFO
// hosts, ".fifo", and must leave room for the "-Failover" suffix the sweeper
// adds if SQS refuses to recreate a host deleted underneath it, within SQS's
// 80 characters.
const MaxQueuePrefixLength = sqsapi.MaxQueueNameLength - 36 - len("-999") - len("-Failover") - len(sqsapi.FIFOSuffix)

// MaxHostQueues is the most host queues (distinct attribute sets) a Client
// creates.
const MaxHostQueues = 999

func resolveOptions(optFns []func(*Options)) (Options, error) {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.QueuePrefix == "" {
		o.QueuePrefix = sqsapi.DefaultQueuePrefix
	}
	if len(o.QueuePrefix) > MaxQueuePrefixLength {
		return o, &sqsapi.InvalidParameterError{Param: "QueuePrefix", Value: o.QueuePrefix,
			Reason: "longer than " + strconv.Itoa(MaxQueuePrefixLength) + " characters"}
	}
	if err := sqsapi.ValidateQueueName(o.QueuePrefix+"x", false); err != nil {
		return o, &sqsapi.InvalidParameterError{Param: "QueuePrefix", Value: o.QueuePrefix,
			Reason: "may contain only A-Z, a-z, 0-9, '-' and '_'"}
	}
	if o.MaxBufferedBytes < 0 {
		return o, &sqsapi.InvalidParameterError{Param: "MaxBufferedBytes", Value: strconv.FormatInt(o.MaxBufferedBytes, 10),
			Reason: "must not be negative (0 means the default, 64 MiB)"}
	}
	if o.IdleQueueRetentionPeriod == 0 {
		o.IdleQueueRetentionPeriod = sqsapi.DefaultIdleQueueRetentionPeriod
	}
	if o.IdleQueueRetentionPeriod < time.Second {
		return o, &sqsapi.InvalidParameterError{Param: "IdleQueueRetentionPeriod", Value: o.IdleQueueRetentionPeriod.String(),
			Reason: "must be at least 1s"}
	}
	if o.HeartbeatInterval < 0 {
		return o, &sqsapi.InvalidParameterError{Param: "HeartbeatInterval", Value: o.HeartbeatInterval.String(),
			Reason: "must not be negative (zero: a quarter of the IdleQueueRetentionPeriod)"}
	}
	if o.HeartbeatConcurrency < 0 {
		return o, &sqsapi.InvalidParameterError{Param: "HeartbeatConcurrency", Value: strconv.Itoa(o.HeartbeatConcurrency),
			Reason: "must not be negative (zero: the default)"}
	}
	if o.SweepPeriod <= 0 {
		o.SweepPeriod = sqsapi.DefaultSweepPeriod
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if _, wall := o.Clock.(clock.Real); o.TagBudget == nil && o.Clock != nil && !wall {
		// The heartbeats and the sweeper of this Client share one budget on
		// its clock.
		b, err := sweeper.NewTagBudget(sweeper.DefaultTagRate, sweeper.DefaultTagBurst, func(bo *sweeper.TagBudgetOptions) { bo.Clock = o.Clock })
		if err != nil {
			return o, err
		}
		o.TagBudget = b
	}
	o.Clock = clock.OrReal(o.Clock)
	return o, nil
}
