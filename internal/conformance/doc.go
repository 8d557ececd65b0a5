// Package conformance is a suite of the SQS behaviours this module relies on,
// run against every SQS backend it supports: the in-memory sqstest server,
// the fauxqs emulator, and real AWS. It follows go-cloud's drivertest: a
// backend provides a Harness, and Run runs the suite against it.
//
// Each subtest creates its own queues, named with a unique prefix, and
// deletes them when it ends, so the suite can share a server (or an AWS
// account) with other tests. Nothing asserts how long a call took: tests
// that depend on time either advance the backend's fake clock (when the API
// implements Advancer) or poll for the outcome until a generous deadline.
//
// Where a backend is known to differ from real SQS, its Harness lists the
// Deviation; the check is then skipped with a log line naming the deviation.
// DEVIATIONS.md lists what was found.
package conformance
