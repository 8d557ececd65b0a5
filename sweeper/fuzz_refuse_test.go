package sweeper

import (
	"strings"
	"testing"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// FuzzCheckTarget feeds the refusal rule of check messages (untrusted: anyone
// who can send to the work queue writes them) arbitrary queue URLs. A URL it
// accepts must be a canonical-parse SQS queue URL with the prefix, with the
// work queue's scheme, host and account, and neither the work queue nor its
// DLQ.
func FuzzCheckTarget(f *testing.F) {
	work := "https://sqs.us-east-1.amazonaws.com/000000000000/" + WorkQueueName(pfx)
	for _, s := range []string{
		"https://sqs.us-east-1.amazonaws.com/000000000000/" + pfx + "q",
		"https://sqs.us-east-1.amazonaws.com/000000000000/payments",
		"https://sqs.eu-west-1.amazonaws.com/000000000000/" + pfx + "q",
		"https://sqs.us-east-1.amazonaws.com/111111111111/" + pfx + "q",
		"https://SQS.us-east-1.amazonaws.com/000000000000/" + pfx + "q",
		"https://sqs.us-east-1.amazonaws.com:443/000000000000/" + pfx + "q",
		"https://x@sqs.us-east-1.amazonaws.com/000000000000/" + pfx + "q",
		"https://sqs.us-east-1.amazonaws.com/000000000000/" + pfx + "q#x",
		"http://sqs.us-east-1.amazonaws.com/000000000000/" + pfx + "q",
		"HTTPS://sqs.us-east-1.amazonaws.com/000000000000/" + pfx + "q",
		work,
		"https://sqs.us-east-1.amazonaws.com/000000000000/" + DeadLetterQueueName(pfx),
	} {
		f.Add(s)
	}
	s := NewSweeper(nil)
	loc, err := sqsapi.ParseQueueURL(work)
	if err != nil {
		f.Fatal(err)
	}
	s.workURL, s.workLoc = work, loc
	f.Fuzz(func(t *testing.T, raw string) {
		if s.refuse(raw) != "" {
			return
		}
		u, err := sqsapi.ParseQueueURL(raw)
		switch {
		case err != nil:
			t.Fatalf("accepted %q, which is no queue URL: %v", raw, err)
		case !strings.HasPrefix(u.Name, pfx):
			t.Fatalf("accepted %q without the prefix", raw)
		case u.Name == WorkQueueName(pfx) || u.Name == DeadLetterQueueName(pfx):
			t.Fatalf("accepted the sweeper's own queue %q", raw)
		case u.Scheme != loc.Scheme || u.Host != loc.Host || u.Account != loc.Account:
			t.Fatalf("accepted %q with another scheme, endpoint or account", raw)
		}
	})
}

func TestRefuse(t *testing.T) {
	const host = "https://sqs.us-east-1.amazonaws.com/000000000000/"
	s := NewSweeper(nil)
	if reason := s.refuse(host + pfx + "q"); reason == "" {
		t.Error("accepted a check before the work queue's endpoint is known")
	}
	loc, err := sqsapi.ParseQueueURL(host + WorkQueueName(pfx))
	if err != nil {
		t.Fatal(err)
	}
	s.workURL, s.workLoc = host+WorkQueueName(pfx), loc
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{host + pfx + "q", true},
		{host + pfx + "q.fifo", true},
		{"https://SQS.us-east-1.amazonaws.com/000000000000/" + pfx + "q", true}, // hosts compare case-insensitively
		{"http://sqs.us-east-1.amazonaws.com/000000000000/" + pfx + "q", false},
		{"https://sqs.us-east-1.amazonaws.com:443/000000000000/" + pfx + "q", false},
		{"https://sqs.eu-west-1.amazonaws.com/000000000000/" + pfx + "q", false},
		{"https://sqs.us-east-1.amazonaws.com/111111111111/" + pfx + "q", false},
		{host + "payments", false},
		{host + strings.ToLower(pfx) + "q", false},
		{host + WorkQueueName(pfx), false},
		{host + DeadLetterQueueName(pfx), false},
		{host + pfx + "q?Action=DeleteQueue", false},
		{"arn:aws:sqs:us-east-1:000000000000:" + pfx + "q", false},
	} {
		if reason := s.refuse(tt.url); (reason == "") != tt.ok {
			t.Errorf("refuse(%q) = %q, want accepted=%v", tt.url, reason, tt.ok)
		}
	}
}
