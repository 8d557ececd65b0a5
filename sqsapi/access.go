package sqsapi

import "strings"

// accessDeniedCodes are the error codes by which AWS says the caller may not
// make a call: no permission, credentials it does not accept, a bad
// signature, or a KMS key the queue's encryption needs and the caller may
// not use.
var accessDeniedCodes = map[string]bool{
	"AccessDenied":                true,
	"AccessDeniedException":       true,
	"AuthFailure":                 true,
	"IncompleteSignature":         true,
	"InvalidClientTokenId":        true,
	"InvalidSecurity":             true,
	"MissingAuthenticationToken":  true,
	"OptInRequired":               true,
	"SignatureDoesNotMatch":       true,
	"UnrecognizedClientException": true,
	"KmsAccessDenied":             true,
	"KMS.AccessDeniedException":   true,
}

// IsAccessDenied reports whether err says the caller may not make the call
// (see accessDeniedCodes); retrying does not help until someone changes a
// policy or the credentials. A prefixed query code
// ("AWS.SimpleQueueService.AccessDenied") counts too.
func IsAccessDenied(err error) bool {
	if err == nil {
		return false
	}
	code := ErrorCode(err)
	return accessDeniedCodes[code] || accessDeniedCodes[strings.TrimPrefix(code, queryCodePrefix)]
}
