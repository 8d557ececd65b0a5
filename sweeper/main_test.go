package sweeper

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"go.uber.org/goleak"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(crashChild())
	}
	goleak.VerifyTestMain(m,
		// Idle keep-alive connections of the SDK's HTTP client (integration tests).
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// testLogger logs to the test output when -v is given, else discards.
func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// fakeEnv is an sqstest server on a fake clock.
type fakeEnv struct {
	clk *clock.Fake
	srv *sqstest.Server
}

func newFakeEnv(t *testing.T) *fakeEnv {
	t.Helper()
	clk := clock.NewFake(t0)
	srv := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
	t.Cleanup(srv.Close)
	return &fakeEnv{clk: clk, srv: srv}
}

func (e *fakeEnv) opts(t testing.TB, more ...func(*Options)) []func(*Options) {
	return append([]func(*Options){func(o *Options) {
		o.Clock = e.clk
		o.Logger = testLogger(t)
	}}, more...)
}

// eventually waits (in real time, up to 20 s) for cond to hold. It waits
// for an outcome; it asserts nothing about how long that took.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func mustCreate(t testing.TB, api sqsapi.API, name string, attrs, tags map[string]string) string {
	t.Helper()
	out, err := api.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs, Tags: tags})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return *out.QueueUrl
}

func tagsOf(t testing.TB, api sqsapi.API, url string) map[string]string {
	t.Helper()
	out, err := api.ListQueueTags(context.Background(), &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
	if err != nil {
		t.Fatalf("tags of %s: %v", url, err)
	}
	return out.Tags
}

func exists(t testing.TB, api sqsapi.API, name string) bool {
	t.Helper()
	_, err := api.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil && !sqsapi.IsQueueDoesNotExist(err) {
		t.Fatalf("get url of %s: %v", name, err)
	}
	return err == nil
}

func retention(secs int) map[string]string {
	return map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: strconv.Itoa(secs)}
}
