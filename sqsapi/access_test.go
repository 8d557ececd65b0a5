package sqsapi_test

import (
	"fmt"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/sqsapi"
)

func TestIsAccessDenied(t *testing.T) {
	for _, tc := range []struct {
		code string
		want bool
	}{
		{"AccessDenied", true},
		{"AccessDeniedException", true},
		{"AWS.SimpleQueueService.AccessDenied", true},
		{"InvalidClientTokenId", true},
		{"KmsAccessDenied", true},
		{"RequestThrottled", false},
		{"QueueDoesNotExist", false},
		{"", false},
	} {
		err := fmt.Errorf("wrapped: %w", &smithy.GenericAPIError{Code: tc.code})
		if got := sqsapi.IsAccessDenied(err); got != tc.want {
			t.Errorf("IsAccessDenied(%q) = %v, want %v", tc.code, got, tc.want)
		}
	}
	if sqsapi.IsAccessDenied(nil) {
		t.Error("IsAccessDenied(nil)")
	}
}
