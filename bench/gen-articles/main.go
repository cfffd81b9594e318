// Command gen-articles writes synthetic Vietnamese news articles for
// benchmarks and load tests of the importer, the feeds and the newsletter.
//
// Usage:
//
//	go run ./bench/gen-articles -n 10000 -out DIR [-seed 1] [-size 8192] [-categories 8] [-md 0.2]
//
// It writes DIR/<category>/NNNNNN.txt in the portal's plain-text format and,
// for a fraction -md of the files, DIR/<category>/NNNNNN.md (Markdown with
// YAML front matter; one in ten of those leaves out "category" so the
// folder name applies). Numbers run from 000001 across all categories.
// Articles are dated over the -days days up to -until, with the weekday on
// line 1 matching the date; sizes are about -size bytes each.
//
// The output depends only on the flags (not on the clock or on -workers):
// each file has its own random stream derived from -seed and its number, so
// the same flags always write the same bytes. Existing files of the same
// name are overwritten; other files in DIR are left alone.
//
// The text comes from package github.com/bantin/bantin/bench/gen, which Go
// benchmarks can call directly.
package main

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bantin/bantin/bench/gen"
)

// config is the parsed command line.
type config struct {
	n          int
	out        string
	seed       uint64
	size       int
	categories int
	md         float64
	until      time.Time
	days       int
	workers    int
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errReported):
		os.Exit(1)
	case err != nil:
		fmt.Fprintln(os.Stderr, "gen-articles:", err)
		os.Exit(1)
	}
	start := time.Now()
	var st stats
	if err := run(cfg, &st); err != nil {
		fmt.Fprintln(os.Stderr, "gen-articles:", err)
		os.Exit(1)
	}
	fmt.Printf("gen-articles: wrote %d articles (%d Markdown, %.1f MB) in %d categories under %s in %v\n",
		cfg.n, st.markdown.Load(), float64(st.bytes.Load())/1e6, cfg.categories, cfg.out, time.Since(start).Round(time.Millisecond))
}

// vietnam returns Asia/Ho_Chi_Minh as a fixed UTC+7 zone: Vietnam has had
// no daylight saving time since 1975, and a fixed zone does not depend on the
// tz database being installed.
func vietnam() *time.Location { return time.FixedZone("ICT", 7*60*60) }

// errReported is returned for a command line the flag package has already
// complained about on stderr.
var errReported = errors.New("bad command line")

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("gen-articles", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: go run ./bench/gen-articles -n 10000 -out DIR [flags]

Writes N synthetic Vietnamese articles into DIR/<category>/NNNNNN.txt (portal
plain-text format) and, for a fraction of them, NNNNNN.md (Markdown with front
matter). The same flags always produce the same files.

Flags:
`)
		fs.PrintDefaults()
	}
	var cfg config
	var until string
	fs.IntVar(&cfg.n, "n", 10000, "number of articles to write")
	fs.StringVar(&cfg.out, "out", "", "output directory (required; created if missing)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "random seed; the same seed writes the same files")
	fs.IntVar(&cfg.size, "size", 8192, "approximate size of each article in bytes (at least 512)")
	fs.IntVar(&cfg.categories, "categories", 8, "number of category folders (thoi-su, kinh-te, van-hoa, the-thao, ...)")
	fs.Float64Var(&cfg.md, "md", 0.2, "fraction of articles written as Markdown, 0 to 1")
	fs.StringVar(&until, "until", "2026-11-26", "latest publication date, YYYY-MM-DD (Vietnam time)")
	fs.IntVar(&cfg.days, "days", 90, "spread publication dates over this many days up to -until")
	fs.IntVar(&cfg.workers, "workers", runtime.GOMAXPROCS(0), "files written in parallel (does not change the output)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, errReported
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	case cfg.out == "":
		return cfg, errors.New("-out DIR is required")
	case cfg.n < 0:
		return cfg, fmt.Errorf("-n %d: must not be negative", cfg.n)
	case cfg.size < 512:
		return cfg, fmt.Errorf("-size %d: must be at least 512", cfg.size)
	case cfg.categories < 1:
		return cfg, fmt.Errorf("-categories %d: must be at least 1", cfg.categories)
	case !(cfg.md >= 0 && cfg.md <= 1):
		return cfg, fmt.Errorf("-md %v: must be between 0 and 1", cfg.md)
	case cfg.days < 1:
		return cfg, fmt.Errorf("-days %d: must be at least 1", cfg.days)
	case cfg.workers < 1:
		return cfg, fmt.Errorf("-workers %d: must be at least 1", cfg.workers)
	}
	var err error
	cfg.until, err = time.ParseInLocation(time.DateOnly, until, vietnam())
	if err != nil {
		return cfg, fmt.Errorf("-until %q: want a date like 2026-11-26", until)
	}
	return cfg, nil
}

// stats counts what run wrote.
type stats struct {
	markdown atomic.Int64
	bytes    atomic.Int64
}

// run writes the articles with cfg.workers goroutines and returns the first
// error, after which the workers stop early. It counts into st.
func run(cfg config, st *stats) error {
	cats := gen.Categories(cfg.categories)
	for _, c := range cats {
		if err := os.MkdirAll(filepath.Join(cfg.out, c.Slug), 0o755); err != nil {
			return err
		}
	}
	var (
		next     atomic.Int64
		failed   atomic.Bool
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	for range min(cfg.workers, max(cfg.n, 1)) {
		wg.Go(func() {
			var md, size int64
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= cfg.n {
					break
				}
				path, data := article(cfg, cats, i)
				if err := os.WriteFile(path, data, 0o644); err != nil {
					errOnce.Do(func() { firstErr = err })
					failed.Store(true)
					break
				}
				size += int64(len(data))
				if filepath.Ext(path) == ".md" {
					md++
				}
			}
			st.markdown.Add(md)
			st.bytes.Add(size)
		})
	}
	wg.Wait()
	return firstErr
}

// article returns the path and content of article i (0-based). Every choice
// comes from a random stream of its own, seeded from cfg.seed and i, so the
// result does not depend on which worker runs it or when.
func article(cfg config, cats []gen.Category, i int) (string, []byte) {
	rng := rand.New(rand.NewPCG(cfg.seed, splitmix64(uint64(i))))
	cat := cats[rng.IntN(len(cats))]
	day := cfg.until.AddDate(0, 0, -rng.IntN(cfg.days))
	date := time.Date(day.Year(), day.Month(), day.Day(), 6+rng.IntN(16), rng.IntN(60), 0, 0, cfg.until.Location())

	name := strconv.Itoa(i + 1)
	for len(name) < 6 {
		name = "0" + name
	}
	if rng.Float64() < cfg.md {
		category := cat.Name
		if rng.IntN(10) == 0 {
			category = "" // the folder name applies
		}
		return filepath.Join(cfg.out, cat.Slug, name+".md"), gen.Markdown(rng, date, cfg.size, category)
	}
	return filepath.Join(cfg.out, cat.Slug, name+".txt"), gen.PortalText(rng, date, cfg.size)
}

// splitmix64 scrambles x so that consecutive article numbers give unrelated
// random streams.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
