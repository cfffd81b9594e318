package feed

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/bench/gen"
	"github.com/bantin/bantin/store"
)

// benchPool returns n generated articles of about size bytes, parsed as
// the importer would: portal text and Markdown (which brings image URLs,
// tags and links), Vietnamese throughout.
func benchPool(tb testing.TB, n, size int) []*article.Article {
	tb.Helper()
	p := article.NewParser(article.Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	date := time.Date(2026, 1, 1, 8, 0, 0, 0, ict)
	out := make([]*article.Article, n)
	for i := range out {
		var in article.Input
		if i%3 == 0 {
			in = article.Input{Name: fmt.Sprintf("%d.md", i), Key: fmt.Sprintf("pool:%d", i), Data: gen.Markdown(rng, date, size, "Thời sự")}
		} else {
			in = article.Input{Name: fmt.Sprintf("%d.txt", i), Key: fmt.Sprintf("pool:%d", i), Category: "Thời sự", Data: gen.PortalText(rng, date, size)}
		}
		a, err := p.Parse(in)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = a
	}
	return out
}

// benchArticle makes article number i of category cat from the pool,
// published i minutes after a fixed date.
func benchArticle(pool []*article.Article, i int, cat gen.Category) *article.Article {
	a := *pool[i%len(pool)]
	a.SourceKey = fmt.Sprintf("bench:%s/%d", cat.Slug, i)
	a.ID = article.IDFromKey(a.SourceKey)
	a.Title = fmt.Sprintf("%s (%d)", a.Title, i)
	a.Slug = article.Slugify(a.Title)
	a.Category, a.CategorySlug = cat.Name, cat.Slug
	a.PublishedAt = time.Date(2020, 1, 1, 0, 0, 0, 0, ict).Add(time.Duration(i) * time.Minute)
	a.UpdatedAt = time.Time{}
	a.ContentHash = article.ContentHash(&a)
	return &a
}

// benchStore returns a copy of a store of n articles spread over cats
// categories. Filling one takes a while, so the filled store is kept in
// the system's temporary directory for the next run
// (bantin-feed-bench/*.db; delete it to start over).
func benchStore(b *testing.B, n, cats int, hook func(store.ArticleChange)) *store.DB {
	b.Helper()
	ctx := context.Background()
	dir := filepath.Join(os.TempDir(), "bantin-feed-bench")
	kept := filepath.Join(dir, fmt.Sprintf("v3-%d-articles-%d-categories.db", n, cats))
	if _, err := os.Stat(kept); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		tmp := kept + ".filling"
		os.Remove(tmp)
		db, err := store.Open(ctx, "sqlite://"+tmp)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		// A prime number of distinct texts: every feed of 50, site-wide or
		// of one of up to 1,000 categories, holds 50 different ones.
		pool := benchPool(b, 997, 8<<10)
		cs := gen.Categories(cats)
		start := time.Now()
		for i := range n {
			if _, err := db.SaveArticle(ctx, benchArticle(pool, i, cs[i%cats])); err != nil {
				b.Fatal(err)
			}
			if i%10000 == 9999 {
				b.Logf("filling the bench store: %d of %d articles, %v", i+1, n, time.Since(start).Round(time.Second))
			}
		}
		if _, err := db.Migrate(ctx); err != nil { // checkpoint-free close below
			b.Fatal(err)
		}
		db.Close()
		os.Remove(tmp + "-wal")
		os.Remove(tmp + "-shm")
		if err := os.Rename(tmp, kept); err != nil {
			b.Fatal(err)
		}
	}
	work := filepath.Join(b.TempDir(), "bench.db")
	src, err := os.Open(kept)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(work)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		b.Fatal(err)
	}
	dst.Close()
	var opts []store.Option
	if hook != nil {
		opts = append(opts, store.WithChangeHook(hook))
	}
	db, err := store.Open(ctx, "sqlite://"+work, opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkRebuildAfterNewArticle measures what one new article costs in a
// store of 100,000: marking its feeds stale and rebuilding the six warm
// documents it appears in (site-wide and its category, three formats
// each), from two reads of the store. The target is at most 50 ms.
func BenchmarkRebuildAfterNewArticle(b *testing.B) {
	const n, cats = 100_000, 20
	var c *Cache
	db := benchStore(b, n, cats, func(ch store.ArticleChange) { c.ArticleChanged(ch) })
	var err error
	c, err = NewCache(db, newTestBuilder(b, testSite()), Options{Items: 50, ArchiveSize: 50, MaxBytes: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	cs := gen.Categories(cats)
	slugs := make([]string, cats)
	for i, cat := range cs {
		slugs[i] = cat.Slug
	}
	ctx := context.Background()
	if err := c.Warm(ctx, slugs...); err != nil {
		b.Fatal(err)
	}
	pool := benchPool(b, 50, 8<<10)
	var cpu time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		if _, err := db.SaveArticle(ctx, benchArticle(pool, n+i, cs[i%cats])); err != nil {
			b.Fatal(err)
		}
		before := cpuTime()
		b.StartTimer()
		c.Flush(ctx)
		b.StopTimer()
		cpu += cpuTime() - before
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/rebuild")
	// CPU time (user and system, all threads) says what a rebuild costs
	// whatever else the machine is doing; the wall time above is what a
	// reader waits, and on a busy machine it includes waiting for a CPU.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/rebuild")
	if k := (Key{Category: cs[(b.N-1)%cats].Slug, Format: RSS}); c.buildsOf(k) < 2 {
		b.Errorf("%s was not rebuilt", k.Path())
	}
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCacheMemory1000Categories warms the RSS feeds of 1,000
// categories of 50 full articles and reports the heap they take. The
// target is under 300 MB.
func BenchmarkCacheMemory1000Categories(b *testing.B) {
	const cats = 1000
	db := benchStore(b, cats*50, cats, nil)
	cs := gen.Categories(cats)
	ctx := context.Background()
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		c, err := NewCache(db, newTestBuilder(b, testSite()), Options{Items: 50, ArchiveSize: 50, MaxBytes: 4 << 30})
		if err != nil {
			b.Fatal(err)
		}
		for _, cat := range cs {
			if _, err := c.get(ctx, Key{Category: cat.Slug, Format: RSS}); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		mb := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		b.ReportMetric(mb, "heap-MB")
		b.ReportMetric(float64(c.size)/(1<<20), "cached-MB")
		if mb >= 300 {
			b.Errorf("1,000 RSS feeds take %.0f MB of heap, want under 300", mb)
		}
		runtime.KeepAlive(c)
	}
}

// BenchmarkServe measures the handler alone on a cached 50-item feed: the
// 200 with gzip, the 200 without (identity body kept), and the 304.
func BenchmarkServe(b *testing.B) {
	s := newTestStore(b)
	pool := benchPool(b, 50, 8<<10)
	cat := gen.Category{Slug: "thoi-su", Name: "Thời sự"}
	for i := range 50 {
		s.save(b, benchArticle(pool, i, cat))
	}
	c := newTestCache(b, s, Options{Items: 50})
	h := c.Handler()
	for _, tc := range []struct {
		name   string
		header []string
		status int
	}{
		{"200-gzip", []string{"Accept-Encoding", "gzip"}, 200},
		{"200-identity", nil, 200},
		{"304", []string{"Accept-Encoding", "gzip", "If-None-Match", ""}, 304},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req, _ := http.NewRequest("GET", "http://x/rss.xml", nil)
			for i := 0; i+1 < len(tc.header); i += 2 {
				req.Header.Set(tc.header[i], tc.header[i+1])
			}
			w := &discardWriter{h: make(http.Header, 8)}
			h.ServeHTTP(w, req)
			if req.Header.Get("If-None-Match") == "" && tc.status == 304 {
				req.Header.Set("If-None-Match", w.h.Get("Etag"))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
			if w.status != tc.status {
				b.Fatalf("status %d", w.status)
			}
		})
	}
}

// BenchmarkGzipLevels shows the trade between build time and cached size
// that picked gzipLevel, on a 50-item RSS feed.
func BenchmarkGzipLevels(b *testing.B) {
	bl := newTestBuilder(b, testSite())
	pool := benchPool(b, 50, 8<<10)
	p := &Page{}
	for i := range 50 {
		p.Articles = append(p.Articles, benchArticle(pool, i, gen.Category{Slug: "thoi-su", Name: "Thời sự"}))
	}
	doc, err := bl.Build(RSS, p)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("build", func(b *testing.B) {
		for range b.N {
			p.items = nil
			if _, err := bl.Build(RSS, p); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(doc.Body))/1024, "KiB")
	})
	for _, level := range []int{gzip.BestSpeed, 2, 3, 4, gzip.DefaultCompression} {
		b.Run(fmt.Sprintf("level-%d", level), func(b *testing.B) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, level)
			for range b.N {
				buf.Reset()
				zw.Reset(&buf)
				zw.Write(doc.Body)
				zw.Close()
			}
			b.ReportMetric(float64(buf.Len())/1024, "KiB")
		})
	}
}
