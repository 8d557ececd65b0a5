// Package sqstest is an in-memory Amazon SQS for tests: *Server satisfies
// sqsapi.API with the SDK's exact signatures, counts calls per operation,
// injects faults per operation, and runs on a swappable clock.
//
// (Work in progress: the operations are being filled in.)
package sqstest
