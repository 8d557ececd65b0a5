package reliability

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

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

// allowedOutsideServe are hostile-looking values that SendResponse (which
// does not know the request queue) allows by design: any AWS region and
// account, with the prefix.
var allowedOutsideServe = map[string]bool{
	"other account":              true,
	"other account, plain":       true,
	"account with leading zeros": true,
	"other region (Serve only)":  true,
	"FIPS endpoint, same region": true,
	"http instead of https":      true, // the scheme of an AWS host is not checked outside Serve
}

// harmless are values that are accepted, and reach the same prefixed queue
// of the same account and region as a canonical URL would: the SDK sends
// to its own endpoint, with the queue named by account and name, so a port
// on an AWS host changes nothing; a virtual name with ".fifo" on a standard
// host (or the reverse) only makes an orphan at the requester.
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

func sends(s *sqstest.Server) int {
	c := s.CallCounts()
	return c["SendMessage"] + c["SendMessageBatch"]
}

// TestHostileReplyURLsSendResponse: SendResponse refuses every hostile
// ResponseQueueUrl with a *responder.ReplyURLRefusedError and sends nothing.
func TestHostileReplyURLsSendResponse(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	ctx := context.Background()
	createQueue(t, srv, secPfx+"host", nil)
	r := responder.New(srv, func(o *responder.Options) { o.Logger = logger(t) })
	// Control: a good reply URL is sent to.
	if err := r.SendResponse(ctx, replyRequest(secGood+"#r"), &sqs.SendMessageInput{MessageBody: aws.String("ok")}); err != nil {
		t.Fatalf("control: %v", err)
	}
	if sends(srv) != 1 {
		t.Fatalf("control: %d sends", sends(srv))
	}
	for name, raw := range hostileReplyURLs() {
		t.Run(name, func(t *testing.T) {
			before := sends(srv)
			err := func() (err error) {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panic: %v", p)
					}
				}()
				return r.SendResponse(ctx, replyRequest(raw), &sqs.SendMessageInput{MessageBody: aws.String("stolen")})
			}()
			if allowedOutsideServe[name] || harmless[name] {
				if err == nil || errors.Is(err, responder.ErrStaleReply) {
					t.Logf("accepted (by design or harmless): %q", raw)
				}
				return
			}
			var refused *responder.ReplyURLRefusedError
			if !errors.As(err, &refused) {
				t.Errorf("SendResponse(%q) = %v, want *ReplyURLRefusedError", raw, err)
			}
			if n := sends(srv) - before; n != 0 {
				t.Errorf("SendResponse(%q) sent %d messages", raw, n)
			}
		})
	}
}

// TestHostileReplyURLsServe: requests carrying hostile ResponseQueueUrl
// values, served by Serve from a queue in the same account and region as
// the prefixed host queue: every one is refused, nothing is sent, and the
// requests are deleted. A good request among them is answered.
func TestHostileReplyURLsServe(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	ctx := context.Background()
	createQueue(t, srv, secPfx+"host", nil)
	reqQ := createQueue(t, srv, "requests", nil)
	hostile := hostileReplyURLs()
	for _, raw := range hostile {
		if _, err := srv.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &reqQ, MessageBody: aws.String("req"),
			MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.ResponseQueueURLAttribute: {DataType: aws.String("String"), StringValue: aws.String(raw)}}}); err != nil {
			if raw == "" || strings.ContainsAny(raw, "\x00") {
				// SQS itself refuses an empty or NUL-carrying attribute.
				delete(hostile, keyOf(hostile, raw))
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
	srv.ResetCallCounts()
	var sentMu sync.Mutex
	sentTo := map[string]bool{} // "<queue URL>#<virtual name>" of every response sent
	observe := func(in any) bool {
		sentMu.Lock()
		defer sentMu.Unlock()
		switch in := in.(type) {
		case *sqs.SendMessageInput:
			sentTo[aws.ToString(in.QueueUrl)+"#"+aws.ToString(in.MessageAttributes[sqsapi.VirtualQueueNameAttribute].StringValue)] = true
		case *sqs.SendMessageBatchInput:
			for _, e := range in.Entries {
				sentTo[aws.ToString(in.QueueUrl)+"#"+aws.ToString(e.MessageAttributes[sqsapi.VirtualQueueNameAttribute].StringValue)] = true
			}
		}
		return false
	}
	srv.InjectFault("SendMessage", sqstest.Fault{Err: errors.New("unused"), Match: observe})
	srv.InjectFault("SendMessageBatch", sqstest.Fault{Err: errors.New("unused"), Match: observe})
	r := responder.New(srv, func(o *responder.Options) { o.Logger = logger(t); o.WaitTime = time.Second })
	var mu sync.Mutex
	handled := 0
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- r.Serve(sctx, reqQ, responder.HandlerFunc(func(_ context.Context, m types.Message) (*sqs.SendMessageInput, error) {
			mu.Lock()
			handled++
			mu.Unlock()
			return &sqs.SendMessageInput{MessageBody: aws.String("secret for " + aws.ToString(m.Body))}, nil
		}))
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := r.Stats()
		if st.RefusedReplies+st.Responses+st.StaleReplies >= int64(len(hostile)+1) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Serve did not settle: %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	st := r.Stats()
	visible, inFlight := hostCounts(t, srv, reqQ)
	sentMu.Lock()
	defer sentMu.Unlock()
	accepted := 0
	for name, raw := range hostile {
		h, v, virtual := strings.Cut(raw, "#")
		if !virtual {
			v = ""
		}
		if !sentTo[h+"#"+v] {
			continue
		}
		accepted++
		if harmless[name] {
			t.Logf("accepted (harmless: same account, region and prefixed queue): %q", raw)
		} else {
			t.Errorf("hostile reply URL %s %q: response sent", name, raw)
		}
	}
	t.Logf("%d hostile reply URLs: refused %d, accepted %d (harmless), stale %d; responses %d (with the good one); requests left %d",
		len(hostile), st.RefusedReplies, accepted, st.StaleReplies, st.Responses, visible+inFlight)
	if !sentTo[secGood+"#r"] {
		t.Error("the good request was not answered")
	}
	if visible+inFlight != 0 {
		t.Errorf("%d requests left on the request queue", visible+inFlight)
	}
}

func keyOf(m map[string]string, v string) string {
	for k, x := range m {
		if x == v {
			return k
		}
	}
	return ""
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
	mk := func(name string) string {
		out, err := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Tags: stale})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.QueueUrl)
	}
	victim := mk("payments")               // no prefix
	prefixed := mk(secPfx + "victim")      // ours, but named through tricks below
	control := mk(secPfx + "really-stale") // a legitimate check
	workURL := createQueue(t, srv, sweeper.WorkQueueName(secPfx), map[string]string{"FifoQueue": "true", "VisibilityTimeout": "60"})
	dlqURL := createQueue(t, srv, sweeper.DeadLetterQueueName(secPfx), map[string]string{"FifoQueue": "true"})
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

	s := sweeper.NewSweeper(srv, func(o *sweeper.Options) {
		o.SweepPeriod = time.Hour
		o.WorkQueueWaitTime = time.Second
		o.Logger = logger(t)
	})
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := s.Stats()
		if st.BadMessages+st.ChecksPerformed >= int64(len(all)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sweeper did not handle the work messages: %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
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
