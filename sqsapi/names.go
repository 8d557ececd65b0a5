package sqsapi

import "time"

// Wire names shared with the Java Amazon SQS Temporary Queue Client, so that
// mixed fleets interoperate. Changing any of these breaks the wire format.
const (
	// VirtualQueueNameAttribute is the message attribute (String) that names the
	// virtual queue a message sent to a host queue is meant for.
	VirtualQueueNameAttribute = "__AmazonSQSVirtualQueuesClient.QueueName"

	// HostQueueURLAttribute is the queue attribute that, on CreateQueue, makes
	// the new queue a virtual queue hosted on the named SQS queue.
	HostQueueURLAttribute = "HostQueueUrl"

	// IdleQueueRetentionPeriodAttribute is the queue attribute that asks for a
	// queue to be deleted after it has been idle for that many seconds.
	IdleQueueRetentionPeriodAttribute = "IdleQueueRetentionPeriodSeconds"

	// ResponseQueueURLAttribute is the message attribute (String) of a request
	// that names the queue its response must be sent to.
	ResponseQueueURLAttribute = "ResponseQueueUrl"

	// HeartbeatTag is the queue tag holding the last heartbeat of a queue that
	// is in use, as Unix milliseconds in decimal.
	HeartbeatTag = "__AmazonSQSIdleQueueDeletingClient.LastHeartbeatTimestamp"

	// RetentionTag is the queue tag holding the idle retention period of a
	// queue, in seconds. Only queues carrying it are ever deleted by a sweeper.
	RetentionTag = "__IdleQueueRetentionPeriodSeconds"

	// DefaultQueuePrefix is the prefix of the queues this module creates.
	DefaultQueuePrefix = "__RequesterClientQueues__"
)

// Documented defaults. There is no fixed default heartbeat interval: it
// follows each queue's retention period (a quarter of it, 75 s at the
// default 300 s; see sweeper.Options.HeartbeatInterval).
const (
	DefaultIdleQueueRetentionPeriod = 300 * time.Second
	DefaultSweepPeriod              = 5 * time.Minute
	DefaultHostWaitTime             = 20 * time.Second
)

// SQS limits this module validates against.
const (
	MaxQueueNameLength       = 80
	MaxWaitTimeSeconds       = 20
	MaxMessagesPerReceive    = 10
	MaxMessageAttributes     = 10
	MaxBatchEntries          = 10
	MaxMessageSizeBytes      = 1048576 // 1 MiB since August 2025 (was 256 KiB)
	MinIdleRetentionSeconds  = 1
	MaxVisibilityTimeoutSecs = 43200
	FIFOSuffix               = ".fifo"
)

// Message attributes of sqstemp's RPC extensions (packages requester and
// responder). They are optional: requests and responses without them (those
// of the Java client) work as before. Each counts against SQS's limit of 10
// message attributes.
const (
	// DeadlineAttribute is the message attribute (Number) of a request that
	// carries its caller's deadline, in Unix milliseconds. A responder drops
	// a request whose deadline has passed without handling it.
	DeadlineAttribute = "SqstempDeadline"

	// ErrorCodeAttribute is the message attribute (String) that makes a
	// response an error reply: it holds the error code, and the body holds
	// the error message.
	ErrorCodeAttribute = "SqstempErrorCode"
)
