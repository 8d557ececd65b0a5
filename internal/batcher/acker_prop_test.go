package batcher

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestAckerProperties: for any concurrent mix of Delete, ChangeVisibility and
// Flush over a few queues, with random entry fates (success, stale, final
// failure, throttled k times) and limits, every request has an outcome
// (carried out once, found stale, reported, or merged into another request),
// the counters add up, no batch exceeds MaxBatch or repeats a handle, and no
// call is made after Close returns.
func TestAckerProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		maxBatch := rapid.IntRange(1, 10).Draw(t, "maxBatch")
		maxAttempts := rapid.IntRange(1, 4).Draw(t, "maxAttempts")
		maxDelay := rapid.SampledFrom([]time.Duration{time.Microsecond, time.Millisecond, time.Hour}).Draw(t, "maxDelay")
		nWorkers := rapid.IntRange(1, 4).Draw(t, "workers")

		type op struct {
			kind   ackKind
			flush  bool
			url    string
			handle string
			vis    int32
		}
		type fate struct {
			code     string // "" succeeds
			throttle int    // fail with RequestThrottled this many times first
		}
		fates := map[string]*fate{}
		plans := make([][]op, nWorkers)
		for w := range plans {
			for range rapid.IntRange(0, 30).Draw(t, "ops") {
				if rapid.IntRange(0, 15).Draw(t, "flush?") == 0 {
					plans[w] = append(plans[w], op{flush: true})
					continue
				}
				q := rapid.IntRange(0, 2).Draw(t, "queue")
				h := fmt.Sprintf("q%d-h%d", q, rapid.IntRange(0, 40).Draw(t, "handle"))
				if fates[h] == nil {
					fates[h] = &fate{
						code:     rapid.SampledFrom([]string{"", "", "", "ReceiptHandleIsInvalid", "AccessDenied"}).Draw(t, "code"),
						throttle: rapid.SampledFrom([]int{0, 0, 1, 4}).Draw(t, "throttle"),
					}
				}
				o := op{url: fmt.Sprint(qURL, q), handle: h, kind: kindDelete}
				if rapid.Bool().Draw(t, "change?") {
					o.kind, o.vis = kindChange, int32(rapid.IntRange(0, 60).Draw(t, "vis"))
				}
				plans[w] = append(plans[w], o)
			}
		}

		var (
			mu        sync.Mutex
			succeeded = map[string]int{} // op+handle -> times carried out
			stale     = map[string]int{}
			reported  = map[string]int{}
			requested = map[string]int{}
			visAsked  = map[string][]int32{}
			throttled = map[string]int{}
			closed    atomic.Bool
			late      atomic.Int32
		)
		api := &fakeAPI{
			before: func(context.Context, fakeCall) error {
				if closed.Load() {
					late.Add(1)
				}
				return nil
			},
			entry: func(bop, h string) (entryFault, bool) {
				mu.Lock()
				defer mu.Unlock()
				f := fates[h]
				key := bop + " " + h
				if throttled[key] < f.throttle {
					throttled[key]++
					return entryFault{code: "RequestThrottled"}, true
				}
				switch f.code {
				case "":
					succeeded[key]++
					return entryFault{}, false
				case "ReceiptHandleIsInvalid":
					stale[key]++
				}
				return entryFault{code: f.code, senderFault: true}, true
			},
		}
		a := NewAcker(api, func(o *AckerOptions) {
			o.MaxBatch, o.MaxAttempts, o.MaxDelay, o.Backoff = maxBatch, maxAttempts, maxDelay, time.Microsecond
			o.OnError = func(e *AckError) {
				mu.Lock()
				reported[e.Op+"Batch "+e.ReceiptHandle]++
				mu.Unlock()
			}
		})
		var wg sync.WaitGroup
		for _, plan := range plans {
			wg.Go(func() {
				for _, o := range plan {
					switch {
					case o.flush:
						_ = a.Flush(context.Background())
					case o.kind == kindDelete:
						mu.Lock()
						requested[opDeleteMessageBatch+" "+o.handle]++
						mu.Unlock()
						a.Delete(o.url, o.handle)
					default:
						mu.Lock()
						requested[opChangeMessageVisibilityBatch+" "+o.handle]++
						visAsked[o.handle] = append(visAsked[o.handle], o.vis)
						mu.Unlock()
						a.ChangeVisibility(o.url, o.handle, o.vis)
					}
				}
			})
		}
		wg.Wait()
		_ = a.Close(context.Background())
		closed.Store(true)

		for _, c := range api.log() {
			if len(c.keys) > maxBatch {
				t.Fatalf("%s has %d entries > %d", c.op, len(c.keys), maxBatch)
			}
			if k := slices.Clone(c.keys); len(slices.Compact(slices.Sorted(slices.Values(k)))) != len(k) {
				t.Fatalf("handle repeated in %s", joinKeys(c))
			}
			for i, h := range c.keys {
				if fmt.Sprint(qURL, h[1:2]) != c.url {
					t.Fatalf("%s sent to %s", h, c.url)
				}
				if c.op == opChangeMessageVisibilityBatch && !slices.Contains(visAsked[h], c.vis[i]) {
					t.Fatalf("visibility %d for %s never asked (%v)", c.vis[i], h, visAsked[h])
				}
			}
		}
		// Every delete asked for has an outcome as a delete; no request has
		// more outcomes than it was asked for.
		for key, n := range requested {
			outcomes := succeeded[key] + stale[key] + reported[key]
			if outcomes > n {
				t.Fatalf("%s: %d outcomes for %d requests", key, outcomes, n)
			}
			if key[:len(opDeleteMessageBatch)] == opDeleteMessageBatch && outcomes == 0 {
				t.Fatalf("%s: asked %d times, no outcome (succeeded %d, stale %d, reported %d)", key, n, succeeded[key], stale[key], reported[key])
			}
		}
		st := a.Stats()
		if st.Requested != st.Succeeded+st.Stale+st.Failed+st.Deduplicated {
			t.Fatalf("counters don't add up: %+v", st)
		}
		if st.Pending != 0 {
			t.Fatalf("pending after Close: %d", st.Pending)
		}
		// Nothing is issued once Close has returned.
		a.Delete(qURL, "after")
		_ = a.Flush(context.Background())
		if late.Load() != 0 {
			t.Fatalf("%d calls after Close", late.Load())
		}
	})
}
