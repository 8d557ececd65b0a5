package reliability

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func hostCounts(t *testing.T, srv *sqstest.Server, hostURL string) (visible, inFlight int) {
	t.Helper()
	out, err := srv.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &hostURL,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	visible, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	inFlight, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	return visible, inFlight
}

// TestBackpressure: 100,000 messages (20,000 with -race unless
// SQSTEMP_LONG=1) sent to a virtual queue that nobody
// reads. The client buffers at most MaxBufferedPerQueue of them (the rest
// stay in flight on the host, unacknowledged), its heap grows by about that
// much and no more, and afterwards every one of the 100,000 is received
// (and deleted) exactly as sent.
func TestBackpressure(t *testing.T) {
	const (
		maxBuf = 1000 // virtualqueue's default, set explicitly
		vt     = 30 * time.Second
	)
	total := 100_000
	if raceEnabled && !long() {
		total = 20_000 // 100,000 take over 2 minutes with -race; SQSTEMP_LONG=1 runs them
	}
	ctx := context.Background()
	clk := clock.NewFake(time.Unix(1_800_000_000, 0))
	srv := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
	defer srv.Close()
	hostURL := testutil.CreateQueue(t, srv, "backpressure-host", map[string]string{"VisibilityTimeout": strconv.Itoa(int(vt / time.Second))}, nil)
	vq := virtualqueue.New(srv, func(o *virtualqueue.Options) {
		o.MaxBufferedPerQueue = maxBuf
		o.Clock = clk
		o.Logger = testutil.Logger(t)
		// Hosts are polled while receives need them: one receive below
		// keeps the poller going through the backlog on the fake clock.
		o.PollLinger = time.Hour
	})
	defer func() {
		if err := vq.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	const name = "unread"
	vurl := virtualqueue.URL(hostURL, name)

	// The buffer bound is checked all along.
	var maxSeen atomic.Int64
	stopSampling := make(chan struct{})
	var sampling sync.WaitGroup
	sampling.Add(1)
	go func() {
		defer sampling.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if b := int64(vq.Stats().Buffered); b > maxSeen.Load() {
				maxSeen.Store(b)
			}
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
		}
	}()

	heap0 := testutil.HeapAlloc()
	// Send (sending to a virtual URL needs no local queue: the poller is not
	// running yet), in batches of 10 from 8 senders.
	var next atomic.Int64
	var wg sync.WaitGroup
	var sendErr atomic.Value
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				first := int(next.Add(10)) - 10
				if first >= total {
					return
				}
				entries := make([]types.SendMessageBatchRequestEntry, 0, 10)
				for i := first; i < min(first+10, total); i++ {
					entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i - first)), MessageBody: aws.String(fmt.Sprintf("m-%06d", i))})
				}
				out, err := vq.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &vurl, Entries: entries})
				if err == nil && len(out.Failed) > 0 {
					err = fmt.Errorf("%d entries failed: %s", len(out.Failed), aws.ToString(out.Failed[0].Message))
				}
				if err != nil {
					sendErr.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := sendErr.Load(); err != nil {
		t.Fatalf("send: %v", err)
	}
	heap1 := testutil.HeapAlloc()

	// Now the virtual queue exists and its poller runs (one receive
	// started it, and it lingers for an hour of the fake clock); nobody
	// reads.
	testutil.CreateQueue(t, vq, name, map[string]string{"HostQueueUrl": hostURL}, nil)
	if _, err := vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &vurl, MaxNumberOfMessages: 10}); err != nil {
		t.Fatal(err)
	}
	for {
		visible, _ := hostCounts(t, srv, hostURL)
		if visible == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	heap2 := testutil.HeapAlloc()
	st := vq.Stats()
	_, inFlight := hostCounts(t, srv, hostURL)
	if st.Buffered != maxBuf {
		t.Errorf("buffered %d, want the limit %d", st.Buffered, maxBuf)
	}
	if st.Overflows < int64(total-maxBuf) {
		t.Errorf("overflows %d, want at least %d", st.Overflows, total-maxBuf)
	}
	if inFlight != total {
		t.Errorf("in flight on the host %d, want %d (nothing acknowledged that was not buffered)", inFlight, total)
	}
	// What the client itself holds: deleting the virtual queue hands its
	// buffer back to the host (the rest of the heap, sqstest's messages
	// and receipts, stays).
	if _, err := vq.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &vurl}); err != nil {
		t.Fatal(err)
	}
	heap3 := testutil.HeapAlloc()
	growth := int64(heap2) - int64(heap1)
	held := int64(heap2) - int64(heap3)
	t.Logf("sent %d: heap %s before, %s after sending (held by sqstest), %s with the poller through all of them unread (growth %s, sqstest receipts included); held by the client %s for %d buffered messages (limit %d, max seen %d); overflows %d; in flight on host %d",
		total, mib(heap0), mib(heap1), mib(heap2), mib(uint64(max(growth, 0))), mib(uint64(max(held, 0))), st.Buffered, maxBuf, maxSeen.Load(), st.Overflows, inFlight)
	// The bound: the client holds about maxBuf messages (a few KiB each
	// here at most), not the 100,000 (about 1.4 KiB each in sqstest, so
	// over 100 MiB if they were all buffered).
	if held > maxBuf*8<<10+1<<20 {
		t.Errorf("the client held %s for %d buffered messages: not bounded by MaxBufferedPerQueue", mib(uint64(held)), maxBuf)
	}
	if growth > 32<<20 {
		t.Errorf("heap grew by %s while the poller went through the backlog", mib(uint64(growth)))
	}

	// Every message is still receivable: receive and delete them all, with
	// four consumers, until the host queue is empty.
	testutil.CreateQueue(t, vq, name, map[string]string{"HostQueueUrl": hostURL}, nil)
	var mu sync.Mutex
	seen := make(map[string]string, total)
	var failure atomic.Value
	done := make(chan struct{})
	var consumers sync.WaitGroup
	for range 4 {
		consumers.Add(1)
		go func() {
			defer consumers.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				out, err := vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &vurl, MaxNumberOfMessages: 10})
				if err != nil {
					failure.Store(fmt.Errorf("receive: %w", err))
					return
				}
				if len(out.Messages) == 0 {
					time.Sleep(time.Millisecond)
					continue
				}
				entries := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
				mu.Lock()
				for i, m := range out.Messages {
					id, body := aws.ToString(m.MessageId), aws.ToString(m.Body)
					if prev, dup := seen[id]; dup && prev != body {
						failure.Store(fmt.Errorf("message %s came back with body %q, first %q", id, body, prev))
					}
					seen[id] = body
					entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
				}
				mu.Unlock()
				dout, err := vq.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &vurl, Entries: entries})
				if err == nil && len(dout.Failed) > 0 {
					err = fmt.Errorf("%d failed: %s", len(dout.Failed), aws.ToString(dout.Failed[0].Message))
				}
				if err != nil {
					failure.Store(fmt.Errorf("delete: %w", err))
					return
				}
			}
		}()
	}
	advances := 0
	for failure.Load() == nil {
		visible, inFlight := hostCounts(t, srv, hostURL)
		buffered := vq.Stats().Buffered
		if visible == 0 && inFlight == 0 && buffered == 0 {
			break // all received and deleted
		}
		if visible == 0 && buffered == 0 {
			// All that is left was not buffered and is in flight on the
			// host: let its visibility timeout expire.
			clk.Advance(vt + time.Second)
			advances++
		}
		time.Sleep(2 * time.Millisecond)
	}
	close(done)
	consumers.Wait()
	if err := failure.Load(); err != nil {
		t.Fatal(err)
	}
	close(stopSampling)
	sampling.Wait()
	bodies := make(map[string]bool, total)
	for _, b := range seen {
		bodies[b] = true
	}
	for i := range total {
		if !bodies[fmt.Sprintf("m-%06d", i)] {
			t.Fatalf("message m-%06d never received", i)
		}
	}
	st = vq.Stats()
	t.Logf("received and deleted %d unique messages (%d unique bodies) after %d visibility timeouts; delivered %d, duplicates %d, overflows %d, max buffered %d",
		len(seen), len(bodies), advances, st.Delivered, st.Duplicates, st.Overflows, maxSeen.Load())
	if maxSeen.Load() > maxBuf {
		t.Errorf("buffered up to %d, over the limit %d", maxSeen.Load(), maxBuf)
	}
	if len(seen) != total || len(bodies) != total {
		t.Errorf("received %d unique messages, %d unique bodies, want %d", len(seen), len(bodies), total)
	}
}
