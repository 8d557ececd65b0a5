package reliability

import (
	"context"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"go.uber.org/goleak"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/emulator"
	"github.com/sqstemp/sqstemp/internal/faultproxy"
)

// long reports whether the long variants were asked for (SQSTEMP_LONG=1).
func long() bool { return os.Getenv("SQSTEMP_LONG") == "1" }

// emuEnv is a private emulator with a fault proxy in front of it, and SDK
// clients over each whose HTTP connections the test owns (so that a leak
// check can close the idle ones).
type emuEnv struct {
	em     *emulator.Instance
	proxy  *faultproxy.Proxy
	faulty *sqs.Client // through the proxy, SDK standard retryer
	direct *sqs.Client // straight to the emulator, for setup and inspection
	trs    []*http.Transport
}

func newTransport() *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     30 * time.Second,
	}
}

// newEmuEnv starts a private emulator and a fault proxy (no faults yet).
// maxAttempts and maxBackoff configure the SDK's standard retryer of the
// client through the proxy (see faultproxy.SDKRetries); maxAttempts 0 keeps
// the SDK's default configuration.
func newEmuEnv(t *testing.T, maxAttempts int, maxBackoff time.Duration, optFns ...func(*faultproxy.Options)) *emuEnv {
	t.Helper()
	e := &emuEnv{em: emulator.StartForTest(t)}
	p, err := faultproxy.New(e.em.Endpoint(), optFns...)
	if err != nil {
		t.Fatal(err)
	}
	e.proxy = p
	t.Cleanup(func() { _ = p.Close() })
	if maxAttempts > 0 {
		e.faulty = e.client(t, p.URL(), faultproxy.SDKRetries(maxAttempts, maxBackoff))
	} else {
		e.faulty = e.client(t, p.URL()) // the SDK's default: standard retryer, 3 attempts, retry quota
	}
	e.direct = e.client(t, e.em.Endpoint())
	t.Cleanup(e.closeIdle)
	return e
}

func (e *emuEnv) client(t *testing.T, endpoint string, optFns ...func(*sqs.Options)) *sqs.Client {
	t.Helper()
	tr := newTransport()
	e.trs = append(e.trs, tr)
	hc := &http.Client{Transport: tr}
	c, err := awsclient.New(context.Background(), endpoint, append([]func(*sqs.Options){func(o *sqs.Options) { o.HTTPClient = hc }}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *emuEnv) closeIdle() {
	for _, tr := range e.trs {
		tr.CloseIdleConnections()
	}
}

// queues lists the emulator's queues (directly), sorted.
func (e *emuEnv) queues(t *testing.T, prefix string) []string {
	t.Helper()
	in := &sqs.ListQueuesInput{MaxResults: aws.Int32(1000)}
	if prefix != "" {
		in.QueueNamePrefix = aws.String(prefix)
	}
	var all []string
	for {
		out, err := e.direct.ListQueues(context.Background(), in)
		if err != nil {
			t.Fatalf("ListQueues: %v", err)
		}
		all = append(all, out.QueueUrls...)
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	sort.Strings(all)
	return all
}

var goroutineRE = regexp.MustCompile(`Goroutine \d+ in state`)

// leakedGoroutines returns the goroutines running now that were not running
// when ignore was taken, after giving them time to end.
func leakedGoroutines(ignore goleak.Option, closeIdle func()) (int, string) {
	var err error
	for range 10 { // goleak.Find retries for about a second each time
		if closeIdle != nil {
			closeIdle()
		}
		if err = goleak.Find(ignore,
			// A restarted emulator's process: its output copiers and waiter
			// run until the emulator stops in the test's cleanup.
			goleak.IgnoreAnyFunction("os/exec.(*Cmd).writerDescriptor.func1"),
			goleak.IgnoreAnyFunction("github.com/sqstemp/sqstemp/internal/emulator.(*Instance).startLocked.func1"),
			goleak.IgnoreAnyFunction("github.com/sqstemp/sqstemp/internal/emulator.(*Instance).startLocked.func2"),
		); err == nil {
			return 0, ""
		}
	}
	return len(goroutineRE.FindAllString(err.Error(), -1)), err.Error()
}
