// Command typed is a typed request/response service over SQS: a users
// service answering GetUser requests with User values (JSON on the wire,
// requester.Call and responder.JSON on each side). It shows what a
// production service needs:
//
//   - deadlines: three calls made while the server is down give up after
//     300 ms; when the server starts it drops them unhandled, and the
//     handler of a live call gets the caller's deadline in its ctx;
//   - error replies: an unknown user is answered with a
//     responder.ReplyError, which the caller gets as a
//     *requester.RemoteError;
//   - tracing: the caller's span, the requester's (kind client) and Serve's
//     (kind server) are one trace, printed to stdout.
//
// Run it with:
//
//	go run ./examples/typed                                  # embedded in-memory SQS, no AWS account
//	go run ./examples/typed -endpoint http://127.0.0.1:4566  # any SQS-compatible server
//	go run ./examples/typed -endpoint aws                    # real AWS (default config chain)
//
// It creates a request queue (deleted at the end) and, through the
// requester, one temporary host queue for all responses (deleted by Close).
package main
