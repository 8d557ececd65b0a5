package virtualqueue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"testing/synctest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// TestQueueNamesAreCaseSensitive: virtual queue names are case-sensitive,
// as SQS queue names are: "Reply" and "reply" on one host are two queues,
// each receiving only what was sent to it, and deleting one leaves the
// other.
func TestQueueNamesAreCaseSensitive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newHostEnv(t, "host", nil, nil, nil)
		upper, lower := createOn(t, e.vq, e.host, "Reply"), createOn(t, e.vq, e.host, "reply")
		if upper == lower {
			t.Fatalf("Reply and reply have one URL %s", upper)
		}
		if n := e.vq.Stats().VirtualQueues; n != 2 {
			t.Fatalf("%d virtual queues after creating Reply and reply, want 2", n)
		}
		sendTo(t, e.vq, upper, "for Reply")
		sendTo(t, e.vq, lower, "for reply")
		for _, q := range []struct{ url, name string }{{upper, "Reply"}, {lower, "reply"}} {
			msgs := receiveFrom(t, e.vq, q.url, 10, 20)
			if len(msgs) != 1 || aws.ToString(msgs[0].Body) != "for "+q.name {
				t.Fatalf("%s received %s, want only %q", q.name, bodiesOf(msgs), "for "+q.name)
			}
			if got := aws.ToString(msgs[0].MessageAttributes[sqsapi.VirtualQueueNameAttribute].StringValue); got != q.name {
				t.Errorf("%s: name attribute %q", q.name, got)
			}
			deleteFrom(t, e.vq, q.url, msgs[0])
		}

		if _, err := e.vq.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(upper)}); err != nil {
			t.Fatal(err)
		}
		_, err := e.vq.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(upper)})
		if !sqsapi.IsQueueDoesNotExist(err) {
			t.Fatalf("receive from the deleted Reply: %v, want QueueDoesNotExist", err)
		}
		sendTo(t, e.vq, lower, "still here")
		if msgs := receiveFrom(t, e.vq, lower, 10, 20); len(msgs) != 1 || aws.ToString(msgs[0].Body) != "still here" {
			t.Fatalf("reply after deleting Reply received %s, want %q", bodiesOf(msgs), "still here")
		}
		if s := e.vq.Stats(); s.VirtualQueues != 1 || s.Orphans != 0 {
			t.Errorf("stats %+v: want reply left, no orphans", s)
		}
	})
}

// TestFIFOScopesAreCaseSensitive: on a FIFO host, names that differ only in
// case have scopes of their own: the same body in the same group reaches
// both "Reply.fifo" and "reply.fifo" (content-based deduplication is per
// queue), a group-g message in flight on one does not hold back group g on
// the other, and the user's IDs come back unchanged on each.
func TestFIFOScopesAreCaseSensitive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		vq, host := fifoEnv(t, map[string]string{"ContentBasedDeduplication": "true", "VisibilityTimeout": "600"})
		upper, lower := createOn(t, vq, host, "Reply.fifo"), createOn(t, vq, host, "reply.fifo")
		sum := sha256.Sum256([]byte("same body"))
		receiveOwn := func(url, name string) {
			t.Helper()
			msgs := receiveFrom(t, vq, url, 10, 20)
			if len(msgs) != 1 || aws.ToString(msgs[0].Body) != "same body" {
				t.Fatalf("%s received %s in 20 s, want the one message sent to it", name, bodiesOf(msgs))
			}
			if g, d := msgs[0].Attributes["MessageGroupId"], msgs[0].Attributes["MessageDeduplicationId"]; g != "g" || d != hex.EncodeToString(sum[:]) {
				t.Errorf("%s: MessageGroupId %q, MessageDeduplicationId %q; want the user's group and the body's SHA-256", name, g, d)
			}
		}
		idUpper := sendFIFO(t, vq, upper, "same body", "g", nil).MessageId
		receiveOwn(upper, "Reply.fifo") // not deleted: in flight on the host for 600 s
		idLower := sendFIFO(t, vq, lower, "same body", "g", nil).MessageId
		if aws.ToString(idUpper) == aws.ToString(idLower) {
			t.Fatalf("the send to reply.fifo was deduplicated against Reply.fifo's: both got MessageId %s", aws.ToString(idUpper))
		}
		receiveOwn(lower, "reply.fifo")
	})
}
