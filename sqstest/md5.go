package sqstest

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// md5Hex returns the hex MD5 of s, as in MD5OfMessageBody.
func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// md5OfAttributes computes MD5OfMessageAttributes as SQS does.
func md5OfAttributes(attrs map[string]types.MessageAttributeValue) string {
	return sqsapi.MD5OfMessageAttributes(attrs)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// validChars reports whether s (valid UTF-8) holds only the characters SQS allows in a
// message: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF.
func validChars(s string) (bool, rune) {
	for _, r := range s {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD:
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false, r
		}
	}
	return true, 0
}

// checkMessage validates a message body and its attributes and returns the
// message's size as SQS counts it (body plus attribute names, types and
// values).
func checkMessage(body *string, attrs map[string]types.MessageAttributeValue) (int, error) {
	if body == nil || *body == "" {
		return 0, errMissingParameter("MessageBody")
	}
	if !utf8.ValidString(*body) {
		return 0, errInvalidMessageContents("Invalid binary character in the message body: the body is not valid UTF-8.")
	}
	if ok, r := validChars(*body); !ok {
		return 0, errInvalidMessageContents("Invalid binary character '#x" + strings.ToUpper(strconv.FormatInt(int64(r), 16)) + "' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
	}
	size := len(*body)
	if err := sqsapi.ValidateMessageAttributeCount(len(attrs)); err != nil {
		return 0, err
	}
	for name, v := range attrs {
		n, err := checkAttribute(name, v)
		if err != nil {
			return 0, err
		}
		size += n
	}
	return size, nil
}

func checkAttribute(name string, v types.MessageAttributeValue) (int, error) {
	if err := sqsapi.ValidateMessageAttributeName(name); err != nil {
		return 0, err
	}
	dt := deref(v.DataType)
	if dt == "" {
		return 0, errInvalidParameter("The message attribute '%s' must contain non-empty message attribute type.", name)
	}
	base, custom, _ := strings.Cut(dt, ".")
	if len(dt) > 256 || (strings.Contains(dt, ".") && custom == "") {
		return 0, errInvalidParameter("The message attribute '%s' has an invalid message attribute type %q.", name, dt)
	}
	if v.StringListValues != nil || v.BinaryListValues != nil {
		return 0, errInvalidParameter("Message attribute list values in SendMessage operation are not supported.")
	}
	size := len(name) + len(dt)
	switch base {
	case "String", "Number":
		if v.StringValue == nil || *v.StringValue == "" {
			return 0, errInvalidParameter("The message attribute '%s' with type '%s' must contain a non-empty value of type 'String'.", name, base)
		}
		if v.BinaryValue != nil {
			return 0, errInvalidParameter("The message attribute '%s' with type '%s' must not contain a binary value.", name, base)
		}
		s := *v.StringValue
		if ok, _ := validChars(s); !ok || !utf8.ValidString(s) {
			return 0, errInvalidParameter("The message attribute '%s' contains an invalid character.", name)
		}
		if base == "Number" {
			if !isNumber(s) {
				return 0, errInvalidParameter("Can't cast the value of message (user) attribute '%s' to a number.", name)
			}
		}
		size += len(s)
	case "Binary":
		if len(v.BinaryValue) == 0 {
			return 0, errInvalidParameter("The message attribute '%s' with type 'Binary' must contain a non-empty value of type 'Binary'.", name)
		}
		if v.StringValue != nil {
			return 0, errInvalidParameter("The message attribute '%s' with type 'Binary' must not contain a string value.", name)
		}
		size += len(v.BinaryValue)
	default:
		return 0, errInvalidParameter("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
	}
	return size, nil
}

// isNumber reports whether s is a number SQS accepts: an optional sign,
// digits with an optional fraction, and an optional exponent.
func isNumber(s string) bool {
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return false
	}
	lower := strings.ToLower(s)
	return !strings.Contains(lower, "inf") && !strings.Contains(lower, "nan") && !strings.HasPrefix(lower, "0x") &&
		!strings.Contains(lower, "_")
}
