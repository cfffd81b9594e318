package feed

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// hub is a test WebSub hub that answers with the statuses given, in turn,
// then 204, and records each publish request's topics.
type hub struct {
	mu       sync.Mutex
	statuses []int
	requests [][]string
	got      chan struct{}
}

func newHub(t *testing.T, statuses ...int) (*hub, *httptest.Server) {
	h := &hub{statuses: statuses, got: make(chan struct{}, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != "POST" || r.PostForm.Get("hub.mode") != "publish" {
			t.Errorf("bad publish request: %s %v %v", r.Method, r.PostForm, err)
		}
		h.mu.Lock()
		h.requests = append(h.requests, r.PostForm["hub.url"])
		status := http.StatusNoContent
		if len(h.statuses) > 0 {
			status, h.statuses = h.statuses[0], h.statuses[1:]
		}
		h.mu.Unlock()
		w.WriteHeader(status)
		h.got <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	return h, srv
}

func (h *hub) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-h.got:
		case <-time.After(5 * time.Second):
			t.Fatal("the hub heard nothing")
		}
	}
}

func runPinger(t *testing.T, p *WebSub) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// A hub that fails is retried with backoff until it takes the ping.
func TestWebSubRetriesFailingHub(t *testing.T) {
	h, srv := newHub(t, 503, 500)
	p := NewWebSub(srv.URL, WebSubOptions{Backoff: 10 * time.Millisecond})
	runPinger(t, p)
	p.Publish("https://tin.example.vn/rss.xml", "https://tin.example.vn/atom.xml")
	h.wait(t, 3)
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.requests) != 3 {
		t.Fatalf("%d requests, want 3", len(h.requests))
	}
	for _, topics := range h.requests {
		if !slices.Equal(topics, []string{"https://tin.example.vn/rss.xml", "https://tin.example.vn/atom.xml"}) {
			t.Errorf("topics %v", topics)
		}
	}
}

// A hub that refuses the request itself (4xx) is not retried.
func TestWebSubGivesUpOnRefusal(t *testing.T) {
	h, srv := newHub(t, 400)
	p := NewWebSub(srv.URL, WebSubOptions{Backoff: 5 * time.Millisecond})
	runPinger(t, p)
	p.Publish("https://tin.example.vn/rss.xml")
	h.wait(t, 1)
	time.Sleep(50 * time.Millisecond)
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.requests) != 1 {
		t.Errorf("%d requests after a 400, want 1", len(h.requests))
	}
}

// A hub that hangs never blocks publishing: saving articles with the cache
// and the pinger hooked up stays quick, and the pinger's requests time out.
func TestWebSubHangingHubDoesNotBlock(t *testing.T) {
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); hung.Close() })
	p := NewWebSub(hung.URL, WebSubOptions{Timeout: 100 * time.Millisecond, Backoff: 10 * time.Millisecond, Attempts: 2})
	runPinger(t, p)

	s := newTestStore(t)
	c := newTestCache(t, s, Options{Publisher: p})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	mustGet(t, c, Key{Format: RSS})
	start := time.Now()
	for i := range 50 {
		s.save(t, testArticle(i, "thoi-su", "Thời sự"))
		p.Publish("https://tin.example.vn/c/thoi-su/rss.xml")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("50 saves took %v with a hung hub", d)
	}
}

// Topics published while one is pending are pinged once; the queue is
// bounded.
func TestWebSubDedupesAndBounds(t *testing.T) {
	p := NewWebSub("http://127.0.0.1:1/", WebSubOptions{MaxPending: 3})
	for range 5 {
		p.Publish("a", "b")
	}
	p.Publish("c", "d", "e")
	p.mu.Lock()
	defer p.mu.Unlock()
	if !slices.Equal(p.order, []string{"a", "b", "c"}) {
		t.Errorf("pending %v, want [a b c]", p.order)
	}
}
