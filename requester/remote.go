package requester

// RemoteError is the error SendMessageAndGetResponse (and Call) returns for
// an error reply: the responder's handler answered with a
// responder.ReplyError. The request was handled (and deleted); retrying it
// makes sense only if Code says so.
//
//	var remote *requester.RemoteError
//	if errors.As(err, &remote) && remote.Code == "NotFound" { ... }
type RemoteError struct {
	// Code is the error code the handler chose (responder.ReplyError.Code;
	// "BadRequest" for a request body the typed handler could not decode).
	Code string
	// Message is the error message (the code if the handler gave none).
	Message string
}

// Error implements error.
func (e *RemoteError) Error() string {
	return "requester: remote error " + e.Code + ": " + e.Message
}
