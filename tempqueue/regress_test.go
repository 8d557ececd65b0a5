package tempqueue_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/tempqueue"
)

// Issue 11 item 4: a virtual queue removed by idle expiry is forgotten: its
// name can be created again with other attributes, and GetQueueUrl no longer
// finds it.
func TestExpiredQueueIsForgotten(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := sqstest.New()
		defer srv.Close()
		c, err := tempqueue.New(context.Background(), srv, func(o *tempqueue.Options) { o.Logger = testutil.Quiet; o.DisableSweeper = true })
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
		for i := range 100 {
			testutil.CreateQueue(t, c, fmt.Sprint("q", i), map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "10"}, nil)
		}
		time.Sleep(11 * time.Second)
		synctest.Wait()
		if n := c.Stats().VirtualQueues; n != 0 {
			t.Fatalf("%d virtual queues left after their retention", n)
		}
		if _, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("q0"),
			Attributes: map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "20"}}); err != nil {
			t.Errorf("re-creating an expired name with another retention: %v", err)
		}
		_, err = c.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("q1")})
		if !sqsapi.IsQueueDoesNotExist(err) {
			t.Errorf("GetQueueUrl of an expired queue: %v, want QueueDoesNotExist", err)
		}
		if n := tempqueue.NamesForTest(c); n != 1 {
			t.Errorf("the client remembers %d names, want 1 (q0 re-created)", n)
		}
	})
}

// Issue 11 item 7: GetQueueAttributes on a virtual queue reports its own
// ReceiveMessageWaitTimeSeconds and IdleQueueRetentionPeriodSeconds, not its
// host's (the host's retention is the client's IdleQueueRetentionPeriod).
func TestGetQueueAttributesOfVirtualQueue(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	tests := []struct {
		name          string
		attrs         map[string]string
		wait, retains string // "" = absent
	}{
		{"plain", nil, "0", ""},
		{"own", map[string]string{"ReceiveMessageWaitTimeSeconds": "7", sqsapi.IdleQueueRetentionPeriodAttribute: "42"}, "7", "42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := testutil.CreateQueue(t, c, tt.name, tt.attrs, nil)
			out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(u),
				AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
			if err != nil {
				t.Fatal(err)
			}
			if got := out.Attributes["ReceiveMessageWaitTimeSeconds"]; got != tt.wait {
				t.Errorf("ReceiveMessageWaitTimeSeconds %q, want %q", got, tt.wait)
			}
			if got := out.Attributes[sqsapi.IdleQueueRetentionPeriodAttribute]; got != tt.retains {
				t.Errorf("IdleQueueRetentionPeriodSeconds %q, want %q", got, tt.retains)
			}
		})
	}
}

// TestFIFOSendNeedsDeduplicationID: as on SQS, a send without
// MessageDeduplicationId to a FIFO queue is refused unless the queue has
// ContentBasedDeduplication; with it, the send is accepted.
func TestFIFOSendNeedsDeduplicationID(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	c, err := tempqueue.New(context.Background(), srv, func(o *tempqueue.Options) { o.Logger = testutil.Quiet; o.DisableSweeper = true })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	for _, tc := range []struct {
		name, cbd string
		ok        bool
	}{
		{"plain.fifo", "false", false},
		{"content.fifo", "true", true},
	} {
		q := testutil.CreateQueue(t, c, tc.name, map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": tc.cbd}, nil)
		_, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &q, MessageBody: aws.String("x"), MessageGroupId: aws.String("g")})
		var bad *sqsapi.InvalidParameterError
		if refused := errors.As(err, &bad) && bad.Param == "MessageDeduplicationId"; refused == tc.ok || (tc.ok && err != nil) {
			t.Errorf("%s (ContentBasedDeduplication %s): send without MessageDeduplicationId: %v; want accepted %v", tc.name, tc.cbd, err, tc.ok)
		}
	}
}
