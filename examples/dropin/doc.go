// Command dropin shows tempqueue as a drop-in replacement: application code
// written against an interface over *sqs.Client, which creates and deletes a
// queue per task, is switched to cheap virtual queues by changing one line.
// It runs the same tasks both ways and prints the SQS calls each made.
//
//	go run ./examples/dropin                                  # embedded in-memory SQS, no AWS account
//	go run ./examples/dropin -endpoint http://127.0.0.1:4566  # any SQS-compatible server
//	go run ./examples/dropin -endpoint aws                    # real AWS (default config chain)
package main
