package main

import (
	"context"
	"github.com/bantin/bantin/internal/testutil"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFeedsBuild(t *testing.T) {
	ctx := context.Background()
	env := tempEnv(t, "BANTIN_FEEDS_ARCHIVE_SIZE=2", "BANTIN_FEEDS_ITEMS=4")
	if code, out, errs := runCmd(t, ctx, env, "import", "../../examples/articles"); code != exitOK {
		t.Fatalf("import = %d %s %s", code, out, errs)
	}
	dir := filepath.Join(t.TempDir(), "public")
	code, out, errs := runCmd(t, ctx, env, "feeds", "build", "--out", dir)
	if code != exitOK || !strings.Contains(out, "feeds written to "+dir) {
		t.Fatalf("feeds build = %d %q %q", code, out, errs)
	}
	for _, p := range []string{"rss.xml", "atom.xml", "feed.json", "rss.xml.gz", "c/thoi-su/atom.xml", "c/van-hoa/feed.json", "archive/7/rss.xml", "c/kinh-te/archive/2/atom.xml"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("missing %s: %v", p, err)
		}
	}
	rss, _ := os.ReadFile(filepath.Join(dir, "c", "thoi-su", "rss.xml"))
	if !strings.Contains(string(rss), `<atom:link href="http://127.0.0.1:8080/c/thoi-su/rss.xml" rel="self"`) {
		t.Errorf("self link not on site.url:\n%.600s", rss)
	}
	// Flags may come before the action too; nothing changed, nothing is
	// written.
	if code, out, _ := runCmd(t, ctx, env, "feeds", "--out", dir, "build"); code != exitOK || !strings.Contains(out, " 0 changed") {
		t.Errorf("second build = %d %q", code, out)
	}
	for _, args := range [][]string{{"feeds"}, {"feeds", "publish"}, {"feeds", "build"}, {"feeds", "build", "--out", dir, "extra"}} {
		if code, _, _ := runCmd(t, ctx, env, args...); code != exitUsage {
			t.Errorf("%v = %d, want %d", args, code, exitUsage)
		}
	}
}

// serve serves the feeds, and a new article file reaches them.
func TestServeServesFeedsAndRebuildsThem(t *testing.T) {
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
	first := "Thứ Tư, 25/11/2026\nPhường Tân Hòa lấy ý kiến chỉnh trang hẻm\n\nSáng 25/11, phường Tân Hòa lấy ý kiến người dân.\n\nNhiều hộ đồng tình.\n\nTin: Mai Khôi\n"
	if err := os.WriteFile(filepath.Join(articles, "thoi-su", "hem.txt"), []byte(first), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testutil.LockedBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, &stdout, &stderr, env) }()
	base := waitForURL(t, &stderr)

	waitFor := func(path, text string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(mustGet(t, base+path), text) {
			if time.Now().After(deadline) {
				t.Fatalf("%s never showed %q", path, text)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("c/thoi-su/rss.xml", "Phường Tân Hòa lấy ý kiến chỉnh trang hẻm")
	if home := mustGet(t, base); !strings.Contains(home, `type="application/atom+xml"`) {
		t.Error("home page does not announce the feeds")
	}
	second := "Thứ Năm, 26/11/2026\nPhường Bình Thọ khánh thành nhà văn hóa mới\n\nSáng 26/11, phường Bình Thọ khánh thành nhà văn hóa.\n\nCông trình có hội trường 200 chỗ.\n\nTin: Ngọc Lan\n"
	if err := os.WriteFile(filepath.Join(articles, "thoi-su", "nha-van-hoa.txt"), []byte(second), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor("c/thoi-su/rss.xml", "Phường Bình Thọ khánh thành nhà văn hóa mới")
	waitFor("feed.json", "Phường Bình Thọ khánh thành nhà văn hóa mới")
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exited %d:\n%s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}
