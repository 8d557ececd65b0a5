// Package virtualqueue multiplexes many lightweight "virtual" queues onto one
// real SQS "host" queue, with no SQS call to create, receive from or delete a
// virtual queue. It is wire-compatible with the Java Amazon SQS Virtual Queues
// client.
//
// A Client wraps an sqsapi.API and is one: calls on virtual queue URLs are
// handled as below, every other call passes through unchanged.
//
//	vq := virtualqueue.New(sqsClient)
//	defer vq.Close(ctx)
//	out, err := vq.CreateQueue(ctx, &sqs.CreateQueueInput{
//		QueueName:  aws.String("replies-1"),
//		Attributes: map[string]string{sqsapi.HostQueueURLAttribute: hostURL},
//	})
//	// *out.QueueUrl == hostURL + "#replies-1"
//
// # Virtual queues
//
// A virtual queue's URL is "<host queue URL>#<name>" (see URL and ParseURL).
// CreateQueue with the HostQueueUrl attribute creates one locally; the name
// follows SQS queue-name rules (a FIFO host's virtual queues end in ".fifo"),
// and only IdleQueueRetentionPeriodSeconds may accompany HostQueueUrl.
// Creating the same name on the same host with the same attributes returns
// the same URL; different attributes fail with *types.QueueNameExists. Virtual
// queues are keyed by host and name. GetQueueUrl and ListQueues pass through:
// virtual queue URLs come only from CreateQueue.
//
// # Sending
//
// SendMessage and SendMessageBatch to a virtual URL send to the host with the
// message attribute sqsapi.VirtualQueueNameAttribute added. Sending needs no
// local state, so a process can reply to a virtual URL it only read from a
// message. A message may therefore carry at most 9 attributes of its own, and
// must not use the reserved name. FIFO fields (MessageGroupId,
// MessageDeduplicationId) pass through. The returned MD5OfMessageAttributes
// covers the added attribute. A send to a host with no send in flight goes
// out at once as SendMessage; sends that arrive while another send to the
// same host is in flight are coalesced into one SendMessageBatch (up to 10),
// so batching never adds latency at low load.
//
// # Receiving and delivery
//
// One poller per host queue (Options.PollersPerHost) long-polls it while the
// client has a virtual queue on it, receiving batches of 10 with all
// attributes, and dispatches each message to the buffer of the virtual queue
// it names, never blocking. Pollers start with the first virtual queue on a
// host; after the last one is deleted they stop once their current long poll
// returns (it is not cancelled, so no response SQS already sent is lost). ReceiveMessage on a virtual URL waits on that
// buffer (WaitTimeSeconds 0-20, MaxNumberOfMessages 1-10 with 0 meaning 1,
// ctx honoured; other values are refused with *sqsapi.InvalidParameterError).
// A VisibilityTimeout on the receive is applied on the host with one
// ChangeMessageVisibilityBatch call; ReceiveRequestAttemptId is ignored. Returned messages are filtered by the
// receive's MessageAttributeNames and MessageSystemAttributeNames exactly as
// SQS filters them; the virtual queue name attribute is returned when asked
// for (for example with "All"), like any other attribute.
//
// Delivery is at least once, like SQS: a message received from a virtual
// queue stays in flight on the host until it is deleted through the virtual
// URL (DeleteMessage and DeleteMessageBatch go to the host, as do
// ChangeMessageVisibility and ChangeMessageVisibilityBatch). If it is not
// deleted, the host redelivers it after its visibility timeout and it is
// dispatched to the same virtual queue again. A buffer keeps one copy per
// MessageId, with the newest receipt handle. A message that waits in a
// buffer longer than the host's visibility timeout is redelivered by SQS
// meanwhile; if a consumer takes the old copy just before the new one is
// dispatched, it is received twice (at least once, as with SQS itself).
// Keep the host's visibility timeout above the time messages wait locally.
//
// Memory is bounded: past Options.MaxBufferedPerQueue a message is not
// buffered and not acknowledged (no call is made), so SQS redelivers it after
// the host's visibility timeout; past Options.MaxQueues CreateQueue fails
// with ErrTooManyQueues. An idle virtual queue costs about 300 bytes.
//
// # Orphans
//
// A message with no virtual queue name, or naming a virtual queue that does
// not exist in this client, is an orphan. Options.OrphanHandler decides:
// leave it in flight (the default, which also logs it, since a host may be
// shared), delete it, or release it (visibility 0). Orphan deletes and
// releases are off the poller's path: they are sent in batches of 10 within
// about 100 ms, and flushed on Close.
//
// # Deletion and idle expiry
//
// DeleteQueue on a virtual URL is local; messages buffered for it are released
// to the host (visibility 0), where they are received again and, unless the
// queue was recreated, become orphans. A virtual queue created with
// IdleQueueRetentionPeriodSeconds is deleted the same way once it has been
// idle that long. Activity is any call on its URL through this client; a
// receive that is waiting counts as activity throughout. Messages arriving do
// not count.
//
// GetQueueAttributes returns the host's attributes plus HostQueueUrl and the
// retention; SetQueueAttributes is refused (UnsupportedOperation); TagQueue,
// UntagQueue and ListQueueTags act on local tags; PurgeQueue empties the local
// buffer and deletes those messages from the host.
//
// # Errors
//
// Calls on a virtual queue that does not exist fail with
// *types.QueueDoesNotExist, bad input with *sqsapi.InvalidParameterError and
// no SQS call; host errors are wrapped with the virtual URL. Use errors.As and
// the sqsapi classifiers. Host errors never stop a poller: it logs, backs off
// with jitter (up to 20 s) and retries, also while the host queue does not
// exist (a wrapper may recreate it).
//
// # Shutdown
//
// Close cancels the pollers' long polls, makes waiting receives return
// ErrClosed, releases every buffered message to its host in batches of 10,
// and joins every goroutine. It is idempotent; every call made after it
// returns an error wrapping ErrClosed.
//
// # Cost
//
// Stats reports the SQS calls made by operation. The steady cost is the host
// long polls: about PollersPerHost calls per HostWaitTime per host while idle.
package virtualqueue
