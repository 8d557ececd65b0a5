package sweeper

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// LastSweepTag is the tag on the work queue that holds the start (Unix
// milliseconds) of the last sweep period whose listing was completed. The
// Sweeper that takes a seed skips the sweep if the seed's period, or a
// later one, was already swept; this covers what FIFO deduplication cannot:
// seeds of one period sent more than 5 minutes apart (periods longer than
// the 5-minute deduplication window, late starters). All Sweepers of a
// prefix should use the same SweepPeriod.
const LastSweepTag = "sqstemp.LastSweptPeriodStart"

// Listing settings.
const (
	listPageSize = 1000 // ListQueues' maximum
	// fanOutParallelism bounds the SendMessageBatch calls of one page's
	// checks in flight at once (a page is up to 100 of them).
	fanOutParallelism = 8
)

// takeSeed starts the sweep of period n, unless LastSweepTag says that it
// (or a later period) was already swept.
func (s *Sweeper) takeSeed(ctx context.Context, workURL string, n int64) error {
	tags, err := s.tagging().ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &workURL})
	if err != nil {
		return fmt.Errorf("sweeper: read last sweep of %s: %w", workURL, err)
	}
	if last, err := strconv.ParseInt(tags.Tags[LastSweepTag], 10, 64); err == nil && last >= s.periodStart(n).UnixMilli() {
		s.log.Debug("sweep already done for this period", "period", n)
		return nil
	}
	s.sweeps.Add(1)
	return s.listPage(ctx, workURL, n, 1, "")
}

// listPage lists page number page of the queues with the prefix (from
// token, "" for the first), sends the work message for the next page if
// there is one, then fans out one check per queue of this page. So the
// listing of a period moves from process to process, one page each, and
// nobody does O(queues) work; a process that dies mid-page leaves its
// message to be redelivered, and the pages after it go on meanwhile. The
// last page records the period in LastSweepTag.
func (s *Sweeper) listPage(ctx context.Context, workURL string, n, page int64, token string) error {
	s.listQueues.Add(1)
	in := &sqs.ListQueuesInput{QueueNamePrefix: &s.opts.QueuePrefix, MaxResults: ptr(int32(listPageSize))}
	if token != "" {
		in.NextToken = &token
	}
	out, err := s.api.ListQueues(ctx, in)
	if err != nil {
		return fmt.Errorf("sweeper: list queues with prefix %q (page %d): %w", s.opts.QueuePrefix, page, err)
	}
	next := deref(out.NextToken)
	if next == token { // a server that repeats its token would loop forever
		next = ""
	}
	inline := false
	if next != "" {
		if err := validListToken(next); err != nil {
			s.logErr("ListQueues returned a NextToken a work message cannot carry; listing the next page here", "page", page+1, "error", err)
			inline = true
		} else if err := s.sendListPage(ctx, workURL, n, page+1, next); err != nil {
			return err
		}
	}
	sent, err := s.fanOut(ctx, workURL, n, out.QueueUrls)
	if err != nil {
		return err
	}
	s.log.Debug("listed a page of queues", "period", n, "page", page, "queues", len(out.QueueUrls), "checks", sent)
	switch {
	case inline:
		return s.listPage(ctx, workURL, n, page+1, next)
	case next == "":
		s.recordSwept(ctx, workURL, n, page)
	}
	return nil
}

// sendListPage sends the work message for page of period n. Its group and
// deduplication ID name the period and the page, so a page listed twice
// (its message redelivered) sends its successor once.
func (s *Sweeper) sendListPage(ctx context.Context, workURL string, n, page int64, token string) error {
	body := workMessage{V: workMessageVersion, Kind: kindList, Period: n, Page: page, Token: token}.encode()
	id := "list-" + strconv.FormatInt(n, 10) + "-" + strconv.FormatInt(page, 10)
	if _, err := s.api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &workURL, MessageBody: &body, MessageGroupId: &id, MessageDeduplicationId: &id}); err != nil {
		return fmt.Errorf("sweeper: send list page %d to %s: %w", page, workURL, err)
	}
	return nil
}

// recordSwept writes period n into LastSweepTag once its last page is
// listed, unless a later period already began (its own sweep records it). A
// failure is logged, not retried: the tag only saves a late seed's
// duplicate sweep.
func (s *Sweeper) recordSwept(ctx context.Context, workURL string, n, pages int64) {
	if s.period(s.opts.Clock.Now()) > n {
		return
	}
	_, err := s.tagging().TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: &workURL, Tags: map[string]string{
		LastSweepTag: strconv.FormatInt(s.periodStart(n).UnixMilli(), 10),
	}})
	if err != nil {
		if ctx.Err() == nil {
			s.logErr("record the sweep on the work queue failed", "period", n, "error", err)
		}
		return
	}
	s.log.Debug("sweep listed", "period", n, "pages", pages)
}

// fanOut sends one check per acceptable queue of urls, in batches of 10,
// at most fanOutParallelism batches at once, each due at its queue's offset
// into the period (checkOffset). Each check has a message group
// and a deduplication ID of its period and queue: checks of one queue in one
// period are deduplicated, and a check held by a process that died delays
// only that queue, and only until the next period.
func (s *Sweeper) fanOut(ctx context.Context, workURL string, n int64, urls []string) (int, error) {
	var batches [][]types.SendMessageBatchRequestEntry
	var batch []types.SendMessageBatchRequestEntry
	for _, u := range urls {
		if s.refuse(u) != "" {
			continue
		}
		at := s.checkOffset(u).Milliseconds()
		body := workMessage{V: workMessageVersion, Kind: kindCheck, QueueURL: u, Period: n, At: at}.encode()
		sum := sha256.Sum256([]byte(u))
		id := "check-" + strconv.FormatInt(n, 10) + "-" + hex.EncodeToString(sum[:16])
		batch = append(batch, types.SendMessageBatchRequestEntry{
			Id: ptr(strconv.Itoa(len(batch))), MessageBody: &body, MessageGroupId: &id, MessageDeduplicationId: &id,
		})
		if len(batch) == sqsapi.MaxBatchEntries {
			batches, batch = append(batches, batch), nil
		}
	}
	if len(batch) > 0 {
		batches = append(batches, batch)
	}
	var sent atomic.Int64
	err := forEachLimit(len(batches), fanOutParallelism, func(i int) error {
		if err := s.sendChecks(ctx, workURL, batches[i]); err != nil {
			return err
		}
		sent.Add(int64(len(batches[i])))
		s.checksSent.Add(int64(len(batches[i])))
		return nil
	})
	return int(sent.Load()), err
}

// forEachLimit calls fn(0) to fn(n-1), at most limit at once, and returns
// the first error; after an error it starts no more calls.
func forEachLimit(n, limit int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		slots = make(chan struct{}, limit)
	)
	for i := range n {
		slots <- struct{}{}
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			<-slots
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := fn(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
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
		if attempt > 0 {
			return fmt.Errorf("sweeper: send checks to %s: %d entries failed, first: %s %s", workURL, len(out.Failed), deref(out.Failed[0].Code), deref(out.Failed[0].Message))
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
		entries = retry
	}
}
