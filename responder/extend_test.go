package responder_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// longHandlerRun runs two servers on a queue with a 30 s visibility timeout
// and one request whose handler takes 90 s (simulated time), and returns
// when the handler started (simulated time since the request was sent) and
// the servers' stats, summed.
func longHandlerRun(t *testing.T, maxExtension time.Duration) ([]time.Duration, responder.Stats) {
	e := newEnv(t, map[string]string{"VisibilityTimeout": "30"})
	var mu sync.Mutex
	var starts []time.Duration
	sent := time.Now()
	h := responder.HandlerFunc(func(ctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
		mu.Lock()
		starts = append(starts, time.Since(sent))
		mu.Unlock()
		time.Sleep(90 * time.Second)
		return echo(ctx, m)
	})
	opts := func(o *responder.Options) { o.Logger = testutil.Quiet; o.MaxExtension = maxExtension }
	a, b := responder.New(e.srv, opts), responder.New(e.srv, opts)
	stopA := serve(a, e.requests, h)
	e.request(t, "slow", virtualqueue.URL(e.host, "r"))
	synctest.Wait()
	stopB := serve(b, e.requests, h) // a second server, waiting for the request to become visible
	time.Sleep(3 * time.Minute)
	synctest.Wait()
	var wg sync.WaitGroup
	for _, stop := range []func() error{stopA, stopB} {
		wg.Go(func() {
			if err := stop(); err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	wg.Wait()
	st, sb := a.Stats(), b.Stats()
	st.Handled += sb.Handled
	st.Extensions += sb.Extensions
	st.Responses += sb.Responses
	return starts, st
}

// TestLongHandlerHandledOnce: a 90 s handler on a queue with a 30 s
// visibility timeout, with two servers on the queue, runs once: Serve
// extends the request's visibility while the handler runs.
func TestLongHandlerHandledOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		starts, st := longHandlerRun(t, 0)
		calls := len(starts)
		if calls != 1 {
			t.Errorf("handler ran %d times (at %v), want 1", calls, starts)
		}
		if st.Extensions < 3 {
			t.Errorf("%d visibility extensions, want at least 3 (every 20 s for 90 s)", st.Extensions)
		}
		t.Logf("90 s handler, 30 s visibility timeout, two servers: handler ran %d time(s), %d visibility extensions, %d responses",
			calls, st.Extensions, st.Responses)
	})
}

// TestMaxExtensionBoundsExtension: MaxExtension after it was received the
// request becomes visible although its handler still runs, and the second
// server takes it; with extension off, that happens after the visibility
// timeout.
func TestMaxExtensionBoundsExtension(t *testing.T) {
	for _, tc := range []struct {
		name     string
		max      time.Duration
		second   time.Duration // when the second server takes the request
		extended bool
	}{
		{"MaxExtension 40s", 40 * time.Second, 40 * time.Second, true},
		{"off", -1, 30 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				starts, st := longHandlerRun(t, tc.max)
				if len(starts) < 2 || starts[1]-starts[0] != tc.second {
					t.Errorf("handler started at %v, want a second start %v after the first", starts, tc.second)
				}
				if (st.Extensions > 0) != tc.extended {
					t.Errorf("%d extensions, want extended %v", st.Extensions, tc.extended)
				}
			})
		})
	}
}
