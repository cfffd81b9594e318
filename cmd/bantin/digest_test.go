package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// digestEnv returns an environment with one article published an hour ago
// imported and two confirmed daily subscribers.
func digestEnv(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	env := tempEnv(t)
	dir := filepath.Join(envValue(env, "BANTIN_ARTICLES_DIR"), "thoi-su")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	date := time.Now().Add(-time.Hour).Format(time.RFC3339)
	md := "---\ntitle: \"Khánh thành cầu Long Kiểng\"\ndate: " + date + "\ncategory: Thời sự\n" +
		"lead: \"Cây cầu dài 300 mét nối hai phường.\"\n---\n\nNội dung bài viết.\n"
	if err := os.WriteFile(filepath.Join(dir, "cau.md"), []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(t, ctx, env, "import"); code != exitOK {
		t.Fatalf("import: %d %s", code, stderr)
	}
	for _, e := range []string{"an@example.vn", "binh@example.vn"} {
		if code, _, stderr := runCmd(t, ctx, env, "subscribers", "add", "--confirmed", e); code != exitOK {
			t.Fatalf("subscribers add: %d %s", code, stderr)
		}
	}
	return env
}

func TestDigestPreviewSendStatusSkipPause(t *testing.T) {
	ctx := context.Background()
	env := digestEnv(t)

	out := filepath.Join(t.TempDir(), "preview.eml")
	code, stdout, stderr := runCmd(t, ctx, env, "digest", "preview", "--cadence", "daily", "--subscriber", "An@Example.vn", "--out", out)
	if code != exitOK || !strings.Contains(stdout, "1 articles") {
		t.Fatalf("preview = %d %q %q", code, stdout, stderr)
	}
	raw, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(raw), "List-Unsubscribe-Post: List-Unsubscribe=One-Click") ||
		!strings.Contains(string(raw), "To: an@example.vn") {
		t.Fatalf("preview file: %v\n%s", err, raw)
	}
	if n := maildirCount(t, env); n != 0 {
		t.Fatalf("preview delivered %d messages", n)
	}

	code, stdout, stderr = runCmd(t, ctx, env, "digest", "send", "--cadence", "daily", "--now")
	if code != exitOK || !strings.Contains(stdout, "2 recipients") || !strings.Contains(stdout, "2 sent") {
		t.Fatalf("send = %d %q %q", code, stdout, stderr)
	}
	if n := maildirCount(t, env); n != 2 {
		t.Fatalf("%d messages delivered, want 2", n)
	}
	code, stdout, _ = runCmd(t, ctx, env, "digest", "send", "--cadence", "daily", "--now")
	if code != exitOK || !strings.Contains(stdout, "nothing new") {
		t.Fatalf("second send = %d %q", code, stdout)
	}
	code, stdout, _ = runCmd(t, ctx, env, "digest", "status")
	if code != exitOK || !strings.Contains(stdout, "edition 1  daily   done") || !strings.Contains(stdout, "2 sent") {
		t.Fatalf("status = %d %q", code, stdout)
	}

	code, stdout, _ = runCmd(t, ctx, env, "digest", "pause")
	if code != exitOK || !strings.Contains(stdout, "paused") {
		t.Fatalf("pause = %d %q", code, stdout)
	}
	if _, stdout, _ = runCmd(t, ctx, env, "digest", "status"); !strings.Contains(stdout, "PAUSED") {
		t.Fatalf("status while paused: %q", stdout)
	}
	if code, _, _ = runCmd(t, ctx, env, "digest", "resume"); code != exitOK {
		t.Fatal("resume failed")
	}
	code, stdout, _ = runCmd(t, ctx, env, "digest", "skip", "--cadence", "weekly")
	if code != exitOK || !strings.Contains(stdout, "the weekly edition of") {
		t.Fatalf("skip = %d %q", code, stdout)
	}
	code, _, stderr = runCmd(t, ctx, env, "digest", "skip", "--edition", "1")
	if code != exitError || !strings.Contains(stderr, "edition 1 is not being sent") {
		t.Fatalf("skipping a finished edition = %d %q", code, stderr)
	}
}

func TestDigestUsageErrors(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"digest"},
		{"digest", "publish"},
		{"digest", "preview"},
		{"digest", "send", "--now"},
		{"digest", "send", "--cadence", "monthly", "--now"},
		{"digest", "status", "extra"},
	} {
		if code, _, _ := runCmd(t, ctx, tempEnv(t), args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}
