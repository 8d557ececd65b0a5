package batcher

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
)

// ErrClosed is returned (wrapped) for work handed to a Sender or Acker after
// Close, and for sends still waiting when Close was called.
var ErrClosed = errors.New("batcher: closed")

// EntryError is the failure of one entry of a batch call, as SQS reported it
// in the Failed list. It satisfies smithy.APIError with the entry's code and
// message, so sqsapi.Classify and the sqsapi.Is* helpers classify it like the
// error of the equivalent single call.
//
//	var ee *batcher.EntryError
//	if errors.As(err, &ee) { log.Print(ee.Code, ee.SenderFault) }
type EntryError struct {
	Op          string // the batch operation, e.g. "SendMessageBatch"
	QueueURL    string
	Code        string // SQS error code of the entry
	Message     string // SQS error message of the entry
	SenderFault bool   // SQS says the caller is at fault
}

// Error implements error.
func (e *EntryError) Error() string {
	return fmt.Sprintf("%s entry failed: %s: %s", e.Op, e.Code, e.Message)
}

// ErrorCode implements smithy.APIError.
func (e *EntryError) ErrorCode() string { return e.Code }

// ErrorMessage implements smithy.APIError.
func (e *EntryError) ErrorMessage() string { return e.Message }

// ErrorFault implements smithy.APIError.
func (e *EntryError) ErrorFault() smithy.ErrorFault {
	if e.SenderFault {
		return smithy.FaultClient
	}
	return smithy.FaultServer
}

var _ smithy.APIError = (*EntryError)(nil)

// AckError is a Delete or ChangeVisibility that was not carried out.
type AckError struct {
	Op                string // "DeleteMessage" or "ChangeMessageVisibility"
	QueueURL          string
	ReceiptHandle     string
	VisibilityTimeout int32 // for ChangeMessageVisibility
	Err               error // why: an *EntryError, the call's error, ErrClosed, ...
}

// Error implements error.
func (e *AckError) Error() string {
	h := e.ReceiptHandle
	if len(h) > 20 {
		h = h[:16] + "..."
	}
	return fmt.Sprintf("batcher: %s on %s (receipt handle %q): %v", e.Op, e.QueueURL, h, e.Err)
}

// Unwrap returns the cause.
func (e *AckError) Unwrap() error { return e.Err }
