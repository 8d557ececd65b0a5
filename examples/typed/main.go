package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/requester"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

func main() {
	endpoint := flag.String("endpoint", "", `SQS endpoint: "" for the embedded in-memory SQS, a URL for an SQS-compatible server, "aws" for real AWS`)
	verbose := flag.Bool("v", false, "log what the library does")
	flag.Parse()
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if err := run(context.Background(), os.Stdout, *endpoint, logger); err != nil {
		fmt.Fprintln(os.Stderr, "typed:", err)
		os.Exit(1)
	}
}

// app is the client side of the demo: the requester, and the program's own
// tracer, whose spans the library's join.
type app struct {
	out    io.Writer
	tracer trace.Tracer
	spans  *spanLog
	r      *requester.Requester
	queue  string
}

// getUser calls the users service under a span of the program's own, with
// a deadline, and prints the answer and the trace.
func (a *app) getUser(ctx context.Context, id int, timeout time.Duration, spans int) {
	ctx, span := a.tracer.Start(ctx, fmt.Sprintf("lookup user %d", id))
	ctx, cancel := context.WithTimeout(ctx, timeout)
	u, err := requester.Call[GetUser, User](ctx, a.r, a.queue, GetUser{ID: id})
	cancel()
	span.End()
	var remote *requester.RemoteError
	switch {
	case errors.As(err, &remote):
		fmt.Fprintf(a.out, "client: GetUser %d -> error reply %s: %s\n", id, remote.Code, remote.Message)
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(a.out, "client: GetUser %d -> gave up after %v\n", id, timeout)
	case err != nil:
		fmt.Fprintf(a.out, "client: GetUser %d -> %v\n", id, err)
	default:
		fmt.Fprintf(a.out, "client: GetUser %d -> %+v\n", id, u)
	}
	a.spans.print(a.out, span.SpanContext().TraceID(), spans)
}

func run(ctx context.Context, out io.Writer, endpoint string, logger *slog.Logger) (err error) {
	api, queueName, closeAPI, err := connect(ctx, endpoint)
	if err != nil {
		return err
	}
	defer closeAPI()
	q, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(queueName)})
	if err != nil {
		return fmt.Errorf("create request queue: %w", err)
	}
	defer func() {
		_, derr := api.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl})
		err = errors.Join(err, derr)
	}()

	// Tracing: an SDK tracer provider exporting to spanLog, and the W3C
	// propagator. A service would install them globally (otel.Set...) and
	// leave the library's options unset.
	spans := &spanLog{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer func() { err = errors.Join(err, tp.Shutdown(context.WithoutCancel(ctx))) }()
	prop := propagation.TraceContext{}

	r, err := requester.New(ctx, api, func(o *requester.Options) {
		o.Logger, o.TracerProvider, o.Propagator = logger, tp, prop
		o.TempQueue.DisableSweeper = true // the demo deletes what it creates
	})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, r.Close(context.WithoutCancel(ctx))) }()
	a := &app{out: out, tracer: tp.Tracer("examples/typed"), spans: spans, r: r, queue: aws.ToString(q.QueueUrl)}

	fmt.Fprintln(out, "-- the server is down; three callers give up after 300 ms")
	for id := 1; id <= 3; id++ {
		a.getUser(ctx, id, 300*time.Millisecond, 2)
	}
	time.Sleep(500 * time.Millisecond) // the deadlines are past, beyond the skew allowance

	fmt.Fprintln(out, "-- the server starts")
	resp := responder.New(api, func(o *responder.Options) {
		o.Logger, o.TracerProvider, o.Propagator = logger, tp, prop
		o.DeadlineSkew = 100 * time.Millisecond // one process: one clock
	})
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	users := map[int]User{7: {ID: 7, Name: "alice"}}
	go func() { served <- resp.Serve(serveCtx, a.queue, usersHandler(out, users)) }()
	a.getUser(ctx, 7, 5*time.Second, 3)
	a.getUser(ctx, 42, 5*time.Second, 3)
	stop()
	if err := <-served; err != nil {
		return err
	}
	st := resp.Stats()
	fmt.Fprintf(out, "-- server stats: %d handled, %d expired requests dropped unhandled, %d error replies\n",
		st.Handled, st.Expired, st.ErrorReplies)
	return nil
}

// connect returns the API to use: the embedded in-memory SQS, or a client
// of endpoint; and the request queue's name (unique on a shared server).
func connect(ctx context.Context, endpoint string) (sqsapi.API, string, func(), error) {
	if endpoint == "" {
		srv := sqstest.New()
		return srv, "typed-users", srv.Close, nil
	}
	var c *sqs.Client
	if endpoint == "aws" {
		// Real AWS: credentials, region and endpoint (AWS_ENDPOINT_URL_SQS)
		// from the SDK's standard chain.
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, "", nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		c = sqs.NewFromConfig(cfg)
	} else {
		var err error
		if c, err = awsclient.New(ctx, endpoint); err != nil { // an SQS-compatible server, with test credentials
			return nil, "", nil, err
		}
	}
	return c, "typed-users-" + uuid.NewString()[:8], func() {}, nil
}
