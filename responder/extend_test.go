package responder_test

import (
	"context"
	"sync"
	"sync/atomic"
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
// how often the handler ran and the first server's stats.
func longHandlerRun(t *testing.T, maxExtension time.Duration) (int64, responder.Stats) {
	e := newEnv(t, map[string]string{"VisibilityTimeout": "30"})
	var calls atomic.Int64
	h := responder.HandlerFunc(func(ctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
		calls.Add(1)
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
	st := a.Stats()
	st.Handled += b.Stats().Handled
	return calls.Load(), st
}

// TestLongHandlerHandledOnce: a 90 s handler on a queue with a 30 s
// visibility timeout, with two servers on the queue, runs once: Serve
// extends the request's visibility while the handler runs.
func TestLongHandlerHandledOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls, st := longHandlerRun(t, 0)
		if calls != 1 {
			t.Errorf("handler ran %d times, want 1", calls)
		}
		if st.Extensions < 3 {
			t.Errorf("%d visibility extensions, want at least 3 (every 20 s for 90 s)", st.Extensions)
		}
		t.Logf("90 s handler, 30 s visibility timeout, two servers: handler ran %d time(s), %d visibility extensions, %d responses",
			calls, st.Extensions, st.Responses)
	})
}

// TestMaxExtensionBoundsExtension: past MaxExtension the request becomes
// visible although its handler still runs, and a second server takes it;
// with extension off the same happens after the first visibility timeout.
func TestMaxExtensionBoundsExtension(t *testing.T) {
	for _, tc := range []struct {
		name     string
		max      time.Duration
		extended bool
	}{
		{"MaxExtension 40s", 40 * time.Second, true},
		{"off", -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				calls, st := longHandlerRun(t, tc.max)
				if calls < 2 {
					t.Errorf("handler ran %d times, want the request handed to the second server", calls)
				}
				if (st.Extensions > 0) != tc.extended {
					t.Errorf("%d extensions, want extended %v", st.Extensions, tc.extended)
				}
			})
		})
	}
}
