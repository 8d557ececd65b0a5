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

const want = `server: handled login request "alice:wonderland"
client: login "alice:wonderland" -> "OK: welcome, alice"
server: handled login request "bob:builder"
client: login "bob:builder" -> "OK: welcome, bob"
server: handled login request "mallory:guess"
client: login "mallory:guess" -> "DENIED: bad user name or password for mallory"
`

// Example_run is `go run ./examples/login` on the embedded in-memory SQS.
func Example_run() {
	if err := run(context.Background(), os.Stdout, "", testutil.Quiet); err != nil {
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
	if err := run(context.Background(), &out, endpoint, testutil.Quiet); err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}
