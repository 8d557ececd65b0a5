// Package tempqueue is the drop-in temporary queues client: code that
// creates and deletes queues through an sqsapi.API (an interface over
// *sqs.Client) gets cheap virtual queues instead of real ones by handing it a
// *tempqueue.Client.
//
//	tq, err := tempqueue.New(ctx, sqsClient)
//	if err != nil { ... }
//	defer tq.Close(ctx)
//	out, err := tq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("task-42")})
//	// *out.QueueUrl is a virtual queue URL "<host queue URL>#task-42"
//
// # Queues
//
// Every CreateQueue creates a virtual queue (package virtualqueue) on a host
// queue. Host queues are real SQS queues created on demand, one per distinct
// attribute set, named "<QueuePrefix><uuid>-<n>" (with ".fifo" for FIFO
// attribute sets), and private to the Client. Only the first CreateQueue
// for an attribute set makes an SQS call; creating and deleting virtual
// queues otherwise costs nothing. Sending costs what it costs on SQS.
//
// A host is polled on demand (package virtualqueue): while a receive waits on
// one of its virtual queues, or had one within Options.PollLinger (default
// one more long poll of HostWaitTime), its poller receives for all its
// virtual queues, up to 10 messages per call; otherwise it makes no call. An
// idle Client (no receive waiting) makes no ReceiveMessage at all. Messages
// sent meanwhile wait on the host until the next receive starts the poller.
// The first time a host is polled its attributes are read once
// (GetQueueAttributes).
//
// Attributes are honoured as follows. DelaySeconds, MaximumMessageSize,
// MessageRetentionPeriod, VisibilityTimeout and the encryption attributes
// are attributes of the host queue, which only virtual queues with the same
// set share, so they hold exactly (a message waiting in the Client's buffer
// is kept invisible on the host, and a consumer that receives it has at
// least half the VisibilityTimeout left). FifoQueue, ContentBasedDeduplication,
// DeduplicationScope and FifoThroughputLimit make a FIFO host: order holds
// per virtual queue and message group, and each virtual queue has its own
// deduplication scope and message groups, so queues never drop or hold back
// each other's messages; MessageGroupId and MessageDeduplicationId come back
// as sent. A send without MessageDeduplicationId is refused, as SQS refuses
// it, unless the attributes include ContentBasedDeduplication; then it is
// deduplicated by content within its virtual queue (see
// package virtualqueue for what goes on the wire, and the one limit: a
// message whose queue name and group or deduplication ID together exceed 128
// characters may carry at most 8 message attributes). FifoThroughputLimit
// and DeduplicationScope apply to the host's scoped groups.
// ReceiveMessageWaitTimeSeconds and IdleQueueRetentionPeriodSeconds are
// honoured per virtual queue (a receive with WaitTimeSeconds 0 waits that
// long; an idle virtual queue is deleted locally and its name forgotten), and
// GetQueueAttributes reports the virtual queue's own values. RedrivePolicy,
// RedriveAllowPolicy, Policy and HostQueueUrl cannot be honoured per virtual
// queue and are refused with an *sqsapi.InvalidParameterError naming the
// attribute and saying why, with no SQS call; so are unknown attributes.
//
// Queue names follow SQS rules and are unique within the Client: the same
// name with the same attributes returns the same URL, with other attributes
// it fails with *types.QueueNameExists. GetQueueUrl finds the Client's own
// virtual queues by name with no SQS call and passes other names through.
// Every other operation on a virtual URL behaves as package virtualqueue
// describes; operations on other queues pass through unchanged.
//
// # Delivery
//
// At least once, as on SQS: a received message stays in flight on the host
// until deleted through its virtual URL. A message arriving for a virtual
// queue that no longer exists (a late reply, typically) is an orphan and is
// deleted by default (Options.OrphanHandler), when the host is next polled.
// Messages received from the host but not yet by a consumer are buffered,
// bounded by Options.MaxBufferedPerQueue per queue and
// Options.MaxBufferedBytes (64 MiB) over all; past either, messages stay on
// the host, and while the byte budget is used up the poller stops
// receiving.
//
// # Cleanup
//
// Host queues carry IdleQueueRetentionPeriodSeconds: they are tagged at
// creation and their heartbeat tag is refreshed while the Client lives (one
// TagQueue per host right after its creation, then one per heartbeat
// interval: a quarter of the retention period, 75 s by default), paced by
// Options.TagBudget. Unless Options.DisableSweeper is set, the Client takes
// part in the fleet-wide sweep for its prefix (package sweeper), which
// deletes queues whose heartbeat stopped, such as the hosts of a process
// that crashed.
//
// # Errors
//
// Bad input gets an *sqsapi.InvalidParameterError and no SQS call; SQS errors
// are wrapped and classify with the sqsapi helpers. Calls after Close fail
// with an error wrapping ErrClosed or virtualqueue.ErrClosed.
//
// # Shutdown
//
// Close makes waiting receives return, deletes the host queues, stops the
// heartbeats and the sweeper, and joins every goroutine. It is idempotent.
package tempqueue
