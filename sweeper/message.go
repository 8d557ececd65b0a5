package sweeper

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// workMessageVersion is the version of the work queue's messages: plain
// JSON of our own format, versioned so that fleets can be upgraded one host
// at a time:
//
//	{"v":1,"kind":"sweep","period":29666666}
//	{"v":1,"kind":"list","period":29666666,"token":"<NextToken>","page":2}
//	{"v":1,"kind":"check","queueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/__RequesterClientQueues__x","period":29666666,"at":1500}
//
// "sweep" (the seed) asks the Sweeper that receives it to start the sweep of
// period "period" (the sweep period number: Unix time divided by the sweep
// period): list the first page of queues with the prefix and fan out one
// "check" per queue. "list" continues a sweep: list page "page" (2 or more)
// from "token", the ListQueues NextToken that ended the page before. "check"
// asks for the deletion rule to be applied to one queue, "at" milliseconds
// after the start of the period (0 or absent: at once). Unknown
// fields are ignored; unknown versions and kinds, missing or malformed
// fields, bodies over 8 KiB, tokens over 2 KiB or with control characters,
// and trailing data are refused (the message is deleted and logged by the
// Sweeper, never retried).
const workMessageVersion = 1

// Kinds of work message.
const (
	kindSweep = "sweep"
	kindList  = "list"
	kindCheck = "check"
)

// Bounds of what we are willing to parse; ours are far smaller.
const (
	maxWorkMessageSize = 8 << 10
	maxListToken       = 2 << 10
	maxListPage        = 1_000_000 // a billion queues
)

// workMessage is one message on the work queue.
type workMessage struct {
	V        int    `json:"v"`
	Kind     string `json:"kind"`
	Period   int64  `json:"period,omitempty"`
	Token    string `json:"token,omitempty"`
	Page     int64  `json:"page,omitempty"`
	QueueURL string `json:"queueUrl,omitempty"`
	At       int64  `json:"at,omitempty"` // check: due this many ms after the period start
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
		V        json.RawMessage `json:"v"`
		Kind     *string         `json:"kind"`
		Period   json.RawMessage `json:"period"`
		Token    *string         `json:"token"`
		Page     json.RawMessage `json:"page"`
		QueueURL *string         `json:"queueUrl"`
		At       json.RawMessage `json:"at"`
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	if err := dec.Decode(&raw); err != nil {
		return bad("not a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("trailing data after the JSON object")
	}
	if raw.V == nil {
		return bad(`no version ("v")`)
	}
	v, ok := parseUint(raw.V)
	if !ok || v != workMessageVersion {
		return bad("unsupported version %.20q", raw.V)
	}
	m := workMessage{V: workMessageVersion}
	if raw.Kind == nil {
		return bad(`no "kind"`)
	}
	m.Kind = *raw.Kind
	if raw.Period != nil {
		p, ok := parseUint(raw.Period)
		if !ok {
			return bad("bad period %.30q", raw.Period)
		}
		m.Period = p
	}
	switch m.Kind {
	case kindSweep:
		if raw.Period == nil {
			return bad("sweep without a period")
		}
	case kindList:
		if raw.Period == nil {
			return bad("list without a period")
		}
		page, ok := parseUint(raw.Page)
		if !ok || page < 2 || page > maxListPage {
			return bad("list with a bad page %.30q (want 2 to %d)", raw.Page, maxListPage)
		}
		if raw.Token == nil || validListToken(*raw.Token) != nil {
			return bad("list with a bad token: %v", validListToken(deref(raw.Token)))
		}
		m.Page, m.Token = page, *raw.Token
	case kindCheck:
		if raw.QueueURL == nil || *raw.QueueURL == "" {
			return bad("check without a queueUrl")
		}
		m.QueueURL = *raw.QueueURL
		if raw.At != nil {
			at, ok := parseUint(raw.At)
			if !ok {
				return bad("check with a bad time %.30q", raw.At)
			}
			m.At = at
		}
	default:
		return bad("unknown kind %q", m.Kind)
	}
	return m, nil
}

// validListToken says why a ListQueues NextToken cannot travel in a list
// message, or nil: it must be 1 to maxListToken bytes without control
// characters (SQS's tokens are opaque base64).
func validListToken(t string) error {
	if t == "" || len(t) > maxListToken {
		return fmt.Errorf("%d bytes, want 1 to %d", len(t), maxListToken)
	}
	for _, r := range t {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return fmt.Errorf("control or invalid character %q", r)
		}
	}
	return nil
}

// parseUint parses a JSON number that is a plain non-negative integer (no
// sign, fraction, exponent or quotes) fitting an int64.
func parseUint(raw json.RawMessage) (int64, bool) {
	if len(raw) == 0 || len(raw) > 19 {
		return 0, false
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil
}
