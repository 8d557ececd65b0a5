package main

import (
	"context"
	"maps"
	"time"

	"github.com/sqstemp/sqstemp/requester"
)

// IdleResult is the JSON line of -mode idle.
type IdleResult struct {
	Mode           string             `json:"mode"`
	Backend        string             `json:"backend"`
	Seconds        float64            `json:"seconds"`
	StartupCalls   map[string]int64   `json:"startup_calls"`
	CallsPerHour   float64            `json:"calls_per_hour"`
	ByOperation    map[string]float64 `json:"calls_per_hour_by_operation"`
	JavaClientHour float64            `json:"java_client_calls_per_hour"`
	Note           string             `json:"note"`
}

// javaIdleCallsPerHour is what the Java Temporary Queue Client spends an
// hour per idle process, from its source: a TagQueue heartbeat every 5 s
// (720), a 20 s host long poll (180), and its sweeper's polls and checks.
const javaIdleCallsPerHour = 1150

// runIdle starts a requester with the library's default options, makes no
// request, and counts every SQS call it makes for cfg.Duration after its
// start: the cost of a process that holds a requester and is idle.
func runIdle(ctx context.Context, cfg config, be *backend) (_ *IdleResult, err error) {
	m := newMeter(be.api)
	r, err := requester.New(ctx, m, func(o *requester.Options) { o.Logger = cfg.logger() })
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if cerr := r.Close(cctx); cerr != nil && err == nil {
			err = cerr
		}
	}()
	startup := m.Calls()
	start := time.Now()
	select {
	case <-ctx.Done():
	case <-time.After(cfg.Duration):
	}
	elapsed := time.Since(start)
	res := &IdleResult{
		Mode: "idle", Backend: be.name, Seconds: round(elapsed.Seconds(), 1),
		StartupCalls: startup, ByOperation: map[string]float64{}, JavaClientHour: javaIdleCallsPerHour,
		Note: "a requester with default options, idle (no request) after its start; calls counted from its start (startup_calls excluded) and scaled to an hour",
	}
	for op, n := range m.Calls() {
		if d := n - startup[op]; d > 0 {
			res.ByOperation[op] = round(float64(d)/elapsed.Hours(), 1)
			res.CallsPerHour += float64(d) / elapsed.Hours()
		}
	}
	res.CallsPerHour = round(res.CallsPerHour, 1)
	maps.DeleteFunc(res.StartupCalls, func(_ string, n int64) bool { return n == 0 })
	return res, ctx.Err()
}
