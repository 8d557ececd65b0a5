package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/emulator"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// config is what the command line asks for.
type config struct {
	Mode        string
	Requests    int
	Concurrency int
	Endpoint    string
	Payload     int
	Warmup      int           // -1: default
	Servers     int           // 0: 1 Serve for lib, ceil(Concurrency/10) loops for naive and floor
	Pollers     int           // lib: PollersPerHost; 0: library default
	Rounds      int           // 0: 3 when several modes run, else 1
	Latency     time.Duration // sqstest only: added to every call
	Timeout     time.Duration
	Duration    time.Duration // -mode idle: how long to watch the idle requester
	Logger      *slog.Logger  // nil: discard

	// settle is how long the window waits after the last request for
	// deferred (batched) deletes; 0 means defaultSettle. Tests shorten it.
	settle time.Duration

	cpuProfile string // -cpuprofile: used by main only
}

// defaultSettle is longer than the flush bound of the batchers (100 ms),
// so that the deletes a request causes are counted in its window.
const defaultSettle = 300 * time.Millisecond

// modes are the request/response modes, in the order -mode all runs them.
var modes = []string{"lib", "naive", "floor"}

func (c *config) validate() error {
	if c.Mode != "all" && c.Mode != "vqmem" && c.Mode != "idle" && !slices.Contains(modes, c.Mode) {
		return fmt.Errorf("-mode %q: want lib, naive, floor, all, vqmem or idle", c.Mode)
	}
	if c.Mode == "idle" && c.Duration <= 0 {
		return fmt.Errorf("-duration %v: want a positive duration", c.Duration)
	}
	if c.Requests < 1 {
		return fmt.Errorf("-n %d: want at least 1", c.Requests)
	}
	if c.Concurrency < 1 {
		return fmt.Errorf("-c %d: want at least 1", c.Concurrency)
	}
	if c.Payload < 1 || c.Payload > sqsapi.MaxMessageSizeBytes-100 {
		return fmt.Errorf("-payload %d: want 1 to %d bytes", c.Payload, sqsapi.MaxMessageSizeBytes-100)
	}
	if c.Servers < 0 {
		return fmt.Errorf("-servers %d: want 0 (default) or more", c.Servers)
	}
	if c.Latency < 0 || (c.Latency > 0 && c.Endpoint != "") {
		return fmt.Errorf("-latency %v: want a positive duration, and only with the embedded sqstest (no -endpoint)", c.Latency)
	}
	if c.Rounds < 0 {
		return fmt.Errorf("-rounds %d: want 0 (default) or more", c.Rounds)
	}
	if c.Pollers < 0 {
		return fmt.Errorf("-pollers %d: want 0 (default) or more", c.Pollers)
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("-timeout %v: want a positive duration", c.Timeout)
	}
	return nil
}

func (c *config) warmup() int {
	if c.Warmup >= 0 {
		return c.Warmup
	}
	return max(50, 2*c.Concurrency)
}

// roundsFor returns the number of measuring rounds for a run of modes modes.
func (c *config) roundsFor(modes int) int {
	r := c.Rounds
	if r == 0 {
		r = 1
		if modes > 1 {
			r = 3
		}
	}
	return max(1, min(r, c.Requests))
}

func (c *config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// backend is the SQS the benchmark runs on.
type backend struct {
	name  string
	api   sqsapi.API
	close func()
}

// openBackend connects to the backend named by endpoint.
// On sqstest, every call waits latency first (a model of a network round
// trip).
func openBackend(ctx context.Context, endpoint string, latency time.Duration) (*backend, error) {
	switch endpoint {
	case "":
		srv := sqstest.New()
		name := "sqstest"
		if latency > 0 {
			for _, op := range sqstest.Operations {
				srv.InjectFault(op, sqstest.Fault{Delay: latency})
			}
			name += "+" + latency.String()
		}
		return &backend{name: name, api: srv, close: srv.Close}, nil
	case "emulator":
		em, err := emulator.Start(ctx)
		if err != nil {
			return nil, fmt.Errorf("start the emulator: %w", err)
		}
		api, closeIdle, err := newClient(ctx, em.Endpoint())
		if err != nil {
			em.Stop()
			return nil, err
		}
		return &backend{name: "emulator", api: api, close: func() { closeIdle(); em.Stop() }}, nil
	}
	api, closeIdle, err := newClient(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	name := endpoint
	if endpoint == awsclient.AWS {
		name = "aws"
	}
	return &backend{name: name, api: api, close: closeIdle}, nil
}

// newClient returns an SDK client whose connection pool is large enough for
// a long poll per caller plus the servers' calls, so that no mode pays for
// reconnecting. closeIdle closes its idle connections.
func newClient(ctx context.Context, endpoint string) (_ *sqs.Client, closeIdle func(), _ error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 1024
	tr.MaxIdleConnsPerHost = 1024
	c, err := awsclient.New(ctx, endpoint, func(o *sqs.Options) { o.HTTPClient = &http.Client{Transport: tr} })
	if err != nil {
		return nil, nil, err
	}
	return c, tr.CloseIdleConnections, nil
}

// run runs what cfg asks for and writes one JSON line per mode run to w.
func run(ctx context.Context, cfg config, w io.Writer) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	be, err := openBackend(ctx, cfg.Endpoint, cfg.Latency)
	if err != nil {
		return err
	}
	defer be.close()
	enc := json.NewEncoder(w)
	switch cfg.Mode {
	case "vqmem":
		res, err := runVQMem(ctx, cfg, be)
		if err != nil {
			return err
		}
		return enc.Encode(res)
	case "idle":
		res, err := runIdle(ctx, cfg, be)
		if err != nil {
			return err
		}
		return enc.Encode(res)
	}
	todo := []string{cfg.Mode}
	if cfg.Mode == "all" {
		todo = modes
	}
	results, err := runModes(ctx, cfg, be, todo)
	if err != nil {
		return err
	}
	for _, res := range results {
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	return nil
}

// rpc is one mode's way of doing request/response.
type rpc interface {
	// call sends one request with body on behalf of caller (0 <= caller <
	// concurrency) and returns the response body.
	call(ctx context.Context, caller int, id, body string) (string, error)
	// close stops the servers and releases what setup created.
	close(ctx context.Context) error
}

// env is what a mode's setup gets.
type env struct {
	cfg        config
	runID      string // unique per mode run, in queue names
	caller     *meter // the API the callers use
	server     *meter // the API the servers use
	raw        sqsapi.API
	requestURL string
	servers    int
	log        *slog.Logger
}

// Result is one JSON line of output.
type Result struct {
	Mode            string           `json:"mode"`
	Backend         string           `json:"backend"`
	Requests        int              `json:"requests"`
	Concurrency     int              `json:"concurrency"`
	PayloadBytes    int              `json:"payload_bytes"`
	Seconds         float64          `json:"seconds"`
	RequestsPerSec  float64          `json:"requests_per_sec"`
	LatencyMS       Latency          `json:"latency_ms"`
	CallsPerRequest CallsPerRequest  `json:"calls_per_request"`
	Calls           map[string]int64 `json:"calls"`
	Batching        Batching         `json:"batching"`
	Errors          int              `json:"errors"`
	ErrorSamples    []string         `json:"error_samples,omitempty"`
	LibStats        *LibStats        `json:"lib_stats,omitempty"`
	Warmup          int              `json:"warmup"`
	Rounds          int              `json:"rounds"`
	ServerLoops     int              `json:"server_loops"`
	Excluded        string           `json:"excluded"`
}

// Latency is in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// CallsPerRequest is the calls of the measured window divided by the
// requests measured.
type CallsPerRequest struct {
	Total       float64            `json:"total"`
	Caller      float64            `json:"caller"`
	Server      float64            `json:"server"`
	ByOperation map[string]float64 `json:"by_operation"`
	// BySide splits ByOperation into the callers' calls and the servers'.
	BySide struct {
		Caller map[string]float64 `json:"caller"`
		Server map[string]float64 `json:"server"`
	} `json:"by_side"`
}

// Batching says how full the calls that carry several messages were, in
// the measured window.
type Batching struct {
	CallerMessagesPerReceive float64 `json:"caller_messages_per_receive"`
	CallerEmptyReceives      int64   `json:"caller_empty_receives"`
	ServerMessagesPerReceive float64 `json:"server_messages_per_receive"`
	ServerEmptyReceives      int64   `json:"server_empty_receives"`
	EntriesPerSendBatch      float64 `json:"entries_per_send_batch"`
	EntriesPerDeleteBatch    float64 `json:"entries_per_delete_batch"`
}

// excluded describes, per mode, what the measured window leaves out.
var excluded = map[string]string{
	"lib":   "creating/deleting the request queue and the Requester's host queue (requester.New, Close), stopping Serve",
	"naive": "creating/deleting the request queue, stopping the servers",
	"floor": "creating/deleting the request queue and the callers' long-lived reply queues, stopping the servers",
}

// modeRun is one mode set up on the backend, and what its measured windows
// added up to.
type modeRun struct {
	mode     string
	e        *env
	r        rpc
	queueURL *string // the request queue
	ld       loadResult
	caller   counts
	server   counts
}

// runModes sets up every mode of todo on be, warms each up, then measures
// them in turn, cfg.rounds times round-robin with an equal share of the
// requests each time (so that a change in the load of the machine or of the
// backend during the run does not favour one mode), and tears them down.
// Setting up and warming up every mode first means that no mode meets a cold
// backend.
func runModes(ctx context.Context, cfg config, be *backend, todo []string) (_ []*Result, err error) {
	var runs []*modeRun
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		for _, mr := range slices.Backward(runs) {
			if mr.r != nil {
				if cerr := mr.r.close(cctx); cerr != nil && err == nil {
					err = fmt.Errorf("mode %s: shut down: %w", mr.mode, cerr)
				}
			}
			if _, derr := be.api.DeleteQueue(cctx, &sqs.DeleteQueueInput{QueueUrl: mr.queueURL}); derr != nil && err == nil {
				err = fmt.Errorf("mode %s: delete the request queue: %w", mr.mode, derr)
			}
		}
	}()
	for _, mode := range todo {
		mr, err := setupMode(ctx, cfg, be, mode)
		if mr != nil {
			runs = append(runs, mr)
		}
		if err != nil {
			return nil, fmt.Errorf("mode %s: %w", mode, err)
		}
	}
	body := strings.Repeat("x", cfg.Payload)
	if n := cfg.warmup(); n > 0 {
		for _, mr := range runs {
			if ld := load(ctx, cfg, mr.r, "w", n, body); ld.errors > 0 {
				return nil, fmt.Errorf("mode %s: warm-up: %d of %d requests failed, first: %s", mr.mode, ld.errors, n, ld.samples[0])
			}
		}
	}
	settle := cfg.settle
	if settle == 0 {
		settle = defaultSettle
	}
	rounds := cfg.roundsFor(len(runs))
	for round := range rounds {
		n := cfg.Requests / rounds
		if round < cfg.Requests%rounds {
			n++
		}
		for _, mr := range runs {
			if err := sleep(ctx, settle); err != nil {
				return nil, err
			}
			c0, s0 := mr.e.caller.snapshot(), mr.e.server.snapshot()
			ld := load(ctx, cfg, mr.r, "m"+strconv.Itoa(round)+"-", n, body)
			if err := sleep(ctx, settle); err != nil {
				return nil, err
			}
			c1, s1 := mr.e.caller.snapshot(), mr.e.server.snapshot()
			mr.ld.add(ld)
			mr.caller = mr.caller.add(c1.sub(c0))
			mr.server = mr.server.add(s1.sub(s0))
		}
	}
	var results []*Result
	for _, mr := range runs {
		res := report(cfg, be.name, mr.mode, mr.ld, mr.caller, mr.server)
		res.ServerLoops = mr.e.servers
		res.Rounds = rounds
		res.Excluded = excluded[mr.mode]
		if st, ok := mr.r.(interface{ stats() *LibStats }); ok {
			res.LibStats = st.stats()
		}
		results = append(results, res)
	}
	return results, nil
}

// setupMode creates mode's request queue and sets the mode up. On error the
// returned modeRun, if not nil, holds what must be torn down.
func setupMode(ctx context.Context, cfg config, be *backend, mode string) (*modeRun, error) {
	runID := uuid.NewString()[:8]
	e := &env{
		cfg:    cfg,
		runID:  runID,
		caller: newMeter(be.api),
		server: newMeter(be.api),
		raw:    be.api,
		log:    cfg.logger(),
	}
	e.servers = cfg.Servers
	if e.servers == 0 {
		// One Serve runs up to MaxConcurrency handlers and receives again
		// as soon as a slot is free; the hand-written loop handles one batch
		// at a time, so it gets a loop per 10 callers.
		e.servers = 1
		if mode != "lib" {
			e.servers = (cfg.Concurrency + 9) / 10
		}
	}
	q, err := be.api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("rpcbench-" + mode + "-" + runID)})
	if err != nil {
		return nil, fmt.Errorf("create the request queue: %w", err)
	}
	e.requestURL = aws.ToString(q.QueueUrl)
	mr := &modeRun{mode: mode, e: e, queueURL: q.QueueUrl, caller: counts{}, server: counts{}}
	switch mode {
	case "lib":
		mr.r, err = setupLib(ctx, e)
	case "naive":
		mr.r, err = setupNaive(ctx, e)
	case "floor":
		mr.r, err = setupFloor(ctx, e)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	return mr, err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// add adds o's measures to l's.
func (l *loadResult) add(o loadResult) {
	l.elapsed += o.elapsed
	l.latencies = append(l.latencies, o.latencies...)
	l.errors += o.errors
	for _, s := range o.samples {
		if len(l.samples) < 3 {
			l.samples = append(l.samples, s)
		}
	}
}

// loadResult is what one load run measured.
type loadResult struct {
	elapsed   time.Duration
	latencies []time.Duration // of successful requests
	errors    int
	samples   []string // the first few errors
}

// load runs n requests through r with cfg.Concurrency callers. Each request
// body is its id followed by padding to the payload size; a response whose
// body differs from its request's is an error.
func load(ctx context.Context, cfg config, r rpc, prefix string, n int, pad string) loadResult {
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	var next atomic.Int64
	var mu sync.Mutex
	var res loadResult
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		res.errors++
		if len(res.samples) < 3 {
			res.samples = append(res.samples, err.Error())
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	for c := range min(cfg.Concurrency, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				id := prefix + strconv.Itoa(i)
				body := id + ":" + pad[min(len(pad), len(id)+1):]
				rctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
				t0 := time.Now()
				got, err := r.call(rctx, c, id, body)
				d := time.Since(t0)
				cancel()
				switch {
				case err != nil:
					fail(fmt.Errorf("request %s: %w", id, err))
				case got != body:
					fail(fmt.Errorf("request %s: wrong response %.40q", id, got))
				default:
					lat[i], ok[i] = d, true
				}
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	for i, d := range lat {
		if ok[i] {
			res.latencies = append(res.latencies, d)
		}
	}
	if missing := n - len(res.latencies) - res.errors; missing > 0 {
		// Not started: ctx ended.
		res.errors += missing
		if len(res.samples) < 3 {
			res.samples = append(res.samples, fmt.Sprintf("%d requests not run: %v", missing, context.Cause(ctx)))
		}
	}
	return res
}

// report turns a load run and the calls of its window into a Result.
func report(cfg config, backendName, mode string, ld loadResult, caller, server counts) *Result {
	n := float64(cfg.Requests)
	res := &Result{
		Mode:           mode,
		Backend:        backendName,
		Requests:       cfg.Requests,
		Concurrency:    cfg.Concurrency,
		PayloadBytes:   cfg.Payload,
		Seconds:        round(ld.elapsed.Seconds(), 3),
		RequestsPerSec: round(float64(len(ld.latencies))/ld.elapsed.Seconds(), 1),
		Errors:         ld.errors,
		ErrorSamples:   ld.samples,
		Warmup:         cfg.warmup(),
	}
	lat := slices.Clone(ld.latencies)
	slices.Sort(lat)
	if len(lat) > 0 {
		var sum time.Duration
		for _, d := range lat {
			sum += d
		}
		res.LatencyMS = Latency{
			P50:  ms(percentile(lat, 50)),
			P90:  ms(percentile(lat, 90)),
			P99:  ms(percentile(lat, 99)),
			Max:  ms(lat[len(lat)-1]),
			Mean: ms(sum / time.Duration(len(lat))),
		}
	}
	all := caller.add(server)
	res.Calls = all.calls
	res.CallsPerRequest = CallsPerRequest{
		Total:  round(float64(all.total())/n, 3),
		Caller: round(float64(caller.total())/n, 3),
		Server: round(float64(server.total())/n, 3),
	}
	perRequest := func(calls map[string]int64) map[string]float64 {
		m := make(map[string]float64, len(calls))
		for op, v := range calls {
			m[op] = round(float64(v)/n, 3)
		}
		return m
	}
	res.CallsPerRequest.ByOperation = perRequest(all.calls)
	res.CallsPerRequest.BySide.Caller = perRequest(caller.calls)
	res.CallsPerRequest.BySide.Server = perRequest(server.calls)
	res.Batching = Batching{
		CallerMessagesPerReceive: ratio(caller.received, caller.calls["ReceiveMessage"]),
		CallerEmptyReceives:      caller.emptyReceives,
		ServerMessagesPerReceive: ratio(server.received, server.calls["ReceiveMessage"]),
		ServerEmptyReceives:      server.emptyReceives,
		EntriesPerSendBatch:      ratio(all.sendEntries, all.calls["SendMessageBatch"]),
		EntriesPerDeleteBatch:    ratio(all.deleteEntries, all.calls["DeleteMessageBatch"]),
	}
	return res
}

// percentile returns the p-th percentile (nearest rank) of sorted ds.
func percentile(ds []time.Duration, p int) time.Duration {
	i := (len(ds)*p+99)/100 - 1
	return ds[max(0, min(i, len(ds)-1))]
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 3) }

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return round(float64(a)/float64(b), 2)
}

func round(x float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	if x >= 0 {
		return float64(int64(x*p+0.5)) / p
	}
	return -float64(int64(-x*p+0.5)) / p
}
