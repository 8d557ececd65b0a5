package responder

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// warnAfter is the number of consecutive failed receives after which Serve
// logs at warn level (the first ones are routine: the SDK retried already,
// and the network or SQS has a bad moment).
const warnAfter = 3

// startReceiver starts a receiver: the first (surge false) runs until ctx
// ends; a surge receiver, started when a receive came back full, also stops
// after its first receive that does not. It reports whether one started.
func (s *server) startReceiver(ctx context.Context, surge bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if surge && (s.nrecv >= s.r.opts.MaxReceivers || ctx.Err() != nil) {
		return false
	}
	s.nrecv++
	s.receivers.Add(1)
	go func() {
		defer func() {
			s.mu.Lock()
			s.nrecv--
			s.mu.Unlock()
			s.receivers.Done()
		}()
		s.receive(ctx, surge)
	}()
	return true
}

func (s *server) receive(ctx context.Context, surge bool) {
	in := &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(s.queueURL),
		WaitTimeSeconds:             s.r.opts.waitTimeSeconds(),
		VisibilityTimeout:           s.receiveVT,
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	}
	failures := 0
	for {
		n, ok := s.takeSlots(ctx)
		if !ok {
			return
		}
		in.MaxNumberOfMessages = int32(n)
		out, err := s.r.calls.ReceiveMessage(ctx, in)
		got := 0
		if err == nil {
			got = len(out.Messages)
		}
		for range n - got {
			<-s.slots
		}
		if err != nil {
			if ctx.Err() != nil || !s.retryReceive(ctx, err, &failures) {
				return
			}
			continue
		}
		now := time.Now()
		s.r.lastReceive.Store(now.UnixNano())
		if failures >= warnAfter {
			s.log.Info("responder: receiving requests again", "failedReceives", failures)
		}
		failures = 0
		if got == sqsapi.MaxMessagesPerReceive && s.startReceiver(ctx, true) {
			s.r.surges.Add(1)
		}
		s.r.received.Add(int64(got))
		for _, m := range out.Messages {
			s.start(ctx, m, now)
		}
		if surge && got < sqsapi.MaxMessagesPerReceive {
			return
		}
	}
}

// takeSlots waits for one free handler slot, then takes up to 10.
func (s *server) takeSlots(ctx context.Context) (int, bool) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return 0, false
	}
	n := 1
	for n < sqsapi.MaxMessagesPerReceive {
		select {
		case s.slots <- struct{}{}:
			n++
			continue
		default:
		}
		break
	}
	return n, true
}

// retryReceive deals with a failed receive: it stops Serve (returning
// false) if retrying cannot help, and otherwise waits out a backoff.
func (s *server) retryReceive(ctx context.Context, err error, failures *int) bool {
	s.r.receiveErrors.Add(1)
	if permanent(err) {
		s.mu.Lock()
		if s.fatal == nil {
			s.fatal = err
		}
		s.mu.Unlock()
		s.log.Error("responder: receiving requests failed and retrying cannot help; Serve stops", "err", err)
		s.stopReceiving()
		return false
	}
	*failures++
	d := backoff(*failures)
	if *failures == warnAfter {
		s.log.Warn("responder: receiving requests keeps failing; retrying", "attempt", *failures, "backoff", d, "err", err)
	} else {
		s.log.Debug("responder: receive requests failed; retrying", "attempt", *failures, "backoff", d, "err", err)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// permanent reports whether a receive error is one that retrying cannot fix:
// the queue does not exist, access is denied, or a parameter is invalid.
func permanent(err error) bool {
	if sqsapi.IsQueueDoesNotExist(err) || sqsapi.IsAccessDenied(err) || sqsapi.IsInvalidParameter(err) {
		return true
	}
	var invalid smithy.InvalidParamsError
	var invalidPtr *smithy.InvalidParamsError
	return errors.As(err, &invalid) || errors.As(err, &invalidPtr)
}

// backoff returns the wait before retry number attempt: exponential from
// 100 ms, capped at 20 s, with equal jitter.
func backoff(attempt int) time.Duration {
	d := 20 * time.Second
	if attempt < 9 {
		d = min(100*time.Millisecond<<(attempt-1), d)
	}
	return d/2 + rand.N(d/2+1)
}

// start starts the handler of a request received at received.
func (s *server) start(ctx context.Context, m types.Message, received time.Time) {
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	q := &request{m: m, handle: aws.ToString(m.ReceiptHandle), ctx: base, cancel: cancel, received: received}
	s.admit(q)
	s.r.inFlight.Add(1)
	s.r.tel.active.Add(ctx, 1)
	go func() {
		defer func() {
			s.finish(q)
			s.r.inFlight.Add(-1)
			s.r.tel.active.Add(base, -1)
			<-s.slots
		}()
		s.handle(q)
	}()
}
