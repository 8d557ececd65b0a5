package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/requester"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// echo is the handler of every mode: the response body is the request body.
func echo(_ context.Context, req types.Message) (*sqs.SendMessageInput, error) {
	return &sqs.SendMessageInput{MessageBody: req.Body}, nil
}

// --- lib: this library ---

type libRPC struct {
	e      *env
	req    *requester.Requester
	resp   *responder.Responder
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
}

func setupLib(ctx context.Context, e *env) (rpc, error) {
	r, err := requester.New(ctx, e.caller, func(o *requester.Options) {
		o.Logger = e.log
		o.TempQueue.PollersPerHost = e.cfg.Pollers
	})
	if err != nil {
		return nil, fmt.Errorf("requester.New: %w", err)
	}
	resp := responder.New(e.server, func(o *responder.Options) {
		o.Logger = e.log
		o.MaxConcurrency = max(responder.DefaultMaxConcurrency, e.cfg.Concurrency)
	})
	l := &libRPC{e: e, req: r, resp: resp}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	for range e.servers {
		l.wg.Go(func() {
			if err := resp.Serve(sctx, e.requestURL, responder.HandlerFunc(echo)); err != nil {
				l.mu.Lock()
				l.errs = append(l.errs, err)
				l.mu.Unlock()
			}
		})
	}
	return l, nil
}

func (l *libRPC) call(ctx context.Context, _ int, _, body string) (string, error) {
	m, err := l.req.SendMessageAndGetResponse(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(l.e.requestURL),
		MessageBody: aws.String(body),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(m.Body), nil
}

// LibStats is what the library's own Stats report at the end of the last
// measured window, counted since setup (warm-up included).
type LibStats struct {
	// RequesterCalls and ResponderCalls are the calls by operation that
	// requester.Stats and responder.Stats count.
	RequesterCalls map[string]int64 `json:"requester_calls"`
	ResponderCalls map[string]int64 `json:"responder_calls"`
	// From requester.Stats.
	Requests      int64 `json:"requests"`
	Responses     int64 `json:"responses"`
	Timeouts      int64 `json:"timeouts"`
	Failures      int64 `json:"failures"`
	VirtualQueues int   `json:"virtual_queues"`
	Buffered      int   `json:"buffered"`
	Orphans       int64 `json:"orphans"`
	// From responder.Stats.
	Received       int64 `json:"served"`
	StaleReplies   int64 `json:"stale_replies"`
	RefusedReplies int64 `json:"refused_replies"`
	HandlerErrors  int64 `json:"handler_errors"`
	SendErrors     int64 `json:"send_errors"`
}

func (l *libRPC) stats() *LibStats {
	rs, ss := l.req.Stats(), l.resp.Stats()
	return &LibStats{
		RequesterCalls: rs.Calls, ResponderCalls: ss.Calls,
		Requests: rs.Requests, Responses: rs.Responses, Timeouts: rs.Timeouts, Failures: rs.Failures,
		VirtualQueues: rs.VirtualQueues, Buffered: rs.Buffered, Orphans: rs.Orphans,
		Received: ss.Received, StaleReplies: ss.StaleReplies, RefusedReplies: ss.RefusedReplies,
		HandlerErrors: ss.HandlerErrors, SendErrors: ss.SendErrors,
	}
}

func (l *libRPC) close(ctx context.Context) error {
	l.cancel()
	l.wg.Wait()
	l.mu.Lock()
	errs := l.errs
	l.mu.Unlock()
	return errors.Join(append(errs, l.req.Close(ctx))...)
}

// --- the hand-written server of naive and floor ---

// correlationAttribute carries floor's correlation id; the server copies it
// into the reply.
const correlationAttribute = "CorrelationId"

// server is the hand-written request loop of naive and floor: long-poll up
// to 10 requests; for each, concurrently, send the reply with SendMessage to
// the request's ResponseQueueUrl and delete the request with DeleteMessage;
// repeat.
type server struct {
	api    sqsapi.API
	url    string
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startServer(ctx context.Context, e *env) *server {
	s := &server{api: e.server, url: e.requestURL}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	for range e.servers {
		s.wg.Go(func() { s.loop(sctx) })
	}
	return s
}

func (s *server) loop(ctx context.Context) {
	in := &sqs.ReceiveMessageInput{
		QueueUrl:              aws.String(s.url),
		MaxNumberOfMessages:   10,
		WaitTimeSeconds:       20,
		MessageAttributeNames: []string{"All"},
	}
	for ctx.Err() == nil {
		out, err := s.api.ReceiveMessage(ctx, in)
		if err != nil {
			if ctx.Err() == nil {
				_ = sleep(ctx, 100*time.Millisecond)
			}
			continue
		}
		var wg sync.WaitGroup
		for _, m := range out.Messages {
			wg.Go(func() { s.handle(context.WithoutCancel(ctx), m) })
		}
		wg.Wait()
	}
}

func (s *server) handle(ctx context.Context, m types.Message) {
	reply, ok := m.MessageAttributes[sqsapi.ResponseQueueURLAttribute]
	if ok {
		attrs := map[string]types.MessageAttributeValue{}
		if c, ok := m.MessageAttributes[correlationAttribute]; ok {
			attrs[correlationAttribute] = types.MessageAttributeValue{DataType: c.DataType, StringValue: c.StringValue}
		}
		resp, _ := echo(ctx, m)
		resp.QueueUrl = reply.StringValue
		resp.MessageAttributes = attrs
		if _, err := s.api.SendMessage(ctx, resp); err != nil && !sqsapi.IsQueueDoesNotExist(err) {
			return // left for SQS to redeliver
		}
	}
	_, _ = s.api.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(s.url), ReceiptHandle: m.ReceiptHandle})
}

func (s *server) stop() {
	s.cancel()
	s.wg.Wait()
}

// --- naive: a queue per request ---

type naiveRPC struct {
	e   *env
	srv *server
}

func setupNaive(ctx context.Context, e *env) (rpc, error) {
	return &naiveRPC{e: e, srv: startServer(ctx, e)}, nil
}

func (n *naiveRPC) call(ctx context.Context, _ int, id, body string) (_ string, err error) {
	api := n.e.caller
	q, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("rpcbench-naive-" + n.e.runID + "-" + id)})
	if err != nil {
		return "", fmt.Errorf("create reply queue: %w", err)
	}
	defer func() {
		_, derr := api.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl})
		if derr != nil && err == nil {
			err = fmt.Errorf("delete reply queue: %w", derr)
		}
	}()
	if _, err := api.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(n.e.requestURL),
		MessageBody: aws.String(body),
		MessageAttributes: map[string]types.MessageAttributeValue{
			sqsapi.ResponseQueueURLAttribute: {DataType: aws.String("String"), StringValue: q.QueueUrl},
		},
	}); err != nil {
		return "", fmt.Errorf("send request: %w", err)
	}
	for {
		out, err := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: q.QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 20})
		if err != nil {
			return "", fmt.Errorf("receive response: %w", err)
		}
		if len(out.Messages) == 0 {
			continue
		}
		m := out.Messages[0]
		if _, err := api.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
			return "", fmt.Errorf("delete response: %w", err)
		}
		return aws.ToString(m.Body), nil
	}
}

func (n *naiveRPC) close(context.Context) error {
	n.srv.stop()
	return nil
}

// --- floor: a long-lived reply queue per caller, correlation ids ---

type floorRPC struct {
	e       *env
	srv     *server
	replies []string // reply queue URL per caller
}

func setupFloor(ctx context.Context, e *env) (_ rpc, err error) {
	f := &floorRPC{e: e}
	defer func() {
		if err != nil {
			_ = f.deleteQueues(context.WithoutCancel(ctx))
		}
	}()
	for i := range e.cfg.Concurrency {
		q, err := e.raw.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("rpcbench-floor-%s-%d", e.runID, i))})
		if err != nil {
			return nil, fmt.Errorf("create reply queue: %w", err)
		}
		f.replies = append(f.replies, aws.ToString(q.QueueUrl))
	}
	f.srv = startServer(ctx, e)
	return f, nil
}

func (f *floorRPC) call(ctx context.Context, caller int, id, body string) (string, error) {
	api := f.e.caller
	reply := aws.String(f.replies[caller])
	if _, err := api.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(f.e.requestURL),
		MessageBody: aws.String(body),
		MessageAttributes: map[string]types.MessageAttributeValue{
			sqsapi.ResponseQueueURLAttribute: {DataType: aws.String("String"), StringValue: reply},
			correlationAttribute:             {DataType: aws.String("String"), StringValue: aws.String(id)},
		},
	}); err != nil {
		return "", fmt.Errorf("send request: %w", err)
	}
	for {
		out, err := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: reply, MaxNumberOfMessages: 1, WaitTimeSeconds: 20,
			MessageAttributeNames: []string{correlationAttribute}})
		if err != nil {
			return "", fmt.Errorf("receive response: %w", err)
		}
		for _, m := range out.Messages {
			if _, err := api.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: reply, ReceiptHandle: m.ReceiptHandle}); err != nil {
				return "", fmt.Errorf("delete response: %w", err)
			}
			if c := m.MessageAttributes[correlationAttribute]; aws.ToString(c.StringValue) == id {
				return aws.ToString(m.Body), nil
			}
			// A late reply to an earlier request of this caller: dropped.
		}
	}
}

func (f *floorRPC) close(ctx context.Context) error {
	if f.srv != nil {
		f.srv.stop()
	}
	return f.deleteQueues(ctx)
}

func (f *floorRPC) deleteQueues(ctx context.Context) error {
	var errs []error
	for _, u := range f.replies {
		if _, err := f.e.raw.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)}); err != nil {
			errs = append(errs, err)
		}
	}
	f.replies = nil
	return errors.Join(errs...)
}
