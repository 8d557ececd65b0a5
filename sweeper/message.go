package sweeper

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// The work queue carries plain JSON messages of our own format, versioned so
// that fleets can be upgraded one host at a time:
//
//	{"v":1,"kind":"sweep","period":29666666}
//	{"v":1,"kind":"check","queueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/__RequesterClientQueues__x","period":29666666}
//
// "sweep" (the seed) asks the client that receives it to list the queues with
// the prefix and fan out one "check" per queue; "period" is the sweep period
// number (Unix time divided by the sweep period) and only informs logs and
// deduplication. Unknown fields are ignored; unknown versions and kinds,
// malformed bodies and trailing data are refused (the message is deleted and
// logged by the Sweeper, never retried).
const workMessageVersion = 1

// Kinds of work message.
const (
	kindSweep = "sweep"
	kindCheck = "check"
)

// maxWorkMessageSize bounds the body we are willing to parse; ours are far
// smaller.
const maxWorkMessageSize = 8 << 10

// workMessage is one message on the work queue.
type workMessage struct {
	V        int    `json:"v"`
	Kind     string `json:"kind"`
	Period   int64  `json:"period,omitempty"`
	QueueURL string `json:"queueUrl,omitempty"`
}

// errBadWorkMessage is wrapped by every parse error.
var errBadWorkMessage = errors.New("sweeper: bad work message")

// encode returns m's JSON body.
func (m workMessage) encode() string {
	b, err := json.Marshal(m)
	if err != nil { // cannot happen: plain strings and integers
		panic(err)
	}
	return string(b)
}

// parseWorkMessage parses and validates a work message body. It never
// panics, whatever the input.
func parseWorkMessage(body string) (workMessage, error) {
	bad := func(format string, args ...any) (workMessage, error) {
		return workMessage{}, fmt.Errorf("%w: %s", errBadWorkMessage, fmt.Sprintf(format, args...))
	}
	if len(body) > maxWorkMessageSize {
		return bad("%d bytes, more than %d", len(body), maxWorkMessageSize)
	}
	var raw struct {
		V        *json.Number `json:"v"`
		Kind     *string      `json:"kind"`
		Period   *json.Number `json:"period"`
		QueueURL *string      `json:"queueUrl"`
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return bad("not a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("trailing data after the JSON object")
	}
	if raw.V == nil {
		return bad(`no version ("v")`)
	}
	v, err := strconv.Atoi(raw.V.String())
	if err != nil || v != workMessageVersion {
		return bad("unsupported version %q", raw.V.String())
	}
	m := workMessage{V: v}
	if raw.Kind == nil {
		return bad(`no "kind"`)
	}
	m.Kind = *raw.Kind
	if raw.Period != nil {
		p, err := strconv.ParseInt(raw.Period.String(), 10, 64)
		if err != nil || p < 0 {
			return bad("bad period %q", raw.Period.String())
		}
		m.Period = p
	}
	switch m.Kind {
	case kindSweep:
		if raw.Period == nil {
			return bad("sweep without a period")
		}
	case kindCheck:
		if raw.QueueURL == nil || *raw.QueueURL == "" {
			return bad("check without a queueUrl")
		}
		m.QueueURL = *raw.QueueURL
	default:
		return bad("unknown kind %q", m.Kind)
	}
	return m, nil
}
