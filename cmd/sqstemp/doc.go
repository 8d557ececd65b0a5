// Command sqstemp shows and cleans up the temporary SQS queues of a fleet
// that uses this module (or the Java Amazon SQS Temporary Queue Client: the
// tags are the same).
//
//	go install github.com/sqstemp/sqstemp/cmd/sqstemp@latest
//	sqstemp queues  [-prefix P] [-json]              # every queue under the prefix, with its state
//	sqstemp sweep   [-prefix P] [-json] [-dry-run]   # delete the idle ones now
//	sqstemp dlq     [-prefix P] [-json]              # the sweeper's dead-letter messages
//	sqstemp cleanup [-prefix P] [-json] [-force]     # delete the sweeper's queues of a retired fleet
//
// The prefix defaults to the library's, "__RequesterClientQueues__".
//
// # AWS configuration
//
// The SDK's default chain (config.LoadDefaultConfig): environment variables
// (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_PROFILE, ...), the shared config and
// credentials files, SSO, container and instance roles, and
// AWS_ENDPOINT_URL_SQS for another endpoint. -endpoint URL overrides the
// endpoint. Only when -endpoint names this machine (localhost or a loopback
// address, as a local emulator does) does the command fill in what an
// emulator does not check: region us-east-1 if none is configured, and, if
// no credentials are configured (instance roles are not tried), static dummy
// credentials. Anywhere else, missing credentials are an error.
//
// # States (queues)
//
// Each queue's state is what the fleet's sweeper makes of it now, by the
// same rule (sweeper.Rule, with the Sweeper's defaults -skew-margin 10s and
// -non-empty-grace 1h):
//
//	in-use    its heartbeat is fresh (or, with none yet, it is newly created)
//	idle      a sweep would delete it now
//	untagged  no retention tag: the sweeper never deletes it
//	kept      tagged, not in use, but a sweep would keep it: its tags are
//	          unreadable, or it still holds messages and has not been idle
//	          for the non-empty grace yet (the reason column says which)
//	sweeper   the sweeper's shared work queue or its dead-letter queue
//
// # Output
//
// A table, or with -json one JSON object per line. queues: url, state,
// last_heartbeat (RFC 3339, or null), retention_seconds (null without a
// readable retention tag), messages (approximate: visible, in flight and
// delayed; null if unreadable) and reason. sweep and cleanup: url, action
// ("deleted", or "would-delete" with -dry-run) and reason; only queues acted
// on are listed. dlq: message_id, sent_timestamp, receive_count,
// message_group_id, body.
//
// sweep reads each queue's tags (and attributes when the rule needs them)
// and reads the tags once more right before deleting, exactly as a sweeper
// does. dlq receives the dead-letter messages and at once makes them
// visible again; it removes nothing, but raises each message's receive
// count, and of a message group (the queue is FIFO) it can show only what
// one receive returns (up to 10 messages), saying so when it shows fewer
// messages than the queue holds. cleanup deletes the work queue and its dead-letter
// queue; it refuses, naming them, while any queue under the prefix is in
// use, unless -force (a live process would create them again anyway).
//
// Exit status: 0 on success, 1 on an error (on any queue), 2 on bad usage.
package main
