package faultproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Fault is a kind of fault the proxy injects.
type Fault int

// The faults. Error500 and Throttle answer without forwarding; DropBefore
// closes the connection without forwarding (the request did not take
// effect); DropAfter forwards, waits for the target's whole response, then
// closes the connection without replying (the request DID take effect);
// Delay forwards after Options.Delay.
const (
	None Fault = iota
	Error500
	Throttle
	DropBefore
	DropAfter
	Delay
	numFaults
)

var faultNames = [...]string{"None", "Error500", "Throttle", "DropBefore", "DropAfter", "Delay"}

// String returns the fault's name.
func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// Rates are the shares of requests (each in [0, 1], summing to at most 1)
// that get each fault. The rest are forwarded untouched.
type Rates struct {
	Error500   float64
	Throttle   float64
	DropBefore float64
	DropAfter  float64
	Delay      float64
}

// Uniform returns Rates with share r for every fault kind.
func Uniform(r float64) Rates {
	return Rates{Error500: r, Throttle: r, DropBefore: r, DropAfter: r, Delay: r}
}

func (r Rates) list() [numFaults]float64 {
	return [numFaults]float64{0, r.Error500, r.Throttle, r.DropBefore, r.DropAfter, r.Delay}
}

func (r Rates) validate() error {
	sum := 0.0
	for f, v := range r.list() {
		if v < 0 || v > 1 || v != v {
			return fmt.Errorf("faultproxy: rate %v for %v is not in [0, 1]", v, Fault(f))
		}
		sum += v
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("faultproxy: rates %+v sum to %v, more than 1", r, sum)
	}
	return nil
}

// Options configure a Proxy.
type Options struct {
	// Rates are the initial fault rates (default: none). See SetRates.
	Rates Rates
	// Delay is how long a Delay fault holds a request before forwarding it.
	// Default 200 ms.
	Delay time.Duration
	// Seed, when not zero, makes the sequence of fault decisions
	// deterministic: the n-th request the proxy decides on gets the same
	// fault in every run with the same seed and rates (which request is the
	// n-th still depends on arrival order when callers are concurrent).
	// Zero seeds randomly.
	Seed uint64
	// Match, when set, limits faults to requests for which it returns true
	// (op is the SQS operation, e.g. "SendMessage"); others are forwarded.
	Match func(op string) bool
	// Transport forwards requests to the target; default: a private
	// http.Transport that Close shuts.
	Transport http.RoundTripper
}

// OpCounts counts what the proxy did with the requests for one operation.
// Requests = Forwarded + Error500 + Throttle + DropBefore + TargetErrors +
// Canceled (DropAfter and Delay requests are forwarded, and counted in
// Forwarded too, unless the target failed or the caller gave up first).
type OpCounts struct {
	Requests     int // received
	Forwarded    int // whose response came back from the target (passed on or, for DropAfter, dropped)
	Error500     int // answered 500 InternalFailure, not forwarded
	Throttle     int // answered 400 RequestThrottled, not forwarded
	DropBefore   int // connection closed, not forwarded
	DropAfter    int // forwarded, then connection closed without the response
	Delay        int // delayed, then forwarded
	TargetErrors int // the target could not be reached or failed; answered 502
	Canceled     int // the caller gave up (or the proxy closed) before an answer
}

// Injected is the number of faults injected.
func (c OpCounts) Injected() int {
	return c.Error500 + c.Throttle + c.DropBefore + c.DropAfter + c.Delay
}

// Of returns the count for fault f.
func (c OpCounts) Of(f Fault) int {
	switch f {
	case Error500:
		return c.Error500
	case Throttle:
		return c.Throttle
	case DropBefore:
		return c.DropBefore
	case DropAfter:
		return c.DropAfter
	case Delay:
		return c.Delay
	}
	return 0
}

func (c *OpCounts) add(o OpCounts) {
	c.Requests += o.Requests
	c.Forwarded += o.Forwarded
	c.Error500 += o.Error500
	c.Throttle += o.Throttle
	c.DropBefore += o.DropBefore
	c.DropAfter += o.DropAfter
	c.Delay += o.Delay
	c.TargetErrors += o.TargetErrors
	c.Canceled += o.Canceled
}

// Proxy is a fault-injecting HTTP proxy on 127.0.0.1 in front of an SQS
// endpoint. Its methods are safe for concurrent use.
type Proxy struct {
	target  *url.URL
	opts    Options
	ln      net.Listener
	srv     *http.Server
	rp      *httputil.ReverseProxy
	tr      http.RoundTripper
	closing chan struct{}
	served  chan struct{}

	mu     sync.Mutex
	rates  Rates
	forced []Fault // faults for the next requests, before rates apply
	rng    *rand.Rand
	counts map[string]*OpCounts
	closed bool
	wg     sync.WaitGroup // handlers
}

// New starts a proxy on 127.0.0.1 (a free port) that forwards to target, an
// http URL such as the emulator's endpoint.
func New(target string, optFns ...func(*Options)) (*Proxy, error) {
	opts := Options{Delay: 200 * time.Millisecond}
	for _, fn := range optFns {
		fn(&opts)
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("faultproxy: target %q is not an http(s) URL", target)
	}
	if err := opts.Rates.validate(); err != nil {
		return nil, err
	}
	if opts.Delay < 0 {
		return nil, fmt.Errorf("faultproxy: negative Delay %v", opts.Delay)
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	tr := opts.Transport
	if tr == nil {
		tr = &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 128,
			IdleConnTimeout:     30 * time.Second,
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	p := &Proxy{
		target:  u,
		opts:    opts,
		ln:      ln,
		tr:      tr,
		closing: make(chan struct{}),
		served:  make(chan struct{}),
		rates:   opts.Rates,
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		counts:  make(map[string]*OpCounts),
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			// Keep the caller's Host, as a transparent proxy would: the
			// emulator then names the proxy in the queue URLs it builds.
			pr.Out.Host = pr.In.Host
		},
		Transport:    tr,
		ErrorHandler: p.targetError,
	}
	p.srv = &http.Server{
		Handler:           http.HandlerFunc(p.serve),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          nil,
	}
	go func() {
		defer close(p.served)
		_ = p.srv.Serve(ln)
	}()
	return p, nil
}

// URL returns the proxy's endpoint, http://127.0.0.1:PORT.
func (p *Proxy) URL() string { return "http://" + p.ln.Addr().String() }

// Target returns the URL the proxy forwards to.
func (p *Proxy) Target() string { return p.target.String() }

// SetRates changes the fault rates for the requests that arrive from now on.
func (p *Proxy) SetRates(r Rates) error {
	if err := r.validate(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rates = r
	return nil
}

// Rates returns the current fault rates.
func (p *Proxy) Rates() Rates {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rates
}

// InjectNext makes the next n requests (that Options.Match accepts) get
// fault f, ahead of the rates. Calls queue up in order.
func (p *Proxy) InjectNext(f Fault, n int) {
	if f < None || f >= numFaults {
		panic(fmt.Sprintf("faultproxy: InjectNext: bad fault %v", f))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for range n {
		p.forced = append(p.forced, f)
	}
}

// Counts returns a snapshot of the counts by SQS operation (the part of the
// X-Amz-Target header after "AmazonSQS."; "" when absent).
func (p *Proxy) Counts() map[string]OpCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := make(map[string]OpCounts, len(p.counts))
	for op, c := range p.counts {
		m[op] = *c
	}
	return m
}

// Totals returns the counts summed over all operations.
func (p *Proxy) Totals() OpCounts {
	var t OpCounts
	for _, c := range p.Counts() {
		t.add(c)
	}
	return t
}

// ResetCounts sets every count to zero.
func (p *Proxy) ResetCounts() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts = make(map[string]*OpCounts)
}

// Close stops the proxy: it closes the listener and every connection,
// cancels delayed and in-flight requests, and waits for its goroutines. It
// is idempotent.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.closing)
	p.mu.Unlock()
	err := p.srv.Close()
	<-p.served
	p.wg.Wait()
	if ci, ok := p.tr.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("faultproxy: close: %w", err)
	}
	return nil
}

// operation returns the SQS operation named by r's X-Amz-Target header.
func operation(r *http.Request) string {
	t := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		return t[i+1:]
	}
	return t
}

// decide picks the fault for one request and counts it as received.
func (p *Proxy) decide(op string) (Fault, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return None, false
	}
	p.wg.Add(1)
	c := p.countsLocked(op)
	c.Requests++
	if p.opts.Match != nil && !p.opts.Match(op) {
		return None, true
	}
	if len(p.forced) > 0 {
		f := p.forced[0]
		p.forced = p.forced[1:]
		return f, true
	}
	x := p.rng.Float64()
	for f, share := range p.rates.list() {
		if f == int(None) {
			continue
		}
		if x < share {
			return Fault(f), true
		}
		x -= share
	}
	return None, true
}

func (p *Proxy) countsLocked(op string) *OpCounts {
	c := p.counts[op]
	if c == nil {
		c = &OpCounts{}
		p.counts[op] = c
	}
	return c
}

func (p *Proxy) count(op string, fn func(*OpCounts)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p.countsLocked(op))
}

// ctxKey carries the operation to the ReverseProxy's hooks.
type ctxKey struct{}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	op := operation(r)
	fault, ok := p.decide(op)
	if !ok {
		hijackClose(w)
		return
	}
	defer p.wg.Done()
	// Cancel the request's work when the proxy closes.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() { // ends when the handler returns (deferred cancel)
		select {
		case <-p.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	r = r.WithContext(context.WithValue(ctx, ctxKey{}, op))

	switch fault {
	case Error500:
		p.count(op, func(c *OpCounts) { c.Error500++ })
		writeError(w, http.StatusInternalServerError, "InternalError;Receiver",
			"com.amazon.coral.service#InternalFailure", "faultproxy: injected internal failure")
		return
	case Throttle:
		p.count(op, func(c *OpCounts) { c.Throttle++ })
		writeError(w, http.StatusBadRequest, "RequestThrottled;Sender",
			"com.amazonaws.sqs#RequestThrottled", "faultproxy: injected throttling")
		return
	case DropBefore:
		p.count(op, func(c *OpCounts) { c.DropBefore++ })
		_, _ = io.Copy(io.Discard, r.Body)
		hijackClose(w)
		return
	case DropAfter:
		p.count(op, func(c *OpCounts) { c.DropAfter++ })
		if p.forwardAndDrop(w, r, op) {
			p.count(op, func(c *OpCounts) { c.Forwarded++ })
		}
		hijackClose(w)
		return
	case Delay:
		p.count(op, func(c *OpCounts) { c.Delay++ })
		t := time.NewTimer(p.opts.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			p.count(op, func(c *OpCounts) { c.Canceled++ })
			hijackClose(w)
			return
		}
	}
	cw := &countingWriter{ResponseWriter: w}
	p.rp.ServeHTTP(cw, r)
	if !cw.failed {
		p.count(op, func(c *OpCounts) { c.Forwarded++ })
	}
}

// forwardAndDrop sends r to the target and reads the whole response, which
// it then throws away. It reports whether the target answered.
func (p *Proxy) forwardAndDrop(w http.ResponseWriter, r *http.Request, op string) bool {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme = p.target.Scheme
	out.URL.Host = p.target.Host
	out.URL.Path = singleJoin(p.target.Path, r.URL.Path)
	out.Host = r.Host
	out.Header.Del("Connection")
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		p.count(op, func(c *OpCounts) {
			if r.Context().Err() != nil {
				c.Canceled++
			} else {
				c.TargetErrors++
			}
		})
		return false
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		p.count(op, func(c *OpCounts) { c.TargetErrors++ })
		return false
	}
	return true
}

func singleJoin(a, b string) string {
	switch {
	case a == "":
		return b
	case strings.HasSuffix(a, "/") && strings.HasPrefix(b, "/"):
		return a + b[1:]
	case !strings.HasSuffix(a, "/") && !strings.HasPrefix(b, "/"):
		return a + "/" + b
	}
	return a + b
}

// countingWriter notes whether the ReverseProxy's ErrorHandler answered.
type countingWriter struct {
	http.ResponseWriter
	failed bool
}

// Unwrap lets http.ResponseController reach the real writer.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// targetError answers 502 when the target cannot be reached (for example an
// emulator that is stopped), in the SQS JSON error shape, so that the SDK
// retries.
func (p *Proxy) targetError(w http.ResponseWriter, r *http.Request, err error) {
	op, _ := r.Context().Value(ctxKey{}).(string)
	if cw, ok := w.(*countingWriter); ok {
		cw.failed = true
	}
	if r.Context().Err() != nil {
		p.count(op, func(c *OpCounts) { c.Canceled++ })
		hijackClose(w)
		return
	}
	p.count(op, func(c *OpCounts) { c.TargetErrors++ })
	writeError(w, http.StatusBadGateway, "ServiceUnavailable;Receiver",
		"com.amazonaws.sqs#ServiceUnavailable", "faultproxy: target unreachable: "+err.Error())
}

// writeError answers in the shape SQS's JSON protocol uses for errors.
func writeError(w http.ResponseWriter, status int, queryError, typ, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amzn-Query-Error", queryError)
	h.Set("X-Amzn-RequestId", "faultproxy")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"__type":%q,"message":%q}`, typ, msg)
}

// hijackClose closes the client connection without a reply.
func hijackClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Cannot hijack (HTTP/2 or already hijacked): abort the handler,
		// which makes the server close the connection.
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // reset, like a crashed server
	}
	_ = conn.Close()
}
