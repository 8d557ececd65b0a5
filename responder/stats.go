package responder

import (
	"time"

	"github.com/sqstemp/sqstemp/internal/batcher"
)

// Stats is a snapshot of a Responder's counters, summed over its Serve
// calls.
type Stats struct {
	// Calls counts the SQS calls made to the API given to New, by
	// operation: receives and deletes of requests, sends of responses.
	Calls map[string]int64
	// Received counts requests Serve received; Handled the handler calls
	// that returned without error (or with a ReplyError); HandlerErrors
	// those that failed otherwise (Panics of them panicked); InFlight the
	// handlers running now.
	Received, Handled, HandlerErrors, Panics int64
	InFlight                                 int64
	// Expired counts requests whose deadline had passed when Serve received
	// them: deleted without calling the handler. LateReplies counts
	// responses not sent because the deadline passed while the handler ran
	// (the request is deleted; its caller has given up).
	Expired, LateReplies int64
	// Responses counts responses sent, ErrorReplies of them error replies;
	// NoReply requests handled that asked for no response (or whose handler
	// returned none); RefusedReplies reply URLs refused by the allow rule;
	// StaleReplies responses to queues that no longer exist; SendErrors
	// other failed sends.
	Responses, ErrorReplies, NoReply, RefusedReplies, StaleReplies, SendErrors int64
	// Extensions counts visibility extensions of requests whose handler
	// still ran (entries of ChangeMessageVisibilityBatch calls). Released
	// counts requests released to other servers by a shutdown that
	// outlasted Options.ShutdownTimeout.
	Extensions, Released int64
	// ReceiveErrors counts failed receives of requests (each retried, unless
	// retrying cannot help and Serve returned); LastReceive is the time of
	// the last successful one (zero if none): a health check can compare it
	// with the long-poll wait.
	ReceiveErrors int64
	LastReceive   time.Time
	// Surges counts surge receivers Serve started because a receive came
	// back full (see Options.MaxReceivers).
	Surges int64
	// Sender is the statistics of the response sender.
	Sender batcher.SenderStats
}

// Stats returns a snapshot of the Responder's counters.
func (r *Responder) Stats() Stats {
	var last time.Time
	if ns := r.lastReceive.Load(); ns != 0 {
		last = time.Unix(0, ns)
	}
	return Stats{
		Calls:          r.calls.Calls(),
		Received:       r.received.Load(),
		Handled:        r.handled.Load(),
		HandlerErrors:  r.handlerErrors.Load(),
		Panics:         r.panics.Load(),
		InFlight:       r.inFlight.Load(),
		Expired:        r.expired.Load(),
		LateReplies:    r.late.Load(),
		Responses:      r.responses.Load(),
		ErrorReplies:   r.errorReplies.Load(),
		NoReply:        r.noReply.Load(),
		RefusedReplies: r.refused.Load(),
		StaleReplies:   r.stale.Load(),
		SendErrors:     r.sendErr.Load(),
		Extensions:     r.extended.Load(),
		Released:       r.released.Load(),
		ReceiveErrors:  r.receiveErrors.Load(),
		LastReceive:    last,
		Surges:         r.surges.Load(),
		Sender:         r.sender.Stats(),
	}
}
