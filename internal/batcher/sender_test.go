package batcher

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
)

func TestSenderLoneSendsGoStraightOut(t *testing.T) {
	api := &fakeAPI{}
	s := NewSender(api)
	defer s.Close(context.Background())
	for i := range 3 {
		body := fmt.Sprint("m", i)
		out, err := s.SendMessage(context.Background(), sendIn(qURL, body))
		if err != nil {
			t.Fatal(err)
		}
		if got := aws(out.MessageId); got != "id-"+body {
			t.Errorf("MessageId = %q, want %q", got, "id-"+body)
		}
	}
	if got, want := api.ops(), []string{"SendMessage", "SendMessage", "SendMessage"}; !slices.Equal(got, want) {
		t.Errorf("calls = %v, want %v", got, want)
	}
	st := s.Stats()
	if st.Calls["SendMessage"] != 3 || st.Batches != 0 || st.Messages != 3 {
		t.Errorf("stats = %+v", st)
	}
}

// startBlocked starts a send whose call blocks in g, and waits until it is
// in the call.
func startBlocked(t *testing.T, s *Sender, g *gate, body string) <-chan sendResult {
	t.Helper()
	ch := make(chan sendResult, 1)
	go func() {
		out, err := s.SendMessage(context.Background(), sendIn(qURL, body))
		ch <- sendResult{out, err}
	}()
	<-g.arrived
	return ch
}

func TestSenderCoalescesWhileInFlight(t *testing.T) {
	for _, n := range []int{1, 2, 9, 10, 11, 25} {
		t.Run(fmt.Sprint(n, " waiting"), func(t *testing.T) {
			g := newGate()
			api := firstGated(g)
			s := NewSender(api)
			defer s.Close(context.Background())

			first := startBlocked(t, s, g, "first")
			results := make([]chan sendResult, n)
			for i := range n {
				results[i] = make(chan sendResult, 1)
				go func() {
					out, err := s.SendMessage(context.Background(), sendIn(qURL, fmt.Sprint("m", i)))
					results[i] <- sendResult{out, err}
				}()
			}
			// Full batches go at once, even while the first call is in
			// flight; the partial rest waits for it.
			testutil.Eventually(t, "full batches out, the rest pending", func() bool {
				return api.ncalls() == 1+n/10 && s.pendingCount(qURL) == n%10
			})
			close(g.release)
			if r := <-first; r.err != nil || aws(r.out.MessageId) != "id-first" {
				t.Fatalf("first: %+v", r)
			}
			for i, ch := range results {
				r := <-ch
				if r.err != nil {
					t.Fatalf("m%d: %v", i, r.err)
				}
				if got, want := aws(r.out.MessageId), fmt.Sprint("id-m", i); got != want {
					t.Errorf("m%d got MessageId %q", i, got)
				}
				if got, want := aws(r.out.MD5OfMessageBody), md5hex(fmt.Sprint("m", i)); got != want {
					t.Errorf("m%d got MD5 %q", i, got)
				}
			}
			// The first call alone, then ceil(n/10) calls for the rest, a
			// lone leftover going as a plain SendMessage.
			log := api.log()
			if log[0].op != "SendMessage" {
				t.Errorf("first call %s", log[0].op)
			}
			sent := 0
			for _, c := range log[1:] {
				if len(c.keys) > 10 {
					t.Errorf("batch of %d", len(c.keys))
				}
				if c.op == "SendMessage" && len(c.keys) != 1 {
					t.Errorf("bad call %v", c)
				}
				sent += len(c.keys)
			}
			if want := (n + 9) / 10; len(log)-1 != want || sent != n {
				t.Errorf("calls after the first = %d with %d messages, want %d with %d", len(log)-1, sent, want, n)
			}
			if n == 9 && (log[1].op != "SendMessageBatch" || len(log[1].keys) != 9) {
				t.Errorf("the 9 waiting sends went as %s, want one SendMessageBatch of 9", joinKeys(log[1]))
			}
		})
	}
}

func TestSenderBatchSizeLimit(t *testing.T) {
	g := newGate()
	api := firstGated(g)
	s := NewSender(api, func(o *SenderOptions) { o.MaxBatchBytes = 256 * 1024 })
	defer s.Close(context.Background())
	first := startBlocked(t, s, g, "first")
	big := strings.Repeat("x", 100*1024)
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			if _, err := s.SendMessage(context.Background(), sendIn(qURL, fmt.Sprint(i, big))); err != nil {
				t.Error(err)
			}
		})
	}
	// Two batches of two are full (a third would not fit) and go at once.
	testutil.Eventually(t, "full batches out", func() bool { return api.ncalls() == 3 && s.pendingCount(qURL) == 1 })
	close(g.release)
	<-first
	wg.Wait()
	for _, c := range api.log() {
		if c.size > sqsapi.MaxMessageSizeBytes {
			t.Errorf("%s carries %d bytes", c.op, c.size)
		}
	}
	if n := len(api.log()); n != 1+3 { // 2+2+1
		t.Errorf("%d calls, want 4", n)
	}
}

func TestMessageSize(t *testing.T) {
	in := &sqs.SendMessageInput{
		MessageBody: ptr("hello"), // 5
		MessageAttributes: map[string]types.MessageAttributeValue{
			"a":  {DataType: ptr("String"), StringValue: ptr("xyz")},   // 1+6+3
			"bb": {DataType: ptr("Binary"), BinaryValue: []byte{1, 2}}, // 2+6+2
		},
		MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{
			"AWSTraceHeader": {DataType: ptr("String"), StringValue: ptr("t")}, // 14+6+1
		},
	}
	if got, want := messageSize(in), 5+10+10+21; got != want {
		t.Errorf("messageSize = %d, want %d", got, want)
	}
}

func TestSenderEntryFailuresGoToTheirCaller(t *testing.T) {
	g := newGate()
	api := &fakeAPI{before: g.before, entry: func(op, body string) (entryFault, bool) {
		switch body {
		case "throttled":
			return entryFault{code: "RequestThrottled"}, true
		case "bad":
			return entryFault{code: "InvalidMessageContents", senderFault: true}, true
		}
		return entryFault{}, false
	}}
	s := NewSender(api)
	defer s.Close(context.Background())
	first := startBlocked(t, s, g, "first")
	bodies := []string{"ok1", "throttled", "ok2", "bad", "ok3"}
	errs := make([]error, len(bodies))
	outs := make([]*sqs.SendMessageOutput, len(bodies))
	var wg sync.WaitGroup
	for i, b := range bodies {
		wg.Go(func() { outs[i], errs[i] = s.SendMessage(context.Background(), sendIn(qURL, b)) })
	}
	testutil.Eventually(t, "sends to be pending", func() bool { return s.pendingCount(qURL) == len(bodies) })
	close(g.release)
	<-first
	wg.Wait()
	for i, b := range bodies {
		switch b {
		case "throttled":
			if !sqsapi.IsThrottled(errs[i]) {
				t.Errorf("%s: err = %v, want throttled", b, errs[i])
			}
		case "bad":
			var ee *EntryError
			var apiErr smithy.APIError
			if !errors.As(errs[i], &ee) || ee.Code != "InvalidMessageContents" || !ee.SenderFault ||
				!errors.As(errs[i], &apiErr) || apiErr.ErrorFault() != smithy.FaultClient || !sqsapi.IsInvalidParameter(errs[i]) {
				t.Errorf("%s: err = %v", b, errs[i])
			}
			if !strings.Contains(errs[i].Error(), qURL) {
				t.Errorf("error lacks context: %v", errs[i])
			}
		default:
			if errs[i] != nil || aws(outs[i].MessageId) != "id-"+b {
				t.Errorf("%s: %v %v", b, outs[i], errs[i])
			}
		}
	}
	if got := s.Stats().Failed; got != 2 {
		t.Errorf("Failed = %d", got)
	}
}

func TestSenderWholeCallErrors(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantCalls []string // after the first
		wantErr   bool
	}{
		{"server error goes to every caller", &smithy.GenericAPIError{Code: "InternalError", Fault: smithy.FaultServer}, []string{"SendMessageBatch"}, true},
		{"transport error goes to every caller", errors.New("connection reset"), []string{"SendMessageBatch"}, true},
		{"invalid batch is sent one by one", &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.BatchRequestTooLong"}, []string{"SendMessageBatch", "SendMessage", "SendMessage", "SendMessage"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate()
			api := &fakeAPI{}
			api.before = func(ctx context.Context, c fakeCall) error {
				if c.op == "SendMessageBatch" {
					return tt.err
				}
				if c.keys[0] == "first" {
					return g.before(ctx, c)
				}
				return nil
			}
			s := NewSender(api)
			defer s.Close(context.Background())
			first := startBlocked(t, s, g, "first")
			errs := make([]error, 3)
			var wg sync.WaitGroup
			for i := range 3 {
				wg.Go(func() { _, errs[i] = s.SendMessage(context.Background(), sendIn(qURL, fmt.Sprint("m", i))) })
			}
			testutil.Eventually(t, "sends to be pending", func() bool { return s.pendingCount(qURL) == 3 })
			close(g.release)
			<-first
			wg.Wait()
			for i, err := range errs {
				if tt.wantErr != (err != nil) || tt.wantErr && !errors.Is(err, tt.err) {
					t.Errorf("m%d: err = %v", i, err)
				}
			}
			if got := api.ops()[1:]; !slices.Equal(got, tt.wantCalls) {
				t.Errorf("calls = %v, want %v", got, tt.wantCalls)
			}
		})
	}
}

func TestSenderCancelWhilePendingWithdrawsTheMessage(t *testing.T) {
	g := newGate()
	api := &fakeAPI{before: g.before}
	s := NewSender(api)
	defer s.Close(context.Background())
	first := startBlocked(t, s, g, "first")

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := s.SendMessage(ctx, sendIn(qURL, "withdrawn"))
		errc <- err
	}()
	keep := make(chan sendResult, 1)
	go func() {
		out, err := s.SendMessage(context.Background(), sendIn(qURL, "kept"))
		keep <- sendResult{out, err}
	}()
	testutil.Eventually(t, "sends to be pending", func() bool { return s.pendingCount(qURL) == 2 })
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "not sent") {
		t.Errorf("err = %v", err)
	}
	close(g.release)
	<-first
	if r := <-keep; r.err != nil {
		t.Fatal(r.err)
	}
	for _, c := range api.log() {
		if slices.Contains(c.keys, "withdrawn") {
			t.Errorf("withdrawn message was sent in %s", joinKeys(c))
		}
	}
	if got := s.Stats().Withdrawn; got != 1 {
		t.Errorf("Withdrawn = %d", got)
	}
}

func TestSenderCancelWhileInFlightReturnsAtOnce(t *testing.T) {
	g := newGate()
	api := &fakeAPI{before: g.before}
	s := NewSender(api)
	first := startBlocked(t, s, g, "first")

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := s.SendMessage(ctx, sendIn(qURL, "a"))
		errc <- err
	}()
	other := make(chan error, 1)
	go func() {
		_, err := s.SendMessage(context.Background(), sendIn(qURL, "b"))
		other <- err
	}()
	testutil.Eventually(t, "sends to be pending", func() bool { return s.pendingCount(qURL) == 2 })
	// Let the first call return; the batch call then blocks in the gate.
	g.release <- struct{}{}
	<-first
	batch := <-g.arrived
	if batch.op != "SendMessageBatch" || len(batch.keys) != 2 {
		t.Fatalf("batch = %v", joinKeys(batch))
	}
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "may or may not") {
		t.Errorf("err = %v", err)
	}
	// The batch call itself is not cancelled by the caller's ctx.
	close(g.release)
	if err := <-other; err != nil {
		t.Errorf("other caller: %v", err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSenderOptFnsAreNotCoalesced(t *testing.T) {
	g := newGate()
	api := firstGated(g)
	s := NewSender(api)
	defer s.Close(context.Background())
	first := startBlocked(t, s, g, "first")
	if _, err := s.SendMessage(context.Background(), sendIn(qURL, "direct"), func(*sqs.Options) {}); err != nil {
		t.Fatal(err)
	}
	close(g.release)
	<-first
	if got, want := api.ops(), []string{"SendMessage", "SendMessage"}; !slices.Equal(got, want) {
		t.Errorf("calls = %v", got)
	}
}

func TestSenderQueuesAreIndependent(t *testing.T) {
	g := newGate()
	api := &fakeAPI{}
	api.before = func(ctx context.Context, c fakeCall) error {
		if c.url == qURL {
			return g.before(ctx, c)
		}
		return nil
	}
	s := NewSender(api)
	defer s.Close(context.Background())
	first := startBlocked(t, s, g, "first")
	// A send to another queue does not wait for the first queue's call.
	if _, err := s.SendMessage(context.Background(), sendIn(qURL+"2", "other")); err != nil {
		t.Fatal(err)
	}
	close(g.release)
	<-first
}

func TestSenderBadInput(t *testing.T) {
	api := &fakeAPI{}
	s := NewSender(api)
	defer s.Close(context.Background())
	_, err := s.SendMessage(context.Background(), nil)
	var bad *sqsapi.InvalidParameterError
	if !errors.As(err, &bad) {
		t.Errorf("err = %v", err)
	}
	if api.ncalls() != 0 {
		t.Errorf("calls made: %v", api.ops())
	}
}

func TestSenderClose(t *testing.T) {
	g := newGate()
	api := &fakeAPI{before: g.before}
	s := NewSender(api)
	first := startBlocked(t, s, g, "first")
	errc := make(chan error, 1)
	go func() {
		_, err := s.SendMessage(context.Background(), sendIn(qURL, "pending"))
		errc <- err
	}()
	testutil.Eventually(t, "send to be pending", func() bool { return s.pendingCount(qURL) == 1 })

	// Close gives up when its ctx ends while a call is in flight...
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Close with ended ctx = %v", err)
	}
	// ...and has failed the pending send all the same.
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("pending send: %v", err)
	}
	if _, err := s.SendMessage(context.Background(), sendIn(qURL, "late")); !errors.Is(err, ErrClosed) {
		t.Errorf("send after Close: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Close(context.Background()) }()
	close(g.release)
	if err := <-done; err != nil {
		t.Errorf("Close = %v", err)
	}
	if r := <-first; r.err != nil {
		t.Errorf("in-flight send: %v", r.err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if got, want := api.ops(), []string{"SendMessage"}; !slices.Equal(got, want) {
		t.Errorf("calls = %v", got)
	}
}

// Input the SDK would refuse in a batch entry is sent on its own, so that it
// fails only its own caller.
func TestSenderUnbatchableInputGoesAlone(t *testing.T) {
	g := newGate()
	api := firstGated(g)
	s := NewSender(api)
	defer s.Close(context.Background())
	first := startBlocked(t, s, g, "first")
	for _, in := range []*sqs.SendMessageInput{
		{QueueUrl: ptr(qURL)}, // no body
		{QueueUrl: ptr(qURL), MessageBody: ptr("b"), MessageAttributes: map[string]types.MessageAttributeValue{"a": {StringValue: ptr("v")}}},
		{MessageBody: ptr("no queue")},
	} {
		if _, err := s.SendMessage(context.Background(), in); err != nil {
			t.Fatal(err) // the fake accepts anything; *sqs.Client would refuse
		}
	}
	close(g.release)
	<-first
	if got, want := api.ops(), []string{"SendMessage", "SendMessage", "SendMessage", "SendMessage"}; !slices.Equal(got, want) {
		t.Errorf("calls = %v", got)
	}
}

// TestSenderBatchFillsUpToMaxBatchBytes: a batch takes messages up to
// MaxBatchBytes inclusive: three 1,000-byte messages make a full batch of
// exactly 3,000 bytes, which goes at once while another call is in flight.
func TestSenderBatchFillsUpToMaxBatchBytes(t *testing.T) {
	g := newGate()
	api := firstGated(g)
	s := NewSender(api, func(o *SenderOptions) { o.MaxBatchBytes = 3000 })
	defer s.Close(context.Background())
	first := startBlocked(t, s, g, "first")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if _, err := s.SendMessage(context.Background(), sendIn(qURL, fmt.Sprint(i, strings.Repeat("x", 999)))); err != nil {
				t.Error(err)
			}
		})
	}
	testutil.Eventually(t, "a full batch out", func() bool { return api.ncalls() == 2 })
	if c := api.log()[1]; len(c.keys) != 3 || c.size != 3000 {
		t.Errorf("first batch %s: %d messages, %d bytes; want 3 messages, exactly MaxBatchBytes (3000)", c.op, len(c.keys), c.size)
	}
	close(g.release)
	<-first
	wg.Wait()
}

// TestSenderMessageSizeLimit: a message of exactly 1 MiB (body and
// attributes) is sent; one byte more is refused before any call, with an
// *sqsapi.InvalidParameterError.
func TestSenderMessageSizeLimit(t *testing.T) {
	api := &fakeAPI{}
	s := NewSender(api)
	defer s.Close(context.Background())
	attrs := map[string]types.MessageAttributeValue{"a": {DataType: ptr("String"), StringValue: ptr("v")}} // 1+6+1 bytes
	body := strings.Repeat("x", sqsapi.MaxMessageSizeBytes-8)
	if _, err := s.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: ptr(qURL), MessageBody: &body, MessageAttributes: attrs}); err != nil {
		t.Fatalf("1 MiB message: %v", err)
	}
	body += "x"
	_, err := s.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: ptr(qURL), MessageBody: &body, MessageAttributes: attrs})
	var bad *sqsapi.InvalidParameterError
	if !errors.As(err, &bad) {
		t.Errorf("1 MiB + 1 byte: %v, want an InvalidParameterError", err)
	}
	if n := api.ncalls(); n != 1 {
		t.Errorf("%d calls, want 1: the message over the limit is not sent", n)
	}
}

// TestSenderMaxBatchAtMostTen: MaxBatch above SQS's 10 entries is 10: of
// 11 sends waiting, 10 make a full batch.
func TestSenderMaxBatchAtMostTen(t *testing.T) {
	for _, max := range []int{11, 100} {
		g := newGate()
		api := firstGated(g)
		s := NewSender(api, func(o *SenderOptions) { o.MaxBatch = max })
		first := startBlocked(t, s, g, "first")
		var wg sync.WaitGroup
		for i := range 11 {
			wg.Go(func() {
				if _, err := s.SendMessage(context.Background(), sendIn(qURL, fmt.Sprint("m", i))); err != nil {
					t.Error(err)
				}
			})
		}
		testutil.Eventually(t, "a full batch out", func() bool { return api.ncalls() == 2 })
		close(g.release)
		<-first
		wg.Wait()
		for _, c := range api.log() {
			if len(c.keys) > sqsapi.MaxBatchEntries {
				t.Errorf("MaxBatch %d: a batch of %d messages", max, len(c.keys))
			}
		}
		_ = s.Close(context.Background())
	}
}
