package emulator_test

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/emulator"
	"github.com/sqstemp/sqstemp/internal/testutil"
)

func TestMain(m *testing.M) { testutil.VerifyTestMain(m) }

func listQueues(ctx context.Context, t *testing.T, c *sqs.Client) []string {
	t.Helper()
	out, err := c.ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil {
		t.Fatalf("ListQueues: %v", err)
	}
	return out.QueueUrls
}

func TestStartStopRestart(t *testing.T) {
	ctx := context.Background()
	em := emulator.StartForTest(t)
	ep := em.Endpoint()
	host, _, err := net.SplitHostPort(ep[len("http://"):])
	if err != nil || host != "127.0.0.1" {
		t.Fatalf("Endpoint() = %q, want http://127.0.0.1:PORT", ep)
	}
	c, err := awsclient.New(ctx, ep, func(o *sqs.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("emulator-test")}); err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	if got := listQueues(ctx, t, c); len(got) != 1 {
		t.Fatalf("ListQueues = %v, want one queue", got)
	}

	em.Stop()
	if em.Running() {
		t.Fatal("Running() after Stop")
	}
	em.Stop() // idempotent
	if _, err := c.ListQueues(ctx, &sqs.ListQueuesInput{}); err == nil {
		t.Fatal("ListQueues succeeded against a stopped emulator")
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Logf("ListQueues on stopped emulator: %v (not ECONNREFUSED)", err)
	}

	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := em.Restart(rctx); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if em.Endpoint() != ep {
		t.Fatalf("Endpoint after Restart = %q, want %q", em.Endpoint(), ep)
	}
	if got := listQueues(ctx, t, c); len(got) != 0 {
		t.Fatalf("ListQueues after Restart = %v, want none (restarted empty)", got)
	}
	// Restart of a running emulator works too.
	if err := em.Restart(rctx); err != nil {
		t.Fatalf("second Restart: %v", err)
	}
	listQueues(ctx, t, c)
}

func TestFixedPortInUse(t *testing.T) {
	em := emulator.StartForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := emulator.Start(ctx, func(o *emulator.Options) { o.Port = em.Port() })
	if err == nil {
		t.Fatalf("second emulator on busy port %d started", em.Port())
	}
	t.Logf("busy port: %v", err)
}

func TestMissingInstallation(t *testing.T) {
	dir := t.TempDir()
	_, err := emulator.Start(context.Background(), func(o *emulator.Options) { o.Dir = dir })
	if err == nil {
		t.Fatal("Start in an empty directory succeeded")
	}
	t.Logf("empty dir: %v", err)
}
