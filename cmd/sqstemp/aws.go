package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Filled in for a local emulator only, when the configuration has none.
const (
	localRegion      = "us-east-1"
	localAccessKeyID = "sqstemp-local-emulator"
)

// connectSQS returns an SQS client from the SDK's default configuration
// chain, with endpoint (if not "") as its base endpoint. For a loopback
// endpoint it also supplies a region and dummy credentials when none are
// configured: an emulator checks neither, and an operator should not need
// AWS credentials to look at one. It never does so for any other endpoint.
func connectSQS(ctx context.Context, endpoint string) (sqsapi.API, error) {
	local := isLoopback(endpoint)
	var loadOpts []func(*config.LoadOptions) error
	if local {
		// No instance-role lookup (and its timeouts) for a local emulator.
		loadOpts = append(loadOpts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if local {
		if cfg.Region == "" {
			cfg.Region = localRegion
		}
		if cfg.Credentials == nil || !hasCredentials(ctx, cfg.Credentials) {
			cfg.Credentials = credentials.NewStaticCredentialsProvider(localAccessKeyID, "unused", "")
		}
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region configured: set AWS_REGION, or region in your AWS profile")
	}
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

// hasCredentials reports whether the configured chain yields credentials.
func hasCredentials(ctx context.Context, p aws.CredentialsProvider) bool {
	_, err := p.Retrieve(ctx)
	return err == nil
}

// isLoopback reports whether endpoint is a URL naming this machine:
// "localhost" or a loopback IP address.
func isLoopback(endpoint string) bool {
	if endpoint == "" {
		return false
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
