package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// jsonLines parses one JSON object per line.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for line := range strings.Lines(out) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not a JSON object per line: %q: %v", line, err)
		}
		rows = append(rows, m)
	}
	return rows
}

// byURL indexes JSON rows by their "url" field.
func byURL(t *testing.T, rows []map[string]any) map[string]map[string]any {
	t.Helper()
	m := map[string]map[string]any{}
	for _, r := range rows {
		u, _ := r["url"].(string)
		if _, dup := m[u]; dup {
			t.Fatalf("queue %s listed twice", u)
		}
		m[u] = r
	}
	return m
}

func TestQueuesStates(t *testing.T) {
	srv := newServer(t)
	f := newFleet(t, srv)
	stdout := mustInvoke(t, testEnv(srv), "queues", "-prefix", prefix, "-json")
	rows := byURL(t, jsonLines(t, stdout))
	hb := now.Add(-10 * time.Second).Format(time.RFC3339)
	tests := []struct {
		url, state    string
		lastHeartbeat any // string, or nil for JSON null
		retention     any // float64, or nil
		messages      any
		reason        string // a word the reason must contain
	}{
		{f.inUse, "in-use", hb, 300.0, 0.0, "heartbeat"},
		{f.idle, "idle", now.Add(-time.Hour).Format(time.RFC3339), 300.0, 0.0, "empty"},
		{f.untagged, "untagged", nil, nil, 0.0, "no retention tag"},
		{f.keptNonEmpty, "kept", now.Add(-time.Hour).Format(time.RFC3339), 300.0, 1.0, "holds 1 messages"},
		{f.keptUnreadable, "kept", nil, 300.0, 0.0, "unreadable heartbeat"},
		{f.work, "sweeper", nil, nil, 0.0, "work queue"},
		{f.dlq, "sweeper", nil, nil, 0.0, "dead-letter queue"},
	}
	if len(rows) != len(tests) {
		t.Errorf("listed %d queues, want %d (the queue under another prefix must not be listed): %v", len(rows), len(tests), slices.Sorted(maps.Keys(rows)))
	}
	for _, tt := range tests {
		r, ok := rows[tt.url]
		if !ok {
			t.Errorf("%s not listed", tt.url)
			continue
		}
		if r["state"] != tt.state || r["last_heartbeat"] != tt.lastHeartbeat || r["retention_seconds"] != tt.retention || r["messages"] != tt.messages {
			t.Errorf("%s: got state %v last_heartbeat %v retention_seconds %v messages %v, want %v %v %v %v",
				tt.url, r["state"], r["last_heartbeat"], r["retention_seconds"], r["messages"], tt.state, tt.lastHeartbeat, tt.retention, tt.messages)
		}
		if reason, _ := r["reason"].(string); !strings.Contains(reason, tt.reason) {
			t.Errorf("%s: reason %q, want it to mention %q", tt.url, reason, tt.reason)
		}
	}
}

func TestJSONFieldNames(t *testing.T) {
	srv := newServer(t)
	newFleet(t, srv)
	e := testEnv(srv)
	tests := []struct {
		args   []string
		fields []string
	}{
		{[]string{"queues"}, []string{"url", "state", "last_heartbeat", "retention_seconds", "messages", "reason"}},
		{[]string{"sweep", "-dry-run"}, []string{"url", "action", "reason"}},
	}
	for _, tt := range tests {
		stdout, stderr, code := invoke(e, append(tt.args, "-prefix", prefix, "-json")...)
		if code != 0 {
			t.Fatalf("%v: exit %d, stderr %s", tt.args, code, stderr)
		}
		rows := jsonLines(t, stdout)
		if len(rows) == 0 {
			t.Fatalf("%v: no rows", tt.args)
		}
		for _, r := range rows {
			if got := slices.Sorted(maps.Keys(r)); !slices.Equal(got, slices.Sorted(slices.Values(tt.fields))) {
				t.Errorf("%v: fields %v, want %v", tt.args, got, tt.fields)
			}
		}
	}
}

func TestQueuesTableIsAligned(t *testing.T) {
	srv := newServer(t)
	f := newFleet(t, srv)
	stdout := mustInvoke(t, testEnv(srv), "queues", "-prefix", prefix)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	header := lines[0]
	if !strings.HasPrefix(header, "URL ") {
		t.Fatalf("header %q", header)
	}
	col := strings.Index(header, "STATE")
	want := map[string]string{f.inUse: "in-use", f.idle: "idle", f.untagged: "untagged", f.keptNonEmpty: "kept", f.work: "sweeper"}
	found := 0
	for _, l := range lines[1:] {
		u, _, _ := strings.Cut(l, " ")
		if st, ok := want[u]; ok {
			found++
			if !strings.HasPrefix(l[col:], st+" ") {
				t.Errorf("row %q: want state %q under the STATE column (offset %d)", l, st, col)
			}
		}
	}
	if found != len(want) || len(lines) != 8 {
		t.Errorf("table has %d lines, %d of the expected rows:\n%s", len(lines), found, stdout)
	}
}

func TestSweepDryRunDeletesNothing(t *testing.T) {
	srv := newServer(t)
	f := newFleet(t, srv)
	stdout := mustInvoke(t, testEnv(srv), "sweep", "-dry-run", "-prefix", prefix, "-json")
	rows := jsonLines(t, stdout)
	if len(rows) != 1 || rows[0]["url"] != f.idle || rows[0]["action"] != "would-delete" {
		t.Fatalf("rows %v, want only %s would-delete", rows, f.idle)
	}
	for _, u := range []string{f.inUse, f.idle, f.untagged, f.keptNonEmpty, f.keptUnreadable, f.work, f.dlq} {
		if !exists(t, srv, u) {
			t.Errorf("dry run deleted %s", u)
		}
	}
	if n := srv.CallCounts()["DeleteQueue"]; n != 0 {
		t.Errorf("dry run made %d DeleteQueue calls", n)
	}
}

func TestSweepDeletesIdleQueuesOnly(t *testing.T) {
	srv := newServer(t)
	f := newFleet(t, srv)
	stdout := mustInvoke(t, testEnv(srv), "sweep", "-prefix", prefix, "-json")
	rows := jsonLines(t, stdout)
	if len(rows) != 1 || rows[0]["url"] != f.idle || rows[0]["action"] != "deleted" {
		t.Fatalf("rows %v, want only %s deleted", rows, f.idle)
	}
	if exists(t, srv, f.idle) {
		t.Error("the idle queue still exists")
	}
	for _, u := range []string{f.inUse, f.untagged, f.keptNonEmpty, f.keptUnreadable, f.work, f.dlq} {
		if !exists(t, srv, u) {
			t.Errorf("sweep deleted %s", u)
		}
	}
	// A shorter grace deletes the idle queue that holds messages too.
	stdout = mustInvoke(t, testEnv(srv), "sweep", "-prefix", prefix, "-json", "-non-empty-grace", "1m")
	if rows := jsonLines(t, stdout); len(rows) != 1 || rows[0]["url"] != f.keptNonEmpty {
		t.Fatalf("with -non-empty-grace 1m: rows %v, want %s deleted", rows, f.keptNonEmpty)
	}
}

func TestSweepReportsErrorsAndGoesOn(t *testing.T) {
	srv := newServer(t)
	f := newFleet(t, srv)
	srv.InjectFault("ListQueueTags", sqstest.Fault{
		Err:   &smithy.GenericAPIError{Code: "InternalError", Message: "boom"},
		Match: func(in any) bool { return aws.ToString(in.(*sqs.ListQueueTagsInput).QueueUrl) == f.inUse },
	})
	stdout, stderr, code := invoke(testEnv(srv), "sweep", "-prefix", prefix, "-json")
	if code != 1 || !strings.Contains(stderr, f.inUse) || !strings.Contains(stderr, "boom") {
		t.Errorf("exit %d, stderr %q: want 1 and the failing queue named", code, stderr)
	}
	if rows := jsonLines(t, stdout); len(rows) != 1 || rows[0]["url"] != f.idle {
		t.Errorf("rows %v: the other queues must still be swept", rows)
	}
}

func TestDLQShowsMessagesWithoutRemovingThem(t *testing.T) {
	srv := newServer(t)
	f := newFleet(t, srv)
	ctx := context.Background()
	sent := map[string]string{} // message ID -> group
	for i, g := range []string{"check-a", "check-a", "check-a", "sweep"} {
		out, err := srv.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &f.dlq, MessageBody: aws.String(`{"v":1,"kind":"check"}` + "\n" + string(rune('0'+i))),
			MessageGroupId: aws.String(g), MessageDeduplicationId: aws.String(string(rune('a' + i)))})
		if err != nil {
			t.Fatal(err)
		}
		sent[aws.ToString(out.MessageId)] = g
	}
	stdout := mustInvoke(t, testEnv(srv), "dlq", "-prefix", prefix, "-json")
	rows := jsonLines(t, stdout)
	if len(rows) != len(sent) {
		t.Fatalf("shown %d messages, want %d: %v", len(rows), len(sent), rows)
	}
	for _, r := range rows {
		id, _ := r["message_id"].(string)
		if sent[id] == "" || r["message_group_id"] != sent[id] || r["receive_count"] != 1.0 || r["sent_timestamp"] == nil {
			t.Errorf("row %v does not match a sent message", r)
		}
	}
	// Every message is still there, and visible now.
	attrs, err := srv.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &f.dlq, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if v, nv := attrs.Attributes["ApproximateNumberOfMessages"], attrs.Attributes["ApproximateNumberOfMessagesNotVisible"]; v != "4" || nv != "0" {
		t.Errorf("after dlq: %s visible, %s in flight; want 4 and 0", v, nv)
	}
	// The table escapes the newline in the bodies.
	stdout, _, _ = invoke(testEnv(srv), "dlq", "-prefix", prefix)
	if lines := strings.Count(stdout, "\n"); lines != 5 || !strings.Contains(stdout, `\n0`) {
		t.Errorf("table of %d lines, want a header and 4 rows with escaped bodies:\n%s", lines, stdout)
	}
}

func TestDLQSaysWhenAFIFOGroupHidesMessages(t *testing.T) {
	srv := newServer(t)
	f := newFleet(t, srv)
	for i := range 12 {
		_, err := srv.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &f.dlq, MessageBody: aws.String("seed"),
			MessageGroupId: aws.String("sweep"), MessageDeduplicationId: aws.String(strconv.Itoa(i))})
		if err != nil {
			t.Fatal(err)
		}
	}
	stdout, stderr, code := invoke(testEnv(srv), "dlq", "-prefix", prefix, "-json")
	if rows := jsonLines(t, stdout); code != 0 || len(rows) != 10 || !strings.Contains(stderr, "shown 10 of about 12") {
		t.Errorf("exit %d, %d rows, stderr %q; want the first 10 of the group and a note", code, len(rows), stderr)
	}
}

func TestDLQWithoutQueue(t *testing.T) {
	srv := newServer(t)
	stdout, stderr, code := invoke(testEnv(srv), "dlq", "-prefix", prefix)
	if code != 0 || stdout != "" || !strings.Contains(stderr, "no dead-letter queue") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestCleanup(t *testing.T) {
	srv := newServer(t)
	f := newFleet(t, srv)
	e := testEnv(srv)

	_, stderr, code := invoke(e, "cleanup", "-prefix", prefix)
	if code != 1 || !strings.Contains(stderr, f.inUse) || !strings.Contains(stderr, "in use") {
		t.Fatalf("with a queue in use: exit %d, stderr %q; want 1 naming %s", code, stderr, f.inUse)
	}
	if strings.Contains(stderr, f.idle) {
		t.Errorf("stderr names the idle queue as in use: %q", stderr)
	}
	if !exists(t, srv, f.work) || !exists(t, srv, f.dlq) {
		t.Fatal("refused cleanup deleted the sweeper's queues")
	}

	// Once nothing is in use, cleanup deletes the work queue and the DLQ only.
	if _, err := srv.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: &f.inUse}); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := invoke(e, "cleanup", "-prefix", prefix, "-json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	rows := jsonLines(t, stdout)
	if len(rows) != 2 || rows[0]["url"] != f.work || rows[1]["url"] != f.dlq || rows[0]["action"] != "deleted" {
		t.Errorf("rows %v, want the work queue then the DLQ deleted", rows)
	}
	if exists(t, srv, f.work) || exists(t, srv, f.dlq) || !exists(t, srv, f.idle) || !exists(t, srv, f.untagged) {
		t.Error("cleanup deleted the wrong queues")
	}
}

func TestCleanupForce(t *testing.T) {
	srv := newServer(t)
	f := newFleet(t, srv)
	stdout, stderr, code := invoke(testEnv(srv), "cleanup", "-prefix", prefix, "-force")
	if code != 0 || !strings.Contains(stdout, f.work) || !strings.Contains(stdout, f.dlq) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if exists(t, srv, f.work) || exists(t, srv, f.dlq) || !exists(t, srv, f.inUse) {
		t.Error("cleanup -force must delete the sweeper's queues and nothing else")
	}
}

func TestExitCodesAndUsage(t *testing.T) {
	srv := newServer(t)
	broken := testEnv(srv)
	broken.connect = func(context.Context, string) (sqsapi.API, error) { return nil, errors.New("no credentials") }
	failing := newServer(t)
	failing.InjectFault("ListQueues", sqstest.Fault{Err: &smithy.GenericAPIError{Code: "AccessDenied", Message: "not allowed"}})
	tests := []struct {
		name      string
		e         env
		args      []string
		code      int
		wantUsage bool   // usage text on stderr
		stderr    string // a part of stderr
	}{
		{"no command", testEnv(srv), nil, 2, true, "no command"},
		{"unknown command", testEnv(srv), []string{"list"}, 2, true, `unknown command "list"`},
		{"unknown flag", testEnv(srv), []string{"queues", "-bogus"}, 2, true, "-bogus"},
		{"flag of another command", testEnv(srv), []string{"queues", "-force"}, 2, true, "-force"},
		{"extra argument", testEnv(srv), []string{"queues", "extra"}, 2, true, `"extra"`},
		{"bad prefix", testEnv(srv), []string{"queues", "-prefix", "a b"}, 2, true, `"a b"`},
		{"empty prefix", testEnv(srv), []string{"queues", "-prefix", ""}, 2, true, "-prefix"},
		{"bad endpoint", testEnv(srv), []string{"queues", "-endpoint", "ftp://x"}, 2, true, "ftp://x"},
		{"bad duration", testEnv(srv), []string{"sweep", "-skew-margin", "soon"}, 2, true, "skew-margin"},
		{"negative skew", testEnv(srv), []string{"sweep", "-skew-margin", "-1s"}, 2, true, "skew-margin"},
		{"zero grace", testEnv(srv), []string{"sweep", "-non-empty-grace", "0"}, 2, true, "non-empty-grace"},
		{"cannot connect", broken, []string{"queues"}, 1, false, "no credentials"},
		{"SQS error", testEnv(failing), []string{"queues"}, 1, false, "AccessDenied"},
		{"success", testEnv(srv), []string{"queues"}, 0, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := invoke(tt.e, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if got := strings.Contains(stderr, usage); got != tt.wantUsage {
				t.Errorf("usage on stderr: %v, want %v", got, tt.wantUsage)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q does not mention %q", stderr, tt.stderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"queues", "-h"}, {"cleanup", "-help"}} {
		stdout, stderr, code := invoke(testEnv(newServer(t)), args...)
		if code != 0 || stdout != usage || stderr != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 0 and the usage on stdout", args, code, stdout, stderr)
		}
	}
}

// TestUsageNamesEveryFlag keeps the hand-written usage text in step with
// the flags.
func TestUsageNamesEveryFlag(t *testing.T) {
	for name := range commands {
		if !strings.Contains(usage, "  "+name+" ") {
			t.Errorf("usage does not describe command %s", name)
		}
		var o options
		flagSet(name, &o).VisitAll(func(f *flag.Flag) {
			if !strings.Contains(usage, "  -"+f.Name+" ") {
				t.Errorf("usage does not describe flag -%s of %s", f.Name, name)
			}
		})
	}
}

// looseListing is an SQS whose ListQueues also returns a queue outside the
// prefix asked for.
type looseListing struct {
	*sqstest.Server
	extra string
}

func (l looseListing) ListQueues(ctx context.Context, in *sqs.ListQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	out, err := l.Server.ListQueues(ctx, in, optFns...)
	if err == nil {
		out.QueueUrls = append(out.QueueUrls, l.extra)
	}
	return out, err
}

// TestSweepOnlyTouchesThePrefix: the command deletes what it lists, so it
// does not trust the server's prefix filter.
func TestSweepOnlyTouchesThePrefix(t *testing.T) {
	srv := newServer(t)
	f := newFleet(t, srv)
	other := testutil.CreateQueue(t, srv, "other-idle-too", nil, tags("300", now.Add(-time.Hour)))
	stdout, _, code := invoke(testEnv(looseListing{srv, other}), "sweep", "-prefix", prefix, "-json")
	if rows := jsonLines(t, stdout); code != 0 || len(rows) != 1 || rows[0]["url"] != f.idle {
		t.Errorf("exit %d, rows %v; want only %s deleted", code, rows, f.idle)
	}
	if !exists(t, srv, other) {
		t.Error("sweep deleted a queue outside the prefix")
	}
}
