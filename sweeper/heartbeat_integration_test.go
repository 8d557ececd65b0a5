package sweeper

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/faultproxy"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// TestIntegrationSlowTaggingKeepsLiveQueues: 30 queues in use through a
// Client whose every TagQueue takes 1 s (a proxy delays them, as a slow
// network or throttling would), with a retention of 10 s, while a Sweeper
// in another client sweeps the prefix every 2 s: no live queue is deleted
// or recreated in 45 s. Two queues of an owner that is gone are deleted, so
// the Sweeper is shown to work.
func TestIntegrationSlowTaggingKeepsLiveQueues(t *testing.T) {
	endpoint := awsclient.Endpoint(t)
	if !strings.HasPrefix(endpoint, "http") {
		t.Skip("needs an http endpoint (the emulator) to put the fault proxy in front of")
	}
	direct := awsclient.ForTest(t)
	ctx := context.Background()
	prefix := uniquePrefix(t, direct)
	const (
		hosts    = 30
		live     = 45 * time.Second
		tagDelay = time.Second
	)
	proxy, err := faultproxy.New(endpoint, func(o *faultproxy.Options) {
		o.Rates = faultproxy.Rates{Delay: 1}
		o.Delay = tagDelay
		o.Match = func(op string) bool { return op == "TagQueue" }
	})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	// The owner's requests name the emulator as their Host, so that the
	// queue URLs it gets are those the Sweeper lists (the proxy passes the
	// Host on; the emulator builds URLs from it).
	emu, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	slow, err := awsclient.New(ctx, proxy.URL(), func(o *sqs.Options) {
		o.HTTPClient = &http.Client{Transport: hostAs{host: emu.Host, rt: tr}}
	})
	if err != nil {
		t.Fatal(err)
	}
	budget := func() *TagBudget { // each client its own, as separate processes
		b, err := NewTagBudget(50, 50)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ownerBudget := budget()
	owner := New(slow, func(o *Options) {
		o.QueuePrefix = prefix
		o.TagBudget = ownerBudget
		o.Logger = testutil.Logger(t)
	})
	defer owner.Close(ctx)

	var urls []string
	defer func() {
		for _, u := range urls {
			_, _ = direct.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)})
		}
	}()
	for i := range hosts {
		urls = append(urls, testutil.CreateQueue(t, owner, fmt.Sprintf("%shost%02d", prefix, i), retention(10), nil))
	}
	gone := New(direct, func(o *Options) { o.QueuePrefix = prefix; o.Logger = testutil.Quiet })
	for i := range 2 {
		testutil.CreateQueue(t, gone, fmt.Sprintf("%sgone%d", prefix, i), retention(1), nil)
	}
	_ = gone.Close(ctx)

	useCtx, stopUse := context.WithCancel(ctx)
	var users sync.WaitGroup
	for _, u := range urls {
		users.Add(1)
		go func() {
			defer users.Done()
			useQueue(useCtx, owner, u)
		}()
	}
	s := startSweeper(t, direct, func(o *Options) {
		o.QueuePrefix = prefix
		o.SweepPeriod = 2 * time.Second
		o.SkewMargin = 500 * time.Millisecond
		o.NonEmptyGrace = time.Second // a stale queue is deleted even if it holds a message
		o.TagBudget = budget()
		o.Logger = testutil.Logger(t)
	})
	time.Sleep(live)
	stopUse()
	users.Wait()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	missing := 0
	for i := range hosts {
		if !exists(t, direct, fmt.Sprintf("%shost%02d", prefix, i)) {
			missing++
		}
	}
	st, sw, tags := owner.Stats(), s.Stats(), proxy.Counts()["TagQueue"]
	t.Logf("%d hosts in use for %v, every TagQueue delayed %v, retention 10 s (heartbeat every 2.5 s, timeout 1.25 s), default concurrency; sweeper period 2 s: "+
		"deleted %d, recreated %d, failed over %d; heartbeats %d (%d failed, %d stale episodes); TagQueue through the proxy %d (delayed %d); sweeper checks %d, deletions %d (of 2 gone queues)",
		hosts, live, tagDelay, missing, st.Recreated, st.FailedOver, st.Heartbeats, st.HeartbeatFailures, st.StaleHeartbeats, tags.Requests, tags.Delay, sw.ChecksPerformed, sw.QueuesDeleted)
	if missing != 0 || st.Recreated != 0 || st.FailedOver != 0 {
		t.Errorf("live queues deleted: %d missing, %d recreated, %d failed over", missing, st.Recreated, st.FailedOver)
	}
	if sw.QueuesDeleted != 2 || sw.ChecksPerformed < 3*hosts {
		t.Errorf("the sweeper did not sweep: %+v", sw)
	}
	if tags.Delay == 0 {
		t.Error("no TagQueue was delayed")
	}
}

// hostAs sends requests with another Host header.
type hostAs struct {
	host string
	rt   http.RoundTripper
}

func (h hostAs) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = h.host
	return h.rt.RoundTrip(r)
}

// useQueue sends to, receives from and deletes on url until ctx ends.
func useQueue(ctx context.Context, api sqsapi.API, url string) {
	for ctx.Err() == nil {
		_, _ = api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("ping")})
		out, err := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			continue
		}
		var entries []types.DeleteMessageBatchRequestEntry
		for i, m := range out.Messages {
			entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle})
		}
		if len(entries) > 0 {
			_, _ = api.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: entries})
		}
	}
}
