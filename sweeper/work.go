package sweeper

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// handle handles one work message and says what becomes of it. A message
// whose handling failed is left on the queue: it is retried after the
// visibility timeout and lands in the DLQ after workMaxReceiveCount
// attempts.
func (s *Sweeper) handle(ctx context.Context, workURL string, m types.Message) outcome {
	wm, err := parseWorkMessage(deref(m.Body))
	if err != nil {
		s.badMessages.Add(1)
		s.log.Warn("dropping bad work message", "messageId", deref(m.MessageId), "error", err)
		return outcomeDone
	}
	if !s.inPeriod(wm) {
		s.stale.Add(1)
		s.log.Debug("dropping work of another sweep period", "kind", wm.Kind, "period", wm.Period, "now", s.period(s.opts.Clock.Now()))
		return outcomeDone
	}
	switch wm.Kind {
	case kindSweep:
		err = s.takeSeed(ctx, workURL, wm.Period)
	case kindList:
		err = s.listPage(ctx, workURL, wm.Period, wm.Page, wm.Token)
	case kindCheck:
		if reason := s.refuse(wm.QueueURL); reason != "" {
			s.badMessages.Add(1)
			s.log.Warn("dropping check of a queue this sweeper must not touch", "queue", wm.QueueURL, "reason", reason)
			return outcomeDone
		}
		s.checks.Add(1)
		err = s.check(ctx, wm.QueueURL)
	}
	switch {
	case err == nil:
		return outcomeDone
	case ctx.Err() != nil:
		return outcomeRelease
	default:
		s.logErr("work message failed; it will be retried", "kind", wm.Kind, "period", wm.Period, "error", err)
		return outcomeRetry
	}
}

// inPeriod reports whether the work of m is still worth doing. A seed is
// acted on only in its own period (or the one before it, for a sender whose
// clock runs ahead): after a stall, the seeds of past periods are dropped
// instead of running as a burst of sweeps, since the current period's sweep
// covers every queue. A listing page may finish in the next period (a long
// listing, or one whose taker died near the end of its period); a check may
// too (they are fanned out until the listing ends). A check without a period
// is always done.
func (s *Sweeper) inPeriod(m workMessage) bool {
	lag := s.period(s.opts.Clock.Now()) - m.Period
	switch m.Kind {
	case kindSweep:
		return lag == 0 || lag == -1
	case kindList:
		return lag >= -1 && lag <= 1
	default:
		return m.Period == 0 || lag <= 1
	}
}

// refuse returns why a check of rawURL must not be performed, or "". Only
// queues whose name carries the prefix, that are not the work queue or its
// DLQ, and that live at the same scheme, endpoint and account as the work
// queue are ever checked: a check message is untrusted input.
func (s *Sweeper) refuse(rawURL string) string {
	u, err := sqsapi.ParseQueueURL(rawURL)
	if err != nil {
		return "not a queue URL: " + err.Error()
	}
	if !strings.HasPrefix(u.Name, s.opts.QueuePrefix) {
		return "name does not start with the prefix"
	}
	if u.Name == s.workName || u.Name == s.dlqName {
		return "the sweeper's own work queue"
	}
	s.mu.Lock()
	work := s.workLoc
	s.mu.Unlock()
	switch {
	case work.Host == "":
		return "the work queue's endpoint is not known yet"
	case u.Scheme != work.Scheme:
		return "not the work queue's scheme"
	case u.Host != work.Host || u.Account != work.Account:
		return "not on the work queue's endpoint and account"
	}
	return ""
}
