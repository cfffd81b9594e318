package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/bantin/bantin/config"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed
	exitUsage = 2 // the command line was wrong
)

// env is what every command gets: its streams, the environment and the
// global options. Commands read no process-wide state besides this.
type env struct {
	stdout, stderr io.Writer
	environ        []string
	configPath     string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) int
}

func commands() []command {
	return []command{
		{"serve", "run the daemon: pages, feeds, forms, article import, digests", runServe},
		{"import", "import article files or directories (default: articles.dir)", runImport},
		{"feeds", "feeds build --out DIR: write every feed as a file, for nginx or a CDN", runFeeds},
		{"digest", "digest preview|send|status|skip|pause|resume: editions of the email digest", runDigest},
		{"subscribers", "subscribers add|import|export|list: the newsletter's subscribers", runSubscribers},
		{"feedback", "feedback list|approve|reject|delete: moderate readers' feedback", runFeedback},
		{"config", "config check | config print: validate or show the effective configuration", runConfig},
		{"migrate", "apply database migrations and show the schema version", runMigrate},
		{"db", "db copy --from URL --to URL: move an installation to another database", runDB},
		{"version", "print the version", runVersion},
		{"help", "show this help, or help COMMAND", nil},
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `bantin publishes a news portal's articles as feeds and email digests.

Usage:
  bantin [--config FILE] COMMAND [ARGS]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, `
Global options:
  --config FILE  YAML configuration file (or BANTIN_CONFIG); without one the
                 embedded defaults apply. BANTIN_* variables override both.

Run "bantin help COMMAND" for a command's options.
`)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	e := &env{stdout: stdout, stderr: stderr}
	for _, kv := range environ {
		// BANTIN_CONFIG names the file; it is not a configuration key, so it
		// must not reach config.Load, which rejects unknown BANTIN_ names.
		if v, ok := strings.CutPrefix(kv, "BANTIN_CONFIG="); ok {
			e.configPath = v
			continue
		}
		e.environ = append(e.environ, kv)
	}
	global := flag.NewFlagSet("bantin", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.StringVar(&e.configPath, "config", e.configPath, "")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "bantin: %v\n\n", err)
		usage(stderr)
		return exitUsage
	}
	rest := global.Args()
	if len(rest) == 0 {
		usage(stderr)
		return exitUsage
	}
	name, rest := rest[0], rest[1:]
	if name == "help" {
		return runHelp(ctx, e, rest)
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return c.run(ctx, e, rest)
		}
	}
	fmt.Fprintf(stderr, "bantin: unknown command %q\n\n", name)
	usage(stderr)
	return exitUsage
}

func runHelp(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] && c.run != nil {
			return c.run(ctx, &env{stdout: e.stdout, stderr: e.stdout, environ: e.environ, configPath: e.configPath}, []string{"-h"})
		}
	}
	fmt.Fprintf(e.stderr, "bantin: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return exitUsage
}

// newFlags returns a flag set for a command that also accepts --config, so
// that "bantin serve --config x" works as well as "bantin --config x serve".
func (e *env) newFlags(name, argsUsage, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet("bantin "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&e.configPath, "config", e.configPath, "YAML configuration `file`")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: bantin %s [options] %s\n\n%s\n\nOptions:\n", name, argsUsage, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and returns the exit code to stop with, or -1 to
// go on.
func parseFlags(fs *flag.FlagSet, args []string) int {
	err := fs.Parse(args)
	if err == nil {
		return -1
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// parseAction parses the flags of a command that takes an action (bantin
// digest send ...), the action, and the flags that may also follow it. It
// returns the action and -1 to go on, or the exit code to stop with;
// fs.Args() is left holding the action's own arguments.
func parseAction(fs *flag.FlagSet, args []string) (action string, code int) {
	if code := parseFlags(fs, args); code >= 0 {
		return "", code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return "", exitUsage
	}
	action = fs.Arg(0)
	return action, parseFlags(fs, fs.Args()[1:])
}

// noArgs reports, as parseFlags does, whether a command that takes no
// arguments was given some.
func (e *env) noArgs(fs *flag.FlagSet) int {
	if fs.NArg() == 0 {
		return -1
	}
	fmt.Fprintf(e.stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
	return exitUsage
}

// loadConfig loads and validates the configuration, printing every problem.
func (e *env) loadConfig() (*config.Config, bool) {
	cfg, err := config.Load(e.configPath, e.environ)
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin: %v\n", err)
		return nil, false
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(e.stderr, "bantin: invalid configuration:\n%v\n", err)
		return nil, false
	}
	return cfg, true
}

func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
