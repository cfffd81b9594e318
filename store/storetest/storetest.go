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
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "bantin.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
