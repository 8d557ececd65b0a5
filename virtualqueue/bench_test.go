package virtualqueue

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// BenchmarkIdleQueueMemory creates b.N idle virtual queues (each with a
// realistic name, a retention period so it sits in the expiry heap, on one
// host) and reports the heap they retain per queue and the creation rate.
// Run with -benchtime=1000000x for the 1,000,000-queue figure.
func BenchmarkIdleQueueMemory(b *testing.B) {
	srv := sqstest.New()
	defer srv.Close()
	ctx := context.Background()
	host, err := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("__RequesterClientQueues__host-" + uuid.NewString())})
	if err != nil {
		b.Fatal(err)
	}
	vq := New(srv, func(o *Options) { o.Logger = testutil.Quiet; o.MaxQueues = max(b.N, 1) })
	defer vq.Close(ctx)
	names := make([]string, b.N)
	for i := range names {
		names[i] = "__RequesterClientQueues__" + uuid.NewString()
	}
	attrs := map[string]string{sqsapi.HostQueueURLAttribute: *host.QueueUrl, sqsapi.IdleQueueRetentionPeriodAttribute: "300"}
	before := testutil.HeapAlloc()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := vq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(names[i]), Attributes: attrs}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
	after := testutil.HeapAlloc()
	b.ReportMetric(float64(int64(after)-int64(before))/float64(b.N), "bytes/queue")
	runtime.KeepAlive(names)
	if vq.Stats().VirtualQueues != b.N {
		b.Fatal("queues missing")
	}
}

// BenchmarkSendReceiveDelete is one message's round trip through a virtual
// queue on sqstest (send, dispatch, receive, delete).
func BenchmarkSendReceiveDelete(b *testing.B) {
	e := newEnv(b, envOpts{})
	q := e.create(b, "q")
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		e.send(b, q, fmt.Sprint(i))
		m := e.receiveOne(b, q)
		if _, err := e.vq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: m.ReceiptHandle}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestIdleQueueUnderOneKiB asserts the memory bound on 100,000 queues.
func TestIdleQueueUnderOneKiB(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	srv := sqstest.New()
	defer srv.Close()
	ctx := context.Background()
	host, _ := srv.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("host")})
	vq := New(srv, func(o *Options) { o.Logger = testutil.Quiet })
	defer vq.Close(ctx)
	const n = 30_000
	names := make([]string, n)
	for i := range names {
		names[i] = "__RequesterClientQueues__" + uuid.NewString()
	}
	attrs := map[string]string{sqsapi.HostQueueURLAttribute: *host.QueueUrl, sqsapi.IdleQueueRetentionPeriodAttribute: "300"}
	before := testutil.HeapAlloc()
	for _, name := range names {
		if _, err := vq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs}); err != nil {
			t.Fatal(err)
		}
	}
	per := float64(int64(testutil.HeapAlloc())-int64(before)) / n
	runtime.KeepAlive(names)
	t.Logf("%.0f bytes per idle virtual queue (%d queues)", per, n)
	if per >= 1024 {
		t.Fatalf("%.0f bytes per idle virtual queue, want < 1024", per)
	}
}
