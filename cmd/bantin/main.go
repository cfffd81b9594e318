// Command bantin is the whole product in one binary: the daemon that serves
// feeds and pages and reads new articles (serve), and the commands an
// operator runs beside it (import, config, migrate, db, version).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}
