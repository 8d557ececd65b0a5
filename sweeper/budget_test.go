package sweeper

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
)

func TestNewTagBudgetRefusesBadValues(t *testing.T) {
	for _, tt := range []struct {
		rate  float64
		burst int
		value string
	}{{0, 1, "0"}, {-1, 1, "-1"}, {2, 0, "0"}, {2, -3, "-3"}} {
		_, err := NewTagBudget(tt.rate, tt.burst)
		var bad *sqsapi.InvalidParameterError
		if !errors.As(err, &bad) || bad.Value != tt.value {
			t.Errorf("NewTagBudget(%v, %d) = %v, want an InvalidParameterError naming %q", tt.rate, tt.burst, err, tt.value)
		}
	}
}

// takeNow takes a token for class if one is free now, without waiting.
func takeNow(b *TagBudget, class tagClass) bool {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return b.wait(ctx, class) == nil
}

func TestTagBudgetPacesAndLeavesRoomForHeartbeats(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	b, err := NewTagBudget(2, 4, func(o *TagBudgetOptions) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The sweeper may take tokens only while more than half the burst is left.
	for i := range 2 {
		if err := b.wait(ctx, forSweep); err != nil {
			t.Fatalf("sweep token %d: %v", i, err)
		}
	}
	if takeNow(b, forSweep) {
		t.Fatal("the sweeper took a token from the heartbeats' half of the bucket")
	}
	// Heartbeats take the rest.
	for i := range 2 {
		if err := b.wait(ctx, forHeartbeat); err != nil {
			t.Fatalf("heartbeat token %d: %v", i, err)
		}
	}
	// An empty bucket makes a heartbeat wait for the refill: 1/rate.
	done := make(chan error, 1)
	go func() { done <- b.wait(ctx, forHeartbeat) }()
	clk.BlockUntil(1)
	select {
	case err := <-done:
		t.Fatalf("a heartbeat took a token from an empty bucket (%v)", err)
	default:
	}
	clk.Advance(500 * time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := b.Stats(); st.Taken != 5 || st.Waited != 500*time.Millisecond {
		t.Fatalf("stats %+v, want 5 taken and 500ms waited", st)
	}
}

func TestTagBudgetWaitHonoursContext(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	b, _ := NewTagBudget(1, 1, func(o *TagBudgetOptions) { o.Clock = clk })
	if err := b.wait(context.Background(), forHeartbeat); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.wait(ctx, forHeartbeat) }()
	clk.BlockUntil(1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("wait = %v, want context.Canceled", err)
	}
}

func TestTagBudgetRemembersThrottling(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	b, _ := NewTagBudget(1, 1, func(o *TagBudgetOptions) { o.Clock = clk })
	b.observe(nil)
	b.observe(&types.QueueDoesNotExist{Message: aws.String("gone")})
	if !b.lastThrottled().IsZero() {
		t.Fatal("a success or another error counted as throttling")
	}
	clk.Advance(time.Minute)
	b.observe(&types.RequestThrottled{Message: aws.String("slow down")})
	if got := b.lastThrottled(); !got.Equal(clk.Now()) || b.Stats().Throttled != 1 {
		t.Fatalf("lastThrottled = %v (stats %+v), want %v and 1 throttle", got, b.Stats(), clk.Now())
	}
}

func TestTagBudgetServesWaitingHeartbeatsFirst(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	b, _ := NewTagBudget(1, 1, func(o *TagBudgetOptions) { o.Clock = clk })
	ctx := context.Background()
	if err := b.wait(ctx, forHeartbeat); err != nil {
		t.Fatal(err)
	}
	hb, sweep := make(chan error, 1), make(chan error, 1)
	go func() { sweep <- b.wait(ctx, forSweep) }()
	clk.BlockUntil(1)
	go func() { hb <- b.wait(ctx, forHeartbeat) }()
	clk.BlockUntil(2)
	clk.Advance(time.Second) // one token
	if err := <-hb; err != nil {
		t.Fatal(err)
	}
	select {
	case <-sweep:
		t.Fatal("the sweeper took the token a waiting heartbeat needed")
	default:
	}
	clk.BlockUntil(1)
	clk.Advance(time.Second)
	if err := <-sweep; err != nil {
		t.Fatal(err)
	}
}

func TestTagBudgetSlowsDownWhenThrottledAndRecovers(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	b, _ := NewTagBudget(4, 4, func(o *TagBudgetOptions) { o.Clock = clk })
	throttled := &types.RequestThrottled{Message: aws.String("slow down")}
	for range 3 {
		b.observe(throttled)
	}
	if got := b.Stats().Rate; got != 0.5 {
		t.Fatalf("rate after 3 throttles = %v, want 4/8 = 0.5", got)
	}
	if takeNow(b, forHeartbeat) {
		t.Fatal("a throttle must empty the bucket")
	}
	for range 100 {
		b.observe(&types.RequestThrottled{})
	}
	if got := b.Stats().Rate; got != 0.04 {
		t.Fatalf("rate after many throttles = %v, want the floor 4/100", got)
	}
	for range 25 {
		b.observe(nil)
	}
	if got := b.Stats().Rate; got != 4 {
		t.Fatalf("rate after 25 calls got through = %v, want back to 4", got)
	}
}
