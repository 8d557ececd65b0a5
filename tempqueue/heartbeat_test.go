package tempqueue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/sweeper"
	"github.com/sqstemp/sqstemp/tempqueue"
)

func TestBadHeartbeatOptions(t *testing.T) {
	tests := []struct {
		param string
		fn    func(*tempqueue.Options)
	}{
		{"HeartbeatInterval", func(o *tempqueue.Options) { o.HeartbeatInterval = -time.Second }},
		{"HeartbeatConcurrency", func(o *tempqueue.Options) { o.HeartbeatConcurrency = -1 }},
	}
	for _, tt := range tests {
		srv := sqstest.New()
		_, err := tempqueue.New(context.Background(), srv, tt.fn)
		var bad *sqsapi.InvalidParameterError
		if !errors.As(err, &bad) || bad.Param != tt.param {
			t.Errorf("err = %v, want an *sqsapi.InvalidParameterError naming %s", err, tt.param)
		}
		if n := len(srv.CallCounts()); n != 0 {
			t.Errorf("%s: SQS calls made: %v", tt.param, srv.CallCounts())
		}
		srv.Close()
	}
}

// TestHeartbeatsUseTheGivenTagBudget: the host queue's heartbeats (the
// first one right after its creation) take their tokens from
// Options.TagBudget.
func TestHeartbeatsUseTheGivenTagBudget(t *testing.T) {
	srv := newServer(t)
	budget, err := sweeper.NewTagBudget(10, 10)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv, func(o *tempqueue.Options) {
		o.TagBudget = budget
		o.HeartbeatConcurrency = 2
	})
	testutil.CreateQueue(t, c, "q", nil, nil)
	testutil.Eventually(t, "the host's first heartbeat", func() bool { return c.Stats().Heartbeats.Heartbeats >= 1 })
	if got, want := budget.Stats().Taken, c.Stats().Heartbeats.Heartbeats; got < want {
		t.Errorf("budget gave %d tokens for %d heartbeats", got, want)
	}
}
