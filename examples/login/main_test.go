package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/sqstemp/sqstemp/internal/awsclient"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// Idle keep-alive connections of the SDK's HTTP client (integration tests).
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

const want = `server: handled login request "alice:wonderland"
client: login "alice:wonderland" -> "OK: welcome, alice"
server: handled login request "bob:builder"
client: login "bob:builder" -> "OK: welcome, bob"
server: handled login request "mallory:guess"
client: login "mallory:guess" -> "DENIED: bad user name or password for mallory"
`

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Example_run is `go run ./examples/login` on the embedded in-memory SQS.
func Example_run() {
	if err := run(context.Background(), os.Stdout, "", quiet); err != nil {
		panic(err)
	}
	// Output:
	// server: handled login request "alice:wonderland"
	// client: login "alice:wonderland" -> "OK: welcome, alice"
	// server: handled login request "bob:builder"
	// client: login "bob:builder" -> "OK: welcome, bob"
	// server: handled login request "mallory:guess"
	// client: login "mallory:guess" -> "DENIED: bad user name or password for mallory"
}

func TestOnEmulator(t *testing.T) {
	endpoint := awsclient.Endpoint(t)
	var out strings.Builder
	if err := run(context.Background(), &out, endpoint, quiet); err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}
