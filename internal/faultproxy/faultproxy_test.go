package faultproxy_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/emulator"
	"github.com/sqstemp/sqstemp/internal/faultproxy"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// emu is the package's shared private emulator (nil when not installed).
var emu *emulator.Instance

func TestMain(m *testing.M) {
	if emulator.Installed() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		var err error
		emu, err = emulator.Start(ctx)
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "faultproxy tests: start emulator:", err)
			os.Exit(1)
		}
	}
	testutil.VerifyTestMain(stopEmulatorAfter{m})
}

// stopEmulatorAfter runs the tests and then stops the shared emulator, so
// that the leak check runs without its goroutines.
type stopEmulatorAfter struct{ m *testing.M }

func (s stopEmulatorAfter) Run() int {
	code := s.m.Run()
	if emu != nil {
		emu.Stop()
	}
	return code
}

func endpoint(t *testing.T) string {
	t.Helper()
	if emu == nil {
		t.Skipf("fauxqs emulator not installed; run `%s` from the module root, or scripts/test", emulator.InstallHint)
	}
	return emu.Endpoint()
}

// newClient returns an SDK client for ep whose idle connections are closed
// when the test ends.
func newClient(t *testing.T, ep string, optFns ...func(*sqs.Options)) *sqs.Client {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	opts := append([]func(*sqs.Options){func(o *sqs.Options) { o.HTTPClient = &http.Client{Transport: tr} }}, optFns...)
	c, err := awsclient.New(context.Background(), ep, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newProxy(t *testing.T, target string, optFns ...func(*faultproxy.Options)) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.New(target, optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

// createQueue creates a queue that is deleted when the test ends.
func createQueue(t *testing.T, c *sqs.Client, name string) string {
	t.Helper()
	url := testutil.CreateQueue(t, c, name, nil, nil)
	t.Cleanup(func() { _, _ = c.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: &url}) })
	return url
}

func visibleMessages(t *testing.T, c *sqs.Client, q string) int {
	t.Helper()
	out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(q),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages},
	})
	if err != nil {
		t.Fatalf("GetQueueAttributes: %v", err)
	}
	n, err := strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	if err != nil {
		t.Fatalf("ApproximateNumberOfMessages: %v", err)
	}
	return n
}

// TestSDKRecoversFromEachFault sends one message through the proxy with the
// SDK's default retryer (3 attempts) while the proxy injects a fault into
// the first two attempts, and checks what reached the queue.
func TestSDKRecoversFromEachFault(t *testing.T) {
	ep := endpoint(t)
	direct := newClient(t, ep)
	for _, tc := range []struct {
		fault     faultproxy.Fault
		attempts  int // SendMessage requests the proxy sees
		forwarded int
		messages  int // messages in the queue afterwards
	}{
		{faultproxy.Error500, 3, 1, 1},
		{faultproxy.Throttle, 3, 1, 1},
		{faultproxy.DropBefore, 3, 1, 1},
		{faultproxy.DropAfter, 3, 3, 3}, // the dropped sends took effect
		{faultproxy.Delay, 1, 1, 1},     // a delay is no failure; the second forced fault is left unused
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			p := newProxy(t, ep, func(o *faultproxy.Options) { o.Delay = 50 * time.Millisecond })
			c := newClient(t, p.URL()) // the SDK's default retryer
			q := createQueue(t, direct, "fp-recover-"+tc.fault.String())
			p.InjectNext(tc.fault, 2)
			out, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("hello")})
			if err != nil {
				t.Fatalf("SendMessage through %v: %v", tc.fault, err)
			}
			if aws.ToString(out.MessageId) == "" {
				t.Fatal("SendMessage returned no MessageId")
			}
			got := p.Counts()["SendMessage"]
			want := faultproxy.OpCounts{Requests: tc.attempts, Forwarded: tc.forwarded}
			switch tc.fault {
			case faultproxy.Error500:
				want.Error500 = 2
			case faultproxy.Throttle:
				want.Throttle = 2
			case faultproxy.DropBefore:
				want.DropBefore = 2
			case faultproxy.DropAfter:
				want.DropAfter = 2
			case faultproxy.Delay:
				want.Delay = 1
			}
			if got != want {
				t.Errorf("SendMessage counts = %+v, want %+v", got, want)
			}
			if n := visibleMessages(t, direct, q); n != tc.messages {
				t.Errorf("queue holds %d messages, want %d", n, tc.messages)
			}
		})
	}
}

// TestErrorShapes checks how the SDK decodes the injected errors when it
// does not retry them, and that sqsapi classifies them.
func TestErrorShapes(t *testing.T) {
	ep := endpoint(t)
	p := newProxy(t, ep)
	c := newClient(t, p.URL(), func(o *sqs.Options) { o.RetryMaxAttempts = 1 })
	ctx := context.Background()

	p.InjectNext(faultproxy.Throttle, 1)
	_, err := c.ListQueues(ctx, &sqs.ListQueuesInput{})
	var thr *types.RequestThrottled
	if !errors.As(err, &thr) {
		t.Errorf("throttle: err = %v (%T), want *types.RequestThrottled", err, err)
	}
	if !sqsapi.IsThrottled(err) {
		t.Errorf("throttle: sqsapi.IsThrottled(%v) = false", err)
	}

	p.InjectNext(faultproxy.Error500, 1)
	_, err = c.ListQueues(ctx, &sqs.ListQueuesInput{})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusInternalServerError {
		t.Errorf("500: err = %v, want an HTTP 500 response error", err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorFault() != smithy.FaultServer {
		t.Errorf("500: err = %v, want a server-fault API error", err)
	} else {
		t.Logf("500 decodes as code %q fault %v", ae.ErrorCode(), ae.ErrorFault())
	}

	for _, f := range []faultproxy.Fault{faultproxy.DropBefore, faultproxy.DropAfter} {
		p.InjectNext(f, 1)
		_, err = c.ListQueues(ctx, &sqs.ListQueuesInput{})
		if err == nil {
			t.Errorf("%v: ListQueues succeeded with one attempt", f)
		} else {
			t.Logf("%v: %v", f, err)
		}
	}
	if _, err := c.ListQueues(ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Errorf("ListQueues without a fault: %v", err)
	}
	tot := p.Totals()
	want := faultproxy.OpCounts{Requests: 5, Forwarded: 2, Error500: 1, Throttle: 1, DropBefore: 1, DropAfter: 1}
	if tot != want {
		t.Errorf("totals = %+v, want %+v", tot, want)
	}
}

// TestRatesUnderLoad sends messages from concurrent callers through 5 % of
// each fault and checks that every send succeeded, that the counts add up,
// and that the queue holds exactly the messages sent plus the duplicates
// that DropAfter caused.
func TestRatesUnderLoad(t *testing.T) {
	ep := endpoint(t)
	direct := newClient(t, ep)
	q := createQueue(t, direct, "fp-load")
	p := newProxy(t, ep, func(o *faultproxy.Options) {
		o.Rates = faultproxy.Uniform(0.05)
		o.Seed = 42
		o.Delay = 20 * time.Millisecond
		o.Match = func(op string) bool { return op == "SendMessage" }
	})
	c := newClient(t, p.URL(), faultproxy.SDKRetries(20, 100*time.Millisecond))

	const callers, perCaller = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, callers*perCaller)
	for i := range callers {
		wg.Go(func() {
			for j := range perCaller {
				_, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{
					QueueUrl: aws.String(q), MessageBody: aws.String(fmt.Sprintf("m-%d-%d", i, j)),
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("SendMessage: %v", err)
	}
	got := p.Counts()["SendMessage"]
	t.Logf("SendMessage counts: %+v", got)
	if got.Requests != got.Forwarded+got.Error500+got.Throttle+got.DropBefore+got.TargetErrors+got.Canceled {
		t.Errorf("counts do not add up: %+v", got)
	}
	// Every call's last attempt was forwarded and answered; every DropAfter
	// was forwarded too (and is a duplicate), and nothing else was.
	if got.Forwarded != callers*perCaller+got.DropAfter {
		t.Errorf("Forwarded = %d, want %d sends + %d DropAfter", got.Forwarded, callers*perCaller, got.DropAfter)
	}
	for _, f := range []faultproxy.Fault{faultproxy.Error500, faultproxy.Throttle, faultproxy.DropBefore, faultproxy.DropAfter, faultproxy.Delay} {
		if got.Of(f) == 0 {
			t.Errorf("no %v injected in %d requests at 5 %%", f, got.Requests)
		}
	}
	if n := visibleMessages(t, direct, q); n != callers*perCaller+got.DropAfter {
		t.Errorf("queue holds %d messages, want %d sent + %d duplicates from DropAfter", n, callers*perCaller, got.DropAfter)
	}
	if other := p.Counts()["GetQueueAttributes"]; other.Injected() != 0 {
		t.Errorf("faults injected outside Match: %+v", other)
	}
}

// TestDeterministic runs the same sequential calls through two proxies with
// the same seed and gets the same faults.
func TestDeterministic(t *testing.T) {
	ep := endpoint(t)
	run := func() faultproxy.OpCounts {
		p := newProxy(t, ep, func(o *faultproxy.Options) {
			o.Rates = faultproxy.Rates{Error500: 0.1, Throttle: 0.05, DropBefore: 0.1, Delay: 0.1}
			o.Seed = 7
			o.Delay = time.Millisecond
		})
		c := newClient(t, p.URL(), faultproxy.SDKRetries(20, 10*time.Millisecond))
		for i := 0; i < 60; i++ {
			if _, err := c.ListQueues(context.Background(), &sqs.ListQueuesInput{}); err != nil {
				t.Fatalf("ListQueues: %v", err)
			}
		}
		return p.Totals()
	}
	a, b := run(), run()
	if a != b {
		t.Errorf("same seed, different faults:\n%+v\n%+v", a, b)
	}
	if a.Injected() == 0 {
		t.Errorf("no fault injected: %+v", a)
	}
	t.Logf("seed 7: %+v", a)
}

// TestSetRatesConcurrently changes the rates while requests flow (run with
// -race) and checks that bad rates are refused.
func TestSetRatesConcurrently(t *testing.T) {
	ep := endpoint(t)
	p := newProxy(t, ep, func(o *faultproxy.Options) { o.Delay = time.Millisecond })
	c := newClient(t, p.URL(), faultproxy.SDKRetries(30, 10*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			if err := p.SetRates(faultproxy.Uniform(float64(i%5) / 50)); err != nil {
				t.Errorf("SetRates: %v", err)
				return
			}
			_ = p.Rates()
			_ = p.Counts()
			time.Sleep(time.Millisecond)
		}
	})
	for range 4 {
		wg.Go(func() {
			for range 20 {
				if _, err := c.ListQueues(context.Background(), &sqs.ListQueuesInput{}); err != nil {
					t.Errorf("ListQueues: %v", err)
				}
			}
		})
	}
	// Wait for the callers (the rate changer stops when ctx is cancelled).
	for p.Totals().Forwarded < 80 && !t.Failed() {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wg.Wait()

	for _, r := range []faultproxy.Rates{{Error500: -0.1}, {Throttle: 1.5}, faultproxy.Uniform(0.3)} {
		if err := p.SetRates(r); err == nil {
			t.Errorf("SetRates(%+v) accepted", r)
		}
	}
	if _, err := faultproxy.New(ep, func(o *faultproxy.Options) { o.Rates = faultproxy.Uniform(0.5) }); err == nil {
		t.Error("New with rates summing to 2.5 succeeded")
	}
	if _, err := faultproxy.New("127.0.0.1:1"); err == nil {
		t.Error("New with a target that is not a URL succeeded")
	}
}

// TestTargetDownAndRestart stops a private emulator behind the proxy: calls
// get 502 (which the SDK retries) and succeed again after the restart.
func TestTargetDownAndRestart(t *testing.T) {
	endpoint(t)
	em := emulator.StartForTest(t)
	p := newProxy(t, em.Endpoint())
	once := newClient(t, p.URL(), func(o *sqs.Options) { o.RetryMaxAttempts = 1 })
	ctx := context.Background()
	if _, err := once.ListQueues(ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatalf("ListQueues: %v", err)
	}
	em.Stop()
	_, err := once.ListQueues(ctx, &sqs.ListQueuesInput{})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadGateway {
		t.Fatalf("ListQueues with the emulator stopped: err = %v, want HTTP 502", err)
	}
	if got := p.Counts()["ListQueues"].TargetErrors; got != 1 {
		t.Errorf("TargetErrors = %d, want 1", got)
	}

	// A retrying client rides out the restart.
	retrying := newClient(t, p.URL(), faultproxy.SDKRetries(200, 100*time.Millisecond))
	done := make(chan error, 1)
	go func() {
		_, err := retrying.ListQueues(ctx, &sqs.ListQueuesInput{})
		done <- err
	}()
	for p.Counts()["ListQueues"].TargetErrors < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := em.Restart(ctx); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("ListQueues across the restart: %v", err)
	}
}

// TestCloseCancelsDelayed closes the proxy while a request is held by a
// long Delay: Close returns, the caller gets an error, nothing leaks.
func TestCloseCancelsDelayed(t *testing.T) {
	ep := endpoint(t)
	p, err := faultproxy.New(ep, func(o *faultproxy.Options) { o.Delay = time.Hour })
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, p.URL(), func(o *sqs.Options) { o.RetryMaxAttempts = 1 })
	p.InjectNext(faultproxy.Delay, 1)
	done := make(chan error, 1)
	go func() {
		_, err := c.ListQueues(context.Background(), &sqs.ListQueuesInput{})
		done <- err
	}()
	for p.Totals().Delay == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := <-done; err == nil {
		t.Fatal("delayed ListQueues succeeded after Close")
	}
	if got := p.Totals(); got.Canceled != 1 || got.Forwarded != 0 {
		t.Errorf("totals = %+v, want 1 canceled, 0 forwarded", got)
	}
	// The port is closed now.
	if conn, err := net.Dial("tcp", p.URL()[len("http://"):]); err == nil {
		conn.Close()
		t.Error("proxy still accepts connections after Close")
	}
}

// TestWithoutEmulator runs the proxy in front of a stub that answers every
// request with an empty JSON object, so the proxy's own behaviour is tested
// even where the emulator is not installed.
func TestWithoutEmulator(t *testing.T) {
	var mu sync.Mutex
	hits := 0
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, "{}")
	}))
	defer stub.Close()
	p := newProxy(t, stub.URL, func(o *faultproxy.Options) { o.Delay = time.Millisecond })
	c := newClient(t, p.URL(), faultproxy.SDKRetries(5, 10*time.Millisecond))
	for _, f := range []faultproxy.Fault{faultproxy.Error500, faultproxy.Throttle, faultproxy.DropBefore, faultproxy.DropAfter, faultproxy.Delay} {
		p.InjectNext(f, 1)
		if _, err := c.ListQueues(context.Background(), &sqs.ListQueuesInput{}); err != nil {
			t.Errorf("ListQueues after %v: %v", f, err)
		}
	}
	got := p.Counts()["ListQueues"]
	// Five calls; Error500, Throttle, DropBefore and DropAfter each cost one
	// extra attempt; DropAfter's first attempt reached the stub too.
	want := faultproxy.OpCounts{Requests: 9, Forwarded: 6, Error500: 1, Throttle: 1, DropBefore: 1, DropAfter: 1, Delay: 1}
	if got != want {
		t.Errorf("counts = %+v, want %+v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits != want.Forwarded {
		t.Errorf("stub saw %d requests, want %d", hits, want.Forwarded)
	}
}
