package sweeper

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// realisticLatency is a round trip to SQS in the same region, by operation.
func realisticLatency(op string) time.Duration {
	switch op {
	case "ListQueues", "CreateQueue", "DeleteQueue":
		return 60 * time.Millisecond
	case "ReceiveMessage":
		return 10 * time.Millisecond // plus the long poll's wait
	default:
		return 20 * time.Millisecond
	}
}

// scaleQueues is the number of queues of TestFleetSweepsAtScale: 100,000
// with SQSTEMP_LONG=1 (about a minute and a half under -race on a 2-core
// machine), 20,000 otherwise.
func scaleQueues() int {
	if os.Getenv("SQSTEMP_LONG") == "1" {
		return 100_000
	}
	return 20_000
}

// TestFleetSweepsAtScale: a fleet of 20 Sweepers sweeps 100,000 queues under
// one prefix (1% of them idle) within one sweep period of the default 5
// minutes, on sqstest with realistic latency and an account tagging quota
// raised to 1,000 a second (checking 100,000 queues a period takes about 330
// tagging actions a second; the default quota is 5). The listing moves from
// process to process a page at a time, so each process's ListQueues and
// SendMessageBatch calls are bounded by the pages it listed. A process
// killed in the middle of fanning out a page (every call fails from then
// on, then Stop) delays the rest of its page by at most one period: the
// pages after it go on at once, and its own page is listed again once its
// message's visibility timeout has passed, in the next period's poll
// window.
//
//	SQSTEMP_LONG=1 go test -race -run TestFleetSweepsAtScale -v ./sweeper/
func TestFleetSweepsAtScale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			processes = 20
			period    = sqsapi.DefaultSweepPeriod
			deadEvery = 100  // 1% of the queues are idle
			quota     = 1000 // tagging actions a second, for the account
		)
		n := scaleQueues()
		pages := (n + listPageSize - 1) / listPageSize
		begin := time.Now()
		var mu sync.Mutex
		checked := map[string]time.Time{} // queue URL -> first tag read
		var latent atomic.Bool            // no latency while the queues are created
		srv := sqstest.New(func(o *sqstest.Options) {
			o.Latency = func(op string) time.Duration {
				if !latent.Load() {
					return 0
				}
				return realisticLatency(op)
			}
			o.TaggingQuota, o.TaggingBurst = quota, quota
		})
		defer srv.Close()
		srv.InjectFault("ListQueueTags", sqstest.Fault{Match: func(in any) bool {
			u := aws.ToString(in.(*sqs.ListQueueTagsInput).QueueUrl)
			mu.Lock()
			if _, ok := checked[u]; !ok {
				checked[u] = time.Now()
			}
			mu.Unlock()
			return false // observe only
		}})
		var dead []string
		for i := range n {
			name := fmt.Sprintf("%sq%06d", pfx, i)
			tags := liveTags()
			if i%deadEvery == 0 {
				tags = tagsAt(time.Minute, begin.Add(-time.Hour))
				dead = append(dead, name)
			}
			if _, err := srv.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: &name, Tags: tags}); err != nil {
				t.Fatal(err)
			}
		}
		latent.Store(true)
		sweepStart := time.Now().Truncate(period).Add(period)
		time.Sleep(time.Until(sweepStart)) // the fleet starts at a period boundary

		// The victim starts first and alone, so it takes the seed; it dies
		// after 30 of the SendMessageBatch calls of its page's checks.
		var (
			victim    = &hookAPI{API: srv}
			armed     atomic.Bool
			batches   atomic.Int64
			killedAt  atomic.Int64
			victimLog = &opLog{}
		)
		victim.hook = func(op string, in any) error {
			_ = victimLog.hook(op, in)
			if op == "ListQueues" {
				armed.Store(true)
			}
			if op == "SendMessageBatch" && armed.Load() && batches.Add(1) == 30 {
				victim.kill()
				killedAt.Store(time.Now().UnixNano())
				return errKilled
			}
			return nil
		}
		logs := make([]*opLog, processes)
		fleet := make([]*Sweeper, processes)
		start := func(i int, api sqsapi.API) {
			// Each process's tagging budget is its share of the quota.
			budget, err := NewTagBudget(0.8*quota/processes, 0.8*quota/processes)
			if err != nil {
				t.Fatal(err)
			}
			fleet[i] = simSweeper(t, api, func(o *Options) { o.TagBudget = budget })
		}
		logs[0] = victimLog
		start(0, victim)
		for !armed.Load() {
			time.Sleep(10 * time.Millisecond)
		}
		for i := 1; i < processes; i++ {
			logs[i] = &opLog{}
			start(i, &hookAPI{API: srv, hook: logs[i].hook})
		}
		for killedAt.Load() == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		stopAll(t, fleet[0])
		killed := time.Unix(0, killedAt.Load())

		allChecked := func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(checked) >= n+1 // the queues and the work queue
		}
		for !allChecked() && time.Since(sweepStart) < 2*period {
			time.Sleep(time.Second)
		}
		for existing(t, srv, dead) > 0 && time.Since(sweepStart) < 2*period {
			time.Sleep(time.Second)
		}
		took := time.Since(sweepStart)
		mu.Lock()
		var last, lastInPeriod time.Time
		inPeriod := 0
		for u, at := range checked {
			if at.After(last) {
				last = at
			}
			if u != queueURLOf(WorkQueueName(pfx)) && at.Before(sweepStart.Add(period)) {
				inPeriod++
				if at.After(lastInPeriod) {
					lastInPeriod = at
				}
			}
		}
		unchecked := n + 1 - len(checked)
		mu.Unlock()
		stopAll(t, fleet...)

		type row struct{ pages, batches, checks, receives int }
		var rows []row
		var st Stats
		for i, s := range fleet {
			calls, _ := logs[i].snapshot()
			x := s.Stats()
			rows = append(rows, row{calls["ListQueues"], calls["SendMessageBatch"], int(x.ChecksPerformed), calls["ReceiveMessage"]})
			st.ListQueuesCalls += x.ListQueuesCalls
			st.Sweeps += x.Sweeps
			st.ChecksSent += x.ChecksSent
			st.ChecksPerformed += x.ChecksPerformed
			st.QueuesDeleted += x.QueuesDeleted
			st.StaleWorkDropped += x.StaleWorkDropped
			st.Errors += x.Errors
		}
		dist := func(get func(row) int) string {
			var v []int
			for _, r := range rows {
				v = append(v, get(r))
			}
			slices.Sort(v)
			return fmt.Sprintf("min %d, median %d, max %d", v[0], v[len(v)/2], v[len(v)-1])
		}
		var perProcess strings.Builder
		for i, r := range rows {
			fmt.Fprintf(&perProcess, " p%d:%d/%d/%d", i, r.pages, r.batches, r.checks)
		}
		tagging := srv.TaggingStats()
		t.Logf("%d queues (%d pages), %d Sweepers, period %v, victim killed %v into the sweep: %d queues checked within the period (the last %v in); every queue checked %v and the last idle one deleted %v after the sweep began; fleet %+v",
			n, pages, processes, period, killed.Sub(sweepStart).Round(time.Millisecond), inPeriod, lastInPeriod.Sub(sweepStart).Round(time.Second),
			last.Sub(sweepStart).Round(time.Second), took.Round(time.Second), st)
		t.Logf("per process: pages listed (%s), SendMessageBatch (%s), checks (%s), receives (%s); peak tagging %d/s (quota %d)",
			dist(func(r row) int { return r.pages }), dist(func(r row) int { return r.batches }), dist(func(r row) int { return r.checks }),
			dist(func(r row) int { return r.receives }), tagging.PeakTPS, quota)
		t.Logf("pages/SendMessageBatch/checks by process (p0 the victim):%s", perProcess.String())

		// The victim's page waits for its message's visibility timeout, by
		// which time the fleet's poll windows have closed: it is listed
		// again in the next period's window. Everything else is checked
		// within the period.
		if unchecked > 0 || last.Sub(sweepStart) > 2*period {
			t.Errorf("%d queues never checked within two periods", unchecked)
		}
		if inPeriod < n-listPageSize {
			t.Errorf("%d of %d queues checked within the period, want all but the victim's page at most", inPeriod, n)
		}
		if left := existing(t, srv, dead); left > 0 || st.QueuesDeleted != int64(len(dead)) {
			t.Errorf("%d idle queues left, %d deleted; want all %d deleted", left, st.QueuesDeleted, len(dead))
		}
		for i, r := range rows {
			if r.batches > r.pages*listPageSize/sqsapi.MaxBatchEntries {
				t.Errorf("process %d: %d SendMessageBatch calls for %d pages listed", i, r.batches, r.pages)
			}
			if r.pages > pages/2 {
				t.Errorf("process %d listed %d of %d pages: the listing did not spread", i, r.pages, pages)
			}
		}
		if tagging.Throttled > 0 {
			t.Errorf("%d tagging calls throttled under a quota of %d/s", tagging.Throttled, quota)
		}
		if got := existing(t, srv, []string{fmt.Sprintf("%sq%06d", pfx, 1), fmt.Sprintf("%sq%06d", pfx, n-1)}); got != 2 {
			t.Errorf("live queues deleted")
		}
	})
}
