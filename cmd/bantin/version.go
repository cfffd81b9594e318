package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// buildVersion describes the binary from its embedded build information: the
// module version when installed with go install, else the VCS revision.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if len(s.Value) > 12 {
				rev = s.Value[:12]
			} else {
				rev = s.Value
			}
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if (v == "" || v == "(devel)") && rev != "" {
		v = "devel-" + rev + dirty
	}
	if v == "" {
		v = "(devel)"
	}
	return v + " " + info.GoVersion
}

func runVersion(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("version", "", "Print the version of bantin and of the Go toolchain that built it.")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if code := e.noArgs(fs); code >= 0 {
		return code
	}
	fmt.Fprintf(e.stdout, "bantin %s\n", buildVersion())
	return exitOK
}
