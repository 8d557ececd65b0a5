// Package sweeper deletes SQS queues whose owners died. It has two parts:
// Client, an sqsapi.API wrapper that tags the queues it creates with a
// retention period and keeps their heartbeat fresh while it holds them; and
// Sweeper, run by every process of a fleet that shares a queue prefix, which
// deletes the queues whose heartbeat stopped. The tag names are those of the
// Java Temporary Queue Client (sqsapi.RetentionTag, sqsapi.HeartbeatTag), so
// mixed fleets honour each other's heartbeats.
//
// # Client: tagging and heartbeats
//
// CreateQueue with the IdleQueueRetentionPeriodSeconds attribute (an integer,
// at least 1) requires a queue name starting with Options.QueuePrefix (else an
// *sqsapi.InvalidParameterError naming it, and no SQS call). The real queue is
// created without that attribute and tagged with the retention period and a
// heartbeat (Unix milliseconds). Every other queue passes through untouched.
//
// The Client then holds the queue: it heartbeats it (TagQueue) every
// interval until DeleteQueue through the Client or Close, whether the queue
// is used or not, since a live process must never let its queues look idle.
// The interval is Options.HeartbeatInterval if set (at most half the
// retention period), else a quarter of the retention period (75 s at the
// default 300 s), jittered down by up to 20%: about 53 TagQueue calls per
// held queue per hour by default. The first heartbeat is made right after
// CreateQueue, because SQS ignores the tags of a CreateQueue that returns an
// existing queue: one extra TagQueue per queue creation.
//
// Heartbeats cannot go stale while the process lives. One scheduler
// goroutine keeps the held queues in a heap by due time and starts the due
// heartbeats oldest first, up to Options.HeartbeatConcurrency (default 16) at
// once, so a slow or hung call holds up no other queue. Each heartbeat takes
// a token from the tagging budget (Options.TagBudget: SQS limits tagging
// actions per account, so the process slows itself down before SQS throttles
// it; heartbeats go before a Sweeper's checks), then writes the time of its
// own call, under its own timeout (Options.HeartbeatTimeout, default 10 s,
// at most half the interval). A heartbeat that fails, times out or is
// throttled is retried after about 1 s, backing off exponentially (with
// jitter) up to a quarter of the interval, not one interval later.
//
// When a held queue's last heartbeat gets older than half its retention
// period, the Client logs a warning (once, until a heartbeat succeeds again)
// naming the queue, the heartbeat's age and the retention: when heartbeats
// are throttled or slow, the account's tagging quota is too low for the
// fleet, and the quota or the retention must grow. ClientStats counts these
// episodes (StaleHeartbeats), failed and throttled heartbeats; the TagBudget
// counts the queues stale now, and a Sweeper under that budget deletes
// nothing while any is.
//
// Each live queue costs its account 1/(0.9 x heartbeat interval) tagging
// actions a second for heartbeats (0.9: the jitter) plus 1/(0.8 x sweep
// period) for the sweeps' checks of it; with the defaults (75 s, 5 min) that
// is 0.019, so a quota of 5 a second, used to 80%, holds about 210 live
// queues. The README's capacity table gives other settings.
//
// Virtual queues (CreateQueue with HostQueueUrl) pass through: the layer
// that hosts them expires them locally.
//
// # Client: queues deleted underneath us
//
// If a call or a heartbeat finds such a queue gone (QueueDoesNotExist), the
// Client recreates it with the same attributes and tags and retries the call
// once. While SQS refuses the name (QueueDeletedRecently, for 60 s after a
// deletion) it creates <name>-Failover (<name>-Failover.fifo for a FIFO
// queue) instead: sends go there, receives read from it, and receipt handles
// are routed back to the queue their message came from. Each heartbeat then
// tries to recreate the original; once it exists, sends go to it again and
// receives read the failover first (without waiting) until it is empty, when
// it is deleted (no send to it running, none for a minute, no visible,
// in-flight or delayed message). The caller keeps using the original URL
// throughout. Messages that were in the deleted queue are gone with it, and
// a message received from it can no longer be acted on (DeleteMessage
// succeeds, ChangeMessageVisibility says ReceiptHandleIsInvalid); no message
// sent through the Client after the deletion is lost (a send that failed
// because the queue was gone is retried after recovery). Other processes
// that send to the original URL while it does not exist get
// QueueDoesNotExist, as they would without this Client.
//
// # Sweeper: one sweep per period for the whole fleet
//
// All Sweepers with one prefix share a FIFO work queue named
// <prefix>Sweeper.fifo (created or reused by whoever needs it first, with the
// dead-letter queue <prefix>Sweeper-DLQ.fifo, maxReceiveCount 5; created with
// SQS's high-throughput settings, DeduplicationScope=messageGroup and
// FifoThroughputLimit=perMessageGroupId; a queue created by an older version
// is reused as it is). A FIFO queue deduplicates on an ID of our choosing: at
// the start of every sweep period (plus up to a tenth of it, at most 5 s, of
// jitter) each Sweeper sends a seed {"v":1,"kind":"sweep","period":N} with
// message group and deduplication ID "sweep-N", so SQS keeps one seed per
// period however large the fleet is. SQS deduplicates for 5 minutes only,
// which does not cover periods longer than that, so the taker of a seed also
// reads the LastSweepTag tag of the work queue and skips the sweep if this
// period (or a later one) was already swept.
//
// The sweep moves through the fleet a page at a time: the Sweeper that
// takes the seed lists the first page of queues with the prefix (ListQueues,
// 1,000 a page), sends a work message for the next page
// ({"v":1,"kind":"list","period":N,"token":...,"page":2}, its own message
// group and deduplication ID "list-N-2") before anything else, then fans out
// one check per queue of its page ({"v":1,"kind":"check","queueUrl":...,
// "period":N,"at":ms}, message group and deduplication ID of the period and the
// queue) in SendMessageBatch calls of 10, 8 at a time. Whoever takes the next
// page does the same, and so on; the last page writes the period into
// LastSweepTag. No process does work in proportion to the number of queues:
// each does a page at a time, and checks in batches of up to 10 (handled
// concurrently). A fleet of 20 sweeps 100,000 queues in about two minutes
// of a 5-minute period on sqstest with realistic latency; the checks need a
// tagging action each, so an account that checks 100,000 queues a period
// needs a tagging quota of about 330 a second (see TagBudget).
//
// The checks of a sweep are spread over the period, never done at once:
// each check carries the time it is due ("at", milliseconds after the
// period start), an offset derived from the queue's URL, spread evenly over
// the first 80% of the period and the same every period; the Sweeper that
// receives a check before it is due holds it until then (one
// ChangeMessageVisibilityBatch per receive keeps it invisible that long)
// while it goes on polling. So a sweep of N queues reaches SQS as N/(0.8 x
// period) tagging actions a second, never as a burst at the period start
// (which would throttle the heartbeats of live queues with it and, through
// the deletion guard below, defer every deletion); and since a queue is
// checked at the same point of every period, one that turns idle is
// deleted within a period of it. The account's tagging quota must cover
// that rate plus the heartbeats (live queues divided by the heartbeat
// interval).
//
// Every Sweeper polls the work queue only in a window after each period's
// start: from sending its seed until a long poll (Options.WorkQueueWaitTime)
// comes back empty, and at least half a period or 10 s, whichever is less;
// then it sleeps until the next period. Idle, with the default options, a
// lone process makes about 11 calls a period for sweeping (about 140 an
// hour), and a process of an idle fleet of 100 about 40 an hour: a seed, a
// long poll and a check a period.
//
// # Sweeper: crashes, stops and stalls
//
// Work messages are received with a visibility timeout of half the period
// (at least 5 s, at most 60 s), extended while a piece of work runs longer.
// A process that dies holding work leaves it in flight until that timeout:
// since every period, page and check has its own message group, this holds
// up nothing else, and the next period's sweep covers the queues that work
// was about (a page is listed again when its message comes back, in the
// same period's window or the next). So a crash delays no queue's deletion
// by more than one period: the queues of a dead owner are deleted within
// their retention + Options.SkewMargin + 2 periods. Stop hands the work
// messages it holds but did not finish back to the work queue (visibility
// 0) before it returns, so another process takes them at once; so does it
// with the checks it holds until they are due. Work of a
// past period is dropped, not done (Stats.StaleWorkDropped): seeds of any
// past period, listing pages and checks more than one period old; so after
// a stall the fleet sweeps once, not once for every period it missed.
//
// # Sweeper: what a check deletes
//
// A check deletes a queue only if it carries the retention tag and its last
// heartbeat (or, without one, its creation time) is older than the retention
// period plus Options.SkewMargin. It never deletes a queue without the
// retention tag, the work queue or its DLQ, or a queue whose name does not
// start with the prefix or that lives at another scheme, endpoint or account
// than the work queue: check messages are untrusted input, and such checks
// are dropped and logged.
//
// Every tagging call of a Sweeper (the tag reads of checks, the reads and the
// write of LastSweepTag) takes a token of Options.TagBudget, after the
// heartbeats, and reports SQS's throttling to it. A check re-reads the tags
// right before DeleteQueue. In an account over its tagging quota live
// owners cannot heartbeat, so an old heartbeat proves nothing: no queue is
// deleted while SQS throttled a tagging call under the budget within the
// queue's retention period plus the skew margin, or while a heartbeat under
// the budget is older than half its retention. Such deletions are deferred
// to a later period, counted (Stats.DeletionsDeferred) and logged at Warn
// once per episode.
//
// An idle queue that still holds messages is deleted too, but only after
// Options.NonEmptyGrace more (default 1 h; negative: never). The Java client
// never deletes such queues, so they leak forever; yet the owner of a
// temporary queue is the only reader of its messages (typically replies to
// requests it made), so once its heartbeat has been silent that long nobody
// will ever read them. The grace period gives an owner cut off by a network
// partition or a long pause time to come back first.
//
// # Errors, poison messages and shutdown
//
// A Sweeper never dies and never spins: every error is logged and retried
// (a failed seed next period, failed work in a later poll window after its
// visibility timeout, a failing receive with exponential backoff), and a
// missing work queue is recreated. Malformed bodies, unknown versions and
// kinds, bad fields and list tokens over 2 KiB are deleted and logged; a
// message whose handling keeps failing ends in the DLQ. Start and Stop
// belong to the caller; Stop cancels in-flight long polls and calls, hands
// back the work it held, joins the Sweeper's goroutine, and is idempotent.
//
// Sweeper.Stats and Client.Stats count ListQueues calls, sweeps, checks,
// deletions, heartbeats, recreations and failovers.
package sweeper
