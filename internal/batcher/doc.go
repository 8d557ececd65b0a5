// Package batcher takes SQS calls that sqstemp's clients make on behalf of
// their callers and turns them into fewer, batched calls, without adding
// latency where someone is waiting. Callers of the library never see it: the
// clients (virtualqueue, requester, responder) use it internally and keep the
// plain API.
//
// # Sender: sends coalesced while another is in flight
//
// Sender.SendMessage has SendMessage's exact signature. A send to a queue with
// no call in flight goes out at once as a plain SendMessage, on the caller's
// goroutine and with the caller's ctx: at low load there is no delay and no
// difference from the SDK, and never a timer. Sends to a queue that arrive
// while a call to it is in flight wait, and go out in SendMessageBatch calls
// of up to MaxBatch (10) entries whose total payload (bodies plus message
// and system attribute names, types and values, counted like SQS counts
// them) stays within MaxBatchBytes (1 MiB, SQS's limit on a batch):
//
//   - a full batch (MaxBatch messages, or as many as fit before the next
//     would exceed MaxBatchBytes) goes at once, since waiting cannot make it
//     better;
//   - a partial batch waits until no call to the queue is in flight, then
//     everything waiting goes. With one call in flight (the usual case)
//     that is: when it returns, what arrived meanwhile goes in the next call.
//
// So a waiting message is delayed by at most the calls in flight before it,
// and under load batches fill up instead of fragmenting. Before taking the
// next batch, the goroutine that just handed out a batch's results yields
// once (runtime.Gosched, not a timer), so that callers sending again at once
// join that batch rather than follow it alone. A batch of one
// message is sent as a plain SendMessage. Batch calls run on short-lived
// goroutines that end when the queue goes quiet; no goroutine or state
// lingers per queue.
//
// Every caller gets its own message's result: a *sqs.SendMessageOutput with
// the MessageId, MD5 digests and SequenceNumber of its entry, or an error. An
// entry that SQS refuses yields an *EntryError, which satisfies
// smithy.APIError with the entry's code and message, so sqsapi.Classify and
// the sqsapi.Is* helpers work on it as on the error of a plain call. An error
// of the whole batch call goes to every caller in the batch. If SQS refuses a
// whole batch as invalid (for example BatchRequestTooLong), its messages are
// retried one by one with SendMessage, so that one bad message cannot fail
// the others and each caller gets the error a plain call would have given.
//
// Calls with optFns are not coalesced; they are sent directly, as are
// inputs the SDK would refuse in a batch entry (no QueueUrl, no MessageBody,
// an attribute without DataType), so that they fail only their own caller.
//
// FIFO queues: entries keep their MessageGroupId and MessageDeduplicationId,
// and messages are batched in the order they arrived. Sends that are
// concurrent have no order to keep; a caller that waits for each send
// before the next keeps its order.
//
// Cancellation: if the caller's ctx ends while its message is still waiting,
// the message is withdrawn and never sent, and the caller gets an error
// wrapping ctx.Err() (errors.Is(err, context.Canceled) holds). If the message
// is already in a batch call, the caller also returns at once with an error
// wrapping ctx.Err(), but the message may or may not have been sent, exactly
// as when a plain SendMessage is cancelled mid-call. Batch calls run with a
// context detached from the callers' cancellation (context.WithoutCancel of
// the first caller's ctx) and bounded by CallTimeout.
//
// Close fails the sends still waiting with ErrClosed, waits for calls in
// flight, and refuses later sends with ErrClosed.
//
// # Acker: deletes and visibility changes off the critical path
//
// Acker.Delete and Acker.ChangeVisibility are fire and forget: they never
// block and never call SQS themselves. Requests are collected per queue and
// flushed by one owner goroutine as DeleteMessageBatch /
// ChangeMessageVisibilityBatch calls as soon as MaxBatch (10) are pending for
// a queue, or at the latest MaxDelay (default 100 ms) after the first of them
// arrived. MaxDelay must stay well inside the queue's visibility timeout (by
// default 30 s): a message whose delete is delayed past it is redelivered.
//
// Requests for one receipt handle are de-duplicated while pending: a second
// Delete is dropped, a second ChangeVisibility replaces the timeout of the
// first, and a Delete supersedes a pending ChangeVisibility (a
// ChangeVisibility for a handle whose Delete is pending is dropped).
//
// Every entry's result is checked. An entry refused because its receipt
// handle is no longer valid (ReceiptHandleIsInvalid, MessageNotInflight: the
// message was already deleted or has been redelivered) or because its queue
// no longer exists is final and is not a loss of data: it is logged at debug
// level and counted as Stale. Throttling, server-side errors and transport
// errors, of single entries or of the whole call, are retried with
// exponential backoff up to MaxAttempts attempts. Anything else, and retries
// that run out, is a failure: counted, logged at warn level, passed to
// OnError, returned by the Flush that waited for it, and returned (joined
// with errors.Join) by Close as a deferred error.
//
// Flush forces everything pending out and waits for it, including retries.
// Close flushes, waits for every call, stops the owner goroutine and returns
// the deferred errors; it is idempotent. If Close's ctx ends first, calls in
// flight are cancelled and their entries reported as failures. After Close,
// Delete and ChangeVisibility are refused: nothing is sent (so no call is
// ever issued after Close returns), and the refusal is counted, logged at
// warn level and passed to OnError. Because SQS redelivers a message that is
// not deleted, a refused Delete means a duplicate delivery, never a loss.
package batcher
