package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Harness makes the API under test.
type Harness interface {
	// Name names the backend in logs.
	Name() string
	// MakeAPI returns the API one subtest uses and a func that releases it.
	// It may return a fresh server per call or share one; if the API
	// implements Advancer, its clock is private to the subtest.
	MakeAPI(ctx context.Context, t *testing.T) (api sqsapi.API, cleanup func())
	// Capabilities describes the backend.
	Capabilities() Capabilities
}

// Capabilities describe what a backend can do and where it differs from
// real SQS.
type Capabilities struct {
	// RealAWS is set for real Amazon SQS: eventual consistency (queue
	// creation and deletion, ListQueues, Approximate* counts) is waited for,
	// and checks that only make sense on a private server are skipped.
	RealAWS bool
	// AWSQueueURLs is set when queue URLs have the host
	// sqs.<region>.amazonaws.com (real AWS and sqstest).
	AWSQueueURLs bool
	// Deviations are the known differences from real SQS; the checks they
	// name are skipped.
	Deviations map[Deviation]bool
}

// Advancer is implemented by an API whose clock is fake. The suite advances
// it instead of waiting for visibility timeouts, delays and windows.
type Advancer interface {
	Advance(d time.Duration)
}

// Deviation names a known difference between a backend and real SQS.
type Deviation string

// Known deviations (see DEVIATIONS.md).
const (
	// DeviationQueueDeletedRecently: a deleted queue's name can be reused at
	// once, without QueueDeletedRecently for 60 seconds.
	DeviationQueueDeletedRecently Deviation = "QueueDeletedRecently"
	// DeviationCreateQueueConflict: CreateQueue with an existing name and
	// different attributes does not fail with QueueNameExists.
	DeviationCreateQueueConflict Deviation = "CreateQueueConflict"
	// DeviationUnknownAttribute: unknown queue attribute names are not
	// refused with InvalidAttributeName.
	DeviationUnknownAttribute Deviation = "UnknownAttribute"
	// DeviationAttributeValues: out-of-range queue attribute values are not
	// refused.
	DeviationAttributeValues Deviation = "AttributeValues"
	// DeviationStaleReceiptHandle: DeleteMessage with a receipt handle that
	// is not the most recent one fails instead of succeeding.
	DeviationStaleReceiptHandle Deviation = "StaleReceiptHandle"
	// DeviationChangeVisibilityDeleted: ChangeMessageVisibility on a deleted
	// message succeeds instead of failing.
	DeviationChangeVisibilityDeleted Deviation = "ChangeVisibilityDeleted"
	// DeviationInvalidReceiptHandle: a malformed receipt handle is not
	// refused with ReceiptHandleIsInvalid.
	DeviationInvalidReceiptHandle Deviation = "InvalidReceiptHandle"
	// DeviationBatchErrors: whole-request batch errors (empty, too many,
	// duplicate or invalid ids, too long) differ.
	DeviationBatchErrors Deviation = "BatchErrors"
	// DeviationAttributeCount: a message with more than 10 message
	// attributes is accepted.
	DeviationAttributeCount Deviation = "AttributeCount"
	// DeviationAttributeValidation: invalid message attribute names, types or
	// values are accepted.
	DeviationAttributeValidation Deviation = "AttributeValidation"
	// DeviationAttributeSize: message attributes do not count toward the
	// message size limit.
	DeviationAttributeSize Deviation = "AttributeSize"
	// DeviationSupplementaryCharacters: message bodies with characters from
	// #x10000-#x10FFFF (such as emoji), which SQS allows, are refused.
	DeviationSupplementaryCharacters Deviation = "SupplementaryCharacters"
	// DeviationDelayRange: DelaySeconds outside 0-900 is accepted.
	DeviationDelayRange Deviation = "DelayRange"
	// DeviationMessageAttributeFilter: ReceiveMessage returns message
	// attributes that were not asked for in MessageAttributeNames.
	DeviationMessageAttributeFilter Deviation = "MessageAttributeFilter"
	// DeviationQueueNames: invalid queue names are accepted.
	DeviationQueueNames Deviation = "QueueNames"
	// DeviationListQueuesMaxResults: MaxResults outside 1-1000 is accepted.
	DeviationListQueuesMaxResults Deviation = "ListQueuesMaxResults"
	// DeviationFIFONaming: a queue named *.fifo without FifoQueue=true is
	// accepted.
	DeviationFIFONaming Deviation = "FIFONaming"
	// DeviationFIFOOnePerGroup: a receive from a FIFO queue returns at most
	// one message of each message group.
	DeviationFIFOOnePerGroup Deviation = "FIFOOnePerGroup"
	// DeviationFIFODelay: per-message DelaySeconds on a FIFO queue is
	// accepted.
	DeviationFIFODelay Deviation = "FIFODelay"
	// DeviationRedriveTarget: a RedrivePolicy naming a missing queue is
	// accepted.
	DeviationRedriveTarget Deviation = "RedriveTarget"
	// DeviationPurgeInProgress: a second PurgeQueue within 60 seconds
	// succeeds.
	DeviationPurgeInProgress Deviation = "PurgeInProgress"
	// DeviationListQueuesPaging: ListQueues paging with MaxResults and
	// NextToken differs.
	DeviationListQueuesPaging Deviation = "ListQueuesPaging"
	// DeviationDedupIDOnStandard: MessageDeduplicationId on a standard queue
	// is accepted.
	DeviationDedupIDOnStandard Deviation = "DedupIDOnStandard"
	// DeviationErrorTypes: an error has the right code but does not
	// deserialize into the SDK's typed error.
	DeviationErrorTypes Deviation = "ErrorTypes"
)
