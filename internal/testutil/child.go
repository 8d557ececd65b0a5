package testutil

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// childStdinEnv tells a child that StartChild holds its stdin open: the
// child exits when it closes, so that it never outlives the test process.
const childStdinEnv = "SQSTEMP_TEST_CHILD_STDIN"

// readyPrefix starts the line a child prints when it is ready.
const readyPrefix = "READY "

// RunChild runs child and exits with the code it returns if this process is
// a child (the environment variable env is set); otherwise it returns at
// once. A child started by StartChild also exits (with code 3) when the
// test process closes its stdin or dies.
func RunChild(env string, child func() int) {
	if os.Getenv(env) == "" {
		return
	}
	if os.Getenv(childStdinEnv) == "1" {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			os.Exit(3)
		}()
	}
	os.Exit(child())
}

// ChildReady, called in a child, tells StartChild that the child is ready,
// with info for the test (one line, such as a queue URL).
func ChildReady(info string) {
	fmt.Printf("%s%s\n", readyPrefix, info)
}

// Child is a child process started by StartChild.
type Child struct {
	cmd    *exec.Cmd
	stdin  io.Closer
	out    *childOutput
	exited chan struct{} // closed when the child has exited and been waited for
}

// StartChild starts the test binary again as a child with env=1 and extra
// (KEY=VALUE pairs) added to its environment, running no tests, so that
// TestMain's RunChild(env, ...) runs the child. It waits until the child
// calls ChildReady and returns the child and the info it gave. It fails
// the test if the child exits first or is not ready within LivenessBound.
// The child is killed when the test ends, if it still runs.
func StartChild(t testing.TB, env string, extra ...string) (*Child, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), env+"=1", childStdinEnv+"=1"), extra...)
	out := &childOutput{ready: make(chan string, 1)}
	cmd.Stdout = out
	cmd.Stderr = &out.stderr
	cmd.WaitDelay = 10 * time.Second // a grandchild holding the pipes open cannot hang Wait
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("child stdin: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	c := &Child{cmd: cmd, stdin: stdin, out: out, exited: make(chan struct{})}
	go func() {
		defer close(c.exited)
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = c.stdin.Close()
		c.Kill()
	})
	timer := time.NewTimer(LivenessBound)
	defer timer.Stop()
	select {
	case info := <-out.ready:
		return c, info
	case <-c.exited:
		t.Fatalf("child exited before it was ready (%v); stderr:\n%s", cmd.ProcessState, c.Stderr())
	case <-timer.C:
		t.Fatalf("child not ready within %v; stderr:\n%s", LivenessBound, c.Stderr())
	}
	return nil, ""
}

// Kill kills the child with SIGKILL, if it still runs, and waits until it
// has exited.
func (c *Child) Kill() {
	select {
	case <-c.exited:
		return
	default:
	}
	_ = c.cmd.Process.Kill()
	<-c.exited
}

// Exited returns a channel that is closed once the child has exited.
func (c *Child) Exited() <-chan struct{} { return c.exited }

// Stderr returns what the child wrote to its stderr so far.
func (c *Child) Stderr() string { return c.out.stderr.String() }

// childOutput takes a child's stdout, reporting its ready line, and keeps
// its stderr.
type childOutput struct {
	mu     sync.Mutex
	line   []byte      // the stdout line being read
	ready  chan string // the info of the first ready line
	sent   bool        // the ready line was seen
	stderr lockedBuffer
}

func (o *childOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, b := range p {
		if b != '\n' {
			o.line = append(o.line, b)
			continue
		}
		if info, ok := strings.CutPrefix(string(o.line), readyPrefix); ok && !o.sent {
			o.sent = true
			o.ready <- info // buffered: the first and only send
		}
		o.line = o.line[:0]
	}
	return len(p), nil
}

// lockedBuffer is a bytes.Buffer safe for a writer and readers at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
