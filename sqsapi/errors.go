package sqsapi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// Category is a portable class of SQS error. SQS reports the same condition
// with different codes depending on the protocol (JSON: "QueueDoesNotExist";
// query: "AWS.SimpleQueueService.NonExistentQueue"); Classify maps both.
type Category int

// Error categories returned by Classify.
const (
	CategoryUnknown Category = iota
	CategoryQueueDoesNotExist
	CategoryQueueNameExists
	CategoryQueueDeletedRecently
	CategoryReceiptHandleInvalid
	CategoryThrottled
	CategoryInvalidParameter
)

var categoryNames = [...]string{
	CategoryUnknown:              "Unknown",
	CategoryQueueDoesNotExist:    "QueueDoesNotExist",
	CategoryQueueNameExists:      "QueueNameExists",
	CategoryQueueDeletedRecently: "QueueDeletedRecently",
	CategoryReceiptHandleInvalid: "ReceiptHandleInvalid",
	CategoryThrottled:            "Throttled",
	CategoryInvalidParameter:     "InvalidParameter",
}

// String returns the category's name.
func (c Category) String() string {
	if c < 0 || int(c) >= len(categoryNames) {
		return fmt.Sprintf("Category(%d)", int(c))
	}
	return categoryNames[c]
}

// codeCategories maps every error code SQS is known to use, in the JSON
// protocol (the SDK's type names) and in the query protocol (the codes of the
// awsQueryError trait and the legacy XML API), to its category.
var codeCategories = map[string]Category{
	"QueueDoesNotExist":                       CategoryQueueDoesNotExist,
	"AWS.SimpleQueueService.NonExistentQueue": CategoryQueueDoesNotExist,
	"NonExistentQueue":                        CategoryQueueDoesNotExist,

	"QueueNameExists":    CategoryQueueNameExists,
	"QueueAlreadyExists": CategoryQueueNameExists,

	"QueueDeletedRecently":                        CategoryQueueDeletedRecently,
	"AWS.SimpleQueueService.QueueDeletedRecently": CategoryQueueDeletedRecently,

	"ReceiptHandleIsInvalid":                    CategoryReceiptHandleInvalid,
	"InvalidReceiptHandle":                      CategoryReceiptHandleInvalid,
	"MessageNotInflight":                        CategoryReceiptHandleInvalid,
	"AWS.SimpleQueueService.MessageNotInflight": CategoryReceiptHandleInvalid,

	"RequestThrottled":                       CategoryThrottled,
	"ThrottlingException":                    CategoryThrottled,
	"Throttling":                             CategoryThrottled,
	"TooManyRequestsException":               CategoryThrottled,
	"RequestLimitExceeded":                   CategoryThrottled,
	"KmsThrottled":                           CategoryThrottled,
	"KMS.ThrottlingException":                CategoryThrottled,
	"SlowDown":                               CategoryThrottled,
	"ProvisionedThroughputExceededException": CategoryThrottled,

	"InvalidParameterValue":        CategoryInvalidParameter,
	"InvalidParameterCombination":  CategoryInvalidParameter,
	"MissingParameter":             CategoryInvalidParameter,
	"InvalidAttributeName":         CategoryInvalidParameter,
	"InvalidAttributeValue":        CategoryInvalidParameter,
	"InvalidMessageContents":       CategoryInvalidParameter,
	"InvalidAddress":               CategoryInvalidParameter,
	"InvalidIdFormat":              CategoryInvalidParameter,
	"InvalidBatchEntryId":          CategoryInvalidParameter,
	"BatchEntryIdsNotDistinct":     CategoryInvalidParameter,
	"BatchRequestTooLong":          CategoryInvalidParameter,
	"EmptyBatchRequest":            CategoryInvalidParameter,
	"TooManyEntriesInBatchRequest": CategoryInvalidParameter,
	"UnsupportedOperation":         CategoryInvalidParameter,
	"ValidationError":              CategoryInvalidParameter,

	"AWS.SimpleQueueService.InvalidBatchEntryId":          CategoryInvalidParameter,
	"AWS.SimpleQueueService.BatchEntryIdsNotDistinct":     CategoryInvalidParameter,
	"AWS.SimpleQueueService.BatchRequestTooLong":          CategoryInvalidParameter,
	"AWS.SimpleQueueService.EmptyBatchRequest":            CategoryInvalidParameter,
	"AWS.SimpleQueueService.TooManyEntriesInBatchRequest": CategoryInvalidParameter,
	"AWS.SimpleQueueService.UnsupportedOperation":         CategoryInvalidParameter,
}

// ErrorCode returns the SQS error code carried by err (through any wrapping),
// or "" if err carries none.
func ErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// queryCodePrefix prefixes many query-protocol codes. Some SQS-compatible
// servers (fauxqs among them) put it in front of every code, so a prefixed
// code that is not in the table is looked up without it.
const queryCodePrefix = "AWS.SimpleQueueService."

// Classify returns the category of err's SQS error code.
func Classify(err error) Category {
	if err == nil {
		return CategoryUnknown
	}
	code := ErrorCode(err)
	if c, ok := codeCategories[code]; ok {
		return c
	}
	return codeCategories[strings.TrimPrefix(code, queryCodePrefix)]
}

// IsQueueDoesNotExist reports whether err says the queue does not exist.
func IsQueueDoesNotExist(err error) bool { return Classify(err) == CategoryQueueDoesNotExist }

// IsQueueNameExists reports whether err says a queue of that name already
// exists with different attributes.
func IsQueueNameExists(err error) bool { return Classify(err) == CategoryQueueNameExists }

// IsQueueDeletedRecently reports whether err says the queue name cannot be
// reused yet because a queue of that name was deleted in the last 60 seconds.
func IsQueueDeletedRecently(err error) bool { return Classify(err) == CategoryQueueDeletedRecently }

// IsReceiptHandleInvalid reports whether err says a receipt handle is invalid
// or its message is no longer in flight.
func IsReceiptHandleInvalid(err error) bool { return Classify(err) == CategoryReceiptHandleInvalid }

// IsThrottled reports whether err says the request was throttled.
func IsThrottled(err error) bool { return Classify(err) == CategoryThrottled }

// IsInvalidParameter reports whether err says a request parameter was invalid.
func IsInvalidParameter(err error) bool { return Classify(err) == CategoryInvalidParameter }

// InvalidParameterError is a request parameter that SQS would refuse, found
// before any call is made. It satisfies smithy.APIError with the SQS code
// (InvalidParameterValue unless Code says otherwise), so it classifies like
// the error SQS itself would have returned.
//
//	var bad *sqsapi.InvalidParameterError
//	if errors.As(err, &bad) { log.Print(bad.Param, bad.Value) }
type InvalidParameterError struct {
	Code   string // SQS error code; "" means InvalidParameterValue
	Param  string // the parameter, e.g. "WaitTimeSeconds"
	Value  string // the refused value, as given
	Reason string // what is wrong with it
}

// Error implements error.
func (e *InvalidParameterError) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode implements smithy.APIError.
func (e *InvalidParameterError) ErrorCode() string {
	if e.Code == "" {
		return "InvalidParameterValue"
	}
	return e.Code
}

// ErrorMessage implements smithy.APIError.
func (e *InvalidParameterError) ErrorMessage() string {
	return fmt.Sprintf("invalid %s %q: %s", e.Param, e.Value, e.Reason)
}

// ErrorFault implements smithy.APIError: bad input is the caller's fault.
func (e *InvalidParameterError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

var _ smithy.APIError = (*InvalidParameterError)(nil)
