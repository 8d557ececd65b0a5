// Package readmecheck holds tests that keep claims of the module's
// README.md true against the code: the IAM policy it shows names exactly
// the SQS actions the library can call. It has no code of its own.
package readmecheck
