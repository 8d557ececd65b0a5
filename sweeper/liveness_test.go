package sweeper

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqstest"
)

// TestDeathHoldingWorkDelaysAtMostOnePeriod: a process dies (every call
// fails from then on) while it holds sweep work: the period's seed, a page
// of the listing, or a batch of checks. The queues of an owner that died
// earlier, idle already, would have been deleted by the first sweep after
// that moment; another process of the fleet still deletes them within two
// sweep periods (+ the seed jitter, a tenth of a period, and the time to
// check the queues listed before them): the work queue's message groups are
// per period (and queue, for checks), so the held message stalls nothing
// else. (It stalled the fleet for the work queue's 60 s visibility timeout
// before, and a check held per queue would stall that queue's checks for
// the 5 s visibility timeout.)
func TestDeathHoldingWorkDelaysAtMostOnePeriod(t *testing.T) {
	const (
		retention = 3 * time.Second
		skew      = 500 * time.Millisecond
		dead      = 5
	)
	for _, tt := range []struct {
		holding string
		period  time.Duration
		queues  int // with the prefix, listed before the dead owner's
		dies    func(op string, in any) bool
	}{
		{"seed", 2 * time.Second, 0, func(op string, in any) bool {
			return op == "ListQueueTags" && strings.HasSuffix(aws.ToString(in.(*sqs.ListQueueTagsInput).QueueUrl), WorkQueueName(pfx))
		}},
		// 1,205 checks a period: a longer period, for one process to do them.
		{"page 2 of the listing", 20 * time.Second, 1200, func(op string, in any) bool {
			return op == "ListQueues" && in.(*sqs.ListQueuesInput).NextToken != nil
		}},
		{"checks", 2 * time.Second, 0, func(op string, in any) bool {
			return op == "ListQueueTags" && !strings.HasSuffix(aws.ToString(in.(*sqs.ListQueueTagsInput).QueueUrl), WorkQueueName(pfx))
		}},
	} {
		t.Run(tt.holding, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := sqstest.New()
				defer srv.Close()
				for i := range tt.queues {
					testutil.CreateQueue(t, srv, fmt.Sprintf("%sother%04d", pfx, i), nil, liveTags())
				}
				var names []string
				for i := range dead { // idle already; last in the listing
					names = append(names, fmt.Sprintf("%szdead%d", pfx, i))
					testutil.CreateQueue(t, srv, names[i], nil, tagsAt(retention, time.Now().Add(-retention-skew-time.Second)))
				}
				period := tt.period
				opts := func(o *Options) { o.SweepPeriod, o.SkewMargin = period, skew }
				killed := make(chan time.Time, 1)
				victim := &hookAPI{API: srv}
				victim.hook = func(op string, in any) error {
					if tt.dies(op, in) {
						victim.kill()
						killed <- time.Now()
						return errKilled
					}
					return nil
				}
				// The victim starts alone, so it takes the first seed and the
				// work after it.
				v := simSweeper(t, victim, opts)
				var kill time.Time
				select {
				case kill = <-killed:
				case <-time.After(time.Minute):
					t.Fatalf("the victim never took the %s", tt.holding)
				}
				survivor := simSweeper(t, srv, opts)
				for existing(t, srv, names) > 0 {
					time.Sleep(10 * time.Millisecond)
					if time.Since(kill) > time.Minute {
						t.Fatalf("queues of the dead owner still there a minute after the kill: %+v", survivor.Stats())
					}
				}
				took := time.Since(kill)
				limit := 2*period + period/10 + time.Duration(tt.queues+dead)*time.Second/simBudget
				t.Logf("holding the %s: idle queues deleted %v after the kill (limit %v); victim %+v; survivor %+v",
					tt.holding, took, limit, v.Stats(), survivor.Stats())
				if took > limit {
					t.Errorf("deleted %v after the kill, want at most %v", took, limit)
				}
				stopAll(t, v, survivor)
			})
		})
	}
}

// TestStopReleasesHeldWork: a Sweeper stopped in the middle of a long check
// returns promptly and hands the check back (visibility 0): another process
// takes it at once, not after the visibility timeout.
func TestStopReleasesHeldWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := sqstest.New()
		defer srv.Close()
		slow := testutil.CreateQueue(t, srv, pfx+"slow", nil, liveTags())
		srv.InjectFault("ListQueueTags", sqstest.Fault{Delay: time.Hour, Times: 1,
			Match: func(in any) bool { return aws.ToString(in.(*sqs.ListQueueTagsInput).QueueUrl) == slow }})
		opts := func(o *Options) { o.SweepPeriod = 10 * time.Second } // work visibility 5 s
		first := simSweeper(t, srv, opts)
		for first.Stats().ChecksPerformed == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		synctest.Wait() // the check waits for its ListQueueTags
		stopped := time.Now()
		stopAll(t, first)
		if d := time.Since(stopped); d > releaseTimeout {
			t.Errorf("Stop took %v", d)
		}
		if st := first.Stats(); st.WorkReleased != 1 {
			t.Fatalf("Stats after Stop = %+v, want WorkReleased 1", st)
		}
		second := simSweeper(t, srv, opts)
		for second.Stats().ChecksPerformed == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		if d := time.Since(stopped); d > 2*time.Second {
			t.Errorf("the released check was taken %v after Stop, want at once (the second Sweeper's first poll), not after the 5 s visibility timeout", d)
		}
		stopAll(t, second)
	})
}

// TestNoBurstOfSweepsAfterAStall: a Sweeper that cannot receive for 10
// periods keeps sending seeds; when it can again, it drops the seeds of the
// past periods and sweeps once, not 10 times back to back.
func TestNoBurstOfSweepsAfterAStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := sqstest.New()
		defer srv.Close()
		testutil.CreateQueue(t, srv, pfx+"q", nil, liveTags())
		const period = 10 * time.Second
		s := simSweeper(t, srv, func(o *Options) { o.SweepPeriod = period })
		for s.Stats().Sweeps == 0 {
			time.Sleep(100 * time.Millisecond)
		}
		srv.InjectFault("ReceiveMessage", sqstest.Fault{Err: fmt.Errorf("network down")})
		time.Sleep(10 * period)
		before := s.Stats()
		srv.ClearFaults()
		time.Sleep(period + period/2)
		after := s.Stats()
		t.Logf("after 10 periods without receives: %+v", after)
		if n := after.Sweeps - before.Sweeps; n > 2 {
			t.Errorf("%d sweeps within 1.5 periods after the stall, want at most 2", n)
		}
		if n := after.StaleWorkDropped - before.StaleWorkDropped; n < 8 {
			t.Errorf("%d stale seeds dropped, want the 8 or more of the past periods", n)
		}
		stopAll(t, s)
	})
}

// TestLongWorkIsExtendedNotRedelivered: a check that takes three times the
// work visibility timeout is extended while it runs, so no other process
// gets it meanwhile.
func TestLongWorkIsExtendedNotRedelivered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now() // a period boundary: the bubble starts at midnight
		srv := sqstest.New()
		defer srv.Close()
		slow := testutil.CreateQueue(t, srv, pfx+"slow", nil, liveTags())
		var reads atomic.Int64
		srv.InjectFault("ListQueueTags", sqstest.Fault{Match: func(in any) bool {
			if aws.ToString(in.(*sqs.ListQueueTagsInput).QueueUrl) == slow {
				reads.Add(1)
			}
			return false // observe only
		}})
		srv.InjectFault("ListQueueTags", sqstest.Fault{Delay: 30 * time.Second, Times: 1,
			Match: func(in any) bool { return aws.ToString(in.(*sqs.ListQueueTagsInput).QueueUrl) == slow }})
		const period = 20 * time.Second // work visibility 10 s
		opts := func(o *Options) { o.SweepPeriod = period }
		a := simSweeper(t, srv, opts)
		for a.Stats().ChecksPerformed == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		b := simSweeper(t, srv, opts)
		time.Sleep(time.Until(start.Add(period - time.Second))) // before the next period's check
		if n := reads.Load(); n != 1 {
			t.Errorf("the slow queue's tags were read %d times in its first period, want once (its check redelivered?)", n)
		}
		if n := srv.CallCounts()["ChangeMessageVisibilityBatch"]; n < 2 {
			t.Errorf("ChangeMessageVisibilityBatch calls = %d, want the visibility extended at least twice", n)
		}
		stopAll(t, a, b)
	})
}

// TestWorkVisibilityFollowsThePeriod: work is received with a visibility
// timeout of half the sweep period, within [5 s, 60 s], so that work held
// by a process that died comes back within the period (or soon, for short
// periods).
func TestWorkVisibilityFollowsThePeriod(t *testing.T) {
	for _, tt := range []struct {
		period time.Duration
		want   int32
	}{{2 * time.Second, 5}, {time.Minute, 30}, {5 * time.Minute, 60}, {time.Hour, 60}} {
		t.Run(tt.period.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := sqstest.New()
				defer srv.Close()
				got := make(chan int32, 100)
				api := &hookAPI{API: srv, hook: func(op string, in any) error {
					if op == "ReceiveMessage" {
						got <- in.(*sqs.ReceiveMessageInput).VisibilityTimeout
					}
					return nil
				}}
				s := simSweeper(t, api, func(o *Options) { o.SweepPeriod = tt.period })
				if v := <-got; v != tt.want {
					t.Errorf("receive with VisibilityTimeout %d, want %d", v, tt.want)
				}
				stopAll(t, s)
			})
		})
	}
}
