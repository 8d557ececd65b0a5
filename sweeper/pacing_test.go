package sweeper

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqstest"
)

func TestCheckOffsetIsStableAndWithinTheWindow(t *testing.T) {
	s := NewSweeper(sqstest.New(), func(o *Options) { o.SweepPeriod = 100 * time.Second })
	var lo, hi time.Duration = time.Hour, 0
	for i := range 1000 {
		u := fmt.Sprintf("https://sqs.us-east-1.amazonaws.com/000000000000/%sq%d", pfx, i)
		at := s.checkOffset(u)
		if at != s.checkOffset(u) {
			t.Fatalf("checkOffset(%s) changes between calls", u)
		}
		if at < 0 || at >= 80*time.Second {
			t.Fatalf("checkOffset(%s) = %v, want within the first 80%% of the period", u, at)
		}
		lo, hi = min(lo, at), max(hi, at)
	}
	if lo > 2*time.Second || hi < 78*time.Second {
		t.Errorf("1000 offsets span %v to %v: not spread over the window", lo, hi)
	}
	// An untrusted offset beyond the window is bounded by it.
	due := s.checkDue(workMessage{Kind: kindCheck, Period: 7, At: int64(time.Hour / time.Millisecond)})
	if want := s.periodStart(7).Add(80 * time.Second); !due.Equal(want) {
		t.Errorf("checkDue of a check an hour into its period = %v, want the window's end %v", due, want)
	}
}

// A sweep of many queues by many Sweepers spreads its checks (tagging
// actions) over the period, instead of checking every queue at once at the
// period start: the account's tagging quota sees a steady rate.
func TestChecksAreSpreadOverThePeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			queues    = 200
			sweepers  = 10
			period    = 5 * time.Minute
			retention = time.Hour
		)
		srv := sqstest.New()
		defer srv.Close()
		start := time.Now()
		for i := range queues {
			testutil.CreateQueue(t, srv, fmt.Sprintf("%sq%03d", pfx, i), nil, tagsAt(retention, start))
		}
		var fleet []*Sweeper
		for range sweepers {
			fleet = append(fleet, simSweeper(t, srv, func(o *Options) { o.SweepPeriod = period }))
		}
		// Skip the start-up sweep; measure a whole period.
		time.Sleep(period - time.Duration(time.Now().UnixNano()%int64(period)))
		srv.ResetCallCounts()
		var checks, held int64
		for _, s := range fleet {
			checks -= s.Stats().ChecksPerformed
			held -= s.Stats().ChecksHeld
		}
		time.Sleep(period - time.Second)
		stopAll(t, fleet...)
		for _, s := range fleet {
			checks += s.Stats().ChecksPerformed
			held += s.Stats().ChecksHeld
		}
		ts := srv.TaggingStats()
		t.Logf("%d checks (%d held until due) in one period; tagging calls %d, peak %d/s", checks, held, ts.Calls, ts.PeakTPS)
		if checks < queues {
			t.Fatalf("%d of %d queues checked within the period", checks, queues)
		}
		if held < queues/2 {
			t.Errorf("only %d checks were held until due: the sweep was not spread", held)
		}
		// 200 checks over 240 s are under 1 a second on average; a burst
		// would do them in a second or two. The peak allows for checks that
		// hash to the same second and the sweep's own LastSweepTag calls.
		if ts.PeakTPS > 8 {
			t.Errorf("peak tagging rate %d/s: checks were not spread over the period", ts.PeakTPS)
		}
	})
}

// Stop hands the checks it holds back to the work queue at once.
func TestStopReleasesHeldChecks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := sqstest.New()
		defer srv.Close()
		for i := range 30 {
			testutil.CreateQueue(t, srv, fmt.Sprintf("%sq%03d", pfx, i), nil, tagsAt(time.Hour, time.Now()))
		}
		s := NewSweeper(srv, func(o *Options) {
			o.QueuePrefix = pfx
			o.Logger = testutil.Logger(t)
			o.SweepPeriod = 10 * time.Minute // 30 checks over 480 s
			o.TagBudget, _ = NewTagBudget(simBudget, simBudget)
		})
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Second)
		synctest.Wait()
		held := s.Stats().ChecksHeld
		if held == 0 {
			t.Fatal("no check held: nothing to release")
		}
		if err := s.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		out, err := srv.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(s.workURL), AttributeNames: messageCountAttributes})
		if err != nil {
			t.Fatal(err)
		}
		if v := out.Attributes["ApproximateNumberOfMessages"]; v == "0" {
			t.Fatalf("after Stop the work queue has %s visible messages (%v), want the %d held checks back", v, out.Attributes, held)
		}
		if inflight := out.Attributes["ApproximateNumberOfMessagesNotVisible"]; inflight != "0" {
			t.Fatalf("after Stop %s work messages are still in flight, want 0", inflight)
		}
	})
}
