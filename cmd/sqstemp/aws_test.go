package main

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// isolateAWSConfig makes the SDK's default chain see no configuration at
// all (no environment credentials, no files, no instance role).
func isolateAWSConfig(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
	}
}

func clientOptions(t *testing.T, endpoint string) (sqs.Options, aws.Credentials, error) {
	t.Helper()
	api, err := connectSQS(context.Background(), endpoint)
	if err != nil {
		t.Fatalf("connectSQS(%q): %v", endpoint, err)
	}
	o := api.(*sqs.Client).Options()
	creds, err := o.Credentials.Retrieve(context.Background())
	return o, creds, err
}

func TestConnectLocalEmulatorWithoutConfiguration(t *testing.T) {
	isolateAWSConfig(t)
	o, creds, err := clientOptions(t, "http://127.0.0.1:9324")
	if err != nil || creds.AccessKeyID != localAccessKeyID || o.Region != localRegion || aws.ToString(o.BaseEndpoint) != "http://127.0.0.1:9324" {
		t.Errorf("got region %q, endpoint %q, key %q (%v); want the dummy credentials, %s and the endpoint", o.Region, aws.ToString(o.BaseEndpoint), creds.AccessKeyID, err, localRegion)
	}
}

func TestConnectLocalEmulatorKeepsConfiguration(t *testing.T) {
	isolateAWSConfig(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDCONFIGURED")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "eu-west-1")
	o, creds, err := clientOptions(t, "http://localhost:9324")
	if err != nil || creds.AccessKeyID != "AKIDCONFIGURED" || o.Region != "eu-west-1" {
		t.Errorf("got region %q, key %q (%v); want the configured ones", o.Region, creds.AccessKeyID, err)
	}
}

func TestConnectElsewhereNeverFillsIn(t *testing.T) {
	isolateAWSConfig(t)
	t.Setenv("AWS_REGION", "eu-west-1")
	_, creds, err := clientOptions(t, "http://sqs.internal.example:9324")
	if err == nil || creds.AccessKeyID == localAccessKeyID {
		t.Errorf("a non-loopback endpoint got credentials %q (err %v): dummy credentials are for a local emulator only", creds.AccessKeyID, err)
	}
	if _, err := connectSQS(context.Background(), ""); err != nil {
		t.Errorf("with a region, no endpoint: %v", err)
	}
	t.Setenv("AWS_REGION", "")
	if _, err := connectSQS(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("without a region: err %v, want one saying how to set it", err)
	}
}

func TestIsLoopback(t *testing.T) {
	for ep, want := range map[string]bool{
		"http://localhost:4566":               true,
		"http://127.0.0.1:9324":               true,
		"http://127.8.9.10":                   true,
		"http://[::1]:9324":                   true,
		"https://sqs.us-east-1.amazonaws.com": false,
		"http://localhost.evil.example":       false,
		"http://10.0.0.1:9324":                false,
		"":                                    false,
	} {
		if got := isLoopback(ep); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", ep, got, want)
		}
	}
}
