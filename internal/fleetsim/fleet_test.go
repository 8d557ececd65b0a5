package fleetsim

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/requester"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/sweeper"
	"github.com/sqstemp/sqstemp/tempqueue"
)

// config is one fleet simulation.
type config struct {
	processes int           // tempqueue clients and requesters, half each
	duration  time.Duration // simulated time from the first start
	killed    float64       // fraction of the processes killed at random moments
	quota     float64       // the account's tagging quota, actions per second
	latency   time.Duration // every SQS call's round trip
	seed      uint64
}

// Defaults of the library the simulation runs with (none is overridden).
const (
	retention = 300 * time.Second // tempqueue's IdleQueueRetentionPeriod
	period    = 5 * time.Minute   // the sweep period
	skew      = 10 * time.Second  // the sweeper's SkewMargin
	// deadline is how long after its owner's death a queue may live.
	deadline = retention + 2*period
	// startSpread: processes start over the first minutes, as a fleet
	// deploys, not all in the same second.
	startSpread = 5 * time.Minute
)

// process is one simulated process of the fleet.
type process struct {
	id       int
	api      *procAPI
	tq       *tempqueue.Client    // a tempqueue client, or
	rq       *requester.Requester // a requester
	budget   *sweeper.TagBudget
	busy     bool      // sends requests now and then (requesters only)
	startAt  time.Time // when it started
	killAt   time.Time // zero if it lives to the end
	hosts    []string  // the host queues it created
	closed   chan struct{}
	startErr error
}

func (p *process) alive(at time.Time) bool { return p.killAt.IsZero() || at.Before(p.killAt) }

// stats are the life-cycle layer's counters of the process.
func (p *process) stats() (tempqueue.Stats, bool) {
	switch {
	case p.tq != nil:
		return p.tq.Stats(), true
	case p.rq != nil:
		return p.rq.Stats().TempQueue, true
	}
	return tempqueue.Stats{}, false
}

// result is what a simulation measured.
type result struct {
	processes, killed     int
	hosts                 int
	liveDeleted           int           // queues deleted while their owner lived
	liveRecovered         int64         // queues live owners had to recreate or fail over
	deadLeft              int           // dead owners' queues still there deadline after the death
	slowestDeletion       time.Duration // longest time from a death to its queue's deletion
	peakTagTPS, peakAsked int64
	throttled             int64
	listQueuesPerPeriod   float64
	idleCallsPerHour      float64 // per idle process-hour, in the second hour
	idleByOp              map[string]float64
	staleHeartbeats       int64 // stale-heartbeat episodes over the fleet
	deferredDeletions     int64
}

func (r result) row(name string, quota float64) string {
	return fmt.Sprintf("| %s | %.0f | %d | %d | %d | %d | %d | %d (%d asked) | %d | %.2f | %.1f |",
		name, quota, r.processes, r.killed, r.hosts, r.liveDeleted+int(r.liveRecovered), r.deadLeft, r.peakTagTPS, r.peakAsked,
		r.throttled, r.listQueuesPerPeriod, r.idleCallsPerHour)
}

// runFleet runs one simulation inside a synctest bubble: fake time, real
// goroutines, the library's default options.
func runFleet(t *testing.T, cfg config) result {
	var res result
	synctest.Test(t, func(t *testing.T) {
		res = simulate(t, cfg)
	})
	return res
}

func simulate(t *testing.T, cfg config) result {
	var res result
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(cfg.seed, 1))
	srv := sqstest.New(func(o *sqstest.Options) {
		o.Latency = func(string) time.Duration { return cfg.latency }
		o.TaggingQuota = cfg.quota
	})
	defer srv.Close()
	var deletions ledger
	t0 := time.Now()

	// The service the requesters call: two responders on a request queue.
	reqQueue := testutil.CreateQueue(t, srv, "requests", nil, nil)
	serveCtx, stopServing := context.WithCancel(ctx)
	var serving sync.WaitGroup
	for range 2 {
		r := responder.New(srv, func(o *responder.Options) { o.Logger = testutil.Quiet })
		serving.Go(func() {
			_ = r.Serve(serveCtx, reqQueue, responder.HandlerFunc(func(_ context.Context, m types.Message) (*sqs.SendMessageInput, error) {
				return &sqs.SendMessageInput{MessageBody: m.Body}, nil
			}))
		})
	}

	procs := make([]*process, cfg.processes)
	lastKill := max(cfg.duration-deadline-time.Minute, startSpread+time.Minute)
	for i := range procs {
		p := &process{id: i, api: newProcAPI(i, srv, &deletions), closed: make(chan struct{})}
		p.startAt = t0.Add(time.Duration(rnd.Int64N(int64(startSpread))))
		if rnd.Float64() < cfg.killed {
			p.killAt = p.startAt.Add(time.Minute + time.Duration(rnd.Int64N(int64(lastKill-startSpread))))
		}
		p.busy = i%2 == 1 && rnd.IntN(4) == 0 // a quarter of the requesters call the service
		procs[i] = p
	}

	var fleet sync.WaitGroup
	for _, p := range procs {
		seed := rnd.Uint64()
		fleet.Go(func() { runProcess(ctx, t, cfg, p, reqQueue, seed) })
	}

	// Snapshot the calls at the end of the first hour, to measure the idle
	// cost over the second one.
	time.Sleep(time.Hour - time.Since(t0))
	firstHour := make([]map[string]int64, len(procs))
	for i, p := range procs {
		firstHour[i] = p.api.api.Calls()
	}
	time.Sleep(cfg.duration - time.Since(t0))
	end := time.Now()
	listings := srv.CallCounts()["ListQueues"]
	tagging := srv.TaggingStats()

	// Judge before anyone closes (Close deletes a live process's hosts).
	owner := map[string]*process{}
	for _, p := range procs {
		for _, h := range p.hosts {
			owner[h] = p
		}
		res.hosts += len(p.hosts)
	}
	deletedAt := map[string]time.Time{}
	for _, d := range deletions.all() {
		p := owner[d.url]
		if p == nil {
			continue // not a host queue (the sweeper's own queues are never deleted)
		}
		deletedAt[d.url] = d.at
		if p.alive(d.at) {
			res.liveDeleted++
			t.Errorf("live queue %s of process %d deleted at %v by process %d", d.url, p.id, d.at.Sub(t0), d.by)
		}
	}
	for _, p := range procs {
		if !p.killAt.IsZero() {
			res.killed++
			if p.killAt.Add(deadline).After(end) {
				continue
			}
			for _, h := range p.hosts {
				at, ok := deletedAt[h]
				switch {
				case !ok:
					res.deadLeft++
				case at.Sub(p.killAt) > deadline:
					res.deadLeft++
				default:
					res.slowestDeletion = max(res.slowestDeletion, at.Sub(p.killAt))
				}
			}
			continue
		}
		st, ok := p.stats()
		if !ok {
			t.Errorf("process %d never started: %v", p.id, p.startErr)
			continue
		}
		res.liveRecovered += st.Heartbeats.Recreated + st.Heartbeats.FailedOver
		res.staleHeartbeats += st.Heartbeats.StaleHeartbeats
		res.deferredDeletions += st.Sweeper.DeletionsDeferred
	}

	// The idle cost: calls in the second hour of the processes that never
	// called the service and lived to the end.
	res.idleByOp = map[string]float64{}
	idle := 0
	for i, p := range procs {
		if p.busy || !p.killAt.IsZero() {
			continue
		}
		idle++
		for op, n := range p.api.api.Calls() {
			res.idleByOp[op] += float64(n - firstHour[i][op])
		}
	}
	for op, n := range res.idleByOp {
		res.idleByOp[op] = n / float64(idle)
		res.idleCallsPerHour += res.idleByOp[op]
	}
	res.processes = len(procs)
	res.peakTagTPS, res.peakAsked, res.throttled = tagging.PeakTPS, tagging.PeakRequestedTPS, tagging.Throttled
	res.listQueuesPerPeriod = float64(listings) / (cfg.duration.Seconds() / period.Seconds())

	for _, p := range procs {
		close(p.closed)
	}
	fleet.Wait()
	stopServing()
	serving.Wait()
	return res
}

// runProcess starts p at its start time, runs it (calling the service now
// and then if it is busy), kills it at its kill time, and closes it when the
// simulation ends (a killed process's Close makes no call: every call fails).
func runProcess(ctx context.Context, t *testing.T, cfg config, p *process, reqQueue string, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, uint64(p.id)))
	time.Sleep(time.Until(p.startAt))
	budget, err := sweeper.NewTagBudget(sweeper.DefaultTagRate, sweeper.DefaultTagBurst)
	if err != nil {
		p.startErr = err
		return
	}
	p.budget = budget
	tqOpts := func(o *tempqueue.Options) {
		o.Logger = testutil.Quiet
		o.TagBudget = budget
	}
	if p.id%2 == 0 {
		p.tq, err = tempqueue.New(ctx, p.api, tqOpts)
		if err == nil {
			err = createVirtualQueues(ctx, p.tq, 1+rnd.IntN(3))
		}
		if err == nil {
			p.hosts = p.tq.HostQueueURLs()
		}
	} else {
		p.rq, err = requester.New(ctx, p.api, func(o *requester.Options) {
			o.Logger = testutil.Quiet
			tqOpts(&o.TempQueue)
		})
		if err == nil {
			p.hosts = []string{p.rq.HostQueueURL()}
		}
	}
	if err != nil {
		p.startErr = err
		return
	}
	stop := make(chan struct{})
	var calls sync.WaitGroup
	if p.busy {
		calls.Go(func() { callService(ctx, p, reqQueue, rnd, stop) })
	}
	var kill <-chan time.Time
	if !p.killAt.IsZero() {
		kill = time.After(time.Until(p.killAt))
	}
	select {
	case <-kill:
		p.api.kill()
	case <-p.closed:
	}
	close(stop)
	calls.Wait()
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if p.tq != nil {
		_ = p.tq.Close(cctx)
	} else {
		_ = p.rq.Close(cctx)
	}
	<-p.closed
}

// createVirtualQueues creates n virtual queues on one or two hosts (two
// attribute sets), as a drop-in user would.
func createVirtualQueues(ctx context.Context, c *tempqueue.Client, n int) error {
	for i := range n {
		attrs := map[string]string{}
		if i == 2 {
			attrs["VisibilityTimeout"] = "60"
		}
		if _, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("q%d", i)), Attributes: attrs}); err != nil {
			return err
		}
	}
	return nil
}

// callService makes a request every few minutes until stop.
func callService(ctx context.Context, p *process, reqQueue string, rnd *rand.Rand, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(time.Minute + time.Duration(rnd.Int64N(int64(9*time.Minute)))):
		}
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, _ = p.rq.SendMessageAndGetResponse(rctx, &sqs.SendMessageInput{QueueUrl: aws.String(reqQueue), MessageBody: aws.String("ping")})
		cancel()
	}
}

func opsLine(m map[string]float64) string {
	var b strings.Builder
	for _, op := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s %.1f, ", op, m[op])
	}
	return strings.TrimSuffix(b.String(), ", ")
}

func TestFleetWithinItsTaggingQuota(t *testing.T) {
	cfg := config{processes: 1000, duration: 2 * time.Hour, killed: 0.1, quota: 40, latency: 20 * time.Millisecond, seed: 1}
	r := runFleet(t, cfg)
	t.Logf("| run | quota/s | processes | killed | host queues | live queues deleted or recreated | dead queues left | peak tagging/s | throttled | ListQueues per period | calls per idle process-hour |")
	t.Logf("%s", r.row("within the quota", cfg.quota))
	t.Logf("idle process-hour by operation: %s", opsLine(r.idleByOp))
	t.Logf("slowest deletion after a death %v (limit %v); stale-heartbeat episodes %d; deletions deferred %d", r.slowestDeletion, deadline, r.staleHeartbeats, r.deferredDeletions)
	if r.liveDeleted != 0 || r.liveRecovered != 0 {
		t.Errorf("%d live queues deleted, %d recreated or failed over; want none", r.liveDeleted, r.liveRecovered)
	}
	if r.deadLeft != 0 {
		t.Errorf("%d queues of dead processes outlived their retention + 2 periods", r.deadLeft)
	}
	if r.peakTagTPS > int64(2*cfg.quota) {
		t.Errorf("peak tagging %d/s, over the quota %v/s plus its burst", r.peakTagTPS, cfg.quota)
	}
	if r.idleCallsPerHour > 150 {
		t.Errorf("an idle process costs %.1f calls an hour, want at most 150", r.idleCallsPerHour)
	}
}

// An account whose tagging quota is too low for its fleet: heartbeats are
// throttled and go stale, so heartbeat ages prove nothing, and the sweepers
// must not delete a single live queue; the stale-heartbeat warnings and
// Stats say that the retention (or the quota) must grow.
func TestFleetOverItsTaggingQuota(t *testing.T) {
	cfg := config{processes: 1000, duration: 2 * time.Hour, killed: 0.1, quota: 5, latency: 20 * time.Millisecond, seed: 2}
	r := runFleet(t, cfg)
	t.Logf("%s", r.row("over the quota", cfg.quota))
	t.Logf("idle process-hour by operation: %s", opsLine(r.idleByOp))
	t.Logf("stale-heartbeat episodes %d; deletions deferred %d; dead queues deleted anyway within the limit: slowest %v", r.staleHeartbeats, r.deferredDeletions, r.slowestDeletion)
	if r.liveDeleted != 0 || r.liveRecovered != 0 {
		t.Errorf("%d live queues deleted, %d recreated or failed over; want none", r.liveDeleted, r.liveRecovered)
	}
	if r.throttled == 0 || r.staleHeartbeats == 0 {
		t.Errorf("throttled %d, stale-heartbeat episodes %d: the quota was meant to be too low for the fleet", r.throttled, r.staleHeartbeats)
	}
}
