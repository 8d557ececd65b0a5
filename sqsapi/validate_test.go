package sqsapi_test

import (
	"strings"
	"testing"

	"github.com/sqstemp/sqstemp/sqsapi"
)

func TestValidateQueueName(t *testing.T) {
	tests := []struct {
		name string
		fifo bool
		ok   bool
	}{
		{"a", false, true},
		{"My_queue-1", false, true},
		{strings.Repeat("x", 80), false, true},
		{strings.Repeat("x", 81), false, false},
		{"", false, false},
		{"has space", false, false},
		{"has#hash", false, false},
		{"dot.name", false, false},
		{"q.fifo", true, true},
		{strings.Repeat("x", 75) + ".fifo", true, true},
		{strings.Repeat("x", 76) + ".fifo", true, false},
		{".fifo", true, false},
		{"q", true, false},
		{"ünïcode", false, false},
	}
	for _, tt := range tests {
		err := sqsapi.ValidateQueueName(tt.name, tt.fifo)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateQueueName(%q, %v) = %v, want ok=%v", tt.name, tt.fifo, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), tt.name) {
			t.Errorf("error %q does not name the value %q", err, tt.name)
		}
	}
}

func TestValidateNumbers(t *testing.T) {
	tests := []struct {
		what string
		fn   func(int32) error
		v    int32
		ok   bool
	}{
		{"wait", sqsapi.ValidateWaitTimeSeconds, 0, true},
		{"wait", sqsapi.ValidateWaitTimeSeconds, 20, true},
		{"wait", sqsapi.ValidateWaitTimeSeconds, 21, false},
		{"wait", sqsapi.ValidateWaitTimeSeconds, -1, false},
		{"max", sqsapi.ValidateMaxNumberOfMessages, 0, true}, // SDK "unset": SQS default 1
		{"max", sqsapi.ValidateMaxNumberOfMessages, 10, true},
		{"max", sqsapi.ValidateMaxNumberOfMessages, 11, false},
		{"max", sqsapi.ValidateMaxNumberOfMessages, -1, false},
		{"vis", sqsapi.ValidateVisibilityTimeout, 43200, true},
		{"vis", sqsapi.ValidateVisibilityTimeout, 43201, false},
		{"vis", sqsapi.ValidateVisibilityTimeout, -5, false},
	}
	for _, tt := range tests {
		if err := tt.fn(tt.v); (err == nil) != tt.ok {
			t.Errorf("%s(%d) = %v, want ok=%v", tt.what, tt.v, err, tt.ok)
		}
	}
	if sqsapi.EffectiveMaxNumberOfMessages(0) != 1 || sqsapi.EffectiveMaxNumberOfMessages(7) != 7 {
		t.Error("EffectiveMaxNumberOfMessages")
	}
	if sqsapi.ValidateMessageAttributeCount(10) != nil || sqsapi.ValidateMessageAttributeCount(11) == nil {
		t.Error("ValidateMessageAttributeCount")
	}
}

func TestValidateMessageAttributeName(t *testing.T) {
	for name, ok := range map[string]bool{
		"Color": true, "a.b-c_d": true, "": false, "AWS.x": false, "amazon.y": false,
		".lead": false, "trail.": false, "a..b": false, "sp ace": false, strings.Repeat("n", 257): false,
	} {
		if err := sqsapi.ValidateMessageAttributeName(name); (err == nil) != ok {
			t.Errorf("ValidateMessageAttributeName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
