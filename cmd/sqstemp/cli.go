package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sweeper"
)

// usage is printed for -h (on stdout) and after bad usage (on stderr).
const usage = `usage: sqstemp <command> [flags]

commands:
  queues    list every queue under the prefix with its state
            (in-use, idle, untagged, kept, sweeper)
  sweep     delete the idle queues under the prefix now, by the sweeper's rule
  dlq       show the sweeper's dead-letter messages without removing them
  cleanup   delete the sweeper's work queue and dead-letter queue of a retired
            fleet; refused while a queue under the prefix is in use

flags of every command:
  -prefix P            queue name prefix (default "__RequesterClientQueues__")
  -endpoint URL        SQS endpoint (default: the AWS configuration, including
                       AWS_ENDPOINT_URL_SQS); a loopback URL gets dummy
                       credentials and region us-east-1 if none are configured
  -json                one JSON object per line instead of a table
  -skew-margin D       the sweeper's skew margin (default 10s)
  -non-empty-grace D   the sweeper's grace for idle queues holding messages
                       (default 1h; negative: never delete them)
sweep:
  -dry-run             delete nothing; list what would be deleted
cleanup:
  -force               delete even while queues under the prefix are in use

AWS credentials and region come from the SDK's default chain (environment,
shared config and credentials files, SSO, roles).
exit status: 0 success, 1 error, 2 bad usage
`

// env is what the command needs from the world; tests replace it.
type env struct {
	// connect returns the SQS API for an -endpoint value ("" for the AWS
	// configuration's own).
	connect func(ctx context.Context, endpoint string) (sqsapi.API, error)
	now     func() time.Time
	// dlqWait is the long-poll wait of dlq's receives: an empty receive
	// that long ends the listing.
	dlqWait time.Duration
}

// defaultEnv is the real world: AWS through the SDK, the wall clock.
func defaultEnv() env {
	return env{connect: connectSQS, now: time.Now, dlqWait: 2 * time.Second}
}

// options are the parsed flags.
type options struct {
	prefix   string
	endpoint string
	json     bool
	rule     sweeper.Rule
	dryRun   bool // sweep
	force    bool // cleanup
}

// command runs one subcommand with its API and options, writing its
// output to stdout and notes to stderr.
type command func(ctx context.Context, e env, api sqsapi.API, o options, stdout, stderr io.Writer) error

var commands = map[string]command{
	"queues":  runQueues,
	"sweep":   runSweep,
	"dlq":     runDLQ,
	"cleanup": runCleanup,
}

// run is the command: it parses args (without the program name), runs the
// subcommand and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return defaultEnv().run(ctx, args, stdout, stderr)
}

func (e env) run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd, o, err := parseArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "sqstemp: %v\n\n%s", err, usage)
		return 2
	}
	api, err := e.connect(ctx, o.endpoint)
	if err != nil {
		fmt.Fprintf(stderr, "sqstemp: %v\n", err)
		return 1
	}
	if err := cmd(ctx, e, api, o, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "sqstemp: %v\n", err)
		return 1
	}
	return 0
}

// parseArgs parses "<command> [flags]". Its errors are usage errors.
func parseArgs(args []string) (command, options, error) {
	if len(args) == 0 {
		return nil, options{}, errors.New("no command")
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		return nil, options{}, flag.ErrHelp
	}
	name := args[0]
	cmd, ok := commands[name]
	if !ok {
		return nil, options{}, fmt.Errorf("unknown command %q", name)
	}
	var o options
	fs := flagSet(name, &o)
	if err := fs.Parse(args[1:]); err != nil {
		return nil, options{}, err
	}
	if fs.NArg() > 0 {
		return nil, options{}, fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))
	}
	if err := validatePrefix(o.prefix); err != nil {
		return nil, options{}, err
	}
	if err := validateEndpoint(o.endpoint); err != nil {
		return nil, options{}, err
	}
	if o.rule.SkewMargin < 0 {
		return nil, options{}, fmt.Errorf("-skew-margin %v: must not be negative", o.rule.SkewMargin)
	}
	if o.rule.NonEmptyGrace == 0 {
		// The Sweeper reads 0 as its default; say what it means here.
		return nil, options{}, errors.New("-non-empty-grace 0: use a positive duration, or a negative one for never")
	}
	return cmd, o, nil
}

// flagSet returns the flags of the named command, parsed into o.
func flagSet(name string, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("sqstemp "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the usage text is printed once, by run
	fs.StringVar(&o.prefix, "prefix", sqsapi.DefaultQueuePrefix, "")
	fs.StringVar(&o.endpoint, "endpoint", "", "")
	fs.BoolVar(&o.json, "json", false, "")
	fs.DurationVar(&o.rule.SkewMargin, "skew-margin", 10*time.Second, "")
	fs.DurationVar(&o.rule.NonEmptyGrace, "non-empty-grace", time.Hour, "")
	switch name {
	case "sweep":
		fs.BoolVar(&o.dryRun, "dry-run", false, "")
	case "cleanup":
		fs.BoolVar(&o.force, "force", false, "")
	}
	return fs
}

// validatePrefix refuses a prefix no queue name can start with, or that
// leaves no room for the sweeper's queue names.
func validatePrefix(p string) error {
	if p == "" {
		return errors.New("-prefix must not be empty: it names the fleet's queues")
	}
	if err := sqsapi.ValidateQueueName(sweeper.DeadLetterQueueName(p), true); err != nil {
		return fmt.Errorf("-prefix %q: a prefix may contain only A-Z, a-z, 0-9, '-' and '_', and at most %d characters",
			p, sqsapi.MaxQueueNameLength-len(sweeper.DeadLetterQueueName("")))
	}
	return nil
}

// validateEndpoint refuses an -endpoint that is not an http(s) URL.
func validateEndpoint(ep string) error {
	if ep == "" {
		return nil
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-endpoint %q: not an http(s) URL", ep)
	}
	return nil
}
