package main

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/tempqueue"
)

// VQMemResult is the JSON line of -mode vqmem.
type VQMemResult struct {
	Mode          string           `json:"mode"`
	Backend       string           `json:"backend"`
	Queues        int              `json:"queues"`
	BytesPerQueue float64          `json:"bytes_per_queue"`
	CreatesPerSec float64          `json:"creates_per_sec"`
	Seconds       float64          `json:"seconds"`
	HeapMiB       float64          `json:"heap_mib"`
	Calls         map[string]int64 `json:"calls"`
	Note          string           `json:"note"`
}

// runVQMem creates cfg.Requests idle virtual queues through tempqueue (the
// drop-in client: CreateQueue with a name, as user code would) and reports
// the heap they retain and the rate of creation.
func runVQMem(ctx context.Context, cfg config, be *backend) (_ *VQMemResult, err error) {
	m := newMeter(be.api)
	tq, err := tempqueue.New(ctx, m, func(o *tempqueue.Options) {
		o.Logger = cfg.logger()
		o.DisableSweeper = true
		o.MaxQueues = cfg.Requests + 16 // room for the client's own
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if cerr := tq.Close(cctx); cerr != nil && err == nil {
			err = cerr
		}
	}()
	// The first queue creates the host queue: not part of the measure.
	if _, err := tq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("rpcbench-vqmem-first")}); err != nil {
		return nil, err
	}
	base := tq.Stats().VirtualQueues
	before := heapAlloc()
	start := time.Now()
	for i := range cfg.Requests {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		name := "rpcbench-vqmem-" + strconv.Itoa(i)
		if _, err := tq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name}); err != nil {
			return nil, fmt.Errorf("create virtual queue %d: %w", i, err)
		}
	}
	elapsed := time.Since(start)
	after := heapAlloc()
	if got := tq.Stats().VirtualQueues - base; got != cfg.Requests {
		return nil, fmt.Errorf("%d virtual queues were created, want %d", got, cfg.Requests)
	}
	return &VQMemResult{
		Mode:          "vqmem",
		Backend:       be.name,
		Queues:        cfg.Requests,
		BytesPerQueue: round(float64(int64(after)-int64(before))/float64(cfg.Requests), 1),
		CreatesPerSec: round(float64(cfg.Requests)/elapsed.Seconds(), 0),
		Seconds:       round(elapsed.Seconds(), 3),
		HeapMiB:       round(float64(after)/(1<<20), 1),
		Calls:         m.Calls(),
		Note:          "idle virtual queues created with tempqueue.Client.CreateQueue (names rpcbench-vqmem-N, no attributes) on one host queue; bytes_per_queue is the heap retained after GC divided by the queues; calls include creating the host queue",
	}, nil
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
