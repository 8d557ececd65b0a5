package responder

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// JSON returns a Handler that decodes each request's body as JSON into a
// Req, calls fn, and answers with the JSON encoding of the Resp it returns:
// the serving half of requester.Call.
//
// A body that does not decode into a Req gets an error reply with code
// CodeBadRequest (fn is not called). An error from fn is treated as any
// handler error: a ReplyError (or an error wrapping one) is sent as an
// error reply, anything else goes to Options.OnHandlerError.
//
//	h := responder.JSON(func(ctx context.Context, q GetUser) (User, error) {
//		u, ok := users[q.ID]
//		if !ok {
//			return User{}, &responder.ReplyError{Code: "NotFound", Message: "no such user"}
//		}
//		return u, nil
//	})
func JSON[Req, Resp any](fn func(ctx context.Context, req Req) (Resp, error)) Handler {
	return HandlerFunc(func(ctx context.Context, m types.Message) (*sqs.SendMessageInput, error) {
		var req Req
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &req); err != nil {
			return nil, &ReplyError{Code: CodeBadRequest, Message: fmt.Sprintf("decode %T: %v", req, err)}
		}
		resp, err := fn(ctx, req)
		if err != nil {
			return nil, err
		}
		body, err := json.Marshal(resp)
		if err != nil {
			return nil, fmt.Errorf("responder: encode %T response: %w", resp, err)
		}
		return &sqs.SendMessageInput{MessageBody: aws.String(string(body))}, nil
	})
}
