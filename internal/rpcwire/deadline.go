package rpcwire

import (
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// DeadlineValue is the DeadlineAttribute value for deadline d: a Number
// holding d in Unix milliseconds, rounded up so that a deadline read back is
// never earlier than the caller's.
func DeadlineValue(d time.Time) types.MessageAttributeValue {
	ms := d.UnixMilli()
	if d.After(time.UnixMilli(ms)) {
		ms++
	}
	return types.MessageAttributeValue{DataType: aws.String("Number"), StringValue: aws.String(strconv.FormatInt(ms, 10))}
}

// maxDeadlineMillis bounds the deadlines accepted: year 9999, far beyond
// any real deadline, and well inside time.Time's range.
const maxDeadlineMillis = 253402300799999

// Deadline returns the deadline a request carries, if it carries a valid
// one: a Number (or a Number with a custom type suffix) holding a positive
// decimal integer of Unix milliseconds. Anything else is untrusted input
// that is ignored, as if the attribute were absent.
func Deadline(attrs map[string]types.MessageAttributeValue) (time.Time, bool) {
	v, ok := attrs[sqsapi.DeadlineAttribute]
	if !ok || v.StringValue == nil || !isNumberType(aws.ToString(v.DataType)) {
		return time.Time{}, false
	}
	s := *v.StringValue
	if len(s) == 0 || len(s) > 15 {
		return time.Time{}, false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, false
		}
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 || ms > maxDeadlineMillis {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

func isNumberType(t string) bool {
	return t == "Number" || len(t) > len("Number.") && t[:len("Number.")] == "Number."
}
