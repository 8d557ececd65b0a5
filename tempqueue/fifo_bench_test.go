package tempqueue_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqstest"
)

// BenchmarkRequesterFIFO measures the request/response latency of a
// requester whose response queues are FIFO virtual queues against one whose
// are standard, at 1 and 16 concurrent callers, on sqstest with no added
// latency (issue 11 item 1: FIFO responses used to wait for each other's
// deletes). It reports the mean and the 50th and 99th percentile latency
// per request.
//
//	go test -run XXX -bench RequesterFIFO -benchtime 2000x ./tempqueue
func BenchmarkRequesterFIFO(b *testing.B) {
	for _, callers := range []int{1, 16} {
		for _, fifo := range []bool{false, true} {
			name := "standard"
			if fifo {
				name = "fifo"
			}
			b.Run(fmt.Sprintf("%s/callers=%d", name, callers), func(b *testing.B) { benchRequester(b, fifo, callers) })
		}
	}
}

func benchRequester(b *testing.B, fifo bool, callers int) {
	ctx := context.Background()
	srv := sqstest.New()
	defer srv.Close()
	reqQ, stop := serveEcho(b, srv)
	defer stop()
	var attrs map[string]string
	if fifo {
		attrs = map[string]string{"FifoQueue": "true"}
	}
	r := newRequester(b, srv, attrs)
	defer r.Close(ctx)
	call := func(i int) time.Duration {
		start := time.Now()
		// Every caller sends the same bodies: responses with equal bodies
		// must not be deduplicated against each other.
		resp, err := r.SendMessageAndGetResponse(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(reqQ), MessageBody: aws.String("body " + strconv.Itoa(i%4))})
		if err != nil {
			b.Error(err)
		} else if aws.ToString(resp.Body) != "body "+strconv.Itoa(i%4) {
			b.Errorf("response %q to request %d", aws.ToString(resp.Body), i)
		}
		return time.Since(start)
	}
	for i := range 2 * callers { // warm up: host queue, poller, Serve
		call(i)
	}
	lat := make([]time.Duration, b.N)
	var next sync.WaitGroup
	var mu sync.Mutex
	n := 0
	b.ResetTimer()
	for range callers {
		next.Add(1)
		go func() {
			defer next.Done()
			for {
				mu.Lock()
				i := n
				n++
				mu.Unlock()
				if i >= b.N {
					return
				}
				lat[i] = call(i)
			}
		}()
	}
	next.Wait()
	b.StopTimer()
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	b.ReportMetric(float64(sum.Microseconds())/float64(b.N), "µs-mean")
	b.ReportMetric(float64(lat[b.N/2].Microseconds()), "µs-p50")
	b.ReportMetric(float64(lat[b.N*99/100].Microseconds()), "µs-p99")
}
