package main

import (
	"context"

	"maps"
	"strings"
	"testing"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/testutil"
)

func TestMain(m *testing.M) { testutil.VerifyTestMain(m) }

func check(t *testing.T, endpoint string) {
	var out strings.Builder
	before, after, err := run(context.Background(), &out, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())
	n := int64(len(tasks))
	wantBefore := map[string]int64{"CreateQueue": n, "DeleteQueue": n, "SendMessage": n, "ReceiveMessage": n, "DeleteMessage": n}
	if !maps.Equal(before, wantBefore) {
		t.Errorf("calls with real queues = %v, want %v", before, wantBefore)
	}
	// One host queue created, heartbeated once right after in the
	// background (the heartbeat of a queue comes at once, then every
	// retention/4; a run that ends first skips it) and deleted, and its
	// attributes read once by its poller; the sends, receives and deletes of
	// messages; and the host poller's long poll outstanding at Close, if it
	// had been issued by then.
	recv, tags := after["ReceiveMessage"], after["TagQueue"]
	delete(after, "ReceiveMessage")
	delete(after, "TagQueue")
	wantAfter := map[string]int64{"CreateQueue": 1, "DeleteQueue": 1, "GetQueueAttributes": 1, "SendMessage": n, "DeleteMessage": n}
	if !maps.Equal(after, wantAfter) || recv < n || recv > n+1 || tags > 1 {
		t.Errorf("calls with tempqueue = %v + ReceiveMessage %d + TagQueue %d, want %v + ReceiveMessage %d or %d + TagQueue 0 or 1", after, recv, tags, wantAfter, n, n+1)
	}
	if got := strings.Count(out.String(), `-> "`); got != 2*len(tasks) {
		t.Errorf("%d task results printed, want %d", got, 2*len(tasks))
	}
}

// TestRun is `go run ./examples/dropin` on the embedded in-memory SQS.
func TestRun(t *testing.T) { check(t, "") }

func TestOnEmulator(t *testing.T) { check(t, awsclient.Endpoint(t)) }
