package sqstest_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"pgregory.net/rapid"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqstest"
)

// modelMsg is what the model knows of one message of a standard queue.
type modelMsg struct {
	visibleAt time.Time
	received  int
	handle    string // newest receipt handle
	deleted   bool
}

// TestStandardQueueModel checks a standard queue against a simple model
// under random sends, receives, deletes, visibility changes and clock
// advances: a receive returns exactly the visible messages (up to its
// maximum), never one in flight or deleted; counts match; nothing is lost.
func TestStandardQueueModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		s := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
		defer s.Close()
		out, err := s.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
		if err != nil {
			rt.Fatal(err)
		}
		url := out.QueueUrl
		model := map[string]*modelMsg{} // by body
		var handles []string            // every handle ever returned
		byHandle := map[string]string{} // handle -> body
		n := 0

		rt.Repeat(map[string]func(*rapid.T){
			"send": func(rt *rapid.T) {
				body := strconv.Itoa(n)
				n++
				delay := rapid.SampledFrom([]int32{0, 0, 0, 5}).Draw(rt, "delay")
				if _, err := s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(body), DelaySeconds: delay}); err != nil {
					rt.Fatal(err)
				}
				model[body] = &modelMsg{visibleAt: clk.Now().Add(time.Duration(delay) * time.Second)}
			},
			"receive": func(rt *rapid.T) {
				max := rapid.Int32Range(1, 10).Draw(rt, "max")
				vt := rapid.Int32Range(1, 20).Draw(rt, "vt")
				now := clk.Now()
				visible := 0
				for _, m := range model {
					if !m.deleted && !m.visibleAt.After(now) {
						visible++
					}
				}
				got, err := s.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: max, VisibilityTimeout: vt,
					MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}})
				if err != nil {
					rt.Fatal(err)
				}
				if want := min(int(max), visible); len(got.Messages) != want {
					rt.Fatalf("received %d messages, want %d (visible %d, max %d)", len(got.Messages), want, visible, max)
				}
				for _, msg := range got.Messages {
					m := model[*msg.Body]
					if m == nil || m.deleted || m.visibleAt.After(now) {
						rt.Fatalf("received message %s which is not visible: %+v", *msg.Body, m)
					}
					m.received++
					m.visibleAt = now.Add(time.Duration(vt) * time.Second)
					m.handle = *msg.ReceiptHandle
					if msg.Attributes["ApproximateReceiveCount"] != strconv.Itoa(m.received) {
						rt.Fatalf("ApproximateReceiveCount %s, model %d", msg.Attributes["ApproximateReceiveCount"], m.received)
					}
					handles = append(handles, m.handle)
					byHandle[m.handle] = *msg.Body
				}
			},
			"delete": func(rt *rapid.T) {
				if len(handles) == 0 {
					rt.Skip("no handles")
				}
				h := rapid.SampledFrom(handles).Draw(rt, "handle")
				if _, err := s.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: aws.String(h)}); err != nil {
					rt.Fatalf("DeleteMessage: %v", err)
				}
				if m := model[byHandle[h]]; m.handle == h { // only the newest handle deletes
					m.deleted = true
				}
			},
			"changeVisibility": func(rt *rapid.T) {
				if len(handles) == 0 {
					rt.Skip("no handles")
				}
				h := rapid.SampledFrom(handles).Draw(rt, "handle")
				vt := rapid.Int32Range(0, 20).Draw(rt, "vt")
				m := model[byHandle[h]]
				_, err := s.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: url, ReceiptHandle: aws.String(h), VisibilityTimeout: vt})
				now := clk.Now()
				switch {
				case m.deleted || m.handle != h:
					if err == nil {
						rt.Fatalf("ChangeMessageVisibility with a stale or deleted handle succeeded")
					}
				case err != nil:
					rt.Fatalf("ChangeMessageVisibility: %v", err)
				case m.visibleAt.After(now): // in flight: changed; otherwise no effect
					m.visibleAt = now.Add(time.Duration(vt) * time.Second)
				}
			},
			"advance": func(rt *rapid.T) {
				clk.Advance(time.Duration(rapid.IntRange(1, 15).Draw(rt, "seconds")) * time.Second)
			},
			"": func(rt *rapid.T) {
				now := clk.Now()
				var visible, inFlight, delayed int
				for _, m := range model {
					switch {
					case m.deleted:
					case !m.visibleAt.After(now):
						visible++
					case m.received > 0:
						inFlight++
					default:
						delayed++
					}
				}
				a, err := s.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url, AttributeNames: []types.QueueAttributeName{"All"}})
				if err != nil {
					rt.Fatal(err)
				}
				got := [3]string{a.Attributes["ApproximateNumberOfMessages"], a.Attributes["ApproximateNumberOfMessagesNotVisible"], a.Attributes["ApproximateNumberOfMessagesDelayed"]}
				want := [3]string{strconv.Itoa(visible), strconv.Itoa(inFlight), strconv.Itoa(delayed)}
				if got != want {
					rt.Fatalf("counts (visible, in flight, delayed) = %v, model %v", got, want)
				}
			},
		})
	})
}
