package testutil

import (
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

const testChildEnv = "SQSTEMP_TESTUTIL_CHILD"

func TestMain(m *testing.M) {
	RunChild(testChildEnv, func() int {
		ChildReady("info " + os.Getenv("TESTUTIL_WORD"))
		select {} // until killed, or until the test process closes stdin
	})
	VerifyTestMain(m)
}

func TestStartChildAndKill(t *testing.T) {
	c, info := StartChild(t, testChildEnv, "TESTUTIL_WORD=hello")
	if info != "info hello" {
		t.Errorf("ready info %q, want %q", info, "info hello")
	}
	select {
	case <-c.Exited():
		t.Fatalf("child exited while it should wait; stderr:\n%s", c.Stderr())
	default:
	}
	c.Kill()
	<-c.Exited()
	if st := c.cmd.ProcessState; st == nil || st.Success() || !strings.Contains(st.String(), "killed") {
		t.Errorf("child state after Kill: %v, want killed", st)
	}
}

// TestChildExitsWhenStdinCloses: a child never outlives the test process:
// when its stdin closes (the test process ended or died), it exits with
// code 3.
func TestChildExitsWhenStdinCloses(t *testing.T) {
	c, _ := StartChild(t, testChildEnv)
	_ = c.stdin.Close()
	select {
	case <-c.Exited():
	case <-time.After(LivenessBound):
		t.Fatal("child still runs after its stdin closed")
	}
	if code := c.cmd.ProcessState.ExitCode(); code != 3 {
		t.Errorf("child exit code %d, want 3", code)
	}
}

// TestLeakOptionsStillSeeListeners: the leak check ignores the SDK's idle
// connections, not any goroutine waiting on the network.
func TestLeakOptionsStillSeeListeners(t *testing.T) {
	running := goleak.IgnoreCurrent()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = ln.Accept()
	}()
	err = goleak.Find(append(LeakOptions(), running)...)
	_ = ln.Close()
	<-done
	if err == nil {
		t.Error("a goroutine blocked in Accept was not reported as a leak")
	}
}

func TestHeapAllocSeesLiveObjects(t *testing.T) {
	before := HeapAlloc()
	keep := make([]byte, 8<<20)
	after := HeapAlloc()
	if after < before+7<<20 {
		t.Errorf("heap %d -> %d with 8 MiB live", before, after)
	}
	runtime.KeepAlive(keep)
}
