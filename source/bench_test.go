package source

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/bantin/bantin/bench/gen"
)

// writeCorpus writes n portal-text articles of about 8 KB into dir, spread
// over a few category folders, and returns dir.
func writeCorpus(tb testing.TB, dir string, n int) string {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	cats := gen.Categories(6)
	for _, c := range cats {
		if err := os.MkdirAll(filepath.Join(dir, c.Slug), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, ict)
	for i := range n {
		c := cats[i%len(cats)]
		date := start.AddDate(0, 0, -i%365)
		name := filepath.Join(dir, c.Slug, "bai-"+strconv.Itoa(i)+".txt")
		if err := os.WriteFile(name, gen.PortalText(rng, date, 8<<10), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// BenchmarkImportPaths imports n generated 8 KB articles into a fresh
// SQLite store, end to end: walk, read, parse, save.
func BenchmarkImportPaths(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			root := writeCorpus(b, b.TempDir(), n)
			names := make(map[string]string)
			for _, c := range gen.Categories(6) {
				names[c.Slug] = c.Name
			}
			p := newParser()
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				db := openDB(b)
				im := NewImporter(db, p, ImporterOptions{Root: root, CategoryNames: names})
				b.StartTimer()
				sum, err := im.ImportPaths(ctx, []string{root}, nil)
				if err != nil || sum.Created != n || len(sum.Failed) > 0 {
					b.Fatalf("import: %+v, %v", sum, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}
