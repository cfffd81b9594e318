package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bantin/bantin/internal/pgtest"
	"github.com/bantin/bantin/internal/testutil"
)

// TestServeInstancesShareArticleChanges runs two serve daemons on one
// PostgreSQL schema and one articles directory: an article imported by
// one of them (the leader) shows at once in the feeds that the other
// serves from its cache, built before the article existed, and the
// WebSub hub is told once, by the leader, not by every instance.
func TestServeInstancesShareArticleChanges(t *testing.T) {
	dbURL := pgtest.URL(t)
	hub := newPingCounter(t)
	articles := filepath.Join(t.TempDir(), "articles")
	if err := os.MkdirAll(filepath.Join(articles, "thoi-su"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type instance struct {
		name, base string
		logs       *testutil.LockedBuffer
		done       chan int
	}
	start := func(name string) *instance {
		env := tempEnv(t, "BANTIN_DATABASE_URL="+dbURL, "BANTIN_ARTICLES_DIR="+articles,
			"BANTIN_HTTP_ADDR=127.0.0.1:0", "BANTIN_ARTICLES_DEBOUNCE=20ms", "BANTIN_FEEDS_WEBSUB_HUB="+hub.URL)
		in := &instance{name: name, logs: &testutil.LockedBuffer{}, done: make(chan int, 1)}
		go func() { in.done <- run(ctx, []string{"serve"}, &testutil.LockedBuffer{}, in.logs, env) }()
		in.base = waitForURL(t, in.logs)
		return in
	}
	// One after the other: the first creates the shared secret key.
	both := []*instance{start("A"), start("B")}
	for _, in := range both {
		if got := mustGet(t, in.base+"readyz"); got != "ready\n" {
			t.Fatalf("%s /readyz = %q", in.name, got)
		}
		// Each caches its feeds before the article exists.
		for _, p := range []string{"rss.xml", "c/thoi-su/rss.xml"} {
			mustGet(t, in.base+p)
		}
	}

	// Both have built their feeds: pings from now on are about the article.
	time.Sleep(500 * time.Millisecond)
	hub.reset()
	const title = "Phường Bình Thọ khánh thành nhà văn hóa mới"
	text := "Thứ Năm, 26/11/2026\n" + title + "\n\nSáng 26/11, phường Bình Thọ khánh thành nhà văn hóa khu phố 4.\n\nCông trình có hội trường 200 chỗ.\n\nTin: Ngọc Lan\n"
	if err := os.WriteFile(filepath.Join(articles, "thoi-su", "nha-van-hoa.txt"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// Whichever instance imports it (the leader, once elected) shows it
	// first; the other must follow within a moment, not a feed max-age.
	shown := map[string]time.Time{}
	deadline := time.Now().Add(60 * time.Second)
	for len(shown) < 2*len(both) {
		for _, in := range both {
			for _, p := range []string{"rss.xml", "c/thoi-su/rss.xml"} {
				k := in.name + " /" + p
				if _, ok := shown[k]; !ok && strings.Contains(mustGet(t, in.base+p), title) {
					shown[k] = time.Now()
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s the article shows only in %v; A's logs:\n%s\nB's logs:\n%s", shown, both[0].logs, both[1].logs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, p := range []string{"/rss.xml", "/c/thoi-su/rss.xml"} {
		a, b := shown["A "+p], shown["B "+p]
		lag := b.Sub(a)
		if lag < 0 {
			lag = -lag
		}
		t.Logf("%s: the second instance showed the article %s after the first", p, lag.Round(time.Millisecond))
		if lag > 5*time.Second {
			t.Errorf("%s: the instances showed the article %s apart", p, lag)
		}
	}
	// Both rebuilt their feeds; a follower's ping would come as soon.
	waitFor(t, 10*time.Second, "the hub to hear of /rss.xml", func() bool { return hub.count("/rss.xml") > 0 })
	time.Sleep(2 * time.Second)
	if n := hub.count("/rss.xml"); n != 1 {
		t.Errorf("the hub was told of /rss.xml %d times, want once (by the leader)", n)
	}

	cancel()
	for _, in := range both {
		select {
		case code := <-in.done:
			if code != exitOK {
				t.Errorf("%s exited %d; logs:\n%s", in.name, code, in.logs)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s did not stop", in.name)
		}
	}
}

// pingCounter is a WebSub hub that counts publish pings by the path of
// their topics.
type pingCounter struct {
	*httptest.Server
	mu     sync.Mutex
	topics map[string]int
}

func newPingCounter(t *testing.T) *pingCounter {
	h := &pingCounter{topics: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("hub.mode") != "publish" {
			http.Error(w, "bad ping", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		for _, topic := range r.PostForm["hub.url"] {
			if u, err := url.Parse(topic); err == nil {
				h.topics[u.Path]++
			}
		}
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *pingCounter) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.topics[path]
}

func (h *pingCounter) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.topics)
}
