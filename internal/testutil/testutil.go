package testutil

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"go.uber.org/goleak"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Quiet is a logger that discards everything.
var Quiet = slog.New(slog.DiscardHandler)

// Logger returns a logger that writes to t's log at Debug level when
// SQSTEMP_LOG=1 is set, and discards otherwise.
func Logger(t testing.TB) *slog.Logger {
	if os.Getenv("SQSTEMP_LOG") != "1" {
		return Quiet
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// LivenessBound is how long Eventually waits before it fails. It guards
// against a hang; it is not a timing assertion.
const LivenessBound = 30 * time.Second

// Eventually waits (in real time) until cond holds, failing the test with
// what after LivenessBound.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(LivenessBound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened within %v: %s", LivenessBound, what)
		}
		time.Sleep(time.Millisecond)
	}
}

// CreateQueue creates a queue through api and returns its URL, failing the
// test on error.
func CreateQueue(t testing.TB, api sqsapi.API, name string, attrs, tags map[string]string) string {
	t.Helper()
	out, err := api.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs, Tags: tags})
	if err != nil {
		t.Fatalf("create queue %s: %v", name, err)
	}
	return aws.ToString(out.QueueUrl)
}

// LeakOptions are the goroutines a leak check ignores: those of the idle
// keep-alive connections of the SDK's HTTP client, which integration tests
// leave open. They are matched anywhere in the stack (a connection's read
// loop waits in internal/poll), so that other goroutines blocked on the
// network, such as a listener nobody closed, still count as leaks.
func LeakOptions() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
	}
}

// VerifyTestMain runs the tests and fails the package if any goroutine is
// left running afterwards (see LeakOptions). m is the package's *testing.M,
// or a wrapper whose Run also stops what the tests shared (such as an
// emulator) before the check.
func VerifyTestMain(m goleak.TestingM, more ...goleak.Option) {
	goleak.VerifyTestMain(m, append(LeakOptions(), more...)...)
}
