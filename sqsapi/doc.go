// Package sqsapi is the foundation of sqstemp: the API interface (the subset
// of *sqs.Client's method set this module uses, with the SDK's exact
// signatures), the wire names shared with the Java Temporary Queue Client,
// classification of SQS errors, and validation of the inputs SQS would refuse.
//
// # The API interface
//
// *sqs.Client satisfies API, and so does every client in this module: each
// wraps an API and is an API, so they stack (tempqueue over sweeper over
// virtualqueue over *sqs.Client) and drop in wherever code holds an interface
// over *sqs.Client.
//
// # Errors
//
// SQS reports one condition under different codes in its JSON and query
// protocols. Classify, and the Is* helpers built on it, read the smithy API
// error code through any wrapping and recognise both:
//
//	if sqsapi.IsQueueDoesNotExist(err) { ... } // QueueDoesNotExist or AWS.SimpleQueueService.NonExistentQueue
//
// Input refused before any call is made is an *InvalidParameterError, which
// names the parameter and the value and carries the code SQS would have used.
package sqsapi
