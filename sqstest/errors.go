package sqstest

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

// Error constructors. Where the SDK has a typed error for a code, that type is
// returned (so errors.As works as against real SQS); otherwise a
// *smithy.GenericAPIError carrying the SQS code. Every error leaving a Server
// method is wrapped in a *smithy.OperationError, as the SDK does.

// queryCode returns code as the ErrorCodeOverride of a typed error. Real
// SQS speaks the JSON protocol with query compatibility: it names the error
// type and, in the x-amzn-query-error header, the legacy query code, which
// the SDK puts in ErrorCodeOverride. So through *sqs.Client a missing queue
// is a *types.QueueDoesNotExist whose ErrorCode() is
// "AWS.SimpleQueueService.NonExistentQueue". The typed errors below carry
// the same override (the awsQueryError codes of the SQS model).
func queryCode(code string) *string { return aws.String(code) }

func errQueueDoesNotExist() error {
	return &types.QueueDoesNotExist{Message: aws.String("The specified queue does not exist."),
		ErrorCodeOverride: queryCode("AWS.SimpleQueueService.NonExistentQueue")}
}

func errQueueNameExists(name string) error {
	return &types.QueueNameExists{Message: aws.String(fmt.Sprintf("A queue already exists with the same name (%s) and a different value for attribute(s)", name)),
		ErrorCodeOverride: queryCode("QueueAlreadyExists")}
}

func errQueueDeletedRecently(name string) error {
	return &types.QueueDeletedRecently{Message: aws.String(fmt.Sprintf("You must wait 60 seconds after deleting a queue before you can create another with the same name (%s).", name)),
		ErrorCodeOverride: queryCode("AWS.SimpleQueueService.QueueDeletedRecently")}
}

func errInvalidAttributeName(name string) error {
	return &types.InvalidAttributeName{Message: aws.String(fmt.Sprintf("Unknown Attribute %s.", name))}
}

func errInvalidAttributeValue(name, value, reason string) error {
	return &types.InvalidAttributeValue{Message: aws.String(fmt.Sprintf("Invalid value for the parameter %s (%q): %s", name, value, reason))}
}

func errReceiptHandleIsInvalid(h string) error {
	return &types.ReceiptHandleIsInvalid{Message: aws.String(fmt.Sprintf("The input receipt handle %q is not a valid receipt handle.", h))}
}

func errEmptyBatch() error {
	return &types.EmptyBatchRequest{Message: aws.String("There should be at least one entry in the request."),
		ErrorCodeOverride: queryCode("AWS.SimpleQueueService.EmptyBatchRequest")}
}

func errTooManyEntries(n int) error {
	return &types.TooManyEntriesInBatchRequest{Message: aws.String(fmt.Sprintf("Maximum number of entries per request are 10. You have sent %d.", n)),
		ErrorCodeOverride: queryCode("AWS.SimpleQueueService.TooManyEntriesInBatchRequest")}
}

func errIdsNotDistinct(id string) error {
	return &types.BatchEntryIdsNotDistinct{Message: aws.String(fmt.Sprintf("Id %s repeated.", id)),
		ErrorCodeOverride: queryCode("AWS.SimpleQueueService.BatchEntryIdsNotDistinct")}
}

func errInvalidBatchEntryID(id string) error {
	return &types.InvalidBatchEntryId{Message: aws.String(fmt.Sprintf("A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long (%q).", id)),
		ErrorCodeOverride: queryCode("AWS.SimpleQueueService.InvalidBatchEntryId")}
}

func errBatchTooLong(n int) error {
	return &types.BatchRequestTooLong{Message: aws.String(fmt.Sprintf("Batch requests cannot be longer than %d bytes. You have sent %d bytes.", maxMessageSize, n)),
		ErrorCodeOverride: queryCode("AWS.SimpleQueueService.BatchRequestTooLong")}
}

func errPurgeInProgress(name string) error {
	return &types.PurgeQueueInProgress{Message: aws.String(fmt.Sprintf("Only one PurgeQueue operation on %s is allowed every 60 seconds.", name)),
		ErrorCodeOverride: queryCode("AWS.SimpleQueueService.PurgeQueueInProgress")}
}

func errInvalidMessageContents(reason string) error {
	return &types.InvalidMessageContents{Message: aws.String(reason)}
}

// apiError is an SQS error for which the SDK has no type.
func apiError(code, format string, args ...any) error {
	return &smithy.GenericAPIError{Code: code, Message: fmt.Sprintf(format, args...), Fault: smithy.FaultClient}
}

func errInvalidParameter(format string, args ...any) error {
	return apiError("InvalidParameterValue", format, args...)
}

func errMissingParameter(param string) error {
	return apiError("MissingParameter", "The request must contain the parameter %s.", param)
}

// errMessageGone is what real SQS answers to ChangeMessageVisibility with the
// handle of a message that was deleted or received again since.
func errMessageGone(h string) error {
	return errInvalidParameter("Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", h)
}

// errHandleExpired is what real SQS answers on a FIFO queue to a receipt
// handle whose visibility timeout has expired.
func errHandleExpired(h string) error {
	return errInvalidParameter("Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", h)
}

// batchError converts err into a failed batch result entry.
func batchError(id string, err error) types.BatchResultErrorEntry {
	code, msg, sender := "InternalError", err.Error(), true
	if ae, ok := err.(smithy.APIError); ok {
		code, msg = ae.ErrorCode(), ae.ErrorMessage()
		sender = ae.ErrorFault() != smithy.FaultServer
	}
	return types.BatchResultErrorEntry{Id: aws.String(id), Code: aws.String(code), Message: aws.String(msg), SenderFault: sender}
}

func wrapOp(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*smithy.OperationError); ok {
		return err
	}
	return &smithy.OperationError{ServiceID: "SQS", OperationName: op, Err: err}
}
