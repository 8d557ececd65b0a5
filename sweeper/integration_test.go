package sweeper

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

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// TestIntegrationFleetOfFive runs 5 sweepers sharing a prefix on the
// emulator for 10 sweep periods: about one listing per period for the whole
// fleet, checks spread over the clients, dead queues deleted, live ones kept.
func TestIntegrationFleetOfFive(t *testing.T) {
	api := awsclient.ForTest(t)
	ctx := context.Background()
	prefix := uniquePrefix(t, api)
	const (
		clients = 5
		periods = 10
		period  = time.Second
		plain   = 20
	)
	// 25 checks a second: more than the default tagging budget allows.
	budget, err := NewTagBudget(100, 100)
	if err != nil {
		t.Fatal(err)
	}
	opts := func(o *Options) {
		o.QueuePrefix = prefix
		o.SweepPeriod = period
		o.SkewMargin = 500 * time.Millisecond
		o.Logger = testutil.Logger(t)
		o.TagBudget = budget
	}
	var cleanup []string
	defer func() {
		for _, u := range cleanup {
			_, _ = api.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)})
		}
	}()
	for i := 0; i < plain; i++ {
		cleanup = append(cleanup, testutil.CreateQueue(t, api, fmt.Sprintf("%splain%02d", prefix, i), nil, nil))
	}
	// Temporary queues of an owner that goes away at once.
	dead := New(api, opts)
	for i := 0; i < 5; i++ {
		testutil.CreateQueue(t, dead, fmt.Sprintf("%sdead%d", prefix, i), map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "1"}, nil)
	}
	_ = dead.Close(ctx)

	start := time.Now()
	var fleet []*Sweeper
	for i := 0; i < clients; i++ {
		fleet = append(fleet, startSweeper(t, api, opts))
	}
	time.Sleep(periods * period)
	for _, s := range fleet {
		if err := s.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	var list, sweeps, checks, deleted, errs int64
	per := make([]int64, clients)
	for i, s := range fleet {
		st := s.Stats()
		list += st.ListQueuesCalls
		sweeps += st.Sweeps
		checks += st.ChecksPerformed
		deleted += st.QueuesDeleted
		errs += st.Errors
		per[i] = st.ChecksPerformed
	}
	t.Logf("%d clients for %v (%d periods of %v): ListQueues calls=%d, sweeps=%d, checks=%d, checks per client=%v, deleted=%d, errors=%d",
		clients, elapsed.Round(100*time.Millisecond), periods, period, list, sweeps, checks, per, deleted, errs)
	if list > periods+2 || list < periods/2 {
		t.Errorf("ListQueues calls = %d for %d periods; want about one per period", list, periods)
	}
	if deleted != 5 {
		t.Errorf("deleted %d queues, want the 5 dead ones", deleted)
	}
	for i := 0; i < plain; i++ {
		if !exists(t, api, fmt.Sprintf("%splain%02d", prefix, i)) {
			t.Errorf("untagged queue %d deleted", i)
		}
	}
	checkWorkQueueAttributes(t, api, urlOf(t, api, WorkQueueName(prefix)), urlOf(t, api, DeadLetterQueueName(prefix)))
}

// notYet makes CreateQueue of one name fail with QueueDeletedRecently until
// a time, as real SQS does for 60 s after a deletion (the emulator does not).
type notYet struct {
	sqsapi.API
	name  string
	until time.Time
}

func (n *notYet) CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, optFns ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	if aws.ToString(in.QueueName) == n.name && time.Now().Before(n.until) {
		return nil, &types.QueueDeletedRecently{Message: aws.String("wait 60 seconds (simulated)")}
	}
	return n.API.CreateQueue(ctx, in, optFns...)
}

// TestIntegrationQueueDeletedUnderneath deletes a queue under a client that
// is sending and receiving concurrently, and counts the messages lost after
// the recovery: recreated at once, or failed over while the name is refused.
func TestIntegrationQueueDeletedUnderneath(t *testing.T) {
	for _, refuse := range []time.Duration{0, 3 * time.Second} {
		mode := "recreate"
		if refuse > 0 {
			mode = "failover"
		}
		t.Run(mode, func(t *testing.T) {
			raw := awsclient.ForTest(t)
			ctx := context.Background()
			prefix := uniquePrefix(t, raw)
			name := prefix + "victim"
			shim := &notYet{API: raw, name: name}
			c := New(shim, func(o *Options) {
				o.QueuePrefix = prefix
				o.HeartbeatInterval = 500 * time.Millisecond
				o.Logger = testutil.Logger(t)
			})
			c.failoverQuiet = time.Second // the emulator's counts are exact
			defer c.Close(ctx)
			url := testutil.CreateQueue(t, c, name, map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "60"}, nil)
			defer func() {
				_, _ = c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url})
			}()

			const total, deleteAt = 300, 100
			var (
				mu        sync.Mutex
				received  = map[int]bool{}
				sentOK    = map[int]bool{}
				firstSafe atomic.Int64 // first sequence number sent after the deletion returned
				sent      atomic.Int64
			)
			firstSafe.Store(-1)
			cctx, stopConsumers := context.WithCancel(ctx)
			var wg sync.WaitGroup
			for w := 0; w < 2; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for cctx.Err() == nil {
						out, err := c.ReceiveMessage(cctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
						if err != nil {
							continue
						}
						var entries []types.DeleteMessageBatchRequestEntry
						for i, m := range out.Messages {
							n, _ := strconv.Atoi(*m.Body)
							mu.Lock()
							received[n] = true
							mu.Unlock()
							entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
						}
						if len(entries) > 0 {
							_, _ = c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: entries})
						}
					}
				}()
			}
			for i := 0; i < total; i++ {
				if i == deleteAt {
					shim.until = time.Now().Add(refuse)
					if _, err := raw.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
						t.Fatal(err)
					}
					firstSafe.Store(int64(i))
				}
				_, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strconv.Itoa(i))})
				if err != nil {
					t.Errorf("send %d: %v", i, err)
					continue
				}
				mu.Lock()
				sentOK[i] = true
				mu.Unlock()
				sent.Add(1)
				time.Sleep(5 * time.Millisecond)
			}
			lostAfter := func() int {
				mu.Lock()
				defer mu.Unlock()
				n := 0
				for i := deleteAt; i < total; i++ {
					if sentOK[i] && !received[i] {
						n++
					}
				}
				return n
			}
			deadline := time.Now().Add(15 * time.Second)
			for lostAfter() > 0 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if refuse > 0 {
				// Back on the recreated original, the drained failover goes.
				foName, _ := failoverName(name)
				testutil.Eventually(t, "failover drained and deleted", func() bool { return !exists(t, raw, foName) })
			}
			stopConsumers()
			wg.Wait()
			mu.Lock()
			lostBefore := 0
			for i := 0; i < deleteAt; i++ {
				if !received[i] {
					lostBefore++
				}
			}
			mu.Unlock()
			st := c.Stats()
			t.Logf("%s: deleted underneath at message %d of %d: recreated=%d failovers=%d; lost with the deleted queue=%d; lost of the %d sent after the deletion=%d",
				mode, deleteAt, total, st.Recreated, st.FailedOver, lostBefore, total-deleteAt, lostAfter())
			if n := lostAfter(); n != 0 {
				t.Errorf("lost %d messages sent after the deletion", n)
			}
			if refuse > 0 && st.FailedOver != 1 {
				t.Errorf("failovers = %d, want 1", st.FailedOver)
			}
			if st.Recreated < 1 {
				t.Errorf("original never recreated: %+v", st)
			}
		})
	}
}
