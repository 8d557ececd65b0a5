package sweeper

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Work queue settings.
const (
	// workVisibilityTimeout is the work queue's own visibility timeout, for
	// receivers that give none (older versions); ours give workVisibility.
	workVisibilityTimeout = 60         // seconds
	workMaxReceiveCount   = 5          // receives before a poison message goes to the DLQ
	workRetention         = 86400      // seconds; work is useless after a day
	dlqRetention          = 14 * 86400 // seconds; keep poison messages for inspection
)

// workQueueAttributes are those of a work queue this package creates: FIFO
// with SQS's high-throughput settings (deduplication and throughput per
// message group: every seed, listing page and check has a group of its own
// choosing, so a fleet works on many of them at once), redriving to dlqArn.
func workQueueAttributes(dlqArn string) map[string]string {
	return map[string]string{
		"FifoQueue":              "true",
		"DeduplicationScope":     "messageGroup",
		"FifoThroughputLimit":    "perMessageGroupId",
		"VisibilityTimeout":      strconv.Itoa(workVisibilityTimeout),
		"MessageRetentionPeriod": strconv.Itoa(workRetention),
		"RedrivePolicy":          fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, dlqArn, workMaxReceiveCount),
	}
}

// ensureWorkQueue returns the URL of the work queue, creating it and its DLQ
// if they do not exist (create-or-reuse: a queue created by another client,
// even with other attributes, is reused).
func (s *Sweeper) ensureWorkQueue(ctx context.Context) (string, error) {
	s.mu.Lock()
	url := s.workURL
	s.mu.Unlock()
	if url != "" {
		return url, nil
	}
	s.ensureMu.Lock()
	defer s.ensureMu.Unlock()
	s.mu.Lock()
	url = s.workURL
	s.mu.Unlock()
	if url != "" {
		return url, nil
	}
	url, err := s.createWorkQueue(ctx)
	if err != nil {
		return "", err
	}
	loc, err := sqsapi.ParseQueueURL(url)
	if err != nil {
		return "", fmt.Errorf("sweeper: work queue URL: %w", err)
	}
	s.mu.Lock()
	s.workURL, s.workLoc = url, loc
	s.mu.Unlock()
	return url, nil
}

// forgetWorkQueue drops the cached work queue URL after SQS said the queue
// does not exist, so that the next call recreates it.
func (s *Sweeper) forgetWorkQueue(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.workURL == url {
		s.workURL = ""
		s.log.Warn("work queue is gone; it will be recreated", "queue", url)
	}
}

func (s *Sweeper) createWorkQueue(ctx context.Context) (string, error) {
	if out, err := s.api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &s.workName}); err == nil {
		return deref(out.QueueUrl), nil
	} else if !sqsapi.IsQueueDoesNotExist(err) {
		return "", fmt.Errorf("sweeper: look up work queue %s: %w", s.workName, err)
	}
	dlqURL, err := s.createOrReuse(ctx, s.dlqName, map[string]string{
		"FifoQueue":              "true",
		"MessageRetentionPeriod": strconv.Itoa(dlqRetention),
	})
	if err != nil {
		return "", err
	}
	arnOut, err := s.api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &dlqURL, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		return "", fmt.Errorf("sweeper: read ARN of %s: %w", dlqURL, err)
	}
	arn := arnOut.Attributes[string(types.QueueAttributeNameQueueArn)]
	if arn == "" {
		return "", fmt.Errorf("sweeper: %s has no QueueArn", dlqURL)
	}
	url, err := s.createOrReuse(ctx, s.workName, workQueueAttributes(arn))
	if err != nil {
		return "", err
	}
	s.log.Debug("work queue ready", "queue", url, "dlq", dlqURL)
	return url, nil
}

func (s *Sweeper) createOrReuse(ctx context.Context, name string, attrs map[string]string) (string, error) {
	out, err := s.api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
	if err == nil {
		return deref(out.QueueUrl), nil
	}
	if sqsapi.IsQueueNameExists(err) {
		got, gerr := s.api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
		if gerr == nil {
			return deref(got.QueueUrl), nil
		}
		err = gerr
	}
	return "", fmt.Errorf("sweeper: create %s: %w", name, err)
}

// receive long-polls the work queue for up to wait seconds and returns what
// it got, received with the Sweeper's work visibility timeout.
func (s *Sweeper) receive(ctx context.Context, wait int32) (string, []types.Message, error) {
	url, err := s.ensureWorkQueue(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("sweeper: work queue unavailable: %w", err)
	}
	out, err := s.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:            &url,
		MaxNumberOfMessages: sqsapi.MaxMessagesPerReceive,
		WaitTimeSeconds:     wait,
		VisibilityTimeout:   int32(s.workVisibility().Seconds()),
	})
	if err != nil {
		if sqsapi.IsQueueDoesNotExist(err) {
			s.forgetWorkQueue(url)
		}
		return "", nil, fmt.Errorf("sweeper: receive from %s: %w", url, err)
	}
	return url, out.Messages, nil
}
