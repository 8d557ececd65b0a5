package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"time"
)

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "rpcbench:", err)
			os.Exit(1)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "rpcbench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rpcbench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// parseFlags parses the command line into a config.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("rpcbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.Mode, "mode", "all", "lib, naive, floor, all (each of lib, naive, floor in turn), vqmem, or idle (an idle requester's calls per hour)")
	fs.IntVar(&cfg.Requests, "n", 200, "requests to measure (vqmem: virtual queues to create)")
	fs.IntVar(&cfg.Concurrency, "c", 1, "concurrent callers")
	fs.StringVar(&cfg.Endpoint, "endpoint", "", `SQS backend: "" embedded sqstest, "emulator" a private fauxqs on 127.0.0.1, a URL, or "aws"`)
	fs.IntVar(&cfg.Payload, "payload", 100, "request and response body size in bytes")
	fs.IntVar(&cfg.Warmup, "warmup", -1, "requests run before the measured window (-1: 2 per caller, at least 50)")
	fs.IntVar(&cfg.Servers, "servers", 0, "server loops (Serve calls for lib), the same for every mode; 0: 1 Serve for lib (it runs up to max(64,c) handlers), ceil(c/10) loops for naive and floor (each handles one batch at a time)")
	fs.IntVar(&cfg.Pollers, "pollers", 0, "lib: long polls per response host queue (requester TempQueue.PollersPerHost); 0: the library's default")
	fs.IntVar(&cfg.Rounds, "rounds", 0, "measure the modes round-robin this many times, n/rounds requests each time, and add up; 0: 3 for -mode all, else 1")
	fs.DurationVar(&cfg.Latency, "latency", 0, "embedded sqstest only: delay every call by this much (a model of the network round trip)")
	fs.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "per-request timeout")
	fs.DurationVar(&cfg.Duration, "duration", time.Hour, "-mode idle: how long to watch the idle requester")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	verbose := fs.Bool("v", false, "log warnings of the clients to stderr")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected arguments %q", fs.Args())
		fmt.Fprintln(stderr, "rpcbench:", err)
		return cfg, err
	}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintln(stderr, "rpcbench:", err)
		fs.Usage()
		return cfg, err
	}
	return cfg, nil
}
