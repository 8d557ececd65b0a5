package sqsapi

import (
	"net/url"
	"strings"
)

// QueueURL is a parsed SQS queue URL: scheme://host/account/name, the shape
// of real SQS ("https://sqs.us-east-1.amazonaws.com/123456789012/q") and of
// SQS-compatible servers ("http://127.0.0.1:4566/000000000000/q").
type QueueURL struct {
	Scheme  string // "https" or "http"
	Host    string // host[:port]
	Account string // the account ID path segment
	Name    string // the queue name
}

// String returns the URL in canonical form.
func (u QueueURL) String() string {
	return u.Scheme + "://" + u.Host + "/" + u.Account + "/" + u.Name
}

// Region returns the AWS region named by an AWS SQS endpoint host, exactly
// "sqs.<region>.amazonaws.com", "sqs-fips.<region>.amazonaws.com",
// "sqs.<region>.amazonaws.com.cn", "sqs.<region>.api.aws" or the legacy
// "<region>.queue.amazonaws.com", with an optional port; "" for any other
// host (so "sqs.us-east-1.amazonaws.com.evil.example" is not AWS).
func (u QueueURL) Region() string {
	host := u.Host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	labels := strings.Split(host, ".")
	var region string
	switch {
	case len(labels) == 4 && labels[1] == "queue" && labels[2] == "amazonaws" && labels[3] == "com":
		region = labels[0]
	case len(labels) >= 4 && (labels[0] == "sqs" || labels[0] == "sqs-fips"):
		switch rest := strings.Join(labels[2:], "."); rest {
		case "amazonaws.com", "amazonaws.com.cn", "api.aws":
			region = labels[1]
		}
	}
	if !isRegion(region) {
		return ""
	}
	return region
}

// isRegion reports whether s looks like an AWS region name ("us-east-1").
func isRegion(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' || !strings.Contains(s, "-") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ParseQueueURL parses raw as an SQS queue URL. It refuses anything else:
// another scheme, user info, a query or fragment, a path that is not exactly
// /account/name, or a name that is not a valid queue name. The error names
// the bad value.
func ParseQueueURL(raw string) (QueueURL, error) {
	bad := func(reason string) (QueueURL, error) {
		return QueueURL{}, &InvalidParameterError{Code: "InvalidAddress", Param: "QueueUrl", Value: raw, Reason: reason}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("not a URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return bad("scheme must be https or http")
	}
	if u.User != nil || u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(raw, "?#@\\") {
		return bad("must not carry user info, a query or a fragment")
	}
	if u.Host == "" || u.Hostname() == "" {
		return bad("no host")
	}
	if u.RawPath != "" || strings.Contains(raw, "%") {
		return bad("must not contain escapes")
	}
	parts := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	if len(parts) != 2 || parts[0] == "" {
		return bad("path must be /<account>/<queue name>")
	}
	for i := 0; i < len(parts[0]); i++ {
		if c := parts[0][i]; c < '0' || c > '9' {
			return bad("account must be digits")
		}
	}
	name := parts[1]
	if err := ValidateQueueName(name, strings.HasSuffix(name, FIFOSuffix)); err != nil {
		return bad("bad queue name: " + err.Error())
	}
	return QueueURL{Scheme: u.Scheme, Host: strings.ToLower(u.Host), Account: parts[0], Name: name}, nil
}

// IsFIFOQueueName reports whether name is the name of a FIFO queue.
func IsFIFOQueueName(name string) bool { return strings.HasSuffix(name, FIFOSuffix) }
