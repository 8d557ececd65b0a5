package responder_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// TestShutdownTimeoutReleasesRunningRequests: once ShutdownTimeout has
// passed after Serve's ctx ended, requests whose handler still runs are
// released to other servers (visible at once), their handler's ctx is
// cancelled, and Serve returns an error saying how many; a handler that
// finished in time had its response sent.
func TestShutdownTimeoutReleasesRunningRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, map[string]string{"VisibilityTimeout": "600"})
		r := responder.New(e.srv, func(o *responder.Options) {
			o.Logger = testutil.Quiet
			o.ShutdownTimeout = 10 * time.Second
		})
		cancelled := make(chan struct{}, 2)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- r.Serve(ctx, e.requests, responder.HandlerFunc(func(hctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
				if body := *m.Body; strings.HasPrefix(body, "quick") {
					time.Sleep(5 * time.Second)
					return echo(hctx, m)
				}
				<-hctx.Done() // a handler that runs until it is told to stop
				cancelled <- struct{}{}
				return nil, hctx.Err()
			}))
		}()
		for _, body := range []string{"stuck-1", "stuck-2", "quick"} {
			e.request(t, body, virtualqueue.URL(e.host, body))
		}
		synctest.Wait()
		start := time.Now()
		cancel()
		err := <-done
		took := time.Since(start)
		if !errors.Is(err, responder.ErrShutdownTimeout) || !strings.Contains(err.Error(), "2 requests") {
			t.Fatalf("Serve: %v, want ErrShutdownTimeout for 2 requests", err)
		}
		if took != 10*time.Second {
			t.Errorf("Serve returned %v after its ctx ended, want ShutdownTimeout (10s)", took)
		}
		for range 2 {
			<-cancelled
		}
		if st := r.Stats(); st.Released != 2 || st.Responses != 1 {
			t.Errorf("Released %d, Responses %d; want 2, 1", st.Released, st.Responses)
		}
		if v, f := e.counts(t, e.requests); v != "2" || f != "0" {
			t.Errorf("request queue: %s visible, %s in flight; want the 2 released requests visible", v, f)
		}
		t.Logf("Serve returned %v after its ctx ended: %v", took, err)
	})
}

// TestShutdownWithinTimeout: handlers that finish within ShutdownTimeout
// settle normally and Serve returns nil.
func TestShutdownWithinTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, nil)
		r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet; o.ShutdownTimeout = time.Minute })
		stop := serve(r, e.requests, responder.HandlerFunc(func(ctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
			time.Sleep(20 * time.Second)
			return echo(ctx, m)
		}))
		e.request(t, "x", virtualqueue.URL(e.host, "r"))
		synctest.Wait()
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if st := r.Stats(); st.Released != 0 || st.Responses != 1 {
			t.Errorf("Released %d, Responses %d; want 0, 1", st.Released, st.Responses)
		}
	})
}
