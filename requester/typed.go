package requester

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// Call sends req as a JSON request to the queue at queueURL and decodes
// the JSON response into a Resp: the typed form of
// SendMessageAndGetResponse, for a responder serving a handler made with
// responder.JSON. An error reply comes back as a *RemoteError (code
// "BadRequest" if the responder could not decode req); a response that
// does not decode into a Resp is an error too.
//
//	user, err := requester.Call[GetUser, User](ctx, r, queueURL, GetUser{ID: 42})
func Call[Req, Resp any](ctx context.Context, r *Requester, queueURL string, req Req) (Resp, error) {
	var resp Resp
	if r == nil {
		return resp, fmt.Errorf("requester: Call: %w", &sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "Requester", Value: "<nil>", Reason: "required"})
	}
	body, err := json.Marshal(req)
	if err != nil {
		return resp, fmt.Errorf("requester: Call %s: encode request: %w", queueURL, err)
	}
	m, err := r.SendMessageAndGetResponse(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(string(body))})
	if err != nil {
		return resp, err
	}
	if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &resp); err != nil {
		return resp, fmt.Errorf("requester: Call %s: decode response: %w", queueURL, err)
	}
	return resp, nil
}
