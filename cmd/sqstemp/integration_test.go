package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sweeper"
)

// emulatorFleet is a fleet on the SQS endpoint of the integration tests:
// one queue in use (created through sweeper.Client, which heartbeats it),
// one idle, one untagged, and the sweeper's work queue and DLQ.
type emulatorFleet struct {
	prefix                           string
	endpointArgs                     []string // -endpoint URL, unless real AWS
	inUse, idle, untagged, work, dlq string
}

func newEmulatorFleet(t *testing.T) emulatorFleet {
	ep := awsclient.Endpoint(t) // skips without an endpoint, saying how to run it
	api := awsclient.ForTest(t)
	ctx := context.Background()
	f := emulatorFleet{prefix: "sqstemp-cli-" + uuid.NewString()[:8] + "-"}
	if ep != awsclient.AWS {
		f.endpointArgs = []string{"-endpoint", ep}
	}
	t.Cleanup(func() {
		urls, _ := listQueues(ctx, api, f.prefix)
		for _, u := range urls {
			_, _ = api.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)})
		}
	})
	owner := sweeper.New(api, func(o *sweeper.Options) {
		o.QueuePrefix = f.prefix
		o.Logger = testutil.Logger(t)
	})
	t.Cleanup(func() { _ = owner.Close(context.Background()) })
	f.inUse = testutil.CreateQueue(t, owner, f.prefix+"inuse", map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "60"}, nil)
	f.idle = testutil.CreateQueue(t, api, f.prefix+"idle", nil, map[string]string{
		sqsapi.RetentionTag: "60",
		sqsapi.HeartbeatTag: strconv.FormatInt(time.Now().Add(-time.Hour).UnixMilli(), 10),
	})
	f.untagged = testutil.CreateQueue(t, api, f.prefix+"untagged", nil, nil)
	fifo := map[string]string{"FifoQueue": "true"}
	f.dlq = testutil.CreateQueue(t, api, sweeper.DeadLetterQueueName(f.prefix), fifo, nil)
	f.work = testutil.CreateQueue(t, api, sweeper.WorkQueueName(f.prefix), fifo, nil)
	return f
}

// sqstemp runs the command as a user would (the real AWS configuration and
// clock), against the fleet's endpoint.
func (f emulatorFleet) sqstemp(t *testing.T, args ...string) (stdout string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(append(args, "-prefix", f.prefix), f.endpointArgs...)
	code = run(context.Background(), args, &out, &errOut)
	t.Logf("$ sqstemp %s\n%s%s(exit %d)", strings.Join(args, " "), out.String(), errOut.String(), code)
	return out.String(), code
}

func TestIntegrationQueuesAndSweep(t *testing.T) {
	f := newEmulatorFleet(t)

	stdout, code := f.sqstemp(t, "queues", "-json")
	rows := byURL(t, jsonLines(t, stdout))
	want := map[string]string{f.inUse: "in-use", f.idle: "idle", f.untagged: "untagged", f.work: "sweeper", f.dlq: "sweeper"}
	if code != 0 || len(rows) != len(want) {
		t.Fatalf("exit %d, %d rows; want 0 and %d", code, len(rows), len(want))
	}
	for u, st := range want {
		if rows[u]["state"] != st {
			t.Errorf("%s: state %v, want %s", u, rows[u]["state"], st)
		}
	}
	if hb, _ := rows[f.inUse]["last_heartbeat"].(string); hb == "" || rows[f.inUse]["retention_seconds"] != 60.0 {
		t.Errorf("in-use row %v: want its heartbeat and retention 60", rows[f.inUse])
	}
	if stdout, code := f.sqstemp(t, "queues"); code != 0 || strings.Count(stdout, "\n") != 1+len(want) {
		t.Errorf("table: exit %d, want a header and %d rows", code, len(want))
	}

	stdout, code = f.sqstemp(t, "sweep", "-dry-run", "-json")
	if r := jsonLines(t, stdout); code != 0 || len(r) != 1 || r[0]["url"] != f.idle || r[0]["action"] != "would-delete" {
		t.Fatalf("sweep -dry-run: exit %d, rows %v; want %s would-delete", code, r, f.idle)
	}
	if stdout, code := f.sqstemp(t, "sweep", "-dry-run"); code != 0 || !strings.Contains(stdout, "would-delete") {
		t.Errorf("sweep -dry-run table: exit %d", code)
	}
	stdout, code = f.sqstemp(t, "sweep", "-json")
	if r := jsonLines(t, stdout); code != 0 || len(r) != 1 || r[0]["url"] != f.idle || r[0]["action"] != "deleted" {
		t.Fatalf("sweep: exit %d, rows %v; want %s deleted", code, r, f.idle)
	}
	stdout, _ = f.sqstemp(t, "queues", "-json")
	if rows := byURL(t, jsonLines(t, stdout)); rows[f.idle] != nil || rows[f.inUse]["state"] != "in-use" || rows[f.untagged] == nil {
		t.Errorf("after the sweep: %v; want the idle queue gone, the others kept", rows)
	}
}

func TestIntegrationDLQAndCleanup(t *testing.T) {
	f := newEmulatorFleet(t)
	api := awsclient.ForTest(t)
	ctx := context.Background()
	// One message per group: some emulators return one message of a FIFO
	// group per receive (SQS returns up to 10), and the group then hands
	// out nothing more while it is in flight.
	for i, g := range []string{"sweep", "check-1", "check-2"} {
		_, err := api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &f.dlq, MessageBody: aws.String(`{"v":1,"kind":"` + g + `"}`),
			MessageGroupId: aws.String(g), MessageDeduplicationId: aws.String(strconv.Itoa(i))})
		if err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // twice: the first listing must have put every message back
		stdout, code := f.sqstemp(t, "dlq", "-json")
		if r := jsonLines(t, stdout); code != 0 || len(r) != 3 {
			t.Fatalf("dlq: exit %d, %d messages; want 0 and 3", code, len(r))
		}
	}

	if _, code := f.sqstemp(t, "cleanup"); code != 1 {
		t.Fatalf("cleanup with a queue in use: exit %d, want 1", code)
	}
	stdout, code := f.sqstemp(t, "cleanup", "-force", "-json")
	if r := jsonLines(t, stdout); code != 0 || len(r) != 2 || r[0]["url"] != f.work || r[1]["url"] != f.dlq {
		t.Fatalf("cleanup -force: exit %d, rows %v", code, r)
	}
	for _, u := range []string{f.work, f.dlq} {
		if exists(t, api, u) {
			t.Errorf("%s still exists", u)
		}
	}
}
