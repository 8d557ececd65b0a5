package virtualqueue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

func TestMain(m *testing.M) { testutil.VerifyTestMain(m) }

// env is a client over an sqstest server with one host queue.
type env struct {
	srv  *sqstest.Server
	vq   *Client
	host string
	clk  *clock.Fake // nil with the real clock
}

type envOpts struct {
	fake      bool
	hostAttrs map[string]string
	hostName  string
	opts      func(*Options)
}

func newEnv(t testing.TB, eo envOpts) *env {
	t.Helper()
	e := &env{}
	var clk clock.Clock
	if eo.fake {
		e.clk = clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		clk = e.clk
	}
	e.srv = sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
	name := eo.hostName
	if name == "" {
		name = "host"
	}
	e.host = testutil.CreateQueue(t, e.srv, name, eo.hostAttrs, nil)
	e.srv.ResetCallCounts()
	e.vq = New(e.srv, func(o *Options) {
		o.Logger = testutil.Logger(t)
		o.Clock = clk
		if eo.opts != nil {
			eo.opts(o)
		}
	})
	t.Cleanup(func() {
		if err := e.vq.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
		e.srv.Close()
	})
	return e
}

// create creates the virtual queue name on e's host, with attrs as
// key-value pairs.
func (e *env) create(t testing.TB, name string, attrs ...string) string {
	t.Helper()
	return createOn(t, e.vq, e.host, name, attrs...)
}

func (e *env) send(t testing.TB, url, body string) string {
	t.Helper()
	return sendTo(t, e.vq, url, body)
}

func (e *env) receive(t testing.TB, url string, max, wait int32) []types.Message {
	t.Helper()
	return receiveFrom(t, e.vq, url, max, wait)
}

// receiveOne long-polls (real time) until one message arrives.
func (e *env) receiveOne(t testing.TB, url string) types.Message {
	t.Helper()
	return receiveWithin(t, e.vq, url, 10)
}

func (e *env) deleteMsg(t testing.TB, url string, m types.Message) {
	t.Helper()
	deleteFrom(t, e.vq, url, m)
}

// createOn creates the virtual queue name on host through vq, with attrs
// as key-value pairs.
func createOn(t testing.TB, vq *Client, host, name string, attrs ...string) string {
	t.Helper()
	a := hostAttr(host)
	for i := 0; i+1 < len(attrs); i += 2 {
		a[attrs[i]] = attrs[i+1]
	}
	return testutil.CreateQueue(t, vq, name, a, nil)
}

// hostAttr returns the attributes that create a virtual queue on host.
func hostAttr(host string) map[string]string {
	return map[string]string{sqsapi.HostQueueURLAttribute: host}
}

// sendTo sends body to url through vq and returns the message's ID.
func sendTo(t testing.TB, vq *Client, url, body string) string {
	t.Helper()
	out, err := vq.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)})
	if err != nil {
		t.Fatalf("SendMessage to %s: %v", url, err)
	}
	return aws.ToString(out.MessageId)
}

// receiveFrom receives from url through vq, with all message and system
// attributes.
func receiveFrom(t testing.TB, vq *Client, url string, max, wait int32) []types.Message {
	t.Helper()
	out, err := vq.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
		MaxNumberOfMessages: max, WaitTimeSeconds: wait, MessageAttributeNames: []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
	if err != nil {
		t.Fatalf("ReceiveMessage from %s: %v", url, err)
	}
	return out.Messages
}

func deleteFrom(t testing.TB, vq *Client, url string, m types.Message) {
	t.Helper()
	if _, err := vq.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
}

// bodiesOf returns the bodies of msgs, for failure messages.
func bodiesOf(msgs []types.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = aws.ToString(m.Body)
	}
	return out
}

// receiveWithin receives one message from url through vq in at most polls
// long polls of 5 s, failing the test if none arrives.
func receiveWithin(t testing.TB, vq *Client, url string, polls int) types.Message {
	t.Helper()
	for range polls {
		if m := receiveFrom(t, vq, url, 1, 5); len(m) == 1 {
			return m[0]
		}
	}
	t.Fatalf("no message on %s", url)
	return types.Message{}
}

// kick receives from url with WaitTimeSeconds 0, expecting nothing: the
// host's pollers start (and linger for PollLinger).
func (e *env) kick(t testing.TB, url string) {
	t.Helper()
	if m := e.receive(t, url, 10, 0); len(m) != 0 {
		t.Fatalf("kick received %d messages", len(m))
	}
}

// sendBuffered starts the pollers of the virtual queue at url (kick),
// sends bodies to it and waits until the client buffers them, the only
// messages it buffers.
func (e *env) sendBuffered(t testing.TB, url string, bodies ...string) {
	t.Helper()
	e.kick(t, url)
	for _, b := range bodies {
		e.send(t, url, b)
	}
	testutil.Eventually(t, fmt.Sprint(len(bodies), " buffered"), func() bool { return e.vq.Stats().Buffered == len(bodies) })
}

// callsExceptPolls returns the server's call counts without the pollers'
// calls: host long polls (ReceiveMessage) and the one read of the host's
// attributes (GetQueueAttributes) that a host's first poller makes.
func callsExceptPolls(s *sqstest.Server) map[string]int {
	m := s.CallCounts()
	delete(m, "ReceiveMessage")
	if m["GetQueueAttributes"] == 1 {
		delete(m, "GetQueueAttributes")
	}
	for k, v := range m {
		if v == 0 {
			delete(m, k)
		}
	}
	return m
}

func isInvalid(err error) bool {
	var bad *sqsapi.InvalidParameterError
	return errors.As(err, &bad)
}

// hostEnv is a client over an sqstest server on the real clock (which
// testing/synctest fakes) with one host queue.
type hostEnv struct {
	srv  *sqstest.Server
	vq   *Client
	host string
}

// newHostEnv creates the server, a host queue named name with attrs, and a
// client over api(srv) (srv itself when api is nil) with opts; all are
// closed when the test ends.
func newHostEnv(t *testing.T, name string, attrs map[string]string, opts func(*Options), api func(*sqstest.Server) sqsapi.API) hostEnv {
	t.Helper()
	e := hostEnv{srv: sqstest.New()}
	t.Cleanup(e.srv.Close)
	e.host = testutil.CreateQueue(t, e.srv, name, attrs, nil)
	var wrapped sqsapi.API = e.srv
	if api != nil {
		wrapped = api(e.srv)
	}
	e.vq = New(wrapped, func(o *Options) {
		o.Logger = testutil.Logger(t)
		if opts != nil {
			opts(o)
		}
	})
	t.Cleanup(func() {
		if err := e.vq.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

// closeWithWaitingReceives starts a receive (WaitTimeSeconds 20) on each of
// urls, waits until all of them wait in vq, runs settle (if not nil) and
// closes vq, failing the test if Close does not return within
// testutil.LivenessBound (a bound on a hang, not a timing assertion). Every
// receive must end with ErrClosed. It returns how long Close took.
func closeWithWaitingReceives(t *testing.T, vq *Client, urls []string, settle func()) time.Duration {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(urls))
	for _, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := vq.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(u), WaitTimeSeconds: 20})
			errs <- err
		}()
	}
	testutil.Eventually(t, fmt.Sprint(len(urls), " waiting"), func() bool {
		vq.mu.Lock()
		defer vq.mu.Unlock()
		n := 0
		for _, q := range vq.queues {
			n += int(q.waiters)
		}
		return n == len(urls)
	})
	if settle != nil {
		settle()
	}
	ctx, cancel := context.WithTimeout(context.Background(), testutil.LivenessBound)
	defer cancel()
	start := time.Now()
	if err := vq.Close(ctx); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("receiver got %v", err)
		}
	}
	return took
}
