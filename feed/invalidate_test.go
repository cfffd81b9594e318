package feed

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/bantin/bantin/store"
)

// After changes the cache never heard of (another instance's, while its
// notifications were lost), InvalidateAll (ArticleChange.All) makes every
// document current again: those in use are rebuilt by Flush, a category
// that appeared meanwhile is found, and only the built feeds whose bytes
// changed are announced.
func TestInvalidateAllCatchesUpOnMissedChanges(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 4)
	pub := &recordingPublisher{}
	c := newTestCache(t, s, Options{Items: 4, ArchiveSize: 2, Publisher: pub})
	srv := newTestServer(t, c)
	keys := []Key{{Format: RSS}, {Format: Atom}, {Format: RSS, Page: 1}, {Category: "thoi-su", Format: RSS}, {Category: "thoi-su", Format: RSS, Page: 1}}
	before := map[Key]string{}
	for _, k := range keys {
		before[k] = mustGet(t, c, k).etag
	}
	if resp, _ := fetch(t, "GET", srv.URL+"/c/van-hoa/rss.xml"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a category without articles = %d, want 404", resp.StatusCode)
	}

	s.hook = nil // missed
	missed := testArticle(500, "van-hoa", "Văn hóa")
	s.save(t, missed)
	s.hook = c.ArticleChanged

	c.ArticleChanged(store.ArticleChange{All: true})
	c.Flush(context.Background())
	for _, k := range keys {
		if n := c.buildsOf(k); n != 2 {
			t.Errorf("%s built %d times, want 2: rebuilt in the background", k.Path(), n)
		}
		changed := mustGet(t, c, k).etag != before[k]
		if want := k.Category == "" && k.Page == 0; changed != want {
			t.Errorf("%s changed %v, want %v", k.Path(), changed, want)
		}
	}
	if _, body := fetch(t, "GET", srv.URL+"/rss.xml"); !bytes.Contains(body, []byte(missed.Title)) {
		t.Error("the site feed lacks the missed article")
	}
	if resp, body := fetch(t, "GET", srv.URL+"/c/van-hoa/rss.xml"); resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(missed.Title)) {
		t.Errorf("the category that appeared meanwhile = %d, want its feed", resp.StatusCode)
	}
	want := []string{"https://tin.example.vn/atom.xml", "https://tin.example.vn/rss.xml"}
	if got := pub.all(); !slices.Equal(got, want) {
		t.Errorf("published %v, want the built feeds that changed: %v", got, want)
	}
}

// slowCategories is a Source whose category list is read while something
// else happens.
type slowCategories struct {
	*testStore
	during func()
	reads  atomic.Int32
}

func (s *slowCategories) Categories(ctx context.Context) ([]store.CategoryCount, error) {
	list, err := s.testStore.Categories(ctx)
	if s.reads.Add(1) == 1 && s.during != nil {
		s.during()
	}
	return list, err
}

// A category list read across InvalidateAll may predate the changes it
// stands for: it is read again.
func TestInvalidateAllDuringCategoryRead(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 1)
	src := &slowCategories{testStore: s}
	c, err := NewCache(src, newTestBuilder(t, testSite()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	missed := testArticle(500, "van-hoa", "Văn hóa")
	src.during = func() {
		s.save(t, missed) // missed by the list just read
		c.InvalidateAll()
	}
	mustGet(t, c, Key{Category: "van-hoa", Format: RSS})
	if n := src.reads.Load(); n != 2 {
		t.Errorf("categories read %d times, want 2", n)
	}
}
