package sweeper

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// A sweep fans out one check per queue within seconds of the period start,
// and each check is a ListQueueTags: were they all done at once, a fleet's
// sweep would send its account's tagging actions far past SQS's quota every
// period, throttling the heartbeats of live queues with them (and, through
// the deletion guard, deferring every deletion). So each check is due at a
// time of its own: an offset into the period derived from the queue's URL,
// spread evenly over the first checkWindowShare of the period and the same
// every period (so a queue's checks are one period apart, and a queue that
// turns idle is checked within a period). The
// Sweeper that receives a check that is not due yet holds it until then
// (its visibility set to last that long, in one call per receive), while it
// goes on polling; the account then sees the sweep's checks as a steady
// rate, never as a burst.

// checkWindowShare is the share of the period over which checks are due,
// leaving the rest for the last ones to finish within the period.
const checkWindowShare = 0.8

// earlyCheck is how early a check may run: one due sooner is not held.
const earlyCheck = time.Second

// maxBatch is SQS's limit of entries per batch call.
const maxBatch = 10

// checkWindow is the time after a period start within which checks are due.
func (s *Sweeper) checkWindow() time.Duration {
	return time.Duration(float64(s.opts.SweepPeriod) * checkWindowShare)
}

// checkOffset is when the check of the queue at queueURL is due, after the
// period start: a hash of the URL, spread evenly over the check window.
func (s *Sweeper) checkOffset(queueURL string) time.Duration {
	w := s.checkWindow()
	if w <= 0 {
		return 0
	}
	sum := sha256.Sum256([]byte(queueURL))
	return time.Duration(binary.BigEndian.Uint64(sum[:8]) % uint64(w))
}

// checkDue is when the check m is due. Its offset is untrusted input, so it
// is bounded by the check window.
func (s *Sweeper) checkDue(m workMessage) time.Time {
	return s.periodStart(m.Period).Add(min(time.Duration(m.At)*time.Millisecond, s.checkWindow()))
}

// heldCheck is a received check held until it is due.
type heldCheck struct {
	due     time.Time
	workURL string
	msg     types.Message
}

// agenda holds the checks this Sweeper received before they were due, and
// runs them when they are; Stop hands back those still held.
type agenda struct {
	mu    sync.Mutex
	items heldHeap
	wake  chan struct{} // a new item may be due sooner
}

func newAgenda() *agenda { return &agenda{wake: make(chan struct{}, 1)} }

type heldHeap []heldCheck

func (h heldHeap) Len() int           { return len(h) }
func (h heldHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h heldHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *heldHeap) Push(x any)        { *h = append(*h, x.(heldCheck)) }
func (h *heldHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// holdEarly takes from msgs the checks that are not due yet, holds them in
// the agenda (their visibility extended until they are due, plus the usual
// work visibility, in one call), and returns the messages to handle now.
func (s *Sweeper) holdEarly(ctx context.Context, workURL string, msgs []types.Message) []types.Message {
	now := s.opts.Clock.Now()
	vis := s.workVisibility()
	var (
		now2    []types.Message
		held    []heldCheck
		entries []types.ChangeMessageVisibilityBatchRequestEntry
	)
	for _, m := range msgs {
		wm, err := parseWorkMessage(deref(m.Body))
		if err != nil || wm.Kind != kindCheck || !s.inPeriod(wm) {
			now2 = append(now2, m) // handle reports and drops it
			continue
		}
		due := s.checkDue(wm)
		if due.Sub(now) <= earlyCheck {
			now2 = append(now2, m)
			continue
		}
		held = append(held, heldCheck{due: due, workURL: workURL, msg: m})
		entries = append(entries, types.ChangeMessageVisibilityBatchRequestEntry{
			Id: ptr(strconv.Itoa(len(entries))), ReceiptHandle: m.ReceiptHandle,
			VisibilityTimeout: int32((due.Sub(now) + vis).Round(time.Second).Seconds()),
		})
	}
	if len(held) == 0 {
		return now2
	}
	// A failed extension only means the check may be redelivered before it
	// is due, and held again by whoever receives it: harmless.
	s.changeVisibility(ctx, workURL, entries, "hold")
	s.paced.Add(int64(len(held)))
	s.agenda.mu.Lock()
	for _, h := range held {
		heap.Push(&s.agenda.items, h)
	}
	s.agenda.mu.Unlock()
	select {
	case s.agenda.wake <- struct{}{}:
	default:
	}
	return now2
}

// hold puts checks back into the agenda, due now (for releaseHeld).
func (s *Sweeper) hold(workURL string, msgs []types.Message) {
	s.agenda.mu.Lock()
	defer s.agenda.mu.Unlock()
	for _, m := range msgs {
		heap.Push(&s.agenda.items, heldCheck{due: s.opts.Clock.Now(), workURL: workURL, msg: m})
	}
}

// runAgenda is the Sweeper's second goroutine: it runs each held check when
// it is due (those due together as one batch of work), and when ctx ends
// hands back every check still held.
func (s *Sweeper) runAgenda(ctx context.Context) {
	a := s.agenda
	for {
		a.mu.Lock()
		var wait time.Duration = -1
		if len(a.items) > 0 {
			wait = max(a.items[0].due.Sub(s.opts.Clock.Now()), 0)
		}
		a.mu.Unlock()
		var fire <-chan time.Time
		var t interface{ Stop() bool }
		if wait >= 0 {
			tm := s.opts.Clock.NewTimer(max(wait, time.Millisecond))
			fire, t = tm.C(), tm
		}
		select {
		case <-ctx.Done():
			if t != nil {
				t.Stop()
			}
			s.releaseHeld(ctx)
			return
		case <-a.wake:
			if t != nil {
				t.Stop()
			}
			continue
		case <-fire:
		}
		for workURL, msgs := range s.dueChecks() {
			for len(msgs) > 0 && ctx.Err() == nil {
				k := min(len(msgs), maxBatch)
				s.work(ctx, workURL, msgs[:k])
				msgs = msgs[k:]
			}
			if len(msgs) > 0 { // Stop came: hand the rest back
				s.hold(workURL, msgs)
			}
		}
	}
}

// dueChecks takes the held checks that are due now, by work queue URL.
func (s *Sweeper) dueChecks() map[string][]types.Message {
	a := s.agenda
	a.mu.Lock()
	defer a.mu.Unlock()
	now := s.opts.Clock.Now()
	due := map[string][]types.Message{}
	for len(a.items) > 0 && !a.items[0].due.After(now.Add(earlyCheck)) {
		h := heap.Pop(&a.items).(heldCheck)
		due[h.workURL] = append(due[h.workURL], h.msg)
	}
	return due
}

// releaseHeld hands every held check back to the work queue (visibility 0)
// for another process to take when Stop is called.
func (s *Sweeper) releaseHeld(ctx context.Context) {
	a := s.agenda
	a.mu.Lock()
	byURL := map[string][]types.Message{}
	for _, h := range a.items {
		byURL[h.workURL] = append(byURL[h.workURL], h.msg)
	}
	a.items = nil
	a.mu.Unlock()
	for workURL, msgs := range byURL {
		for len(msgs) > 0 {
			k := min(len(msgs), maxBatch)
			s.release(ctx, workURL, msgs[:k])
			msgs = msgs[k:]
		}
	}
}
