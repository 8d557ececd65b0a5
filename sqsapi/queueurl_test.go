package sqsapi_test

import (
	"strings"
	"testing"

	"github.com/sqstemp/sqstemp/sqsapi"
)

func TestParseQueueURL(t *testing.T) {
	tests := []struct {
		raw    string
		ok     bool
		name   string
		region string
	}{
		{"https://sqs.us-east-1.amazonaws.com/123456789012/my-queue", true, "my-queue", "us-east-1"},
		{"https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q.fifo", true, "q.fifo", "cn-north-1"},
		{"https://eu-west-1.queue.amazonaws.com/123456789012/legacy", true, "legacy", "eu-west-1"},
		{"http://127.0.0.1:4566/000000000000/local", true, "local", ""},
		{"https://sqs.us-east-1.amazonaws.com.evil.example/123456789012/q", true, "q", ""},
		{"https://sqs.us-east-1.evil.com/123456789012/q", true, "q", ""},
		{"https://x.us-east-1.queue.amazonaws.com/123456789012/q", true, "q", ""},
		{"https://sqs.us_east.amazonaws.com/123456789012/q", true, "q", ""},
		{"https://sqs-fips.us-gov-west-1.amazonaws.com/123456789012/q", true, "q", "us-gov-west-1"},
		{"https://sqs.eu-west-1.api.aws:443/123456789012/q", true, "q", "eu-west-1"},
		{"https://sqs.us-east-1.amazonaws.com/123456789012/q#virtual", false, "", ""},
		{"https://sqs.us-east-1.amazonaws.com/123456789012/q?x=1", false, "", ""},
		{"https://user@sqs.us-east-1.amazonaws.com/123456789012/q", false, "", ""},
		{"ftp://sqs.us-east-1.amazonaws.com/123456789012/q", false, "", ""},
		{"https://sqs.us-east-1.amazonaws.com/123456789012/a/b", false, "", ""},
		{"https://sqs.us-east-1.amazonaws.com/abc/q", false, "", ""},
		{"https://sqs.us-east-1.amazonaws.com/123/q%2Fx", false, "", ""},
		{"https:///123/q", false, "", ""},
		{"", false, "", ""},
		{"https://sqs.us-east-1.amazonaws.com/123456789012/" + strings.Repeat("a", 81), false, "", ""},
	}
	for _, tt := range tests {
		u, err := sqsapi.ParseQueueURL(tt.raw)
		if (err == nil) != tt.ok {
			t.Errorf("ParseQueueURL(%q) err = %v, want ok=%v", tt.raw, err, tt.ok)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), tt.raw) {
				t.Errorf("error %q does not name %q", err, tt.raw)
			}
			continue
		}
		if u.Name != tt.name || u.Region() != tt.region {
			t.Errorf("ParseQueueURL(%q) = %+v region %q", tt.raw, u, u.Region())
		}
		if u.String() != tt.raw {
			t.Errorf("String() = %q, want %q", u.String(), tt.raw)
		}
	}
}

func FuzzParseQueueURL(f *testing.F) {
	for _, s := range []string{
		"https://sqs.us-east-1.amazonaws.com/123456789012/my-queue",
		"http://127.0.0.1:4566/000000000000/q.fifo",
		"https://sqs.us-east-1.amazonaws.com/1/q#name",
		"https://evil.example.com@sqs.us-east-1.amazonaws.com/1/q",
		"https://sqs.us-east-1.amazonaws.com/1/../2/q",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := sqsapi.ParseQueueURL(raw)
		if err != nil {
			return
		}
		// Anything accepted must round-trip and carry a valid name.
		again, err := sqsapi.ParseQueueURL(u.String())
		if err != nil || again != u {
			t.Fatalf("round trip of %q: %+v -> %+v, %v", raw, u, again, err)
		}
		if err := sqsapi.ValidateQueueName(u.Name, sqsapi.IsFIFOQueueName(u.Name)); err != nil {
			t.Fatalf("accepted bad name in %q: %v", raw, err)
		}
	})
}
