// Command digestseed prepares a database for the digest benchmarks
// (bench/delivery.sh, bench/scale.sh, bench/crash.sh): it migrates it,
// moves the newest articles into the last hours so that a daily edition
// cut now carries them, and inserts subscribers in one transaction, with
// plain SQL, fast enough for a million.
//
// Usage:
//
//	go run ./bench/digestseed -db FILE|URL -subscribers 50000 [-articles 5] [-mix 0] [-history 0]
//
// -db is a SQLite file (or sqlite://FILE) or a PostgreSQL URL
// (postgres://USER@HOST/DB?search_path=SCHEMA); on PostgreSQL the
// subscribers go in with multi-row INSERTs of 1,000 rows, and the
// subscribers and articles are analyzed afterwards.
//
// Subscribers are s0000001@example.test and on, active, daily. A fraction
// -mix of them choose one to three of the articles' categories; the rest
// take every category. Run `bantin import` of some articles first.
//
// -history E adds E past editions of the cadence, one a day before now,
// each sent to every subscriber (a delivery row per subscriber, "sent"),
// and moves the subscribers' last edition to the newest of them; then
// every table is analyzed. The delivery queue then runs on a table with
// statistics and history, as in a database in service, rather than on a
// fresh one.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bantin/bantin/store"
)

func main() {
	path := flag.String("db", "", "SQLite database file, sqlite://FILE or postgres://... URL (required)")
	n := flag.Int("subscribers", 50000, "subscribers to insert")
	articles := flag.Int("articles", 5, "newest articles moved into the last hours; the rest are moved out of reach")
	mix := flag.Float64("mix", 0, "fraction of subscribers who choose categories")
	cadence := flag.String("cadence", "daily", "the subscribers' cadence")
	seed := flag.Uint64("seed", 1, "random seed")
	history := flag.Int("history", 0, "past editions, each delivered to every subscriber")
	flag.Parse()
	if *path == "" {
		fmt.Fprintln(os.Stderr, "digestseed: -db FILE|URL is required")
		os.Exit(2)
	}
	if err := run(*path, *n, *articles, *mix, *cadence, *seed, *history); err != nil {
		fmt.Fprintln(os.Stderr, "digestseed:", err)
		os.Exit(1)
	}
}

func isPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

func run(path string, n, articles int, mix float64, cadence string, seed uint64, history int) error {
	ctx := context.Background()
	pg := isPostgres(path)
	url := path
	if !pg {
		if p, err := store.SQLitePath(path); err == nil {
			path = p
		}
		url = "sqlite://" + path
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	st.Close()

	var db *sql.DB
	if pg {
		// store registers the pgx driver.
		db, err = sql.Open("pgx", url)
	} else {
		db, err = sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)")
	}
	if err != nil {
		return err
	}
	defer db.Close()
	// ph returns the i-th (from 1) placeholder of the dialect.
	ph := func(i int) string {
		if pg {
			return "$" + strconv.Itoa(i)
		}
		return "?"
	}
	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	now := time.Now()
	rows, err := tx.QueryContext(ctx, "SELECT id, category_slug FROM articles ORDER BY published_at DESC, id DESC")
	if err != nil {
		return err
	}
	var ids, cats []string
	seen := map[string]bool{}
	for rows.Next() {
		var id, cat string
		if err := rows.Scan(&id, &cat); err != nil {
			return err
		}
		ids = append(ids, id)
		if len(ids) <= articles && cat != "" && !seen[cat] {
			seen[cat] = true
			cats = append(cats, cat)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(ids) < articles {
		return fmt.Errorf("%d articles in the database, want at least %d (bantin import some first)", len(ids), articles)
	}
	for i, id := range ids {
		at := now.Add(-time.Duration(i+1) * 10 * time.Minute)
		if i >= articles {
			at = now.Add(-60 * 24 * time.Hour).Add(-time.Duration(i) * time.Minute)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE articles SET published_at = "+ph(1)+", newsletter = TRUE WHERE id = "+ph(2), at.UnixMicro(), id); err != nil {
			return err
		}
	}

	const cols = "INSERT INTO subscribers (email, name, status, cadence, categories, created_at, confirmed_at, updated_at) VALUES "
	// SQLite: one prepared row at a time (fast in-process); PostgreSQL:
	// rows in groups, to spare round trips.
	group := 1
	if pg {
		group = 1000
	}
	var stmt *sql.Stmt
	prepared := 0
	r := rand.New(rand.NewPCG(seed, 2))
	// Subscribers joined, and last changed their row, before the first
	// past edition, as in a database in service: planning trusts the
	// window of the previous edition only for subscribers unchanged since.
	joined := now.Add(-time.Duration(history+30) * 24 * time.Hour).UnixMicro()
	args := make([]any, 0, 7*group)
	flush := func() error {
		rows := len(args) / 7
		if rows == 0 {
			return nil
		}
		if stmt == nil || prepared != rows {
			var b strings.Builder
			b.WriteString(cols)
			for i := range rows {
				if i > 0 {
					b.WriteString(", ")
				}
				k := 7 * i
				fmt.Fprintf(&b, "(%s, %s, 'active', %s, %s, %s, %s, %s)", ph(k+1), ph(k+2), ph(k+3), ph(k+4), ph(k+5), ph(k+6), ph(k+7))
			}
			if stmt != nil {
				stmt.Close()
			}
			var err error
			if stmt, err = tx.PrepareContext(ctx, b.String()); err != nil {
				return err
			}
			prepared = rows
		}
		_, err := stmt.ExecContext(ctx, args...)
		args = args[:0]
		return err
	}
	for i := 1; i <= n; i++ {
		chosen := "[]"
		if len(cats) > 0 && r.Float64() < mix {
			k := 1 + r.IntN(min(3, len(cats)))
			var pick []string
			for _, j := range r.Perm(len(cats))[:k] {
				pick = append(pick, `"`+cats[j]+`"`)
			}
			chosen = "[" + strings.Join(pick, ",") + "]"
		}
		name := ""
		if i%3 == 0 {
			name = fmt.Sprintf("Độc giả %d", i)
		}
		args = append(args, fmt.Sprintf("s%07d@example.test", i), name, cadence, chosen, joined, joined, joined)
		if len(args) == 7*group {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if stmt != nil {
		stmt.Close()
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// Past editions, oldest first, a day apart, ending a day ago, each in
	// its own transaction. On PostgreSQL, autovacuum runs in the day
	// between two editions of a database in service: each past edition's
	// update of every subscriber leaves dead rows, whose room on the page
	// the next update reuses once they are vacuumed; without it, the
	// edition measured would find pages laid out as no database in
	// service has them.
	vacuum := func(tables ...string) error {
		for _, t := range tables {
			if _, err := db.ExecContext(ctx, "VACUUM (ANALYZE) "+t); err != nil {
				return err
			}
		}
		return nil
	}
	for d := history; d >= 1; d-- {
		if err := seedPastEdition(ctx, db, ph, cadence, n, now.Add(-time.Duration(d)*24*time.Hour)); err != nil {
			return err
		}
		if pg {
			if err := vacuum("subscribers", "editions", "deliveries"); err != nil {
				return err
			}
		}
	}
	if history > 0 && !pg {
		if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
			return err
		}
	}
	if pg {
		if err := vacuum("subscribers", "articles"); err != nil {
			return err
		}
	}
	fmt.Printf("digestseed: %d subscribers, %d articles in the window (categories %v), %d past editions, in %s\n",
		n, articles, cats, history, time.Since(start).Round(time.Millisecond))
	return nil
}

// seedPastEdition records an edition of cadence ending at until as sent
// to every subscriber of it, as the daemon would have.
func seedPastEdition(ctx context.Context, db *sql.DB, ph func(int) string, cadence string, n int, untilT time.Time) error {
	until := untilT.UnixMicro()
	since := until - (24 * time.Hour).Microseconds()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO editions (cadence, since_at, until_at, subject, status, recipients, created_at, finished_at)
VALUES (`+ph(1)+", "+ph(2)+", "+ph(3)+", 'Bản tin', 'done', "+ph(4)+", "+ph(5)+", "+ph(6)+") RETURNING id",
		cadence, since, until, n, until, until+(10*time.Minute).Microseconds()).Scan(&id)
	if err != nil {
		return fmt.Errorf("past edition: %w", err)
	}
	// Each delivery carries the window it used up (migration 10): the
	// subscribers' rows are not written.
	if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (edition_id, subscriber_id, status, attempts, next_at, sent_at, until_at)
SELECT `+ph(1)+", id, 'sent', 1, "+ph(2)+", "+ph(3)+", "+ph(4)+" FROM subscribers WHERE cadence = "+ph(5),
		id, until, until+(5*time.Minute).Microseconds(), until, cadence); err != nil {
		return fmt.Errorf("past deliveries: %w", err)
	}
	return tx.Commit()
}
