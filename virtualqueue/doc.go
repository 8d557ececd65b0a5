// Package virtualqueue multiplexes many lightweight "virtual" queues onto one
// real SQS "host" queue, with no SQS call to create, receive from or delete a
// virtual queue. On standard hosts it is wire-compatible with the Java Amazon
// SQS Virtual Queues client (FIFO hosts scope message groups per virtual
// queue, which the Java client does not).
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
// and only IdleQueueRetentionPeriodSeconds and ReceiveMessageWaitTimeSeconds
// may accompany HostQueueUrl. Creating the same name on the same host with
// the same attributes returns the same URL; different attributes fail with
// *types.QueueNameExists. Virtual queues are keyed by host and name.
// GetQueueUrl and ListQueues pass through: virtual queue URLs come only from
// CreateQueue.
//
// # Sending
//
// SendMessage and SendMessageBatch to a virtual URL send to the host with the
// message attribute sqsapi.VirtualQueueNameAttribute added (ToHost). Sending
// needs no local state, so a process can reply to a virtual URL it only read
// from a message. A message may therefore carry at most 9 attributes of its
// own, and must not use the reserved names. The returned
// MD5OfMessageAttributes covers the added attribute. A send to a host with no
// send in flight goes out at once as SendMessage; sends that arrive while
// another send to the same host is in flight are coalesced into one
// SendMessageBatch (up to 10), so batching never adds latency at low load.
//
// # Polling on demand
//
// A host queue is long-polled (receives of 10 with all attributes, waiting
// Options.HostWaitTime, whole seconds from 1 to 20) only while a receive
// waits on one of its virtual queues, or one had a receive within
// Options.PollLinger (default one more long poll); then its pollers stop after
// their current long poll, which is not cancelled (a cancelled receive could
// lose messages SQS already sent). An idle host makes no call at all, and
// creating, deleting or expiring virtual queues makes none either. Messages
// sent while a host is not polled wait on the host: the next receive on any
// of its virtual queues starts its pollers, so a receive with a wait sees
// them, and a receive with WaitTimeSeconds 0 returns what is buffered and
// starts the pollers for the next one. A host has Options.PollersPerHost
// pollers while polled, one more for each receive that comes back with 10
// messages and one less for each that does not, up to
// Options.MaxPollersPerHost. A poller never polls in a loop: WaitTimeSeconds
// is at least 1, and after three empty answers in a row that came back before
// half the wait (an endpoint that ignores it) it backs off. The first time a
// host is polled, its VisibilityTimeout and RedrivePolicy are read (one
// GetQueueAttributes per host and client).
//
// # Receiving and delivery
//
// The pollers dispatch each message to the buffer of the virtual queue it
// names, never blocking. ReceiveMessage on a virtual URL waits on that buffer
// (WaitTimeSeconds 0-20, where 0 means the queue's
// ReceiveMessageWaitTimeSeconds, itself 0 by default; MaxNumberOfMessages
// 1-10 with 0 meaning 1; ctx honoured; other values are refused with
// *sqsapi.InvalidParameterError). A VisibilityTimeout on the receive is
// applied on the host with one ChangeMessageVisibilityBatch call;
// ReceiveRequestAttemptId is ignored. Returned messages are filtered by the
// receive's MessageAttributeNames and MessageSystemAttributeNames exactly as
// SQS filters them, and their MD5OfMessageAttributes is that of the
// attributes returned (none without attributes); the virtual queue name
// attribute is returned when asked for (for example with "All"), like any
// other attribute.
//
// Delivery is at least once, like SQS: a message received from a virtual
// queue stays in flight on the host until it is deleted through the virtual
// URL (DeleteMessage and DeleteMessageBatch go to the host, as do
// ChangeMessageVisibility and ChangeMessageVisibilityBatch). If it is not
// deleted, the host redelivers it after its visibility timeout and it is
// dispatched to the same virtual queue again (if the host is polled then).
// While a message waits in a buffer it is kept invisible on the host: its
// visibility is extended by the host's visibility timeout each time half of
// it has passed (batched ChangeMessageVisibilityBatch calls, at least 2 s; a
// host with a shorter timeout is received with 2 s), so it is not received
// again and a consumer that receives it has at least half the host's
// visibility timeout left. A buffered copy whose extension the host refuses
// (the message was deleted, moved to a dead-letter queue, or received
// elsewhere) is dropped. If an extension fails otherwise and SQS redelivers
// the message, the buffer keeps one copy per MessageId, with the newest
// receipt handle.
//
// # FIFO hosts
//
// Every virtual queue on a FIFO host has its own deduplication scope and its
// own message groups, so queues never drop or hold back each other's
// messages. On the wire, a message to virtual queue N with MessageGroupId g
// gets the group "N/g" on the host, and its MessageDeduplicationId d becomes
// "N/d"; when "N/<id>" would be longer than SQS's 128 characters the host ID
// is "sha256-" and the unpadded base64url SHA-256 of "N/<id>", and the user's
// IDs travel in the message attribute "__sqstemp.FifoIds" ("<group>\n<dedup>",
// a part empty when not needed), so such a message may carry at most 8
// attributes of its own. A send without MessageDeduplicationId needs a host
// with ContentBasedDeduplication, as on SQS (Client reads the host's
// attributes once to check, and refuses it with an
// *sqsapi.InvalidParameterError otherwise); it is deduplicated by content
// within its virtual queue, its ID being the hex SHA-256 of the body, the
// ID SQS reports for content-based deduplication. ToHost, which has no
// client, cannot check: it deduplicates such a send by content. On receive the
// MessageGroupId and MessageDeduplicationId system attributes are the
// user's, exactly as sent; SequenceNumber is the host's. Group and
// deduplication IDs are validated as SQS does (1-128 characters,
// alphanumeric and punctuation) before any call. Order holds per virtual
// queue and group; a group's next message is received once the previous one
// is deleted or its visibility expires.
//
// # Memory and the byte budget
//
// Memory is bounded: past Options.MaxBufferedPerQueue messages in a virtual
// queue's buffer, or Options.MaxBufferedBytes (64 MiB) over all buffers, a
// message is not buffered and not acknowledged (no call is made), so SQS
// redelivers it after the host's visibility timeout; while the byte budget is
// used up, the pollers stop receiving until consumers take messages. A
// message bigger than the whole budget still passes through empty buffers.
// Past Options.MaxQueues CreateQueue fails with ErrTooManyQueues. An idle
// virtual queue costs about 350 bytes.
//
// # Dead-letter queues
//
// Every receive by a poller counts toward the maxReceiveCount of a host's
// RedrivePolicy. Buffered messages are kept invisible, so a message counts
// one receive per delivery to a consumer; but a message left on the host
// because a buffer or the byte budget was full, and an orphan left in
// flight, are received again later and count too. The client does not refuse
// such a host (it cannot know before its first receive, and refusing then
// would strand queues already created): it logs a warning when its pollers
// first read the host. Keep maxReceiveCount well above 1 on a host with
// virtual queues, or give the host no RedrivePolicy.
//
// # Orphans
//
// A message with no virtual queue name, or naming a virtual queue that does
// not exist in this client, is an orphan. Options.OrphanHandler decides:
// leave it in flight (the default, which also logs it at Debug level and
// counts it in Stats.Orphans, since a host may be
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
// GetQueueAttributes returns the virtual queue's own HostQueueUrl,
// ReceiveMessageWaitTimeSeconds and IdleQueueRetentionPeriodSeconds (when
// set), and the host's other attributes; SetQueueAttributes is refused
// (UnsupportedOperation); TagQueue, UntagQueue and ListQueueTags act on local
// tags; PurgeQueue empties the local buffer and deletes those messages from
// the host.
//
// # Errors
//
// Calls on a virtual queue that does not exist fail with
// *types.QueueDoesNotExist, bad input with *sqsapi.InvalidParameterError and
// no SQS call; host errors are wrapped with the virtual URL. Use errors.As and
// the sqsapi classifiers. Host errors never stop a poller: it logs, backs off
// with jitter (up to 20 s) and retries, also while the host queue does not
// exist (a wrapper may recreate it). If the host's attributes cannot be read
// three times in a row, the pollers receive with an explicit 30 s visibility
// timeout instead, and log that a RedrivePolicy is not checked.
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
// Stats reports the SQS calls made by operation, and what the pollers and
// buffers did. While a host is polled, it costs PollersPerHost long polls per
// HostWaitTime; while idle, nothing. Buffered messages cost one
// ChangeMessageVisibilityBatch per 10 messages per half visibility timeout
// that they wait.
package virtualqueue
