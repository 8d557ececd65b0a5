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
// for an attribute set makes an SQS call; creating, receiving from and
// deleting virtual queues otherwise costs nothing. Sending costs what it
// costs on SQS; the host's single poller receives for all virtual queues on
// it, up to 10 messages per call. The poller runs from the creation of its
// host until Close (an internal keep-alive virtual queue, not counted in
// Stats.VirtualQueues, holds it), so code that creates and deletes one queue
// after another does not stop and restart it; while idle it costs one long
// poll per HostWaitTime (20 s) per host.
//
// Attributes are honoured as follows. DelaySeconds, MaximumMessageSize,
// MessageRetentionPeriod, VisibilityTimeout, the encryption attributes and
// the FIFO attributes (FifoQueue, ContentBasedDeduplication,
// DeduplicationScope, FifoThroughputLimit) are attributes of the host queue,
// which only virtual queues with the same set share, so they hold exactly.
// ReceiveMessageWaitTimeSeconds and IdleQueueRetentionPeriodSeconds are
// honoured per virtual queue by the client (a receive with WaitTimeSeconds 0
// waits that long; an idle virtual queue is deleted locally). RedrivePolicy,
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
// deleted by default (Options.OrphanHandler).
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
