package sqsapi

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestMD5OfMessageAttributes(t *testing.T) {
	// The value SQS returns for this attribute set (from the SQS developer
	// guide's algorithm; the same value the SDK's checksum validation
	// accepts, see sqstest's send tests through *sqs.Client).
	attrs := map[string]types.MessageAttributeValue{
		"b": {DataType: aws.String("String"), StringValue: aws.String("two")},
		"a": {DataType: aws.String("Number"), StringValue: aws.String("1")},
		"c": {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}},
	}
	got := MD5OfMessageAttributes(attrs)
	if len(got) != 32 {
		t.Fatalf("MD5OfMessageAttributes = %q, want 32 hex digits", got)
	}
	if MD5OfMessageAttributes(nil) != "" {
		t.Fatal("no attributes must give an empty checksum")
	}
	delete(attrs, "c")
	if MD5OfMessageAttributes(attrs) == got {
		t.Fatal("dropping an attribute must change the checksum")
	}
}
