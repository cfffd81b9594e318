package source

import (
	"context"
	"github.com/bantin/bantin/internal/testutil"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/store/storetest"
)

var ict = time.FixedZone("ICT", 7*3600)

// openDB returns a migrated SQLite store in a temporary directory.
func openDB(t testing.TB) *store.DB { return storetest.OpenSQLite(t) }

func newParser() *article.Parser { return article.NewParser(article.Options{Location: ict}) }

func testLogger() (*slog.Logger, *testutil.LockedBuffer) {
	b := &testutil.LockedBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// portal renders a synthetic article in the portal's plain-text format,
// with the weekday that matches date.
func portal(date time.Time, title, lead string, paras ...string) string {
	var b strings.Builder
	b.WriteString(article.FormatDateVI(date) + "\n" + title + "\n\n" + lead + "\n")
	for _, p := range paras {
		b.WriteString("\n" + p + "\n")
	}
	b.WriteString("\nTin và ảnh: Phạm Hải Yến\n")
	return b.String()
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// articleByKey returns the stored article of a source key, or nil.
func articleByKey(t testing.TB, db *store.DB, key string) *article.Article {
	t.Helper()
	a, err := db.Article(context.Background(), article.IDFromKey(key))
	if err == store.ErrNotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// eventually polls cond every 20ms until it holds or within has passed.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var day = time.Date(2026, 4, 10, 0, 0, 0, 0, ict)
