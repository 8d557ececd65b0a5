package sqstest

import (
	"container/heap"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// message is one message in a queue. At time now it is
//   - delayed:   receiveCount == 0 && visibleAt > now
//   - in flight: receiveCount > 0 && visibleAt > now
//   - visible:   visibleAt <= now
type message struct {
	seq       uint64 // server-wide, increasing; orders messages
	id        string
	body      string
	attrs     map[string]types.MessageAttributeValue
	md5Body   string
	sentAt    time.Time
	visibleAt time.Time

	receiveCount int
	firstReceive time.Time
	handle       string // the most recent receipt handle

	groupID   string // FIFO (or fair standard queue)
	dedupID   string // FIFO
	seqNumber string // FIFO
	dlqSource string // ARN of the queue it was moved from, if any
	trace     string // AWSTraceHeader system attribute

	heapIndex int
	group     *group // FIFO only
}

func (m *message) inFlight(now time.Time) bool { return m.receiveCount > 0 && m.visibleAt.After(now) }

// msgHeap orders messages by (visibleAt, seq): the visible ones come first,
// oldest first, then the next to become visible.
type msgHeap []*message

func (h msgHeap) Len() int { return len(h) }
func (h msgHeap) Less(i, j int) bool {
	if !h[i].visibleAt.Equal(h[j].visibleAt) {
		return h[i].visibleAt.Before(h[j].visibleAt)
	}
	return h[i].seq < h[j].seq
}
func (h msgHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = i
	h[j].heapIndex = j
}
func (h *msgHeap) Push(x any) {
	m := x.(*message)
	m.heapIndex = len(*h)
	*h = append(*h, m)
}
func (h *msgHeap) Pop() any {
	old := *h
	m := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	m.heapIndex = -1
	return m
}

// group is a FIFO message group: its messages in send order.
type group struct {
	id        string
	msgs      []*message
	where     groupPlace
	heapIndex int       // in queue.groups or queue.waiting, by where
	until     time.Time // while waiting: when its state may change
}

// groupPlace says which heap of its queue a group is in.
type groupPlace int

const (
	// outOfHeaps: empty, or being visited by a receive.
	outOfHeaps groupPlace = iota
	// ready: its first message can be received now, none is in flight.
	ready
	// waiting: a message of it is in flight, or its first is delayed, until
	// group.until.
	waiting
)

// groupHeap is a heap of FIFO groups: the ready ones by the sequence number
// of their first message (the order in which receives visit them), or, with
// byUntil, the waiting ones by the time their state may change. Keeping the
// waiting groups apart means a receive never looks at a group it cannot take
// from: with thousands of groups in flight (a sweep's held checks, say),
// receives stay O(k log groups).
type groupHeap struct {
	gs      []*group
	byUntil bool
}

func (h *groupHeap) Len() int { return len(h.gs) }
func (h *groupHeap) Less(i, j int) bool {
	if h.byUntil {
		return h.gs[i].until.Before(h.gs[j].until)
	}
	return h.gs[i].msgs[0].seq < h.gs[j].msgs[0].seq
}
func (h *groupHeap) Swap(i, j int) {
	h.gs[i], h.gs[j] = h.gs[j], h.gs[i]
	h.gs[i].heapIndex = i
	h.gs[j].heapIndex = j
}
func (h *groupHeap) Push(x any) {
	g := x.(*group)
	g.heapIndex = len(h.gs)
	h.gs = append(h.gs, g)
}
func (h *groupHeap) Pop() any {
	g := h.gs[len(h.gs)-1]
	h.gs[len(h.gs)-1] = nil
	h.gs = h.gs[:len(h.gs)-1]
	g.heapIndex = -1
	return g
}

type dedupEntry struct {
	id        string
	expires   time.Time
	messageID string
	seqNumber string
}

// queue is one SQS queue. All fields are guarded by Server.mu.
type queue struct {
	name     string
	url      string
	arn      string
	fifo     bool
	created  time.Time
	modified time.Time

	attrs attributes
	tags  map[string]string

	msgs    map[uint64]*message // by seq
	heap    msgHeap             // every message, by (visibleAt, seq)
	group   map[string]*group   // FIFO: non-empty groups
	groups  groupHeap           // FIFO: the ready ones, by first message
	waiting groupHeap           // FIFO: the others, by when they may be ready (byUntil)

	dedup      map[string]*dedupEntry // FIFO: by deduplication ID
	dedupOrder []*dedupEntry          // FIFO: in expiry order

	lastPurge time.Time
	signal    chan struct{} // closed and replaced on every change that may wake a long poll
	gone      bool          // deleted
}

// notify wakes every long poll waiting on q.
func (q *queue) notify() {
	close(q.signal)
	q.signal = make(chan struct{})
}

// attributes are a queue's settable attributes, parsed.
type attributes struct {
	delay        int // seconds
	maxSize      int // bytes
	retention    int // seconds
	waitTime     int // seconds
	visibility   int // seconds
	contentDedup bool
	redrive      *redrivePolicy
	raw          map[string]string // every attribute set explicitly, as given (normalized)
}

type redrivePolicy struct {
	dlqArn          string
	maxReceiveCount int
}

// maxMessageSize is the largest message SQS accepts and the default of the
// MaximumMessageSize attribute: 1 MiB, per the current API reference (it was
// 256 KiB before August 2025). A batch's total payload has the same limit.
const maxMessageSize = 1 << 20

func defaultAttributes() attributes {
	return attributes{maxSize: maxMessageSize, retention: 345600, visibility: 30, raw: map[string]string{}}
}

// settable lists the attributes CreateQueue and SetQueueAttributes accept,
// with their validators (nil: any value accepted and stored).
var settable = map[string]func(a *attributes, v string, fifo bool) (string, error){
	"DelaySeconds":                  intAttr(0, 900, func(a *attributes, n int) { a.delay = n }),
	"MaximumMessageSize":            intAttr(1024, maxMessageSize, func(a *attributes, n int) { a.maxSize = n }),
	"MessageRetentionPeriod":        intAttr(60, 1209600, func(a *attributes, n int) { a.retention = n }),
	"ReceiveMessageWaitTimeSeconds": intAttr(0, 20, func(a *attributes, n int) { a.waitTime = n }),
	"VisibilityTimeout":             intAttr(0, 43200, func(a *attributes, n int) { a.visibility = n }),
	"KmsDataKeyReusePeriodSeconds":  intAttr(60, 86400, func(*attributes, int) {}),
	"Policy":                        nil,
	"KmsMasterKeyId":                nil,
	"RedriveAllowPolicy":            nil,
	"SqsManagedSseEnabled":          boolAttr(func(*attributes, bool) {}),
	"FifoQueue": func(a *attributes, v string, fifo bool) (string, error) {
		b, err := parseBool("FifoQueue", v)
		if err != nil {
			return "", err
		}
		if b != fifo {
			return "", errInvalidAttributeValue("FifoQueue", v, "a queue's type cannot be changed, and only queues named *.fifo are FIFO queues")
		}
		return strconv.FormatBool(b), nil
	},
	"ContentBasedDeduplication": func(a *attributes, v string, fifo bool) (string, error) {
		if !fifo {
			return "", errInvalidAttributeName("ContentBasedDeduplication")
		}
		b, err := parseBool("ContentBasedDeduplication", v)
		if err != nil {
			return "", err
		}
		a.contentDedup = b
		return strconv.FormatBool(b), nil
	},
	"DeduplicationScope":  fifoEnumAttr("DeduplicationScope", "messageGroup", "queue"),
	"FifoThroughputLimit": fifoEnumAttr("FifoThroughputLimit", "perQueue", "perMessageGroupId"),
	"RedrivePolicy": func(a *attributes, v string, fifo bool) (string, error) {
		if v == "" {
			a.redrive = nil
			return "", nil
		}
		var raw struct {
			DeadLetterTargetArn string          `json:"deadLetterTargetArn"`
			MaxReceiveCount     json.RawMessage `json:"maxReceiveCount"`
		}
		if err := json.Unmarshal([]byte(v), &raw); err != nil || raw.DeadLetterTargetArn == "" || len(raw.MaxReceiveCount) == 0 {
			return "", errInvalidParameter("Value %s for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map with deadLetterTargetArn and maxReceiveCount.", v)
		}
		n, err := strconv.Atoi(strings.Trim(string(raw.MaxReceiveCount), `"`))
		if err != nil || n < 1 || n > 1000 {
			return "", errInvalidParameter("Value %s for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: %s, valid values are from 1 to 1000 both inclusive.", v, raw.MaxReceiveCount)
		}
		a.redrive = &redrivePolicy{dlqArn: raw.DeadLetterTargetArn, maxReceiveCount: n}
		return `{"deadLetterTargetArn":"` + raw.DeadLetterTargetArn + `","maxReceiveCount":` + strconv.Itoa(n) + `}`, nil
	},
}

func intAttr(lo, hi int, set func(*attributes, int)) func(*attributes, string, bool) (string, error) {
	return func(a *attributes, v string, _ bool) (string, error) {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return "", errInvalidAttributeValue("", v, "must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
		}
		set(a, n)
		return strconv.Itoa(n), nil
	}
}

func boolAttr(set func(*attributes, bool)) func(*attributes, string, bool) (string, error) {
	return func(a *attributes, v string, _ bool) (string, error) {
		b, err := parseBool("", v)
		if err != nil {
			return "", err
		}
		set(a, b)
		return strconv.FormatBool(b), nil
	}
}

func fifoEnumAttr(name string, values ...string) func(*attributes, string, bool) (string, error) {
	return func(a *attributes, v string, fifo bool) (string, error) {
		if !fifo {
			return "", errInvalidAttributeName(name)
		}
		for _, ok := range values {
			if v == ok {
				return v, nil
			}
		}
		return "", errInvalidAttributeValue(name, v, "must be one of "+strings.Join(values, ", "))
	}
}

func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errInvalidAttributeValue(name, v, "must be true or false")
}

// applyAttributes validates in and applies it to a copy of a, returning the
// copy. Nothing is applied if any attribute is invalid.
func applyAttributes(a attributes, in map[string]string, fifo bool) (attributes, error) {
	out := a
	out.raw = make(map[string]string, len(a.raw)+len(in))
	for k, v := range a.raw {
		out.raw[k] = v
	}
	for k, v := range in {
		fn, ok := settable[k]
		if !ok {
			return a, errInvalidAttributeName(k)
		}
		norm := v
		if fn != nil {
			var err error
			if norm, err = fn(&out, v, fifo); err != nil {
				if e, ok := err.(*types.InvalidAttributeValue); ok && e.Message != nil {
					msg := strings.Replace(*e.Message, "parameter  (", "parameter "+k+" (", 1)
					e.Message = &msg
				}
				return a, err
			}
		}
		if k == "RedrivePolicy" && norm == "" {
			delete(out.raw, k)
			continue
		}
		out.raw[k] = norm
	}
	return out, nil
}

// normalizeAttribute returns v as applyAttributes would store it, for the
// comparison CreateQueue makes against an existing queue.
func normalizeAttribute(k, v string, fifo bool) (string, bool) {
	fn, ok := settable[k]
	if !ok {
		return "", false
	}
	if fn == nil {
		return v, true
	}
	a := defaultAttributes()
	norm, err := fn(&a, v, fifo)
	return norm, err == nil
}

// attributeValue returns the value of attribute k as GetQueueAttributes
// reports it: the value set, else the one SQS reports for an unset
// attribute. ok is false for an attribute q does not report (unset, with
// no default, or FIFO-only on a standard queue).
func (q *queue) attributeValue(k string) (string, bool) {
	if v, ok := q.attrs.raw[k]; ok {
		return v, true
	}
	switch k {
	case "DelaySeconds":
		return "0", true
	case "MaximumMessageSize":
		return strconv.Itoa(maxMessageSize), true
	case "MessageRetentionPeriod":
		return "345600", true
	case "ReceiveMessageWaitTimeSeconds":
		return "0", true
	case "VisibilityTimeout":
		return "30", true
	case "SqsManagedSseEnabled":
		return "true", true
	case "FifoQueue":
		if q.fifo {
			return "true", true
		}
	case "ContentBasedDeduplication":
		if q.fifo {
			return "false", true
		}
	case "DeduplicationScope":
		if q.fifo {
			return "queue", true
		}
	case "FifoThroughputLimit":
		if q.fifo {
			return "perQueue", true
		}
	}
	return "", false
}

// add puts m in q at now.
func (q *queue) add(m *message, now time.Time) {
	q.msgs[m.seq] = m
	heap.Push(&q.heap, m)
	if q.fifo {
		g := q.group[m.groupID]
		if g == nil {
			g = &group{id: m.groupID, heapIndex: -1}
			q.group[m.groupID] = g
		}
		g.msgs = append(g.msgs, m)
		m.group = g
		if len(g.msgs) == 1 {
			q.place(g, now)
		}
	}
}

// remove takes m out of q at now.
func (q *queue) remove(m *message, now time.Time) {
	delete(q.msgs, m.seq)
	if m.heapIndex >= 0 {
		heap.Remove(&q.heap, m.heapIndex)
	}
	if g := m.group; g != nil {
		for i, other := range g.msgs {
			if other == m {
				g.msgs = append(g.msgs[:i], g.msgs[i+1:]...)
				break
			}
		}
		m.group = nil
		if g.where != outOfHeaps || len(g.msgs) == 0 {
			q.place(g, now)
		}
	}
}

// setVisibleAt moves m's visibility at now and keeps the heaps ordered.
func (q *queue) setVisibleAt(m *message, t, now time.Time) {
	m.visibleAt = t
	heap.Fix(&q.heap, m.heapIndex)
	if g := m.group; g != nil && g.where != outOfHeaps {
		q.place(g, now)
	}
}

// place puts the FIFO group g in the heap its state at now calls for:
// waiting while a message of it is in flight (until the last of them
// becomes visible again) or its first message is delayed, else ready; an
// empty group is forgotten.
func (q *queue) place(g *group, now time.Time) {
	switch g.where {
	case ready:
		heap.Remove(&q.groups, g.heapIndex)
	case waiting:
		heap.Remove(&q.waiting, g.heapIndex)
	}
	g.where = outOfHeaps
	if len(g.msgs) == 0 {
		if q.group[g.id] == g {
			delete(q.group, g.id)
		}
		return
	}
	var until time.Time
	for _, m := range g.msgs {
		if m.receiveCount == 0 {
			break // messages are received in order: none after this one is in flight
		}
		if m.inFlight(now) && m.visibleAt.After(until) {
			until = m.visibleAt
		}
	}
	if until.IsZero() && g.msgs[0].visibleAt.After(now) {
		until = g.msgs[0].visibleAt
	}
	if until.IsZero() {
		g.where = ready
		heap.Push(&q.groups, g)
		return
	}
	g.where, g.until = waiting, until
	heap.Push(&q.waiting, g)
}

// wake makes ready the waiting FIFO groups whose time has come.
func (q *queue) wake(now time.Time) {
	for q.waiting.Len() > 0 && !q.waiting.gs[0].until.After(now) {
		q.place(q.waiting.gs[0], now)
	}
}

func (q *queue) expired(m *message, now time.Time) bool {
	return !m.sentAt.Add(time.Duration(q.attrs.retention) * time.Second).After(now)
}

// counts returns the Approximate* counts at now. It is O(messages).
func (q *queue) counts(now time.Time) (visible, inFlight, delayed int) {
	for _, m := range q.heap {
		if q.expired(m, now) && !m.inFlight(now) {
			continue
		}
		switch {
		case !m.visibleAt.After(now):
			visible++
		case m.receiveCount > 0:
			inFlight++
		default:
			delayed++
		}
	}
	return
}

// nextChange returns the earliest time after now at which a message of q
// becomes visible, or the zero time if none will without a call.
func (q *queue) nextChange(now time.Time) time.Time {
	if !q.fifo {
		for len(q.heap) > 0 {
			// The heap top is the earliest; if it is already visible a
			// receive would have taken it, unless the receive was full.
			top := q.heap[0]
			if top.visibleAt.After(now) {
				return top.visibleAt
			}
			return time.Time{}
		}
		return time.Time{}
	}
	q.wake(now)
	if q.waiting.Len() > 0 {
		return q.waiting.gs[0].until
	}
	return time.Time{}
}

// dedupLookup returns the live deduplication entry for id, dropping expired
// entries first.
func (q *queue) dedupLookup(id string, now time.Time) *dedupEntry {
	for len(q.dedupOrder) > 0 && !q.dedupOrder[0].expires.After(now) {
		e := q.dedupOrder[0]
		q.dedupOrder[0] = nil
		q.dedupOrder = q.dedupOrder[1:]
		if q.dedup[e.id] == e {
			delete(q.dedup, e.id)
		}
	}
	return q.dedup[id]
}
