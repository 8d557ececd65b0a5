package sqstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// Options configures a Server. The zero value of every field means its
// documented default.
type Options struct {
	// Clock drives visibility timeouts, delays, retention, deduplication
	// windows, long polls and the 60-second QueueDeletedRecently window.
	// Default: the wall clock.
	Clock Clock
	// Region appears in queue URLs and ARNs. Default "us-east-1".
	Region string
	// AccountID appears in queue URLs and ARNs. Default "000000000000".
	AccountID string
	// Host is the host of queue URLs. Default "sqs.<Region>.amazonaws.com".
	Host string

	// Latency, if not nil, returns how long a call to op (an SDK operation
	// name, one of Operations) takes before it is performed: the round
	// trip to SQS. It is waited on the Server's clock, honouring ctx, and
	// comes on top of any Fault's Delay and of a long poll's wait. It is
	// called without the Server's lock held, once per call.
	Latency func(op string) time.Duration

	// TaggingQuota is the account-wide limit on tagging actions (TagQueue,
	// UntagQueue and ListQueueTags) per second, as SQS enforces one per
	// account: a token bucket refilled at this rate. A tagging call that
	// finds the bucket empty fails at once with *types.RequestThrottled and
	// is not performed. 0 (the default) means no limit.
	TaggingQuota float64
	// TaggingBurst is the bucket's depth: how many tagging actions may come
	// at once after a quiet spell. Default max(1, TaggingQuota rounded up).
	TaggingBurst int
}

// Fault is an injected failure of one operation (see Server.InjectFault).
type Fault struct {
	// Err, if not nil, is returned instead of performing the operation.
	Err error
	// Delay is waited (on the Server's clock, honouring ctx) before the
	// operation is performed or Err is returned.
	Delay time.Duration
	// Times is how many matching calls the fault applies to; 0 means forever.
	Times int
	// Match, if not nil, limits the fault to calls whose input (the
	// operation's *sqs.XxxInput, never nil) it accepts. It is called with
	// the Server's lock held, so it must not call the Server.
	Match func(input any) bool
}

// ErrClosed is returned by calls made after Close and by long polls that
// Close interrupted.
var ErrClosed = errors.New("sqstest: server closed")

// Server is an in-memory SQS. It satisfies sqsapi.API and is safe for
// concurrent use.
type Server struct {
	clk       clock.Clock
	region    string
	accountID string
	host      string

	mu      sync.Mutex
	queues  map[string]*queue    // by name
	deleted map[string]time.Time // queue name -> deletion time
	calls   map[string]int
	faults  map[string][]*faultEntry
	seq     uint64 // message sequence numbers, server-wide
	closed  bool
	done    chan struct{} // closed by Close

	names      []string // every queue name ever listed, sorted (ListQueues)
	namesDirty bool     // a queue was created since names was built

	latency func(op string) time.Duration
	tagging tagQuota
}

type faultEntry struct {
	f    Fault
	left int // remaining uses; <0 means forever
}

var _ sqsapi.API = (*Server)(nil)

// New returns a running in-memory SQS server.
func New(optFns ...func(*Options)) *Server {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.AccountID == "" {
		o.AccountID = "000000000000"
	}
	if o.Host == "" {
		o.Host = "sqs." + o.Region + ".amazonaws.com"
	}
	clk := clock.OrReal(o.Clock)
	return &Server{
		clk:       clk,
		region:    o.Region,
		accountID: o.AccountID,
		host:      o.Host,
		queues:    make(map[string]*queue),
		deleted:   make(map[string]time.Time),
		calls:     make(map[string]int),
		faults:    make(map[string][]*faultEntry),
		done:      make(chan struct{}),
		latency:   o.Latency,
		tagging:   newTagQuota(o.TaggingQuota, o.TaggingBurst, clk.Now()),
	}
}

// CallCounts returns the number of calls made to each operation (by SDK
// operation name, such as "SendMessage"), including calls that failed.
func (s *Server) CallCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		m[k] = v
	}
	return m
}

// ResetCallCounts sets every call count to zero, and the counters of
// TaggingStats too (not the tagging quota's bucket).
func (s *Server) ResetCallCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.calls)
	s.tagging.resetStats()
}

// Operations lists the operation names the Server implements, as used by
// CallCounts and InjectFault.
var Operations = []string{
	"CreateQueue", "DeleteQueue", "GetQueueUrl", "ListQueues", "GetQueueAttributes", "SetQueueAttributes",
	"PurgeQueue", "SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
	"ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "TagQueue", "UntagQueue", "ListQueueTags",
}

// InjectFault makes calls to operation op (an SDK operation name such as
// "ReceiveMessage", one of Operations) fail or slow down as f says. Faults
// on one operation are applied in the order injected; the first that
// matches a call is used. It panics if op is not one of Operations, so that
// a misspelt name cannot make a test pass vacuously.
func (s *Server) InjectFault(op string, f Fault) {
	if !slices.Contains(Operations, op) {
		panic(fmt.Sprintf("sqstest: InjectFault: unknown operation %q", op))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	left := f.Times
	if left <= 0 {
		left = -1
	}
	s.faults[op] = append(s.faults[op], &faultEntry{f: f, left: left})
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// Close stops the server: every waiting long poll returns at once with an
// error wrapping ErrClosed (and context.Canceled), and later calls fail the
// same way. Close is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	close(s.done)
}

// closedError is returned after Close; it matches both ErrClosed and
// context.Canceled with errors.Is, like a cancelled call.
type closedError struct{ op string }

func (e *closedError) Error() string { return fmt.Sprintf("sqstest: %s: server closed", e.op) }
func (e *closedError) Is(target error) bool {
	return target == ErrClosed || target == context.Canceled
}

// begin counts a call to op and applies the latency, any fault matching
// input and the tagging quota. It returns a non-nil error if the call must
// fail without being performed.
func (s *Server) begin(ctx context.Context, op string, input any) error {
	s.mu.Lock()
	s.calls[op]++
	if s.closed {
		s.mu.Unlock()
		return &closedError{op: op}
	}
	fault := s.matchFaultLocked(op, input)
	s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqstest: %s: %w", op, err)
	}
	var delay time.Duration
	if s.latency != nil {
		delay = max(s.latency(op), 0)
	}
	if fault != nil {
		delay += max(fault.Delay, 0)
	}
	if err := s.wait(ctx, op, delay); err != nil {
		return err
	}
	if fault != nil && fault.Err != nil {
		return fault.Err
	}
	if isTagging(op) {
		s.mu.Lock()
		ok := s.tagging.take(s.clk.Now())
		s.mu.Unlock()
		if !ok {
			return errRequestThrottled(op)
		}
	}
	return nil
}

// matchFaultLocked returns the first fault on op that matches input, using
// it up. Callers hold s.mu.
func (s *Server) matchFaultLocked(op string, input any) *Fault {
	for i, fe := range s.faults[op] {
		if fe.f.Match != nil && !fe.f.Match(input) {
			continue
		}
		f := fe.f
		if fe.left > 0 {
			fe.left--
			if fe.left == 0 {
				s.faults[op] = append(s.faults[op][:i:i], s.faults[op][i+1:]...)
			}
		}
		return &f
	}
	return nil
}

// wait waits d on the Server's clock, or until ctx ends or the Server is
// closed.
func (s *Server) wait(ctx context.Context, op string, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := s.clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sqstest: %s: %w", op, ctx.Err())
	case <-s.done:
		return &closedError{op: op}
	}
}

// do runs one operation: it counts the call, applies faults, runs fn and
// wraps any error as the SDK does.
func do[I, O any](ctx context.Context, s *Server, op string, in *I, fn func(*I) (*O, error)) (*O, error) {
	if in == nil {
		in = new(I)
	}
	if err := s.begin(ctx, op, in); err != nil {
		return nil, wrapOp(op, err)
	}
	if err := validateInput(in); err != nil {
		return nil, wrapOp(op, err)
	}
	out, err := fn(in)
	if err != nil {
		return nil, wrapOp(op, err)
	}
	return out, nil
}
