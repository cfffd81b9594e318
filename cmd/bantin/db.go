package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/bantin/bantin/internal/progress"
	"github.com/bantin/bantin/internal/redact"
	"github.com/bantin/bantin/store"
)

const dbUsage = `Operations on a whole database, for operators:

  copy --from URL --to URL
        copy an installation, every table, into a new database: from
        SQLite to PostgreSQL, or back, or between two of a kind. The
        source must be migrated to this version of bantin and is only
        read, as of one moment: stop every bantin serve on it first. The
        target is migrated here and must hold no rows. It is written in
        one transaction, so a copy that fails leaves it empty and can be
        run again as it was. At the end the rows of every table are
        counted in both, and any difference is an error.

URLs are written as database.url is: sqlite://PATH (or a path ending in
.db) and postgres://USER:PASSWORD@HOST/DB.`

func runDB(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("db", "copy --from URL --to URL", dbUsage)
	from := fs.String("from", "", "copy: the `URL` of the database to copy")
	to := fs.String("to", "", "copy: the `URL` of the new, empty database to copy into")
	// Flags may also follow the action: bantin db copy --from a --to b.
	action, code := parseAction(fs, args)
	if code >= 0 {
		return code
	}
	if action != "copy" {
		fmt.Fprintf(e.stderr, "bantin db: unknown action %q\n\n", action)
		fs.Usage()
		return exitUsage
	}
	if code := e.noArgs(fs); code >= 0 {
		return code
	}
	return dbCopy(ctx, e, *from, *to)
}

func dbCopy(ctx context.Context, e *env, from, to string) int {
	if from == "" || to == "" {
		fmt.Fprintln(e.stderr, "bantin db copy: both --from and --to are required")
		return exitUsage
	}
	for _, u := range []struct{ flag, url string }{{"--from", from}, {"--to", to}} {
		if err := checkDatabaseURL(u.url); err != nil {
			fmt.Fprintf(e.stderr, "bantin db copy: %s: %v\n", u.flag, err)
			return exitUsage
		}
	}
	if from == to {
		fmt.Fprintln(e.stderr, "bantin db copy: --from and --to name the same database")
		return exitUsage
	}
	// Opening a SQLite path that does not exist creates an empty database
	// there: a mistyped source would then be "copied" as nothing.
	if path, err := store.SQLitePath(from); err == nil {
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintf(e.stderr, "bantin db copy: --from: %v\n", err)
			return exitError
		}
	}

	src, err := store.Open(ctx, from)
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin db copy: %v\n", err)
		return exitError
	}
	defer src.Close()
	dst, err := store.Open(ctx, to)
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin db copy: %v\n", err)
		return exitError
	}
	defer dst.Close()

	bar := progress.New(e.stderr, "copy")
	rep, err := store.Copy(ctx, src, dst, store.CopyOptions{Progress: bar.Set})
	bar.Finish()
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin db copy: %v\n", err)
		if errors.Is(err, store.ErrSourceBehind) {
			fmt.Fprintf(e.stderr, "Migrate it first: run bantin migrate with database.url (BANTIN_DATABASE_URL) set to %s\n", redact.URL(from))
		}
		return exitError
	}

	// Counted again now that the copy is committed, in both databases as
	// they are: what the operator is about to switch to.
	counts, countErr := store.CompareCounts(ctx, src, dst)
	fmt.Fprintf(e.stdout, "copied %d rows in %s from %s to %s\n", rep.Rows(), rep.Duration.Round(time.Millisecond),
		redact.URL(from), redact.URL(to))
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tSOURCE\tTARGET\tTIME")
	for i, c := range counts {
		d := time.Duration(0)
		if i < len(rep.Tables) && rep.Tables[i].Table == c.Table {
			d = rep.Tables[i].Duration
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", c.Table, c.From, c.To, d.Round(time.Millisecond))
	}
	if err := tw.Flush(); err != nil {
		return exitError
	}
	if countErr != nil {
		fmt.Fprintf(e.stderr, "bantin db copy: %v\n", countErr)
		if len(counts) > 0 {
			fmt.Fprintln(e.stderr, "Was the source written to during the copy? Stop every bantin serve on it, empty the target (or make a new one) and copy again.")
		}
		return exitError
	}
	fmt.Fprintf(e.stdout, "row counts match in all %d tables\n", len(counts))
	return exitOK
}

// checkDatabaseURL refuses what store.Open would not understand, before
// anything is opened.
func checkDatabaseURL(u string) error {
	_, _, err := store.ParseURL(u)
	return err
}
