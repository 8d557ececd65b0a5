package responder_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// TestQuietByDefault: routine events (requests answered, error replies,
// expired requests, stale replies, a transient receive error) log nothing
// at Info or above.
func TestQuietByDefault(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.InjectFault("ReceiveMessage", sqstest.Fault{Times: 1, Err: &smithy.GenericAPIError{Code: "RequestThrottled", Fault: smithy.FaultClient}})
	rec := &countHandler{}
	r := responder.New(e.srv, func(o *responder.Options) { o.Logger = slog.New(rec) })
	stop := serve(r, e.requests, responder.HandlerFunc(func(ctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
		if *m.Body == "missing" {
			return nil, &responder.ReplyError{Code: "NotFound"}
		}
		return echo(ctx, m)
	}))
	e.request(t, "ok", virtualqueue.URL(e.host, "r"))
	e.request(t, "missing", virtualqueue.URL(e.host, "r"))
	e.request(t, "gone", virtualqueue.URL(e.host[:len(e.host)-4]+"gone", "r")) // a stale reply
	e.requestWithDeadline(t, "late", virtualqueue.URL(e.host, "r"), "Number", strconv.FormatInt(time.Now().Add(-time.Hour).UnixMilli(), 10))
	testutil.Eventually(t, "every request settled", func() bool {
		st := r.Stats()
		return st.Responses == 2 && st.StaleReplies == 1 && st.Expired == 1
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for level, msgs := range rec.atLevel {
		if level >= slog.LevelInfo {
			t.Errorf("routine events logged at %v: %q", level, msgs)
		}
	}
	if len(rec.atLevel[slog.LevelDebug]) == 0 {
		t.Error("nothing logged at Debug either")
	}
}
