package virtualqueue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

func TestURLRoundTrip(t *testing.T) {
	tests := []struct {
		in         string
		host, name string
		ok         bool
	}{
		{"https://sqs.us-east-1.amazonaws.com/000000000000/h#q", "https://sqs.us-east-1.amazonaws.com/000000000000/h", "q", true},
		{"http://127.0.0.1:4566/000000000000/h.fifo#q.fifo", "http://127.0.0.1:4566/000000000000/h.fifo", "q.fifo", true},
		{"https://sqs.us-east-1.amazonaws.com/000000000000/h", "", "", false},
		{"https://sqs.us-east-1.amazonaws.com/000000000000/h#", "", "", false},
		{"https://sqs.us-east-1.amazonaws.com/000000000000/h#a#b", "", "", false},
		{"https://sqs.us-east-1.amazonaws.com/000000000000/h#a b", "", "", false},
		{"#q", "", "", false},
		{"ftp://x/1/h#q", "", "", false},
		{"https://#q", "", "", false},
		{"https:///path#q", "", "", false},
		{"https://x/1/h#" + strings.Repeat("a", 81), "", "", false},
	}
	for _, tt := range tests {
		host, name, ok := ParseURL(tt.in)
		if host != tt.host || name != tt.name || ok != tt.ok {
			t.Errorf("ParseURL(%q) = %q, %q, %v; want %q, %q, %v", tt.in, host, name, ok, tt.host, tt.name, tt.ok)
		}
		if ok && URL(host, name) != tt.in {
			t.Errorf("URL(ParseURL(%q)) = %q", tt.in, URL(host, name))
		}
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"https://sqs.us-east-1.amazonaws.com/000000000000/h#q",
		"http://127.0.0.1:4566/000000000000/h.fifo#q.fifo",
		"https://x#", "#", "##", "https://a/b#c#d", "http://[::1]:80/0/h#x_y-z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		host, name, ok := ParseURL(u)
		if !ok {
			if host != "" || name != "" {
				t.Fatalf("not ok but returned %q, %q", host, name)
			}
			return
		}
		if URL(host, name) != u {
			t.Fatalf("URL(%q, %q) = %q, want %q", host, name, URL(host, name), u)
		}
		if strings.Contains(host, "#") || strings.Contains(name, "#") {
			t.Fatalf("a part contains '#': %q, %q", host, name)
		}
		if err := sqsapi.ValidateQueueName(name, sqsapi.IsFIFOQueueName(name)); err != nil {
			t.Fatalf("accepted bad name %q: %v", name, err)
		}
		h2, n2, ok2 := ParseURL(URL(host, name))
		if !ok2 || h2 != host || n2 != name {
			t.Fatalf("not stable: %q", u)
		}
	})
}

func TestCreateQueueValidation(t *testing.T) {
	e := newEnv(t, envOpts{})
	fifo := newEnv(t, envOpts{hostName: "host.fifo", hostAttrs: map[string]string{"FifoQueue": "true"}})
	long := strings.Repeat("a", 81)
	tests := []struct {
		name    string
		env     *env
		qname   string
		attrs   map[string]string
		wantErr string // substring; "" = success
	}{
		{"ok", e, "q1", nil, ""},
		{"ok retention", e, "q2", map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "60"}, ""},
		{"empty name", e, "", nil, "QueueName"},
		{"hash in name", e, "a#b", nil, "QueueName"},
		{"space in name", e, "a b", nil, "QueueName"},
		{"too long", e, long, nil, "longer than 80"},
		{"fifo name on standard host", e, "q.fifo", nil, "QueueName"},
		{"extra attribute", e, "q3", map[string]string{"VisibilityTimeout": "5", "DelaySeconds": "1"}, "DelaySeconds,VisibilityTimeout"},
		{"retention zero", e, "q4", map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "0"}, "IdleQueueRetentionPeriodSeconds"},
		{"retention text", e, "q5", map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "soon"}, "soon"},
		{"bad host", e, "q6", map[string]string{sqsapi.HostQueueURLAttribute: "not a url"}, "not a url"},
		{"virtual host", e, "q7", map[string]string{sqsapi.HostQueueURLAttribute: e.host + "#x"}, "HostQueueUrl"},
		{"fifo ok", fifo, "q.fifo", nil, ""},
		{"fifo host needs .fifo", fifo, "q", nil, ".fifo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := map[string]string{sqsapi.HostQueueURLAttribute: tt.env.host}
			for k, v := range tt.attrs {
				attrs[k] = v
			}
			out, err := tt.env.vq.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(tt.qname), Attributes: attrs})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if got, want := *out.QueueUrl, URL(tt.env.host, tt.qname); got != want {
					t.Fatalf("URL %q, want %q", got, want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !isInvalid(err) {
				t.Fatalf("error %v; want an InvalidParameterError mentioning %q", err, tt.wantErr)
			}
		})
	}
	for _, x := range []*env{e, fifo} {
		if c := callsExceptPolls(x.srv); len(c) != 0 {
			t.Errorf("SQS calls made: %v", c)
		}
	}
}

func TestCreateQueueIdempotent(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	u1 := e.create(t, "q", sqsapi.IdleQueueRetentionPeriodAttribute, "30")
	u2 := e.create(t, "q", sqsapi.IdleQueueRetentionPeriodAttribute, "30")
	if u1 != u2 {
		t.Fatalf("%q != %q", u1, u2)
	}
	_, err := e.vq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q"),
		Attributes: map[string]string{sqsapi.HostQueueURLAttribute: e.host, sqsapi.IdleQueueRetentionPeriodAttribute: "31"}})
	var exists *types.QueueNameExists
	if !errors.As(err, &exists) || !sqsapi.IsQueueNameExists(err) {
		t.Fatalf("different attributes: %v; want QueueNameExists", err)
	}
	_, err = e.vq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q"),
		Attributes: map[string]string{sqsapi.HostQueueURLAttribute: e.host}})
	if !sqsapi.IsQueueNameExists(err) {
		t.Fatalf("retention dropped: %v; want QueueNameExists", err)
	}
	// Same name on another host is another queue.
	other := testutil.CreateQueue(t, e.srv, "host2", nil, nil)
	out, err := e.vq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q"), Attributes: hostAttr(other)})
	if err != nil || *out.QueueUrl == u1 {
		t.Fatalf("same name on another host: %v, %v", out, err)
	}
	if s := e.vq.Stats(); s.VirtualQueues != 2 || s.Hosts != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestMaxQueues(t *testing.T) {
	e := newEnv(t, envOpts{opts: func(o *Options) { o.MaxQueues = 2 }})
	e.create(t, "a")
	e.create(t, "b")
	_, err := e.vq.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("c"),
		Attributes: map[string]string{sqsapi.HostQueueURLAttribute: e.host}})
	if !errors.Is(err, ErrTooManyQueues) {
		t.Fatalf("got %v, want ErrTooManyQueues", err)
	}
	e.create(t, "a") // existing: fine
}

func TestSendReceiveDelete(t *testing.T) {
	e := newEnv(t, envOpts{})
	a, b := e.create(t, "a"), e.create(t, "b")
	ida := e.send(t, a, "to a")
	idb := e.send(t, b, "to b")
	ma := e.receiveOne(t, a)
	mb := e.receiveOne(t, b)
	if *ma.MessageId != ida || *ma.Body != "to a" || *mb.MessageId != idb || *mb.Body != "to b" {
		t.Fatalf("got %q/%q and %q/%q", *ma.MessageId, *ma.Body, *mb.MessageId, *mb.Body)
	}
	if got := aws.ToString(ma.MessageAttributes[sqsapi.VirtualQueueNameAttribute].StringValue); got != "a" {
		t.Fatalf("name attribute %q with All", got)
	}
	e.deleteMsg(t, a, ma)
	if _, err := e.vq.DeleteMessageBatch(context.Background(), &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(b),
		Entries: []types.DeleteMessageBatchRequestEntry{{Id: aws.String("1"), ReceiptHandle: mb.ReceiptHandle}}}); err != nil {
		t.Fatal(err)
	}
	if got := e.receive(t, a, 10, 0); len(got) != 0 {
		t.Fatalf("unexpected %d messages", len(got))
	}
	attrs, err := e.srv.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(e.host),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["ApproximateNumberOfMessages"] != "0" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("host not empty: %v", attrs.Attributes)
	}
	s := e.vq.Stats()
	if s.Dispatched != 2 || s.Delivered != 2 || s.Orphans != 0 || s.Buffered != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestSendBatchAndFilters(t *testing.T) {
	e := newEnv(t, envOpts{})
	q := e.create(t, "q")
	e.kick(t, q)
	ctx := context.Background()
	out, err := e.vq.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(q), Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("1"), MessageBody: aws.String("one"), MessageAttributes: map[string]types.MessageAttributeValue{
			"color.hue": {DataType: aws.String("String"), StringValue: aws.String("red")},
			"size":      {DataType: aws.String("Number"), StringValue: aws.String("3")}}},
		{Id: aws.String("2"), MessageBody: aws.String("two")},
	}})
	if err != nil || len(out.Successful) != 2 {
		t.Fatalf("%v %+v", err, out)
	}
	var got []types.Message
	testutil.Eventually(t, "both buffered", func() bool { return e.vq.Stats().Buffered == 2 })
	r, err := e.vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 10,
		MessageAttributeNames:       []string{"color.*"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameSentTimestamp}})
	if err != nil {
		t.Fatal(err)
	}
	got = r.Messages
	if len(got) != 2 {
		t.Fatalf("got %d messages", len(got))
	}
	for _, m := range got {
		if _, ok := m.MessageAttributes[sqsapi.VirtualQueueNameAttribute]; ok {
			t.Errorf("name attribute returned although not asked for")
		}
		if _, ok := m.MessageAttributes["size"]; ok {
			t.Errorf("size returned although not asked for")
		}
		if len(m.Attributes) != 1 || m.Attributes["SentTimestamp"] == "" {
			t.Errorf("system attributes %v", m.Attributes)
		}
		if *m.Body == "one" && aws.ToString(m.MessageAttributes["color.hue"].StringValue) != "red" {
			t.Errorf("color.hue missing: %v", m.MessageAttributes)
		}
	}
}

func TestSendValidation(t *testing.T) {
	e := newEnv(t, envOpts{})
	q := URL(e.host, "anywhere") // no local state needed to send
	attrs := func(n int) map[string]types.MessageAttributeValue {
		m := map[string]types.MessageAttributeValue{}
		for i := range n {
			m[fmt.Sprintf("a%d", i)] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
		}
		return m
	}
	reserved := map[string]types.MessageAttributeValue{sqsapi.VirtualQueueNameAttribute: {DataType: aws.String("String"), StringValue: aws.String("x")}}
	ctx := context.Background()
	tests := []struct {
		name  string
		url   string
		attrs map[string]types.MessageAttributeValue
		want  string
	}{
		{"ten attributes", q, attrs(10), "10 attributes"},
		{"reserved", q, reserved, sqsapi.VirtualQueueNameAttribute},
		{"bad virtual url", e.host + "#bad name", nil, "bad name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(tt.url), MessageBody: aws.String("x"), MessageAttributes: tt.attrs})
			if !isInvalid(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("SendMessage: %v; want InvalidParameterError about %q", err, tt.want)
			}
			_, err = e.vq.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(tt.url), Entries: []types.SendMessageBatchRequestEntry{
				{Id: aws.String("ok"), MessageBody: aws.String("x")},
				{Id: aws.String("bad"), MessageBody: aws.String("x"), MessageAttributes: tt.attrs}}})
			if tt.attrs != nil && (!isInvalid(err) || !strings.Contains(err.Error(), `"bad"`)) {
				t.Fatalf("SendMessageBatch: %v; want InvalidParameterError naming entry bad", err)
			}
		})
	}
	if c := e.srv.CallCounts(); c["SendMessage"]+c["SendMessageBatch"] != 0 {
		t.Fatalf("calls made: %v", c)
	}
	// Nine attributes fit.
	if _, err := e.vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x"), MessageAttributes: attrs(9)}); err != nil {
		t.Fatal(err)
	}
}

func TestReceiveValidation(t *testing.T) {
	e := newEnv(t, envOpts{})
	q := e.create(t, "q")
	tests := []struct {
		name string
		in   sqs.ReceiveMessageInput
		want string
	}{
		{"wait 21", sqs.ReceiveMessageInput{WaitTimeSeconds: 21}, "WaitTimeSeconds"},
		{"wait -1", sqs.ReceiveMessageInput{WaitTimeSeconds: -1}, "WaitTimeSeconds"},
		{"max 11", sqs.ReceiveMessageInput{MaxNumberOfMessages: 11}, "MaxNumberOfMessages"},
		{"max -1", sqs.ReceiveMessageInput{MaxNumberOfMessages: -1}, "MaxNumberOfMessages"},
		{"visibility -1", sqs.ReceiveMessageInput{VisibilityTimeout: -1}, "VisibilityTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.QueueUrl = aws.String(q)
			_, err := e.vq.ReceiveMessage(context.Background(), &in)
			if !isInvalid(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("%v; want InvalidParameterError about %s", err, tt.want)
			}
		})
	}
	_, err := e.vq.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(URL(e.host, "nope"))})
	if !sqsapi.IsQueueDoesNotExist(err) {
		t.Fatalf("unknown queue: %v", err)
	}
}

func TestReceiveMaxAndWake(t *testing.T) {
	e := newEnv(t, envOpts{})
	q := e.create(t, "q")
	got := make(chan []types.Message)
	go func() { got <- e.receive(t, q, 0, 20) }() // 0 = 1 message
	for i := range 3 {
		e.send(t, q, fmt.Sprint(i))
	}
	if m := <-got; len(m) != 1 {
		t.Fatalf("MaxNumberOfMessages 0 returned %d", len(m))
	}
	testutil.Eventually(t, "rest buffered", func() bool { return e.vq.Stats().Buffered == 2 })
	if m := e.receive(t, q, 10, 0); len(m) != 2 {
		t.Fatalf("got %d, want 2", len(m))
	}
}

func TestReceiveContextCancel(t *testing.T) {
	e := newEnv(t, envOpts{})
	q := e.create(t, "q")
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := e.vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), WaitTimeSeconds: 20})
		errc <- err
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestReceiveWaitTimeFakeClock(t *testing.T) {
	e := newEnv(t, envOpts{fake: true})
	q := e.create(t, "q")
	done := make(chan []types.Message)
	go func() { done <- e.receive(t, q, 1, 5) }()
	e.clk.BlockUntil(2) // the receive's wait and the long poll it started
	e.clk.Advance(5 * time.Second)
	if m := <-done; len(m) != 0 {
		t.Fatalf("got %d messages", len(m))
	}
}

// A message received and not deleted comes back to the same virtual queue
// after the host's visibility timeout.
func TestRedeliveryAfterVisibilityTimeout(t *testing.T) {
	e := newEnv(t, envOpts{fake: true, hostAttrs: map[string]string{"VisibilityTimeout": "30"}})
	a, b := e.create(t, "a"), e.create(t, "b")
	e.kick(t, a)
	id := e.send(t, a, "hello")
	testutil.Eventually(t, "dispatched", func() bool { return e.vq.Stats().Buffered == 1 })
	m1 := e.receive(t, a, 1, 0)
	if len(m1) != 1 || *m1[0].MessageId != id {
		t.Fatalf("first receive: %v", m1)
	}
	e.clk.Advance(31 * time.Second)
	e.kick(t, b) // the pollers stopped after their linger; a receive restarts them
	testutil.Eventually(t, "redelivered", func() bool { return e.vq.Stats().Buffered == 1 })
	if m := e.receive(t, b, 10, 0); len(m) != 0 {
		t.Fatalf("redelivery reached another queue")
	}
	m2 := e.receive(t, a, 1, 0)
	if len(m2) != 1 || *m2[0].MessageId != id || *m2[0].ReceiptHandle == *m1[0].ReceiptHandle {
		t.Fatalf("second receive: %v", m2)
	}
	e.deleteMsg(t, a, m2[0])
	if s := e.vq.Stats(); s.Redeliveries != 1 || s.Dispatched != 2 {
		t.Fatalf("stats %+v", s)
	}
	t.Logf("redelivered to the same virtual queue after the 30 s host visibility timeout (fake clock); stats %+v", e.vq.Stats())
}

func TestOverflowLeavesMessagesOnHost(t *testing.T) {
	e := newEnv(t, envOpts{fake: true, hostAttrs: map[string]string{"VisibilityTimeout": "10"},
		opts: func(o *Options) { o.MaxBufferedPerQueue = 1 }})
	q := e.create(t, "q")
	e.kick(t, q)
	ids := map[string]bool{}
	for i := range 3 {
		ids[e.send(t, q, fmt.Sprint(i))] = true
	}
	testutil.Eventually(t, "overflow", func() bool { s := e.vq.Stats(); return s.Buffered == 1 && s.Overflows >= 2 })
	for len(ids) > 0 {
		m := e.receive(t, q, 10, 0)
		for _, x := range m {
			delete(ids, *x.MessageId)
			e.deleteMsg(t, q, x)
		}
		if len(m) == 0 {
			e.clk.Advance(11 * time.Second)
			time.Sleep(time.Millisecond)
		}
	}
}

func TestOrphans(t *testing.T) {
	for _, action := range []OrphanAction{OrphanLeave, OrphanDelete, OrphanRelease} {
		t.Run(action.String(), func(t *testing.T) {
			var mu sync.Mutex
			var seen []string
			e := newEnv(t, envOpts{hostAttrs: map[string]string{"VisibilityTimeout": "60"}, opts: func(o *Options) {
				o.OrphanHandler = func(_ context.Context, host string, m types.Message) OrphanAction {
					mu.Lock()
					defer mu.Unlock()
					seen = append(seen, *m.Body)
					if action == OrphanRelease && len(seen) > 1 {
						return OrphanDelete // stop the loop
					}
					return action
				}
			}})
			e.kick(t, e.create(t, "q"))
			ctx := context.Background()
			if _, err := e.srv.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(e.host), MessageBody: aws.String("plain")}); err != nil {
				t.Fatal(err)
			}
			testutil.Eventually(t, "orphan handled", func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) >= 1 })
			c := e.srv.CallCounts()
			switch action {
			case OrphanLeave:
				if c["DeleteMessageBatch"]+c["ChangeMessageVisibilityBatch"] != 0 {
					t.Fatalf("calls %v", c)
				}
			case OrphanDelete:
				testutil.Eventually(t, "deleted", func() bool { return e.srv.CallCounts()["DeleteMessageBatch"] == 1 })
			case OrphanRelease:
				testutil.Eventually(t, "released and seen again", func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) >= 2 })
			}
			if s := e.vq.Stats(); s.Orphans < 1 {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

func TestUnknownVirtualQueueIsOrphan(t *testing.T) {
	orphans := make(chan string, 1)
	e := newEnv(t, envOpts{opts: func(o *Options) {
		o.OrphanHandler = func(_ context.Context, _ string, m types.Message) OrphanAction {
			orphans <- aws.ToString(m.MessageAttributes[sqsapi.VirtualQueueNameAttribute].StringValue)
			return OrphanDelete
		}
	}})
	e.kick(t, e.create(t, "exists"))
	e.send(t, URL(e.host, "ghost"), "boo")
	if got := <-orphans; got != "ghost" {
		t.Fatalf("orphan for %q", got)
	}
}

func TestDeleteQueueReleasesBuffered(t *testing.T) {
	orphans := make(chan string, 10)
	e := newEnv(t, envOpts{hostAttrs: map[string]string{"VisibilityTimeout": "600"}, opts: func(o *Options) {
		o.OrphanHandler = func(_ context.Context, _ string, m types.Message) OrphanAction {
			orphans <- *m.Body
			return OrphanDelete
		}
	}})
	q := e.create(t, "q")
	e.create(t, "keep-poller")
	e.sendBuffered(t, q, "x") // the poller lingers on after q is deleted: "keep-poller" is still there
	if _, err := e.vq.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(q)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.vq.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(q)}); !sqsapi.IsQueueDoesNotExist(err) {
		t.Fatalf("second delete: %v", err)
	}
	if s := e.vq.Stats(); s.Released != 1 || s.Buffered != 0 || s.VirtualQueues != 1 {
		t.Fatalf("stats %+v", s)
	}
	// Released at once (visibility 0), not after the 600 s visibility
	// timeout: the poller receives it again, now as an orphan.
	if got := <-orphans; got != "x" {
		t.Fatalf("orphan %q", got)
	}
	if c := e.srv.CallCounts(); c["ChangeMessageVisibilityBatch"] != 1 {
		t.Fatalf("calls %v", c)
	}
}

func TestDeleteQueueWakesWaiter(t *testing.T) {
	e := newEnv(t, envOpts{opts: func(o *Options) { o.HostWaitTime = time.Second }})
	q := e.create(t, "q")
	errc := make(chan error)
	go func() {
		_, err := e.vq.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), WaitTimeSeconds: 20})
		errc <- err
	}()
	testutil.Eventually(t, "waiting", func() bool { e.vq.mu.Lock(); defer e.vq.mu.Unlock(); return e.vq.queues[q].waiters == 1 })
	if _, err := e.vq.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(q)}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !sqsapi.IsQueueDoesNotExist(err) {
		t.Fatalf("got %v", err)
	}
	// The poller stops after its current long poll, which is not cancelled.
	testutil.Eventually(t, "poller stopped", func() bool { return e.vq.Stats().Hosts == 0 })
	polls := e.srv.CallCounts()["ReceiveMessage"]
	if c := e.vq.Stats().Calls["ReceiveMessage"]; c != int64(polls) {
		t.Fatalf("Stats.Calls ReceiveMessage %d, server saw %d", c, polls)
	}
	// A new queue on the host starts a poller again.
	q2 := e.create(t, "q2")
	e.send(t, q2, "again")
	if m := e.receiveOne(t, q2); *m.Body != "again" {
		t.Fatal(*m.Body)
	}
}

func TestIdleExpiry(t *testing.T) {
	e := newEnv(t, envOpts{fake: true})
	ctx := context.Background()
	idle := e.create(t, "idle", sqsapi.IdleQueueRetentionPeriodAttribute, "10")
	busy := e.create(t, "busy", sqsapi.IdleQueueRetentionPeriodAttribute, "10")
	waiting := e.create(t, "waiting", sqsapi.IdleQueueRetentionPeriodAttribute, "10")
	forever := e.create(t, "forever")
	// A receive waiting 20 s on "waiting".
	done := make(chan error)
	go func() {
		_, err := e.vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(waiting), WaitTimeSeconds: 20})
		done <- err
	}()
	testutil.Eventually(t, "waiting", func() bool { e.vq.mu.Lock(); defer e.vq.mu.Unlock(); return e.vq.queues[waiting].waiters == 1 })
	e.clk.Advance(6 * time.Second)
	e.receive(t, busy, 1, 0)       // activity at t=6
	e.clk.Advance(5 * time.Second) // t=11: idle expires
	testutil.Eventually(t, "idle expired", func() bool { return e.vq.Stats().Expired == 1 })
	exists := func(u string) bool { e.vq.mu.Lock(); defer e.vq.mu.Unlock(); return e.vq.queues[u] != nil }
	if exists(idle) || !exists(busy) || !exists(waiting) || !exists(forever) {
		t.Fatalf("after 11 s: idle %v busy %v waiting %v forever %v", exists(idle), exists(busy), exists(waiting), exists(forever))
	}
	e.clk.Advance(6 * time.Second) // t=17: busy expires (last activity t=6)
	testutil.Eventually(t, "busy expired", func() bool { return e.vq.Stats().Expired == 2 })
	if exists(busy) || !exists(waiting) {
		t.Fatal("busy should be gone, waiting kept")
	}
	e.clk.Advance(4 * time.Second) // t=21: the receive ends
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(11 * time.Second) // t=32: waiting idle since t=20..21
	testutil.Eventually(t, "waiting expired", func() bool { return e.vq.Stats().Expired == 3 })
	if !exists(forever) {
		t.Fatal("queue without retention expired")
	}
	if c := callsExceptPolls(e.srv); len(c) != 0 {
		t.Fatalf("calls %v", c)
	}
}

func TestQueueOperations(t *testing.T) {
	e := newEnv(t, envOpts{hostAttrs: map[string]string{"VisibilityTimeout": "45"}})
	ctx := context.Background()
	q := e.create(t, "q", sqsapi.IdleQueueRetentionPeriodAttribute, "120")

	ga, err := e.vq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q), AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if ga.Attributes[sqsapi.HostQueueURLAttribute] != e.host || ga.Attributes[sqsapi.IdleQueueRetentionPeriodAttribute] != "120" || ga.Attributes["VisibilityTimeout"] != "45" {
		t.Fatalf("attributes %v", ga.Attributes)
	}
	e.srv.ResetCallCounts()
	ga, err = e.vq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q), AttributeNames: []types.QueueAttributeName{sqsapi.HostQueueURLAttribute}})
	if err != nil || len(ga.Attributes) != 1 || callsExceptPolls(e.srv)["GetQueueAttributes"] != 0 {
		t.Fatalf("HostQueueUrl only: %v %v %v", ga, err, e.srv.CallCounts())
	}

	_, err = e.vq.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(q), Attributes: map[string]string{"VisibilityTimeout": "1"}})
	if !sqsapi.IsInvalidParameter(err) {
		t.Fatalf("SetQueueAttributes: %v", err)
	}

	if _, err := e.vq.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: aws.String(q), Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.vq.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: aws.String(q), TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	lt, err := e.vq.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(q)})
	if err != nil || len(lt.Tags) != 1 || lt.Tags["b"] != "2" {
		t.Fatalf("tags %v %v", lt, err)
	}

	e.sendBuffered(t, q, "1", "2")
	if _, err := e.vq.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(q)}); err != nil {
		t.Fatal(err)
	}
	host, err := e.srv.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(e.host), AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if host.Attributes["ApproximateNumberOfMessages"] != "0" || host.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("purge left %v", host.Attributes)
	}

	// Change visibility through the virtual URL reaches the host.
	e.send(t, q, "3")
	m := e.receiveOne(t, q)
	if _, err := e.vq.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(q), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	m2 := e.receiveOne(t, q) // back at once
	if _, err := e.vq.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(q),
		Entries: []types.ChangeMessageVisibilityBatchRequestEntry{{Id: aws.String("x"), ReceiptHandle: m2.ReceiptHandle, VisibilityTimeout: 100}}}); err != nil {
		t.Fatal(err)
	}
	e.deleteMsg(t, q, m2)

	for name, call := range map[string]func(string) error{
		"GetQueueAttributes": func(u string) error {
			_, err := e.vq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(u)})
			return err
		},
		"TagQueue": func(u string) error {
			_, err := e.vq.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: aws.String(u), Tags: map[string]string{"a": "b"}})
			return err
		},
		"ListQueueTags": func(u string) error {
			_, err := e.vq.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(u)})
			return err
		},
		"PurgeQueue": func(u string) error {
			_, err := e.vq.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(u)})
			return err
		},
	} {
		if err := call(URL(e.host, "missing")); !sqsapi.IsQueueDoesNotExist(err) {
			t.Errorf("%s on missing queue: %v", name, err)
		}
	}
}

func TestPassThrough(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	real := testutil.CreateQueue(t, e.vq, "real", nil, nil)
	if _, err := e.vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(real), MessageBody: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	r, err := e.vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(real), WaitTimeSeconds: 1})
	if err != nil || len(r.Messages) != 1 || r.Messages[0].MessageAttributes != nil {
		t.Fatalf("%v %v", r, err)
	}
	if _, err := e.vq.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("real")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.vq.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(real)}); err != nil {
		t.Fatal(err)
	}
	c := e.srv.CallCounts()
	for _, op := range []string{"CreateQueue", "SendMessage", "ReceiveMessage", "GetQueueUrl", "DeleteQueue"} {
		if c[op] != 1 {
			t.Errorf("%s: %d calls, want 1", op, c[op])
		}
	}
	if s := e.vq.Stats(); s.Calls["CreateQueue"] != 1 || s.Calls["DeleteQueue"] != 1 {
		t.Errorf("Stats.Calls %v", s.Calls)
	}
}

func TestFIFOHost(t *testing.T) {
	e := newEnv(t, envOpts{hostName: "host.fifo", hostAttrs: map[string]string{"FifoQueue": "true"}})
	q := e.create(t, "q.fifo")
	ctx := context.Background()
	for i := range 3 {
		if _, err := e.vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String(fmt.Sprint(i)),
			MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String(fmt.Sprint("d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	// Deduplicated by the host.
	if _, err := e.vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("dup"),
		MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d0")}); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for len(bodies) < 3 {
		m := e.receiveOne(t, q)
		if m.Attributes["MessageGroupId"] != "" && m.Attributes["MessageGroupId"] != "g" {
			t.Fatalf("group %q", m.Attributes["MessageGroupId"])
		}
		bodies = append(bodies, *m.Body)
		e.deleteMsg(t, q, m)
	}
	if strings.Join(bodies, ",") != "0,1,2" {
		t.Fatalf("order %v", bodies)
	}
	if m := e.receive(t, q, 10, 0); len(m) != 0 {
		t.Fatalf("duplicate delivered: %v", *m[0].Body)
	}
}

func TestPollerSurvivesHostErrors(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.srv.InjectFault("ReceiveMessage", sqstest.Fault{Err: &types.QueueDoesNotExist{Message: aws.String("gone")}, Times: 3})
	q := e.create(t, "q")
	e.send(t, q, "after errors")
	m := e.receiveOne(t, q)
	if *m.Body != "after errors" {
		t.Fatal(*m.Body)
	}
	if s := e.vq.Stats(); s.PollErrors != 3 {
		t.Fatalf("stats %+v", s)
	}
}

func TestPollerBackoffFakeClock(t *testing.T) {
	e := newEnv(t, envOpts{fake: true, opts: func(o *Options) { o.PollLinger = time.Hour }})
	e.srv.InjectFault("ReceiveMessage", sqstest.Fault{Err: &types.OverLimit{Message: aws.String("throttled")}})
	q := e.create(t, "q")
	e.kick(t, q)
	for i := 1; i <= 5; i++ {
		testutil.Eventually(t, "error counted", func() bool { return e.vq.Stats().PollErrors == int64(i) })
		e.clk.BlockUntil(1) // the backoff timer
		if i == 5 {
			e.srv.ClearFaults() // the host is back
		}
		e.clk.Advance(backoffMax)
	}
	e.send(t, q, "x")
	testutil.Eventually(t, "recovered", func() bool { return e.vq.Stats().Buffered == 1 })
}

func TestCloseReleasesAndRefuses(t *testing.T) {
	e := newEnv(t, envOpts{hostAttrs: map[string]string{"VisibilityTimeout": "600"}})
	q := e.create(t, "q")
	e.sendBuffered(t, q, "a", "b")
	ctx := context.Background()
	if err := e.vq.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.vq.Close(ctx); err != nil {
		t.Fatal("second Close:", err)
	}
	if s := e.vq.Stats(); s.Released != 2 || s.Buffered != 0 {
		t.Fatalf("stats %+v", s)
	}
	// Visible again on the host at once.
	r, err := e.srv.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(e.host), MaxNumberOfMessages: 10})
	if err != nil || len(r.Messages) != 2 {
		t.Fatalf("host after Close: %v %v", r, err)
	}
	_, err = e.vq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x")})
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if _, err := e.vq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("z")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// Must show: Close with 100 receives waiting on long polls returns promptly.
// The fake clock stands still, so neither the receives nor the host long
// polls ever end by themselves: Close returns only if it ends them.
func TestCloseWith100WaitingReceives(t *testing.T) {
	e := newEnv(t, envOpts{fake: true, opts: func(o *Options) { o.PollersPerHost = 2 }})
	urls := make([]string, 100)
	for i := range urls {
		urls[i] = e.create(t, fmt.Sprint("q", i))
	}
	took := closeWithWaitingReceives(t, e.vq, urls, func() {
		testutil.Eventually(t, "2 host long polls", func() bool { return e.srv.CallCounts()["ReceiveMessage"] == 2 })
	})
	t.Logf("Close with 100 waiting receives and 2 host long polls in flight returned in %v", took)
}

// Must show: creating, receiving from (WaitTimeSeconds=0) and deleting
// 10,000 virtual queues makes no SQS call per virtual queue. Creating and
// deleting make none at all; the receives start the host's poller, whose
// calls are per host: one read of the host's attributes and one long poll
// (with the fake clock standing still, it never ends).
func TestTenThousandQueuesNoCalls(t *testing.T) {
	e := newEnv(t, envOpts{fake: true})
	ctx := context.Background()
	const n = 10000
	urls := make([]string, n)
	start := time.Now()
	for i := range urls {
		urls[i] = e.create(t, fmt.Sprint("vq-", i), sqsapi.IdleQueueRetentionPeriodAttribute, "300")
	}
	created := time.Since(start)
	if calls := e.srv.CallCounts(); len(calls) != 0 {
		t.Fatalf("creating %d virtual queues made SQS calls: %v", n, calls)
	}
	for _, u := range urls {
		r, err := e.vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(u), MaxNumberOfMessages: 10, WaitTimeSeconds: 0})
		if err != nil || len(r.Messages) != 0 {
			t.Fatal(r, err)
		}
	}
	for _, u := range urls {
		if _, err := e.vq.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
	}
	calls := e.srv.CallCounts()
	t.Logf("sqstest.CallCounts after creating %d virtual queues (in %v), receiving from each (WaitTimeSeconds=0) and deleting each: %v",
		n, created.Round(time.Millisecond), calls)
	for op, c := range calls {
		if (op == "ReceiveMessage" || op == "GetQueueAttributes") && c <= 1 {
			continue // the host poller's
		}
		if c != 0 {
			t.Errorf("%s: %d calls", op, c)
		}
	}
	if s := e.vq.Stats(); s.VirtualQueues != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestReceiveVisibilityTimeoutAppliedOnHost(t *testing.T) {
	e := newEnv(t, envOpts{})
	q := e.create(t, "q")
	e.sendBuffered(t, q, "x")
	out, err := e.vq.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), VisibilityTimeout: 100})
	if err != nil || len(out.Messages) != 1 {
		t.Fatal(out, err)
	}
	if c := e.srv.CallCounts()["ChangeMessageVisibilityBatch"]; c != 1 {
		t.Fatalf("ChangeMessageVisibilityBatch calls %d", c)
	}
}

func TestNilInputs(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	// Like *sqs.Client, a nil input is an empty one: SQS (here sqstest)
	// reports the missing parameter; nothing panics.
	if _, err := e.vq.SendMessage(ctx, nil); err == nil {
		t.Error("SendMessage(nil) succeeded")
	}
	if _, err := e.vq.ReceiveMessage(ctx, nil); err == nil {
		t.Error("ReceiveMessage(nil) succeeded")
	}
	if _, err := e.vq.DeleteQueue(ctx, nil); err == nil {
		t.Error("DeleteQueue(nil) succeeded")
	}
}

func TestPollersPerHost(t *testing.T) {
	e := newEnv(t, envOpts{fake: true, opts: func(o *Options) { o.PollersPerHost = 3; o.HostWaitTime = 7 * time.Second }})
	a := e.create(t, "a")
	e.create(t, "b")
	if got := e.srv.CallCounts()["ReceiveMessage"]; got != 0 {
		t.Fatalf("%d long polls before any receive, want none", got)
	}
	e.kick(t, a)
	e.clk.BlockUntil(3)
	if got := e.srv.CallCounts()["ReceiveMessage"]; got != 3 {
		t.Fatalf("%d long polls, want 3", got)
	}
}

func TestConcurrentClose(t *testing.T) {
	e := newEnv(t, envOpts{})
	q := e.create(t, "q")
	e.sendBuffered(t, q, "x")
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.vq.Close(context.Background()); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
	}
	wg.Wait()
	if s := e.vq.Stats(); s.Released != 1 {
		t.Fatalf("stats %+v", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.vq.Close(ctx); err != nil {
		t.Fatalf("Close after Close with a done ctx: %v", err)
	}
}

// A backlog on the host makes the pollers surge (a full receive starts one
// more poller, up to MaxPollersPerHost) and the surge ends when receives come
// back partial; every message is still delivered once to its queue.
func TestPollersSurgeOnBacklogAndSettle(t *testing.T) {
	e := newEnv(t, envOpts{opts: func(o *Options) { o.MaxPollersPerHost = 4 }})
	ctx := context.Background()
	// Fill the host before any poller runs: the backlog is there at the first receive.
	const n = 200
	name := "surge"
	for i := 0; i < n; i += 10 {
		entries := make([]types.SendMessageBatchRequestEntry, 10)
		for j := range entries {
			entries[j] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(j)), MessageBody: aws.String(strconv.Itoa(i + j)),
				MessageAttributes: map[string]types.MessageAttributeValue{
					sqsapi.VirtualQueueNameAttribute: {DataType: aws.String("String"), StringValue: aws.String(name)}}}
		}
		if _, err := e.srv.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(e.host), Entries: entries}); err != nil {
			t.Fatal(err)
		}
	}
	url := e.create(t, name)
	seen := map[string]bool{}
	for len(seen) < n {
		out, err := e.vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			t.Fatalf("receive came back empty after %d of %d messages", len(seen), n)
		}
		for _, m := range out.Messages {
			seen[aws.ToString(m.Body)] = true
			if _, err := e.vq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if s := e.vq.Stats(); s.Surges == 0 {
		t.Fatalf("a 200-message backlog started no surge poller: %+v", s)
	}
}
