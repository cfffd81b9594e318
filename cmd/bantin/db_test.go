package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bantin/bantin/internal/pgtest"
	"github.com/bantin/bantin/store"
)

// TestDBCopySQLiteToPostgres fills a SQLite installation with the
// commands, copies it to PostgreSQL, and runs the commands on the copy.
func TestDBCopySQLiteToPostgres(t *testing.T) {
	ctx := context.Background()
	env := tempEnv(t)
	if code, out, stderr := runCmd(t, ctx, env, "import", "../../examples/articles"); code != exitOK {
		t.Fatalf("import = %d %q %q", code, out, stderr)
	}
	if code, out, stderr := runCmd(t, ctx, env, "subscribers", "add", "hoa@phuong7.example.vn", "--name", "Nguyễn Thị Hoà",
		"--categories", "thoi-su", "--confirmed"); code != exitOK {
		t.Fatalf("subscribers add = %d %q %q", code, out, stderr)
	}
	from := envValue(env, "BANTIN_DATABASE_URL")
	to := pgtest.URL(t)

	code, out, stderr := runCmd(t, ctx, env, "db", "copy", "--from", from, "--to", to)
	if code != exitOK {
		t.Fatalf("db copy = %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`copied \d+ rows in \S+ from sqlite://\S+ to postgres://`),
		regexp.MustCompile(`(?m)^TABLE\s+SOURCE\s+TARGET\s+TIME$`),
		regexp.MustCompile(`(?m)^articles\s+15\s+15\s+\S+$`),
		regexp.MustCompile(`(?m)^subscribers\s+1\s+1\s+\S+$`),
		regexp.MustCompile(`(?m)^feedback_notify\s+1\s+1\s+\S+$`),
		regexp.MustCompile(`row counts match in all ` + strconv.Itoa(len(store.CopyTables())) + ` tables`),
	} {
		if !want.MatchString(out) {
			t.Errorf("output lacks %v:\n%s", want, out)
		}
	}
	if stderr != "" {
		t.Errorf("stderr off a terminal (no progress bar expected): %q", stderr)
	}

	// The commands work on the copy as they did on the original.
	pgEnv := append([]string{"BANTIN_DATABASE_URL=" + to}, env...)
	code, out, _ = runCmd(t, ctx, pgEnv, "subscribers", "list")
	if code != exitOK || !strings.Contains(out, "hoa@phuong7.example.vn") || !strings.Contains(out, "Nguyễn Thị Hoà") {
		t.Fatalf("subscribers list on the copy = %d %q", code, out)
	}
	code, out, _ = runCmd(t, ctx, pgEnv, "import", "../../examples/articles")
	if code != exitOK || !strings.Contains(out, "0 new, 0 updated, 15 unchanged") {
		t.Fatalf("re-import into the copy = %d %q", code, out)
	}
	db, err := store.Open(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sub, err := db.SubscriberByEmail(ctx, "hoa@phuong7.example.vn")
	if err != nil || sub.Name != "Nguyễn Thị Hoà" || sub.Status != store.StatusActive {
		t.Fatalf("subscriber on the copy = %+v, %v", sub, err)
	}

	// A second copy into the now full target is refused, naming a table.
	code, _, stderr = runCmd(t, ctx, env, "db", "copy", "--from", from, "--to", to)
	if code != exitError || !strings.Contains(stderr, "not empty: table articles (15 rows)") {
		t.Fatalf("copy into a full target = %d %q", code, stderr)
	}
}

func TestDBCopyErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := "sqlite://" + filepath.Join(dir, "new.db")
	usage := []struct {
		name string
		args []string
		want string
	}{
		{"no action", []string{"db"}, "Usage: bantin db"},
		{"unknown action", []string{"db", "move"}, `unknown action "move"`},
		{"no target", []string{"db", "copy", "--from", good}, "both --from and --to are required"},
		{"unknown flag", []string{"db", "copy", "--from", good, "--to", good, "--force"}, "flag provided but not defined: -force"},
		{"bad URL", []string{"db", "copy", "--from", "mysql://bantin@db/bantin", "--to", good}, `--from: store: database.url "mysql://bantin@db/bantin": want sqlite://PATH`},
		{"same database", []string{"db", "copy", "--from", good, "--to", good}, "name the same database"},
		{"extra argument", []string{"db", "copy", "--from", good, "--to", "sqlite://other.db", "nữa"}, `unexpected argument "nữa"`},
	}
	for _, tt := range usage {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, ctx, tempEnv(t), tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", code, exitUsage, tt.want, stderr)
			}
		})
	}

	t.Run("missing source", func(t *testing.T) {
		missing := filepath.Join(dir, "khong-co.db")
		code, _, stderr := runCmd(t, ctx, tempEnv(t), "db", "copy", "--from", "sqlite://"+missing, "--to", good)
		if code != exitError || !strings.Contains(stderr, "no such file") {
			t.Errorf("copy from a missing file = %d %q", code, stderr)
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Errorf("the missing source was created: %v", err)
		}
	})

	t.Run("source not migrated", func(t *testing.T) {
		old := filepath.Join(dir, "cu.db")
		if err := os.WriteFile(old, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runCmd(t, ctx, tempEnv(t), "db", "copy", "--from", "sqlite://"+old, "--to", good)
		if code != exitError || !strings.Contains(stderr, "schema version 0") ||
			!strings.Contains(stderr, "run bantin migrate with database.url (BANTIN_DATABASE_URL) set to sqlite://"+old) {
			t.Errorf("copy from an unmigrated source = %d %q", code, stderr)
		}
	})
}
