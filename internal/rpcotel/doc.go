// Package rpcotel holds what packages requester and responder share for
// OpenTelemetry: defaults from the global providers, the SQS call counter,
// and the messaging semantic-convention attributes of their spans. It uses
// the OpenTelemetry API only; the application chooses the SDK.
package rpcotel
