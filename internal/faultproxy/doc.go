// Package faultproxy is a fault-injecting HTTP proxy for tests: it sits on
// 127.0.0.1 between an SQS client (the AWS SDK with its normal retryer) and
// an SQS endpoint (the fauxqs emulator), and answers a configurable share of
// requests with a fault instead of, or as well as, forwarding them.
//
//	p, err := faultproxy.New(emulatorEndpoint, func(o *faultproxy.Options) {
//		o.Rates = faultproxy.Uniform(0.05) // 5 % of each kind
//		o.Seed = 1                         // reproducible decisions
//	})
//	defer p.Close()
//	client, err := awsclient.New(ctx, p.URL(), faultproxy.SDKRetries(10, time.Second))
//
// The faults:
//
//   - Error500: HTTP 500 with X-Amzn-Query-Error "InternalError;Receiver"
//     and an InternalFailure JSON body; not forwarded. The SDK retries it
//     (status 500).
//   - Throttle: HTTP 400 with X-Amzn-Query-Error "RequestThrottled;Sender"
//     and __type "com.amazonaws.sqs#RequestThrottled"; not forwarded. The
//     SDK decodes it as *types.RequestThrottled and retries it as a
//     throttling error.
//   - DropBefore: the connection is reset without a reply; not forwarded.
//     The SDK retries it (a connection error).
//   - DropAfter: forwarded, the target's response read and thrown away,
//     then the connection is reset. The request took effect: a retried
//     SendMessage is sent twice, a retried DeleteMessage may fail, a
//     retried ReceiveMessage has hidden its messages until their visibility
//     timeout expires. This is the fault that tests at-least-once handling.
//   - Delay: forwarded after Options.Delay.
//
// When the target cannot be reached (an emulator that is stopped), the proxy
// answers 502 with a ServiceUnavailable JSON body, which the SDK retries.
//
// Rates can be changed at any time (SetRates); InjectNext forces the faults
// of the next requests. Counts reports, per SQS operation (from the
// X-Amz-Target header), the requests received, forwarded, and each fault
// injected.
//
// The SDK's standard retryer has a retry quota: a token bucket of 500 that
// each outstanding retry holds 14 tokens of (5 after throttling), given back
// when the retry succeeds. When many concurrent callers fail at once (64
// callers behind a stopped emulator) the quota runs dry and calls fail with
// "retry quota exceeded" instead of retrying; SDKRetries turns it off. Its
// backoff after throttling starts at 1 s.
//
// Close stops the proxy and waits for all its goroutines.
package faultproxy
