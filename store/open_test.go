package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bantin/bantin/internal/pgtest"
	"github.com/bantin/bantin/internal/redact"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in           string
		driver, path string // path: the SQLite file; "" for PostgreSQL
		err          string // substring of the reason; "" when accepted
	}{
		{"sqlite://./bantin.db", DriverSQLite, "./bantin.db", ""},
		{"sqlite:///var/lib/bantin/bantin.db", DriverSQLite, "/var/lib/bantin/bantin.db", ""},
		{"sqlite:bantin.db", DriverSQLite, "bantin.db", ""},
		{"sqlite:data/x.db?cache=shared", DriverSQLite, "data/x.db", ""}, // the store sets its own pragmas
		{"sqlite://tin tức.db", DriverSQLite, "tin tức.db", ""},
		{"bantin.db", DriverSQLite, "bantin.db", ""},
		{"./data/bantin.sqlite", DriverSQLite, "./data/bantin.sqlite", ""},
		{"/var/lib/bantin.sqlite3", DriverSQLite, "/var/lib/bantin.sqlite3", ""},
		{"/data/Bantin.DB", DriverSQLite, "/data/Bantin.DB", ""},
		{"postgres://bantin:secret@db.internal:5432/bantin?sslmode=require", DriverPostgres, "", ""},
		{"postgresql:///bantin?host=/run/postgresql", DriverPostgres, "", ""},

		{"", "", "", "required; want sqlite://PATH"},
		{"sqlite://", "", "", "has no SQLite file path"},
		{"sqlite:", "", "", "has no SQLite file path"},
		{"sqlite://?mode=memory", "", "", "has no SQLite file path"},
		{"sqlite://  ", "", "", "has no SQLite file path"},
		{"bantin", "", "", "want sqlite://PATH, sqlite:PATH, a bare PATH ending in .db, .sqlite or .sqlite3, or postgres://"},
		{"bantin.db.bak", "", "", "want sqlite://PATH"},
		{"SQLite://./bantin.db", "", "", "want sqlite://PATH"},
		{"mysql://u:secret@h/x.db", "", "", "want sqlite://PATH"},
		{"file:bantin.db", "", "", "want sqlite://PATH"},
		{"POSTGRES://u@h/db", "", "", "want sqlite://PATH"},
		{"postgres://u:secret@h:port/db", "", "", "not a valid PostgreSQL URL: invalid port; want postgres://"},
		{"postgres://u:secret@h:99999/db", "", "", "not a valid PostgreSQL URL"},
		{"postgres://u:secret@h/db?sslmode=sometimes", "", "", "sslmode is invalid"},
	}
	for _, tt := range tests {
		driver, dsn, err := ParseURL(tt.in)
		if tt.err != "" {
			var ue *URLError
			if err == nil || !errors.As(err, &ue) || !strings.Contains(ue.Reason, tt.err) || driver != "" || dsn != "" {
				t.Errorf("ParseURL(%q) = %q, %q, %v; want a *URLError with %q", tt.in, driver, dsn, err, tt.err)
			} else if !strings.HasPrefix(err.Error(), "store: database.url ") || strings.Contains(err.Error(), "secret") {
				t.Errorf("ParseURL(%q) error %q", tt.in, err)
			}
			continue
		}
		if err != nil || driver != tt.driver {
			t.Errorf("ParseURL(%q) = %q, %q, %v; want driver %q", tt.in, driver, dsn, err, tt.driver)
			continue
		}
		switch driver {
		case DriverSQLite:
			if !strings.HasPrefix(dsn, "file:"+tt.path+"?") {
				t.Errorf("ParseURL(%q) DSN %q is not for %q", tt.in, dsn, tt.path)
			}
			if p, err := SQLitePath(tt.in); err != nil || p != tt.path {
				t.Errorf("SQLitePath(%q) = %q, %v; want %q", tt.in, p, err, tt.path)
			}
		case DriverPostgres:
			if dsn != tt.in {
				t.Errorf("ParseURL(%q) DSN %q", tt.in, dsn)
			}
			if _, err := SQLitePath(tt.in); err == nil || !strings.Contains(err.Error(), "is PostgreSQL, not SQLite") || strings.Contains(err.Error(), "secret") {
				t.Errorf("SQLitePath(%q) = %v", tt.in, err)
			}
		}
	}
}

// TestOpenAgreesWithParseURL: every SQLite form ParseURL accepts opens, and
// what it refuses, Open refuses with the same error before touching disk.
func TestOpenAgreesWithParseURL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, u := range []string{
		"sqlite://" + filepath.Join(dir, "a.db"),
		"sqlite:" + filepath.Join(dir, "sub", "b.db") + "?cache=shared",
		filepath.Join(dir, "c.sqlite"),
		filepath.Join(dir, "d.SQLITE3"),
	} {
		if _, _, err := ParseURL(u); err != nil {
			t.Fatalf("ParseURL(%q): %v", u, err)
		}
		db, err := Open(ctx, u)
		if err != nil {
			t.Errorf("Open(%q): %v", u, err)
			continue
		}
		db.Close()
	}
	for _, u := range []string{"", filepath.Join(dir, "e"), "SQLite://" + filepath.Join(dir, "f.db"), "mysql://h" + filepath.Join(dir, "g.db")} {
		_, _, perr := ParseURL(u)
		db, err := Open(ctx, u)
		if err == nil {
			db.Close()
		}
		if perr == nil || err == nil || err.Error() != perr.Error() {
			t.Errorf("%q: Open = %v, ParseURL = %v; want the same error", u, err, perr)
		}
	}
}

// TestPostgresSessionsTurnJITOff: bantin's sessions run without
// PostgreSQL's JIT compiler, unless the URL asks for it.
func TestPostgresSessionsTurnJITOff(t *testing.T) {
	ctx := context.Background()
	base := pgtest.URL(t)
	for _, tt := range []struct {
		url, want string
	}{
		{base, "off"},
		{base + "&jit=on", "on"},
	} {
		db, err := Open(ctx, tt.url)
		if err != nil {
			t.Fatal(err)
		}
		var jit string
		err = db.sql.QueryRowContext(ctx, "SHOW jit").Scan(&jit)
		db.Close()
		if err != nil || jit != tt.want {
			t.Errorf("%s: jit = %q, %v; want %q", redact.URL(tt.url), jit, err, tt.want)
		}
	}
}
