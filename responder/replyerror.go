package responder

// CodeBadRequest is the ReplyError code of a request that a JSON handler
// could not decode.
const CodeBadRequest = "BadRequest"

// ReplyError is an answer that is an error: a handler that returns one (or
// an error wrapping one) makes Serve send an error reply and delete the
// request, instead of applying Options.OnHandlerError. The caller's
// requester.SendMessageAndGetResponse returns it as a *requester.RemoteError
// with the same Code and Message.
//
//	return nil, &responder.ReplyError{Code: "NotFound", Message: "no user " + id}
//
// On the wire an error reply carries Code in the message attribute
// SqstempErrorCode (String) and Message as its body (Code, if Message is
// empty: SQS refuses empty bodies). Characters SQS refuses are replaced by
// U+FFFD; an empty Code is sent as "Error".
type ReplyError struct {
	Code    string // short and stable, e.g. "NotFound", "BadRequest"
	Message string // for people
}

// Error implements error.
func (e *ReplyError) Error() string {
	return "responder: reply error " + e.Code + ": " + e.Message
}
