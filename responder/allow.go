package responder

import (
	"fmt"
	"net"
	"strings"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// maxReplyURLLength bounds the reply URLs considered at all; real queue URLs
// are far shorter.
const maxReplyURLLength = 1024

// AllowFunc decides whether a response may be sent to reply, the queue that
// a request's ResponseQueueUrl names (for a virtual queue URL
// "<host>#<name>", its host queue). It is consulted only for values that are
// well-formed SQS queue URLs (see sqsapi.ParseQueueURL): anything else is
// refused before it.
type AllowFunc func(reply sqsapi.QueueURL) bool

// AllowAll allows every well-formed SQS queue URL.
func AllowAll(sqsapi.QueueURL) bool { return true }

// AllowPrefix allows queues whose name starts with prefix.
func AllowPrefix(prefix string) AllowFunc {
	return func(q sqsapi.QueueURL) bool { return strings.HasPrefix(q.Name, prefix) }
}

// ReplyURLRefusedError is returned when a request's ResponseQueueUrl is not
// a queue the responder may send to. Nothing is sent.
//
//	var refused *responder.ReplyURLRefusedError
//	if errors.As(err, &refused) { log.Print(refused.URL, refused.Reason) }
type ReplyURLRefusedError struct {
	URL    string // the ResponseQueueUrl, truncated to 256 bytes
	Reason string
}

// Error implements error.
func (e *ReplyURLRefusedError) Error() string {
	return fmt.Sprintf("responder: reply URL %q refused: %s", e.URL, e.Reason)
}

// replyTarget is where a response goes: the real queue, and the virtual
// queue name to add when the reply URL is a virtual queue URL.
type replyTarget struct {
	queue       sqsapi.QueueURL
	queueURL    string // the real queue's URL, as given
	virtualName string // "" for a plain queue URL
}

func refuse(raw, reason string) error {
	if len(raw) > 256 {
		raw = raw[:256]
	}
	return &ReplyURLRefusedError{URL: raw, Reason: reason}
}

// resolveReply parses a ResponseQueueUrl value and applies the allow rule.
// requestQueue is the queue the request came from, if known.
func (r *Responder) resolveReply(raw string, requestQueue *sqsapi.QueueURL) (replyTarget, error) {
	var t replyTarget
	if raw == "" {
		return t, refuse(raw, "empty")
	}
	if len(raw) > maxReplyURLLength {
		return t, refuse(raw, "longer than 1024 bytes")
	}
	hostURL := raw
	if strings.Contains(raw, "#") {
		h, name, ok := virtualqueue.ParseURL(raw)
		if !ok {
			return t, refuse(raw, "not a queue URL or a virtual queue URL <queue URL>#<name>")
		}
		hostURL, t.virtualName = h, name
	}
	q, err := sqsapi.ParseQueueURL(hostURL)
	if err != nil {
		return t, refuse(raw, "not an SQS queue URL")
	}
	// ParseQueueURL accepts a host in any case and normalises it; insist on
	// the canonical form, so that what is checked is what is sent.
	if q.String() != hostURL {
		return t, refuse(raw, "not in canonical form")
	}
	t.queue, t.queueURL = q, hostURL
	if r.opts.AllowReplyURL != nil {
		if !r.opts.AllowReplyURL(q) {
			return t, refuse(raw, "not allowed by Options.AllowReplyURL")
		}
		return t, nil
	}
	if !strings.HasPrefix(q.Name, r.opts.QueuePrefix) {
		return t, refuse(raw, fmt.Sprintf("queue name %q does not start with the prefix %q", q.Name, r.opts.QueuePrefix))
	}
	if requestQueue != nil {
		if !r.opts.AllowOtherAccounts && !sameEndpointAndAccount(q, *requestQueue) {
			return t, refuse(raw, "not in the account and region (endpoint) of the request queue "+requestQueue.String())
		}
		return t, nil
	}
	if q.Region() == "" && !isLoopback(q.Host) {
		return t, refuse(raw, fmt.Sprintf("host %q is neither an AWS SQS endpoint nor a loopback address", q.Host))
	}
	return t, nil
}

// sameEndpointAndAccount reports whether a and b are queues of one account
// on one SQS endpoint: the same AWS region, or the same host and port.
func sameEndpointAndAccount(a, b sqsapi.QueueURL) bool {
	if a.Account != b.Account || a.Scheme != b.Scheme {
		return false
	}
	ra, rb := a.Region(), b.Region()
	if ra != "" || rb != "" {
		return ra == rb // AWS SQS endpoints of one region, in any of their spellings
	}
	return a.Host == b.Host
}

// isLoopback reports whether hostport names the local machine, where a
// local SQS-compatible server (an emulator) runs.
func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
