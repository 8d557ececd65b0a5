package sqstest

import (
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// isTagging reports whether op is one of the tagging actions SQS limits per
// account.
func isTagging(op string) bool {
	return op == "TagQueue" || op == "UntagQueue" || op == "ListQueueTags"
}

// errRequestThrottled is what SQS answers to a call past a rate limit: the
// SDK's typed error, carrying the query code as every typed error here does.
func errRequestThrottled(op string) error {
	return &types.RequestThrottled{Message: aws.String("Rate exceeded for " + op + ": the account's quota of tagging actions per second is used up."),
		ErrorCodeOverride: queryCode("RequestThrottled")}
}

// TaggingStats counts the tagging actions (TagQueue, UntagQueue,
// ListQueueTags) a Server received, for simulations that must stay within
// SQS's per-account quota on them (Options.TaggingQuota).
type TaggingStats struct {
	// Calls is the number of tagging actions that reached the quota check
	// (after Latency and injected faults): performed or throttled.
	Calls int64
	// Throttled is the number of those refused with *types.RequestThrottled.
	Throttled int64
	// PeakTPS is the largest number of tagging actions performed within
	// one second of the Server's clock (whole seconds, [s, s+1)); with a
	// quota it is at most TaggingQuota + TaggingBurst. PeakAt is the start
	// of that second.
	PeakTPS int64
	PeakAt  time.Time
	// PeakRequestedTPS is the same peak counting throttled calls too: the
	// demand, which may exceed the quota.
	PeakRequestedTPS int64
}

// TaggingStats returns the counters of tagging actions so far.
// ResetCallCounts resets them.
func (s *Server) TaggingStats() TaggingStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tagging.stats
}

// tagQuota is the account-wide token bucket of tagging actions and its
// counters. Its fields are guarded by Server.mu.
type tagQuota struct {
	rate   float64 // tokens per second; 0 means no limit
	burst  float64
	tokens float64
	last   time.Time // when tokens was last refilled

	stats     TaggingStats
	second    int64 // Unix second being counted
	performed int64 // tagging actions performed in that second
	requested int64 // tagging actions requested in that second
}

func newTagQuota(rate float64, burst int, now time.Time) tagQuota {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return tagQuota{}
	}
	if burst <= 0 {
		burst = max(1, int(math.Ceil(rate)))
	}
	return tagQuota{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

// take counts one tagging action at now and reports whether the quota lets
// it through.
func (q *tagQuota) take(now time.Time) bool {
	ok := true
	if q.rate > 0 {
		if d := now.Sub(q.last); d > 0 {
			q.tokens = min(q.burst, q.tokens+d.Seconds()*q.rate)
			q.last = now
		}
		if q.tokens >= 1 {
			q.tokens--
		} else {
			ok = false
		}
	}
	q.count(now, ok)
	return ok
}

// count records one tagging action in the counters.
func (q *tagQuota) count(now time.Time, performed bool) {
	if sec := now.Unix(); sec != q.second {
		q.second, q.performed, q.requested = sec, 0, 0
	}
	q.stats.Calls++
	q.requested++
	if performed {
		q.performed++
	} else {
		q.stats.Throttled++
	}
	if q.performed > q.stats.PeakTPS {
		q.stats.PeakTPS = q.performed
		q.stats.PeakAt = time.Unix(q.second, 0).In(now.Location())
	}
	q.stats.PeakRequestedTPS = max(q.stats.PeakRequestedTPS, q.requested)
}

func (q *tagQuota) resetStats() {
	q.stats = TaggingStats{}
	q.second, q.performed, q.requested = 0, 0, 0
}
