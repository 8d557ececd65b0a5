// Package requester sends requests over SQS and waits for their responses:
// the requesting half of request/response RPC over SQS, wire-compatible with
// the Java AmazonSQSRequester (a responder of either kind can answer).
//
//	r, err := requester.New(ctx, sqsClient)
//	if err != nil { ... }
//	defer r.Close(ctx)
//	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
//	defer cancel()
//	resp, err := r.SendMessageAndGetResponse(ctx, &sqs.SendMessageInput{
//		QueueUrl:    aws.String(requestQueueURL),
//		MessageBody: aws.String("login alice"),
//	})
//	if errors.Is(err, context.DeadlineExceeded) { /* no response in time */ }
//
// # How it works, and what it costs
//
// A Requester owns one temporary host queue (package tempqueue, created by
// New) read by one long-polling poller, however many requests are in flight.
// Each request gets its own virtual response queue on that host, created
// before the request is sent (no SQS call). The request carries the message
// attribute ResponseQueueUrl (String) with the virtual queue's URL
// "<host URL>#<name>"; the responder sends its response to the host with the
// virtual queue name attribute, the poller dispatches it to the waiting
// request, the response is deleted (batched, off the critical path) and the
// virtual queue removed (no SQS call).
//
// Per request that is one SendMessage (coalesced into SendMessageBatch with
// concurrent requests to the same queue while one is in flight, sent at once
// otherwise), a share of the poller's receives (up to 10 responses per
// call), and a share of DeleteMessageBatch calls (up to 10 per call). The
// fixed costs are the host queue's heartbeat (one TagQueue about every
// quarter of its retention period, 75 s by default) and this process's part
// in the fleet's sweep (a seed and a long poll or two each sweep period);
// the host is long-polled only while requests wait for responses (and for
// one more long poll after the last), so an idle requester makes no
// ReceiveMessage on it.
//
// # Delivery and errors
//
// A request that gets no response before its ctx ends returns an error for
// which errors.Is(err, context.DeadlineExceeded) (or context.Canceled)
// holds, and leaves nothing behind: a response arriving as the ctx ends is
// returned or deleted, and one arriving later is an orphan on the private
// host queue and is deleted. Requests are delivered at least once by SQS, so
// a responder may answer twice; only the first response is returned, later
// ones are deleted as orphans. The response host queue's visibility
// timeout is short (Options.ResponseVisibilityTimeout, 5 s), so that
// responses hidden by a receive whose answer was lost on the network come
// back within seconds. Bad input gets an *sqsapi.InvalidParameterError and
// no SQS call; SQS errors are wrapped and classify with the sqsapi helpers.
//
// # Deadlines, error replies and typed calls
//
// A request made under a ctx with a deadline carries it in the message
// attribute SqstempDeadline (Number, Unix milliseconds), which counts
// against SQS's limit of 10 attributes: such a request may carry 8
// attributes of its own (9 without a deadline; ResponseQueueUrl takes one).
// responder.Serve deletes a request whose deadline has passed without
// handling it, and gives the handler a ctx with the deadline. Responders
// that do not know the attribute (the Java client's) ignore it.
//
// A handler that answers with a responder.ReplyError sends an error reply
// (its code in the attribute SqstempErrorCode, its message as the body);
// SendMessageAndGetResponse returns it as a *RemoteError:
//
//	var remote *requester.RemoteError
//	if errors.As(err, &remote) && remote.Code == "NotFound" { ... }
//
// Call is the typed form for a responder serving responder.JSON: it sends
// a Go value as JSON and decodes the JSON response into another.
//
// # Tracing and metrics
//
// Each call is a span (kind Client, named "call <queue name>", with the
// messaging attributes messaging.system "aws_sqs", the destination name and
// the request's message ID) from Options.TracerProvider, and its trace
// context travels in the request's message attributes through
// Options.Propagator (by default the W3C traceparent, one attribute) when
// there is room for it among the 10: a request never fails for want of
// room; it goes without, and Stats.TraceContextSkipped counts it. Metrics
// (Options.MeterProvider): sqstemp.requester.call.duration (histogram, s;
// error.type on failures), sqstemp.requester.calls.active,
// sqstemp.requester.orphans, sqstemp.requester.trace_context.skipped and
// sqstemp.sqs.calls (by rpc.method). Without these options the global
// OpenTelemetry providers are used, which do nothing until the application
// installs an SDK. Stats reports the same counts without OpenTelemetry.
//
// # Shutdown
//
// Close makes waiting requests return an error wrapping ErrClosed, sends the
// pending deletes, deletes the host queue and joins every goroutine. It is
// idempotent.
package requester
