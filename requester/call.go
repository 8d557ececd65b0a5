package requester

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqstemp/sqstemp/internal/rpcotel"
	"github.com/sqstemp/sqstemp/internal/rpcwire"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// SendMessageAndGetResponse sends the request in and waits for its response.
//
// It creates a virtual response queue (no SQS call), sends in with the
// message attribute ResponseQueueUrl naming it (concurrent requests to the
// same queue are coalesced into SendMessageBatch calls), and waits until a
// response arrives on it or ctx ends. The response message is deleted in the
// background (batched) and the response queue deleted before it returns.
//
// If ctx has a deadline, the request carries it (attribute SqstempDeadline),
// and a responder.Serve drops the request unhandled once it has passed. If
// the trace context of ctx fits among the request's attributes, it is added
// through Options.Propagator. An error reply (the handler returned a
// responder.ReplyError) is returned as a *RemoteError.
//
// If ctx ends first, the error satisfies errors.Is(err, context.DeadlineExceeded)
// (or context.Canceled) and nothing is left behind: a response that arrives
// later is deleted as an orphan. in is not modified; it must not carry the
// ResponseQueueUrl or SqstempDeadline attributes itself, and may carry at
// most 9 attributes (8 if ctx has a deadline). optFns apply to the request's
// SendMessage (which then is not coalesced).
func (r *Requester) SendMessageAndGetResponse(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*types.Message, error) {
	deadline, hasDeadline := ctx.Deadline()
	req, err := validateRequest(in, hasDeadline)
	if err != nil {
		return nil, fmt.Errorf("requester: %w", err)
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	r.inflight.Add(1)
	r.mu.Unlock()
	defer r.inflight.Done()
	r.requests.Add(1)
	r.pending.Add(1)
	defer r.pending.Add(-1)

	target := aws.ToString(req.QueueUrl)
	queue, start := rpcotel.QueueName(target), time.Now()
	ctx, span := r.tel.startCall(ctx, queue)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(r.closing, cancel)
	defer stop()
	if hasDeadline {
		req.MessageAttributes[sqsapi.DeadlineAttribute] = rpcwire.DeadlineValue(deadline)
	}

	m, err := r.roundTrip(ctx, span, req, optFns)
	var remote *RemoteError
	switch {
	case err == nil:
		r.responses.Add(1)
	case errors.As(err, &remote):
		r.remoteErrors.Add(1)
	case r.closing.Err() != nil:
		r.failures.Add(1)
		err = fmt.Errorf("requester: request to %s: %w", target, ErrClosed)
	case ctx.Err() != nil:
		r.timeouts.Add(1)
	default:
		r.failures.Add(1)
	}
	r.tel.endCall(ctx, span, queue, start, err)
	return m, err
}

// roundTrip does the work of SendMessageAndGetResponse under ctx.
func (r *Requester) roundTrip(ctx context.Context, span trace.Span, req *sqs.SendMessageInput, optFns []func(*sqs.Options)) (*types.Message, error) {
	target := aws.ToString(req.QueueUrl)
	out, err := r.tq.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String(r.queueName("r" + strconv.FormatUint(r.seq.Add(1), 36))),
		Attributes: r.opts.ResponseQueueAttributes,
	})
	if err != nil {
		return nil, fmt.Errorf("requester: create response queue: %w", err)
	}
	replyURL := aws.ToString(out.QueueUrl)
	defer func() {
		// Local: no SQS call. A response arriving later is an orphan.
		_, _ = r.tq.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: &replyURL})
	}()
	req.MessageAttributes[sqsapi.ResponseQueueURLAttribute] = types.MessageAttributeValue{
		DataType: aws.String("String"), StringValue: aws.String(replyURL)}
	if _, skipped := rpcwire.Inject(ctx, r.tel.propagator, req.MessageAttributes); skipped {
		r.traceSkipped.Add(1)
		r.tel.skipped.Add(ctx, 1)
	}

	sent, err := r.sender.SendMessage(ctx, req, optFns...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("requester: send request to %s: %w", target, ctx.Err())
		}
		return nil, fmt.Errorf("requester: send request to %s: %w", target, err)
	}
	span.SetAttributes(rpcotel.MessageID(aws.ToString(sent.MessageId)))
	return r.awaitResponse(ctx, target, replyURL)
}

// awaitResponse waits for the response on the virtual queue at replyURL.
func (r *Requester) awaitResponse(ctx context.Context, target, replyURL string) (*types.Message, error) {
	rin := &sqs.ReceiveMessageInput{
		QueueUrl:                    &replyURL,
		MaxNumberOfMessages:         1,
		WaitTimeSeconds:             sqsapi.MaxWaitTimeSeconds,
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	}
	for {
		got, err := r.tq.ReceiveMessage(ctx, rin)
		if err == nil && len(got.Messages) > 0 {
			// Returned even if ctx ended at this very moment: a response in
			// hand is never left in flight to come back as an orphan.
			return r.takeResponse(got.Messages[0])
		}
		if ctx.Err() != nil {
			r.discardArrived(ctx, replyURL)
			return nil, fmt.Errorf("requester: no response to request sent to %s: %w", target, ctx.Err())
		}
		if err != nil {
			return nil, fmt.Errorf("requester: receive response from %s: %w", replyURL, err)
		}
	}
}

// takeResponse deletes the response m (batched, off the critical path) and
// returns it as the caller sees it: without the routing attribute, with
// the MD5OfMessageAttributes of the attributes it still has, or as a
// *RemoteError if it is an error reply.
func (r *Requester) takeResponse(m types.Message) (*types.Message, error) {
	r.acker.Delete(r.hostURL, aws.ToString(m.ReceiptHandle))
	if code, ok := rpcwire.ErrorCode(m.MessageAttributes); ok {
		return nil, &RemoteError{Code: code, Message: aws.ToString(m.Body)}
	}
	if _, ok := m.MessageAttributes[sqsapi.VirtualQueueNameAttribute]; ok {
		m.MessageAttributes = maps.Clone(m.MessageAttributes)
		delete(m.MessageAttributes, sqsapi.VirtualQueueNameAttribute)
		m.MD5OfMessageAttributes = nil
		if sum := sqsapi.MD5OfMessageAttributes(m.MessageAttributes); sum != "" {
			m.MD5OfMessageAttributes = aws.String(sum)
		}
	}
	return &m, nil
}

// discardArrived deletes responses that reached the virtual queue at
// replyURL after its caller stopped waiting, so that none is left in flight
// to come back later as an orphan. It makes no SQS call when there are none.
func (r *Requester) discardArrived(ctx context.Context, replyURL string) {
	got, err := r.tq.ReceiveMessage(context.WithoutCancel(ctx), &sqs.ReceiveMessageInput{
		QueueUrl: &replyURL, MaxNumberOfMessages: sqsapi.MaxMessagesPerReceive})
	if err != nil {
		return
	}
	for _, m := range got.Messages {
		r.acker.Delete(r.hostURL, aws.ToString(m.ReceiptHandle))
		r.late.Add(1)
	}
}
