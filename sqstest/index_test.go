package sqstest_test

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"pgregory.net/rapid"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqstest"
)

// TestListQueuesModel pages through ListQueues under random creations,
// deletions and re-creations: every page run returns exactly the live
// queues with the prefix, in name order, once each (the Server keeps a
// sorted index of names; this checks it against a plain set).
func TestListQueuesModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		s := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
		defer s.Close()
		live := map[string]bool{}
		name := func(rt *rapid.T) string {
			return rapid.SampledFrom([]string{"a", "ab", "b"}).Draw(rt, "p") + strconv.Itoa(rapid.IntRange(0, 30).Draw(rt, "n"))
		}
		rt.Repeat(map[string]func(*rapid.T){
			"create": func(rt *rapid.T) {
				n := name(rt)
				if _, err := s.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(n)}); err == nil {
					live[n] = true
				}
			},
			"delete": func(rt *rapid.T) {
				n := name(rt)
				if live[n] {
					if _, err := s.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String("https://sqs.us-east-1.amazonaws.com/000000000000/" + n)}); err != nil {
						rt.Fatal(err)
					}
					delete(live, n)
				}
			},
			"advance": func(rt *rapid.T) { clk.Advance(61 * time.Second) }, // deleted names may be reused
			"list": func(rt *rapid.T) {
				prefix := rapid.SampledFrom([]string{"", "a", "ab", "b", "c"}).Draw(rt, "prefix")
				size := int32(rapid.IntRange(1, 7).Draw(rt, "size"))
				var got []string
				var token *string
				for pages := 0; ; pages++ {
					out, err := s.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: &prefix, MaxResults: &size, NextToken: token})
					if err != nil {
						rt.Fatal(err)
					}
					if len(out.QueueUrls) > int(size) || pages > 100 {
						rt.Fatalf("page of %d URLs for MaxResults %d (page %d)", len(out.QueueUrls), size, pages)
					}
					for _, u := range out.QueueUrls {
						got = append(got, u[strings.LastIndexByte(u, '/')+1:])
					}
					if out.NextToken == nil {
						break
					}
					token = out.NextToken
				}
				var want []string
				for n := range live {
					if strings.HasPrefix(n, prefix) {
						want = append(want, n)
					}
				}
				sort.Strings(want)
				if !slices.Equal(got, want) {
					rt.Fatalf("ListQueues(%q, pages of %d) = %v, want %v", prefix, size, got, want)
				}
			},
		})
	})
}

// TestFIFOReceiveModel sends to random message groups of a FIFO queue and
// receives, deletes and lets visibility timeouts expire at random. A receive
// returns, in each group, the oldest messages in order and nothing from a
// group with a message in flight; it returns fewer than asked only when no
// other message is available; and nothing is lost. (The Server visits groups
// through a heap ordered by their first message; this checks it against a
// plain model of every group.)
func TestFIFOReceiveModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		s := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
		defer s.Close()
		out, err := s.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q.fifo"), Attributes: map[string]string{"FifoQueue": "true"}})
		if err != nil {
			rt.Fatal(err)
		}
		url := out.QueueUrl
		type msg struct {
			body     string
			inFlight time.Time // visible again at; zero if never received
			handle   string
		}
		groups := map[string][]*msg{}
		n := 0
		rt.Repeat(map[string]func(*rapid.T){
			"send": func(rt *rapid.T) {
				g := "g" + strconv.Itoa(rapid.IntRange(0, 5).Draw(rt, "group"))
				body := strconv.Itoa(n)
				n++
				if _, err := s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: &body, MessageGroupId: &g, MessageDeduplicationId: &body}); err != nil {
					rt.Fatal(err)
				}
				groups[g] = append(groups[g], &msg{body: body})
			},
			"receive": func(rt *rapid.T) {
				max := rapid.Int32Range(1, 10).Draw(rt, "max")
				now := clk.Now()
				ready := 0
				for _, ms := range groups {
					blocked := slices.ContainsFunc(ms, func(m *msg) bool { return m.inFlight.After(now) })
					if !blocked {
						ready += len(ms)
					}
				}
				got, err := s.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: max, VisibilityTimeout: 10,
					MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameMessageGroupId}})
				if err != nil {
					rt.Fatal(err)
				}
				if want := min(int(max), ready); len(got.Messages) != want {
					rt.Fatalf("received %d of %d ready messages (max %d)", len(got.Messages), ready, max)
				}
				taken := map[string]int{} // group -> messages taken in this receive
				for _, m := range got.Messages {
					g := m.Attributes["MessageGroupId"]
					ms := groups[g]
					i := taken[g]
					if i >= len(ms) || ms[i].body != *m.Body {
						rt.Fatalf("received %s out of order in group %s", *m.Body, g)
					}
					if ms[i].inFlight.After(now) {
						rt.Fatalf("received %s from group %s with a message in flight", *m.Body, g)
					}
					ms[i].inFlight, ms[i].handle = now.Add(10*time.Second), *m.ReceiptHandle
					taken[g]++
				}
			},
			"delete": func(rt *rapid.T) {
				now := clk.Now()
				for g, ms := range groups {
					if len(ms) > 0 && ms[0].inFlight.After(now) && rapid.Bool().Draw(rt, "del "+g) {
						if _, err := s.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: &ms[0].handle}); err != nil {
							rt.Fatal(err)
						}
						groups[g] = ms[1:]
					}
				}
			},
			"advance": func(rt *rapid.T) {
				clk.Advance(time.Duration(rapid.IntRange(1, 12).Draw(rt, "s")) * time.Second)
			},
		})
		left := 0
		for _, ms := range groups {
			left += len(ms)
		}
		clk.Advance(time.Minute)
		got := 0
		for range 100 {
			out, err := s.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 10})
			if err != nil {
				rt.Fatal(err)
			}
			if len(out.Messages) == 0 {
				break
			}
			got += len(out.Messages)
			for _, m := range out.Messages {
				if _, err := s.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle}); err != nil {
					rt.Fatal(err)
				}
			}
		}
		if got != left {
			rt.Fatalf("drained %d messages, want the %d left", got, left)
		}
	})
}
