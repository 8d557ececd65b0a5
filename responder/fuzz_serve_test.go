package responder

import (
	"testing"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// FuzzResponseQueueURLInServe is FuzzResponseQueueURL for Serve, which knows
// the request queue: whatever a request claims as its reply URL, the
// default rule lets through only a canonical queue URL with the prefix, in
// the request queue's account, with its scheme, in its AWS region (any
// spelling of that region's endpoint) or, off AWS, on its host and port;
// and what is checked is what is sent.
func FuzzResponseQueueURLInServe(f *testing.F) {
	reqs := []*sqsapi.QueueURL{
		mustParse(f, awsHost+"/"+acct+"/login-requests"),
		mustParse(f, "http://127.0.0.1:4566/000000000000/requests"),
	}
	for _, s := range []string{
		goodURL + "#r1",
		goodURL,
		"http://127.0.0.1:4566/000000000000/" + prefix + "h#r",
		"http://127.0.0.1:4567/000000000000/" + prefix + "h#r",
		"http://localhost:4566/000000000000/" + prefix + "h#r",
		"https://sqs-fips.us-east-1.amazonaws.com/" + acct + "/" + prefix + "h#r",
		"https://sqs.us-east-1.amazonaws.com:443/" + acct + "/" + prefix + "h#r",
		"https://sqs.eu-west-1.amazonaws.com/" + acct + "/" + prefix + "h#r",
		"https://sqs.us-east-1.amazonaws.com/999999999999/" + prefix + "h#r",
		"https://us-east-1.queue.amazonaws.com/" + acct + "/" + prefix + "h",
		"https://sqs.us-east-1.amazonaws.com@evil.com/" + acct + "/" + prefix + "h#r",
		goodURL + "#a#b",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	r := New(nil)
	f.Fuzz(func(t *testing.T, raw string, emulator bool) {
		reqQ := reqs[0]
		if emulator {
			reqQ = reqs[1]
		}
		got, err := r.resolveReply(raw, reqQ)
		if err != nil {
			if _, ok := err.(*ReplyURLRefusedError); !ok {
				t.Fatalf("%q: error %T, want *ReplyURLRefusedError", raw, err)
			}
			return
		}
		q := checkAccepted(t, raw, got)
		if q.Account != reqQ.Account || q.Scheme != reqQ.Scheme {
			t.Fatalf("%q accepted for request queue %s: another account or scheme", raw, reqQ)
		}
		if reqQ.Region() != "" || q.Region() != "" {
			if q.Region() != reqQ.Region() {
				t.Fatalf("%q accepted for request queue %s: region %q", raw, reqQ, q.Region())
			}
		} else if q.Host != reqQ.Host {
			t.Fatalf("%q accepted for request queue %s: host %q", raw, reqQ, q.Host)
		}
	})
}
