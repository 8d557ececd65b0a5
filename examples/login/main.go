package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

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
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if *verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if err := run(context.Background(), os.Stdout, *endpoint, logger); err != nil {
		fmt.Fprintln(os.Stderr, "login:", err)
		os.Exit(1)
	}
}

// LoginClient handles a user's login request on the client side.
type LoginClient struct {
	requestQueueURL string               // the queue to send requests to
	requester       *requester.Requester // one temporary host queue for all responses
}

// Login sends a login request to the server and returns its answer. If no
// answer comes within 20 seconds, the error satisfies
// errors.Is(err, context.DeadlineExceeded).
func (c *LoginClient) Login(ctx context.Context, body string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	// This creates a virtual response queue, attaches its URL to the request
	// as the ResponseQueueUrl attribute, sends the request, waits for the
	// response on the virtual queue, deletes the response and the virtual
	// queue, and returns the response.
	resp, err := c.requester.SendMessageAndGetResponse(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(c.requestQueueURL),
		MessageBody: aws.String(body),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(resp.Body), nil
}

// LoginServer processes users' login requests on the server side.
type LoginServer struct {
	out   io.Writer
	users map[string]string // user -> password
}

// ServeSQS handles one login request; responder.Serve sends the response
// to the request's ResponseQueueUrl and then deletes the request.
func (s *LoginServer) ServeSQS(_ context.Context, req types.Message) (*sqs.SendMessageInput, error) {
	resp := s.doLogin(aws.ToString(req.Body))
	fmt.Fprintf(s.out, "server: handled login request %q\n", aws.ToString(req.Body))
	return &sqs.SendMessageInput{MessageBody: aws.String(resp)}, nil
}

// doLogin does the actual work and returns a serialized result.
func (s *LoginServer) doLogin(body string) string {
	user, password, _ := strings.Cut(body, ":")
	if want, ok := s.users[user]; ok && password == want {
		return "OK: welcome, " + user
	}
	return "DENIED: bad user name or password for " + user
}

func run(ctx context.Context, out io.Writer, endpoint string, logger *slog.Logger) (err error) {
	var api sqsapi.API
	queueName := "login-requests"
	if endpoint == "" {
		srv := sqstest.New()
		defer srv.Close()
		api = srv
	} else {
		c, err := sqsClient(ctx, endpoint)
		if err != nil {
			return err
		}
		api = c
		queueName += "-" + uuid.NewString()[:8] // unique on a shared server
	}

	q, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(queueName)})
	if err != nil {
		return fmt.Errorf("create request queue: %w", err)
	}
	requestQueueURL := aws.ToString(q.QueueUrl)
	defer func() {
		_, derr := api.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl})
		err = errors.Join(err, derr)
	}()

	// The server side: serve the request queue until stopped.
	server := &LoginServer{out: out, users: map[string]string{"alice": "wonderland", "bob": "builder"}}
	resp := responder.New(api, func(o *responder.Options) { o.Logger = logger })
	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- resp.Serve(serveCtx, requestQueueURL, server) }()
	defer func() {
		stopServing()
		err = errors.Join(err, <-served)
	}()

	// The client side.
	req, err := requester.New(ctx, api, func(o *requester.Options) {
		o.Logger = logger
		// The demo deletes everything it creates. A long-running service keeps
		// the sweeper on: it deletes the host queues of processes that died.
		o.TempQueue.DisableSweeper = true
	})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, req.Close(context.WithoutCancel(ctx))) }()
	client := &LoginClient{requestQueueURL: requestQueueURL, requester: req}

	for _, login := range []string{"alice:wonderland", "bob:builder", "mallory:guess"} {
		answer, err := client.Login(ctx, login)
		if err != nil {
			return fmt.Errorf("login %q: %w", login, err)
		}
		fmt.Fprintf(out, "client: login %q -> %q\n", login, answer)
	}
	return nil
}

// sqsClient returns the SQS client for -endpoint "aws" or a URL.
func sqsClient(ctx context.Context, endpoint string) (*sqs.Client, error) {
	if endpoint != "aws" {
		return awsclient.New(ctx, endpoint) // an SQS-compatible server, with test credentials
	}
	// Real AWS: credentials, region and endpoint (AWS_ENDPOINT_URL_SQS)
	// from the SDK's standard chain; nothing else is needed.
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return sqs.NewFromConfig(cfg), nil
}
