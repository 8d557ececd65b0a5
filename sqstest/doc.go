// Package sqstest is an in-memory Amazon SQS for tests, in the spirit of
// pstest for Pub/Sub: *Server satisfies sqsapi.API with exactly the
// signatures of *sqs.Client, so it drops in wherever code holds that
// interface. It counts calls per operation, injects faults per operation,
// and runs on a swappable clock so that tests of expiry need not sleep.
//
//	srv := sqstest.New()
//	defer srv.Close()
//	var api sqsapi.API = srv
//
// The internal/conformance suite runs the same checks against Server (on the
// real and on a fake clock), against the fauxqs emulator and against real
// AWS; where they differ, Server follows SQS's API reference.
//
// # What is faithful
//
//   - Queue URLs have SQS's shape, https://sqs.<region>.amazonaws.com/<account>/<name>
//     (Options.Region, Options.AccountID and Options.Host change the parts);
//     QueueArn is arn:aws:sqs:<region>:<account>:<name>.
//   - CreateQueue is idempotent when every attribute given equals the
//     queue's current value and fails with *types.QueueNameExists otherwise;
//     a name deleted less than 60 s ago fails with *types.QueueDeletedRecently.
//     Queue names, attribute names (*types.InvalidAttributeName) and values
//     are validated as SQS does. FIFO queues need a ".fifo" name and
//     FifoQueue=true.
//   - Queue attributes: VisibilityTimeout, DelaySeconds,
//     MessageRetentionPeriod, ReceiveMessageWaitTimeSeconds,
//     MaximumMessageSize (default and maximum 1 MiB, as in the current API
//     reference), RedrivePolicy, FifoQueue, ContentBasedDeduplication,
//     DeduplicationScope, FifoThroughputLimit, Policy and KMS attributes (stored,
//     not enforced), QueueArn, CreatedTimestamp, LastModifiedTimestamp and
//     the Approximate* counts (exact here).
//   - ListQueues filters by QueueNamePrefix and pages with MaxResults (1-1000)
//     and NextToken; a NextToken is returned only when MaxResults was given.
//     Without MaxResults at most 1,000 URLs are returned.
//   - Tags on CreateQueue, TagQueue, UntagQueue, ListQueueTags (at most 50).
//   - Messages: bodies and attributes are validated (allowed characters,
//     10 attributes, names, types String/Number/Binary with custom suffixes,
//     1 MiB including attributes); MD5OfMessageBody and
//     MD5OfMessageAttributes are computed as SQS computes them; DelaySeconds
//     per message or per queue; retention.
//   - ReceiveMessage: MaxNumberOfMessages (0 = SDK unset = 1), VisibilityTimeout
//     and WaitTimeSeconds (0 = SDK unset = the queue's attribute), message
//     attribute filtering ("All", ".*", "prefix.*", names), message system
//     attributes (ApproximateReceiveCount, ApproximateFirstReceiveTimestamp,
//     SentTimestamp, SenderId, MessageGroupId, MessageDeduplicationId,
//     SequenceNumber, DeadLetterQueueSourceArn, AWSTraceHeader) through
//     MessageSystemAttributeNames or the deprecated AttributeNames.
//   - Long polls return as soon as a message is available (sent, released by
//     ChangeMessageVisibility, made visible by the clock, or unlocked in a
//     FIFO group), when the wait ends (empty), when ctx ends (ctx's error),
//     when the queue is deleted (*types.QueueDoesNotExist) and when the
//     Server is closed.
//   - Visibility timeouts and redelivery with a new receipt handle each
//     time. Receipt handles: a malformed handle, or one for another queue,
//     is *types.ReceiptHandleIsInvalid. Following the DeleteMessage
//     reference ("if you don't provide the most recently received receipt
//     handle for the message, the request will still succeed, but the
//     message might not be deleted"), a stale handle on a standard queue
//     succeeds and does NOT delete the message; a handle of a message already
//     deleted succeeds. On a FIFO queue a handle whose visibility timeout
//     expired is refused (InvalidParameterValue, "The receipt handle has
//     expired"). ChangeMessageVisibility on a deleted message or with a stale
//     handle fails with InvalidParameterValue ("Message does not exist or is
//     not available for visibility timeout change") as SQS does; on the
//     current handle of a message whose timeout already expired it succeeds
//     and changes nothing. MessageNotInflight is never returned (SQS does
//     not appear to use it either).
//   - Batches: EmptyBatchRequest, TooManyEntriesInBatchRequest,
//     BatchEntryIdsNotDistinct, InvalidBatchEntryId and BatchRequestTooLong
//     fail the whole call; other problems fail single entries (Failed, with
//     Code and SenderFault) and the rest succeed.
//   - FIFO: MessageGroupId required; deduplication by MessageDeduplicationId
//     or content (SHA-256 of the body) for 5 minutes, returning the original
//     MessageId and SequenceNumber; strict order per group; a group with a
//     message in flight delivers nothing more until it is deleted or
//     becomes visible; per-message DelaySeconds refused.
//   - Dead-letter queues: a message received maxReceiveCount times is moved
//     to the RedrivePolicy's queue (which must exist and be of the same type)
//     at the next receive attempt, keeping its MessageId, body, attributes,
//     receive count and original SentTimestamp.
//   - PurgeQueue deletes every message, in flight or not; a second purge
//     within 60 s fails with *types.PurgeQueueInProgress.
//
// # Errors
//
// Errors are what *sqs.Client returns for the same response from SQS: a
// *smithy.OperationError wrapping the SDK's typed error (*types.QueueDoesNotExist,
// *types.QueueNameExists, ...) or a *smithy.GenericAPIError carrying SQS's code
// (InvalidParameterValue, MissingParameter, ...). Typed errors carry the
// legacy query code in ErrorCodeOverride, as the SDK sets it from SQS's
// x-amzn-query-error header: a missing queue's ErrorCode() is
// "AWS.SimpleQueueService.NonExistentQueue", a name conflict's
// "QueueAlreadyExists". Use errors.As with the types, or sqsapi.Classify.
// Nil required fields are refused as *sqs.Client refuses them, with a
// smithy.InvalidParamsError. Every call is counted, including failed ones.
//
// # Faults and call counts
//
// InjectFault makes an operation return an error (for example a
// *smithy.GenericAPIError with code RequestThrottled), wait (on the Server's
// clock, honouring ctx) before answering, or both, for all calls or the next
// Times calls, optionally only for inputs Match accepts. CallCounts reports
// the calls per operation name ("SendMessage", ...); ResetCallCounts zeroes them.
//
// # Latency and quotas, for fleet simulations
//
// Options.Latency gives each operation a duration, waited on the Server's
// clock (honouring ctx) before the call is performed: the round trip to SQS.
// Options.TaggingQuota and TaggingBurst model SQS's account-wide limit on
// tagging actions (TagQueue, UntagQueue, ListQueueTags; 5 per second in
// AWS's references): a token bucket shared by every caller of the Server,
// past which a tagging call fails at once, unperformed, with
// *types.RequestThrottled (ErrorCode "RequestThrottled", as SQS's JSON
// protocol and its query code name it; sqsapi.IsThrottled reports it).
// TaggingStats counts the tagging calls, the throttled ones and the peak
// rate within one second of the clock (PeakTPS performed, PeakRequestedTPS
// asked for), so that a simulation can check a fleet against the quota.
// ListQueues pages and FIFO receives cost O(page) and O(messages taken +
// groups blocked) whatever the number of queues and message groups, so a
// test can hold 100,000 queues or messages.
//
// Both work on a fake clock and inside a testing/synctest bubble, where the
// default wall clock is the bubble's fake time: simulated hours of a fleet
// pass in seconds.
//
// # Clock
//
// Options.Clock (default the wall clock) drives visibility timeouts, delays,
// retention, the FIFO deduplication window, the 60-second
// QueueDeletedRecently and PurgeQueue windows, long-poll wait times and
// fault delays. With a fake clock, a long poll waits on a clock timer, so
// a test can BlockUntil the poll is waiting and Advance.
//
// # What is not faithful
//
//   - Everything is immediately consistent: created queues are listed at
//     once, deleted queues vanish at once, counts are exact, short polls see
//     every message (no sampling of servers), nothing is delivered twice
//     unless its visibility timeout expires.
//   - Queues are found by account and name; the host of a queue URL is not
//     checked. Policies, KMS, SSE, permissions, message move tasks,
//     ReceiveRequestAttemptId, fair-queue throttling and throughput limits
//     (other than the tagging quota, Options.TaggingQuota) are not
//     implemented; FifoThroughputLimit and DeduplicationScope are stored,
//     and DeduplicationScope=messageGroup scopes deduplication by group.
//   - ChangeMessageVisibility does not enforce the 12-hour limit counted
//     from the first receive.
//   - The Approximate* counts, and a FIFO long poll that finds nothing to
//     take, scan the queue; receives that take messages do not (O(k log n)
//     for k messages, plus the FIFO groups blocked by a message in flight).
//
// # Shutdown
//
// Close wakes every waiting long poll with an error that matches both
// ErrClosed and context.Canceled with errors.Is, and makes later calls fail
// the same way. It is idempotent. The Server starts no goroutines of its own.
package sqstest
