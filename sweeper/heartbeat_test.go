package sweeper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// The heartbeat tests run in a synctest bubble: time is fake, and a Sleep
// returns as soon as every goroutine of the bubble waits, so hours of
// heartbeats take milliseconds, and every goroutine must be joined by the
// end.

// tagCall is one TagQueue call that reached SQS.
type tagCall struct {
	url   string
	at    time.Time // when it was made
	value string    // the heartbeat tag written
	err   error
}

// tagRecorder records the TagQueue calls made through it.
type tagRecorder struct {
	sqsapi.API
	mu    sync.Mutex
	calls []tagCall
}

func (r *tagRecorder) TagQueue(ctx context.Context, in *sqs.TagQueueInput, optFns ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	at := time.Now()
	out, err := r.API.TagQueue(ctx, in, optFns...)
	r.mu.Lock()
	r.calls = append(r.calls, tagCall{url: aws.ToString(in.QueueUrl), at: at, value: in.Tags[sqsapi.HeartbeatTag], err: err})
	r.mu.Unlock()
	return out, err
}

// of returns the calls made for url (all of them if url is "").
func (r *tagRecorder) of(url string) []tagCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []tagCall
	for _, c := range r.calls {
		if url == "" || c.url == url {
			out = append(out, c)
		}
	}
	return out
}

// bubble is a Client with its own tagging budget over an in-memory SQS, in
// a synctest bubble. The caller closes it.
type bubble struct {
	srv    *sqstest.Server
	rec    *tagRecorder
	budget *TagBudget
	c      *Client
	t0     time.Time
}

func newBubble(t *testing.T, rate float64, burst int, more ...func(*Options)) *bubble {
	t.Helper()
	srv := sqstest.New()
	budget, err := NewTagBudget(rate, burst)
	if err != nil {
		t.Fatal(err)
	}
	rec := &tagRecorder{API: srv}
	opts := append([]func(*Options){func(o *Options) {
		o.Clock = clock.Real{} // fake inside the bubble
		o.TagBudget = budget
		o.Logger = testutil.Logger(t)
	}}, more...)
	return &bubble{srv: srv, rec: rec, budget: budget, c: New(rec, opts...), t0: time.Now()}
}

func (b *bubble) close(t *testing.T) {
	t.Helper()
	if err := b.c.Close(context.Background()); err != nil {
		t.Error(err)
	}
	b.srv.Close()
}

func (b *bubble) create(t *testing.T, name string, retentionSecs int) string {
	t.Helper()
	return testutil.CreateQueue(t, b.c, pfx+name, retention(retentionSecs), nil)
}

// gaps returns the time from creation (t0) to the first successful
// heartbeat of url, and between successive successful ones.
func (b *bubble) gaps(url string) []time.Duration {
	var out []time.Duration
	last := b.t0
	for _, c := range b.rec.of(url) {
		if c.err == nil {
			out = append(out, c.at.Sub(last))
			last = c.at
		}
	}
	return out
}

// queueURL is the URL sqstest gives the queue name.
func queueURL(name string) string { return "https://sqs.us-east-1.amazonaws.com/000000000000/" + name }

func TestHeartbeatIntervalAndTimeoutFollowRetention(t *testing.T) {
	tests := []struct {
		retention, configured, timeout time.Duration
		wantInterval, wantTimeout      time.Duration
	}{
		{300 * time.Second, 0, 10 * time.Second, 75 * time.Second, 10 * time.Second},
		{300 * time.Second, 30 * time.Second, 10 * time.Second, 30 * time.Second, 10 * time.Second},
		{300 * time.Second, time.Hour, 10 * time.Second, 150 * time.Second, 10 * time.Second},
		{10 * time.Second, 0, 10 * time.Second, 2500 * time.Millisecond, 1250 * time.Millisecond},
		{time.Second, 0, time.Second, 250 * time.Millisecond, 125 * time.Millisecond},
	}
	for _, tt := range tests {
		q := newQueueState("q", nil, nil, tt.retention, Options{HeartbeatInterval: tt.configured, HeartbeatTimeout: tt.timeout})
		if q.interval != tt.wantInterval || q.timeout != tt.wantTimeout {
			t.Errorf("retention %v, interval option %v: interval %v timeout %v, want %v and %v",
				tt.retention, tt.configured, q.interval, q.timeout, tt.wantInterval, tt.wantTimeout)
		}
	}
}

func TestRetryDelayBacksOffUpToAQuarterInterval(t *testing.T) {
	const interval = 75 * time.Second
	for n, max := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, interval / 4, interval / 4} {
		for range 100 {
			if d := retryDelay(n+1, interval); d < max/2 || d > max {
				t.Fatalf("retryDelay(%d) = %v, want in [%v, %v]", n+1, d, max/2, max)
			}
		}
	}
}

func TestResolveOptionsDefaultsHeartbeats(t *testing.T) {
	for _, in := range []Options{{}, {HeartbeatInterval: -1, HeartbeatConcurrency: -3, HeartbeatTimeout: -time.Second}} {
		o := resolveOptions([]func(*Options){func(o *Options) { *o = in }})
		if o.HeartbeatInterval != 0 || o.HeartbeatConcurrency != DefaultHeartbeatConcurrency || o.HeartbeatTimeout != DefaultHeartbeatTimeout {
			t.Errorf("resolve %+v: interval %v concurrency %d timeout %v", in, o.HeartbeatInterval, o.HeartbeatConcurrency, o.HeartbeatTimeout)
		}
	}
}

// TestHeldQueuesHeartbeatedForHours: queues held but never used are
// heartbeated every interval (jittered down by up to 20%) for hours.
func TestHeldQueuesHeartbeatedForHours(t *testing.T) {
	tests := []struct {
		retention    int
		option, want time.Duration
	}{
		{300, 0, 75 * time.Second},
		{300, 30 * time.Second, 30 * time.Second},
		{20, 0, 5 * time.Second},
		{20, time.Hour, 10 * time.Second},
	}
	const hours = 3
	for _, tt := range tests {
		t.Run(fmt.Sprintf("retention=%d,option=%v", tt.retention, tt.option), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := newBubble(t, 100, 100, func(o *Options) { o.HeartbeatInterval = tt.option })
				defer b.close(t)
				var urls []string
				for i := range 3 {
					urls = append(urls, b.create(t, fmt.Sprintf("held%d", i), tt.retention))
				}
				time.Sleep(hours * time.Hour)
				for _, u := range urls {
					gaps := b.gaps(u)
					if gaps[0] != 0 {
						t.Errorf("first heartbeat %v after creation, want at once", gaps[0])
					}
					for i, g := range gaps[1:] {
						if g > tt.want || g < tt.want*8/10 {
							t.Fatalf("gap %d between heartbeats %v, want within [%v, %v]", i, g, tt.want*8/10, tt.want)
						}
					}
					perHour := float64(len(gaps)-1) / hours
					lo, hi := 3600/tt.want.Seconds(), 3600/(0.8*tt.want.Seconds())
					t.Logf("interval %v: %.1f heartbeats per held queue per hour (3600/interval = %.0f, with jitter at most %.0f)", tt.want, perHour, lo, hi)
					if perHour < lo-1 || perHour > hi+1 {
						t.Errorf("%.1f heartbeats per hour, want within [%.0f, %.0f]", perHour, lo, hi)
					}
				}
				if st := b.c.Stats(); st.StaleHeartbeats != 0 || st.HeartbeatFailures != 0 || st.Held != 3 {
					t.Errorf("stats %+v", st)
				}
			})
		})
	}
}

// TestHungHeartbeatDelaysNoOtherQueue: one queue's TagQueue hangs; the
// other queues are heartbeated on time, and the hung one is retried after
// its timeout.
func TestHungHeartbeatDelaysNoOtherQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 100, 100)
		defer b.close(t)
		hung := queueURL(pfx + "hung")
		b.srv.InjectFault("TagQueue", sqstest.Fault{Delay: time.Hour, Match: func(in any) bool {
			return aws.ToString(in.(*sqs.TagQueueInput).QueueUrl) == hung
		}})
		b.create(t, "hung", 40) // interval 10 s, timeout 5 s
		var others []string
		for i := range 5 {
			others = append(others, b.create(t, fmt.Sprintf("fine%d", i), 40))
		}
		time.Sleep(10 * time.Minute)
		for _, u := range others {
			gaps := b.gaps(u)
			for i, g := range gaps {
				if g > 10*time.Second {
					t.Fatalf("%s: heartbeat %d came %v after the previous one, more than the 10 s interval", u, i, g)
				}
			}
			if len(gaps) < 60 {
				t.Errorf("%s: %d heartbeats in 10 min, want >= 60", u, len(gaps))
			}
		}
		calls := b.rec.of(hung)
		if len(calls) < 20 {
			t.Fatalf("hung queue: %d calls in 10 min, want it retried after each 5 s timeout", len(calls))
		}
		for _, c := range calls {
			if c.err == nil {
				t.Fatalf("a hung call succeeded")
			}
		}
		if st := b.c.Stats(); st.HeartbeatFailures < int64(len(calls))-1 || st.StaleHeartbeats != 1 {
			t.Errorf("stats %+v, want every hung call counted as a failure and one stale episode", st)
		}
	})
}

// TestHeartbeatWritesTheTimeOfItsCall: heartbeats that wait for the
// tagging budget, or behind a slow call, write the time they are made.
func TestHeartbeatWritesTheTimeOfItsCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 1, 1) // one tagging action per second
		defer b.close(t)
		slow := queueURL(pfx + "q0")
		b.srv.InjectFault("TagQueue", sqstest.Fault{Delay: 3 * time.Second, Times: 1, Match: func(in any) bool {
			return aws.ToString(in.(*sqs.TagQueueInput).QueueUrl) == slow
		}})
		for i := range 10 {
			b.create(t, fmt.Sprintf("q%d", i), 300)
		}
		time.Sleep(15 * time.Second)
		calls := b.rec.of("")
		if len(calls) != 10 {
			t.Fatalf("%d heartbeats, want the 10 first ones", len(calls))
		}
		for _, c := range calls {
			if want := strconv.FormatInt(c.at.UnixMilli(), 10); c.value != want {
				t.Errorf("%s: heartbeat made at %v wrote %s, want %s", c.url, c.at.Sub(b.t0), c.value, want)
			}
		}
		var last time.Duration // calls are listed as they end: the slow one ends late
		for _, c := range calls {
			last = max(last, c.at.Sub(b.t0))
		}
		if last < 8*time.Second {
			t.Errorf("the budget did not pace the first heartbeats: the last at %v", last)
		}
	})
}

// TestFailedHeartbeatRetriedWithBackoff: a throttled or failed heartbeat is
// retried within seconds, backing off, and then heartbeats resume at the
// interval; the budget remembers the throttling.
func TestFailedHeartbeatRetriedWithBackoff(t *testing.T) {
	for _, tt := range []struct {
		name      string
		err       error
		throttled int64
	}{
		{"throttled", &types.RequestThrottled{Message: aws.String("slow down")}, 4},
		{"other error", errors.New("connection reset"), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := newBubble(t, 100, 100)
				defer b.close(t)
				b.srv.InjectFault("TagQueue", sqstest.Fault{Err: tt.err, Times: 4})
				url := b.create(t, "flaky", 300) // interval 75 s
				time.Sleep(5 * time.Minute)
				calls := b.rec.of(url)
				if len(calls) < 6 {
					t.Fatalf("%d calls", len(calls))
				}
				// Retries after ~1, 2, 4, 8 s (each jittered to between half and all of that).
				for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
					if g := calls[i+1].at.Sub(calls[i].at); g < want/2 || g > want {
						t.Errorf("retry %d came %v after the failure, want within [%v, %v]", i+1, g, want/2, want)
					}
				}
				if calls[4].err != nil {
					t.Fatalf("fifth call failed: %v", calls[4].err)
				}
				if g := calls[5].at.Sub(calls[4].at); g < 60*time.Second || g > 75*time.Second {
					t.Errorf("after the success the next heartbeat came %v later, want one interval (60-75 s)", g)
				}
				st := b.c.Stats()
				if st.HeartbeatFailures != 4 || st.Throttled != tt.throttled || st.StaleHeartbeats != 0 {
					t.Errorf("stats %+v, want 4 failures, %d throttled", st, tt.throttled)
				}
				if got := b.budget.Stats().Throttled; got != tt.throttled {
					t.Errorf("budget recorded %d throttles, want %d", got, tt.throttled)
				}
			})
		})
	}
}

// TestCreateExistingQueueHeartbeatsAtOnce: SQS ignores the tags of a
// CreateQueue that returns an existing queue, so the Client heartbeats it
// at once instead of one interval later.
func TestCreateExistingQueueHeartbeatsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 100, 100)
		defer b.close(t)
		old := map[string]string{sqsapi.RetentionTag: "300", sqsapi.HeartbeatTag: "0"}
		url := testutil.CreateQueue(t, b.srv, pfx+"existing", nil, old)
		time.Sleep(time.Minute) // the heartbeat is a minute old
		if got := testutil.CreateQueue(t, b.c, pfx+"existing", retention(300), nil); got != url {
			t.Fatalf("CreateQueue returned %s, want the existing %s", got, url)
		}
		synctest.Wait()
		if hb, want := tagsOf(t, b.srv, url)[sqsapi.HeartbeatTag], strconv.FormatInt(time.Now().UnixMilli(), 10); hb != want {
			t.Errorf("heartbeat tag %s right after CreateQueue, want now (%s)", hb, want)
		}
	})
}

// staleWarnings returns the attributes of the stale warnings logged.
func (h *logRecorder) staleWarnings() []map[string]slog.Value {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]slog.Value
	for _, r := range h.records {
		if r.Level != slog.LevelWarn || r.Message == "" || !strings.Contains(r.Message, "half the retention") || !strings.Contains(r.Message, "tagging quota") {
			continue
		}
		attrs := map[string]slog.Value{}
		r.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value; return true })
		out = append(out, attrs)
	}
	return out
}

// TestStaleHeartbeatWarnsOncePerEpisode: heartbeats that keep failing for
// more than half the retention make one warning per episode, count it, and
// hold the budget's stale count up until a heartbeat succeeds, the queue is
// deleted, or the Client closes.
func TestStaleHeartbeatWarnsOncePerEpisode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		logs := &logRecorder{}
		b := newBubble(t, 100, 100, func(o *Options) { o.Logger = slog.New(logs) })
		defer b.close(t)
		var failing atomic.Bool
		var sick sync.Map // queue URL -> true
		b.srv.InjectFault("TagQueue", sqstest.Fault{Err: errors.New("internal error"), Match: func(in any) bool {
			_, ok := sick.Load(aws.ToString(in.(*sqs.TagQueueInput).QueueUrl))
			return ok && failing.Load()
		}})
		a := b.create(t, "a", 20) // interval 5 s, stale after 10 s
		other := b.create(t, "b", 20)
		sick.Store(a, true)
		synctest.Wait() // the first heartbeats succeed
		failing.Store(true)
		stale := func() (int64, int64, int) {
			st := b.c.Stats()
			return st.StaleHeartbeats, b.budget.Stats().StaleHeartbeat, st.StaleNow
		}
		time.Sleep(9 * time.Second)
		if ep, now, _ := stale(); ep != 0 || now != 0 {
			t.Fatalf("stale before half the retention: episodes %d, budget %d", ep, now)
		}
		time.Sleep(2 * time.Second)
		if ep, now, held := stale(); ep != 1 || now != 1 || held != 1 {
			t.Fatalf("after 11 s of failures: episodes %d, budget stale %d, StaleNow %d; want 1, 1, 1", ep, now, held)
		}
		time.Sleep(time.Minute) // still failing: no second warning
		warns := logs.staleWarnings()
		if len(warns) != 1 {
			t.Fatalf("%d stale warnings, want 1 per episode", len(warns))
		}
		w := warns[0]
		if w["queue"].String() != a || w["retention"].Duration() != 20*time.Second || w["heartbeatAge"].Duration() < 10*time.Second {
			t.Errorf("warning attributes %v", w)
		}

		failing.Store(false)
		time.Sleep(2 * time.Second) // retries are at most a quarter interval apart
		if ep, now, held := stale(); ep != 1 || now != 0 || held != 0 {
			t.Fatalf("after a success: episodes %d, budget stale %d, StaleNow %d; want 1, 0, 0", ep, now, held)
		}

		failing.Store(true)
		time.Sleep(15 * time.Second)
		if ep, now, _ := stale(); ep != 2 || now != 1 {
			t.Fatalf("second episode: episodes %d, budget stale %d; want 2, 1", ep, now)
		}
		if _, err := b.c.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: &a}); err != nil {
			t.Fatal(err)
		}
		if _, now, _ := stale(); now != 0 {
			t.Fatalf("budget stale %d after DeleteQueue of the stale queue, want 0", now)
		}

		sick.Store(other, true)
		time.Sleep(15 * time.Second)
		if _, now, _ := stale(); now != 1 {
			t.Fatalf("budget stale %d, want 1", now)
		}
		if err := b.c.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, now, _ := stale(); now != 0 {
			t.Fatalf("budget stale %d after Close, want 0", now)
		}
		if len(b.gaps(other)) == 0 {
			t.Fatal("no heartbeat of b")
		}
	})
}

// TestHeartbeatsTakeTheBudgetFirstAndPace: 100 queues created at once
// under a budget of 2 tagging actions per second: the first heartbeats are
// spread over the budget, a sweeper waiting on the same budget gets nothing
// until they are done, no heartbeat goes stale, and no window of time sees
// more tagging calls than the budget allows.
func TestHeartbeatsTakeTheBudgetFirstAndPace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 2, 5)
		const queues = 100
		var urls []string
		for i := range queues {
			urls = append(urls, b.create(t, fmt.Sprintf("p%03d", i), 300)) // interval 75 s
		}
		synctest.Wait() // the first heartbeats wait for tokens
		var sweepTokens []time.Time
		ctx, stopSweeper := context.WithCancel(context.Background())
		sweeperDone := make(chan struct{})
		go func() { // a sweeper's checks, as greedy as the budget lets them be
			defer close(sweeperDone)
			for b.budget.wait(ctx, forSweep) == nil {
				sweepTokens = append(sweepTokens, time.Now())
			}
		}()
		time.Sleep(2 * time.Hour)
		stopSweeper()
		<-sweeperDone
		b.close(t)

		var firstRound time.Time
		for _, u := range urls {
			gaps := b.gaps(u)
			if len(gaps) == 0 {
				t.Fatalf("%s never heartbeated", u)
			}
			if at := b.t0.Add(gaps[0]); at.After(firstRound) {
				firstRound = at
			}
			for i, g := range gaps {
				if g >= 150*time.Second {
					t.Fatalf("%s: heartbeat %d came %v after the previous one: stale", u, i, g)
				}
			}
		}
		if st := b.c.Stats(); st.StaleHeartbeats != 0 {
			t.Errorf("%d stale heartbeats", st.StaleHeartbeats)
		}
		early := 0
		for _, at := range sweepTokens {
			if at.Before(firstRound) {
				early++
			}
		}
		if early != 0 {
			t.Errorf("the sweeper took %d tokens while first heartbeats waited", early)
		}
		if len(sweepTokens) == 0 {
			t.Error("the sweeper never got a token: heartbeats leave none")
		}
		// Every tagging action, heartbeat or sweep, within the budget: at
		// most burst + rate x window in any window.
		var all []time.Time
		for _, c := range b.rec.of("") {
			all = append(all, c.at)
		}
		all = append(all, sweepTokens...)
		slices.SortFunc(all, time.Time.Compare)
		const window = 10 * time.Second
		for i, j := 0, 0; i < len(all); i++ {
			for j < len(all) && all[j].Before(all[i].Add(window)) {
				j++
			}
			if n := j - i; n > 5+2*10 {
				t.Fatalf("%d tagging actions in %v from %v, more than the budget allows", n, window, all[i].Sub(b.t0))
			}
		}
		t.Logf("%d queues, budget 2/s: first heartbeats done %v after creation; %d heartbeats and %d sweep tokens in 2 h",
			queues, firstRound.Sub(b.t0), len(b.rec.of("")), len(sweepTokens))
	})
}

// TestDeleteQueueAndCloseStopHeartbeats: DeleteQueue through the Client
// stops that queue's heartbeats (and never recreates it); Close stops all,
// and later calls pass straight through.
func TestDeleteQueueAndCloseStopHeartbeats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 100, 100)
		ctx := context.Background()
		a := b.create(t, "a", 60)
		kept := b.create(t, "b", 60)
		if _, err := b.c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &a}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		if n := len(b.rec.of(a)); n > 1 {
			t.Errorf("deleted queue heartbeated %d times", n)
		}
		if n := len(b.rec.of(kept)); n < 4 {
			t.Errorf("held queue heartbeated %d times in a minute (interval 15 s)", n)
		}
		if b.c.Stats().Recreated != 0 || exists(t, b.srv, pfx+"a") {
			t.Fatal("deleted queue came back")
		}
		if err := b.c.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.c.Close(ctx); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		before := len(b.rec.of(""))
		if _, err := b.c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &kept, MessageBody: aws.String("x")}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		if n := len(b.rec.of("")); n != before {
			t.Fatalf("%d heartbeats after Close", n-before)
		}
		if st := b.c.Stats(); st.Held != 0 {
			t.Errorf("Held = %d after Close", st.Held)
		}
		b.srv.Close()
	})
}

// TestCloseCancelsHungHeartbeat: Close does not wait out a hung call.
func TestCloseCancelsHungHeartbeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 100, 100, func(o *Options) { o.HeartbeatTimeout = time.Hour })
		b.srv.InjectFault("TagQueue", sqstest.Fault{Delay: 24 * time.Hour})
		b.create(t, "hung", 7200) // timeout: 30 min, half the interval
		synctest.Wait()
		start := time.Now()
		b.close(t)
		if d := time.Since(start); d != 0 {
			t.Errorf("Close took %v of fake time, want none", d)
		}
	})
}

// TestHeartbeatFindsDeletedQueue: a heartbeat that finds its queue deleted
// underneath fails over (SQS refuses the name for 60 s), and a later one
// restores the original.
func TestHeartbeatFindsDeletedQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 100, 100)
		defer b.close(t)
		ctx := context.Background()
		url := b.create(t, "hbgone", 60) // interval 15 s
		synctest.Wait()
		if _, err := b.srv.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(15 * time.Second)
		if st := b.c.Stats(); st.FailedOver != 1 || !exists(t, b.srv, pfx+"hbgone-Failover") {
			t.Fatalf("no failover by the heartbeat: %+v", st)
		}
		time.Sleep(70 * time.Second)
		if st := b.c.Stats(); st.Recreated != 1 || !exists(t, b.srv, pfx+"hbgone") {
			t.Fatalf("original not restored by a heartbeat: %+v", st)
		}
		if st := b.c.Stats(); st.StaleHeartbeats != 0 {
			t.Errorf("stale during recovery: %+v", st)
		}
	})
}
