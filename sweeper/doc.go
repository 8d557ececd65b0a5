// Package sweeper deletes SQS queues whose owners died: a Client wrapper that
// tags the queues it creates with a retention period and keeps their
// heartbeat fresh while they are used, and a Sweeper, shared by every process
// using the same queue prefix, that deletes queues whose heartbeat stopped.
//
// (Work in progress.)
package sweeper
