package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/testutil"
)

func TestMain(m *testing.M) { testutil.VerifyTestMain(m) }

// Example_run is `go run ./examples/typed` on the embedded in-memory SQS.
func Example_run() {
	if err := run(context.Background(), os.Stdout, "", testutil.Quiet); err != nil {
		panic(err)
	}
	// Output:
	// -- the server is down; three callers give up after 300 ms
	// client: GetUser 1 -> gave up after 300ms
	//   trace 1: span "lookup user 1" kind internal
	//   trace 1: span "call typed-users" kind client (child of "lookup user 1") error: timeout
	// client: GetUser 2 -> gave up after 300ms
	//   trace 2: span "lookup user 2" kind internal
	//   trace 2: span "call typed-users" kind client (child of "lookup user 2") error: timeout
	// client: GetUser 3 -> gave up after 300ms
	//   trace 3: span "lookup user 3" kind internal
	//   trace 3: span "call typed-users" kind client (child of "lookup user 3") error: timeout
	// -- the server starts
	// server: GetUser 7 (ctx carries the caller's deadline: true)
	// client: GetUser 7 -> {ID:7 Name:alice}
	//   trace 4: span "lookup user 7" kind internal
	//   trace 4: span "call typed-users" kind client (child of "lookup user 7")
	//   trace 4: span "process typed-users" kind server (child of "call typed-users")
	// server: GetUser 42 (ctx carries the caller's deadline: true)
	// client: GetUser 42 -> error reply NotFound: no user 42
	//   trace 5: span "lookup user 42" kind internal
	//   trace 5: span "call typed-users" kind client (child of "lookup user 42") error: NotFound
	//   trace 5: span "process typed-users" kind server (child of "call typed-users") error: NotFound
	// -- server stats: 2 handled, 3 expired requests dropped unhandled, 1 error replies
}

func TestOnEmulator(t *testing.T) {
	endpoint := awsclient.Endpoint(t)
	var out strings.Builder
	if err := run(context.Background(), &out, endpoint, testutil.Logger(t)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"client: GetUser 7 -> {ID:7 Name:alice}",
		"client: GetUser 42 -> error reply NotFound: no user 42",
		`kind server (child of "call typed-users`,
		"3 expired requests dropped unhandled",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
