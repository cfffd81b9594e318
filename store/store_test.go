package store

import (
	"context"
	"errors"
	"fmt"
	"github.com/bantin/bantin/internal/testutil"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/internal/pgtest"
)

func openTestDB(t *testing.T, opts ...Option) *DB {
	t.Helper()
	return openURL(t, "sqlite://"+filepath.Join(t.TempDir(), "bantin.db"), opts...)
}

// openURL opens and migrates the store at rawURL for one test.
func openURL(t *testing.T, rawURL string, opts ...Option) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, rawURL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// opener opens a new, migrated store for one test.
type opener func(t *testing.T, opts ...Option) *DB

// eachBackend runs fn once on SQLite and once on PostgreSQL (skipped, and
// saying so, without BANTIN_TEST_POSTGRES): the store's suite holds for both.
func eachBackend(t *testing.T, fn func(t *testing.T, openTestDB opener)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, openTestDB) })
	t.Run("postgres", func(t *testing.T) { fn(t, openTestPostgres) })
}

func openTestPostgres(t *testing.T, opts ...Option) *DB {
	t.Helper()
	return openMigratedPostgres(t, opts...)
}

// openMigratedPostgres is openTestPostgres for tests and benchmarks alike.
func openMigratedPostgres(t testing.TB, opts ...Option) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, pgtest.URL(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

var ict = time.FixedZone("ICT", 7*3600)

func sampleArticle(key string, published time.Time) *article.Article {
	return &article.Article{
		ID:           "id-" + strings.ReplaceAll(key, "/", "-"),
		SourceKey:    key,
		Slug:         "hop-cho-dau-moi",
		Title:        "Họp chợ đầu mối",
		Lead:         "Ban quản lý chợ họp với tiểu thương.",
		BodyHTML:     "<p>Nội dung.</p>",
		Category:     "Kinh tế",
		CategorySlug: "kinh-te",
		Tags:         []string{"chợ", "tiểu thương"},
		Byline:       "Thu Hà",
		Images:       []article.Image{{Caption: "Quang cảnh buổi họp"}},
		Newsletter:   true,
		PublishedAt:  published,
		ContentHash:  "hash-1",
	}
}

func TestMigrateIsIdempotentAndVersioned(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "sub", "bantin.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := db.Migrations()
	if len(first) != len(all) || len(all) == 0 {
		t.Fatalf("first Migrate applied %d of %d migrations", len(first), len(all))
	}
	again, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Fatalf("second Migrate applied %d migrations, want 0", len(again))
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v != all[len(all)-1].Version {
		t.Fatalf("SchemaVersion = %d, want %d", v, all[len(all)-1].Version)
	}
}

func TestConcurrentMigrateAppliesOnce(t *testing.T) {
	ctx := context.Background()
	path := "sqlite://" + filepath.Join(t.TempDir(), "bantin.db")
	var wg sync.WaitGroup
	counts := make([]int, 4)
	errs := make([]error, 4)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(ctx, path)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			applied, err := db.Migrate(ctx)
			counts[i], errs[i] = len(applied), err
		}()
	}
	wg.Wait()
	total := 0
	for i := range counts {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		total += counts[i]
	}
	all, _ := loadMigrations("sqlite")
	if total != len(all) {
		t.Fatalf("migrations applied %d times in all, want %d", total, len(all))
	}
}

func TestSaveArticleCreateUnchangedUpdate(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		clk := testutil.NewClock(time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC))
		db := openTestDB(t, WithClock(clk.Now))
		published := time.Date(2026, 11, 20, 0, 0, 0, 0, ict)

		a := sampleArticle("file:kinh-te/cho.txt", published)
		out, err := db.SaveArticle(ctx, a)
		if err != nil || out != Created {
			t.Fatalf("first save = %v, %v; want created", out, err)
		}
		got, err := db.Article(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.UpdatedAt.Equal(published) {
			t.Errorf("new article updated_at = %v, want published %v", got.UpdatedAt, published)
		}
		if got.Title != a.Title || got.Category != "Kinh tế" || strings.Join(got.Tags, ",") != "chợ,tiểu thương" ||
			len(got.Images) != 1 || got.Images[0].Caption != "Quang cảnh buổi họp" || !got.Newsletter || got.Byline != "Thu Hà" {
			t.Errorf("round trip lost data: %+v", got)
		}
		if !got.PublishedAt.Equal(published) {
			t.Errorf("published_at = %v, want %v", got.PublishedAt, published)
		}

		clk.Advance(time.Hour)
		same := sampleArticle("file:kinh-te/cho.txt", published)
		out, err = db.SaveArticle(ctx, same)
		if err != nil || out != Unchanged {
			t.Fatalf("re-save = %v, %v; want unchanged", out, err)
		}

		clk.Advance(time.Hour)
		changed := sampleArticle("file:kinh-te/cho.txt", published)
		changed.ID = "a-different-derived-id"
		changed.Title = "Họp chợ đầu mối (cập nhật)"
		changed.ContentHash = "hash-2"
		out, err = db.SaveArticle(ctx, changed)
		if err != nil || out != Updated {
			t.Fatalf("changed save = %v, %v; want updated", out, err)
		}
		if changed.ID != a.ID {
			t.Errorf("update changed the id to %q, want %q kept", changed.ID, a.ID)
		}
		got, err = db.Article(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "Họp chợ đầu mối (cập nhật)" {
			t.Errorf("title after update = %q", got.Title)
		}
		if want := clk.Now(); !got.UpdatedAt.Equal(want) {
			t.Errorf("updated_at after update = %v, want %v", got.UpdatedAt, want)
		}
		latest, err := db.LatestArticles(ctx, ArticleQuery{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(latest) != 1 {
			t.Fatalf("store holds %d articles after updates, want 1 (no duplicates)", len(latest))
		}
	})
}

func TestSaveArticleRejectsIDOwnedByAnotherSource(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		a := sampleArticle("file:a.md", time.Now())
		if _, err := db.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		b := sampleArticle("file:b.md", time.Now())
		b.ID = a.ID
		_, err := db.SaveArticle(ctx, b)
		if err == nil || !strings.Contains(err.Error(), "file:b.md") || !strings.Contains(err.Error(), "file:a.md") {
			t.Fatalf("duplicate id error = %v; want one naming both sources", err)
		}
	})
}

func TestSaveArticleRequiresIdentity(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		db := openTestDB(t)
		_, err := db.SaveArticle(context.Background(), &article.Article{Title: "Không khóa"})
		if err == nil {
			t.Fatal("saving an article without id or source key succeeded")
		}
	})
}

func TestArticleNotFound(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		db := openTestDB(t)
		_, err := db.Article(context.Background(), "missing")
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
}

func TestLatestArticlesOrderCategoryAndPaging(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		base := time.Date(2026, 11, 1, 8, 0, 0, 0, ict)
		for i := range 10 {
			a := sampleArticle(fmt.Sprintf("file:%02d.txt", i), base.Add(time.Duration(i)*time.Hour))
			if i%2 == 1 {
				a.Category, a.CategorySlug = "Thể thao", "the-thao"
			}
			if _, err := db.SaveArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name string
			q    ArticleQuery
			want []string
		}{
			{"newest first", ArticleQuery{Limit: 3}, []string{"file:09.txt", "file:08.txt", "file:07.txt"}},
			{"one category", ArticleQuery{Limit: 3, CategorySlug: "the-thao"}, []string{"file:09.txt", "file:07.txt", "file:05.txt"}},
			{"before", ArticleQuery{Limit: 2, Before: base.Add(4 * time.Hour)}, []string{"file:03.txt", "file:02.txt"}},
			{"category and before", ArticleQuery{Limit: 5, CategorySlug: "kinh-te", Before: base.Add(3 * time.Hour)}, []string{"file:02.txt", "file:00.txt"}},
			{"unknown category", ArticleQuery{Limit: 5, CategorySlug: "khong-co"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := db.LatestArticles(ctx, tt.q)
				if err != nil {
					t.Fatal(err)
				}
				var keys []string
				for _, a := range got {
					keys = append(keys, a.SourceKey)
				}
				if strings.Join(keys, " ") != strings.Join(tt.want, " ") {
					t.Fatalf("got %v, want %v", keys, tt.want)
				}
			})
		}
		if _, err := db.LatestArticles(ctx, ArticleQuery{}); err == nil {
			t.Error("a zero limit was accepted")
		}
	})
}

func TestSourceKeysByPrefix(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		for _, k := range []string{"file:a.txt", "file:b/c.md", "feed:guid-1"} {
			if _, err := db.SaveArticle(ctx, sampleArticle(k, time.Now())); err != nil {
				t.Fatal(err)
			}
		}
		keys, err := db.SourceKeys(ctx, "file:")
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 2 || !keys["file:a.txt"] || !keys["file:b/c.md"] {
			t.Fatalf("SourceKeys(file:) = %v", keys)
		}
	})
}

func TestSourceStateRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		const u = "https://bao.example.vn/rss"
		s, err := db.SourceState(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if s.URL != u || s.ETag != "" || !s.CheckedAt.IsZero() {
			t.Fatalf("unknown source state = %+v", s)
		}
		checked := time.Date(2026, 11, 25, 1, 2, 3, 0, time.UTC)
		want := SourceState{URL: u, ETag: `"abc"`, LastModified: "Wed, 25 Nov 2026 01:00:00 GMT", CheckedAt: checked, LastError: "HTTP 500"}
		if err := db.SaveSourceState(ctx, want); err != nil {
			t.Fatal(err)
		}
		want.LastError = ""
		if err := db.SaveSourceState(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := db.SourceState(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})
}

func TestSQLitePath(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"sqlite://./bantin.db", "./bantin.db", false},
		{"sqlite:///var/lib/bantin/bantin.db", "/var/lib/bantin/bantin.db", false},
		{"sqlite:data/x.db?cache=shared", "data/x.db", false},
		{"bantin.db", "bantin.db", false},
		{"sqlite://", "", true},
		{"mysql://x", "", true},
		{"postgres://u:secret@h/db", "", true},
	}
	for _, tt := range tests {
		got, err := SQLitePath(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("SQLitePath(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("SQLitePath(%q) error leaks the password: %v", tt.in, err)
		}
	}
}

func TestOpenSetsPragmas(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	var mode string
	var fk, timeout int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := db.sql.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := db.sql.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || fk != 1 || timeout < 1000 {
		t.Fatalf("journal_mode=%s foreign_keys=%d busy_timeout=%d", mode, fk, timeout)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkSaveArticleCreate(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite://"+filepath.Join(b.TempDir(), "bantin.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, ict)
	b.ResetTimer()
	for i := range b.N {
		a := sampleArticle(fmt.Sprintf("file:%d.txt", i), base.Add(time.Duration(i)*time.Minute))
		if _, err := db.SaveArticle(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
}

func TestChangeHookNamesOldAndNewCategory(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		var changes []ArticleChange
		db := openTestDB(t, WithChangeHook(func(c ArticleChange) { changes = append(changes, c) }))
		a := sampleArticle("file:x.txt", time.Now())
		if _, err := db.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveArticle(ctx, sampleArticle("file:x.txt", a.PublishedAt)); err != nil {
			t.Fatal(err)
		}
		moved := sampleArticle("file:x.txt", a.PublishedAt)
		moved.Category, moved.CategorySlug, moved.ContentHash = "Thể thao", "the-thao", "hash-2"
		if _, err := db.SaveArticle(ctx, moved); err != nil {
			t.Fatal(err)
		}
		if len(changes) != 2 {
			t.Fatalf("hook heard %d changes, want 2 (the unchanged save is silent): %+v", len(changes), changes)
		}
		if c := changes[0]; c.Outcome != Created || c.ID != a.ID || strings.Join(c.CategorySlugs, ",") != "kinh-te" {
			t.Errorf("create change = %+v", c)
		}
		if c := changes[1]; c.Outcome != Updated || strings.Join(c.CategorySlugs, ",") != "the-thao,kinh-te" {
			t.Errorf("move change = %+v, want new and old category", c)
		}
	})
}
