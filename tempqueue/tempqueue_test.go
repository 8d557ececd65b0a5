package tempqueue_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/tempqueue"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

func TestMain(m *testing.M) { testutil.VerifyTestMain(m) }

func newClient(t testing.TB, api sqsapi.API, more ...func(*tempqueue.Options)) *tempqueue.Client {
	t.Helper()
	opts := append([]func(*tempqueue.Options){func(o *tempqueue.Options) {
		o.Logger = testutil.Quiet
		o.DisableSweeper = true
	}}, more...)
	c, err := tempqueue.New(context.Background(), api, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

// newServer returns an sqstest server closed after the test's clients.
func newServer(t testing.TB) *sqstest.Server {
	srv := sqstest.New()
	t.Cleanup(srv.Close)
	return srv
}

func hostOf(t testing.TB, url string) string {
	t.Helper()
	h, _, ok := virtualqueue.ParseURL(url)
	if !ok {
		t.Fatalf("%s is not a virtual queue URL", url)
	}
	return h
}

func TestOneHostPerAttributeSet(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)

	a := testutil.CreateQueue(t, c, "a", nil, nil)
	b := testutil.CreateQueue(t, c, "b", map[string]string{"FifoQueue": "false"}, nil) // same set as none
	v := testutil.CreateQueue(t, c, "v", map[string]string{"VisibilityTimeout": "60"}, nil)
	f := testutil.CreateQueue(t, c, "f.fifo", map[string]string{"FifoQueue": "true"}, nil)
	r := testutil.CreateQueue(t, c, "r", map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "60"}, nil) // virtual-only attribute
	if hostOf(t, a) != hostOf(t, b) || hostOf(t, a) != hostOf(t, r) {
		t.Errorf("same attribute set, different hosts: %s %s %s", a, b, r)
	}
	if hostOf(t, a) == hostOf(t, v) || hostOf(t, a) == hostOf(t, f) {
		t.Errorf("different attribute sets share a host: %s %s %s", a, v, f)
	}
	if !strings.HasSuffix(hostOf(t, f), ".fifo") {
		t.Errorf("FIFO host %s does not end in .fifo", hostOf(t, f))
	}
	for _, u := range []string{a, v, f} {
		name := u[strings.LastIndexByte(hostOf(t, u), '/')+1 : len(hostOf(t, u))]
		if !strings.HasPrefix(name, sqsapi.DefaultQueuePrefix) {
			t.Errorf("host %s lacks the prefix", name)
		}
	}
	if got := srv.CallCounts()["CreateQueue"]; got != 3 {
		t.Errorf("CreateQueue calls = %d, want 3 (one per attribute set)", got)
	}
	attrs, err := srv.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(hostOf(t, v)), AttributeNames: []types.QueueAttributeName{"VisibilityTimeout"}})
	if err != nil || attrs.Attributes["VisibilityTimeout"] != "60" {
		t.Errorf("host attributes = %v, %v; want VisibilityTimeout 60", attrs, err)
	}
	if st := c.Stats(); st.Hosts != 3 || st.VirtualQueues != 5 {
		t.Errorf("Stats hosts=%d virtual=%d, want 3 and 5", st.Hosts, st.VirtualQueues)
	}
}

func TestConcurrentCreatesShareOneHost(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	var wg sync.WaitGroup
	urls := make([]string, 50)
	for i := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			urls[i] = testutil.CreateQueue(t, c, "q"+string(rune('a'+i%26))+strings.Repeat("x", i/26), nil, nil)
		}()
	}
	wg.Wait()
	if got := srv.CallCounts()["CreateQueue"]; got != 1 {
		t.Fatalf("CreateQueue calls = %d, want 1", got)
	}
}

func TestRefusedAttributes(t *testing.T) {
	tests := []struct {
		name  string
		queue string
		attrs map[string]string
		param string
	}{
		{"redrive policy", "q", map[string]string{"RedrivePolicy": `{"maxReceiveCount":"3","deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq"}`}, "Attributes"},
		{"redrive allow policy", "q", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"allowAll"}`}, "Attributes"},
		{"policy", "q", map[string]string{"Policy": "{}"}, "Attributes"},
		{"host queue", "q", map[string]string{sqsapi.HostQueueURLAttribute: "https://sqs.us-east-1.amazonaws.com/000000000000/h"}, "Attributes"},
		{"unknown", "q", map[string]string{"Colour": "blue"}, "Attributes"},
		{"bad fifo flag", "q", map[string]string{"FifoQueue": "yes"}, "FifoQueue"},
		{"fifo without suffix", "q", map[string]string{"FifoQueue": "true"}, "QueueName"},
		{"suffix without fifo", "q.fifo", nil, "QueueName"},
		{"bad retention", "q", map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "0"}, sqsapi.IdleQueueRetentionPeriodAttribute},
		{"bad wait", "q", map[string]string{"ReceiveMessageWaitTimeSeconds": "21"}, "ReceiveMessageWaitTimeSeconds"},
		{"bad name", "a b", nil, "QueueName"},
	}
	srv := newServer(t)
	c := newClient(t, srv)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(tt.queue), Attributes: tt.attrs})
			var bad *sqsapi.InvalidParameterError
			if !errors.As(err, &bad) {
				t.Fatalf("err = %v, want *sqsapi.InvalidParameterError", err)
			}
			if bad.Param != tt.param {
				t.Errorf("Param = %q, want %q (%v)", bad.Param, tt.param, err)
			}
		})
	}
	if n := len(srv.CallCounts()); n != 0 {
		t.Errorf("refused creates made SQS calls: %v", srv.CallCounts())
	}
}

func TestSameNameSemantics(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	u1 := testutil.CreateQueue(t, c, "dup", map[string]string{"DelaySeconds": "1"}, nil)
	u2 := testutil.CreateQueue(t, c, "dup", map[string]string{"DelaySeconds": "1"}, nil)
	if u1 != u2 {
		t.Errorf("same name and attributes: %s != %s", u1, u2)
	}
	_, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("dup")})
	if !sqsapi.IsQueueNameExists(err) {
		t.Errorf("same name, other attributes: err = %v, want QueueNameExists", err)
	}
	got, err := c.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("dup")})
	if err != nil || aws.ToString(got.QueueUrl) != u1 {
		t.Errorf("GetQueueUrl = %v, %v; want %s", got, err, u1)
	}
	if _, err := c.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(u1)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("dup")})
	if !sqsapi.IsQueueDoesNotExist(err) {
		t.Errorf("GetQueueUrl after delete: err = %v, want QueueDoesNotExist", err)
	}
	// Now the name is free for other attributes.
	testutil.CreateQueue(t, c, "dup", nil, nil)
}

func TestPassThroughForRealQueues(t *testing.T) {
	srv := newServer(t)
	real := testutil.CreateQueue(t, srv, "real", nil, nil)
	c := newClient(t, srv)
	got, err := c.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("real")})
	if err != nil || aws.ToString(got.QueueUrl) != real {
		t.Fatalf("GetQueueUrl(real) = %v, %v", got, err)
	}
	if _, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(real), MessageBody: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
}

func TestSendReceiveDeleteAndOrphans(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	u := testutil.CreateQueue(t, c, "work", nil, nil)
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(u), MessageBody: aws.String("hello")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(u), WaitTimeSeconds: 20})
	if err != nil || len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "hello" {
		t.Fatalf("receive = %+v, %v", out, err)
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(u), ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	// A message for a virtual queue that does not exist is an orphan on a
	// private host: deleted.
	gone := virtualqueue.URL(hostOf(t, u), "gone")
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(gone), MessageBody: aws.String("late")}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for c.Stats().VirtualQueue.Orphans == 0 || srv.CallCounts()["DeleteMessageBatch"] == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("orphan never deleted: %+v %v", c.Stats().VirtualQueue, srv.CallCounts())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestReceiveWaitTimeAttributeHonoured(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	u := testutil.CreateQueue(t, c, "waits", map[string]string{"ReceiveMessageWaitTimeSeconds": "20"}, nil)
	done := make(chan *sqs.ReceiveMessageOutput)
	go func() {
		out, _ := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(u)}) // WaitTimeSeconds unset
		done <- out
	}()
	// The receive waits (it would return empty at once otherwise), so the
	// message sent afterwards is what it returns.
	time.Sleep(50 * time.Millisecond)
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(u), MessageBody: aws.String("later")}); err != nil {
		t.Fatal(err)
	}
	if out := <-done; out == nil || len(out.Messages) != 1 {
		t.Fatalf("receive with the queue's default wait returned %+v", out)
	}
}

func TestCloseDeletesHostsAndIsIdempotent(t *testing.T) {
	srv := newServer(t)
	c, err := tempqueue.New(context.Background(), srv, func(o *tempqueue.Options) { o.Logger = testutil.Quiet; o.DisableSweeper = true })
	if err != nil {
		t.Fatal(err)
	}
	u := testutil.CreateQueue(t, c, "q", nil, nil)
	testutil.CreateQueue(t, c, "f.fifo", map[string]string{"FifoQueue": "true"}, nil)
	hosts := c.HostQueueURLs()
	if len(hosts) != 2 {
		t.Fatalf("hosts = %v", hosts)
	}
	// A receive waiting when Close is called returns.
	errc := make(chan error, 1)
	go func() {
		_, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(u), WaitTimeSeconds: 20})
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err == nil {
		t.Error("receive waiting across Close returned no error")
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for _, h := range hosts {
		_, err := srv.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(h)})
		if !sqsapi.IsQueueDoesNotExist(err) {
			t.Errorf("host %s still exists after Close (err %v)", h, err)
		}
	}
	if _, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("late")}); !errors.Is(err, tempqueue.ErrClosed) {
		t.Errorf("CreateQueue after Close: %v, want ErrClosed", err)
	}
}

func TestHostQueueCarriesRetentionAndHeartbeat(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, func(o *tempqueue.Options) { o.IdleQueueRetentionPeriod = 60 * time.Second })
	u := testutil.CreateQueue(t, c, "q", nil, nil)
	tags, err := srv.ListQueueTags(context.Background(), &sqs.ListQueueTagsInput{QueueUrl: aws.String(hostOf(t, u))})
	if err != nil {
		t.Fatal(err)
	}
	if tags.Tags[sqsapi.RetentionTag] != "60" || tags.Tags[sqsapi.HeartbeatTag] == "" {
		t.Errorf("host tags = %v, want retention 60 and a heartbeat", tags.Tags)
	}
}

func TestDeleteHostRefused(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	u := testutil.CreateQueue(t, c, "q", nil, nil)
	_, err := c.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(hostOf(t, u))})
	var bad *sqsapi.InvalidParameterError
	if !errors.As(err, &bad) {
		t.Fatalf("deleting a host: err = %v", err)
	}
}

func TestBadOptions(t *testing.T) {
	for _, fn := range []func(*tempqueue.Options){
		func(o *tempqueue.Options) { o.QueuePrefix = "bad prefix" },
		func(o *tempqueue.Options) { o.QueuePrefix = strings.Repeat("p", tempqueue.MaxQueuePrefixLength+1) },
		func(o *tempqueue.Options) { o.IdleQueueRetentionPeriod = time.Millisecond },
		func(o *tempqueue.Options) { o.MaxBufferedBytes = -1 },
	} {
		_, err := tempqueue.New(context.Background(), sqstest.New(), fn)
		var bad *sqsapi.InvalidParameterError
		if !errors.As(err, &bad) {
			t.Errorf("err = %v, want *sqsapi.InvalidParameterError", err)
		}
	}
}

func TestWithSweeperOnEmulator(t *testing.T) {
	api := awsclient.ForTest(t)
	c, err := tempqueue.New(context.Background(), api, func(o *tempqueue.Options) { o.Logger = testutil.Quiet })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u := testutil.CreateQueue(t, c, "emu", nil, nil)
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(u), MessageBody: aws.String("on the emulator")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(u), WaitTimeSeconds: 20})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive: %+v %v", out, err)
	}
	host := hostOf(t, u)
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(host)}); !sqsapi.IsQueueDoesNotExist(err) {
		t.Errorf("host %s survives Close: %v", host, err)
	}
}
