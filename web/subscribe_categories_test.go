package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/bantin/bantin/newsletter"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

// countingCategories is the real store's category list, counting reads.
type countingCategories struct {
	db    *store.DB
	reads atomic.Int64
}

func (c *countingCategories) Categories(ctx context.Context) ([]store.CategoryCount, error) {
	c.reads.Add(1)
	return c.db.Categories(ctx)
}

// countCategoryReads serves w's pages again with a category list that
// counts how often it is read.
func (w *subWeb) countCategoryReads(t *testing.T) *countingCategories {
	t.Helper()
	cats := &countingCategories{db: w.db}
	pages, err := templates.New(templates.Options{Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	w.ts = httptest.NewServer(New(Options{SiteName: "Bản tin Phường", SiteURL: "https://tin.example.vn", DefaultLanguage: "vi",
		Articles: w.db, DB: w.db, Templates: pages, MaxBodySize: 1 << 20,
		Subscribe: SubscribeOptions{Subscriptions: w.subs, Categories: cats}}).Handler())
	t.Cleanup(w.ts.Close)
	return cats
}

// TestSubscribeReadsCategoriesOnce: every answer to a subscribe post,
// accepted or refused, reads the category list once, though a refused form
// both checks the choice against it and shows it again.
func TestSubscribeReadsCategoriesOnce(t *testing.T) {
	w := newSubWeb(t, func(o *newsletter.SubscriptionOptions) { o.SubscribePerIP = 1 })
	cats := w.countCategoryReads(t)

	tests := []struct {
		name   string
		form   func() url.Values
		status int
	}{
		{"accepted", func() url.Values { return w.subscribeForm(t, "an@example.vn") }, http.StatusSeeOther},
		{"invalid address", func() url.Values { return w.subscribeForm(t, "lan@@example.vn") }, http.StatusBadRequest},
		{"unknown category", func() url.Values {
			f := w.subscribeForm(t, "binh@example.vn")
			f.Add("category", "khong-co")
			return f
		}, http.StatusBadRequest},
		{"over the per-IP limit", func() url.Values { return w.subscribeForm(t, "chi@example.vn") }, http.StatusTooManyRequests},
		{"forged form token", func() url.Values {
			f := w.subscribeForm(t, "dung@example.vn")
			f.Set("ft", "9zzzzz.MTIz.AAAA")
			return f
		}, http.StatusBadRequest},
		{"embedded form", func() url.Values {
			f := w.subscribeForm(t, "dung@example.vn")
			f.Del("ft")
			return f
		}, http.StatusOK},
	}
	for _, tt := range tests {
		form := tt.form() // loads the form page, which reads the list too
		cats.reads.Store(0)
		resp, body := w.post(t, "/subscribe", form)
		if resp.StatusCode != tt.status {
			t.Fatalf("%s: status %d, want %d\n%s", tt.name, resp.StatusCode, tt.status, body)
		}
		if n := cats.reads.Load(); n != 1 {
			t.Errorf("%s: the category list was read %d times, want 1", tt.name, n)
		}
	}
}

// TestPreferencesSaveReadsCategoriesOnce: saving preferences, accepted or
// refused, reads the category list once, though the choice is checked
// against it and the page shows it again.
func TestPreferencesSaveReadsCategoriesOnce(t *testing.T) {
	w := newSubWeb(t)
	cats := w.countCategoryReads(t)
	prefs, _ := w.confirmedSubscriber(t, "cai-dat@example.vn")
	tok := tokenOf(t, prefs)
	tests := []struct {
		name   string
		hour   string
		status int
	}{
		{"accepted", "6", http.StatusOK},
		{"bad hour", "25", http.StatusBadRequest},
	}
	for _, tt := range tests {
		cats.reads.Store(0)
		resp, body := w.post(t, "/preferences", url.Values{"t": {tok}, "action": {"save"}, "name": {"Cài Đặt"},
			"cadence": {"weekly"}, "send_hour": {tt.hour}})
		if resp.StatusCode != tt.status {
			t.Fatalf("%s: status %d, want %d\n%s", tt.name, resp.StatusCode, tt.status, body)
		}
		if n := cats.reads.Load(); n != 1 {
			t.Errorf("%s: the category list was read %d times, want 1", tt.name, n)
		}
	}
}
