package batcher

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func fakeClock(c *clock.Fake) func(*AckerOptions) {
	return func(o *AckerOptions) { o.Clock = c }
}

func TestAckerLoneDeleteIsFlushedAfterMaxDelay(t *testing.T) {
	clk := clock.NewFake(t0)
	api := &fakeAPI{}
	a := NewAcker(api, fakeClock(clk))
	defer a.Close(context.Background())

	a.Delete(qURL, "h1")
	clk.BlockUntil(1) // the owner is waiting for MaxDelay
	if n := api.ncalls(); n != 0 {
		t.Fatalf("%d calls before MaxDelay", n)
	}
	clk.Advance(DefaultMaxDelay - time.Millisecond)
	if n := api.ncalls(); n != 0 {
		t.Fatalf("%d calls before MaxDelay", n)
	}
	clk.Advance(time.Millisecond)
	testutil.Eventually(t, "the delete", func() bool { return api.ncalls() == 1 })
	if got := joinKeys(api.log()[0]); got != "DeleteMessageBatch[h1]" {
		t.Errorf("call = %s", got)
	}
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := a.Stats(); st.Succeeded != 1 || st.Pending != 0 || st.Calls["DeleteMessageBatch"] != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestAckerFullBatchesGoAtOnce(t *testing.T) {
	clk := clock.NewFake(t0)
	api := &fakeAPI{}
	a := NewAcker(api, fakeClock(clk))
	defer a.Close(context.Background())
	for i := range 25 {
		a.Delete(qURL, fmt.Sprint("h", i))
	}
	// Two full batches go without the clock moving; the rest waits.
	testutil.Eventually(t, "two batches", func() bool { return api.ncalls() == 2 })
	clk.BlockUntil(1)
	if st := a.Stats(); st.Pending != 5 {
		t.Errorf("pending = %d", st.Pending)
	}
	clk.Advance(DefaultMaxDelay)
	testutil.Eventually(t, "third batch", func() bool { return api.ncalls() == 3 })
	var keys []string
	for _, c := range api.log() {
		if c.op != "DeleteMessageBatch" || len(c.keys) > 10 {
			t.Errorf("call %s", joinKeys(c))
		}
		keys = append(keys, c.keys...)
	}
	slices.Sort(keys)
	if len(slices.Compact(keys)) != 25 {
		t.Errorf("handles sent: %v", keys)
	}
}

func TestAckerQueuesAndKindsAreBatchedSeparately(t *testing.T) {
	api := &fakeAPI{}
	a := NewAcker(api)
	a.Delete(qURL, "d1")
	a.Delete(qURL+"2", "d2")
	a.ChangeVisibility(qURL, "c1", 0)
	a.ChangeVisibility(qURL, "c2", 30)
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range api.log() {
		got[c.url+" "+joinKeys(c)+fmt.Sprint(c.vis)] = true
	}
	for _, want := range []string{
		qURL + " DeleteMessageBatch[d1][]",
		qURL + "2 DeleteMessageBatch[d2][]",
		qURL + " ChangeMessageVisibilityBatch[c1,c2][0 30]",
	} {
		if !got[want] {
			t.Errorf("missing call %s in %v", want, got)
		}
	}
}

func TestAckerDeduplicates(t *testing.T) {
	tests := []struct {
		name string
		do   func(a *Acker)
		want []string
	}{
		{"delete twice", func(a *Acker) { a.Delete(qURL, "h"); a.Delete(qURL, "h") }, []string{"DeleteMessageBatch[h][]"}},
		{"latest visibility wins", func(a *Acker) { a.ChangeVisibility(qURL, "h", 5); a.ChangeVisibility(qURL, "h", 7) }, []string{"ChangeMessageVisibilityBatch[h][7]"}},
		{"delete supersedes visibility", func(a *Acker) { a.ChangeVisibility(qURL, "h", 0); a.Delete(qURL, "h") }, []string{"DeleteMessageBatch[h][]"}},
		{"visibility after delete dropped", func(a *Acker) { a.Delete(qURL, "h"); a.ChangeVisibility(qURL, "h", 0) }, []string{"DeleteMessageBatch[h][]"}},
		{"different queues not merged", func(a *Acker) { a.Delete(qURL, "h"); a.Delete(qURL+"2", "h") }, []string{"DeleteMessageBatch[h][]", "DeleteMessageBatch[h][]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{}
			a := NewAcker(api, fakeClock(clock.NewFake(t0)))
			tt.do(a)
			if err := a.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range api.log() {
				got = append(got, joinKeys(c)+fmt.Sprint(c.vis))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("calls = %v, want %v", got, tt.want)
			}
			st := a.Stats()
			if st.Requested != st.Succeeded+st.Deduplicated {
				t.Errorf("stats don't add up: %+v", st)
			}
		})
	}
}

// faultsByHandle makes fakeAPI fail entries by receipt handle; a fault with
// times > 0 applies to that many calls, then the entry succeeds.
type faultsByHandle struct {
	mu     sync.Mutex
	faults map[string]entryFault
	times  map[string]int
}

func (f *faultsByHandle) entry(op, h string) (entryFault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ef, ok := f.faults[h]
	if !ok {
		return ef, false
	}
	if n, limited := f.times[h]; limited {
		if n == 0 {
			return ef, false
		}
		f.times[h] = n - 1
	}
	return ef, true
}

func fastRetries(o *AckerOptions) { o.Backoff = time.Microsecond }

func TestAckerEntryOutcomes(t *testing.T) {
	f := &faultsByHandle{
		faults: map[string]entryFault{
			"stale":     {code: "ReceiptHandleIsInvalid", senderFault: true},
			"notfl":     {code: "AWS.SimpleQueueService.MessageNotInflight", senderFault: true},
			"throttled": {code: "RequestThrottled", senderFault: true},
			"internal":  {code: "InternalError"},
			"forever":   {code: "RequestThrottled", senderFault: true},
			"denied":    {code: "AccessDenied", senderFault: true},
		},
		times: map[string]int{"throttled": 2, "internal": 1},
	}
	api := &fakeAPI{entry: f.entry}
	var reported []*AckError
	var mu sync.Mutex
	a := NewAcker(api, fastRetries, func(o *AckerOptions) {
		o.OnError = func(e *AckError) { mu.Lock(); reported = append(reported, e); mu.Unlock() }
	})
	for _, h := range []string{"ok", "stale", "notfl", "throttled", "internal", "forever", "denied"} {
		a.Delete(qURL, h)
	}
	flushErr := a.Flush(context.Background())
	closeErr := a.Close(context.Background())

	for _, err := range []error{flushErr, closeErr} {
		var codes []string
		for _, e := range unjoin(err) {
			var ae *AckError
			if !errors.As(e, &ae) {
				t.Errorf("not an *AckError: %v", e)
			}
			codes = append(codes, sqsapi.ErrorCode(e))
		}
		slices.Sort(codes)
		if want := []string{"AccessDenied", "RequestThrottled"}; !slices.Equal(codes, want) {
			t.Errorf("error codes %v, want %v (err = %v)", codes, want, err)
		}
	}
	mu.Lock()
	var failedHandles []string
	for _, e := range reported {
		failedHandles = append(failedHandles, e.ReceiptHandle)
		if e.Op != "DeleteMessage" || e.QueueURL != qURL {
			t.Errorf("reported %+v", e)
		}
	}
	mu.Unlock()
	slices.Sort(failedHandles)
	if want := []string{"denied", "forever"}; !slices.Equal(failedHandles, want) {
		t.Errorf("reported %v, want %v", failedHandles, want)
	}
	tries := map[string]int{}
	for _, c := range api.log() {
		for _, k := range c.keys {
			tries[k]++
		}
	}
	want := map[string]int{"ok": 1, "stale": 1, "notfl": 1, "throttled": 3, "internal": 2, "forever": DefaultMaxAttempts, "denied": 1}
	for h, n := range want {
		if tries[h] != n {
			t.Errorf("%s tried %d times, want %d", h, tries[h], n)
		}
	}
	st := a.Stats()
	if st.Succeeded != 3 || st.Stale != 2 || st.Failed != 2 || st.Retried != 2+1+DefaultMaxAttempts-1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestAckerWholeCallFailures(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		times     int // calls that fail; 0 = all
		wantCalls int
		stale     bool
		failed    bool
	}{
		{"transport error retried", errors.New("connection reset"), 1, 2, false, false},
		{"throttling retried then reported", &smithy.GenericAPIError{Code: "ThrottlingException", Fault: smithy.FaultClient}, 0, DefaultMaxAttempts, false, true},
		{"server fault retried", &smithy.GenericAPIError{Code: "InternalFailure", Fault: smithy.FaultServer}, 2, 3, false, false},
		{"queue gone is stale", &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.NonExistentQueue", Fault: smithy.FaultClient}, 0, 1, true, false},
		{"access denied reported", &smithy.GenericAPIError{Code: "AccessDenied", Fault: smithy.FaultClient}, 0, 1, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			api := &fakeAPI{before: func(context.Context, fakeCall) error {
				if tt.times == 0 || int(n.Add(1)) <= tt.times {
					return tt.err
				}
				return nil
			}}
			a := NewAcker(api, fastRetries)
			a.Delete(qURL, "a")
			a.Delete(qURL, "b")
			err := a.Close(context.Background())
			if tt.failed != (err != nil) || tt.failed && !errors.Is(err, tt.err) {
				t.Errorf("Close = %v", err)
			}
			if got := api.ncalls(); got != tt.wantCalls {
				t.Errorf("%d calls, want %d", got, tt.wantCalls)
			}
			st := a.Stats()
			if tt.stale && st.Stale != 2 || tt.failed && st.Failed != 2 || !tt.stale && !tt.failed && st.Succeeded != 2 {
				t.Errorf("stats = %+v", st)
			}
		})
	}
}

func TestAckerCloseFlushesAndRefusesLater(t *testing.T) {
	clk := clock.NewFake(t0)
	api := &fakeAPI{}
	var reported []*AckError
	a := NewAcker(api, fakeClock(clk), func(o *AckerOptions) {
		o.OnError = func(e *AckError) { reported = append(reported, e) }
	})
	a.Delete(qURL, "h1")
	a.ChangeVisibility(qURL, "h2", 0)
	// Close sends what is pending without waiting for MaxDelay.
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := api.ncalls(); n != 2 {
		t.Fatalf("%d calls", n)
	}
	a.Delete(qURL, "late")
	a.ChangeVisibility(qURL, "late2", 0)
	clk.Advance(time.Hour)
	if n := api.ncalls(); n != 2 {
		t.Errorf("call after Close")
	}
	if len(reported) != 2 || !errors.Is(reported[0], ErrClosed) || reported[0].ReceiptHandle != "late" {
		t.Errorf("reported %v", reported)
	}
	if st := a.Stats(); st.Refused != 2 {
		t.Errorf("stats = %+v", st)
	}
	if err := a.Flush(context.Background()); err != nil {
		t.Errorf("Flush after Close = %v", err)
	}
	// Close is idempotent; it now returns the refusals.
	if err := a.Close(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v", err)
	}
}

func TestAckerCloseGivesUpWhenCtxEnds(t *testing.T) {
	g := newGate()
	api := &fakeAPI{before: g.before}
	a := NewAcker(api)
	a.Delete(qURL, "h")
	go func() { _ = a.Flush(context.Background()) }()
	<-g.arrived // the call is in flight and blocked
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := a.Close(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Close = %v", err)
	}
	var ae *AckError
	if !errors.As(err, &ae) || ae.ReceiptHandle != "h" {
		t.Errorf("Close = %v, want the abandoned delete reported", err)
	}
	if n := api.ncalls(); n != 1 {
		t.Errorf("%d calls", n)
	}
}

func TestAckerBadInputIsReported(t *testing.T) {
	api := &fakeAPI{}
	a := NewAcker(api)
	a.Delete("", "h")
	a.Delete(qURL, "")
	a.ChangeVisibility(qURL, "h", -1)
	a.ChangeVisibility(qURL, "h", 43201)
	err := a.Close(context.Background())
	var bad *sqsapi.InvalidParameterError
	if !errors.As(err, &bad) {
		t.Errorf("Close = %v", err)
	}
	if api.ncalls() != 0 {
		t.Errorf("calls: %v", api.ops())
	}
	if st := a.Stats(); st.Refused != 4 {
		t.Errorf("stats = %+v", st)
	}
}

func TestAckerFlushWaitsForRetries(t *testing.T) {
	f := &faultsByHandle{faults: map[string]entryFault{"h": {code: "RequestThrottled"}}, times: map[string]int{"h": 1}}
	api := &fakeAPI{entry: f.entry}
	a := NewAcker(api, fastRetries)
	defer a.Close(context.Background())
	a.Delete(qURL, "h")
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := a.Stats(); st.Succeeded != 1 || api.ncalls() != 2 {
		t.Errorf("after Flush: stats %+v, calls %d", st, api.ncalls())
	}
}

// unjoin flattens errors.Join trees into their leaves (errors that are not
// joins themselves).
func unjoin(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		if err == nil {
			return nil
		}
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, unjoin(e)...)
	}
	return out
}

func TestAckerCloseGivesUpOnBatchesWaitingForACallSlot(t *testing.T) {
	g := newGate()
	api := &fakeAPI{before: g.before}
	a := NewAcker(api, func(o *AckerOptions) { o.MaxInFlight = 1 })
	a.Delete(qURL, "a")
	a.Delete(qURL+"2", "b")
	go func() { _ = a.Flush(context.Background()) }()
	<-g.arrived // one call in flight; the other batch waits for the slot
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := a.Close(ctx)
	var handles []string
	for _, e := range unjoin(err) {
		var ae *AckError
		if errors.As(e, &ae) {
			handles = append(handles, ae.ReceiptHandle)
		}
	}
	slices.Sort(handles)
	if !slices.Equal(handles, []string{"a", "b"}) || !errors.Is(err, context.Canceled) {
		t.Errorf("Close = %v", err)
	}
	if n := api.ncalls(); n != 1 {
		t.Errorf("%d calls", n)
	}
}

func TestAckerCloseAbandonsBackoff(t *testing.T) {
	clk := clock.NewFake(t0)
	api := &fakeAPI{entry: func(string, string) (entryFault, bool) { return entryFault{code: "RequestThrottled"}, true }}
	a := NewAcker(api, fakeClock(clk))
	a.Delete(qURL, "h")
	flushed := make(chan error, 1)
	go func() { flushed <- a.Flush(context.Background()) }()
	testutil.Eventually(t, "first attempt", func() bool { return api.ncalls() == 1 })
	clk.BlockUntil(1) // the worker waits out its backoff
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := a.Close(ctx)
	if !errors.Is(err, ErrClosed) || !errors.Is(err, context.Canceled) {
		t.Errorf("Close = %v", err)
	}
	if ferr := <-flushed; !errors.Is(ferr, ErrClosed) {
		t.Errorf("Flush = %v", ferr)
	}
	if n := api.ncalls(); n != 1 {
		t.Errorf("%d calls", n)
	}
}

func TestAckerFlushHonoursCtx(t *testing.T) {
	g := newGate()
	api := &fakeAPI{before: g.before}
	a := NewAcker(api)
	a.Delete(qURL, "h")
	ctx, cancel := context.WithCancel(context.Background())
	flushed := make(chan error, 1)
	go func() { flushed <- a.Flush(ctx) }()
	<-g.arrived
	cancel()
	if err := <-flushed; !errors.Is(err, context.Canceled) {
		t.Errorf("Flush = %v", err)
	}
	close(g.release)
	if err := a.Close(context.Background()); err != nil {
		t.Errorf("Close = %v", err)
	}
}

func TestAckerDeferredErrorsAreCapped(t *testing.T) {
	a := NewAcker(&fakeAPI{})
	_ = a.Close(context.Background())
	for i := range maxErrors + 50 {
		a.Delete(qURL, fmt.Sprint("h", i))
	}
	err := a.Close(context.Background())
	if n := len(unjoin(err)); n != maxErrors+1 {
		t.Errorf("%d errors", n)
	}
	if !strings.Contains(err.Error(), "50 more failures") {
		t.Errorf("no summary of the rest")
	}
	if st := a.Stats(); st.Refused != maxErrors+50 {
		t.Errorf("stats = %+v", st)
	}
}
