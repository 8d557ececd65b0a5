package sweeper

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// The crash test re-executes the test binary as the owner process: with
// crashChildEnv set, TestMain runs crashChild instead of the tests.
const (
	crashChildEnv  = "SQSTEMP_SWEEPER_CRASH_CHILD"
	crashPrefixEnv = "SQSTEMP_SWEEPER_CRASH_PREFIX"
	crashQueues    = 5
)

// crashChild creates crashQueues temporary queues (retention 1 s) through a
// Client, prints their URLs, and uses them until it is killed (or its stdin
// closes, so that it never outlives the test).
func crashChild() int {
	ctx := context.Background()
	api, err := awsclient.New(ctx, os.Getenv(awsclient.EndpointEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	prefix := os.Getenv(crashPrefixEnv)
	c := New(api, func(o *Options) { o.QueuePrefix = prefix })
	var urls []string
	for i := 0; i < crashQueues; i++ {
		out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("%scrash%d", prefix, i)), Attributes: retention(1)})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		urls = append(urls, *out.QueueUrl)
	}
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); os.Exit(3) }()
	fmt.Println("READY " + strings.Join(urls, " "))
	for {
		for _, u := range urls {
			_, _ = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &u, MessageBody: aws.String("ping")})
			out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &u, MaxNumberOfMessages: 10})
			if err == nil {
				for _, m := range out.Messages {
					_, _ = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &u, ReceiptHandle: m.ReceiptHandle})
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIntegrationCrashedOwnerQueuesAreSwept: a separate OS process creates
// temporary queues and is killed with SIGKILL; this process, sharing the
// prefix, runs a sweeper that must delete all of them within retention + 2
// sweep periods, and nothing else.
func TestIntegrationCrashedOwnerQueuesAreSwept(t *testing.T) {
	api := awsclient.ForTest(t)
	ctx := context.Background()
	prefix := uniquePrefix(t, api)
	const (
		period    = 2 * time.Second
		retention = time.Second
	)
	opts := func(o *Options) {
		o.QueuePrefix = prefix
		o.SweepPeriod = period
		o.SkewMargin = 500 * time.Millisecond
		o.NonEmptyGrace = time.Second // the child's queues may hold a ping
		o.Logger = testLogger(t)
	}

	// Controls: prefixed but untagged; tagged and stale but not prefixed;
	// and a temporary queue of this (live) process.
	ancient := map[string]string{sqsapi.RetentionTag: "1", sqsapi.HeartbeatTag: "0"}
	controls := map[string]string{}
	for _, n := range []string{prefix + "untagged1", prefix + "untagged2"} {
		controls[n] = mustCreate(t, api, n, nil, nil)
	}
	other := "x" + prefix + "tagged"
	controls[other] = mustCreate(t, api, other, nil, ancient)
	live := New(api, opts)
	defer live.Close(ctx)
	liveName := prefix + "live"
	controls[liveName] = mustCreate(t, live, liveName, map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "1"}, nil)
	useCtx, stopUse := context.WithCancel(ctx)
	useDone := make(chan struct{})
	go func() {
		defer close(useDone)
		u := controls[liveName]
		for useCtx.Err() == nil {
			_, _ = live.ReceiveMessage(useCtx, &sqs.ReceiveMessageInput{QueueUrl: &u, WaitTimeSeconds: 1})
		}
	}()
	defer func() { stopUse(); <-useDone }()

	s := startSweeper(t, api, opts)

	// The owner process.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", crashPrefixEnv+"="+prefix)
	stdin, _ := cmd.StdinPipe()
	defer stdin.Close()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "READY ") {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("child: %q, %v", line, err)
	}
	urls := strings.Fields(strings.TrimPrefix(line, "READY "))
	time.Sleep(3 * retention) // the child heartbeats: its queues survive sweeps meanwhile
	for _, u := range urls {
		if !exists(t, api, u[strings.LastIndexByte(u, '/')+1:]) {
			t.Fatalf("queue %s of the live child was deleted", u)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed := time.Now()

	limit := retention + 2*period
	var gone time.Duration
	for {
		left := 0
		for _, u := range urls {
			if exists(t, api, u[strings.LastIndexByte(u, '/')+1:]) {
				left++
			}
		}
		gone = time.Since(killed)
		if left == 0 {
			break
		}
		if gone > limit+time.Minute { // a generous bound: a loaded machine is slow, a broken sweeper never finishes
			t.Fatalf("%d of %d queues of the killed process still exist after %v", left, len(urls), gone)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("all %d queues of the SIGKILLed process deleted %v after the kill (retention %v + 2 periods of %v = %v)",
		len(urls), gone.Round(10*time.Millisecond), retention, period, limit)
	// Time is reported, not asserted: CI machines are shared and noisy.
	if gone > limit {
		t.Logf("NOTE: took %v, more than retention + 2 periods (%v)", gone, limit)
	}
	for name := range controls {
		if !exists(t, api, name) {
			t.Errorf("control queue %s was deleted", name)
		}
	}
	if st := s.Stats(); st.QueuesDeleted != crashQueues {
		t.Errorf("sweeper deleted %d queues, want %d: %+v", st.QueuesDeleted, crashQueues, st)
	}
	for _, u := range controls {
		_, _ = api.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)})
	}
}

// uniquePrefix returns a prefix no other test uses, and deletes the work
// queues made for it when the test ends.
func uniquePrefix(t *testing.T, api sqsapi.API) string {
	t.Helper()
	p := "sw" + strconv.FormatInt(time.Now().UnixNano()%1e12, 36) + "_"
	t.Cleanup(func() {
		ctx := context.Background()
		for _, n := range []string{WorkQueueName(p), DeadLetterQueueName(p)} {
			if out, err := api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(n)}); err == nil {
				_, _ = api.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl})
			}
		}
	})
	return p
}
