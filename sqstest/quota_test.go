package sqstest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

func TestTaggingQuotaThrottlesPastTheBucket(t *testing.T) {
	clk := clock.NewFake(t0)
	s := sqstest.New(func(o *sqstest.Options) { o.Clock = clk; o.TaggingQuota = 5; o.TaggingBurst = 10 })
	defer s.Close()
	ctx := context.Background()
	url := aws.String(testutil.CreateQueue(t, s, "q", nil, nil))
	other := aws.String(testutil.CreateQueue(t, s, "other", nil, nil)) // the quota is per account, not per queue
	tagging := []func(*string) error{
		func(u *string) error {
			_, err := s.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: u, Tags: map[string]string{"k": "v"}})
			return err
		},
		func(u *string) error {
			_, err := s.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: u, TagKeys: []string{"k"}})
			return err
		},
		func(u *string) error {
			_, err := s.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: u})
			return err
		},
	}
	// The burst of 10 goes through at once, over both queues and all three actions.
	for i := range 10 {
		u := url
		if i%2 == 1 {
			u = other
		}
		if err := tagging[i%3](u); err != nil {
			t.Fatalf("tagging call %d within the burst: %v", i, err)
		}
	}
	err := tagging[2](url)
	var throttled *types.RequestThrottled
	if !errors.As(err, &throttled) || throttled.ErrorCode() != "RequestThrottled" || !sqsapi.IsThrottled(err) || sqsapi.Classify(err) != sqsapi.CategoryThrottled {
		t.Fatalf("call past the burst = %v, want *types.RequestThrottled classified Throttled", err)
	}
	// Other operations are not limited.
	if _, err := s.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("q")}); err != nil {
		t.Fatalf("GetQueueUrl while tagging is throttled: %v", err)
	}
	// The bucket refills at the quota: one call every 200 ms.
	clk.Advance(200 * time.Millisecond)
	if err := tagging[0](url); err != nil {
		t.Fatalf("after 200 ms: %v", err)
	}
	if err := tagging[0](url); !sqsapi.IsThrottled(err) {
		t.Fatalf("second call after 200 ms = %v, want throttled", err)
	}
	st := s.TaggingStats()
	if st.Calls != 13 || st.Throttled != 2 || st.PeakTPS != 11 || st.PeakRequestedTPS != 13 || !st.PeakAt.Equal(t0) {
		t.Errorf("TaggingStats = %+v, want 13 calls, 2 throttled, peak 11 performed and 13 requested in the second of %v", st, t0)
	}
	s.ResetCallCounts()
	if st := s.TaggingStats(); st != (sqstest.TaggingStats{}) {
		t.Errorf("TaggingStats after ResetCallCounts = %+v", st)
	}
}

func TestTaggingQuotaDefaults(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		quota     float64
		burst     int
		wantBurst int // -1: no limit
	}{{0, 0, -1}, {0, 7, -1}, {-3, 0, -1}, {2.5, 0, 3}, {0.2, 0, 1}, {5, 2, 2}} {
		t.Run(fmt.Sprint(tt.quota, "/", tt.burst), func(t *testing.T) {
			clk := clock.NewFake(t0)
			s := sqstest.New(func(o *sqstest.Options) { o.Clock = clk; o.TaggingQuota = tt.quota; o.TaggingBurst = tt.burst })
			defer s.Close()
			url := aws.String(testutil.CreateQueue(t, s, "q", nil, nil))
			ok := 0
			for range 20 {
				if _, err := s.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: url}); err == nil {
					ok++
				} else if !sqsapi.IsThrottled(err) {
					t.Fatal(err)
				}
			}
			want := tt.wantBurst
			if want < 0 {
				want = 20
			}
			if ok != want {
				t.Errorf("%d of 20 calls at once went through, want %d", ok, want)
			}
		})
	}
}

func TestLatencyDelaysEveryCallOnTheClock(t *testing.T) {
	clk := clock.NewFake(t0)
	var mu sync.Mutex
	var asked []string
	s := sqstest.New(func(o *sqstest.Options) {
		o.Clock = clk
		o.Latency = func(op string) time.Duration {
			mu.Lock()
			asked = append(asked, op)
			mu.Unlock()
			if op == "SendMessage" {
				return 30 * time.Millisecond
			}
			return 0
		}
	})
	defer s.Close()
	ctx := context.Background()
	url := aws.String(testutil.CreateQueue(t, s, "q", nil, nil))
	done := make(chan error, 1)
	go func() {
		_, err := s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("x")})
		done <- err
	}()
	testutil.Eventually(t, "the call waiting for its latency", func() bool { return clk.Waiters() >= 1 })
	if n := visible(t, s, url); n != 0 {
		t.Fatalf("message visible before the latency passed: %d", n)
	}
	clk.Advance(29 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("send returned before its latency: %v", err)
	default:
	}
	clk.Advance(time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := visible(t, s, url); n != 1 {
		t.Fatalf("visible after the send = %d, want 1", n)
	}

	// The wait honours ctx: the call is not performed.
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		_, err := s.SendMessage(cctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("y")})
		done <- err
	}()
	testutil.Eventually(t, "the call waiting for its latency", func() bool { return clk.Waiters() >= 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled send = %v", err)
	}
	clk.Advance(time.Second)
	if n := visible(t, s, url); n != 1 {
		t.Fatalf("the cancelled send was performed: %d visible", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 6 || asked[0] != "CreateQueue" {
		t.Errorf("Latency asked for %v, want once per call", asked)
	}
}

func visible(t *testing.T, s *sqstest.Server, url *string) int {
	t.Helper()
	out, err := s.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: url,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(out.Attributes["ApproximateNumberOfMessages"], &n)
	return n
}

// TestQuotaAndLatencyInSynctest runs a Server on the wall clock inside a
// testing/synctest bubble, where that clock is the bubble's fake time:
// latency passes without sleeping, and a caller that paces itself below the
// quota is never throttled while one that does not is.
func TestQuotaAndLatencyInSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := sqstest.New(func(o *sqstest.Options) {
			o.TaggingQuota, o.TaggingBurst = 5, 5
			o.Latency = func(string) time.Duration { return 20 * time.Millisecond }
		})
		defer s.Close()
		ctx := context.Background()
		url := aws.String(testutil.CreateQueue(t, s, "q", nil, nil))
		start := time.Now()
		tag := func() error {
			_, err := s.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: url, Tags: map[string]string{"hb": "1"}})
			return err
		}
		for i := range 50 { // 4 a second for 12.5 s
			if err := tag(); err != nil {
				t.Fatalf("paced call %d: %v", i, err)
			}
			time.Sleep(250*time.Millisecond - 20*time.Millisecond)
		}
		if took := time.Since(start); took != 50*250*time.Millisecond {
			t.Errorf("50 paced calls took %v of bubble time, want exactly 12.5s", took)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		throttled := 0
		for range 20 { // a burst of 20 at once
			wg.Go(func() {
				if err := tag(); sqsapi.IsThrottled(err) {
					mu.Lock()
					throttled++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if throttled < 10 {
			t.Errorf("%d of a burst of 20 throttled, want at least 10 (burst 5 plus the refill)", throttled)
		}
		st := s.TaggingStats()
		if st.Throttled != int64(throttled) || st.PeakTPS > 5+5 {
			t.Errorf("TaggingStats = %+v; throttled %d", st, throttled)
		}
	})
}
