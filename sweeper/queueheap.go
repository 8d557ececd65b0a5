package sweeper

import (
	"container/heap"
	"time"
)

// queueHeap is a min-heap (container/heap) of held queues by a time. Each
// queue keeps its index in the heap, -1 when not in it, so that it can be
// moved or removed in O(log n).
type queueHeap struct {
	qs    []*queueState
	key   func(*queueState) time.Time
	index func(*queueState) *int
}

func (h *queueHeap) Len() int           { return len(h.qs) }
func (h *queueHeap) Less(i, j int) bool { return h.key(h.qs[i]).Before(h.key(h.qs[j])) }

func (h *queueHeap) Swap(i, j int) {
	h.qs[i], h.qs[j] = h.qs[j], h.qs[i]
	*h.index(h.qs[i]) = i
	*h.index(h.qs[j]) = j
}

// Push is for container/heap; use set.
func (h *queueHeap) Push(x any) {
	q := x.(*queueState)
	*h.index(q) = len(h.qs)
	h.qs = append(h.qs, q)
}

// Pop is for container/heap; use pop.
func (h *queueHeap) Pop() any {
	n := len(h.qs) - 1
	q := h.qs[n]
	h.qs[n] = nil
	h.qs = h.qs[:n]
	*h.index(q) = -1
	return q
}

// peek returns the queue with the earliest time, or nil.
func (h *queueHeap) peek() *queueState {
	if len(h.qs) == 0 {
		return nil
	}
	return h.qs[0]
}

// pop removes and returns the queue with the earliest time.
func (h *queueHeap) pop() *queueState { return heap.Pop(h).(*queueState) }

// set adds q, or moves it after its time changed.
func (h *queueHeap) set(q *queueState) {
	if i := *h.index(q); i >= 0 {
		heap.Fix(h, i)
		return
	}
	heap.Push(h, q)
}

// remove takes q out, if it is in.
func (h *queueHeap) remove(q *queueState) {
	if i := *h.index(q); i >= 0 {
		heap.Remove(h, i)
	}
}
