// Command login is the login client and server of the AWS blog post
// "Simple Two-way Messaging using the Amazon SQS Temporary Queue Client", as
// one program: it serves login requests from an SQS queue (responder.Serve)
// and makes them (requester.SendMessageAndGetResponse), printing each login
// and its response.
//
//	go run ./examples/login                                  # embedded in-memory SQS, no AWS account
//	go run ./examples/login -endpoint http://127.0.0.1:4566  # any SQS-compatible server
//	go run ./examples/login -endpoint aws                    # real AWS (default config chain)
//
// It creates a request queue (deleted at the end) and, through the
// requester, one temporary host queue for all responses (deleted by Close);
// it leaves nothing behind.
package main
