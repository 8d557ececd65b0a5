package responder_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/responder"
)

// TestSubSecondWaitTimeNeverShortPolls: a WaitTime below one second is a
// 1 s long poll, never WaitTimeSeconds 0 in a loop (each receive is billed).
func TestSubSecondWaitTimeNeverShortPolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var mu sync.Mutex
		var waits []int32
		api := &recordReceives{API: e.srv, onReceive: func(in *sqs.ReceiveMessageInput) {
			mu.Lock()
			defer mu.Unlock()
			waits = append(waits, in.WaitTimeSeconds)
			if in.WaitTimeSeconds < 1 {
				cancel() // a short poll: stop before it spins
			}
		}}
		r := responder.New(api, func(o *responder.Options) { o.Logger = testutil.Quiet; o.WaitTime = 100 * time.Millisecond })
		done := make(chan error, 1)
		go func() { done <- r.Serve(ctx, e.requests, responder.HandlerFunc(echo)) }()
		time.Sleep(10 * time.Second)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(waits) == 0 || len(waits) > 11 {
			t.Errorf("%d receives in 10 s, want about 10 one-second long polls", len(waits))
		}
		for _, w := range waits {
			if w != 1 {
				t.Fatalf("receive with WaitTimeSeconds %d, want 1", w)
			}
		}
	})
}
