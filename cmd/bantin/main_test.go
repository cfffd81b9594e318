package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/internal/testutil"
)

// runCmd runs the binary's entry point in-process with a clean environment
// plus env, in a temporary working directory.
func runCmd(t *testing.T, ctx context.Context, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(ctx, args, &out, &errb, env)
	return code, out.String(), errb.String()
}

func tempEnv(t *testing.T, extra ...string) []string {
	// The first of repeated variables wins, so extra overrides the defaults
	// set here.
	dir := t.TempDir()
	return append(extra,
		"BANTIN_DATABASE_URL=sqlite://"+filepath.Join(dir, "bantin.db"),
		"BANTIN_ARTICLES_DIR="+filepath.Join(dir, "articles"),
		"BANTIN_MAIL_MAILDIR="+filepath.Join(dir, "mail"),
		"HOME="+dir,
	)
}

func TestUsageErrorsExit2(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "Usage:"},
		{"unknown command", []string{"publish"}, `unknown command "publish"`},
		{"unknown global flag", []string{"--verbose", "serve"}, "flag provided but not defined: -verbose"},
		{"unknown command flag", []string{"import", "--fast"}, "flag provided but not defined: -fast"},
		{"config without action", []string{"config"}, "Usage: bantin config"},
		{"config bad action", []string{"config", "edit"}, `unknown action "edit"`},
		{"version with argument", []string{"version", "x"}, "unexpected argument"},
		{"help unknown", []string{"help", "nope"}, `unknown command "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, ctx, tempEnv(t), tt.args...)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr)
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	ctx := context.Background()
	code, out, _ := runCmd(t, ctx, nil, "help")
	for _, c := range []string{"serve", "import", "config", "migrate", "version", "help"} {
		if !strings.Contains(out, "  "+c) {
			t.Errorf("help does not list %s", c)
		}
	}
	if code != exitOK {
		t.Errorf("help exit %d", code)
	}
	code, out, _ = runCmd(t, ctx, nil, "help", "import")
	if code != exitOK || !strings.Contains(out, "Usage: bantin import") {
		t.Errorf("help import = %d %q", code, out)
	}
	code, out, _ = runCmd(t, ctx, nil, "version")
	if code != exitOK || !regexp.MustCompile(`^bantin \S+ go1\.\d+`).MatchString(out) {
		t.Errorf("version = %d %q", code, out)
	}
}

func TestConfigCheckAndPrint(t *testing.T) {
	ctx := context.Background()
	code, out, _ := runCmd(t, ctx, tempEnv(t), "config", "check")
	if code != exitOK || !strings.Contains(out, "configuration OK (embedded defaults)") {
		t.Fatalf("config check on defaults = %d %q", code, out)
	}

	bad := filepath.Join(t.TempDir(), "bantin.yaml")
	os.WriteFile(bad, []byte("http:\n  addr: nowhere\nsite:\n  language: fr\n"), 0o644)
	code, _, stderr := runCmd(t, ctx, tempEnv(t), "--config", bad, "config", "check")
	if code != exitError || !strings.Contains(stderr, "http.addr") || !strings.Contains(stderr, "site.language") {
		t.Fatalf("config check with two bad keys = %d, stderr:\n%s", code, stderr)
	}

	// The file may also come from BANTIN_CONFIG, and a password in the
	// database URL never reaches the output.
	good := filepath.Join(t.TempDir(), "bantin.yaml")
	os.WriteFile(good, []byte("site:\n  name: Tin Phường 7\n"), 0o644)
	code, out, stderr = runCmd(t, ctx, tempEnv(t, "BANTIN_CONFIG="+good, "BANTIN_DATABASE_URL=postgres://bantin:hunter2@db/bantin"), "config", "print")
	if code != exitOK {
		t.Fatalf("config print = %d: %s", code, stderr)
	}
	if !strings.Contains(out, "name: Tin Phường 7") || strings.Contains(out, "hunter2") || !strings.Contains(out, "REDACTED") {
		t.Fatalf("config print output:\n%s", out)
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	env := tempEnv(t)
	code, out, stderr := runCmd(t, ctx, env, "migrate")
	if code != exitOK || !strings.Contains(out, "applied 0001_articles.sql") || !strings.Contains(out, "schema version") {
		t.Fatalf("first migrate = %d %q %q", code, out, stderr)
	}
	code, out, _ = runCmd(t, ctx, env, "migrate")
	if code != exitOK || strings.Contains(out, "applied") {
		t.Fatalf("second migrate = %d %q", code, out)
	}
}

func TestImportReportsFailuresAndImportsTheRest(t *testing.T) {
	ctx := context.Background()
	env := tempEnv(t)
	code, out, _ := runCmd(t, ctx, env, "import", "../../examples/articles", "testdata/bad")
	if code != exitError {
		t.Errorf("exit %d with a failed file, want %d", code, exitError)
	}
	if !strings.Contains(out, "15 new, 0 updated, 0 unchanged, 1 failed") {
		t.Errorf("summary: %q", out)
	}
	if !strings.Contains(out, "sai-thu.txt:1:") || !strings.Contains(out, "weekday") {
		t.Errorf("failure not named by file and line: %q", out)
	}
	code, out, _ = runCmd(t, ctx, env, "import", "../../examples/articles")
	if code != exitOK || !strings.Contains(out, "0 new, 0 updated, 15 unchanged, 0 failed") {
		t.Errorf("re-import = %d %q", code, out)
	}
}

func TestServePicksUpNewFilesAndStopsGracefully(t *testing.T) {
	env := tempEnv(t, "BANTIN_HTTP_ADDR=127.0.0.1:0", "BANTIN_ARTICLES_DEBOUNCE=50ms")
	var articles string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "BANTIN_ARTICLES_DIR="); ok && articles == "" {
			articles = v
		}
	}
	if err := os.MkdirAll(filepath.Join(articles, "thoi-su"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testutil.LockedBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, &stdout, &stderr, env) }()

	base := waitForURL(t, &stderr)
	if resp := mustGet(t, base+"readyz"); resp != "ready\n" {
		t.Fatalf("/readyz = %q", resp)
	}

	article := "Thứ Năm, 26/11/2026\nPhường Bình Thọ khánh thành nhà văn hóa mới\n\nSáng 26/11, phường Bình Thọ khánh thành nhà văn hóa khu phố 4.\n\nCông trình có hội trường 200 chỗ.\n\nTin: Ngọc Lan\n"
	dropped := time.Now()
	if err := os.WriteFile(filepath.Join(articles, "thoi-su", "nha-van-hoa.txt"), []byte(article), 0o644); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(mustGet(t, base), "Phường Bình Thọ khánh thành nhà văn hóa mới") {
		if time.Since(dropped) > 2*time.Second {
			t.Fatal("a new file did not appear on the home page within 2 s")
		}
		time.Sleep(50 * time.Millisecond)
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exited %d after SIGTERM-like cancel; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	if !strings.Contains(stderr.String(), "bantin stopped") {
		t.Errorf("no shutdown log line:\n%s", stderr.String())
	}
}

func TestServeRefusesBadConfig(t *testing.T) {
	code, _, stderr := runCmd(t, context.Background(), tempEnv(t, "BANTIN_ARTICLES_MAX_SIZE=huge"), "serve")
	if code != exitError || !strings.Contains(stderr, "BANTIN_ARTICLES_MAX_SIZE") {
		t.Fatalf("serve with a bad variable = %d:\n%s", code, stderr)
	}
}

var servingURL = regexp.MustCompile(`msg="bantin serving" url=(http://\S+/)`)

func waitForURL(t *testing.T, logs interface{ String() string }) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingURL.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("serve did not log its URL; logs:\n%s", logs.String())
	return ""
}

func mustGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
