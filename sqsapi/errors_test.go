package sqsapi_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/sqsapi"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want sqsapi.Category
	}{
		{"nil", nil, sqsapi.CategoryUnknown},
		{"plain error", errors.New("boom"), sqsapi.CategoryUnknown},
		{"json QueueDoesNotExist", &types.QueueDoesNotExist{}, sqsapi.CategoryQueueDoesNotExist},
		{"query NonExistentQueue", &types.QueueDoesNotExist{ErrorCodeOverride: aws.String("AWS.SimpleQueueService.NonExistentQueue")}, sqsapi.CategoryQueueDoesNotExist},
		{"generic query NonExistentQueue", &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.NonExistentQueue"}, sqsapi.CategoryQueueDoesNotExist},
		{"json QueueNameExists", &types.QueueNameExists{}, sqsapi.CategoryQueueNameExists},
		{"query QueueAlreadyExists", &smithy.GenericAPIError{Code: "QueueAlreadyExists"}, sqsapi.CategoryQueueNameExists},
		{"json QueueDeletedRecently", &types.QueueDeletedRecently{}, sqsapi.CategoryQueueDeletedRecently},
		{"query QueueDeletedRecently", &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.QueueDeletedRecently"}, sqsapi.CategoryQueueDeletedRecently},
		{"receipt handle", &types.ReceiptHandleIsInvalid{}, sqsapi.CategoryReceiptHandleInvalid},
		{"not in flight", &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.MessageNotInflight"}, sqsapi.CategoryReceiptHandleInvalid},
		{"throttled", &types.RequestThrottled{}, sqsapi.CategoryThrottled},
		{"kms throttled query", &smithy.GenericAPIError{Code: "KMS.ThrottlingException"}, sqsapi.CategoryThrottled},
		{"invalid parameter", &smithy.GenericAPIError{Code: "InvalidParameterValue"}, sqsapi.CategoryInvalidParameter},
		{"batch ids query", &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"}, sqsapi.CategoryInvalidParameter},
		{"our validation error", &sqsapi.InvalidParameterError{Param: "WaitTimeSeconds", Value: "21"}, sqsapi.CategoryInvalidParameter},
		{"emulator-prefixed name exists", &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.QueueNameExists"}, sqsapi.CategoryQueueNameExists},
		{"emulator-prefixed invalid value", &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.InvalidParameterValue"}, sqsapi.CategoryInvalidParameter},
		{"unknown prefixed", &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.Whatever"}, sqsapi.CategoryUnknown},
		{"wrapped", fmt.Errorf("layer: %w", &types.QueueDoesNotExist{}), sqsapi.CategoryQueueDoesNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sqsapi.Classify(tt.err); got != tt.want {
				t.Fatalf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestIsHelpers(t *testing.T) {
	err := fmt.Errorf("send: %w", &types.QueueDoesNotExist{})
	if !sqsapi.IsQueueDoesNotExist(err) || sqsapi.IsThrottled(err) || sqsapi.IsQueueNameExists(err) {
		t.Fatal("IsQueueDoesNotExist misclassified")
	}
	if !sqsapi.IsThrottled(&types.RequestThrottled{}) || !sqsapi.IsInvalidParameter(&types.InvalidAttributeName{}) ||
		!sqsapi.IsQueueDeletedRecently(&types.QueueDeletedRecently{}) || !sqsapi.IsReceiptHandleInvalid(&types.ReceiptHandleIsInvalid{}) ||
		!sqsapi.IsQueueNameExists(&types.QueueNameExists{}) {
		t.Fatal("Is helpers disagree with Classify")
	}
	if got := sqsapi.Category(99).String(); got != "Category(99)" {
		t.Fatalf("String of unknown category = %q", got)
	}
}

func TestInvalidParameterErrorNamesTheValue(t *testing.T) {
	err := sqsapi.ValidateWaitTimeSeconds(21)
	var bad *sqsapi.InvalidParameterError
	if !errors.As(err, &bad) {
		t.Fatalf("want *InvalidParameterError, got %T", err)
	}
	if bad.Param != "WaitTimeSeconds" || bad.Value != "21" {
		t.Fatalf("got %+v", bad)
	}
	if want := `InvalidParameterValue: invalid WaitTimeSeconds "21": must be between 0 and 20`; err.Error() != want {
		t.Fatalf("Error() = %q, want %q", err.Error(), want)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorFault() != smithy.FaultClient {
		t.Fatal("validation error must be a client-fault smithy.APIError")
	}
}

// TestClassifySDKErrors: every error type the SDK's SQS client returns
// classifies by what it means, as the SDK builds it from a JSON-protocol
// response (the code is the type's name). Those that fit no category (KMS
// access, quotas, purge in progress, ...) are Unknown.
func TestClassifySDKErrors(t *testing.T) {
	tests := []struct {
		err  error
		want sqsapi.Category
	}{
		{&types.QueueDoesNotExist{}, sqsapi.CategoryQueueDoesNotExist},
		{&types.QueueNameExists{}, sqsapi.CategoryQueueNameExists},
		{&types.QueueDeletedRecently{}, sqsapi.CategoryQueueDeletedRecently},
		{&types.ReceiptHandleIsInvalid{}, sqsapi.CategoryReceiptHandleInvalid},
		{&types.MessageNotInflight{}, sqsapi.CategoryReceiptHandleInvalid},
		{&types.RequestThrottled{}, sqsapi.CategoryThrottled},
		{&types.KmsThrottled{}, sqsapi.CategoryThrottled},
		{&types.InvalidAddress{}, sqsapi.CategoryInvalidParameter},
		{&types.InvalidAttributeName{}, sqsapi.CategoryInvalidParameter},
		{&types.InvalidAttributeValue{}, sqsapi.CategoryInvalidParameter},
		{&types.InvalidIdFormat{}, sqsapi.CategoryInvalidParameter},
		{&types.InvalidMessageContents{}, sqsapi.CategoryInvalidParameter},
		{&types.InvalidBatchEntryId{}, sqsapi.CategoryInvalidParameter},
		{&types.BatchEntryIdsNotDistinct{}, sqsapi.CategoryInvalidParameter},
		{&types.BatchRequestTooLong{}, sqsapi.CategoryInvalidParameter},
		{&types.EmptyBatchRequest{}, sqsapi.CategoryInvalidParameter},
		{&types.TooManyEntriesInBatchRequest{}, sqsapi.CategoryInvalidParameter},
		{&types.UnsupportedOperation{}, sqsapi.CategoryInvalidParameter},
		{&types.PurgeQueueInProgress{}, sqsapi.CategoryUnknown},
		{&types.OverLimit{}, sqsapi.CategoryUnknown},
		{&types.InvalidSecurity{}, sqsapi.CategoryUnknown},
		{&types.KmsAccessDenied{}, sqsapi.CategoryUnknown},
		{&types.KmsDisabled{}, sqsapi.CategoryUnknown},
		{&types.KmsNotFound{}, sqsapi.CategoryUnknown},
		{&types.ResourceNotFoundException{}, sqsapi.CategoryUnknown},
	}
	for _, tt := range tests {
		if got := sqsapi.Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%T) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
