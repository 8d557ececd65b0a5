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
// fixed costs are the host queue's heartbeat (one TagQueue per
// HeartbeatInterval) and the poller's long polls while idle (one per 20 s).
//
// # Delivery and errors
//
// A request that gets no response before its ctx ends returns an error for
// which errors.Is(err, context.DeadlineExceeded) (or context.Canceled)
// holds, and leaves nothing behind: a response arriving later is an orphan
// on the private host queue and is deleted. Requests are delivered at least
// once by SQS, so a responder may answer twice; only the first response is
// returned, later ones are deleted as orphans. Bad input gets an
// *sqsapi.InvalidParameterError and no SQS call; SQS errors are wrapped and
// classify with the sqsapi helpers.
//
// # Shutdown
//
// Close makes waiting requests return an error wrapping ErrClosed, sends the
// pending deletes, deletes the host queue and joins every goroutine. It is
// idempotent.
package requester
