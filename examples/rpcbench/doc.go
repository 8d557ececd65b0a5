// Command rpcbench measures request/response over SQS: what it costs in SQS
// API calls and how fast it is, for this library and for two hand-written
// baselines, on the same backend in one run.
//
//	go run ./examples/rpcbench                           # all modes, embedded sqstest
//	go run ./examples/rpcbench -endpoint emulator -c 64 -n 3000
//	go run ./examples/rpcbench -endpoint http://127.0.0.1:4566 -mode lib
//	go run ./examples/rpcbench -endpoint aws -mode floor  # real AWS, default config chain
//	go run ./examples/rpcbench -mode vqmem -n 1000000     # memory per idle virtual queue
//
// It runs -n requests with -c concurrent callers and prints one JSON object
// per mode on standard output.
//
// # Modes
//
//   - lib: requester.SendMessageAndGetResponse callers (one Requester shared
//     by all callers) and responder.Serve on the request queue.
//   - naive: a queue per request, the approach the AWS blog post compares
//     against: CreateQueue, SendMessage (with the ResponseQueueUrl attribute),
//     long-poll ReceiveMessage, DeleteMessage, DeleteQueue; about 8 calls per
//     request with the server's share.
//   - floor: the pattern AWS documents for request/response with the plain
//     SDK: one long-lived reply queue per caller (created before the measured
//     window), a correlation id in a message attribute, long-poll receive and
//     DeleteMessage; 6 calls per request. Its latency is the floor for
//     request/response over SQS.
//   - all: lib, naive and floor on the same backend, one JSON line each.
//     All three are set up and warmed up first (so no mode meets a cold
//     backend), then measured round-robin -rounds times (default 3) with
//     n/rounds requests each time, so that a change in the load of the
//     machine during the run does not favour one mode; each line adds up
//     that mode's rounds.
//   - vqmem: creates -n idle virtual queues through tempqueue (the drop-in
//     client) in this process and reports the heap they retain per queue and
//     the creation rate.
//
// naive and floor share one hand-written server: -servers loops, each
// receiving up to 10 requests per long poll, sending each reply with
// SendMessage and deleting each request with DeleteMessage (the replies and
// deletes of one batch run concurrently). lib runs -servers Serve calls on
// one Responder.
//
// # What is counted
//
// The API each side uses (callers; servers) is wrapped in a counter, the
// same way for every mode and every backend, so the counts are comparable
// between the embedded server, an emulator and AWS. Every call started in the
// measured window is counted: requests, replies, receives (empty long polls
// included), deletes, heartbeats, sweeps. A window starts after setup and
// warm-up have settled and ends when the last request has returned and the
// deletes that its batching defers have had time to be sent (a fixed settle
// time, longer than the batchers' flush bound). Excluded, and said so in the
// output: creating and deleting the request queue, the lib Requester's host
// queue, the floor callers' reply queues, and shutdown.
//
// # Backends
//
// -endpoint "" (the default) runs on the embedded in-memory sqstest server;
// "emulator" starts a private fauxqs emulator on 127.0.0.1 (see
// internal/emulator; install it with `npm ci --prefix internal/emulator`);
// a URL uses any SQS-compatible server; "aws" uses real AWS through the SDK's
// default configuration chain (naive mode then creates and deletes one queue
// per request). -latency d delays every call to the embedded server by d, a
// model of a network round trip that costs no CPU (real SQS is closer to this
// than a CPU-bound local emulator is): batching that happens "while another
// call is in flight" needs calls that take time.
//
// # Output
//
// Besides the fields named above: calls_per_request.by_side splits the
// calls between callers and servers; calls holds the raw counts; batching
// says how full the receives and batch calls were (a receive that returns 10
// every time is a saturated stage); lib_stats is what the library's own
// Stats report (since setup), which must agree with the external count.
package main
