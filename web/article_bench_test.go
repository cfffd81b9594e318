package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/share"
)

// BenchmarkArticlePage renders an article page through the whole handler
// stack, in process: the cost bench/share.sh puts under load.
func BenchmarkArticlePage(b *testing.B) {
	t := &testing.T{}
	w := newShWeb(t, nil, nil)
	defer w.ts.Close()
	h := w.ts.Config.Handler
	path := w.art.Path()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkSharePostOverLimit posts well-formed shares from one IP that is
// over share.per_ip: the flood's common case.
func BenchmarkSharePostOverLimit(b *testing.B) {
	t := &testing.T{}
	w := newShWeb(t, func(o *share.Options) { o.Share.PerIP = 1 }, nil)
	defer w.ts.Close()
	h := w.ts.Config.Handler
	toks := make([]string, b.N+1)
	for i := range toks {
		toks[i] = w.svc.ShareFormToken(w.art.ID)
	}
	w.clock.Advance(5 * time.Second)
	post := func(i int) int {
		form := url.Values{"t": {toks[i]}, "name": {"Hà"}, "email": {"ha@example.com"}, "to": {"r" + strconv.Itoa(i) + "@example.org"}}
		req := httptest.NewRequest("POST", w.sharePath(), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	post(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if code := post(i); code != http.StatusTooManyRequests {
			b.Fatal(code)
		}
	}
}
