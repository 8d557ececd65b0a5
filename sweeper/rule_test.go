package sweeper

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

func TestRuleDecide(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	ms := func(ago time.Duration) string { return strconv.FormatInt(now.Add(-ago).UnixMilli(), 10) }
	secs := func(ago time.Duration) string { return strconv.FormatInt(now.Add(-ago).Unix(), 10) }
	const noHeartbeat = "\x00(no heartbeat tag)"
	tagged := func(retention, heartbeat string) map[string]string {
		m := map[string]string{sqsapi.RetentionTag: retention}
		if heartbeat != noHeartbeat {
			m[sqsapi.HeartbeatTag] = heartbeat
		}
		return m
	}
	counts := func(visible, inFlight, delayed string) map[string]string {
		return map[string]string{
			"ApproximateNumberOfMessages":           visible,
			"ApproximateNumberOfMessagesNotVisible": inFlight,
			"ApproximateNumberOfMessagesDelayed":    delayed,
			"CreatedTimestamp":                      secs(time.Hour),
		}
	}
	empty := counts("0", "0", "0")
	rule := Rule{SkewMargin: 10 * time.Second, NonEmptyGrace: time.Hour}

	tests := []struct {
		name  string
		rule  Rule
		tags  map[string]string
		attrs map[string]string
		want  Verdict
	}{
		{"no tags at all", rule, nil, empty, Untagged},
		{"heartbeat but no retention tag", rule, map[string]string{sqsapi.HeartbeatTag: ms(time.Hour)}, empty, Untagged},
		{"retention tag not a number", rule, tagged("5m", ms(time.Hour)), empty, Unreadable},
		{"retention tag zero", rule, tagged("0", ms(time.Hour)), empty, Unreadable},
		{"retention tag negative", rule, tagged("-300", ms(time.Hour)), empty, Unreadable},
		{"retention beyond 73 years never expires", rule, tagged(strconv.FormatInt(math.MaxInt64/int64(time.Second), 10), "0"), empty, InUse},
		{"heartbeat tag unreadable keeps the queue", rule, tagged("300", "yesterday"), empty, Unreadable},
		{"heartbeat tag empty keeps the queue", rule, tagged("300", ""), empty, Unreadable},
		{"fresh heartbeat", rule, tagged("300", ms(time.Second)), nil, InUse},
		{"heartbeat exactly at retention", rule, tagged("300", ms(300*time.Second)), nil, InUse},
		{"heartbeat inside the skew margin", rule, tagged("300", ms(305*time.Second)), nil, InUse},
		{"heartbeat at retention + margin", rule, tagged("300", ms(310*time.Second)), nil, InUse},
		{"heartbeat past retention + margin needs attributes", rule, tagged("300", ms(311*time.Second)), nil, NeedAttributes},
		{"heartbeat in the future", rule, tagged("300", ms(-time.Hour)), nil, InUse},
		{"stale heartbeat, empty queue", rule, tagged("300", ms(311*time.Second)), empty, Idle},
		{"stale heartbeat, visible messages", rule, tagged("300", ms(311*time.Second)), counts("1", "0", "0"), KeptNonEmpty},
		{"stale heartbeat, in-flight messages", rule, tagged("300", ms(311*time.Second)), counts("0", "2", "0"), KeptNonEmpty},
		{"stale heartbeat, delayed messages", rule, tagged("300", ms(311*time.Second)), counts("0", "0", "3"), KeptNonEmpty},
		{"stale heartbeat, unreadable counts", rule, tagged("300", ms(311*time.Second)), counts("x", "0", "0"), KeptNonEmpty},
		{"stale heartbeat, missing counts", rule, tagged("300", ms(311*time.Second)), map[string]string{}, KeptNonEmpty},
		{"non-empty past the grace", rule, tagged("300", ms(310*time.Second+time.Hour+time.Second)), counts("1", "0", "0"), Idle},
		{"non-empty at the grace", rule, tagged("300", ms(310*time.Second+time.Hour)), counts("1", "0", "0"), KeptNonEmpty},
		{"negative grace keeps non-empty for ever", Rule{SkewMargin: 10 * time.Second, NonEmptyGrace: -1}, tagged("300", ms(1000*time.Hour)), counts("1", "0", "0"), KeptNonEmpty},
		{"huge margin does not wrap around", Rule{SkewMargin: math.MaxInt64, NonEmptyGrace: math.MaxInt64}, tagged(strconv.FormatInt(maxRetentionSeconds, 10), "0"), empty, InUse},
		{"no heartbeat, young queue", rule, tagged("300", noHeartbeat), map[string]string{"CreatedTimestamp": secs(time.Minute),
			"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0"}, InUse},
		{"no heartbeat, old empty queue", rule, tagged("300", noHeartbeat), empty, Idle},
		{"no heartbeat, unreadable creation time", rule, tagged("300", noHeartbeat), map[string]string{"CreatedTimestamp": "soon"}, Unreadable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.rule.Decide(now, tt.tags, tt.attrs)
			if got.Verdict != tt.want {
				t.Fatalf("Decide = %v (%s), want %v", got.Verdict, got.Reason, tt.want)
			}
			if got.Reason == "" {
				t.Errorf("Decide gave no reason for %v", got.Verdict)
			}
		})
	}
}

func TestRuleDecideReportsWhatItRead(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	hb := now.Add(-400 * time.Second)
	d := Rule{SkewMargin: 10 * time.Second}.Decide(now,
		map[string]string{sqsapi.RetentionTag: "300", sqsapi.HeartbeatTag: strconv.FormatInt(hb.UnixMilli(), 10)},
		map[string]string{"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0"})
	if d.Verdict != Idle || d.Retention != 300*time.Second || !d.LastHeartbeat.Equal(hb) || d.IdleFor != 400*time.Second {
		t.Fatalf("Decide = %+v; want Idle, retention 5m, heartbeat %v, idle 400s", d, hb)
	}
}

// heartbeatDuringCheck writes a fresh heartbeat on the queue right after the
// check reads its attributes, as a live owner might.
type heartbeatDuringCheck struct {
	sqsapi.API
	now func() time.Time
}

func (h heartbeatDuringCheck) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	out, err := h.API.GetQueueAttributes(ctx, in, optFns...)
	if err == nil {
		_, err = h.API.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: in.QueueUrl,
			Tags: map[string]string{sqsapi.HeartbeatTag: strconv.FormatInt(h.now().UnixMilli(), 10)}})
	}
	return out, err
}

func TestRuleCheckReadsTagsAgainBeforeDeleting(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	srv := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
	defer srv.Close()
	stale := strconv.FormatInt(clk.Now().Add(-time.Hour).UnixMilli(), 10)
	tags := map[string]string{sqsapi.RetentionTag: "300", sqsapi.HeartbeatTag: stale}
	rule := Rule{SkewMargin: 10 * time.Second, NonEmptyGrace: time.Hour}
	ctx := context.Background()

	live := testutil.CreateQueue(t, srv, "live", nil, tags)
	d, deleted, err := rule.Check(ctx, heartbeatDuringCheck{srv, clk.Now}, live, clk.Now, nil)
	if err != nil || deleted || d.Verdict != InUse {
		t.Fatalf("Check = %v, deleted %v, %v; want the queue kept as in use after its new heartbeat", d.Verdict, deleted, err)
	}

	dead := testutil.CreateQueue(t, srv, "dead", nil, tags)
	if _, deleted, err := rule.Check(ctx, srv, dead, clk.Now, func(Decision) bool { return false }); err != nil || deleted {
		t.Fatalf("Check with mayDelete refusing: deleted %v, %v", deleted, err)
	}
	d, deleted, err = rule.Check(ctx, srv, dead, clk.Now, nil)
	if err != nil || !deleted || d.Verdict != Idle {
		t.Fatalf("Check = %v, deleted %v, %v; want an idle queue deleted", d.Verdict, deleted, err)
	}
	if _, deleted, err := rule.Check(ctx, srv, dead, clk.Now, nil); err != nil || deleted {
		t.Fatalf("Check of a deleted queue: deleted %v, %v; want nothing and no error", deleted, err)
	}
}
