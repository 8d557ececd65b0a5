package batcher

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/smithy-go"
	"pgregory.net/rapid"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// TestSenderProperties: for any set of concurrent senders over a few
// queues, with random per-entry failures, whole-call failures, cancelled
// callers and batch limits, every caller gets exactly its own message's
// result, every message is sent at most once (exactly once unless its caller
// withdrew it), and no call exceeds the batch limits.
func TestSenderProperties(t *testing.T) {
	batchRuns.Store(0)
	rapid.Check(t, func(t *rapid.T) {
		maxBatch := rapid.IntRange(1, 10).Draw(t, "maxBatch")
		maxBytes := rapid.IntRange(20, 400).Draw(t, "maxBytes")
		nQueues := rapid.IntRange(1, 3).Draw(t, "queues")
		n := rapid.IntRange(1, 40).Draw(t, "senders")

		type msg struct {
			body   string
			url    string
			fault  string // "" ok, else per-entry code
			poison bool   // fails the whole call it is in
			cancel bool   // the caller's ctx is cancelled at some point
		}
		msgs := make([]msg, n)
		fates := map[string]msg{}
		for i := range msgs {
			size := rapid.IntRange(1, 60).Draw(t, "size")
			m := msg{
				body:   fmt.Sprintf("%d:%s", i, strings.Repeat("x", size)),
				url:    fmt.Sprintf("%s%d", qURL, rapid.IntRange(0, nQueues-1).Draw(t, "queue")),
				fault:  rapid.SampledFrom([]string{"", "", "", "RequestThrottled", "InvalidMessageContents"}).Draw(t, "fault"),
				poison: rapid.IntRange(0, 15).Draw(t, "poison") == 0,
				cancel: rapid.IntRange(0, 7).Draw(t, "cancel") == 0,
			}
			msgs[i] = m
			fates[m.body] = m
		}
		errPoison := &smithy.GenericAPIError{Code: "InternalError", Message: "poisoned", Fault: smithy.FaultServer}
		yields := rapid.IntRange(0, 5).Draw(t, "yields")
		api := &fakeAPI{
			before: func(ctx context.Context, c fakeCall) error {
				for range yields {
					runtime.Gosched()
				}
				for _, k := range c.keys {
					if fates[k].poison {
						return errPoison
					}
				}
				return nil
			},
			entry: func(op, body string) (entryFault, bool) {
				if f := fates[body].fault; f != "" {
					return entryFault{code: f, senderFault: f != "RequestThrottled"}, true
				}
				return entryFault{}, false
			},
		}
		s := NewSender(api, func(o *SenderOptions) { o.MaxBatch = maxBatch; o.MaxBatchBytes = maxBytes })

		type result struct {
			id  string
			err error
		}
		results := make([]result, n)
		var wg sync.WaitGroup
		for i, m := range msgs {
			wg.Go(func() {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if m.cancel {
					go cancel()
				}
				out, err := s.SendMessage(ctx, sendIn(m.url, m.body))
				if err == nil {
					results[i].id = aws(out.MessageId)
				}
				results[i].err = err
			})
		}
		wg.Wait()
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}

		if st := s.Stats(); st.Batches > 0 {
			batchRuns.Add(1)
		}
		// Where each message went.
		sentIn := map[string][]fakeCall{}
		for _, c := range api.log() {
			if len(c.keys) > maxBatch {
				t.Fatalf("call with %d entries > MaxBatch %d", len(c.keys), maxBatch)
			}
			if len(c.keys) > 1 && c.size > maxBytes {
				t.Fatalf("batch of %d bytes > %d", c.size, maxBytes)
			}
			if c.op == "SendMessageBatch" && len(c.keys) < 2 {
				t.Fatalf("batch of one: %v", joinKeys(c))
			}
			for _, k := range c.keys {
				if !strings.HasPrefix(c.url, qURL) || fates[k].url != c.url {
					t.Fatalf("%s sent to %s", k, c.url)
				}
				sentIn[k] = append(sentIn[k], c)
			}
		}
		for i, m := range msgs {
			r := results[i]
			calls := sentIn[m.body]
			// Poisoned batches of valid-looking errors are not retried, so
			// a message is in at most one call.
			if len(calls) > 1 {
				t.Fatalf("%s sent %d times", m.body, len(calls))
			}
			if len(calls) == 0 {
				if !m.cancel || !errors.Is(r.err, context.Canceled) || !strings.Contains(r.err.Error(), "not sent") {
					t.Fatalf("%s never sent; err = %v", m.body, r.err)
				}
				continue
			}
			if errors.Is(r.err, context.Canceled) {
				if !m.cancel || strings.Contains(r.err.Error(), "not sent") && !strings.Contains(r.err.Error(), "may or may not") {
					t.Fatalf("%s was sent but its caller was told %v", m.body, r.err)
				}
				continue
			}
			poisoned := false
			for _, k := range calls[0].keys {
				poisoned = poisoned || fates[k].poison
			}
			switch {
			case poisoned:
				if !errors.Is(r.err, errPoison) {
					t.Fatalf("%s in a failed call: err = %v", m.body, r.err)
				}
			case m.fault != "":
				var ee *EntryError
				if !errors.As(r.err, &ee) || ee.Code != m.fault || sqsapi.ErrorCode(r.err) != m.fault {
					t.Fatalf("%s: err = %v, want code %s", m.body, r.err, m.fault)
				}
			default:
				if r.err != nil || r.id != "id-"+m.body {
					t.Fatalf("%s: got id %q err %v", m.body, r.id, r.err)
				}
			}
		}
	})
	t.Logf("%d runs sent batches", batchRuns.Load())
}

var batchRuns atomic.Int64 // runs in which some batch was sent, to see that batching is exercised
