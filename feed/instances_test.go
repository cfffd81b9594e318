package feed

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/bantin/bantin/internal/pgtest"
	"github.com/bantin/bantin/store"
)

// instance is one bantin serving feeds over HTTP from a PostgreSQL store
// that others share.
type instance struct {
	s   *testStore
	c   *Cache
	url string
}

func newInstance(t *testing.T, dbURL string) *instance {
	t.Helper()
	ts := openTestStore(t, dbURL)
	in := &instance{s: ts, c: newTestCache(t, ts, Options{Items: 4, ArchiveSize: 2})}
	in.url = newTestServer(t, in.c).URL

	// As bantin serve runs them: the rebuilding worker and the listener.
	ctx, cancel := context.WithCancel(context.Background())
	heard := make(chan struct{}, 1)
	done := make(chan struct{}, 2)
	go func() {
		in.c.Run(ctx)
		done <- struct{}{}
	}()
	go func() {
		err := ts.DB.ListenArticleChanges(ctx, nil, func(ch store.ArticleChange) {
			in.c.ArticleChanged(ch)
			select {
			case heard <- struct{}{}:
			default:
			}
		})
		if err != nil {
			t.Errorf("listener: %v", err)
		}
		done <- struct{}{}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
	})
	<-heard // listening
	return in
}

// An article saved through one instance shows in the cached feeds that
// another instance serves, without waiting for any max-age.
func TestFeedsOfAllInstancesFollowChanges(t *testing.T) {
	dbURL := pgtest.URL(t)
	a, b := newInstance(t, dbURL), newInstance(t, dbURL)
	seedStore(t, a.s, 3)
	time.Sleep(100 * time.Millisecond) // let B's worker settle the seeding

	paths := []string{"/rss.xml", "/c/thoi-su/atom.xml", "/feed.json"}
	for _, p := range paths {
		if resp, _ := fetch(t, "GET", b.url+p); resp.StatusCode != 200 {
			t.Fatalf("B %s = %d", p, resp.StatusCode)
		}
	}
	builds := b.c.buildsOf(Key{Format: RSS})
	if _, body := fetch(t, "GET", b.url+"/rss.xml"); b.c.buildsOf(Key{Format: RSS}) != builds {
		t.Fatal("B's /rss.xml was not served from its cache")
	} else if len(body) == 0 {
		t.Fatal("empty feed")
	}

	for i, p := range paths {
		news := testArticle(500+i, "thoi-su", "Thời sự")
		saved := time.Now()
		a.s.save(t, news)
		for {
			_, body := fetch(t, "GET", b.url+p)
			if bytes.Contains(body, []byte(news.Title)) {
				t.Logf("saved through A, in B's %s after %s", p, time.Since(saved).Round(time.Millisecond))
				break
			}
			if time.Since(saved) > 5*time.Second {
				t.Fatalf("B's %s lacks the article saved through A 5 s later", p)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// A category that appears through A is served by B too.
	news := testArticle(600, "van-hoa", "Văn hóa")
	a.s.save(t, news)
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, body := fetch(t, "GET", b.url+"/c/van-hoa/rss.xml")
		if resp.StatusCode == 200 && bytes.Contains(body, []byte(news.Title)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B's feed of a new category = %d without the article 5 s later", resp.StatusCode)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
