package virtualqueue

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// ErrClosed is returned (wrapped) by every call made after Close, and by
// receives that were waiting when Close was called.
var ErrClosed = errors.New("virtualqueue: client closed")

// ErrTooManyQueues is returned (wrapped) by CreateQueue when Options.MaxQueues
// virtual queues already exist.
var ErrTooManyQueues = errors.New("virtualqueue: too many virtual queues")

// OrphanAction says what to do with an orphan: a message received from a
// host queue that names no virtual queue known to this client.
type OrphanAction int

// Orphan actions.
const (
	// OrphanLeave leaves the message in flight on the host; SQS makes it
	// visible again after the host's visibility timeout.
	OrphanLeave OrphanAction = iota
	// OrphanDelete deletes the message from the host.
	OrphanDelete
	// OrphanRelease makes the message visible again on the host at once
	// (visibility timeout 0), for another consumer of a shared host.
	OrphanRelease
)

// String returns the action's name.
func (a OrphanAction) String() string {
	switch a {
	case OrphanLeave:
		return "OrphanLeave"
	case OrphanDelete:
		return "OrphanDelete"
	case OrphanRelease:
		return "OrphanRelease"
	}
	return "OrphanAction(" + strconv.Itoa(int(a)) + ")"
}

// OrphanHandler decides what happens to an orphan. It runs on the host
// queue's poller goroutine, so it must return quickly; ctx is cancelled when
// the client closes. hostQueueURL is the queue the message came from.
type OrphanHandler func(ctx context.Context, hostQueueURL string, m types.Message) OrphanAction

// Stats is a snapshot of a Client's counters.
type Stats struct {
	// Calls counts the SQS calls this client made to the API it wraps, by
	// operation name ("ReceiveMessage", ...), pass-through calls included.
	Calls map[string]int64

	VirtualQueues int   // virtual queues that exist now
	Hosts         int   // host queues with virtual queues or pollers now
	Pollers       int   // pollers running now, over all hosts
	Buffered      int   // messages buffered now, over all virtual queues
	BufferedBytes int64 // their bytes, counted against Options.MaxBufferedBytes
	Dispatched    int64 // messages from hosts buffered for a virtual queue
	Delivered     int64 // messages handed to consumers by ReceiveMessage
	Redeliveries  int64 // dispatched messages SQS had delivered before (ApproximateReceiveCount > 1)
	Duplicates    int64 // dispatched messages that replaced a buffered copy (same MessageId)
	Overflows     int64 // messages left on the host because a buffer or the byte budget was full
	BudgetPauses  int64 // times the pollers stopped receiving because the byte budget was used up
	Extended      int64 // visibility extensions of buffered messages (each keeps one message invisible longer)
	Stale         int64 // buffered messages dropped because the host refused to extend them (no longer ours in flight)
	Orphans       int64 // messages naming no virtual queue known here
	Released      int64 // buffered messages handed back to the host (visibility 0)
	Expired       int64 // virtual queues deleted by idle expiry
	PollErrors    int64 // failed host receives or host attribute reads (retried with backoff)
	EarlyEmpty    int64 // host long polls answered empty before half their wait (three in a row: back off)
	Surges        int64 // surge pollers started because a receive came back full
}

// URL returns the URL of the virtual queue name on the host queue
// hostQueueURL: "<hostQueueURL>#<name>".
func URL(hostQueueURL, name string) string { return hostQueueURL + "#" + name }

// ParseURL splits a virtual queue URL "<host>#<name>". ok is false unless u
// has exactly one '#', the host part is an http(s) URL and the name is a valid
// SQS queue name (ending in ".fifo" for a FIFO virtual queue).
func ParseURL(u string) (hostQueueURL, name string, ok bool) {
	i := strings.IndexByte(u, '#')
	if i < 0 {
		return "", "", false
	}
	host, name := u[:i], u[i+1:]
	if !strings.HasPrefix(host, "https://") && !strings.HasPrefix(host, "http://") {
		return "", "", false
	}
	if rest := host[strings.Index(host, "://")+3:]; rest == "" || rest[0] == '/' {
		return "", "", false
	}
	if sqsapi.ValidateQueueName(name, sqsapi.IsFIFOQueueName(name)) != nil {
		return "", "", false
	}
	return host, name, true
}
