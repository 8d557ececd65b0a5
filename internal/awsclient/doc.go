// Package awsclient builds the *sqs.Client that tests, examples and the
// benchmark program use to reach a real SQS endpoint: real AWS through the
// SDK's default configuration chain, or any SQS-compatible server (such as
// the fauxqs emulator on loopback) by URL.
package awsclient
