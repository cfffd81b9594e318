// Package storetest opens real, migrated stores for the tests of the
// packages above store, so that no test talks to a fake database.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bantin/bantin/store"
)

// OpenSQLite returns a migrated SQLite store in a file under t.TempDir(),
// closed when the test ends.
func OpenSQLite(t testing.TB, opts ...store.Option) *store.DB {
	t.Helper()
	return Open(t, "sqlite://"+filepath.Join(t.TempDir(), "bantin.db"), opts...)
}

// Open returns the migrated store at rawURL, closed when the test ends.
// Opening one URL twice gives two handles on one database, as two
// instances of bantin have.
func Open(t testing.TB, rawURL string, opts ...store.Option) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, rawURL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
