package sweeper

import (
	"context"
	"math/big"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// FuzzCheckTags feeds a check arbitrary retention and heartbeat tag values
// (tags are untrusted: anyone who can tag a queue writes them). It must
// never panic, never delete a queue whose retention tag is missing or not a
// whole number of at least 1, and delete only a queue whose heartbeat is,
// in exact arithmetic, older than its retention plus the skew margin; and
// it must delete an empty queue whose valid heartbeat is clearly that old.
func FuzzCheckTags(f *testing.F) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old := strconv.FormatInt(now.Add(-time.Hour).UnixMilli(), 10)
	fresh := strconv.FormatInt(now.UnixMilli(), 10)
	for _, s := range []struct {
		ret, hb       string
		hasRet, hasHb bool
	}{
		{"60", old, true, true}, {"60", fresh, true, true}, {"60", "", true, false}, {"", old, false, true},
		{"0", old, true, true}, {"-1", old, true, true}, {"abc", old, true, true}, {" 60", old, true, true},
		{"+60", old, true, true}, {"60.5", old, true, true}, {"1e3", old, true, true},
		{"9223372036854775807", old, true, true}, {"10000000000000", old, true, true}, {"9223372036", old, true, true},
		{"60", "-9223372036854775808", true, true}, {"60", "9223372036854775807", true, true},
		{"60", "0", true, true}, {"60", "1e12", true, true}, {"60", "0x10", true, true}, {"60", "", true, true},
	} {
		f.Add(s.ret, s.hb, s.hasRet, s.hasHb)
	}
	f.Fuzz(func(t *testing.T, ret, hb string, hasRet, hasHb bool) {
		ctx := context.Background()
		clk := clock.NewFake(now)
		srv := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
		defer srv.Close()
		tags := map[string]string{}
		if hasRet {
			tags[sqsapi.RetentionTag] = ret
		}
		if hasHb {
			tags[sqsapi.HeartbeatTag] = hb
		}
		name := pfx + "fuzz"
		out, err := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Tags: tags})
		if err != nil {
			return // a tag value SQS itself refuses
		}
		url := *out.QueueUrl
		s := NewSweeper(srv, func(o *Options) { o.Clock = clk; o.Logger = testutil.Quiet })
		// Queues are created "now"; look at them a little later, so that
		// the creation-time fallback never says idle.
		clk.Advance(time.Second)
		if err := s.check(ctx, url); err != nil {
			t.Fatalf("check: %v", err)
		}
		_, gerr := srv.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url})
		deleted := sqsapi.IsQueueDoesNotExist(gerr)

		retN, retErr := strconv.ParseInt(ret, 10, 64)
		retOK := hasRet && retErr == nil && retN >= sqsapi.MinIdleRetentionSeconds
		hbN, hbErr := strconv.ParseInt(hb, 10, 64)
		hbOK := hasHb && hbErr == nil
		// Exact: idle ms = now - hb; limit ms = ret*1000 + skew.
		var idle, limit big.Int
		if hbOK {
			idle.Sub(big.NewInt(clk.Now().UnixMilli()), big.NewInt(hbN))
		}
		limit.Mul(big.NewInt(retN), big.NewInt(1000))
		limit.Add(&limit, big.NewInt(defaultSkewMargin.Milliseconds()))
		stale := retOK && hbOK && idle.Cmp(&limit) > 0

		if deleted && !stale {
			t.Fatalf("deleted a queue that is not idle: retention %q (set %v), heartbeat %q (set %v); idle %s ms, limit %s ms",
				ret, hasRet, hb, hasHb, idle.String(), limit.String())
		}
		// Liveness, within sane ranges (beyond ±292 years time.Duration
		// saturates, which only keeps queues).
		var margin big.Int
		margin.Add(&limit, big.NewInt(1000))
		if retOK && hbOK && retN <= 1e9 && idle.Cmp(&margin) > 0 && idle.Cmp(big.NewInt(1e12)) < 0 && !deleted {
			t.Fatalf("kept an idle queue: retention %q, heartbeat %q; idle %s ms, limit %s ms", ret, hb, idle.String(), limit.String())
		}
	})
}
