package reliability

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/requester"
	"github.com/sqstemp/sqstemp/responder"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/sweeper"
	"github.com/sqstemp/sqstemp/tempqueue"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// badEnv is every public client over one sqstest server on a fake clock, so
// that nothing calls SQS in the background while a case runs (no receive
// starts a host poller, heartbeats wait on the clock).
type badEnv struct {
	srv    *sqstest.Server
	clk    *clock.Fake
	host   string // a real queue
	vq     *virtualqueue.Client
	vurl   string // a virtual queue of vq on host
	tq     *tempqueue.Client
	turl   string // a virtual queue of tq
	req    *requester.Requester
	reqQ   string // a request queue
	resp   *responder.Responder
	sw     *sweeper.Client
	closed struct {
		vq  *virtualqueue.Client
		tq  *tempqueue.Client
		req *requester.Requester
		sw  *sweeper.Client
	}
}

func newBadEnv(t *testing.T) *badEnv {
	t.Helper()
	ctx := context.Background()
	e := &badEnv{clk: clock.NewFake(time.Unix(1_800_000_000, 0))}
	e.srv = sqstest.New(func(o *sqstest.Options) { o.Clock = e.clk })
	t.Cleanup(e.srv.Close)
	log := testutil.Logger(t)
	e.host = testutil.CreateQueue(t, e.srv, "bad-input-host", nil, nil)
	e.reqQ = testutil.CreateQueue(t, e.srv, "bad-input-requests", nil, nil)
	e.vq = virtualqueue.New(e.srv, func(o *virtualqueue.Options) { o.Clock = e.clk; o.Logger = log })
	e.vurl = testutil.CreateQueue(t, e.vq, "v", map[string]string{sqsapi.HostQueueURLAttribute: e.host}, nil)
	tqOpts := func(o *tempqueue.Options) { o.Clock = e.clk; o.Logger = log; o.DisableSweeper = true }
	var err error
	if e.tq, err = tempqueue.New(ctx, e.srv, tqOpts); err != nil {
		t.Fatal(err)
	}
	e.turl = testutil.CreateQueue(t, e.tq, "t", nil, nil)
	if e.req, err = requester.New(ctx, e.srv, func(o *requester.Options) { tqOpts(&o.TempQueue); o.Logger = log }); err != nil {
		t.Fatal(err)
	}
	e.resp = responder.New(e.srv, func(o *responder.Options) { o.Logger = log })
	e.sw = sweeper.New(e.srv, func(o *sweeper.Options) { o.Clock = e.clk; o.Logger = log })

	e.closed.vq = virtualqueue.New(e.srv, func(o *virtualqueue.Options) { o.Clock = e.clk; o.Logger = log })
	if e.closed.tq, err = tempqueue.New(ctx, e.srv, tqOpts); err != nil {
		t.Fatal(err)
	}
	if e.closed.req, err = requester.New(ctx, e.srv, func(o *requester.Options) { tqOpts(&o.TempQueue); o.Logger = log }); err != nil {
		t.Fatal(err)
	}
	e.closed.sw = sweeper.New(e.srv, func(o *sweeper.Options) { o.Clock = e.clk; o.Logger = log })
	for _, c := range []interface{ Close(context.Context) error }{e.closed.vq, e.closed.tq, e.closed.req, e.closed.sw} {
		if err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, c := range []interface{ Close(context.Context) error }{e.vq, e.tq, e.req, e.sw} {
			if err := c.Close(ctx); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	})
	return e
}

func attrs(n int) map[string]types.MessageAttributeValue {
	m := make(map[string]types.MessageAttributeValue, n)
	for i := range n {
		m["a"+strconv.Itoa(i)] = strAttr("x")
	}
	return m
}

// badCase is one bad input: call makes it; want must appear in the error;
// the error must match is (errors.Is) or be an *sqsapi.InvalidParameterError
// (or, for nil inputs passed through to the wrapped API, a
// smithy.InvalidParamsError: the SDK's own client-side validation, which
// makes no request either).
type badCase struct {
	name string
	call func(ctx context.Context, e *badEnv) error
	want string
	is   error // sentinel or typed error expected instead of InvalidParameterError
	as   any   // pointer to a typed error expected instead
}

func strp(s string) *string { return &s }

func badCases() []badCase {
	ctx := context.Background()
	_ = ctx
	long81 := strings.Repeat("q", 81)
	huge := strings.Repeat("x", 1<<20+1) // over SQS's absolute maximum (1 MiB)
	send := func(api sqsapi.API, url string, in sqs.SendMessageInput) func(context.Context, *badEnv) error {
		return func(ctx context.Context, e *badEnv) error {
			in.QueueUrl = &url
			if in.MessageBody == nil {
				in.MessageBody = strp("b")
			}
			_, err := api.SendMessage(ctx, &in)
			return err
		}
	}
	var cases []badCase
	add := func(c ...badCase) { cases = append(cases, c...) }

	// ---- virtualqueue ----
	vqCreate := func(name string, attrs map[string]string) func(context.Context, *badEnv) error {
		return func(ctx context.Context, e *badEnv) error {
			a := maps.Clone(attrs)
			if a == nil {
				a = map[string]string{}
			}
			if _, ok := a[sqsapi.HostQueueURLAttribute]; !ok {
				a[sqsapi.HostQueueURLAttribute] = e.host
			}
			_, err := e.vq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: a})
			return err
		}
	}
	vqRecv := func(in sqs.ReceiveMessageInput) func(context.Context, *badEnv) error {
		return func(ctx context.Context, e *badEnv) error {
			in.QueueUrl = &e.vurl
			_, err := e.vq.ReceiveMessage(ctx, &in)
			return err
		}
	}
	vqSend := func(in sqs.SendMessageInput) func(context.Context, *badEnv) error {
		return func(ctx context.Context, e *badEnv) error { return send(e.vq, e.vurl, in)(ctx, e) }
	}
	add(
		badCase{name: "vq/CreateQueue/space in name", call: vqCreate("bad name", nil), want: "bad name"},
		badCase{name: "vq/CreateQueue/# in name", call: vqCreate("a#b", nil), want: "a#b"},
		badCase{name: "vq/CreateQueue/81 characters", call: vqCreate(long81, nil), want: long81},
		badCase{name: "vq/CreateQueue/empty name", call: vqCreate("", nil), want: `QueueName ""`},
		badCase{name: "vq/CreateQueue/host not a URL", call: vqCreate("n", map[string]string{sqsapi.HostQueueURLAttribute: "not a url"}), want: "not a url"},
		badCase{name: "vq/CreateQueue/host with fragment", call: vqCreate("n", map[string]string{sqsapi.HostQueueURLAttribute: "https://sqs.us-east-1.amazonaws.com/1/h#x"}), want: "https://sqs.us-east-1.amazonaws.com/1/h#x"},
		badCase{name: "vq/CreateQueue/unknown attribute", call: vqCreate("n", map[string]string{"Bogus": "1"}), want: "Bogus"},
		badCase{name: "vq/CreateQueue/retention 0", call: vqCreate("n", map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "0"}), want: `"0"`},
		badCase{name: "vq/CreateQueue/retention -1", call: vqCreate("n", map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "-1"}), want: `"-1"`},
		badCase{name: "vq/SendMessage/virtual URL with bad name", call: func(ctx context.Context, e *badEnv) error {
			return send(e.vq, e.host+"#bad name", sqs.SendMessageInput{})(ctx, e)
		}, want: "#bad name"},
		badCase{name: "vq/SendMessage/virtual URL with two #", call: func(ctx context.Context, e *badEnv) error {
			return send(e.vq, e.host+"#a#b", sqs.SendMessageInput{})(ctx, e)
		}, want: "#a#b"},
		badCase{name: "vq/SendMessage/virtual URL with empty name", call: func(ctx context.Context, e *badEnv) error {
			return send(e.vq, e.host+"#", sqs.SendMessageInput{})(ctx, e)
		}, want: "#"},
		badCase{name: "vq/SendMessage/virtual URL on a relative host", call: func(ctx context.Context, e *badEnv) error {
			return send(e.vq, "/000000000000/h#n", sqs.SendMessageInput{})(ctx, e)
		}, want: "/000000000000/h#n"},
		badCase{name: "vq/SendMessage/reserved attribute", call: vqSend(sqs.SendMessageInput{MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.VirtualQueueNameAttribute: strAttr("x")}}), want: sqsapi.VirtualQueueNameAttribute},
		badCase{name: "vq/SendMessage/11 attributes", call: vqSend(sqs.SendMessageInput{MessageAttributes: attrs(11)}), want: "11"},
		badCase{name: "vq/SendMessage/10 attributes (one is taken)", call: vqSend(sqs.SendMessageInput{MessageAttributes: attrs(10)}), want: "10"},
		badCase{name: "vq/SendMessage/attribute named AWS.x", call: vqSend(sqs.SendMessageInput{MessageAttributes: map[string]types.MessageAttributeValue{"AWS.x": strAttr("x")}}), want: "AWS.x"},
		badCase{name: "vq/SendMessage/oversize body", call: vqSend(sqs.SendMessageInput{MessageBody: &huge}), want: strconv.Itoa(len(huge))},
		badCase{name: "vq/SendMessageBatch/reserved attribute in an entry", call: func(ctx context.Context, e *badEnv) error {
			_, err := e.vq.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &e.vurl, Entries: []types.SendMessageBatchRequestEntry{
				{Id: strp("1"), MessageBody: strp("b")},
				{Id: strp("2"), MessageBody: strp("b"), MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.VirtualQueueNameAttribute: strAttr("x")}}}})
			return err
		}, want: sqsapi.VirtualQueueNameAttribute},
		badCase{name: "vq/ReceiveMessage/WaitTimeSeconds 21", call: vqRecv(sqs.ReceiveMessageInput{WaitTimeSeconds: 21}), want: `"21"`},
		badCase{name: "vq/ReceiveMessage/WaitTimeSeconds -1", call: vqRecv(sqs.ReceiveMessageInput{WaitTimeSeconds: -1}), want: `"-1"`},
		badCase{name: "vq/ReceiveMessage/MaxNumberOfMessages 11", call: vqRecv(sqs.ReceiveMessageInput{MaxNumberOfMessages: 11}), want: `"11"`},
		badCase{name: "vq/ReceiveMessage/MaxNumberOfMessages -1", call: vqRecv(sqs.ReceiveMessageInput{MaxNumberOfMessages: -1}), want: `"-1"`},
		badCase{name: "vq/ReceiveMessage/VisibilityTimeout 43201", call: vqRecv(sqs.ReceiveMessageInput{VisibilityTimeout: 43201}), want: `"43201"`},
		badCase{name: "vq/ReceiveMessage/virtual URL with bad name", call: func(ctx context.Context, e *badEnv) error {
			_, err := e.vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: strp(e.host + "#x y")})
			return err
		}, want: "#x y"},
		badCase{name: "vq/DeleteQueue/virtual URL with two #", call: func(ctx context.Context, e *badEnv) error {
			_, err := e.vq.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: strp(e.vurl + "#z")})
			return err
		}, want: "#v#z"},
		badCase{name: "vq/GetQueueAttributes/unknown attribute", call: func(ctx context.Context, e *badEnv) error {
			_, err := e.vq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &e.vurl, AttributeNames: []types.QueueAttributeName{"Bogus"}})
			return err
		}, want: "Bogus"},
		badCase{name: "vq/SendMessage/nil input", call: func(ctx context.Context, e *badEnv) error { _, err := e.vq.SendMessage(ctx, nil); return err }, want: "QueueUrl"},
		badCase{name: "vq/ReceiveMessage/nil input", call: func(ctx context.Context, e *badEnv) error { _, err := e.vq.ReceiveMessage(ctx, nil); return err }, want: "QueueUrl"},
		badCase{name: "vq/CreateQueue/nil input", call: func(ctx context.Context, e *badEnv) error { _, err := e.vq.CreateQueue(ctx, nil); return err }, want: "QueueName"},
		badCase{name: "vq/SendMessage/after Close", call: func(ctx context.Context, e *badEnv) error {
			return send(e.closed.vq, e.vurl, sqs.SendMessageInput{})(ctx, e)
		}, want: "SendMessage", is: virtualqueue.ErrClosed},
		badCase{name: "vq/CreateQueue/after Close", call: func(ctx context.Context, e *badEnv) error {
			_, err := e.closed.vq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: strp("n"), Attributes: map[string]string{sqsapi.HostQueueURLAttribute: e.host}})
			return err
		}, want: "CreateQueue", is: virtualqueue.ErrClosed},
		badCase{name: "vq/ReceiveMessage/after Close", call: func(ctx context.Context, e *badEnv) error {
			_, err := e.closed.vq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &e.vurl})
			return err
		}, want: "ReceiveMessage", is: virtualqueue.ErrClosed},
	)

	// ---- tempqueue ----
	tqCreate := func(name string, attrs map[string]string) func(context.Context, *badEnv) error {
		return func(ctx context.Context, e *badEnv) error {
			_, err := e.tq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
			return err
		}
	}
	tqRecv := func(in sqs.ReceiveMessageInput) func(context.Context, *badEnv) error {
		return func(ctx context.Context, e *badEnv) error {
			in.QueueUrl = &e.turl
			_, err := e.tq.ReceiveMessage(ctx, &in)
			return err
		}
	}
	add(
		badCase{name: "tq/CreateQueue/space in name", call: tqCreate("bad name", nil), want: "bad name"},
		badCase{name: "tq/CreateQueue/# in name", call: tqCreate("a#b", nil), want: "a#b"},
		badCase{name: "tq/CreateQueue/81 characters", call: tqCreate(long81, nil), want: long81},
		badCase{name: "tq/CreateQueue/bad name, new attribute set", call: tqCreate("bad name", map[string]string{"DelaySeconds": "5"}), want: "bad name"},
		badCase{name: "tq/CreateQueue/unknown attribute", call: tqCreate("n", map[string]string{"Bogus": "1"}), want: "Bogus"},
		badCase{name: "tq/CreateQueue/HostQueueUrl refused", call: tqCreate("n", map[string]string{sqsapi.HostQueueURLAttribute: "https://sqs.us-east-1.amazonaws.com/1/h"}), want: sqsapi.HostQueueURLAttribute},
		badCase{name: "tq/CreateQueue/RedrivePolicy refused", call: tqCreate("n", map[string]string{"RedrivePolicy": "{}"}), want: "RedrivePolicy"},
		badCase{name: "tq/CreateQueue/FifoQueue maybe", call: tqCreate("n.fifo", map[string]string{"FifoQueue": "maybe"}), want: "maybe"},
		badCase{name: "tq/CreateQueue/FIFO name without .fifo", call: tqCreate("n", map[string]string{"FifoQueue": "true"}), want: `"n"`},
		badCase{name: "tq/CreateQueue/ReceiveMessageWaitTimeSeconds 21", call: tqCreate("n", map[string]string{"ReceiveMessageWaitTimeSeconds": "21"}), want: `"21"`},
		badCase{name: "tq/CreateQueue/retention 0", call: tqCreate("n", map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: "0"}), want: `"0"`},
		badCase{name: "tq/CreateQueue/DelaySeconds 901", call: tqCreate("n", map[string]string{"DelaySeconds": "901"}), want: "901"},
		badCase{name: "tq/CreateQueue/nil input", call: func(ctx context.Context, e *badEnv) error { _, err := e.tq.CreateQueue(ctx, nil); return err }, want: "QueueName"},
		badCase{name: "tq/CreateQueue/nil QueueName", call: func(ctx context.Context, e *badEnv) error {
			_, err := e.tq.CreateQueue(ctx, &sqs.CreateQueueInput{})
			return err
		}, want: "QueueName"},
		badCase{name: "tq/ReceiveMessage/WaitTimeSeconds 21", call: tqRecv(sqs.ReceiveMessageInput{WaitTimeSeconds: 21}), want: `"21"`},
		badCase{name: "tq/ReceiveMessage/WaitTimeSeconds -1", call: tqRecv(sqs.ReceiveMessageInput{WaitTimeSeconds: -1}), want: `"-1"`},
		badCase{name: "tq/ReceiveMessage/MaxNumberOfMessages 11", call: tqRecv(sqs.ReceiveMessageInput{MaxNumberOfMessages: 11}), want: `"11"`},
		badCase{name: "tq/ReceiveMessage/MaxNumberOfMessages -1", call: tqRecv(sqs.ReceiveMessageInput{MaxNumberOfMessages: -1}), want: `"-1"`},
		badCase{name: "tq/SendMessage/11 attributes", call: func(ctx context.Context, e *badEnv) error {
			return send(e.tq, e.turl, sqs.SendMessageInput{MessageAttributes: attrs(11)})(ctx, e)
		}, want: "11"},
		badCase{name: "tq/SendMessage/reserved attribute", call: func(ctx context.Context, e *badEnv) error {
			return send(e.tq, e.turl, sqs.SendMessageInput{MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.VirtualQueueNameAttribute: strAttr("x")}})(ctx, e)
		}, want: sqsapi.VirtualQueueNameAttribute},
		badCase{name: "tq/DeleteQueue/its own host", call: func(ctx context.Context, e *badEnv) error {
			h, _, _ := virtualqueue.ParseURL(e.turl)
			_, err := e.tq.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &h})
			return err
		}, want: "__RequesterClientQueues__"},
		badCase{name: "tq/CreateQueue/after Close", call: func(ctx context.Context, e *badEnv) error {
			_, err := e.closed.tq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: strp("n")})
			return err
		}, want: `"n"`, is: tempqueue.ErrClosed},
		badCase{name: "tq/SendMessage/after Close", call: func(ctx context.Context, e *badEnv) error {
			return send(e.closed.tq, e.turl, sqs.SendMessageInput{})(ctx, e)
		}, want: "SendMessage", is: virtualqueue.ErrClosed},
	)

	// ---- requester ----
	call := func(in *sqs.SendMessageInput) func(context.Context, *badEnv) error {
		return func(ctx context.Context, e *badEnv) error {
			if in != nil && in.QueueUrl != nil && *in.QueueUrl == "<reqQ>" {
				cp := *in
				cp.QueueUrl = &e.reqQ
				in = &cp
			}
			_, err := e.req.SendMessageAndGetResponse(ctx, in)
			return err
		}
	}
	rq := strp("<reqQ>")
	add(
		badCase{name: "requester/nil input", call: call(nil), want: "SendMessageInput"},
		badCase{name: "requester/nil QueueUrl", call: call(&sqs.SendMessageInput{MessageBody: strp("b")}), want: "QueueUrl"},
		badCase{name: "requester/nil MessageBody", call: call(&sqs.SendMessageInput{QueueUrl: rq}), want: "MessageBody"},
		badCase{name: "requester/QueueUrl not a URL", call: call(&sqs.SendMessageInput{QueueUrl: strp("not a url"), MessageBody: strp("b")}), want: "not a url"},
		badCase{name: "requester/virtual QueueUrl with bad name", call: call(&sqs.SendMessageInput{QueueUrl: strp("https://sqs.us-east-1.amazonaws.com/000000000000/q#bad name"), MessageBody: strp("b")}), want: "#bad name"},
		badCase{name: "requester/ResponseQueueUrl attribute", call: call(&sqs.SendMessageInput{QueueUrl: rq, MessageBody: strp("b"), MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.ResponseQueueURLAttribute: strAttr("x")}}), want: sqsapi.ResponseQueueURLAttribute},
		badCase{name: "requester/virtual queue name attribute", call: call(&sqs.SendMessageInput{QueueUrl: rq, MessageBody: strp("b"), MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.VirtualQueueNameAttribute: strAttr("x")}}), want: sqsapi.VirtualQueueNameAttribute},
		badCase{name: "requester/10 attributes (one is taken)", call: call(&sqs.SendMessageInput{QueueUrl: rq, MessageBody: strp("b"), MessageAttributes: attrs(10)}), want: "10"},
		badCase{name: "requester/11 attributes", call: call(&sqs.SendMessageInput{QueueUrl: rq, MessageBody: strp("b"), MessageAttributes: attrs(11)}), want: "11"},
		badCase{name: "requester/attribute named Amazon.x", call: call(&sqs.SendMessageInput{QueueUrl: rq, MessageBody: strp("b"), MessageAttributes: map[string]types.MessageAttributeValue{"Amazon.x": strAttr("x")}}), want: "Amazon.x"},
		badCase{name: "requester/oversize body", call: call(&sqs.SendMessageInput{QueueUrl: rq, MessageBody: &huge}), want: strconv.Itoa(len(huge))},
		badCase{name: "requester/after Close", call: func(ctx context.Context, e *badEnv) error {
			_, err := e.closed.req.SendMessageAndGetResponse(ctx, &sqs.SendMessageInput{QueueUrl: &e.reqQ, MessageBody: strp("b")})
			return err
		}, want: "closed", is: requester.ErrClosed},
	)

	// ---- responder ----
	request := func(reply string) types.Message {
		return types.Message{MessageId: strp("m"), Body: strp("b"), ReceiptHandle: strp("h"),
			MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.ResponseQueueURLAttribute: strAttr(reply)}}
	}
	var refused *responder.ReplyURLRefusedError
	good := func(e *badEnv) string { return e.turl } // a tempqueue virtual queue: prefixed host on sqstest's AWS-shaped host
	add(
		badCase{name: "responder/SendResponse/nil response", call: func(ctx context.Context, e *badEnv) error {
			return e.resp.SendResponse(ctx, request(good(e)), nil)
		}, want: "response"},
		badCase{name: "responder/SendResponse/no ResponseQueueUrl", call: func(ctx context.Context, e *badEnv) error {
			return e.resp.SendResponse(ctx, types.Message{MessageId: strp("m")}, &sqs.SendMessageInput{MessageBody: strp("b")})
		}, want: "names no response queue", is: responder.ErrNoResponseRequested},
		badCase{name: "responder/SendResponse/QueueUrl set to another queue", call: func(ctx context.Context, e *badEnv) error {
			return e.resp.SendResponse(ctx, request(good(e)), &sqs.SendMessageInput{QueueUrl: &e.reqQ, MessageBody: strp("b")})
		}, want: "bad-input-requests"},
		badCase{name: "responder/SendResponse/reply URL outside the allow rule", call: func(ctx context.Context, e *badEnv) error {
			return e.resp.SendResponse(ctx, request(e.reqQ+"#x"), &sqs.SendMessageInput{MessageBody: strp("b")})
		}, want: "bad-input-requests#x", as: &refused},
		badCase{name: "responder/SendResponse/reply URL with bad virtual name", call: func(ctx context.Context, e *badEnv) error {
			h, _, _ := virtualqueue.ParseURL(good(e))
			return e.resp.SendResponse(ctx, request(h+"#a b"), &sqs.SendMessageInput{MessageBody: strp("b")})
		}, want: "#a b", as: &refused},
		badCase{name: "responder/SendResponse/10 attributes to a virtual queue", call: func(ctx context.Context, e *badEnv) error {
			return e.resp.SendResponse(ctx, request(good(e)), &sqs.SendMessageInput{MessageBody: strp("b"), MessageAttributes: attrs(10)})
		}, want: "10"},
		badCase{name: "responder/SendResponse/reserved attribute", call: func(ctx context.Context, e *badEnv) error {
			return e.resp.SendResponse(ctx, request(good(e)), &sqs.SendMessageInput{MessageBody: strp("b"),
				MessageAttributes: map[string]types.MessageAttributeValue{sqsapi.VirtualQueueNameAttribute: strAttr("x")}})
		}, want: sqsapi.VirtualQueueNameAttribute},
		badCase{name: "responder/SendResponse/oversize body", call: func(ctx context.Context, e *badEnv) error {
			return e.resp.SendResponse(ctx, request(good(e)), &sqs.SendMessageInput{MessageBody: &huge})
		}, want: strconv.Itoa(len(huge))},
		badCase{name: "responder/Serve/nil handler", call: func(ctx context.Context, e *badEnv) error {
			return e.resp.Serve(ctx, e.reqQ, nil)
		}, want: "Handler"},
		badCase{name: "responder/Serve/queue URL not a URL", call: func(ctx context.Context, e *badEnv) error {
			return e.resp.Serve(ctx, "not a url", responder.HandlerFunc(func(context.Context, types.Message) (*sqs.SendMessageInput, error) { return nil, nil }))
		}, want: "not a url"},
		badCase{name: "responder/Serve/virtual queue URL", call: func(ctx context.Context, e *badEnv) error {
			return e.resp.Serve(ctx, e.turl, responder.HandlerFunc(func(context.Context, types.Message) (*sqs.SendMessageInput, error) { return nil, nil }))
		}, want: "#t"},
	)

	// ---- sweeper wrapper ----
	swCreate := func(name, retention string) func(context.Context, *badEnv) error {
		return func(ctx context.Context, e *badEnv) error {
			_, err := e.sw.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: retention}})
			return err
		}
	}
	add(
		badCase{name: "sweeper/CreateQueue/retention 0", call: swCreate(sqsapi.DefaultQueuePrefix+"q", "0"), want: `"0"`},
		badCase{name: "sweeper/CreateQueue/retention -1", call: swCreate(sqsapi.DefaultQueuePrefix+"q", "-1"), want: `"-1"`},
		badCase{name: "sweeper/CreateQueue/retention abc", call: swCreate(sqsapi.DefaultQueuePrefix+"q", "abc"), want: `"abc"`},
		badCase{name: "sweeper/CreateQueue/retention without the prefix", call: swCreate("other-q", "60"), want: "other-q"},
		badCase{name: "sweeper/CreateQueue/retention, # in name", call: swCreate(sqsapi.DefaultQueuePrefix+"a#b", "60"), want: "a#b"},
		badCase{name: "sweeper/CreateQueue/nil input", call: func(ctx context.Context, e *badEnv) error { _, err := e.sw.CreateQueue(ctx, nil); return err }, want: "QueueName"},
		badCase{name: "sweeper/Sweeper.Start/bad prefix", call: func(ctx context.Context, e *badEnv) error {
			return sweeper.NewSweeper(e.srv, func(o *sweeper.Options) { o.QueuePrefix = "bad prefix" }).Start(ctx)
		}, want: "bad prefix"},
	)
	return cases
}

// TestBadInput: every bad value given to a public client gets a clear error
// naming the value, of the documented type, makes no SQS call, and never
// panics.
func TestBadInput(t *testing.T) {
	e := newBadEnv(t)
	for _, tc := range badCases() {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			before := e.srv.CallCounts()
			err := func() (err error) {
				defer func() {
					if p := recover(); p != nil {
						err = fmt.Errorf("PANIC: %v", p)
					}
				}()
				return tc.call(ctx, e)
			}()
			after := e.srv.CallCounts()
			var problems []string
			if err == nil {
				problems = append(problems, "no error")
			} else {
				if strings.HasPrefix(err.Error(), "PANIC") {
					problems = append(problems, err.Error())
				}
				if !strings.Contains(err.Error(), tc.want) {
					problems = append(problems, fmt.Sprintf("error does not name %q", tc.want))
				}
				var bad *sqsapi.InvalidParameterError
				var params smithy.InvalidParamsError
				switch {
				case tc.is != nil:
					if !errors.Is(err, tc.is) {
						problems = append(problems, fmt.Sprintf("error is not %v", tc.is))
					}
				case tc.as != nil:
					if !errors.As(err, tc.as) {
						problems = append(problems, fmt.Sprintf("error is not a %T", tc.as))
					}
				case errors.As(err, &bad):
				case strings.Contains(tc.name, "nil input") && errors.As(err, &params):
					// Passed through to the wrapped API, whose client-side
					// validation refused it (like *sqs.Client: no request).
				default:
					problems = append(problems, "error is not an *sqsapi.InvalidParameterError")
				}
			}
			calls := diffCalls(before, after)
			if calls != "" && !(strings.Contains(tc.name, "nil input") && errors.As(err, new(smithy.InvalidParamsError))) {
				problems = append(problems, "SQS calls made: "+calls)
			}
			if len(problems) > 0 {
				t.Errorf("%s; err: %.300v", strings.Join(problems, "; "), err)
			}
		})
	}
}

func diffCalls(before, after map[string]int) string {
	var d []string
	for op, n := range after {
		if n != before[op] {
			d = append(d, fmt.Sprintf("%s +%d", op, n-before[op]))
		}
	}
	return strings.Join(d, ", ")
}

// TestMaxNumberOfMessagesZeroIsOne: 0 is the SDK's "unset" (*sqs.Client
// never sends it), which SQS treats as 1; the virtual queue clients do too.
func TestMaxNumberOfMessagesZeroIsOne(t *testing.T) {
	e := newBadEnv(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		api  sqsapi.API
		url  string
	}{{"virtualqueue", e.vq, e.vurl}, {"tempqueue", e.tq, e.turl}} {
		for i := range 3 {
			if _, err := c.api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &c.url, MessageBody: strp("m" + strconv.Itoa(i))}); err != nil {
				t.Fatal(err)
			}
		}
		got := 0
		for got < 3 {
			out, err := c.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &c.url, MaxNumberOfMessages: 0, WaitTimeSeconds: 0})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(out.Messages) > 1 {
				t.Fatalf("%s: MaxNumberOfMessages 0 returned %d messages, want 1", c.name, len(out.Messages))
			}
			got += len(out.Messages)
			if len(out.Messages) == 0 {
				time.Sleep(time.Millisecond) // the poller is dispatching
			}
		}
	}
}
