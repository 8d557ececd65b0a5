package sqsapi

import (
	"strconv"
	"strings"
)

// ValidateQueueName checks name against SQS's rules: 1 to 80 characters of
// A-Z, a-z, 0-9, hyphen and underscore; a FIFO queue's name ends in ".fifo",
// which counts toward the 80. The error names the bad value.
func ValidateQueueName(name string, fifo bool) error {
	bad := func(reason string) error {
		return &InvalidParameterError{Param: "QueueName", Value: name, Reason: reason}
	}
	base := name
	if fifo {
		if !strings.HasSuffix(name, FIFOSuffix) {
			return bad(`a FIFO queue name must end with ".fifo"`)
		}
		base = strings.TrimSuffix(name, FIFOSuffix)
	}
	if base == "" {
		return bad("must not be empty")
	}
	if len(name) > MaxQueueNameLength {
		return bad("longer than 80 characters")
	}
	for i := 0; i < len(base); i++ {
		if !isNameByte(base[i]) {
			return bad("may contain only A-Z, a-z, 0-9, '-' and '_' (found " + strconv.QuoteRune(rune(base[i])) + ")")
		}
	}
	return nil
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// ValidateWaitTimeSeconds checks a ReceiveMessage WaitTimeSeconds (0 to 20).
func ValidateWaitTimeSeconds(v int32) error {
	if v < 0 || v > MaxWaitTimeSeconds {
		return &InvalidParameterError{Param: "WaitTimeSeconds", Value: strconv.Itoa(int(v)),
			Reason: "must be between 0 and 20"}
	}
	return nil
}

// ValidateMaxNumberOfMessages checks a ReceiveMessage MaxNumberOfMessages.
// Zero is valid: *sqs.Client does not send a zero value, so SQS applies its
// default of 1; EffectiveMaxNumberOfMessages gives that number.
func ValidateMaxNumberOfMessages(v int32) error {
	if v < 0 || v > MaxMessagesPerReceive {
		return &InvalidParameterError{Param: "MaxNumberOfMessages", Value: strconv.Itoa(int(v)),
			Reason: "must be between 1 and 10"}
	}
	return nil
}

// EffectiveMaxNumberOfMessages returns the number of messages a receive asks
// for: v, or SQS's default of 1 when v is zero (unset).
func EffectiveMaxNumberOfMessages(v int32) int {
	if v == 0 {
		return 1
	}
	return int(v)
}

// ValidateVisibilityTimeout checks a visibility timeout in seconds (0 to 43200).
func ValidateVisibilityTimeout(v int32) error {
	if v < 0 || v > MaxVisibilityTimeoutSecs {
		return &InvalidParameterError{Param: "VisibilityTimeout", Value: strconv.Itoa(int(v)),
			Reason: "must be between 0 and 43200"}
	}
	return nil
}

// ValidateMessageAttributeCount checks that a message carries at most 10
// message attributes.
func ValidateMessageAttributeCount(n int) error {
	if n > MaxMessageAttributes {
		return &InvalidParameterError{Param: "MessageAttributes", Value: strconv.Itoa(n) + " attributes",
			Reason: "a message may carry at most 10 message attributes"}
	}
	return nil
}

// ValidateMessageAttributeName checks a message attribute name: 1 to 256
// characters of A-Z, a-z, 0-9, '_', '-' and '.'; not starting with "AWS." or
// "Amazon." (any case), not starting or ending with '.', no "..".
func ValidateMessageAttributeName(name string) error {
	bad := func(reason string) error {
		return &InvalidParameterError{Param: "MessageAttributeName", Value: name, Reason: reason}
	}
	switch {
	case name == "":
		return bad("must not be empty")
	case len(name) > 256:
		return bad("longer than 256 characters")
	case strings.HasPrefix(strings.ToLower(name), "aws.") || strings.HasPrefix(strings.ToLower(name), "amazon."):
		return bad(`must not start with "AWS." or "Amazon."`)
	case name[0] == '.' || name[len(name)-1] == '.':
		return bad("must not start or end with '.'")
	case strings.Contains(name, ".."):
		return bad(`must not contain ".."`)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isNameByte(c) && c != '.' {
			return bad("may contain only A-Z, a-z, 0-9, '_', '-' and '.' (found " + strconv.QuoteRune(rune(c)) + ")")
		}
	}
	return nil
}
