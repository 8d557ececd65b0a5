// Package reliability holds sqstemp's reliability and safety tests (issue 6);
// it has no non-test code.
//
// The tests run the public clients (virtualqueue, tempqueue, sweeper,
// requester, responder) as a user would, against the in-memory sqstest
// server or against a private fauxqs emulator (internal/emulator) reached
// through a fault-injecting proxy (internal/faultproxy), with the AWS SDK's
// standard retryer:
//
//   - faults: request/response through requester and responder.Serve with 5 %
//     of calls failing in each of five ways (500, throttling, connection
//     dropped before or after forwarding, delay); every request gets its own
//     response or a clear error, no response reaches the wrong caller, no
//     message is lost, no goroutine or queue is leaked;
//   - outage: the emulator stopped for 10 s and restarted empty in the middle
//     of a run; pollers back off and recover (a request succeeds within a
//     minute), the requester's host queue is recreated by the library, the
//     application's request queue by the application (the test), and later
//     requests succeed;
//   - crash: processes running a requester (this test binary re-executed as
//     a child) are killed with SIGKILL in the middle of requests; the sweeper
//     of a restarted requester deletes their queues, and the restarted
//     requester works at once;
//   - backpressure: 100,000 messages sent to a virtual queue nobody reads stay
//     bounded by MaxBufferedPerQueue in the client, and all of them are
//     received afterwards;
//   - bad input: a table over the public clients; every bad value gets a
//     clear error naming it, makes no SQS call and never panics;
//   - security: hostile ResponseQueueUrl values are refused and nothing is
//     sent, or (each one listed with why) accepted and sent to exactly the
//     prefixed queue they name, on an AWS endpoint; sweeper work messages
//     naming queues outside the prefix delete nothing.
//
// The emulator tests skip when the emulator is not installed (scripts/test
// installs it). So that the package fits the CI budget with -race (about
// two minutes on two cores), some runs are shorter by default;
// SQSTEMP_LONG=1 runs the full versions: 10,000 requests instead of 2,000
// in the fault run, 100,000 messages instead of 20,000 in the backpressure
// test under -race (always 100,000 without it), and crashed processes that
// took part in the sweep themselves (which may leave a sweep seed in flight
// on the FIFO work queue and delay the next sweep by its 60 s visibility
// timeout).
//
// Other knobs: SQSTEMP_FAULT_REQUESTS, SQSTEMP_FAULT_RATE (per fault kind,
// default 0.05), SQSTEMP_FAULT_TIMEOUT (per request, default 90s);
// SQSTEMP_LOG=1 shows the clients' logs.
//
//	go test -race ./internal/reliability
//	SQSTEMP_LONG=1 go test -race -v ./internal/reliability
package reliability
