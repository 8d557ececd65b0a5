package emulator

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// DirEnv names the environment variable that points at the emulator
// directory (the one holding package.json, launcher.mjs and node_modules).
// When unset, the directory is found next to this source file or, failing
// that, as internal/emulator under the module root (the nearest go.mod above
// the working directory).
const DirEnv = "SQSTEMP_EMULATOR_DIR"

// InstallHint is the command that installs the emulator, run from the module
// root.
const InstallHint = "npm ci --prefix internal/emulator"

// Options configure Start.
type Options struct {
	// Port is the loopback port to listen on; 0 (the default) picks a free one.
	Port int
	// Dir is the emulator directory; empty means Dir().
	Dir string
	// StartTimeout bounds how long Start waits for the emulator to listen.
	// Default 60 s (it takes well under a second on an idle machine, but the
	// tests of other packages may keep both cores busy).
	StartTimeout time.Duration
	// StopTimeout bounds how long Stop waits after SIGTERM before it sends
	// SIGKILL. Default 3 s.
	StopTimeout time.Duration
	// Stderr receives the emulator's standard error; nil discards it (the
	// last lines are still kept and reported when Start fails).
	Stderr io.Writer
}

// Instance is one running (or stopped) private emulator process.
// Its methods are safe for concurrent use.
type Instance struct {
	opts Options
	dir  string

	mu       sync.Mutex // held for the whole of Start, Stop and Restart
	port     int
	endpoint string
	proc     *proc // nil when stopped
}

// proc is one emulator process.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{} // closed when Wait has returned
}

// Dir returns the emulator directory (see DirEnv), or an error saying why it
// cannot be found.
func Dir() (string, error) {
	if d := os.Getenv(DirEnv); d != "" {
		return filepath.Abs(d)
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		d := filepath.Dir(file)
		if fileExists(filepath.Join(d, "launcher.mjs")) {
			return d, nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("emulator: working directory: %w", err)
	}
	for d := wd; ; {
		if fileExists(filepath.Join(d, "go.mod")) {
			return filepath.Join(d, "internal", "emulator"), nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("emulator: no go.mod above %s; set %s", wd, DirEnv)
		}
		d = parent
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// checkInstalled reports why the emulator in dir cannot run, or nil.
func checkInstalled(dir string) error {
	for _, p := range []string{
		"launcher.mjs",
		filepath.Join("node_modules", ".bin", "node"),
		filepath.Join("node_modules", "fauxqs", "package.json"),
	} {
		if !fileExists(filepath.Join(dir, p)) {
			return fmt.Errorf("emulator: %s missing in %s; install with `%s` from the module root", p, dir, InstallHint)
		}
	}
	return nil
}

// Installed reports whether the emulator (Node.js 22 and fauxqs in
// node_modules, and the launcher) is present.
func Installed() bool {
	d, err := Dir()
	return err == nil && checkInstalled(d) == nil
}

// Start spawns a private emulator on 127.0.0.1 and waits until it listens.
// The process runs in its own process group and exits by itself if the Go
// process dies (its stdin is a pipe it watches). Call Stop when done.
func Start(ctx context.Context, optFns ...func(*Options)) (*Instance, error) {
	opts := Options{StartTimeout: 60 * time.Second, StopTimeout: 3 * time.Second}
	for _, fn := range optFns {
		fn(&opts)
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("emulator: bad port %d", opts.Port)
	}
	dir := opts.Dir
	if dir == "" {
		d, err := Dir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	if err := checkInstalled(dir); err != nil {
		return nil, err
	}
	in := &Instance{opts: opts, dir: dir, port: opts.Port}
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.startLocked(ctx); err != nil {
		return nil, err
	}
	return in, nil
}

// tail keeps the last few lines written to it.
type tail struct {
	mu    sync.Mutex
	lines []string
	w     io.Writer
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		t.lines = append(t.lines, l)
	}
	if len(t.lines) > 20 {
		t.lines = t.lines[len(t.lines)-20:]
	}
	if t.w != nil {
		_, _ = t.w.Write(p)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}

func (in *Instance) startLocked(ctx context.Context) error {
	if in.proc != nil {
		return errors.New("emulator: already running")
	}
	node := filepath.Join(in.dir, "node_modules", ".bin", "node")
	// Not exec.CommandContext: ctx bounds the start, not the process's life.
	cmd := exec.Command(node, "--disable-warning=ExperimentalWarning", "launcher.mjs",
		"--port", strconv.Itoa(in.port), "--exit-on-stdin-eof")
	cmd.Dir = in.dir
	cmd.Env = append(os.Environ(), "NODE_ENV=test")
	// Its own process group, so that Stop can end everything it spawned.
	// (No Pdeathsig: it fires when the spawning OS thread exits, which is not
	// the Go process's death; the launcher watches its stdin instead.)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	errTail := &tail{w: in.opts.Stderr}
	cmd.Stderr = errTail
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("emulator: stdout pipe: %w", err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("emulator: stdin pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("emulator: start %s: %w", node, err)
	}
	waitDone := make(chan struct{})
	lineCh := make(chan string, 1)
	go func() {
		// Read the URL line, then drain stdout until the process exits so
		// that it never blocks on a full pipe.
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lineCh <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, r)
	}()
	go func() {
		_ = cmd.Wait()
		close(waitDone)
	}()
	kill := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = stdin.Close()
		<-waitDone
	}
	timer := time.NewTimer(in.opts.StartTimeout)
	defer timer.Stop()
	var line string
	select {
	case line = <-lineCh:
	case <-ctx.Done():
		kill()
		return fmt.Errorf("emulator: start: %w", ctx.Err())
	case <-timer.C:
		state := "still running"
		select {
		case <-waitDone:
			state = "exited: " + cmd.ProcessState.String()
		default:
		}
		kill()
		return fmt.Errorf("emulator: %s (pid %d, %s) not listening after %v; stderr:\n%s", node, cmd.Process.Pid, state, in.opts.StartTimeout, errTail)
	}
	if line == "" {
		kill()
		return fmt.Errorf("emulator: launcher exited before listening (%s); stderr:\n%s", cmd.ProcessState, errTail)
	}
	u, err := url.Parse(line)
	if err != nil || u.Hostname() != "127.0.0.1" || u.Port() == "" {
		kill()
		return fmt.Errorf("emulator: launcher printed %q, want http://127.0.0.1:PORT; stderr:\n%s", line, errTail)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		kill()
		return fmt.Errorf("emulator: bad port in %q", line)
	}
	in.proc = &proc{cmd: cmd, stdin: stdin, done: waitDone}
	in.port, in.endpoint = port, "http://"+net.JoinHostPort("127.0.0.1", u.Port())
	return nil
}

// Endpoint returns the emulator's URL, http://127.0.0.1:PORT. It stays the
// same across Restart.
func (in *Instance) Endpoint() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.endpoint
}

// Port returns the emulator's TCP port on 127.0.0.1.
func (in *Instance) Port() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.port
}

// Running reports whether the emulator process is running.
func (in *Instance) Running() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.proc != nil
}

// Stop ends the emulator (SIGTERM to its process group, SIGKILL after
// StopTimeout) and waits for it to exit. It is idempotent; the Instance can
// be started again with Restart.
func (in *Instance) Stop() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.stopLocked()
}

func (in *Instance) stopLocked() {
	p := in.proc
	if p == nil {
		return
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	_ = p.stdin.Close()
	t := time.NewTimer(in.opts.StopTimeout)
	select {
	case <-p.done:
	case <-t.C:
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	t.Stop()
	// No kill of the group after Wait: its id may already name another
	// process's group. The launcher starts no children of its own.
	in.proc = nil
}

// Restart stops the emulator if it runs and starts a new, empty one on the
// same port. It retries binding the port for a while, in case the old socket
// lingers.
func (in *Instance) Restart(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.stopLocked()
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if err = in.startLocked(ctx); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			break
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	return fmt.Errorf("emulator: restart on port %d: %w", in.port, err)
}

// StartForTest starts a private emulator for tb and stops it in tb.Cleanup.
// It skips the test, saying how to install the emulator, when it is not
// installed, and fails it when the emulator does not start.
func StartForTest(tb testing.TB, optFns ...func(*Options)) *Instance {
	tb.Helper()
	dir, err := Dir()
	if err == nil {
		err = checkInstalled(dir)
	}
	if err != nil {
		tb.Skipf("fauxqs emulator not installed: %v (scripts/test installs and starts it)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in, err := Start(ctx, append([]func(*Options){func(o *Options) { o.Dir = dir }}, optFns...)...)
	if err != nil {
		tb.Fatalf("start emulator: %v", err)
	}
	tb.Cleanup(in.Stop)
	return in
}
