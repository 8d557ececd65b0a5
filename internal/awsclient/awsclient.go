package awsclient

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// EndpointEnv names the environment variable that points the integration
// tests at an SQS endpoint: a URL (the emulator that scripts/test starts),
// or "aws" for real AWS through the default configuration chain.
const EndpointEnv = "SQSTEMP_SQS_ENDPOINT"

// AWS is the endpoint value that means real AWS.
const AWS = "aws"

// New returns an SQS client for endpoint: "aws" (or "") uses the default
// configuration chain; a URL is used as the base endpoint, with static dummy
// credentials and region us-east-1 unless the environment provides them.
func New(ctx context.Context, endpoint string, optFns ...func(*sqs.Options)) (*sqs.Client, error) {
	if endpoint == "" || endpoint == AWS {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("awsclient: load AWS config: %w", err)
		}
		return sqs.NewFromConfig(cfg, optFns...), nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("awsclient: endpoint %q is not an http(s) URL", endpoint)
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}
	opts := append([]func(*sqs.Options){func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) }}, optFns...)
	return sqs.NewFromConfig(cfg, opts...), nil
}

// Endpoint returns the endpoint named by EndpointEnv, or skips the test with
// a message saying how to run it.
func Endpoint(tb testing.TB) string {
	tb.Helper()
	ep := os.Getenv(EndpointEnv)
	if ep == "" {
		tb.Skipf("%s is not set: this test needs an SQS endpoint; run ./scripts/test (starts the fauxqs emulator on 127.0.0.1) or set %s=aws for real AWS", EndpointEnv, EndpointEnv)
	}
	return ep
}

// ForTest returns a client for the endpoint named by EndpointEnv, or skips.
func ForTest(tb testing.TB, optFns ...func(*sqs.Options)) *sqs.Client {
	tb.Helper()
	c, err := New(context.Background(), Endpoint(tb), optFns...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
