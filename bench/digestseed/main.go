// Command digestseed prepares a SQLite database for the digest benchmarks
// (bench/delivery.sh, bench/scale.sh, bench/crash.sh): it migrates it,
// moves the newest articles into the last hours so that a daily edition
// cut now carries them, and inserts subscribers in one transaction, with
// plain SQL, fast enough for a million.
//
// Usage:
//
//	go run ./bench/digestseed -db FILE -subscribers 50000 [-articles 5] [-mix 0]
//
// Subscribers are s0000001@example.test and on, active, daily. A fraction
// -mix of them choose one to three of the articles' categories; the rest
// take every category. Run `bantin import` of some articles first.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/bantin/bantin/store"
)

func main() {
	path := flag.String("db", "", "SQLite database file (required)")
	n := flag.Int("subscribers", 50000, "subscribers to insert")
	articles := flag.Int("articles", 5, "newest articles moved into the last hours; the rest are moved out of reach")
	mix := flag.Float64("mix", 0, "fraction of subscribers who choose categories")
	cadence := flag.String("cadence", "daily", "the subscribers' cadence")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *path == "" {
		fmt.Fprintln(os.Stderr, "digestseed: -db FILE is required")
		os.Exit(2)
	}
	if err := run(*path, *n, *articles, *mix, *cadence, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "digestseed:", err)
		os.Exit(1)
	}
}

func run(path string, n, articles int, mix float64, cadence string, seed uint64) error {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+path)
	if err != nil {
		return err
	}
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	st.Close()

	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return err
	}
	defer db.Close()
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
		if _, err := tx.ExecContext(ctx, "UPDATE articles SET published_at = ?, newsletter = TRUE WHERE id = ?", at.UnixMicro(), id); err != nil {
			return err
		}
	}

	ins, err := tx.PrepareContext(ctx, `INSERT INTO subscribers (email, name, status, cadence, categories, created_at, confirmed_at, updated_at)
VALUES (?, ?, 'active', ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(seed, 2))
	us := now.UnixMicro()
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
		if _, err := ins.ExecContext(ctx, fmt.Sprintf("s%07d@example.test", i), name, cadence, chosen, us, us, us); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	fmt.Printf("digestseed: %d subscribers, %d articles in the window (categories %v) in %s\n",
		n, articles, cats, time.Since(start).Round(time.Millisecond))
	return nil
}
