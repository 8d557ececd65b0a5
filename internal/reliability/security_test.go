package reliability

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/sweeper"
)

// Hostile ResponseQueueUrl values. sqstest's queue URLs are
// https://sqs.us-east-1.amazonaws.com/000000000000/<name>; the requests
// below come from a queue there, and a host queue with the prefix exists
// there too, so a value that slipped through would really be sent.
const (
	secHost = "https://sqs.us-east-1.amazonaws.com"
	secAcct = "000000000000"
	secPfx  = sqsapi.DefaultQueuePrefix
)

var secGood = secHost + "/" + secAcct + "/" + secPfx + "host"

func hostileReplyURLs() map[string]string {
	return map[string]string{
		// other accounts, regions, hosts
		"other account":                   secHost + "/111111111111/" + secPfx + "host#r",
		"other account, plain":            secHost + "/111111111111/" + secPfx + "host",
		"account with leading zeros":      secHost + "/0000000000000/" + secPfx + "host#r",
		"other region (Serve only)":       "https://sqs.eu-west-1.amazonaws.com/" + secAcct + "/" + secPfx + "host#r",
		"FIPS endpoint, same region":      "https://sqs-fips.us-east-1.amazonaws.com/" + secAcct + "/" + secPfx + "host#r",
		"non-SQS host":                    "https://evil.example/" + secAcct + "/" + secPfx + "host#r",
		"AWS look-alike suffix":           "https://sqs.us-east-1.amazonaws.com.evil.example/" + secAcct + "/" + secPfx + "host#r",
		"AWS look-alike prefix":           "https://evilsqs.us-east-1.amazonaws.com/" + secAcct + "/" + secPfx + "host#r",
		"AWS look-alike label":            "https://sqs.us-east-1.evil.amazonaws.com/" + secAcct + "/" + secPfx + "host#r",
		"s3 host":                         "https://s3.us-east-1.amazonaws.com/" + secAcct + "/" + secPfx + "host#r",
		"http instead of https":           "http://sqs.us-east-1.amazonaws.com/" + secAcct + "/" + secPfx + "host#r",
		"no prefix":                       secHost + "/" + secAcct + "/payments#r",
		"no prefix, plain":                secHost + "/" + secAcct + "/payments",
		"prefix in other case":            secHost + "/" + secAcct + "/" + strings.ToLower(secPfx) + "host#r",
		"prefix only in the virtual name": secHost + "/" + secAcct + "/payments#" + secPfx + "r",
		// userinfo and @
		"userinfo":             "https://" + "sqs.us-east-1.amazonaws.com@evil.example/" + secAcct + "/" + secPfx + "host#r",
		"userinfo, password":   "https://u:p@sqs.us-east-1.amazonaws.com/" + secAcct + "/" + secPfx + "host#r",
		"@ in the fragment":    secGood + "#r@evil.example",
		"@ in the path":        secHost + "/" + secAcct + "/" + secPfx + "host@evil.example#r",
		"backslash host":       `https://sqs.us-east-1.amazonaws.com\@evil.example/` + secAcct + "/" + secPfx + "host#r",
		"backslash path":       secHost + `\` + secAcct + `\` + secPfx + "host#r",
		"backslash in name":    secGood + `\x#r`,
		"unicode look-alike":   "https://sqs.us-east-1.amаzonaws.com/" + secAcct + "/" + secPfx + "host#r", // Cyrillic а
		"fullwidth dots":       "https://sqs．us-east-1．amazonaws．com/" + secAcct + "/" + secPfx + "host#r",
		"punycode host":        "https://xn--sqs-evil.amazonaws.com/" + secAcct + "/" + secPfx + "host#r",
		"unicode in the name":  secGood + "é#r",
		"unicode virtual name": secGood + "#ré",
		"zero-width space":     "https://sqs.us-east-1.amazonaws.com\u200b/" + secAcct + "/" + secPfx + "host#r",
		// percent-encoding
		"encoded host":          "https://sqs.us-east-1.amazonaws%2ecom/" + secAcct + "/" + secPfx + "host#r",
		"encoded slash in name": secHost + "/" + secAcct + "/" + secPfx + "host%2F..%2Fpayments#r",
		"encoded # in name":     secGood + "%23r",
		"encoded virtual name":  secGood + "#%72",
		"encoded account":       secHost + "/%30" + secAcct[1:] + "/" + secPfx + "host#r",
		"dot segments":          secHost + "/" + secAcct + "/../111111111111/" + secPfx + "host#r",
		"double slash":          secHost + "//" + secAcct + "/" + secPfx + "host#r",
		"trailing slash":        secGood + "/#r",
		"extra segment":         secHost + "/" + secAcct + "/x/" + secPfx + "host#r",
		"query":                 secGood + "?Action=DeleteQueue#r",
		"empty query":           secGood + "?#r",
		// IP hosts, ports, trailing dots
		"IP host":              "https://52.94.0.1/" + secAcct + "/" + secPfx + "host#r",
		"private IP host":      "http://10.0.0.1:4566/" + secAcct + "/" + secPfx + "host#r",
		"metadata IP":          "http://169.254.169.254/" + secAcct + "/" + secPfx + "host#r",
		"0.0.0.0":              "http://0.0.0.0:4566/" + secAcct + "/" + secPfx + "host#r",
		"short loopback 127.1": "http://127.1:4566/" + secAcct + "/" + secPfx + "host#r",
		"decimal loopback":     "http://2130706433:4566/" + secAcct + "/" + secPfx + "host#r",
		"octal loopback":       "http://0177.0.0.1:4566/" + secAcct + "/" + secPfx + "host#r",
		"hex loopback":         "http://0x7f000001:4566/" + secAcct + "/" + secPfx + "host#r",
		"loopback.nip.io":      "http://127.0.0.1.nip.io:4566/" + secAcct + "/" + secPfx + "host#r",
		"port on AWS host":     "https://sqs.us-east-1.amazonaws.com:8443/" + secAcct + "/" + secPfx + "host#r",
		"port 443 on AWS host": "https://sqs.us-east-1.amazonaws.com:443/" + secAcct + "/" + secPfx + "host#r",
		"empty port":           "https://sqs.us-east-1.amazonaws.com:/" + secAcct + "/" + secPfx + "host#r",
		"trailing dot":         "https://sqs.us-east-1.amazonaws.com./" + secAcct + "/" + secPfx + "host#r",
		"upper-case host":      "https://SQS.us-east-1.amazonaws.com/" + secAcct + "/" + secPfx + "host#r",
		"upper-case scheme":    "HTTPS://sqs.us-east-1.amazonaws.com/" + secAcct + "/" + secPfx + "host#r",
		// # fragments smuggling a virtual name onto a foreign host
		"foreign host, virtual name":      "https://evil.example/" + secAcct + "/" + secPfx + "host#r",
		"two fragments":                   secGood + "#r#s",
		"fragment carrying a URL":         "https://evil.example#" + secGood,
		"fragment with a path":            secGood + "#../payments",
		"fragment then foreign":           secGood + "#r/https://evil.example",
		"empty virtual name":              secGood + "#",
		"virtual name too long":           secGood + "#" + strings.Repeat("r", 81),
		"virtual name with space":         secGood + "#r r",
		"FIFO virtual on standard host":   secGood + "#r.fifo",
		"standard virtual on a FIFO host": secGood + ".fifo#r",
		// junk
		"empty":           "",
		"spaces":          " " + secGood + "#r",
		"newline":         secGood + "\n#r",
		"CRLF":            secGood + "#r\r\nX-Evil: 1",
		"NUL":             secGood + "\x00#r",
		"tab":             secGood + "\t#r",
		"relative":        "/" + secAcct + "/" + secPfx + "host#r",
		"scheme-relative": "//sqs.us-east-1.amazonaws.com/" + secAcct + "/" + secPfx + "host#r",
		"javascript":      "javascript:alert(1)//" + secPfx,
		"file":            "file:///" + secAcct + "/" + secPfx + "host#r",
		"ARN":             "arn:aws:sqs:us-east-1:" + secAcct + ":" + secPfx + "host",
		"huge":            secGood + "#" + strings.Repeat("r", 4000),
	}
}

// acceptedOutsideServe are hostile-looking values that SendResponse (which
// does not know the request queue) accepts by design: a canonical queue URL
// on an AWS SQS endpoint, of any region and account, with the prefix.
var acceptedOutsideServe = map[string]bool{
	"other account":              true,
	"other account, plain":       true,
	"account with leading zeros": true,
	"other region (Serve only)":  true,
	"http instead of https":      true, // the scheme of an AWS host is not checked outside Serve
}

// harmless are values that are accepted, by SendResponse and by Serve, and
// reach the same prefixed queue of the same account and region as a
// canonical URL would: the SDK sends to its own endpoint, with the queue
// named by account and name, so a port on an AWS host changes nothing; a
// virtual name with ".fifo" on a standard host (or the reverse) only makes
// an orphan at the requester.
var harmless = map[string]bool{
	"port on AWS host":                true,
	"port 443 on AWS host":            true,
	"empty port":                      true,
	"FIFO virtual on standard host":   true,
	"standard virtual on a FIFO host": true,
	"FIPS endpoint, same region":      true, // another spelling of the same region's endpoint
}

func replyRequest(reply string) types.Message {
	return types.Message{MessageId: aws.String("m-" + strconv.Itoa(len(reply))), Body: aws.String("req"), ReceiptHandle: aws.String("h"),
		MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.ResponseQueueURLAttribute: strAttr(reply)}}
}

// sendLog records where srv was asked to send messages ("<queue URL>#<name
// of the virtual queue attribute>", "#" alone without it), successful or
// not, until the test ends.
type sendLog struct {
	mu      sync.Mutex
	targets []string
}

func recordSends(srv *sqstest.Server) *sendLog {
	l := &sendLog{}
	observe := func(in any) bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch in := in.(type) {
		case *sqs.SendMessageInput:
			l.targets = append(l.targets, aws.ToString(in.QueueUrl)+"#"+aws.ToString(in.MessageAttributes[sqsapi.VirtualQueueNameAttribute].StringValue))
		case *sqs.SendMessageBatchInput:
			for _, e := range in.Entries {
				l.targets = append(l.targets, aws.ToString(in.QueueUrl)+"#"+aws.ToString(e.MessageAttributes[sqsapi.VirtualQueueNameAttribute].StringValue))
			}
		}
		return false // observe only
	}
	srv.InjectFault("SendMessage", sqstest.Fault{Err: errors.New("unused"), Match: observe})
	srv.InjectFault("SendMessageBatch", sqstest.Fault{Err: errors.New("unused"), Match: observe})
	return l
}

// since returns the targets recorded after the first n.
func (l *sendLog) since(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.targets[n:])
}

func (l *sendLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.targets)
}

// target is where a response to raw goes if raw is accepted:
// "<queue URL>#<virtual name>", as sendLog records it.
func target(raw string) string {
	h, v, _ := strings.Cut(raw, "#")
	return h + "#" + v
}

// checkHarmless fails the test unless a response to raw was sent once, to
// exactly the queue raw names (what is checked is what is sent), and that
// queue is a canonical queue URL on an AWS SQS endpoint with the prefix —
// in the request queue's account and region when inServe.
func checkHarmless(t *testing.T, raw string, sent []string, inServe bool) {
	t.Helper()
	if len(sent) != 1 || sent[0] != target(raw) {
		t.Errorf("%q accepted: sent to %q, want once to %q", raw, sent, target(raw))
		return
	}
	host, _, _ := strings.Cut(raw, "#")
	q, err := sqsapi.ParseQueueURL(host)
	switch {
	case err != nil || q.String() != host:
		t.Errorf("%q accepted: %q is not a canonical queue URL (%v)", raw, host, err)
	case q.Region() == "" || !strings.HasPrefix(q.Name, secPfx):
		t.Errorf("%q accepted: %q is not a prefixed queue on an AWS SQS endpoint", raw, host)
	case inServe && (q.Account != secAcct || q.Region() != "us-east-1"):
		t.Errorf("%q accepted by Serve: %q is not in the request queue's account and region", raw, host)
	}
}

// TestHostileReplyURLsSendResponse: SendResponse refuses every hostile
// ResponseQueueUrl with a *responder.ReplyURLRefusedError and sends
// nothing, except those it accepts by design (acceptedOutsideServe) or that
// are harmless: each of those is sent once, to exactly the prefixed queue
// on an AWS SQS endpoint that it names (or is a stale reply when sqstest
// has no such queue).
func TestHostileReplyURLsSendResponse(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	ctx := context.Background()
	testutil.CreateQueue(t, srv, secPfx+"host", nil, nil)
	sent := recordSends(srv)
	r := responder.New(srv, func(o *responder.Options) { o.Logger = testutil.Logger(t) })
	// Control: a good reply URL is sent to.
	if err := r.SendResponse(ctx, replyRequest(secGood+"#r"), &sqs.SendMessageInput{MessageBody: aws.String("ok")}); err != nil {
		t.Fatalf("control: %v", err)
	}
	if got := sent.since(0); !slices.Equal(got, []string{secGood + "#r"}) {
		t.Fatalf("control: sent to %q", got)
	}
	for name, raw := range hostileReplyURLs() {
		t.Run(name, func(t *testing.T) {
			before := sent.len()
			err := func() (err error) {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panic: %v", p)
					}
				}()
				return r.SendResponse(ctx, replyRequest(raw), &sqs.SendMessageInput{MessageBody: aws.String("stolen")})
			}()
			if acceptedOutsideServe[name] || harmless[name] {
				if err != nil && !errors.Is(err, responder.ErrStaleReply) {
					t.Errorf("SendResponse(%q) = %v, want it sent (or a stale reply)", raw, err)
				}
				checkHarmless(t, raw, sent.since(before), false)
				return
			}
			var refused *responder.ReplyURLRefusedError
			if !errors.As(err, &refused) {
				t.Errorf("SendResponse(%q) = %v, want *ReplyURLRefusedError", raw, err)
			}
			if got := sent.since(before); len(got) != 0 {
				t.Errorf("SendResponse(%q) sent to %q", raw, got)
			}
		})
	}
}

// TestHostileReplyURLsServe: requests carrying hostile ResponseQueueUrl
// values, served by Serve from a queue in the same account and region as
// the prefixed host queue: every one is refused and nothing is sent for
// it, except the harmless ones, each answered once in the request queue's
// account and region; every request is deleted. A good request among them
// is answered.
func TestHostileReplyURLsServe(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	ctx := context.Background()
	testutil.CreateQueue(t, srv, secPfx+"host", nil, nil)
	testutil.CreateQueue(t, srv, secPfx+"host.fifo", map[string]string{"FifoQueue": "true"}, nil) // so that every harmless response is delivered
	reqQ := testutil.CreateQueue(t, srv, "requests", nil, nil)
	hostile := hostileReplyURLs()
	for name, raw := range hostile {
		if _, err := srv.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &reqQ, MessageBody: aws.String("req"),
			MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.ResponseQueueURLAttribute: {DataType: aws.String("String"), StringValue: aws.String(raw)}}}); err != nil {
			if raw == "" || strings.ContainsAny(raw, "\x00") {
				// SQS itself refuses an empty or NUL-carrying attribute.
				delete(hostile, name)
				continue
			}
			t.Fatalf("send request with %q: %v", raw, err)
		}
	}
	good := secGood + "#r"
	if _, err := srv.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &reqQ, MessageBody: aws.String("good"),
		MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.ResponseQueueURLAttribute: strAttr(good)}}); err != nil {
		t.Fatal(err)
	}
	wantRefused, wantAnswered := 0, 1 // the good request
	for name := range hostile {
		if harmless[name] {
			wantAnswered++
		} else {
			wantRefused++
		}
	}
	sent := recordSends(srv)
	r := responder.New(srv, func(o *responder.Options) { o.Logger = testutil.Logger(t); o.WaitTime = time.Second })
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- r.Serve(sctx, reqQ, responder.HandlerFunc(func(_ context.Context, m types.Message) (*sqs.SendMessageInput, error) {
			return &sqs.SendMessageInput{MessageBody: aws.String("secret for " + aws.ToString(m.Body))}, nil
		}))
	}()
	testutil.Eventually(t, "Serve settles every request", func() bool {
		st := r.Stats()
		return st.RefusedReplies+st.Responses+st.StaleReplies >= int64(len(hostile)+1)
	})
	stop()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	st := r.Stats()
	all := sent.since(0)
	for name, raw := range hostile {
		var to []string
		for _, s := range all {
			if s == target(raw) {
				to = append(to, s)
			}
		}
		switch {
		case harmless[name]:
			checkHarmless(t, raw, to, true)
		case len(to) != 0:
			t.Errorf("hostile reply URL %s %q: response sent", name, raw)
		}
	}
	if st.RefusedReplies != int64(wantRefused) || st.Responses != int64(wantAnswered) || st.StaleReplies != 0 || len(all) != wantAnswered {
		t.Errorf("refused %d, responses %d, stale %d, sends %d; want %d refused, %d responses (the harmless and the good one), 0 stale, %d sends",
			st.RefusedReplies, st.Responses, st.StaleReplies, len(all), wantRefused, wantAnswered, wantAnswered)
	}
	if !slices.Contains(all, good) {
		t.Error("the good request was not answered")
	}
	if visible, inFlight := hostCounts(t, srv, reqQ); visible+inFlight != 0 {
		t.Errorf("%d requests left on the request queue", visible+inFlight)
	}
}

// TestSweeperIgnoresHostileChecks: check messages on the shared work queue
// that name queues outside the sweeper's prefix, endpoint or account, its
// own queues, or that play URL tricks, delete nothing (and are not even
// looked at: no ListQueueTags on them). Each names a queue that is tagged,
// idle for an hour and empty, so a check that went through would delete it.
// A legitimate check among them deletes its queue.
func TestSweeperIgnoresHostileChecks(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	ctx := context.Background()
	stale := map[string]string{sqsapi.RetentionTag: "60", sqsapi.HeartbeatTag: strconv.FormatInt(time.Now().Add(-time.Hour).UnixMilli(), 10)}
	mk := func(name string) string { return testutil.CreateQueue(t, srv, name, nil, stale) }
	victim := mk("payments")               // no prefix
	prefixed := mk(secPfx + "victim")      // ours, but named through tricks below
	control := mk(secPfx + "really-stale") // a legitimate check
	workURL := testutil.CreateQueue(t, srv, sweeper.WorkQueueName(secPfx), map[string]string{"FifoQueue": "true", "VisibilityTimeout": "60"}, nil)
	dlqURL := testutil.CreateQueue(t, srv, sweeper.DeadLetterQueueName(secPfx), map[string]string{"FifoQueue": "true"}, nil)
	// No fleet-wide sweep during the test: the last one just happened.
	if _, err := srv.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: &workURL, Tags: map[string]string{
		sweeper.LastSweepTag: strconv.FormatInt(time.Now().UnixMilli(), 10)}}); err != nil {
		t.Fatal(err)
	}
	check := func(u string) string {
		return `{"v":1,"kind":"check","queueUrl":` + strconv.Quote(u) + `}`
	}
	pathOf := strings.TrimPrefix(prefixed, secHost)
	hostile := []string{
		check(victim),
		check(workURL),
		check(dlqURL),
		check("https://sqs.eu-west-1.amazonaws.com" + pathOf),                     // other region
		check(secHost + "/111111111111/" + secPfx + "victim"),                     // other account
		check("https://evil.example" + pathOf),                                    // other host
		check("https://sqs.us-east-1.amazonaws.com.evil.example" + pathOf),        // look-alike
		check("https://x@sqs.us-east-1.amazonaws.com" + pathOf),                   // userinfo
		check("https://sqs.us-east-1.amazonaws.com:443" + pathOf),                 // port
		check("https://sqs.us-east-1.amazonaws.com." + pathOf),                    // trailing dot
		check("http://sqs.us-east-1.amazonaws.com" + pathOf),                      // scheme
		check(prefixed + "?Action=DeleteQueue"),                                   // query
		check(prefixed + "#x"),                                                    // fragment
		check(secHost + "/" + secAcct + "/" + secPfx + "victim%2F..%2Fpayments"),  // escapes
		check(secHost + "/" + secAcct + "/" + secPfx + "x/../payments"),           // dot segments
		check(secHost + "/" + secAcct + "/" + "payments#" + secPfx),               // prefix in fragment
		check(secHost + "/" + secAcct + "/" + strings.ToLower(secPfx) + "victim"), // prefix case
		check("arn:aws:sqs:us-east-1:" + secAcct + ":payments"),
		`{"v":1,"kind":"delete","queueUrl":` + strconv.Quote(victim) + `}`,
		`{"v":2,"kind":"check","queueUrl":` + strconv.Quote(victim) + `}`,
		`{"v":1,"kind":"check","queueUrl":` + strconv.Quote(victim) + `}{"v":1,"kind":"check","queueUrl":` + strconv.Quote(victim) + `}`,
		`{"v":1,"kind":"check","queueUrl":` + strconv.Quote(prefixed) + `,"queueUrl":` + strconv.Quote(victim) + `}`, // duplicate key: last wins in encoding/json
	}
	all := append(hostile, check(control))
	for i, b := range all {
		if _, err := srv.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &workURL, MessageBody: aws.String(b),
			MessageGroupId: aws.String("g" + strconv.Itoa(i)), MessageDeduplicationId: aws.String("d" + strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	// Record which queues the sweeper looks at and deletes.
	var mu sync.Mutex
	looked, deleted := map[string]int{}, map[string]int{}
	record := func(m map[string]int) func(any) bool {
		return func(in any) bool {
			var u string
			switch in := in.(type) {
			case *sqs.ListQueueTagsInput:
				u = aws.ToString(in.QueueUrl)
			case *sqs.DeleteQueueInput:
				u = aws.ToString(in.QueueUrl)
			}
			mu.Lock()
			m[u]++
			mu.Unlock()
			return false // observe only
		}
	}
	srv.InjectFault("ListQueueTags", sqstest.Fault{Err: errors.New("unused"), Match: record(looked)})
	srv.InjectFault("DeleteQueue", sqstest.Fault{Err: errors.New("unused"), Match: record(deleted)})

	// A budget of its own: the process-wide one remembers the throttled and
	// stale heartbeats of earlier tests, and would defer the deletion.
	budget, err := sweeper.NewTagBudget(sweeper.DefaultTagRate, sweeper.DefaultTagBurst)
	if err != nil {
		t.Fatal(err)
	}
	s := sweeper.NewSweeper(srv, func(o *sweeper.Options) {
		o.SweepPeriod = time.Hour
		o.WorkQueueWaitTime = time.Second
		o.Logger = testutil.Logger(t)
		o.TagBudget = budget
	})
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "the sweeper handles every work message", func() bool {
		st := s.Stats()
		return st.BadMessages+st.ChecksPerformed >= int64(len(all))
	})
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d hostile work messages: dropped %d; checks performed %d, queues deleted %d; DeleteQueue on %v; ListQueueTags on %d queues",
		len(hostile), st.BadMessages, st.ChecksPerformed, st.QueuesDeleted, deleted, len(looked))
	if deleted[control] != 1 {
		t.Errorf("the legitimate check did not delete %s", control)
	}
	for u := range deleted {
		if u != control {
			t.Errorf("DeleteQueue on %s", u)
		}
	}
	for u := range looked {
		if u != control && u != workURL {
			t.Errorf("the sweeper looked at the tags of %s", u)
		}
	}
	for _, u := range []string{victim, workURL, dlqURL} {
		if _, err := srv.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &u}); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}
