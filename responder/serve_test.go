package responder_test

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// env is an sqstest server with a request queue and a reply host queue.
type env struct {
	srv      *sqstest.Server
	requests string
	host     string
}

func newEnv(t *testing.T, requestAttrs map[string]string) *env {
	t.Helper()
	srv := sqstest.New()
	t.Cleanup(srv.Close)
	e := &env{srv: srv}
	e.requests = testutil.CreateQueue(t, srv, "requests", requestAttrs, nil)
	e.host = testutil.CreateQueue(t, srv, sqsapi.DefaultQueuePrefix+"host", nil, nil)
	srv.ResetCallCounts()
	return e
}

func str(v string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

// request sends a request naming reply as its response queue ("" for none).
func (e *env) request(t *testing.T, body, reply string) {
	t.Helper()
	in := &sqs.SendMessageInput{QueueUrl: aws.String(e.requests), MessageBody: aws.String(body)}
	if reply != "" {
		in.MessageAttributes = map[string]types.MessageAttributeValue{sqsapi.ResponseQueueURLAttribute: str(reply)}
	}
	if _, err := e.srv.SendMessage(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}

// counts returns ApproximateNumberOfMessages and ...NotVisible of url.
func (e *env) counts(t *testing.T, url string) (visible, inFlight string) {
	t.Helper()
	out, err := e.srv.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes["ApproximateNumberOfMessages"], out.Attributes["ApproximateNumberOfMessagesNotVisible"]
}

// serve runs Serve until stop is called, which returns Serve's error.
func serve(r *responder.Responder, url string, h responder.Handler) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx, url, h) }()
	return func() error { cancel(); return <-done }
}

func echo(_ context.Context, m types.Message) (*sqs.SendMessageInput, error) {
	return &sqs.SendMessageInput{MessageBody: aws.String("re: " + aws.ToString(m.Body))}, nil
}

func TestServeAnswersAndDeletes(t *testing.T) {
	e := newEnv(t, nil)
	r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet })
	stop := serve(r, e.requests, responder.HandlerFunc(echo))
	for i := range 25 {
		e.request(t, "q"+strconv.Itoa(i), virtualqueue.URL(e.host, "r"+strconv.Itoa(i)))
	}
	testutil.Eventually(t, "25 responses", func() bool { return r.Stats().Responses == 25 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if v, f := e.counts(t, e.requests); v != "0" || f != "0" {
		t.Errorf("request queue after Serve: %s visible, %s in flight; want all deleted", v, f)
	}
	out, err := e.srv.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(e.host), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
	if err != nil || len(out.Messages) == 0 {
		t.Fatalf("no response on the host: %v", err)
	}
	m := out.Messages[0]
	name := aws.ToString(m.MessageAttributes[sqsapi.VirtualQueueNameAttribute].StringValue)
	if "re: q"+name[1:] != aws.ToString(m.Body) {
		t.Errorf("response %q routed to virtual queue %q", aws.ToString(m.Body), name)
	}
	if st := r.Stats(); st.Received != 25 || st.Handled != 25 || st.Calls["ReceiveMessage"] == 0 {
		t.Errorf("stats: %+v", st)
	}
}

func TestServeWithoutResponseQueue(t *testing.T) {
	e := newEnv(t, nil)
	r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet })
	var handled atomic.Int64
	stop := serve(r, e.requests, responder.HandlerFunc(func(ctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
		handled.Add(1)
		if responder.IsResponseRequested(m) {
			t.Error("IsResponseRequested is true for a one-way message")
		}
		return echo(ctx, m)
	}))
	e.request(t, "one-way", "")
	testutil.Eventually(t, "handled", func() bool { return handled.Load() == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	calls := e.srv.CallCounts()
	if calls["SendMessage"] != 1 || calls["SendMessageBatch"] != 0 { // the 1 is the test's request
		t.Errorf("a response was sent for a one-way message: %v", calls)
	}
	if v, f := e.counts(t, e.requests); v != "0" || f != "0" {
		t.Errorf("one-way message not deleted: %s visible, %s in flight", v, f)
	}
	if st := r.Stats(); st.NoReply != 1 {
		t.Errorf("NoReply = %d", st.NoReply)
	}
}

func TestRefusedReplyURLSendsNothing(t *testing.T) {
	e := newEnv(t, nil)
	victim := testutil.CreateQueue(t, e.srv, "billing-events", nil, nil)
	e.srv.ResetCallCounts()
	r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet })
	bad := []string{
		victim,                        // a real queue without the prefix
		virtualqueue.URL(victim, "x"), // virtual URL on it
		"https://sqs.us-east-1.amazonaws.com@evil.com/000000000000/" + sqsapi.DefaultQueuePrefix + "h#r",
		"https://sqs.us-east-1.amazonaws.com/999999999999/" + sqsapi.DefaultQueuePrefix + "h#r", // other account
	}

	t.Run("SendResponse", func(t *testing.T) {
		m := types.Message{MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.ResponseQueueURLAttribute: str(victim)}}
		err := r.SendResponse(context.Background(), m, &sqs.SendMessageInput{MessageBody: aws.String("pwned")})
		var refused *responder.ReplyURLRefusedError
		if !errors.As(err, &refused) || refused.URL != victim {
			t.Fatalf("err = %v, want *ReplyURLRefusedError for %s", err, victim)
		}
		if n := e.srv.CallCounts(); n["SendMessage"]+n["SendMessageBatch"] != 0 || r.Stats().Calls["SendMessage"] != 0 {
			t.Fatalf("something was sent: %v", n)
		}
	})

	t.Run("Serve", func(t *testing.T) {
		for i, u := range bad {
			e.request(t, "hostile "+strconv.Itoa(i), u)
		}
		e.srv.ResetCallCounts()
		var handled atomic.Int64
		stop := serve(r, e.requests, responder.HandlerFunc(func(ctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
			handled.Add(1)
			return echo(ctx, m)
		}))
		testutil.Eventually(t, "all refused", func() bool { return r.Stats().RefusedReplies == int64(1+len(bad)) })
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		calls := e.srv.CallCounts()
		if calls["SendMessage"]+calls["SendMessageBatch"] != 0 {
			t.Errorf("responses sent to refused reply URLs: %v", calls)
		}
		if v, f := e.counts(t, victim); v != "0" || f != "0" {
			t.Errorf("victim queue got messages: %s visible, %s in flight", v, f)
		}
		if v, f := e.counts(t, e.requests); v != "0" || f != "0" {
			t.Errorf("refused requests not deleted: %s visible, %s in flight", v, f)
		}
		t.Logf("refused %d reply URLs; SQS calls during Serve: %v", len(bad), calls)
	})
}

// countHandler counts log records by message, and by level.
type countHandler struct {
	mu      sync.Mutex
	n       map[string]int
	atLevel map[slog.Level][]string // messages
}

func (h *countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	if h.n == nil {
		h.n = map[string]int{}
	}
	if h.atLevel == nil {
		h.atLevel = map[slog.Level][]string{}
	}
	h.n[r.Message]++
	h.atLevel[r.Level] = append(h.atLevel[r.Level], r.Message)
	h.mu.Unlock()
	return nil
}
func (h *countHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countHandler) WithGroup(string) slog.Handler      { return h }

func TestStaleReply(t *testing.T) {
	e := newEnv(t, nil)
	gone := testutil.CreateQueue(t, e.srv, sqsapi.DefaultQueuePrefix+"gone", nil, nil)
	if _, err := e.srv.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(gone)}); err != nil {
		t.Fatal(err)
	}
	logs := &countHandler{n: map[string]int{}}
	r := responder.New(e.srv, func(o *responder.Options) { o.Logger = slog.New(logs) })
	for i := range 3 {
		m := types.Message{MessageAttributes: map[string]types.MessageAttributeValue{
			sqsapi.ResponseQueueURLAttribute: str(virtualqueue.URL(gone, "r"+strconv.Itoa(i)))}}
		err := r.SendResponse(context.Background(), m, &sqs.SendMessageInput{MessageBody: aws.String("late")})
		var stale *responder.StaleReplyError
		if !errors.Is(err, responder.ErrStaleReply) || !errors.As(err, &stale) || !sqsapi.IsQueueDoesNotExist(err) {
			t.Fatalf("err = %v, want a *StaleReplyError", err)
		}
	}
	if st := r.Stats(); st.StaleReplies != 3 {
		t.Errorf("StaleReplies = %d, want 3", st.StaleReplies)
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	if len(logs.n) != 1 {
		t.Errorf("log records: %v, want one record logged once", logs.n)
	}
	for msg, n := range logs.n {
		if n != 1 {
			t.Errorf("%q logged %d times, want once", msg, n)
		}
	}
}

func TestHandlerErrorPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy          responder.ErrorPolicy
		visible, flight string
	}{
		{responder.Redeliver, "0", "1"},    // left in flight until its visibility timeout
		{responder.RedeliverNow, "1", "0"}, // visible again at once
		{responder.Drop, "0", "0"},         // deleted
	} {
		for _, panics := range []bool{false, true} {
			name := tc.policy.String()
			if panics {
				name += "/panic"
			}
			t.Run(name, func(t *testing.T) {
				e := newEnv(t, map[string]string{"VisibilityTimeout": "600"})
				r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet; o.OnHandlerError = tc.policy })
				e.request(t, "fails", virtualqueue.URL(e.host, "r"))
				var calls atomic.Int64
				stop := serve(r, e.requests, responder.HandlerFunc(func(context.Context, types.Message) (*sqs.SendMessageInput, error) {
					if calls.Add(1) > 1 {
						return nil, errors.New("again") // RedeliverNow: redelivered at once
					}
					if panics {
						panic("boom")
					}
					return nil, errors.New("boom")
				}))
				testutil.Eventually(t, "handler error", func() bool { return r.Stats().HandlerErrors >= 1 })
				if tc.policy == responder.RedeliverNow {
					testutil.Eventually(t, "redelivery", func() bool { return calls.Load() >= 2 })
				}
				if err := stop(); err != nil {
					t.Fatal(err)
				}
				if tc.policy == responder.RedeliverNow {
					return // visible or in flight, depending on the moment Serve stopped
				}
				if v, f := e.counts(t, e.requests); v != tc.visible || f != tc.flight {
					t.Errorf("request queue: %s visible, %s in flight; want %s, %s", v, f, tc.visible, tc.flight)
				}
				if v, _ := e.counts(t, e.host); v != "0" {
					t.Errorf("a response was sent for a failed request")
				}
				if panics && r.Stats().Panics != 1 {
					t.Errorf("Panics = %d", r.Stats().Panics)
				}
			})
		}
	}
}

func TestServeWaitsForRunningHandlers(t *testing.T) {
	e := newEnv(t, nil)
	r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet })
	started, release := make(chan struct{}), make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- r.Serve(ctx, e.requests, responder.HandlerFunc(func(hctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
			close(started)
			<-release
			if hctx.Err() != nil {
				t.Error("handler ctx cancelled when Serve's ctx ended")
			}
			return echo(hctx, m)
		}))
	}()
	e.request(t, "slow", virtualqueue.URL(e.host, "r"))
	<-started
	cancel()
	select {
	case <-done:
		t.Fatal("Serve returned while a handler was running")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// By the time Serve returns, the response is sent and the request deleted.
	if v, _ := e.counts(t, e.host); v != "1" {
		t.Errorf("response not sent before Serve returned (%s on host)", v)
	}
	if v, f := e.counts(t, e.requests); v != "0" || f != "0" {
		t.Errorf("request not deleted before Serve returned: %s visible, %s in flight", v, f)
	}
}

func TestServeBoundsConcurrency(t *testing.T) {
	e := newEnv(t, nil)
	const limit = 3
	r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet; o.MaxConcurrency = limit })
	var running, peak atomic.Int64
	stop := serve(r, e.requests, responder.HandlerFunc(func(ctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		running.Add(-1)
		return echo(ctx, m)
	}))
	for i := range 30 {
		e.request(t, strconv.Itoa(i), virtualqueue.URL(e.host, "r"+strconv.Itoa(i)))
	}
	testutil.Eventually(t, "all answered", func() bool { return r.Stats().Responses == 30 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > limit || p < 1 {
		t.Errorf("peak concurrency %d, limit %d", p, limit)
	}
}

func TestServeBadInput(t *testing.T) {
	e := newEnv(t, nil)
	r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet })
	for _, tc := range []struct {
		url string
		h   responder.Handler
	}{
		{e.requests, nil},
		{"not a url", responder.HandlerFunc(echo)},
		{virtualqueue.URL(e.host, "v"), responder.HandlerFunc(echo)},
	} {
		var bad *sqsapi.InvalidParameterError
		if err := r.Serve(context.Background(), tc.url, tc.h); !errors.As(err, &bad) {
			t.Errorf("Serve(%q, %v) = %v, want *sqsapi.InvalidParameterError", tc.url, tc.h, err)
		}
	}
	long := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet; o.VisibilityTimeout = 13 * time.Hour })
	var bad *sqsapi.InvalidParameterError
	if err := long.Serve(context.Background(), e.requests, responder.HandlerFunc(echo)); !errors.As(err, &bad) || bad.Param != "VisibilityTimeout" {
		t.Errorf("VisibilityTimeout 13h: %v", err)
	}
	if n := len(e.srv.CallCounts()); n != 0 {
		t.Errorf("calls made: %v", e.srv.CallCounts())
	}
}

func TestSendResponseInput(t *testing.T) {
	e := newEnv(t, nil)
	r := responder.New(e.srv, func(o *responder.Options) { o.Logger = testutil.Quiet })
	reply := virtualqueue.URL(e.host, "r")
	req := types.Message{MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.ResponseQueueURLAttribute: str(reply)}}
	if err := r.SendResponse(context.Background(), types.Message{}, &sqs.SendMessageInput{}); !errors.Is(err, responder.ErrNoResponseRequested) {
		t.Errorf("no reply URL: %v", err)
	}
	many := map[string]types.MessageAttributeValue{}
	for i := range 10 {
		many["a"+strconv.Itoa(i)] = str("v")
	}
	for _, resp := range []*sqs.SendMessageInput{
		nil,
		{QueueUrl: aws.String(e.requests), MessageBody: aws.String("elsewhere")},
		{MessageBody: aws.String("x"), MessageAttributes: many},
		{MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.VirtualQueueNameAttribute: str("other")}},
	} {
		var bad *sqsapi.InvalidParameterError
		if err := r.SendResponse(context.Background(), req, resp); !errors.As(err, &bad) {
			t.Errorf("response %+v: %v, want *sqsapi.InvalidParameterError", resp, err)
		}
	}
	if n := len(e.srv.CallCounts()); n != 0 {
		t.Errorf("calls made: %v", e.srv.CallCounts())
	}
	// QueueUrl equal to the reply URL is fine; the caller's input is not modified.
	resp := &sqs.SendMessageInput{QueueUrl: aws.String(reply), MessageBody: aws.String("ok")}
	if err := r.SendResponse(context.Background(), req, resp); err != nil {
		t.Fatal(err)
	}
	if aws.ToString(resp.QueueUrl) != reply || resp.MessageAttributes != nil {
		t.Errorf("caller's response modified: %+v", resp)
	}
}

// A backlog of requests makes Serve surge (a full receive starts one more
// receiver, up to MaxReceivers); every request is still handled exactly once.
func TestServeSurgesOnBacklog(t *testing.T) {
	e := newEnv(t, nil)
	const n = 200
	for i := range n {
		e.request(t, strconv.Itoa(i), "")
	}
	r := responder.New(e.srv, func(o *responder.Options) {
		o.Logger = testutil.Quiet
		o.MaxReceivers = 4
	})
	var mu sync.Mutex
	seen := map[string]int{}
	stop := serve(r, e.requests, responder.HandlerFunc(func(_ context.Context, m types.Message) (*sqs.SendMessageInput, error) {
		mu.Lock()
		seen[aws.ToString(m.Body)]++
		mu.Unlock()
		return nil, nil
	}))
	testutil.Eventually(t, "all handled", func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) == n })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for body, k := range seen {
		if k != 1 {
			t.Errorf("request %s handled %d times", body, k)
		}
	}
	if st := r.Stats(); st.Surges == 0 {
		t.Errorf("a %d-request backlog started no surge receiver: %+v", n, st)
	}
}
