// Package sweeper deletes SQS queues whose owners died. It has two parts:
// Client, an sqsapi.API wrapper that tags the queues it creates with a
// retention period and keeps their heartbeat fresh while they are used; and
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
// Creating the queue, and any call through the Client on its URL, marks it
// used, including a ReceiveMessage that returns nothing; a receive still
// waiting also counts. One goroutine heartbeats (TagQueue) every queue that
// was used since its last heartbeat, every Options.HeartbeatInterval (jittered
// by up to -20%; half the retention period if that is shorter, so a queue in
// use never looks idle). An idle queue costs no call; when it is used again
// after more than an interval, its heartbeat is written at once. A failed
// heartbeat is retried at the next interval. DeleteQueue through the Client
// stops the heartbeats; Close stops them all (the queues are then left to
// the Sweeper). Virtual queues (CreateQueue with HostQueueUrl) pass through:
// the layer that hosts them expires them locally.
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
// dead-letter queue <prefix>Sweeper-DLQ.fifo, maxReceiveCount 5). A FIFO queue
// deduplicates on an ID of our choosing: at the start of every sweep period each Sweeper
// sends a seed {"v":1,"kind":"sweep","period":N} with MessageDeduplicationId
// "sweep-N", so SQS delivers one seed per period however large the fleet is,
// and the seeds share one message group, so two are never handled at once.
// SQS deduplicates for 5 minutes only, which does not cover periods longer
// than that (a late starter's seed, a redelivered seed), so the taker of a
// seed also reads the LastSweepTag tag of the work queue and skips the sweep
// if this period (or a later one) was already swept; it writes the tag before
// listing. A standard queue would need a lock of our own for
// the same effect.
//
// The Sweeper that takes the seed lists every queue with the prefix (pages of
// 1,000 following NextToken: no ceiling) and sends one check per queue
// ({"v":1,"kind":"check","queueUrl":...}) in SendMessageBatch calls of 10, each
// check in its own message group so they are handed out in parallel. Every
// Sweeper receives from the work queue (batches of up to 10), so the checks
// spread over the fleet, one receive batch at a time: a sweep of 25 queues
// keeps at most 3 clients busy, one of 10,000 keeps all of them busy. Seeds
// and checks that fail are retried after the work queue's 60 s visibility
// timeout; a seed redelivered because its sweep outlived that timeout is
// recognised by LastSweepTag and dropped.
//
// # Sweeper: what a check deletes
//
// A check deletes a queue only if it carries the retention tag and its last
// heartbeat (or, without one, its creation time) is older than the retention
// period plus Options.SkewMargin. It never deletes a queue without the
// retention tag, the work queue or its DLQ, or a queue whose name does not
// start with the prefix or that lives on another endpoint or account than the
// work queue: check messages are untrusted input, and such checks are dropped
// and logged.
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
// (a failed seed next period, a failed check after the work queue's
// visibility timeout, a failing receive with exponential backoff), and a
// missing work queue is recreated. Malformed bodies, unknown versions and
// unknown kinds are deleted and logged; a message whose handling keeps failing
// ends in the DLQ. Start and Stop belong to the caller; Stop cancels in-flight
// long polls and calls, joins both goroutines, and is idempotent.
//
// Sweeper.Stats and Client.Stats count ListQueues calls, sweeps, checks,
// deletions, heartbeats, recreations and failovers.
package sweeper
