package virtualqueue

import (
	"container/heap"
	"time"

	"github.com/sqstemp/sqstemp/internal/clock"
)

// deadlineItem is an element of a deadlines heap.
type deadlineItem interface {
	deadlineKey() int64 // unix nanoseconds
	setHeapIndex(i int32)
}

// deadlines is a min-heap by deadline (container/heap), whose items know
// their index so that they can be removed or fixed in O(log n).
type deadlines[T deadlineItem] []T

func (h deadlines[T]) Len() int           { return len(h) }
func (h deadlines[T]) Less(i, j int) bool { return h[i].deadlineKey() < h[j].deadlineKey() }
func (h deadlines[T]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].setHeapIndex(int32(i))
	h[j].setHeapIndex(int32(j))
}

func (h *deadlines[T]) Push(x any) {
	it := x.(T)
	it.setHeapIndex(int32(len(*h)))
	*h = append(*h, it)
}

func (h *deadlines[T]) Pop() any {
	old := *h
	it := old[len(old)-1]
	var zero T
	old[len(old)-1] = zero
	*h = old[:len(old)-1]
	it.setHeapIndex(-1)
	return it
}

// next returns the earliest deadline, if any.
func (h *deadlines[T]) next() (int64, bool) {
	if len(*h) == 0 {
		return 0, false
	}
	return (*h)[0].deadlineKey(), true
}

// timed is a goroutine that sleeps until the earliest deadline of a heap,
// started with the first deadline and re-armed through kick when an earlier
// one is added.
type timed struct {
	started bool
	kick    chan struct{}
}

func newTimed() timed { return timed{kick: make(chan struct{}, 1)} }

// armLocked starts the goroutine running fire whenever the deadline given by
// next is due, or, if it runs, wakes it to look at next again. Callers hold
// c.mu.
func (c *Client) armLocked(t *timed, next func() (int64, bool), fire func()) {
	if !t.started {
		t.started = true
		c.wg.Add(1)
		go c.runTimed(t, next, fire)
		return
	}
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// runTimed sleeps until the deadline next reports (read under c.mu), runs
// fire, and again, until the client closes.
func (c *Client) runTimed(t *timed, next func() (int64, bool), fire func()) {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		var tc <-chan time.Time
		var tm clock.Timer
		if deadline, ok := next(); ok {
			now := c.now()
			tm = c.clock.NewTimer(time.Duration(deadline - now))
			// NewTimer is relative to the clock's time when it runs; if
			// the clock moved meanwhile (a fake clock advanced by a test),
			// the timer would fire late, so look again.
			if c.now()-now > int64(time.Millisecond) {
				tm.Stop()
				c.mu.Unlock()
				continue
			}
			tc = tm.C()
		}
		c.mu.Unlock()
		select {
		case <-c.ctx.Done():
			if tm != nil {
				tm.Stop()
			}
			return
		case <-t.kick:
			if tm != nil {
				tm.Stop()
			}
			continue
		case <-tc:
		}
		fire()
	}
}

// removeFrom removes the item at heap index idx from h; a negative idx
// means the item is not in h, and nothing is done.
func removeFrom[T deadlineItem](h *deadlines[T], idx int32) {
	if idx >= 0 {
		heap.Remove(h, int(idx))
	}
}
