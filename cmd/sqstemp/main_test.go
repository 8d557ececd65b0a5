package main

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/sweeper"
)

func TestMain(m *testing.M) { testutil.VerifyTestMain(m) }

// now is the time the unit tests run at; heartbeats are set relative to it.
var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

const prefix = "fleet-"

// testEnv is the command's world on an in-memory SQS at time now.
func testEnv(api sqsapi.API) env {
	return env{
		connect: func(context.Context, string) (sqsapi.API, error) { return api, nil },
		now:     func() time.Time { return now },
	}
}

// invoke runs the command as `sqstemp args...` and returns its output and
// exit status.
func invoke(e env, args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	code = e.run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// mustInvoke runs the command with args and returns its stdout, failing
// the test unless it exits 0.
func mustInvoke(t *testing.T, e env, args ...string) string {
	t.Helper()
	stdout, stderr, code := invoke(e, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d, stderr %s", args, code, stderr)
	}
	return stdout
}

// tags returns the sweeper's tags for a queue with the given retention and
// last heartbeat.
func tags(retention string, heartbeat time.Time) map[string]string {
	return map[string]string{
		sqsapi.RetentionTag: retention,
		sqsapi.HeartbeatTag: strconv.FormatInt(heartbeat.UnixMilli(), 10),
	}
}

// fleet holds the URLs of one queue in each state.
type fleet struct {
	inUse, idle, untagged, keptNonEmpty, keptUnreadable, work, dlq string
}

// newFleet creates, on api, one queue under the prefix in each state (at
// time now), the sweeper's work queue and DLQ, and a queue under another
// prefix that the command must not see.
func newFleet(t *testing.T, api sqsapi.API) fleet {
	t.Helper()
	fifo := map[string]string{"FifoQueue": "true"}
	f := fleet{
		inUse:          testutil.CreateQueue(t, api, prefix+"inuse", nil, tags("300", now.Add(-10*time.Second))),
		idle:           testutil.CreateQueue(t, api, prefix+"idle", nil, tags("300", now.Add(-time.Hour))),
		untagged:       testutil.CreateQueue(t, api, prefix+"untagged", nil, nil),
		keptNonEmpty:   testutil.CreateQueue(t, api, prefix+"nonempty", nil, tags("300", now.Add(-time.Hour))),
		keptUnreadable: testutil.CreateQueue(t, api, prefix+"unreadable", nil, map[string]string{sqsapi.RetentionTag: "300", sqsapi.HeartbeatTag: "soon"}),
		dlq:            testutil.CreateQueue(t, api, sweeper.DeadLetterQueueName(prefix), fifo, nil),
		work:           testutil.CreateQueue(t, api, sweeper.WorkQueueName(prefix), fifo, nil),
	}
	testutil.CreateQueue(t, api, "other-idle", nil, tags("300", now.Add(-time.Hour)))
	if _, err := api.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &f.keptNonEmpty, MessageBody: aws.String("late reply")}); err != nil {
		t.Fatal(err)
	}
	return f
}

// newServer returns an in-memory SQS closed at the end of the test.
func newServer(t *testing.T) *sqstest.Server {
	srv := sqstest.New()
	t.Cleanup(srv.Close)
	return srv
}

// exists reports whether the queue at url exists.
func exists(t *testing.T, api sqsapi.API, url string) bool {
	t.Helper()
	_, err := api.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url})
	if sqsapi.IsQueueDoesNotExist(err) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}
