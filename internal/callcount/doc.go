// Package callcount counts the SQS calls made through an sqsapi.API, by
// operation, so that the clients built on it can report what they cost.
package callcount
