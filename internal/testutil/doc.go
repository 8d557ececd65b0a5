// Package testutil holds the helpers this module's tests share: a logger
// that is quiet unless asked (SQSTEMP_LOG=1), Eventually (wait for an
// outcome, with a liveness bound that asserts no timing), queue creation,
// and the goroutine-leak check every package's TestMain runs. It is for
// tests only; nothing in the library imports it.
package testutil
