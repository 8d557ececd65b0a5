package main

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/requester"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

func TestMain(m *testing.M) { testutil.VerifyTestMain(m) }

const queueARN = "arn:aws:sqs:us-east-1:000000000000:requests"

// lambdaEvent does what Lambda's poller does for an event source mapping:
// it receives up to n messages from the queue (all attributes) and encodes
// them as an SQS event, through JSON as the Lambda runtime delivers it.
func lambdaEvent(t *testing.T, api sqsapi.API, queueURL string, n int) events.SQSEvent {
	t.Helper()
	var ev events.SQSEvent
	testutil.Eventually(t, "the requests arrive", func() bool {
		out, err := api.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &queueURL, MaxNumberOfMessages: 10,
			MessageAttributeNames: []string{"All"}, MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			ev.Records = append(ev.Records, toEventMessage(m, queueARN, "us-east-1"))
		}
		return len(ev.Records) >= n
	})
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var decoded events.SQSEvent
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	return decoded
}

func newHandler(api sqsapi.API, answer func(context.Context, string) (string, error)) *handler {
	return &handler{
		responder: responder.New(api, func(o *responder.Options) { o.Logger = testutil.Quiet }),
		answer:    answer,
		log:       testutil.Quiet,
	}
}

// TestHandlerAnswersAndReportsFailures: a requester on the in-memory SQS
// gets its answer from the handler, and a message whose handling fails is
// the only batch item failure.
func TestHandlerAnswersAndReportsFailures(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testutil.LivenessBound)
	defer cancel()
	requests := testutil.CreateQueue(t, srv, "requests", nil, nil)
	rq, err := requester.New(ctx, srv, func(o *requester.Options) {
		o.Logger = testutil.Quiet
		o.TempQueue.DisableSweeper = true
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rq.Close(context.WithoutCancel(ctx))

	type result struct {
		body string
		err  error
	}
	answered := make(chan result, 1)
	go func() {
		m, err := rq.SendMessageAndGetResponse(ctx, &sqs.SendMessageInput{QueueUrl: &requests, MessageBody: aws.String("hello"),
			MessageAttributes: map[string]types.MessageAttributeValue{
				"Trace": {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}},
			}})
		if err != nil {
			answered <- result{err: err}
			return
		}
		answered <- result{body: aws.ToString(m.Body)}
	}()
	poison, err := srv.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &requests, MessageBody: aws.String("poison")})
	if err != nil {
		t.Fatal(err)
	}

	h := newHandler(srv, func(ctx context.Context, body string) (string, error) {
		if body == "poison" {
			return "", errors.New("cannot handle")
		}
		return upperCase(ctx, body)
	})
	resp, err := h.Handle(ctx, lambdaEvent(t, srv, requests, 2))
	if err != nil {
		t.Fatalf("Handle returned an error (Lambda would retry the whole batch): %v", err)
	}
	want := []events.SQSBatchItemFailure{{ItemIdentifier: aws.ToString(poison.MessageId)}}
	if !reflect.DeepEqual(resp.BatchItemFailures, want) {
		t.Errorf("batch item failures %v, want %v", resp.BatchItemFailures, want)
	}
	if r := <-answered; r.err != nil || r.body != "HELLO" {
		t.Errorf("requester got %q, %v; want HELLO", r.body, r.err)
	}
}

// TestHandlerDropsUndeliverableReplies: replies that can never be delivered
// are not failures (retrying would not deliver them); a failing answer and
// a panic are.
func TestHandlerDropsUndeliverableReplies(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	const acct = "https://sqs.us-east-1.amazonaws.com/000000000000/"
	reply := func(url string) map[string]events.SQSMessageAttribute {
		return map[string]events.SQSMessageAttribute{sqsapi.ResponseQueueURLAttribute: {DataType: "String", StringValue: aws.String(url)}}
	}
	tests := []struct {
		name    string
		body    string
		attrs   map[string]events.SQSMessageAttribute
		failure bool
	}{
		{"requester gone", "hi", reply(acct + sqsapi.DefaultQueuePrefix + "gone#vq"), false},
		{"reply queue refused", "hi", reply(acct + "someone-elses-queue"), false},
		{"one-way message", "hi", nil, false},
		{"answer fails", " ", reply(acct + sqsapi.DefaultQueuePrefix + "gone#vq"), true},
		{"answer panics", "panic", nil, true},
	}
	h := newHandler(srv, func(ctx context.Context, body string) (string, error) {
		if body == "panic" {
			panic("bug")
		}
		return upperCase(ctx, body)
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m1", Body: tt.body, MessageAttributes: tt.attrs}}}
			resp, err := h.Handle(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(resp.BatchItemFailures) == 1; got != tt.failure {
				t.Errorf("batch item failures %v, want failure %v", resp.BatchItemFailures, tt.failure)
			}
		})
	}
	if n := srv.CallCounts()["SendMessage"] + srv.CallCounts()["SendMessageBatch"]; n > 1 {
		t.Errorf("%d sends: only the stale reply may have been tried", n)
	}
}

// TestAttributesRoundTrip: attributes survive the trip SDK -> Lambda event
// (JSON, as Lambda encodes it) -> SDK, for every data type.
func TestAttributesRoundTrip(t *testing.T) {
	m := types.Message{
		MessageId: aws.String("id"), ReceiptHandle: aws.String("rh"), Body: aws.String("b"),
		MD5OfBody: aws.String("0123"), MD5OfMessageAttributes: aws.String("4567"),
		Attributes: map[string]string{"ApproximateReceiveCount": "2", "SentTimestamp": "1520621625029"},
		MessageAttributes: map[string]types.MessageAttributeValue{
			"s":  {DataType: aws.String("String"), StringValue: aws.String("text")},
			"n":  {DataType: aws.String("Number"), StringValue: aws.String("12.5")},
			"b":  {DataType: aws.String("Binary"), BinaryValue: []byte{0, 0xff, 'x'}},
			"sc": {DataType: aws.String("String.custom"), StringValue: aws.String("c")},
		},
	}
	raw, err := json.Marshal(toEventMessage(m, queueARN, "us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	var rec events.SQSMessage
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	if got := toMessage(rec); !reflect.DeepEqual(got, m) {
		t.Errorf("round trip:\n got %+v\nwant %+v\n(JSON %s)", got, m, raw)
	}
	// The JSON carries Lambda's encoding: stringValue, binaryValue (base64), dataType.
	var generic map[string]any
	_ = json.Unmarshal(raw, &generic)
	b := generic["messageAttributes"].(map[string]any)["b"].(map[string]any)
	if b["binaryValue"] != "AP94" || b["dataType"] != "Binary" {
		t.Errorf("binary attribute encoded as %v", b)
	}
}

// TestLambdaEventJSON decodes an event as Lambda sends it (the shape of the
// SQS event in the Lambda documentation) into what the responder reads.
func TestLambdaEventJSON(t *testing.T) {
	const raw = `{"Records":[{"messageId":"059f36b4-87a3-44ab-83d2-661975830a7d","receiptHandle":"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
	  "body":"hello","attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1545082649183"},
	  "messageAttributes":{"ResponseQueueUrl":{"stringValue":"https://sqs.us-east-1.amazonaws.com/123456789012/__RequesterClientQueues__a-1#r","stringListValues":[],"binaryListValues":[],"dataType":"String"},
	    "Blob":{"binaryValue":"MTEwMA==","stringListValues":[],"binaryListValues":[],"dataType":"Binary"}},
	  "md5OfBody":"5d41402abc4b2a76b9719d911017c592","eventSource":"aws:sqs",
	  "eventSourceARN":"arn:aws:sqs:us-east-1:123456789012:requests","awsRegion":"us-east-1"}]}`
	var ev events.SQSEvent
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		t.Fatal(err)
	}
	m := toMessage(ev.Records[0])
	if !responder.IsResponseRequested(m) || aws.ToString(m.Body) != "hello" || string(m.MessageAttributes["Blob"].BinaryValue) != "1100" ||
		aws.ToString(m.MessageAttributes["Blob"].DataType) != "Binary" || m.Attributes["ApproximateReceiveCount"] != "1" {
		t.Errorf("decoded %+v", m)
	}
}

// TestHandlerSkipsExpiredRequests: a request whose caller's deadline passed
// (beyond the skew allowance) is dropped unanswered and not reported as a
// failure (Lambda deletes it); a live one is answered within its caller's
// deadline.
func TestHandlerSkipsExpiredRequests(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	deadline := func(d time.Time) map[string]events.SQSMessageAttribute {
		ms := strconv.FormatInt(d.UnixMilli(), 10)
		return map[string]events.SQSMessageAttribute{
			sqsapi.ResponseQueueURLAttribute: {DataType: "String", StringValue: aws.String("https://sqs.us-east-1.amazonaws.com/000000000000/" + sqsapi.DefaultQueuePrefix + "gone#vq")},
			sqsapi.DeadlineAttribute:         {DataType: "Number", StringValue: aws.String(ms)},
		}
	}
	live := time.Now().Add(time.Minute).Truncate(time.Millisecond)
	var mu sync.Mutex
	answered := map[string]time.Time{}
	h := newHandler(srv, func(ctx context.Context, body string) (string, error) {
		d, _ := ctx.Deadline()
		mu.Lock()
		answered[body] = d
		mu.Unlock()
		return body, nil
	})
	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "expired", Body: "expired", MessageAttributes: deadline(time.Now().Add(-deadlineSkew - time.Second))},
		{MessageId: "live", Body: "live", MessageAttributes: deadline(live)},
	}}
	resp, err := h.Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %v, %v; want no failures", resp, err)
	}
	if _, ok := answered["expired"]; ok {
		t.Error("the expired request was answered")
	}
	if d, ok := answered["live"]; !ok || !d.Equal(live) {
		t.Errorf("live request answered %v with deadline %v, want its caller's %v", ok, d, live)
	}
	if n := srv.CallCounts()["SendMessage"] + srv.CallCounts()["SendMessageBatch"]; n > 1 {
		t.Errorf("%d sends: only the live request's reply may have been tried", n)
	}
}

// TestHandlerAnswersOnlyInTheRequestQueuesAccount: a reply queue in another
// account or region than the request queue (the record's eventSourceARN) is
// refused before any send, as Serve refuses it; the record is not a failure.
func TestHandlerAnswersOnlyInTheRequestQueuesAccount(t *testing.T) {
	srv := sqstest.New()
	defer srv.Close()
	h := newHandler(srv, upperCase)
	prefix := sqsapi.DefaultQueuePrefix
	tests := []struct {
		name, reply string
		refused     bool
	}{
		{"same account and region", "https://sqs.us-east-1.amazonaws.com/000000000000/" + prefix + "gone#vq", false},
		{"another account", "https://sqs.us-east-1.amazonaws.com/111111111111/" + prefix + "h#vq", true},
		{"another region", "https://sqs.eu-west-1.amazonaws.com/000000000000/" + prefix + "h#vq", true},
		{"a plain queue in another account", "https://sqs.us-east-1.amazonaws.com/111111111111/" + prefix + "h", true},
		{"an emulator, same account", "http://127.0.0.1:4566/000000000000/" + prefix + "h#vq", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := map[string]events.SQSMessageAttribute{sqsapi.ResponseQueueURLAttribute: {DataType: "String", StringValue: aws.String(tt.reply)}}
			rec := events.SQSMessage{MessageId: "m", Body: "hi", MessageAttributes: attrs, EventSourceARN: queueARN}
			if reason := otherAccount(toMessage(rec), queueARN); (reason != "") != tt.refused {
				t.Errorf("otherAccount = %q, want refused %v", reason, tt.refused)
			}
			srv.ResetCallCounts()
			resp, err := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{rec}})
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("Handle = %v, %v; want no failure", resp, err)
			}
			sends := srv.CallCounts()["SendMessage"] + srv.CallCounts()["SendMessageBatch"]
			if tt.refused && sends != 0 {
				t.Errorf("%d sends to a refused reply queue", sends)
			}
		})
	}
}
