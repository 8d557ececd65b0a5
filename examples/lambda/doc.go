// Command lambda is a responder that runs as an AWS Lambda function: the
// request queue triggers it through an SQS event source mapping, and it
// answers each request to the temporary reply queue its requester named
// (requester.SendMessageAndGetResponse in another process, or the Java
// AmazonSQSRequester), through responder.SendResponse.
//
// Each record of the event is turned into the types.Message that
// ReceiveMessage would have returned (message attributes included, from the
// event's stringValue, binaryValue and dataType), handled, and answered.
// Records are handled concurrently, so their replies to one requester's
// queue go out in SendMessageBatch calls.
//
// The function reports partial batch failures: a record whose handling or
// reply failed is listed in the response's batchItemFailures, so Lambda
// deletes the others and only that one becomes visible again for another
// try (and, after the queue's maxReceiveCount, goes to its dead-letter
// queue). This works only if the event source mapping is configured with
// the ReportBatchItemFailures function response type:
//
//	aws lambda create-event-source-mapping --function-name sqstemp-responder \
//	    --event-source-arn arn:aws:sqs:REGION:ACCOUNT:requests \
//	    --batch-size 10 --function-response-types ReportBatchItemFailures
//
// Without it, Lambda ignores the list and retries the whole batch whenever
// the function returns an error (this one never does), so failed records
// would be deleted as if answered. A reply that cannot ever be delivered is
// not a failure: the requester is gone (its reply queue no longer exists) or
// its reply queue is not one this responder may write to (see package
// responder, and it must be in the account and region of the request queue,
// the record's eventSourceARN, as Serve requires); such records are logged
// and dropped. So is a request whose caller's deadline (responder.Deadline)
// passed more than 2 s ago: nobody waits for its answer any more. A live
// request's work gets a ctx with its caller's deadline.
//
// Build and deploy (the provided.al2023 runtime, arm64 or x86_64):
//
//	GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -o bootstrap ./examples/lambda
//	zip function.zip bootstrap
//
// The function's role needs, besides the event source mapping's
// sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on the
// request queue, sqs:SendMessage on the requesters' reply queues
// (arn:aws:sqs:REGION:ACCOUNT:__RequesterClientQueues__*). Environment:
// SQSTEMP_QUEUE_PREFIX if the requesters use another queue prefix. The
// function answers each request with its body in upper case; replace
// upperCase with the real work.
package main
