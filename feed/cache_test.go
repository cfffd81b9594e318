package feed

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
)

// builds returns how many times the document k was built.
func (c *Cache) buildsOf(k Key) int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e := c.entries[k]; e != nil {
		return e.builds.Load()
	}
	return -1
}

func mustGet(t testing.TB, c *Cache, k Key) *response {
	t.Helper()
	r, err := c.get(context.Background(), k)
	if err != nil {
		t.Fatalf("get %s: %v", k.Path(), err)
	}
	return r
}

// A new article in one category invalidates the site-wide and that
// category's feeds, and nothing else: the other category's documents keep
// their ETag and are not rebuilt.
func TestChangeInvalidatesOnlyAffectedFeeds(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 4)
	pub := &recordingPublisher{}
	c := newTestCache(t, s, Options{Items: 4, ArchiveSize: 2, Publisher: pub})
	ctx := context.Background()
	var keys []Key
	for _, cat := range []string{"", "thoi-su", "the-thao"} {
		for _, f := range Formats() {
			keys = append(keys, Key{Category: cat, Format: f})
		}
		keys = append(keys, Key{Category: cat, Format: RSS, Page: 1})
	}
	before := map[Key]string{}
	for _, k := range keys {
		before[k] = mustGet(t, c, k).etag
	}

	s.save(t, testArticle(500, "thoi-su", "Thời sự")) // the newest of all
	c.Flush(ctx)

	for _, k := range keys {
		r := mustGet(t, c, k)
		changed := r.etag != before[k]
		want := k.Page == 0 && k.Category != "the-thao"
		if changed != want {
			t.Errorf("%s: changed %v, want %v", k.Path(), changed, want)
		}
		wantBuilds := int64(1)
		if want {
			wantBuilds = 2
		}
		if n := c.buildsOf(k); n != wantBuilds {
			t.Errorf("%s built %d times, want %d", k.Path(), n, wantBuilds)
		}
	}
	// The rebuilt feeds were announced, once each.
	want := []string{
		"https://tin.example.vn/atom.xml", "https://tin.example.vn/c/thoi-su/atom.xml",
		"https://tin.example.vn/c/thoi-su/feed.json", "https://tin.example.vn/c/thoi-su/rss.xml",
		"https://tin.example.vn/feed.json", "https://tin.example.vn/rss.xml",
	}
	if got := pub.all(); !slices.Equal(got, want) {
		t.Errorf("published %v, want %v", got, want)
	}
}

type recordingPublisher struct {
	mu     sync.Mutex
	topics []string
}

func (p *recordingPublisher) Publish(topics ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.topics = append(p.topics, topics...)
}

func (p *recordingPublisher) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := slices.Clone(p.topics)
	slices.Sort(out)
	return out
}

// A correction changes the current feeds it is in and the archive page that
// holds it; the other archive pages keep their bytes.
func TestCorrectionInvalidatesItsArchivePage(t *testing.T) {
	s := newTestStore(t)
	for i := 1; i <= 6; i++ {
		s.save(t, testArticle(i, "thoi-su", "Thời sự"))
	}
	c := newTestCache(t, s, Options{Items: 2, ArchiveSize: 2})
	ctx := context.Background()
	pages := []Key{{Format: Atom, Page: 1}, {Format: Atom, Page: 2}, {Format: Atom, Page: 3}}
	before := map[Key]string{}
	for _, k := range pages {
		before[k] = mustGet(t, c, k).etag
	}
	a := testArticle(3, "thoi-su", "Thời sự") // the first article of page 2
	a.Title = "Tiêu đề đã sửa"
	a.Slug = article.Slugify(a.Title)
	s.save(t, a)
	c.Flush(ctx)
	for _, k := range pages {
		changed := mustGet(t, c, k).etag != before[k]
		if changed != (k.Page == 2) {
			t.Errorf("%s changed %v", k.Path(), changed)
		}
	}
}

// When a new article completes an archive page, the page that was the
// newest gains its next-archive link and the current feed its new
// prev-archive link; a full page that is not the newest gets the long
// max-age.
func TestNewArchivePageRelinksNeighbours(t *testing.T) {
	s := newTestStore(t)
	for i := 1; i <= 5; i++ {
		s.save(t, testArticle(i, "thoi-su", "Thời sự"))
	}
	c := newTestCache(t, s, Options{Items: 2, ArchiveSize: 2, MaxAge: time.Minute, ArchiveMaxAge: time.Hour})
	srv := newTestServer(t, c)
	resp, _ := fetch(t, "GET", srv.URL+"/archive/2/rss.xml")
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, max-age=60" {
		t.Fatalf("newest page: %d, %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if resp, _ := fetch(t, "GET", srv.URL+"/archive/1/rss.xml"); resp.Header.Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("older page Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	if resp, _ := fetch(t, "GET", srv.URL+"/archive/3/rss.xml"); resp.StatusCode != 404 {
		t.Fatalf("page 3 before it is full: %d", resp.StatusCode)
	}
	s.save(t, testArticle(6, "thoi-su", "Thời sự"))
	c.Flush(context.Background())
	_, body := fetch(t, "GET", srv.URL+"/archive/2/rss.xml")
	root := parseXML(t, body)
	found := false
	for _, l := range root.all(nsAtom, "link") {
		if l.attr("rel") == "next-archive" && l.attr("href") == "https://tin.example.vn/archive/3/rss.xml" {
			found = true
		}
	}
	if !found {
		t.Errorf("page 2 has no next-archive link to page 3:\n%s", body)
	}
	if resp, _ := fetch(t, "GET", srv.URL+"/archive/3/rss.xml"); resp.StatusCode != 200 {
		t.Errorf("page 3 once full: %d", resp.StatusCode)
	}
	_, body = fetch(t, "GET", srv.URL+"/rss.xml")
	if !contains(body, `href="https://tin.example.vn/archive/3/rss.xml" rel="prev-archive"`) {
		t.Errorf("current feed does not point at page 3:\n%s", body)
	}
}

func contains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }

// A burst of requests for a stale document builds it once.
func TestBurstBuildsOnce(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 3)
	slow := &slowSource{Source: s, delay: 50 * time.Millisecond}
	c, err := NewCache(slow, newTestBuilder(t, testSite()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.hook = c.ArticleChanged
	srv := newTestServer(t, c)
	k := Key{Category: "thoi-su", Format: RSS}
	for round := 1; round <= 2; round++ {
		var wg sync.WaitGroup
		var ok atomic.Int32
		for range 40 {
			wg.Go(func() {
				if resp, _ := fetch(t, "GET", srv.URL+k.Path()); resp.StatusCode == 200 {
					ok.Add(1)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 40 {
			t.Fatalf("round %d: %d of 40 requests succeeded", round, ok.Load())
		}
		if n := c.buildsOf(k); n != int64(round) {
			t.Errorf("round %d: built %d times, want %d", round, n, round)
		}
		s.save(t, testArticle(10+round, "thoi-su", "Thời sự")) // stale again, no Flush
	}
}

// slowSource makes reads of the latest articles slow, so that concurrent
// requests overlap a build; with a gate, a read also says it started and
// waits for the gate to open.
type slowSource struct {
	Source
	delay   time.Duration
	started chan struct{}
	gate    chan struct{}
}

func (s *slowSource) LatestArticles(ctx context.Context, q store.ArticleQuery) ([]*article.Article, error) {
	if s.gate != nil {
		s.started <- struct{}{}
		<-s.gate
	}
	time.Sleep(s.delay)
	return s.Source.LatestArticles(ctx, q)
}

// A reader that gives up waiting for a build returns at once, and the
// build goes on for the others; one that hangs up while building its own
// request still completes the build.
func TestCancelledRequestDoesNotCancelBuild(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 1)
	slow := &slowSource{Source: s, started: make(chan struct{}, 1), gate: make(chan struct{})}
	c, err := NewCache(slow, newTestBuilder(t, testSite()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := Key{Format: RSS}
	first := make(chan error)
	go func() {
		_, err := c.get(context.Background(), k)
		first <- err
	}()
	<-slow.started // the first request is building
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.get(ctx, k); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("impatient waiter: err = %v", err)
	}
	close(slow.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if n := c.buildsOf(k); n != 1 {
		t.Errorf("built %d times, want 1", n)
	}
	gone, cancelGone := context.WithCancel(context.Background())
	cancelGone()
	go func() { <-slow.started }()
	if r, err := c.get(gone, Key{Format: Atom}); err != nil || r == nil {
		t.Errorf("builder whose reader left: %v", err)
	}
}

// An article that moves out of a category takes the category's feed back
// to an older newest date; Last-Modified still moves forward, or clients
// validating by date would keep the old feed. A category left without
// articles is a 404.
func TestMoveOutKeepsLastModifiedMonotonic(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 2)
	c := newTestCache(t, s, Options{})
	k := Key{Category: "thoi-su", Format: Atom}
	before := mustGet(t, c, k)
	moved := testArticle(2, "thoi-su", "Thời sự")
	moved.Category, moved.CategorySlug = "Thể thao", "the-thao"
	s.save(t, moved)
	c.Flush(context.Background())
	after := mustGet(t, c, k)
	if after.etag == before.etag || !after.modified.After(before.modified) {
		t.Errorf("after a move out: etag same %v, modified %v -> %v", after.etag == before.etag, before.modified, after.modified)
	}
	last := testArticle(1, "thoi-su", "Thời sự")
	last.Category, last.CategorySlug = "Thể thao", "the-thao"
	s.save(t, last)
	c.Flush(context.Background())
	if _, err := c.get(context.Background(), k); !errors.Is(err, ErrNotFound) {
		t.Errorf("emptied category: err = %v, want ErrNotFound", err)
	}
	c.mu.RLock()
	_, known := c.cats["thoi-su"]
	c.mu.RUnlock()
	if known {
		t.Error("emptied category still known")
	}
	// A category created after the cache read the list is found.
	s.save(t, testArticle(7, "kinh-te", "Kinh tế"))
	if _, err := c.get(context.Background(), Key{Category: "kinh-te", Format: RSS}); err != nil {
		t.Errorf("new category: %v", err)
	}
}

// The cache stays within its memory bound, dropping the least recently
// used documents, which are rebuilt when asked for again.
func TestEvictionBoundsMemory(t *testing.T) {
	s := newTestStore(t)
	for i := range 30 {
		cat := "chuyen-muc-" + itoa(i+1)
		s.save(t, testArticle(i, cat, "Chuyên mục "+itoa(i+1)))
	}
	c := newTestCache(t, s, Options{MaxBytes: 20 << 10})
	for i := range 30 {
		mustGet(t, c, Key{Category: "chuyen-muc-" + itoa(i+1), Format: RSS})
	}
	c.mu.RLock()
	size, n := c.size, len(c.entries)
	c.mu.RUnlock()
	if size > 20<<10 || n >= 30 {
		t.Errorf("cache holds %d bytes in %d entries, bound 20 KiB", size, n)
	}
	if r := mustGet(t, c, Key{Category: "chuyen-muc-1", Format: RSS}); r == nil {
		t.Error("evicted feed not rebuilt")
	}
}

// Identity bodies are kept within their budget; past it they are made per
// request.
func TestIdentityBudget(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 2)
	c := newTestCache(t, s, Options{MaxBytes: 4 << 10}) // identity budget 1 KiB
	srv := newTestServer(t, c)
	resp, body := fetch(t, "GET", srv.URL+"/rss.xml")
	if resp.StatusCode != 200 || len(body) < 2<<10 {
		t.Fatalf("%d, %d bytes", resp.StatusCode, len(body))
	}
	if c.identity.Load() != 0 {
		t.Errorf("kept %d identity bytes over a 1 KiB budget", c.identity.Load())
	}
	c2 := newTestCache(t, s, Options{})
	srv2 := newTestServer(t, c2)
	fetch(t, "GET", srv2.URL+"/rss.xml")
	if c2.identity.Load() == 0 {
		t.Error("identity body not kept under budget")
	}
	s.save(t, testArticle(9, "thoi-su", "Thời sự"))
	c2.Flush(context.Background())
	if c2.identity.Load() != 0 {
		t.Errorf("rebuilt feed left %d identity bytes counted", c2.identity.Load())
	}
}

func TestRunRebuildsInBackground(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 1)
	c := newTestCache(t, s, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()
	k := Key{Format: JSON}
	before := mustGet(t, c, k).etag
	s.save(t, testArticle(2, "thoi-su", "Thời sự"))
	deadline := time.Now().Add(5 * time.Second)
	for c.buildsOf(k) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	c.mu.RLock()
	r := c.entries[k].resp.Load()
	c.mu.RUnlock()
	if r.etag == before || c.buildsOf(k) != 2 {
		t.Errorf("Run did not rebuild the warm feed (builds %d)", c.buildsOf(k))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestNewCacheChecksOptions(t *testing.T) {
	s := newTestStore(t)
	if _, err := NewCache(s, newTestBuilder(t, testSite()), Options{Items: 10, ArchiveSize: 20}); err == nil {
		t.Error("archive pages larger than the feed were accepted")
	}
}

var _ http.Handler = (*Handler)(nil)

// An article moved between categories joins the new category's archive
// order where it was first stored, shifting that category's pages as well
// as the old one's: both are rebuilt; of the site-wide archive, only the
// page that holds it.
func TestMoveRebuildsBothCategoriesArchives(t *testing.T) {
	s := newTestStore(t)
	for i := 1; i <= 4; i++ {
		s.save(t, testArticle(i, "thoi-su", "Thời sự"))
		s.save(t, testArticle(10+i, "the-thao", "Thể thao"))
	}
	c := newTestCache(t, s, Options{Items: 2, ArchiveSize: 2})
	// The site-wide page 1 holds the moved article and changes with its
	// category; page 2 does not hold it.
	keys := []Key{{Category: "thoi-su", Format: RSS, Page: 1}, {Category: "the-thao", Format: RSS, Page: 1}, {Format: RSS, Page: 2}}
	before := map[Key]string{}
	for _, k := range keys {
		before[k] = mustGet(t, c, k).etag
	}
	moved := testArticle(1, "thoi-su", "Thời sự") // the oldest of all
	moved.Category, moved.CategorySlug = "Thể thao", "the-thao"
	s.save(t, moved)
	c.Flush(context.Background())
	for _, k := range keys {
		changed := mustGet(t, c, k).etag != before[k]
		if changed != (k.Category != "") {
			t.Errorf("%s changed %v", k.Path(), changed)
		}
	}
	_, body := fetch(t, "GET", newTestServer(t, c).URL+"/c/the-thao/archive/1/rss.xml")
	if !bytes.Contains(body, []byte(moved.Title)) {
		t.Error("the moved article is not on the first archive page of its new category")
	}
}

// A correction to an article that is not among a feed's newest leaves the
// feed's bytes as they were: it is not announced to the hub. A feed nobody
// read yet is announced, since the hub's fetch builds it.
func TestOnlyChangedFeedsArePublished(t *testing.T) {
	s := newTestStore(t)
	for i := 1; i <= 5; i++ {
		s.save(t, testArticle(i, "thoi-su", "Thời sự"))
	}
	pub := &recordingPublisher{}
	c := newTestCache(t, s, Options{Items: 2, Publisher: pub})
	for _, f := range []Format{RSS, Atom} {
		mustGet(t, c, Key{Format: f})
		mustGet(t, c, Key{Category: "thoi-su", Format: f})
	}
	old := testArticle(1, "thoi-su", "Thời sự") // not among the newest 2
	old.Title = "Tiêu đề đã sửa"
	s.save(t, old)
	c.Flush(context.Background())
	want := []string{"https://tin.example.vn/c/thoi-su/feed.json", "https://tin.example.vn/feed.json"}
	if got := pub.all(); !slices.Equal(got, want) {
		t.Errorf("published %v, want only the feeds never built: %v", got, want)
	}
}
