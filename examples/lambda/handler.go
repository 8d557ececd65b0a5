package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// maxConcurrency bounds the records of one event handled at once.
const maxConcurrency = 10

// deadlineSkew is the clock-skew allowance for request deadlines, as
// responder.Options.DeadlineSkew's default: a request whose caller's
// deadline passed more than this long ago is dropped unanswered.
const deadlineSkew = 2 * time.Second

// handler answers the requests of Lambda SQS events.
type handler struct {
	responder *responder.Responder
	// answer computes the response body for a request body. An error
	// makes the record a batch item failure (it is tried again).
	answer func(ctx context.Context, request string) (string, error)
	log    *slog.Logger
}

// upperCase is the example's work: the request body in upper case.
func upperCase(_ context.Context, request string) (string, error) {
	if strings.TrimSpace(request) == "" {
		return "", errors.New("empty request")
	}
	return strings.ToUpper(request), nil
}

// Handle handles every record of ev and reports those that failed as batch
// item failures. It never returns an error: a failure of one record must
// not make Lambda retry the others.
func (h *handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	failed := make([]bool, len(ev.Records))
	sem := make(chan struct{}, maxConcurrency)
	var wg sync.WaitGroup
	for i, rec := range ev.Records {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := h.handleRecord(ctx, rec); err != nil {
				h.log.Warn("request failed; Lambda will retry it", "messageId", rec.MessageId, "err", err)
				failed[i] = true
			}
		})
	}
	wg.Wait()
	var resp events.SQSEventResponse
	for i, f := range failed {
		if f {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
		}
	}
	return resp, nil
}

// handleRecord answers one request. A reply that can never be delivered is
// logged, not returned: retrying would not help.
func (h *handler) handleRecord(ctx context.Context, rec events.SQSMessage) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	req := toMessage(rec)
	if deadline, ok := responder.Deadline(req); ok {
		if time.Now().After(deadline.Add(deadlineSkew)) {
			// Its caller gave up: answering would only make an orphan.
			// Success, so that Lambda deletes it.
			h.log.Debug("request expired; dropped unanswered", "messageId", rec.MessageId, "deadline", deadline)
			return nil
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	body, err := h.answer(ctx, aws.ToString(req.Body))
	if err != nil {
		return err
	}
	if !responder.IsResponseRequested(req) {
		return nil // a one-way message: nobody waits for an answer
	}
	if reason := otherAccount(req, rec.EventSourceARN); reason != "" {
		h.log.Warn("reply queue refused; reply dropped", "messageId", rec.MessageId, "reason", reason)
		return nil
	}
	err = h.responder.SendResponse(ctx, req, &sqs.SendMessageInput{MessageBody: aws.String(body)})
	var refused *responder.ReplyURLRefusedError
	switch {
	case errors.Is(err, responder.ErrStaleReply):
		h.log.Info("requester gone; reply dropped", "messageId", rec.MessageId, "err", err)
		return nil
	case errors.As(err, &refused):
		h.log.Warn("reply queue refused; reply dropped", "messageId", rec.MessageId, "url", refused.URL, "reason", refused.Reason)
		return nil
	}
	return err
}

// otherAccount says why the reply queue req names is not in the account and
// region of the request queue sourceARN (the record's eventSourceARN), or ""
// if it is: Serve answers only there unless told otherwise, and so does this
// function. A reply URL outside any AWS region (a local emulator's) is
// compared by account only; without a source ARN there is nothing to
// compare with, and the responder's own rule (the queue prefix) decides.
func otherAccount(req types.Message, sourceARN string) string {
	parts := strings.Split(sourceARN, ":") // arn:aws:sqs:REGION:ACCOUNT:NAME
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" {
		return ""
	}
	region, account := parts[3], parts[4]
	raw := aws.ToString(req.MessageAttributes[sqsapi.ResponseQueueURLAttribute].StringValue)
	if host, _, ok := virtualqueue.ParseURL(raw); ok {
		raw = host
	}
	q, err := sqsapi.ParseQueueURL(raw)
	switch {
	case err != nil:
		return "" // the responder refuses it, saying why
	case q.Account != account:
		return "account " + q.Account + " is not the request queue's " + account
	case q.Region() != "" && q.Region() != region:
		return "region " + q.Region() + " is not the request queue's " + region
	}
	return ""
}
