package main

import (
	"context"
	"fmt"
)

func runConfig(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("config", "check|print", `"check" validates the configuration and reports every bad key.
"print" shows the effective configuration (defaults, file and environment
merged) as YAML, with secrets redacted.`)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	switch fs.Arg(0) {
	case "check":
		if _, ok := e.loadConfig(); !ok {
			return exitError
		}
		src := "embedded defaults"
		if e.configPath != "" {
			src = e.configPath
		}
		fmt.Fprintf(e.stdout, "configuration OK (%s)\n", src)
		return exitOK
	case "print":
		cfg, ok := e.loadConfig()
		if !ok {
			return exitError
		}
		if err := cfg.WriteYAML(e.stdout); err != nil {
			fmt.Fprintf(e.stderr, "bantin config print: %v\n", err)
			return exitError
		}
		return exitOK
	default:
		fmt.Fprintf(e.stderr, "bantin config: unknown action %q\n\n", fs.Arg(0))
		fs.Usage()
		return exitUsage
	}
}
