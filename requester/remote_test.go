package requester_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/requester"
	"github.com/sqstemp/sqstemp/responder"
)

// TestErrorReplyReachesCaller: a handler's ReplyError (wrapped or not)
// reaches the caller as a *requester.RemoteError with its code and
// message; the request is deleted, not redelivered.
func TestErrorReplyReachesCaller(t *testing.T) {
	srv := newServer(t)
	g := newRig(t, srv, rigOpts{handler: responder.HandlerFunc(func(_ context.Context, m types.Message) (*sqs.SendMessageInput, error) {
		switch body := aws.ToString(m.Body); body {
		case "wrapped":
			return nil, fmt.Errorf("lookup user 7: %w", &responder.ReplyError{Code: "NotFound", Message: "no user 7"})
		case "bare":
			return nil, &responder.ReplyError{Code: "Conflict"}
		default:
			return nil, &responder.ReplyError{Code: "Bad\x00Code", Message: "bad \uffff char"}
		}
	})})
	for _, tc := range []struct{ body, code, message string }{
		{"wrapped", "NotFound", "no user 7"},
		{"bare", "Conflict", "Conflict"},
		{"odd", "Bad\uFFFDCode", "bad \uFFFD char"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		start := time.Now()
		m, err := g.call(ctx, tc.body, nil)
		took := time.Since(start)
		cancel()
		var remote *requester.RemoteError
		if !errors.As(err, &remote) || m != nil {
			t.Fatalf("%s: response %v, err %v; want a *RemoteError", tc.body, m, err)
		}
		if remote.Code != tc.code || remote.Message != tc.message {
			t.Errorf("%s: RemoteError{%q, %q}, want {%q, %q}", tc.body, remote.Code, remote.Message, tc.code, tc.message)
		}
		t.Logf("%s: %v after %v", tc.body, err, took)
	}
	g.shutdown(t)
	if v, f := queueCounts(t, srv, g.queueURL); v != "0" || f != "0" {
		t.Errorf("request queue: %s visible, %s in flight; want the answered requests deleted", v, f)
	}
	rs, ss := g.req.Stats(), g.resp.Stats()
	if rs.RemoteErrors != 3 || rs.Responses != 0 || ss.ErrorReplies != 3 || ss.HandlerErrors != 0 {
		t.Errorf("requester RemoteErrors %d, Responses %d; responder ErrorReplies %d, HandlerErrors %d; want 3, 0, 3, 0",
			rs.RemoteErrors, rs.Responses, ss.ErrorReplies, ss.HandlerErrors)
	}
}

type getUser struct {
	ID int `json:"id"`
}

type user struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// TestTypedCall: requester.Call and responder.JSON round trip values; an
// error reply is a RemoteError; a body that does not decode gets code
// BadRequest without calling the function.
func TestTypedCall(t *testing.T) {
	srv := newServer(t)
	var calls atomic.Int64
	g := newRig(t, srv, rigOpts{handler: responder.JSON(func(_ context.Context, q getUser) (user, error) {
		calls.Add(1)
		if q.ID != 7 {
			return user{}, &responder.ReplyError{Code: "NotFound", Message: fmt.Sprintf("no user %d", q.ID)}
		}
		return user{ID: 7, Name: "alice"}, nil
	})})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u, err := requester.Call[getUser, user](ctx, g.req, g.queueURL, getUser{ID: 7})
	if err != nil || u != (user{7, "alice"}) {
		t.Errorf("Call(7) = %+v, %v", u, err)
	}
	_, err = requester.Call[getUser, user](ctx, g.req, g.queueURL, getUser{ID: 8})
	var remote *requester.RemoteError
	if !errors.As(err, &remote) || remote.Code != "NotFound" || remote.Message != "no user 8" {
		t.Errorf("Call(8): %v, want RemoteError NotFound", err)
	}
	_, err = g.call(ctx, "{not json", nil)
	if !errors.As(err, &remote) || remote.Code != responder.CodeBadRequest {
		t.Errorf("undecodable body: %v, want RemoteError %s", err, responder.CodeBadRequest)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("function called %d times, want 2 (not for the undecodable body)", n)
	}
	if _, err := requester.Call[getUser, []int](ctx, g.req, g.queueURL, getUser{ID: 7}); err == nil {
		t.Error("a response that does not decode into Resp gave no error")
	}
}

// TestErrorReplyOnEmulator: an error reply reaches the caller as a
// *RemoteError through a real SQS-compatible server.
func TestErrorReplyOnEmulator(t *testing.T) {
	api := emulator(t)
	g := newRig(t, api, rigOpts{handler: responder.HandlerFunc(func(context.Context, types.Message) (*sqs.SendMessageInput, error) {
		return nil, &responder.ReplyError{Code: "NotFound", Message: "no user 7"}
	})})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 3 {
		start := time.Now()
		_, err := g.call(ctx, "user 7", nil)
		took := time.Since(start)
		var remote *requester.RemoteError
		if !errors.As(err, &remote) || remote.Code != "NotFound" || remote.Message != "no user 7" {
			t.Fatalf("err = %v, want RemoteError NotFound", err)
		}
		t.Logf("call %d: %T{Code: %q, Message: %q} after %v", i+1, remote, remote.Code, remote.Message, took)
	}
}
