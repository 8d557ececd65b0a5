package sqstest_test

import (
	"context"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// FuzzReceiptHandle: any receipt handle is either accepted or refused with
// an SQS error; it never panics and never deletes the wrong message.
func FuzzReceiptHandle(f *testing.F) {
	f.Add("")
	f.Add("garbage")
	f.Add("cQBxADEAMgA=")
	f.Add("cQAxADEAYWJj") // base64 of "q\x001\x001\x00abc"
	f.Fuzz(func(t *testing.T, h string) {
		s := sqstest.New()
		defer s.Close()
		ctx := context.Background()
		q, _ := s.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
		_, _ = s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("x")})
		out, _ := s.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl})
		real := *out.Messages[0].ReceiptHandle
		_, err := s.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: aws.String(h)})
		if err != nil && sqsapi.Classify(err) == sqsapi.CategoryUnknown {
			t.Fatalf("DeleteMessage(%q): unclassified error %v", h, err)
		}
		_, err = s.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: q.QueueUrl, ReceiptHandle: aws.String(h)})
		if err != nil && sqsapi.Classify(err) == sqsapi.CategoryUnknown {
			t.Fatalf("ChangeMessageVisibility(%q): unclassified error %v", h, err)
		}
		attrs, _ := s.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []types.QueueAttributeName{"All"}})
		gone := attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0" && attrs.Attributes["ApproximateNumberOfMessages"] == "0"
		if gone && h != real {
			t.Fatalf("handle %q deleted the message of handle %q", h, real)
		}
	})
}

// FuzzMessageBody: a body is accepted exactly when it is valid UTF-8 of
// SQS's allowed characters, and comes back unchanged.
func FuzzMessageBody(f *testing.F) {
	for _, s := range []string{"hello", "", "\x00", "\t\n\r", "\uFFFF", "\uFFFD", "😀", "\xff", "\uD7FF\uE000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		s := sqstest.New()
		defer s.Close()
		ctx := context.Background()
		q, _ := s.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
		_, err := s.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(body)})
		if want := allowed(body); (err == nil) != want {
			t.Fatalf("SendMessage(%q): err %v, want accepted=%v", body, err, want)
		}
		if err != nil {
			if !sqsapi.IsInvalidParameter(err) {
				t.Fatalf("SendMessage(%q): %v is not an invalid-parameter error", body, err)
			}
			return
		}
		out, _ := s.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl})
		if got := *out.Messages[0].Body; got != body {
			t.Fatalf("body %q came back as %q", body, got)
		}
	})
}

func allowed(s string) bool {
	if s == "" || !utf8.ValidString(s) || len(s) > 1<<20 {
		return false
	}
	for _, r := range s {
		if !(r == 9 || r == 10 || r == 13 || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return false
		}
	}
	return true
}
