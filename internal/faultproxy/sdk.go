package faultproxy

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// SDKRetries returns an sqs.Options function that gives a client the SDK's
// standard retryer with maxAttempts attempts per call and no retry quota
// (see the package documentation), so that a long run through the proxy
// does not exhaust the quota, and a maximum backoff of maxBackoff (0 keeps
// the SDK's 20 s). The set of retried errors and the jittered exponential
// backoff are the SDK's.
func SDKRetries(maxAttempts int, maxBackoff time.Duration) func(*sqs.Options) {
	return func(o *sqs.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = maxAttempts
			so.RateLimiter = ratelimit.None
			if maxBackoff > 0 {
				so.MaxBackoff = maxBackoff
			}
		})
		o.RetryMaxAttempts = 0
	}
}
