// Package rpcwire is the wire format of sqstemp's RPC extensions, shared by
// packages requester and responder: the request deadline attribute, the
// error reply attribute, and the trace context carried in message
// attributes. Every extension is an optional message attribute, so requests
// and responses without them (those of the Java client) are handled as
// before.
package rpcwire
