package sweeper

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqstest"
)

// logRecorder is a slog handler that keeps the messages of the records at
// Warn and above.
type logRecorder struct {
	mu      sync.Mutex
	msgs    []string
	records []slog.Record
}

func (r *logRecorder) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, rec.Level.String()+" "+rec.Message)
	r.records = append(r.records, rec.Clone())
	return nil
}
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *logRecorder) WithGroup(string) slog.Handler      { return r }

// count returns how many records start with prefix ("WARN deferring").
func (r *logRecorder) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if strings.HasPrefix(m, prefix) {
			n++
		}
	}
	return n
}

// TestDeletionsDeferredWhileTaggingIsThrottled: once SQS throttled a
// tagging call of the process, an idle queue is not deleted until the
// throttling is older than the queue's retention plus the skew margin (its
// owner may have been throttled too); the deferrals are counted and logged
// once per episode. The same holds while a heartbeat of the process is
// stale.
func TestDeletionsDeferredWhileTaggingIsThrottled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		srv := sqstest.New()
		defer srv.Close()
		const (
			period    = 10 * time.Second
			retention = 30 * time.Second
			skew      = 500 * time.Millisecond
		)
		live := testutil.CreateQueue(t, srv, pfx+"live", nil, liveTags())
		// Idle from 35.5 s: after the throttling at 30 s and a bit (its
		// check would race with the throttled one otherwise).
		testutil.CreateQueue(t, srv, pfx+"dead", nil, tagsAt(retention, start.Add(5*time.Second)))
		logs := &logRecorder{}
		budget, err := NewTagBudget(simBudget, simBudget)
		if err != nil {
			t.Fatal(err)
		}
		s := simSweeper(t, srv, func(o *Options) {
			o.SweepPeriod, o.SkewMargin, o.TagBudget = period, skew, budget
			o.Logger = slog.New(logs)
		})
		// The check of the live queue in the period starting at 30 s is
		// throttled.
		time.Sleep(25 * time.Second)
		srv.InjectFault("ListQueueTags", sqstest.Fault{Times: 1,
			Err:   &types.RequestThrottled{Message: aws.String("Rate exceeded"), ErrorCodeOverride: aws.String("RequestThrottled")},
			Match: func(in any) bool { return aws.ToString(in.(*sqs.ListQueueTagsInput).QueueUrl) == live }})
		for budget.Stats().Throttled == 0 {
			time.Sleep(100 * time.Millisecond)
			if time.Since(start) > 2*time.Minute {
				t.Fatal("the budget never recorded the throttled tagging call")
			}
		}
		throttled := budget.Stats().LastThrottled
		// Idle, but throttling was seen within its retention + margin: kept
		// until 30.5 s after the throttling.
		time.Sleep(time.Until(throttled.Add(retention + skew - time.Second)))
		if !exists(t, srv, pfx+"dead") {
			t.Fatalf("idle queue deleted %v after a throttled tagging call, within its retention + margin", time.Since(throttled))
		}
		st := s.Stats()
		if st.DeletionsDeferred < 2 || logs.count("WARN deferring deletions") != 1 {
			t.Errorf("Stats = %+v, warnings %d; want 2 or more deferrals and one warning", st, logs.count("WARN deferring deletions"))
		}
		for exists(t, srv, pfx+"dead") {
			time.Sleep(100 * time.Millisecond)
		}
		if d := time.Since(throttled); d > retention+skew+period+period/10+time.Second {
			t.Errorf("deleted %v after the throttling, want within the next sweep after retention + margin", d)
		}
		if n := logs.count("INFO deleting idle queues again"); n != 1 {
			t.Errorf("%d records of deletions resuming, want 1", n)
		}

		// A stale heartbeat of this process defers deletions too.
		testutil.CreateQueue(t, srv, pfx+"dead2", nil, tagsAt(retention, start))
		budget.stale.Store(1)
		deferred := s.Stats().DeletionsDeferred
		time.Sleep(3 * period)
		if !exists(t, srv, pfx+"dead2") || s.Stats().DeletionsDeferred < deferred+2 || logs.count("WARN deferring deletions") != 2 {
			t.Fatalf("with a stale heartbeat: exists=%v, %+v, %d warnings", exists(t, srv, pfx+"dead2"), s.Stats(), logs.count("WARN deferring deletions"))
		}
		budget.stale.Store(0)
		for exists(t, srv, pfx+"dead2") {
			time.Sleep(100 * time.Millisecond)
		}
		stopAll(t, s)
	})
}

// TestSweeperTaggingCallsUseTheBudget: every tagging call of a Sweeper (its
// reads and write of LastSweepTag, its checks' tag reads) takes a token of
// the tagging budget, so the account sees no more than the budget allows,
// and the throttling SQS answers is recorded in the budget.
func TestSweeperTaggingCallsUseTheBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := sqstest.New()
		defer srv.Close()
		for i := range 20 {
			testutil.CreateQueue(t, srv, fmt.Sprintf("%sq%02d", pfx, i), nil, liveTags())
		}
		budget, err := NewTagBudget(2, 4)
		if err != nil {
			t.Fatal(err)
		}
		s := simSweeper(t, srv, func(o *Options) { o.SweepPeriod = time.Minute; o.TagBudget = budget })
		for srv.TaggingStats().Calls < 22 {
			time.Sleep(100 * time.Millisecond)
		}
		synctest.Wait()
		tagging := srv.TaggingStats()
		if b := budget.Stats(); b.Taken != tagging.Calls || tagging.Calls < 22 {
			t.Errorf("budget took %d tokens, the server saw %d tagging calls; want equal, 22 or more (LastSweepTag read and write, 20 checks)", b.Taken, tagging.Calls)
		}
		// Rate 2 with a burst of 4, of which the sweep may use the top half.
		if tagging.PeakTPS > 3 {
			t.Errorf("peak tagging rate %d a second, want at most 3 under a budget of 2/s", tagging.PeakTPS)
		}
		stopAll(t, s)
	})

	// Past the account's quota SQS throttles; the budget records it.
	synctest.Test(t, func(t *testing.T) {
		srv := sqstest.New(func(o *sqstest.Options) { o.TaggingQuota, o.TaggingBurst = 1, 1 })
		defer srv.Close()
		for i := range 20 {
			testutil.CreateQueue(t, srv, fmt.Sprintf("%sq%02d", pfx, i), nil, liveTags())
		}
		s := simSweeper(t, srv, func(o *Options) { o.SweepPeriod = time.Minute })
		time.Sleep(30 * time.Second)
		if st, b := srv.TaggingStats(), s.opts.TagBudget.Stats(); st.Throttled == 0 || b.Throttled != st.Throttled {
			t.Errorf("server throttled %d tagging calls, the budget recorded %d; want the same, more than 0", st.Throttled, b.Throttled)
		}
		stopAll(t, s)
	})
}
