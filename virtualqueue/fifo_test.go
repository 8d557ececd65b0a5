package virtualqueue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// fifoEnv is a client over sqstest with one FIFO host queue.
func fifoEnv(t *testing.T, hostAttrs map[string]string) (*Client, string) {
	t.Helper()
	attrs := map[string]string{"FifoQueue": "true"}
	maps.Copy(attrs, hostAttrs)
	e := newHostEnv(t, "host.fifo", attrs, nil, nil)
	return e.vq, e.host
}

func sendFIFO(t *testing.T, vq *Client, url, body, group string, dedup *string) *sqs.SendMessageOutput {
	t.Helper()
	out, err := vq.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body),
		MessageGroupId: aws.String(group), MessageDeduplicationId: dedup})
	if err != nil {
		t.Fatalf("SendMessage to %s: %v", url, err)
	}
	return out
}

// Issue 11 item 1: the same body sent to two virtual queues of a FIFO host
// with content-based deduplication reaches both; the deduplication ID
// received is the one SQS reports for content-based deduplication (the
// SHA-256 of the body).
func TestFIFOContentDeduplicationPerQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		vq, host := fifoEnv(t, map[string]string{"ContentBasedDeduplication": "true"})
		a, b := createOn(t, vq, host, "a.fifo"), createOn(t, vq, host, "b.fifo")
		ida := sendFIFO(t, vq, a, "same body", "g", nil).MessageId
		idb := sendFIFO(t, vq, b, "same body", "g", nil).MessageId
		if aws.ToString(ida) == aws.ToString(idb) {
			t.Errorf("the send to b was deduplicated against a's: both got MessageId %s", aws.ToString(ida))
		}
		sum := sha256.Sum256([]byte("same body"))
		for _, u := range []string{a, b} {
			msgs := receiveFrom(t, vq, u, 10, 20)
			if len(msgs) != 1 {
				t.Fatalf("%s received %d messages, want the one sent to it", u, len(msgs))
			}
			m := msgs[0]
			if g, d := m.Attributes["MessageGroupId"], m.Attributes["MessageDeduplicationId"]; g != "g" || d != hex.EncodeToString(sum[:]) {
				t.Errorf("%s: MessageGroupId %q, MessageDeduplicationId %q; want the user's group and the body's SHA-256", u, g, d)
			}
		}
		// Within one virtual queue, deduplication still holds.
		sendFIFO(t, vq, a, "same body", "g", nil)
		if msgs := receiveFrom(t, vq, a, 10, 1); len(msgs) != 0 {
			t.Errorf("a duplicate within queue a was delivered: %q", aws.ToString(msgs[0].Body))
		}
	})
}

// Issue 11 item 1: an unread message of group g on queue a does not hold
// back group g on queue b.
func TestFIFOGroupsPerQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		vq, host := fifoEnv(t, map[string]string{"VisibilityTimeout": "600"})
		a, b := createOn(t, vq, host, "a.fifo"), createOn(t, vq, host, "b.fifo")
		sendFIFO(t, vq, a, "for a", "g", aws.String("1"))
		sendFIFO(t, vq, b, "for b", "g", aws.String("1"))
		msgs := receiveFrom(t, vq, b, 1, 20)
		if len(msgs) != 1 || aws.ToString(msgs[0].Body) != "for b" {
			t.Fatalf("b received %d messages in 20 s while a's group-g message was unread; want %q", len(msgs), "for b")
		}
		if g, d := msgs[0].Attributes["MessageGroupId"], msgs[0].Attributes["MessageDeduplicationId"]; g != "g" || d != "1" {
			t.Errorf("MessageGroupId %q, MessageDeduplicationId %q; want the user's g and 1", g, d)
		}
	})
}

// Issue 11 item 1: group and deduplication IDs of any valid length come back
// as sent, also when the queue name and the ID together exceed SQS's 128
// characters (the host then carries a hash, and the ID travels in a message
// attribute, which leaves 8 for the user).
func TestFIFOLongIDsRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		vq, host := fifoEnv(t, nil)
		name := strings.Repeat("n", 75) + ".fifo"
		q := createOn(t, vq, host, name)
		group := strings.Repeat("G", 128)
		dedup := "!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" + strings.Repeat("d", 97)
		attrs := map[string]types.MessageAttributeValue{}
		for i := range 8 {
			attrs["a"+string(rune('0'+i))] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
		}
		if _, err := vq.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x"),
			MessageGroupId: aws.String(group), MessageDeduplicationId: aws.String(dedup), MessageAttributes: attrs}); err != nil {
			t.Fatal(err)
		}
		msgs := receiveFrom(t, vq, q, 1, 20)
		if len(msgs) != 1 {
			t.Fatal("no message")
		}
		m := msgs[0]
		if m.Attributes["MessageGroupId"] != group || m.Attributes["MessageDeduplicationId"] != dedup {
			t.Errorf("got group %q dedup %q", m.Attributes["MessageGroupId"], m.Attributes["MessageDeduplicationId"])
		}
		if len(m.MessageAttributes) != 9 { // the user's 8 and the queue name
			t.Errorf("message attributes %v, want the 8 sent and the queue name", m.MessageAttributes)
		}
	})
}

// A batch to a FIFO virtual queue is scoped like a single send: same bodies
// in two queues, and the same group in both, all delivered, in order per
// queue.
func TestFIFOBatchPerQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		vq, host := fifoEnv(t, map[string]string{"ContentBasedDeduplication": "true"})
		a, b := createOn(t, vq, host, "a.fifo"), createOn(t, vq, host, "b.fifo")
		for _, u := range []string{a, b} {
			var entries []types.SendMessageBatchRequestEntry
			for i := range 3 {
				entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
					MessageBody: aws.String("body " + strconv.Itoa(i)), MessageGroupId: aws.String("g")})
			}
			out, err := vq.SendMessageBatch(context.Background(), &sqs.SendMessageBatchInput{QueueUrl: aws.String(u), Entries: entries})
			if err != nil || len(out.Successful) != 3 {
				t.Fatalf("batch to %s: %v %+v", u, err, out)
			}
		}
		for _, u := range []string{a, b} {
			for i := range 3 {
				msgs := receiveFrom(t, vq, u, 1, 20)
				if len(msgs) != 1 || aws.ToString(msgs[0].Body) != "body "+strconv.Itoa(i) || msgs[0].Attributes["MessageGroupId"] != "g" {
					t.Fatalf("%s: receive %d: %+v", u, i, msgs)
				}
				deleteFrom(t, vq, u, msgs[0])
			}
		}
	})
}

// Bad FIFO IDs are refused before any SQS call, as SQS would refuse them
// (scoping or hashing them must not make them acceptable), and so is a
// ninth attribute beside IDs that travel in an attribute.
func TestFIFOSendValidation(t *testing.T) {
	e := newHostEnv(t, "host.fifo", map[string]string{"FifoQueue": "true"}, nil, nil)
	srv, vq := e.srv, e.vq
	srv.ResetCallCounts()
	q := URL(e.host, "q.fifo")
	nine := map[string]types.MessageAttributeValue{}
	for i := range 9 {
		nine["a"+strconv.Itoa(i)] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
	}
	tests := []struct {
		name         string
		group, dedup *string
		attrs        map[string]types.MessageAttributeValue
		want         string
	}{
		{"empty group", aws.String(""), nil, nil, "MessageGroupId"},
		{"group too long", aws.String(strings.Repeat("g", 129)), nil, nil, "MessageGroupId"},
		{"space in group", aws.String("a b"), nil, nil, "MessageGroupId"},
		{"dedup too long", aws.String("g"), aws.String(strings.Repeat("d", 129)), nil, "MessageDeduplicationId"},
		{"non-ASCII dedup", aws.String("g"), aws.String("é"), nil, "MessageDeduplicationId"},
		{"nine attributes and a long group", aws.String(strings.Repeat("g", 128)), aws.String("d"), nine, "at most 8"},
		{"reserved attribute", aws.String("g"), nil, map[string]types.MessageAttributeValue{fifoIDsAttribute: {DataType: aws.String("String"), StringValue: aws.String("x")}}, fifoIDsAttribute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := vq.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x"),
				MessageGroupId: tt.group, MessageDeduplicationId: tt.dedup, MessageAttributes: tt.attrs})
			if !isInvalid(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("%v; want an InvalidParameterError about %s", err, tt.want)
			}
		})
	}
	// Nine attributes fit beside IDs that fit beside the queue name.
	if _, err := vq.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x"),
		MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d"), MessageAttributes: nine}); err != nil {
		t.Fatal(err)
	}
	if c := srv.CallCounts(); c["SendMessage"] != 1 {
		t.Fatalf("calls %v, want only the valid send", c)
	}
}

// TestFIFOSendWithoutDeduplicationID: a send without a
// MessageDeduplicationId to a virtual queue on a FIFO host is refused, as
// SQS refuses it, when the host has no ContentBasedDeduplication (it would
// otherwise be deduplicated by content, and a second message with the same
// body silently never delivered); on a host with it, both messages of
// different bodies arrive and the same body is deduplicated, as SQS does.
func TestFIFOSendWithoutDeduplicationID(t *testing.T) {
	t.Run("no content-based deduplication", func(t *testing.T) {
		e := newHostEnv(t, "host.fifo", map[string]string{"FifoQueue": "true"}, nil, nil)
		q := URL(e.host, "q.fifo")
		e.srv.ResetCallCounts()
		_, err := e.vq.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x"),
			MessageGroupId: aws.String("g")})
		if !isInvalid(err) || !strings.Contains(err.Error(), "MessageDeduplicationId") {
			t.Errorf("SendMessage: %v; want an InvalidParameterError about MessageDeduplicationId", err)
		}
		_, err = e.vq.SendMessageBatch(context.Background(), &sqs.SendMessageBatchInput{QueueUrl: aws.String(q), Entries: []types.SendMessageBatchRequestEntry{
			{Id: aws.String("with"), MessageBody: aws.String("x"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d")},
			{Id: aws.String("without"), MessageBody: aws.String("x"), MessageGroupId: aws.String("g")},
		}})
		if !isInvalid(err) || !strings.Contains(err.Error(), `entry "without"`) {
			t.Errorf("SendMessageBatch: %v; want an InvalidParameterError naming entry without", err)
		}
		if c := e.srv.CallCounts(); c["SendMessage"]+c["SendMessageBatch"] != 0 {
			t.Errorf("calls %v, want no send", c)
		}
	})
	t.Run("content-based deduplication", func(t *testing.T) {
		e := newHostEnv(t, "host.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}, nil, nil)
		q := createOn(t, e.vq, e.host, "q.fifo")
		for _, body := range []string{"a", "b", "a"} {
			if _, err := e.vq.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String(body),
				MessageGroupId: aws.String("g")}); err != nil {
				t.Fatalf("send %s: %v", body, err)
			}
		}
		if c := e.srv.CallCounts(); c["SendMessage"] != 3 || c["GetQueueAttributes"] != 1 {
			t.Errorf("calls %v, want 3 sends and 1 read of the host", c)
		}
		var got []string
		for len(got) < 2 {
			m := receiveWithin(t, e.vq, q, 10)
			got = append(got, aws.ToString(m.Body))
			deleteFrom(t, e.vq, q, m)
		}
		if more := receiveFrom(t, e.vq, q, 10, 1); len(got) != 2 || got[0] != "a" || got[1] != "b" || len(more) != 0 {
			t.Errorf("received %v then %d more, want [a b] and no more (the second a deduplicated)", got, len(more))
		}
	})
}

// ToHost, which a responder uses with no client, scopes FIFO IDs the same
// way: what it puts on the wire is a function of the queue name and the ID.
func TestToHostFIFO(t *testing.T) {
	host := "https://sqs.us-east-1.amazonaws.com/000000000000/h.fifo"
	in := &sqs.SendMessageInput{QueueUrl: aws.String(URL(host, "r1.fifo")), MessageBody: aws.String("b"), MessageGroupId: aws.String("g")}
	out, ok, err := ToHost(in)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	sum := sha256.Sum256([]byte("b"))
	if aws.ToString(out.MessageGroupId) != "r1.fifo/g" || aws.ToString(out.MessageDeduplicationId) != "r1.fifo/"+hex.EncodeToString(sum[:]) {
		t.Errorf("on the wire: group %q dedup %q", aws.ToString(out.MessageGroupId), aws.ToString(out.MessageDeduplicationId))
	}
	if aws.ToString(in.MessageGroupId) != "g" || in.MessageDeduplicationId != nil {
		t.Error("ToHost modified its input")
	}
	// A standard host: IDs pass through unchanged.
	std := &sqs.SendMessageInput{QueueUrl: aws.String(URL("https://sqs.us-east-1.amazonaws.com/000000000000/h", "r1")),
		MessageBody: aws.String("b"), MessageGroupId: aws.String("g")}
	if out, _, _ := ToHost(std); aws.ToString(out.MessageGroupId) != "g" || out.MessageDeduplicationId != nil {
		t.Errorf("standard host: group %q dedup %v", aws.ToString(out.MessageGroupId), out.MessageDeduplicationId)
	}
}

// FuzzFIFOIDs: every valid ID comes back from its host form, within its
// queue only; host forms are valid SQS IDs and differ between queues.
func FuzzFIFOIDs(f *testing.F) {
	f.Add("a.fifo", "b.fifo", "g")
	f.Add(strings.Repeat("n", 75)+".fifo", "x.fifo", strings.Repeat("G", 128))
	f.Add("a.fifo", "a-b.fifo", "b.fifo/g")
	f.Fuzz(func(t *testing.T, n1, n2, id string) {
		if validateFIFOID("MessageGroupId", id) != nil || n1 == n2 {
			return
		}
		for _, n := range []string{n1, n2} {
			if sqsapi.ValidateQueueName(n, true) != nil {
				return
			}
		}
		h1, long1 := hostFIFOID(n1, id)
		h2, long2 := hostFIFOID(n2, id)
		if h1 == h2 {
			t.Fatalf("queues %q and %q share host ID %q", n1, n2, h1)
		}
		for _, h := range []string{h1, h2} {
			if err := validateFIFOID("MessageGroupId", h); err != nil {
				t.Fatalf("host ID %q invalid: %v", h, err)
			}
		}
		carried := func(long bool) string {
			if long {
				return id
			}
			return ""
		}
		if got := userFIFOID(n1, h1, carried(long1)); got != id {
			t.Fatalf("round trip on %q: %q, want %q", n1, got, id)
		}
		if got := userFIFOID(n2, h2, carried(long2)); got != id {
			t.Fatalf("round trip on %q: %q, want %q", n2, got, id)
		}
	})
}
