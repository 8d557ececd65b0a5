package requester

import (
	"github.com/sqstemp/sqstemp/internal/batcher"
	"github.com/sqstemp/sqstemp/tempqueue"
)

// Stats is a snapshot of a Requester's counters.
type Stats struct {
	// Calls counts the SQS calls made to the API given to New, by
	// operation: requests, the host poller, deletes, heartbeats, sweeps.
	Calls map[string]int64
	// Requests counts calls of SendMessageAndGetResponse that passed
	// validation; Responses, RemoteErrors (error replies), Timeouts (ctx
	// ended first) and Failures their outcomes; Pending those waiting now.
	Requests, Responses, RemoteErrors, Timeouts, Failures int64
	Pending                                               int64
	// LateResponses counts responses that arrived as their caller's ctx
	// ended, and were deleted.
	LateResponses int64
	// TraceContextSkipped counts requests sent without their trace context,
	// for want of room among their message attributes.
	TraceContextSkipped int64
	// VirtualQueues, Buffered and Orphans are those of the response queues'
	// virtual queue layer: VirtualQueues is the number of requests waiting.
	VirtualQueues int
	Buffered      int
	Orphans       int64
	// TempQueue, Sender and Acker are the statistics of the layers.
	TempQueue tempqueue.Stats
	Sender    batcher.SenderStats
	Acker     batcher.AckerStats
}

// Stats returns a snapshot of the Requester's counters.
func (r *Requester) Stats() Stats {
	ts := r.tq.Stats()
	return Stats{
		Calls:               r.calls.Calls(),
		Requests:            r.requests.Load(),
		Responses:           r.responses.Load(),
		RemoteErrors:        r.remoteErrors.Load(),
		Timeouts:            r.timeouts.Load(),
		Failures:            r.failures.Load(),
		Pending:             r.pending.Load(),
		LateResponses:       r.late.Load(),
		TraceContextSkipped: r.traceSkipped.Load(),
		VirtualQueues:       ts.VirtualQueues,
		Buffered:            ts.Buffered,
		Orphans:             ts.Orphans,
		TempQueue:           ts,
		Sender:              r.sender.Stats(),
		Acker:               r.acker.Stats(),
	}
}
