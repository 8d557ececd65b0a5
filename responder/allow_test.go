package responder

import (
	"strings"
	"testing"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

const (
	prefix  = sqsapi.DefaultQueuePrefix
	awsHost = "https://sqs.us-east-1.amazonaws.com"
	acct    = "123456789012"
	goodURL = awsHost + "/" + acct + "/" + prefix + "host-1"
)

func mustParse(t testing.TB, raw string) *sqsapi.QueueURL {
	t.Helper()
	q, err := sqsapi.ParseQueueURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	return &q
}

func TestAllowRule(t *testing.T) {
	reqQ := mustParse(t, awsHost+"/"+acct+"/login-requests")
	emuReqQ := mustParse(t, "http://127.0.0.1:4566/000000000000/requests")
	tests := []struct {
		name    string
		raw     string
		reqQ    *sqsapi.QueueURL // nil: SendResponse outside Serve
		opts    func(*Options)
		ok      bool
		target  string
		virtual string
	}{
		{name: "virtual on prefixed host", raw: goodURL + "#r1", reqQ: reqQ, ok: true, target: goodURL, virtual: "r1"},
		{name: "plain prefixed queue", raw: goodURL, reqQ: reqQ, ok: true, target: goodURL},
		{name: "fifo virtual", raw: goodURL + ".fifo#r1.fifo", reqQ: reqQ, ok: true, target: goodURL + ".fifo", virtual: "r1.fifo"},
		{name: "outside Serve, AWS host", raw: goodURL + "#r1", ok: true, target: goodURL, virtual: "r1"},
		{name: "legacy AWS host", raw: "https://us-east-1.queue.amazonaws.com/" + acct + "/" + prefix + "h#r", reqQ: reqQ, ok: true,
			target: "https://us-east-1.queue.amazonaws.com/" + acct + "/" + prefix + "h", virtual: "r"},
		{name: "emulator, same host as request queue", raw: "http://127.0.0.1:4566/000000000000/" + prefix + "h#r", reqQ: emuReqQ, ok: true,
			target: "http://127.0.0.1:4566/000000000000/" + prefix + "h", virtual: "r"},
		{name: "outside Serve, loopback emulator", raw: "http://127.0.0.1:4566/000000000000/" + prefix + "h#r", ok: true,
			target: "http://127.0.0.1:4566/000000000000/" + prefix + "h", virtual: "r"},
		{name: "outside Serve, localhost", raw: "http://localhost:9324/000000000000/" + prefix + "h", ok: true,
			target: "http://localhost:9324/000000000000/" + prefix + "h"},
		{name: "outside Serve, IPv6 loopback", raw: "http://[::1]/000000000000/" + prefix + "h#r", ok: true,
			target: "http://[::1]/000000000000/" + prefix + "h", virtual: "r"},

		{name: "empty", raw: "", reqQ: reqQ},
		{name: "no prefix", raw: awsHost + "/" + acct + "/billing-events#x", reqQ: reqQ},
		{name: "no prefix, plain", raw: awsHost + "/" + acct + "/billing-events", reqQ: reqQ},
		{name: "prefix in virtual name only", raw: awsHost + "/" + acct + "/billing#" + prefix + "x", reqQ: reqQ},
		{name: "other account", raw: awsHost + "/999999999999/" + prefix + "h#r", reqQ: reqQ},
		{name: "other region", raw: "https://sqs.eu-west-1.amazonaws.com/" + acct + "/" + prefix + "h#r", reqQ: reqQ},
		{name: "non-SQS host, same path", raw: "https://evil.example.com/" + acct + "/" + prefix + "h#r", reqQ: reqQ},
		{name: "non-SQS host outside Serve", raw: "https://evil.example.com/" + acct + "/" + prefix + "h#r"},
		{name: "look-alike AWS host", raw: "https://sqs.us-east-1.amazonaws.com.evil.example/" + acct + "/" + prefix + "h#r"},
		{name: "look-alike AWS host in Serve", raw: "https://sqs.us-east-1.amazonaws.com.evil.example/" + acct + "/" + prefix + "h#r", reqQ: reqQ},
		{name: "userinfo trick", raw: "https://sqs.us-east-1.amazonaws.com@evil.com/" + acct + "/" + prefix + "h#r", reqQ: reqQ},
		{name: "userinfo with password", raw: "https://user:pw@sqs.us-east-1.amazonaws.com/" + acct + "/" + prefix + "h#r", reqQ: reqQ},
		{name: "two fragments", raw: goodURL + "#r1#r2", reqQ: reqQ},
		{name: "empty fragment", raw: goodURL + "#", reqQ: reqQ},
		{name: "fragment with path", raw: goodURL + "#../../other", reqQ: reqQ},
		{name: "query", raw: goodURL + "?Action=DeleteQueue#r", reqQ: reqQ},
		{name: "escaped slash", raw: awsHost + "/" + acct + "/" + prefix + "h%2F..%2Fx#r", reqQ: reqQ},
		{name: "dot segments", raw: awsHost + "/" + acct + "/../" + acct + "/" + prefix + "h#r", reqQ: reqQ},
		{name: "extra path segment", raw: awsHost + "/" + acct + "/x/" + prefix + "h#r", reqQ: reqQ},
		{name: "IP host outside Serve", raw: "https://10.0.0.1/" + acct + "/" + prefix + "h#r"},
		{name: "IP host in Serve", raw: "https://10.0.0.1/" + acct + "/" + prefix + "h#r", reqQ: reqQ},
		{name: "decimal IP loopback", raw: "http://2130706433/000000000000/" + prefix + "h#r"},
		{name: "upper-case host", raw: "https://SQS.us-east-1.amazonaws.com/" + acct + "/" + prefix + "h#r", reqQ: reqQ},
		{name: "scheme", raw: "ftp://sqs.us-east-1.amazonaws.com/" + acct + "/" + prefix + "h#r", reqQ: reqQ},
		// In Serve the reply queue's scheme must be the request queue's:
		// a request cannot send the response over plain HTTP, or to
		// another server on the emulator's host and port.
		{name: "http reply, https request queue", raw: "http://sqs.us-east-1.amazonaws.com/" + acct + "/" + prefix + "h#r", reqQ: reqQ},
		{name: "https reply, http request queue (emulator)", raw: "https://127.0.0.1:4566/000000000000/" + prefix + "h#r", reqQ: emuReqQ},
		{name: "javascript", raw: "javascript:alert(1)", reqQ: reqQ},
		{name: "relative", raw: "/" + acct + "/" + prefix + "h#r", reqQ: reqQ},
		{name: "backslash", raw: `https://sqs.us-east-1.amazonaws.com\@evil.com/` + acct + "/" + prefix + "h#r", reqQ: reqQ},
		{name: "whitespace", raw: " " + goodURL + "#r", reqQ: reqQ},
		{name: "newline", raw: goodURL + "\n#r", reqQ: reqQ},
		{name: "bad virtual name", raw: goodURL + "#r 1", reqQ: reqQ},
		{name: "huge", raw: goodURL + "#" + strings.Repeat("a", 2000), reqQ: reqQ},
		{name: "other account with AllowOtherAccounts", raw: awsHost + "/999999999999/" + prefix + "h#r", reqQ: reqQ,
			opts: func(o *Options) { o.AllowOtherAccounts = true }, ok: true, target: awsHost + "/999999999999/" + prefix + "h", virtual: "r"},
		{name: "custom prefix", raw: awsHost + "/" + acct + "/mine-h#r", reqQ: reqQ,
			opts: func(o *Options) { o.QueuePrefix = "mine-" }, ok: true, target: awsHost + "/" + acct + "/mine-h", virtual: "r"},
		{name: "allow all", raw: "https://evil.example.com/1/anything#r", reqQ: reqQ,
			opts: func(o *Options) { o.AllowReplyURL = AllowAll }, ok: true, target: "https://evil.example.com/1/anything", virtual: "r"},
		{name: "allow all still needs a queue URL", raw: "https://sqs.us-east-1.amazonaws.com@evil.com/1/q#r", reqQ: reqQ,
			opts: func(o *Options) { o.AllowReplyURL = AllowAll }},
		{name: "custom rule refuses", raw: goodURL + "#r", reqQ: reqQ,
			opts: func(o *Options) { o.AllowReplyURL = AllowPrefix("nope") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New(nil, tt.opts)
			got, err := r.resolveReply(tt.raw, tt.reqQ)
			if tt.ok != (err == nil) {
				t.Fatalf("resolveReply(%q) err = %v, want ok=%v", tt.raw, err, tt.ok)
			}
			if err != nil {
				if _, ok := err.(*ReplyURLRefusedError); !ok {
					t.Fatalf("err is %T, want *ReplyURLRefusedError", err)
				}
				return
			}
			if got.queueURL != tt.target || got.virtualName != tt.virtual {
				t.Errorf("target = %q #%q, want %q #%q", got.queueURL, got.virtualName, tt.target, tt.virtual)
			}
		})
	}
}

// TestReplyURLLength: reply URLs up to 1024 bytes are considered (here
// with AllowAll, under which a long host name is allowed); longer ones are
// refused, and the error carries the first 256 bytes.
func TestReplyURLLength(t *testing.T) {
	r := New(nil, func(o *Options) { o.AllowReplyURL = AllowAll })
	path := "/" + acct + "/" + prefix + "h"
	host := func(urlLen int) string { return "https://" + strings.Repeat("a", urlLen-len("https://")-len(path)) }
	if _, err := r.resolveReply(host(maxReplyURLLength)+path, nil); err != nil {
		t.Errorf("a %d-byte reply URL: %v", maxReplyURLLength, err)
	}
	long := host(maxReplyURLLength+1) + path
	_, err := r.resolveReply(long, nil)
	refused, ok := err.(*ReplyURLRefusedError)
	if !ok {
		t.Fatalf("a %d-byte reply URL: %v, want a *ReplyURLRefusedError", len(long), err)
	}
	if refused.URL != long[:256] {
		t.Errorf("refused URL %q (%d bytes), want the first 256 bytes", refused.URL, len(refused.URL))
	}
}

// FuzzResponseQueueURL checks that whatever a request claims as its reply
// URL, the default rule lets through only canonical SQS queue URLs with the
// prefix, on an AWS endpoint or loopback, plus a valid virtual queue name.
func FuzzResponseQueueURL(f *testing.F) {
	for _, s := range []string{
		goodURL + "#r1",
		goodURL,
		"http://127.0.0.1:4566/000000000000/" + prefix + "h#r",
		"https://sqs.us-east-1.amazonaws.com@evil.com/1/" + prefix + "h#r",
		"https://sqs.us-east-1.amazonaws.com.evil.com/1/" + prefix + "h#r",
		goodURL + "#a#b",
		"https://[::1]:9324/1/" + prefix + "h",
		"http://0x7f.1/1/" + prefix + "h",
	} {
		f.Add(s)
	}
	r := New(nil)
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := r.resolveReply(raw, nil)
		if err != nil {
			return
		}
		q := checkAccepted(t, raw, got)
		if q.Region() == "" && !isLoopback(q.Host) {
			t.Fatalf("%q accepted with host %q", raw, q.Host)
		}
	})
}

// checkAccepted fails t unless got, the target accepted for the reply URL
// raw, is a canonical queue URL with the prefix (plus a virtual queue name
// as virtualqueue.ParseURL reads it) and is exactly what raw names: what
// is checked is what is sent. It returns the target's queue URL.
func checkAccepted(t *testing.T, raw string, got replyTarget) sqsapi.QueueURL {
	t.Helper()
	q, perr := sqsapi.ParseQueueURL(got.queueURL)
	if perr != nil || q.String() != got.queueURL {
		t.Fatalf("%q accepted with target %q that does not round-trip: %v", raw, got.queueURL, perr)
	}
	if !strings.HasPrefix(q.Name, prefix) {
		t.Fatalf("%q accepted without the prefix", raw)
	}
	want := got.queueURL
	if got.virtualName != "" {
		if h, n, ok := virtualqueue.ParseURL(raw); !ok || h != got.queueURL || n != got.virtualName {
			t.Fatalf("%q: virtual target %q #%q disagrees with ParseURL", raw, got.queueURL, got.virtualName)
		}
		want += "#" + got.virtualName
	}
	if want != raw {
		t.Fatalf("%q accepted as %q: what is checked must be what is sent", raw, want)
	}
	return q
}
