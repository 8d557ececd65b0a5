package sweeper

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// idleRun runs n Sweepers with default options (each owning one live queue,
// as a process with one host queue) for one simulated hour on sqstest and
// returns the calls each made, by operation, and the times of their
// ReceiveMessage calls.
func idleRun(t *testing.T, n int) ([]map[string]int, [][]time.Time) {
	srv := sqstest.New()
	defer srv.Close()
	for i := range n {
		testutil.CreateQueue(t, srv, fmt.Sprintf("%shost%03d", pfx, i), nil, liveTags())
	}
	logs := make([]*opLog, n)
	fleet := make([]*Sweeper, n)
	for i := range n {
		logs[i] = &opLog{}
		fleet[i] = simSweeper(t, &hookAPI{API: srv, hook: logs[i].hook})
	}
	time.Sleep(time.Hour)
	stopAll(t, fleet...)
	calls := make([]map[string]int, n)
	receives := make([][]time.Time, n)
	for i, l := range logs {
		var at map[string][]time.Time
		calls[i], at = l.snapshot()
		receives[i] = at["ReceiveMessage"]
	}
	return calls, receives
}

// costTable formats calls per process-hour by operation.
func costTable(perHour map[string]float64) string {
	var b strings.Builder
	sum := 0.0
	for _, op := range slices.Sorted(maps.Keys(perHour)) {
		fmt.Fprintf(&b, "  %-30s %7.1f\n", op, perHour[op])
		sum += perHour[op]
	}
	fmt.Fprintf(&b, "  %-30s %7.1f\n", "total", sum)
	return b.String()
}

// TestIdleCostOfSweeping measures the SQS calls of sweeping at idle, with
// default options, for one simulated hour (12 sweep periods): a lone
// process, and a fleet of 100. The Sweeper polls its work queue only in a
// window after each period's start, so a lone idle process makes at most 12
// calls a period (150 an hour with the start-up) and a process of an idle
// fleet well under 100 an hour.
//
//	go test -race -run TestIdleCostOfSweeping -v ./sweeper/
func TestIdleCostOfSweeping(t *testing.T) {
	for _, tt := range []struct {
		processes int
		limit     float64 // calls per process-hour
	}{{1, 150}, {100, 100}} {
		t.Run(fmt.Sprintf("%d processes", tt.processes), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				calls, receives := idleRun(t, tt.processes)
				perHour := map[string]float64{}
				worst := 0
				for _, c := range calls {
					for op, v := range c {
						perHour[op] += float64(v) / float64(tt.processes)
					}
					worst = max(worst, total(c))
				}
				mean := 0.0
				for _, v := range perHour {
					mean += v
				}
				t.Logf("%d idle processes, default options, 1 simulated hour: calls per process-hour by operation (busiest process %d):\n%s",
					tt.processes, worst, costTable(perHour))
				if mean > tt.limit {
					t.Errorf("%.1f calls per process-hour for sweeping, want at most %.0f", mean, tt.limit)
				}
				// Work-queue polls happen only in the window after a period's
				// start: seed jitter (5 s) + minimum window (10 s) + one long
				// poll (20 s) + the work done meanwhile.
				period := sqsapi.DefaultSweepPeriod
				for i, rs := range receives {
					for _, r := range rs {
						if into := r.Sub(r.Truncate(period)); into > time.Minute {
							t.Errorf("process %d polled the work queue %v into a period, outside the window after its start", i, into)
						}
					}
				}
			})
		})
	}
}
