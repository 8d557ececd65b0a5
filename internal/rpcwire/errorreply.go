package rpcwire

import (
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// DefaultErrorCode is the code of an error reply whose handler gave none.
const DefaultErrorCode = "Error"

// maxCodeLength bounds an error code; longer codes are cut.
const maxCodeLength = 256

// ErrorReply returns the body and attributes of an error response with code
// and message: the code in ErrorCodeAttribute (String), the message as the
// body (the code when the message is empty, since SQS refuses an empty
// body). Characters SQS refuses in a message are replaced by U+FFFD, so an
// error reply can always be sent.
func ErrorReply(code, message string) (string, map[string]types.MessageAttributeValue) {
	code = SanitizeText(code)
	if code == "" {
		code = DefaultErrorCode
	}
	if len(code) > maxCodeLength {
		code = strings.ToValidUTF8(code[:maxCodeLength], "")
	}
	body := SanitizeText(message)
	if body == "" {
		body = code
	}
	return body, map[string]types.MessageAttributeValue{
		sqsapi.ErrorCodeAttribute: {DataType: aws.String("String"), StringValue: aws.String(code)},
	}
}

// ErrorCode returns the error code of a response that is an error reply.
func ErrorCode(attrs map[string]types.MessageAttributeValue) (string, bool) {
	v, ok := attrs[sqsapi.ErrorCodeAttribute]
	if !ok || v.StringValue == nil {
		return "", false
	}
	return *v.StringValue, true
}

// SanitizeText replaces what SQS refuses in a message body or a String
// attribute value (invalid UTF-8, and characters outside #x9, #xA, #xD,
// #x20-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF) by U+FFFD.
func SanitizeText(s string) string {
	clean := true
	for _, r := range s {
		if !allowed(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if !allowed(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

func allowed(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return false // invalid UTF-8 (or a literal U+FFFD, replaced by itself)
	case r == 0x9 || r == 0xA || r == 0xD:
		return true
	case r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}
