// Package responder is the serving half of request/response RPC over SQS:
// it answers requests made with package requester, or with the Java
// AmazonSQSRequester (the wire format is the same).
//
//	r := responder.New(sqsClient)
//	err := r.Serve(ctx, requestQueueURL, responder.HandlerFunc(
//		func(ctx context.Context, req types.Message) (*sqs.SendMessageInput, error) {
//			return &sqs.SendMessageInput{MessageBody: aws.String("ok: " + aws.ToString(req.Body))}, nil
//		}))
//
// A request names its response queue in the message attribute
// ResponseQueueUrl (String), usually a virtual queue URL
// "<host queue URL>#<name>". SendResponse sends a response there: to the
// host queue, with the virtual queue name attribute
// (__AmazonSQSVirtualQueuesClient.QueueName), which needs no local state.
// Serve is a request loop in the manner of net/http: batched long-poll
// receives, handlers run concurrently up to a bound, responses sent, requests
// deleted after their response is sent.
//
// # Which reply URLs are allowed
//
// A request must not be able to make a responder write into arbitrary
// queues. A ResponseQueueUrl is considered only if it is a well-formed SQS
// queue URL (sqsapi.ParseQueueURL: http(s), no user info, query, escapes or
// fragment other than the single '#' of a virtual queue URL, path
// /<account digits>/<valid queue name>, canonical form), or such a URL
// followed by "#<valid queue name>". Then, by default:
//
//   - the queue's name (the host queue's, for a virtual queue URL) must start
//     with Options.QueuePrefix (default "__RequesterClientQueues__", the
//     prefix requesters name their host queues with);
//   - in Serve, the queue must be in the same account and on the same SQS
//     endpoint (the same AWS region, or the same host:port for other
//     servers) as the request queue. Cross-account request/response is rare,
//     and the responder's credentials may be able to write into queues of
//     other accounts whose policies allow it; Options.AllowOtherAccounts
//     lifts this;
//   - in SendResponse, which does not know the request queue, the host must
//     be an AWS SQS endpoint (matched exactly, not by suffix) or a loopback
//     address (a local emulator).
//
// Options.AllowReplyURL replaces all of this with a rule of your own;
// AllowAll allows every well-formed queue URL. A refused reply URL gets a
// *ReplyURLRefusedError and nothing is sent; Serve logs it, counts it and
// deletes the request (it would be refused again).
//
// # Delivery and errors
//
// Requests are delivered at least once by SQS, so a handler may see a
// request twice (the requester returns the first response and deletes
// others). Serve deletes a request only after its response is sent (or when
// none is wanted). A handler error, or panic, leaves the request to SQS to
// redeliver after its visibility timeout (Options.OnHandlerError can
// redeliver it at once or drop it instead); a response that could not be
// sent for a transient reason does the same.
//
// A handler that returns a *ReplyError (or an error wrapping one) answers
// with an error: Serve sends an error reply (the code in the message
// attribute SqstempErrorCode, the message as the body) and deletes the
// request; the caller gets a *requester.RemoteError. JSON builds a Handler
// from a typed function; a body that does not decode gets an error reply
// with code CodeBadRequest.
//
// Handlers run concurrently, so requests from a FIFO queue may be handled out
// of order; set Options.MaxConcurrency to 1 to keep the order of a FIFO
// request queue. A response to a FIFO response queue that has no
// MessageGroupId gets one ("responses"), and the request's MessageId as its
// MessageDeduplicationId if it has none.
//
// A response queue that no longer exists (its requester finished or died)
// gives a *StaleReplyError, matched by errors.Is(err, ErrStaleReply), which
// callers may ignore: it is logged at debug level and counted in
// Stats.StaleReplies. Bad input gets an *sqsapi.InvalidParameterError and no
// SQS call.
//
// # Deadlines
//
// A request made by package requester under a ctx with a deadline carries
// it (message attribute SqstempDeadline, Unix milliseconds). Serve deletes
// a request whose deadline passed more than Options.DeadlineSkew (1 s) ago
// without calling the handler (Stats.Expired), gives the handler a ctx
// with the deadline, and sends no response if the deadline passed while the
// handler ran (Stats.LateReplies): its caller has given up. Requests
// without the attribute (the Java client's) are handled as before.
//
// # Long handlers
//
// While a handler runs, Serve keeps its request invisible to other
// servers: when a third of the visibility timeout is left it extends it by
// the timeout again (ChangeMessageVisibilityBatch, up to 10 requests per
// call), until Options.MaxExtension (1 h) after the request was received.
// The visibility timeout is Options.VisibilityTimeout, or the queue's, read
// once with GetQueueAttributes when Serve starts.
//
// # Health and errors of Serve
//
// Transient receive errors (throttling, network, server errors) are retried
// with backoff, logged at debug level and, after three in a row, at warn
// level. A receive error that retrying cannot fix (the queue does not
// exist, access is denied, a parameter is invalid) stops Serve, which
// returns it wrapped (sqsapi.IsQueueDoesNotExist, sqsapi.IsAccessDenied
// work on it). Stats.ReceiveErrors counts failed receives and
// Stats.LastReceive is the time of the last successful one, for health
// checks.
//
// # Tracing, metrics and logs
//
// Serve makes a span for each request it handles (kind Server, named
// "process <queue name>", with messaging.system "aws_sqs", the destination
// name and the message ID), a child of the caller's span when the request
// carries its trace context (extracted through Options.Propagator); the
// handler's ctx is in it. Metrics (Options.MeterProvider):
// sqstemp.responder.handler.duration, sqstemp.responder.handlers.active,
// sqstemp.responder.handler.errors (error.type "error", "panic" or
// "invalid_response"; error replies are answers, not errors),
// sqstemp.responder.requests.expired and sqstemp.sqs.calls (by
// rpc.method). Without these options the global OpenTelemetry providers are
// used. Logs are quiet by default: routine events (stale replies, expired
// requests, single receive errors) at debug level; warn and above only for
// what an operator should see (handler failures, refused reply URLs,
// persistent receive errors, failed visibility extensions, a Serve that
// stops).
//
// # Cost
//
// Serve receives up to 10 requests per call; concurrent responses to one
// host queue are coalesced into SendMessageBatch while another send to it is
// in flight (at low load each goes out at once); deletes of answered
// requests are batched by 10 and sent within 100 ms. Serve reads the
// queue's visibility timeout once (one GetQueueAttributes). Stats counts
// the calls by operation.
//
// # Shutdown
//
// Serve returns when its ctx ends, after running handlers have finished and
// their responses and the pending deletes have been sent. With
// Options.ShutdownTimeout it waits that long at most: requests whose
// handler still runs then are released to other servers (visibility 0),
// their handler's ctx is cancelled, and Serve returns an error matching
// ErrShutdownTimeout that says how many (also in Stats.Released). A
// Responder holds no goroutine outside SendResponse and Serve, and needs no
// Close.
package responder
