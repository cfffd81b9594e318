package store

import (
	"context"
	"errors"
	"fmt"
	"github.com/bantin/bantin/internal/testutil"
	"strings"
	"testing"
	"time"
)

// seedArchive stores ten articles, one a minute by the store's clock, with
// publication dates that run backwards, so that archive order (storage
// order) and publication order disagree. Odd ones are in the-thao.
func seedArchive(t *testing.T, open opener) *DB {
	t.Helper()
	ctx := context.Background()
	clk := testutil.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	db := open(t, WithClock(clk.Now))
	base := time.Date(2026, 2, 1, 8, 0, 0, 0, ict)
	for i := range 10 {
		a := sampleArticle(fmt.Sprintf("file:%02d.txt", i), base.Add(-time.Duration(i)*time.Hour))
		if i%2 == 1 {
			a.Category, a.CategorySlug = "Thể thao", "the-thao"
		}
		if _, err := db.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
	}
	return db
}

func keysOf(t *testing.T, db *DB, q ArchiveQuery) string {
	t.Helper()
	got, err := db.ArchiveArticles(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, a := range got {
		keys = append(keys, strings.TrimSuffix(strings.TrimPrefix(a.SourceKey, "file:"), ".txt"))
	}
	return strings.Join(keys, " ")
}

func TestArchiveArticlesFollowStorageOrder(t *testing.T) {
	eachBackend(t, testArchiveArticlesFollowStorageOrder)
}

func testArchiveArticlesFollowStorageOrder(t *testing.T, open opener) {
	db := seedArchive(t, open)
	tests := []struct {
		name string
		q    ArchiveQuery
		want string
	}{
		{"first page", ArchiveQuery{Limit: 3}, "00 01 02"},
		{"second page", ArchiveQuery{Offset: 3, Limit: 3}, "03 04 05"},
		{"last, short page", ArchiveQuery{Offset: 9, Limit: 3}, "09"},
		{"past the end", ArchiveQuery{Offset: 12, Limit: 3}, ""},
		{"one category", ArchiveQuery{CategorySlug: "the-thao", Offset: 1, Limit: 2}, "03 05"},
		{"unknown category", ArchiveQuery{CategorySlug: "khong-co", Limit: 2}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keysOf(t, db, tt.q); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	ctx := context.Background()
	if _, err := db.ArchiveArticles(ctx, ArchiveQuery{}); err == nil {
		t.Error("a zero limit was accepted")
	}
	if _, err := db.ArchiveArticles(ctx, ArchiveQuery{Limit: 1, Offset: -1}); err == nil {
		t.Error("a negative offset was accepted")
	}
}

// A correction keeps an article's place in the archive order even when its
// publication date moves; a new article always goes to the end.
func TestArchiveOrderIsStableUnderCorrections(t *testing.T) {
	eachBackend(t, testArchiveOrderIsStableUnderCorrections)
}

func testArchiveOrderIsStableUnderCorrections(t *testing.T, open opener) {
	ctx := context.Background()
	db := seedArchive(t, open)
	a := sampleArticle("file:04.txt", time.Date(2019, 1, 1, 0, 0, 0, 0, ict))
	a.ContentHash = "hash-2"
	if out, err := db.SaveArticle(ctx, a); err != nil || out != Updated {
		t.Fatalf("SaveArticle = %v, %v", out, err)
	}
	old := sampleArticle("file:10.txt", time.Date(2018, 1, 1, 0, 0, 0, 0, ict))
	if _, err := db.SaveArticle(ctx, old); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, db, ArchiveQuery{Limit: 20}); got != "00 01 02 03 04 05 06 07 08 09 10" {
		t.Errorf("archive order = %q", got)
	}
}

func TestArchivePosition(t *testing.T) {
	eachBackend(t, testArchivePosition)
}

func testArchivePosition(t *testing.T, open opener) {
	ctx := context.Background()
	db := seedArchive(t, open)
	for _, tt := range []struct {
		key, category string
		want          int
	}{
		{"file:00.txt", "", 0},
		{"file:07.txt", "", 7},
		{"file:07.txt", "the-thao", 3},
		{"file:08.txt", "kinh-te", 4},
	} {
		id := sampleArticle(tt.key, time.Time{}).ID
		got, err := db.ArchivePosition(ctx, id, tt.category)
		if err != nil || got != tt.want {
			t.Errorf("ArchivePosition(%s, %q) = %d, %v; want %d", tt.key, tt.category, got, err, tt.want)
		}
	}
	if _, err := db.ArchivePosition(ctx, "no-such-id", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: err = %v, want ErrNotFound", err)
	}
	id := sampleArticle("file:07.txt", time.Time{}).ID
	if _, err := db.ArchivePosition(ctx, id, "kinh-te"); !errors.Is(err, ErrNotFound) {
		t.Errorf("article of another category: err = %v, want ErrNotFound", err)
	}
}

func TestCategoriesAndCounts(t *testing.T) {
	eachBackend(t, testCategoriesAndCounts)
}

func testCategoriesAndCounts(t *testing.T, open opener) {
	ctx := context.Background()
	db := seedArchive(t, open)
	uncategorized := sampleArticle("file:plain.txt", time.Date(2026, 2, 2, 0, 0, 0, 0, ict))
	uncategorized.Category, uncategorized.CategorySlug = "", ""
	if _, err := db.SaveArticle(ctx, uncategorized); err != nil {
		t.Fatal(err)
	}
	cats, err := db.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []CategoryCount{{"kinh-te", "Kinh tế", 5}, {"the-thao", "Thể thao", 5}}; fmt.Sprint(cats) != fmt.Sprint(want) {
		t.Errorf("Categories = %v, want %v", cats, want)
	}
	// A renamed category shows the name its newest article gives it.
	renamed := sampleArticle("file:08.txt", time.Date(2026, 2, 3, 0, 0, 0, 0, ict))
	renamed.Category, renamed.ContentHash = "Kinh tế – Tài chính", "hash-3"
	if _, err := db.SaveArticle(ctx, renamed); err != nil {
		t.Fatal(err)
	}
	cats, err = db.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []CategoryCount{{"kinh-te", "Kinh tế – Tài chính", 5}, {"the-thao", "Thể thao", 5}}
	if fmt.Sprint(cats) != fmt.Sprint(want) {
		t.Errorf("Categories = %v, want %v", cats, want)
	}
	for slug, want := range map[string]int{"": 11, "kinh-te": 5, "the-thao": 5, "khong-co": 0} {
		if n, err := db.CountArticles(ctx, slug); err != nil || n != want {
			t.Errorf("CountArticles(%q) = %d, %v; want %d", slug, n, err, want)
		}
	}
	empty := open(t)
	if cats, err := empty.Categories(ctx); err != nil || len(cats) != 0 {
		t.Errorf("Categories of an empty store = %v, %v", cats, err)
	}
}

// The archive queries must use the indexes of migration 0002, or a deep page
// of a large store would sort the whole table. (SQLite's plan; PostgreSQL
// picks plans by statistics, so a small test table says nothing there.)
func TestArchiveQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	for _, q := range []struct{ sql, index string }{
		{"SELECT id FROM articles ORDER BY created_at, id LIMIT 5 OFFSET 10", "articles_by_created"},
		{"SELECT id FROM articles WHERE category_slug = 'a' ORDER BY created_at, id LIMIT 5 OFFSET 10", "articles_by_category_created"},
	} {
		rows, err := db.sql.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.sql)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "; ")
		if !strings.Contains(p, q.index) || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("plan for %q = %q, want it to use %s without sorting", q.sql, p, q.index)
		}
	}
}
