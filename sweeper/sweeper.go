package sweeper

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Errors returned by Sweeper.Start.
var (
	// ErrStarted is returned by Start on a Sweeper that was already started.
	ErrStarted = errors.New("sweeper: already started")
	// ErrStopped is returned by Start on a Sweeper that was stopped.
	ErrStopped = errors.New("sweeper: stopped")
)

// LastSweepTag is the tag on the work queue that holds the start (Unix
// milliseconds) of the last sweep period that was swept. The client that
// takes a seed skips the sweep if the seed's period, or a later one, was
// already swept; this covers what FIFO deduplication cannot: seeds of one
// period sent more than 5 minutes apart (periods longer than the 5-minute
// deduplication window, late starters, redelivered seeds). All Sweepers of a
// prefix should use the same SweepPeriod.
const LastSweepTag = "sqstemp.LastSweptPeriodStart"

// Work queue settings.
const (
	workVisibilityTimeout = 60         // seconds; a failed message is retried after this
	workMaxReceiveCount   = 5          // receives before a poison message goes to the DLQ
	workRetention         = 86400      // seconds; seeds and checks are useless after a day
	dlqRetention          = 14 * 86400 // seconds; keep poison messages for inspection
	sweepGroup            = "sweep"
)

// Sweeper takes part in the fleet-wide sweep of idle queues with its prefix.
// See the package documentation.
type Sweeper struct {
	api      sqsapi.API
	opts     Options
	log      *slog.Logger
	workName string
	dlqName  string

	mu      sync.Mutex
	state   int // 0 new, 1 started, 2 stopped
	cancel  context.CancelFunc
	done    chan struct{}
	workURL string          // "" until known
	workLoc sqsapi.QueueURL // parsed workURL

	ensureMu sync.Mutex // serializes creation of the work queue

	listQueues  atomic.Int64
	sweeps      atomic.Int64
	checks      atomic.Int64
	deleted     atomic.Int64
	badMessages atomic.Int64
	errs        atomic.Int64
}

// NewSweeper returns a Sweeper over api. It does nothing until Start. The api
// should be the plain SQS client (not a Client wrapper): the Sweeper's own
// queues are not temporary.
func NewSweeper(api sqsapi.API, optFns ...func(*Options)) *Sweeper {
	o := resolveOptions(optFns)
	return &Sweeper{
		api:      api,
		opts:     o,
		log:      o.Logger.With("component", "sweeper.Sweeper", "prefix", o.QueuePrefix),
		workName: o.QueuePrefix + workQueueSuffix,
		dlqName:  o.QueuePrefix + dlqSuffix,
	}
}

// WorkQueueName returns the name of the shared work queue for prefix.
func WorkQueueName(prefix string) string { return prefix + workQueueSuffix }

// DeadLetterQueueName returns the name of the work queue's dead-letter queue
// for prefix.
func DeadLetterQueueName(prefix string) string { return prefix + dlqSuffix }

// Stats counts what one Sweeper did.
type Stats struct {
	ListQueuesCalls int64 // ListQueues calls made (pages of a listing)
	Sweeps          int64 // sweeps this Sweeper ran (seeds it took and acted on)
	ChecksPerformed int64 // check messages for acceptable queues this Sweeper handled
	QueuesDeleted   int64 // idle queues this Sweeper deleted
	BadMessages     int64 // malformed, unknown or refused work messages dropped
	Errors          int64 // errors logged (each retried later)
}

// Stats returns counters of what s did so far.
func (s *Sweeper) Stats() Stats {
	return Stats{
		ListQueuesCalls: s.listQueues.Load(),
		Sweeps:          s.sweeps.Load(),
		ChecksPerformed: s.checks.Load(),
		QueuesDeleted:   s.deleted.Load(),
		BadMessages:     s.badMessages.Load(),
		Errors:          s.errs.Load(),
	}
}

// Start starts the Sweeper's two goroutines (a seeder and a work-queue
// receiver). They run until Stop, retrying every error; ctx is used only
// for the duration of Start. Start returns an error only for a bad prefix or
// if the Sweeper was already started or stopped.
func (s *Sweeper) Start(ctx context.Context) error {
	if err := validatePrefix(s.opts.QueuePrefix); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case 1:
		return ErrStarted
	case 2:
		return ErrStopped
	}
	s.state = 1
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done = make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.seedLoop(runCtx) }()
	go func() { defer wg.Done(); s.receiveLoop(runCtx) }()
	go func() { wg.Wait(); close(s.done) }()
	return nil
}

// Stop stops the Sweeper promptly (in-flight long polls and checks are
// cancelled; a check cut short is redelivered to another client) and waits
// for its goroutines to return, or for ctx to end. It is idempotent, and
// safe to call on a Sweeper that was never started.
func (s *Sweeper) Stop(ctx context.Context) error {
	s.mu.Lock()
	wasStarted := s.state == 1
	s.state = 2
	done := s.done
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	if !wasStarted && done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sweeper: stop: %w", ctx.Err())
	}
}

// sleep waits d on the clock, or until ctx ends; it reports whether ctx is
// still alive.
func (s *Sweeper) sleep(ctx context.Context, d time.Duration) bool {
	t := s.opts.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}

// backoff returns the n-th retry delay: 1 s doubling, capped at the sweep
// period (and at one minute), with jitter.
func (s *Sweeper) backoff(n int) time.Duration {
	limit := min(s.opts.SweepPeriod, time.Minute)
	d := time.Second << min(n, 6)
	if d > limit {
		d = limit
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func (s *Sweeper) logErr(msg string, args ...any) {
	s.errs.Add(1)
	s.log.Warn(msg, args...)
}

// period returns the sweep period number of t.
func (s *Sweeper) period(t time.Time) int64 {
	return t.UnixMilli() / max(s.opts.SweepPeriod.Milliseconds(), 1)
}

func (s *Sweeper) periodStart(n int64) time.Time {
	return time.UnixMilli(n * max(s.opts.SweepPeriod.Milliseconds(), 1))
}

// seedJitter spreads the fleet's seeds over the start of a period: up to a
// tenth of the period, at most 5 s (all seeds of one period must land within
// the 5-minute FIFO deduplication window).
func (s *Sweeper) seedJitter() time.Duration {
	j := min(s.opts.SweepPeriod/10, 5*time.Second)
	if j <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(j)))
}

// seedLoop sends a seed for the current period right away, then one at the
// start of every period. Every client sends seeds; FIFO deduplication on the
// period number (and LastSweepTag) make one sweep of them per period.
func (s *Sweeper) seedLoop(ctx context.Context) {
	wait := s.seedJitter()
	for {
		if !s.sleep(ctx, wait) {
			return
		}
		n := s.period(s.opts.Clock.Now())
		if err := s.sendSeed(ctx, n); err != nil && ctx.Err() == nil {
			s.logErr("send sweep seed failed; retrying next period", "period", n, "error", err)
		}
		// Capped at one period, in case the wall clock stepped back.
		wait = min(s.periodStart(n+1).Sub(s.opts.Clock.Now()), s.opts.SweepPeriod) + s.seedJitter()
	}
}

func (s *Sweeper) sendSeed(ctx context.Context, n int64) error {
	url, err := s.ensureWorkQueue(ctx)
	if err != nil {
		return err
	}
	body := workMessage{V: workMessageVersion, Kind: kindSweep, Period: n}.encode()
	dedup := "sweep-" + strconv.FormatInt(n, 10)
	group := sweepGroup
	_, err = s.api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body, MessageGroupId: &group, MessageDeduplicationId: &dedup})
	if sqsapi.IsQueueDoesNotExist(err) {
		s.forgetWorkQueue(url)
	}
	if err != nil {
		return fmt.Errorf("sweeper: send seed to %s: %w", url, err)
	}
	return nil
}

// receiveLoop long-polls the work queue and handles what it receives. It
// never dies: errors are logged and retried with backoff, and a missing work
// queue is recreated.
func (s *Sweeper) receiveLoop(ctx context.Context) {
	failures := 0
	fail := func(msg string, err error) bool {
		if ctx.Err() != nil {
			return false
		}
		s.logErr(msg, "error", err)
		failures++
		return s.sleep(ctx, s.backoff(failures-1))
	}
	wait := int32(s.opts.WorkQueueWaitTime / time.Second)
	earlyEmpty := 0
	for ctx.Err() == nil {
		url, err := s.ensureWorkQueue(ctx)
		if err != nil {
			if !fail("work queue unavailable; retrying", err) {
				return
			}
			continue
		}
		polled := s.opts.Clock.Now()
		out, err := s.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:            &url,
			MaxNumberOfMessages: sqsapi.MaxMessagesPerReceive,
			WaitTimeSeconds:     wait,
		})
		if err != nil {
			if sqsapi.IsQueueDoesNotExist(err) {
				s.forgetWorkQueue(url)
			}
			if !fail("receive from work queue failed; retrying", err) {
				return
			}
			continue
		}
		failures = 0
		// An endpoint that does not honour long polling must not make us
		// spin. One early empty answer is normal (another poller took what
		// woke us); a run of them is not.
		if len(out.Messages) == 0 && s.opts.Clock.Now().Sub(polled) < s.opts.WorkQueueWaitTime/2 {
			if earlyEmpty++; earlyEmpty >= 3 && !s.sleep(ctx, s.backoff(earlyEmpty-3)) {
				return
			}
		} else {
			earlyEmpty = 0
		}
		var done []types.DeleteMessageBatchRequestEntry
		for i, m := range out.Messages {
			if s.handle(ctx, url, m) {
				done = append(done, types.DeleteMessageBatchRequestEntry{Id: ptr(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
			}
		}
		if len(done) > 0 {
			s.deleteHandled(ctx, url, done)
		}
	}
}

// deleteHandled deletes handled work messages. A message whose delete fails
// is redelivered after the visibility timeout and handled again, which is
// harmless (checks are idempotent, sweeps are guarded by LastSweepTag).
func (s *Sweeper) deleteHandled(ctx context.Context, url string, entries []types.DeleteMessageBatchRequestEntry) {
	// Use a context that survives Stop: the work was done, don't redo it.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	out, err := s.api.DeleteMessageBatch(dctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: entries})
	if err != nil {
		s.logErr("delete handled work messages failed", "error", err)
		return
	}
	for _, f := range out.Failed {
		s.logErr("delete handled work message failed", "id", deref(f.Id), "code", deref(f.Code), "message", deref(f.Message))
	}
}

// handle handles one work message and reports whether it should be deleted
// (handled, or refused as bad). A message whose handling failed is left on
// the queue: it is retried after the visibility timeout and lands in the DLQ
// after workMaxReceiveCount attempts.
func (s *Sweeper) handle(ctx context.Context, workURL string, m types.Message) bool {
	wm, err := parseWorkMessage(deref(m.Body))
	if err != nil {
		s.badMessages.Add(1)
		s.log.Warn("dropping bad work message", "messageId", deref(m.MessageId), "error", err)
		return true
	}
	switch wm.Kind {
	case kindSweep:
		err = s.sweep(ctx, workURL, wm.Period)
	case kindCheck:
		if reason := s.refuse(wm.QueueURL); reason != "" {
			s.badMessages.Add(1)
			s.log.Warn("dropping check of a queue this sweeper must not touch", "queue", wm.QueueURL, "reason", reason)
			return true
		}
		s.checks.Add(1)
		err = s.check(ctx, wm.QueueURL)
	}
	if err != nil {
		if ctx.Err() == nil {
			s.logErr("work message failed; it will be retried", "kind", wm.Kind, "error", err)
		}
		return false
	}
	return true
}

// refuse returns why a check of rawURL must not be performed, or "". Only
// queues whose name carries the prefix, that are not the work queue or its
// DLQ, and that live on the same endpoint and account as the work queue are
// ever checked: a check message is untrusted input.
func (s *Sweeper) refuse(rawURL string) string {
	u, err := sqsapi.ParseQueueURL(rawURL)
	if err != nil {
		return "not a queue URL: " + err.Error()
	}
	if !strings.HasPrefix(u.Name, s.opts.QueuePrefix) {
		return "name does not start with the prefix"
	}
	if u.Name == s.workName || u.Name == s.dlqName {
		return "the sweeper's own work queue"
	}
	s.mu.Lock()
	work := s.workLoc
	s.mu.Unlock()
	if work.Host != "" && (u.Host != work.Host || u.Account != work.Account) {
		return "not on the work queue's endpoint and account"
	}
	return ""
}

// sweep lists every queue with the prefix and fans out one check per queue,
// unless a sweep already started in this period (LastSweepTag).
func (s *Sweeper) sweep(ctx context.Context, workURL string, n int64) error {
	tags, err := s.api.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &workURL})
	if err != nil {
		return fmt.Errorf("sweeper: read last sweep of %s: %w", workURL, err)
	}
	start := s.periodStart(n).UnixMilli()
	if last, err := strconv.ParseInt(tags.Tags[LastSweepTag], 10, 64); err == nil && last >= start {
		s.log.Debug("sweep already done for this period", "period", n)
		return nil
	}
	if _, err := s.api.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: &workURL, Tags: map[string]string{
		LastSweepTag: strconv.FormatInt(start, 10),
	}}); err != nil {
		return fmt.Errorf("sweeper: record sweep on %s: %w", workURL, err)
	}
	s.sweeps.Add(1)
	urls, err := s.listAll(ctx)
	if err != nil {
		return err
	}
	var batch []types.SendMessageBatchRequestEntry
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.sendChecks(ctx, workURL, batch)
		batch = batch[:0]
		return err
	}
	queued := 0
	for _, u := range urls {
		if s.refuse(u) != "" {
			continue
		}
		body := workMessage{V: workMessageVersion, Kind: kindCheck, QueueURL: u, Period: n}.encode()
		sum := sha256.Sum256([]byte(u))
		h := hex.EncodeToString(sum[:16])
		batch = append(batch, types.SendMessageBatchRequestEntry{
			Id:                     ptr(strconv.Itoa(len(batch))),
			MessageBody:            &body,
			MessageGroupId:         ptr("check-" + h),
			MessageDeduplicationId: ptr("check-" + strconv.FormatInt(n, 10) + "-" + h),
		})
		queued++
		if len(batch) == sqsapi.MaxBatchEntries {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	s.log.Info("sweep started", "period", n, "queues", len(urls), "checks", queued)
	return nil
}

// listAll lists every queue with the prefix, page by page (1,000 a page,
// following NextToken: no ceiling).
func (s *Sweeper) listAll(ctx context.Context) ([]string, error) {
	var urls []string
	var token *string
	seen := map[string]bool{}
	for {
		s.listQueues.Add(1)
		out, err := s.api.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: &s.opts.QueuePrefix, MaxResults: ptr(int32(1000)), NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("sweeper: list queues with prefix %q: %w", s.opts.QueuePrefix, err)
		}
		urls = append(urls, out.QueueUrls...)
		if out.NextToken == nil || *out.NextToken == "" || seen[*out.NextToken] {
			return urls, nil
		}
		seen[*out.NextToken] = true
		token = out.NextToken
	}
}

// sendChecks sends one batch of checks, retrying failed entries once.
func (s *Sweeper) sendChecks(ctx context.Context, workURL string, entries []types.SendMessageBatchRequestEntry) error {
	for attempt := 0; ; attempt++ {
		out, err := s.api.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &workURL, Entries: entries})
		if err != nil {
			return fmt.Errorf("sweeper: send checks to %s: %w", workURL, err)
		}
		if len(out.Failed) == 0 {
			return nil
		}
		failed := map[string]bool{}
		for _, f := range out.Failed {
			failed[deref(f.Id)] = true
		}
		var retry []types.SendMessageBatchRequestEntry
		for _, e := range entries {
			if failed[deref(e.Id)] {
				retry = append(retry, e)
			}
		}
		if attempt > 0 {
			return fmt.Errorf("sweeper: send checks to %s: %d entries failed, first: %s %s", workURL, len(out.Failed), deref(out.Failed[0].Code), deref(out.Failed[0].Message))
		}
		entries = retry
	}
}

// check applies the deletion rule to queueURL (Rule.Check) and deletes it
// if it is idle.
func (s *Sweeper) check(ctx context.Context, queueURL string) error {
	rule := Rule{SkewMargin: s.opts.SkewMargin, NonEmptyGrace: s.opts.NonEmptyGrace}
	d, deleted, err := rule.Check(ctx, s.api, queueURL, s.opts.Clock.Now, nil)
	if err != nil {
		return err
	}
	switch {
	case deleted:
		s.deleted.Add(1)
		s.log.Info("deleted idle queue", "queue", queueURL, "reason", d.Reason)
	case d.Verdict == Unreadable:
		s.log.Warn("queue has unreadable tags; not deleting it", "queue", queueURL, "reason", d.Reason)
	}
	return nil
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
	url, err := s.createOrReuse(ctx, s.workName, map[string]string{
		"FifoQueue":              "true",
		"VisibilityTimeout":      strconv.Itoa(workVisibilityTimeout),
		"MessageRetentionPeriod": strconv.Itoa(workRetention),
		"RedrivePolicy":          fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, arn, workMaxReceiveCount),
	})
	if err != nil {
		return "", err
	}
	s.log.Info("work queue ready", "queue", url, "dlq", dlqURL)
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

func ptr[T any](v T) *T { return &v }
