package web

import (
	"context"
	"html/template"
	"net/http"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/share"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

// ArticleFinder finds articles by id, for the article pages and forms.
type ArticleFinder interface {
	ArticlesByID(ctx context.Context, ids []string) ([]*article.Article, error)
}

// ArticleOptions configures the article pages, "Gửi cho bạn bè", "Phản
// hồi" and the admin API (article.go, share.go, feedback.go, admin.go).
type ArticleOptions struct {
	// Articles finds articles; nil serves no article pages.
	Articles ArticleFinder
	// Share runs both forms; nil (or both off in its options) leaves
	// article pages with the mailto: link alone.
	Share *share.Service
	// Queue is the feedback moderation queue the admin API works on.
	Queue *share.Queue
	// AdminToken is the bearer token of the admin API; empty turns the
	// API off (it answers 403 and says why).
	AdminToken string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when finding a client's address for the per-IP limits.
	TrustedProxies []netip.Prefix
	// PageCacheTTL is how long a rendered article page is served again
	// as it is (see pageCache); 0 is 2s, negative turns the cache off.
	PageCacheTTL time.Duration
}

// articleRoutes serves /a/... and /share/...; see routeArticles.
type articleRoutes struct {
	s   *Server
	o   ArticleOptions
	svc *share.Service
	cat templates.Catalog
	// posting holds a place for each form post being handled. A flood of
	// posts (each refused, but each answered with the form again) is
	// CPU work; with only GOMAXPROCS of them running at once, the
	// article pages that readers load meanwhile never queue behind fifty.
	posting chan struct{}
	cache   *pageCache // nil: off
}

// senderCookie remembers a sender who proved their address (share flow).
const senderCookie = "bantin_sender"

// maxRefLen bounds the {ref} of an article path: an id of up to 128
// characters and a slug.
const maxRefLen = 400

// routeArticles registers the article pages, the two forms and the admin
// API on mux. The forms' POSTs are behind http.CrossOriginProtection,
// except the "no more shares" POST: it is the RFC 8058 one-click URL that
// mail providers post from anywhere, and the signed token in it is its
// authority.
func (s *Server) routeArticles(mux *http.ServeMux) {
	o := s.o.Article
	h := &articleRoutes{s: s, o: o, svc: o.Share, cat: s.o.Templates.Catalog(),
		posting: make(chan struct{}, runtime.GOMAXPROCS(0))}
	switch ttl := o.PageCacheTTL; {
	case ttl == 0:
		h.cache = newPageCache(2*time.Second, 1024)
	case ttl > 0:
		h.cache = newPageCache(ttl, 1024)
	}
	s.pages = h.cache
	h.routeAdmin(mux)
	if o.Articles == nil {
		return
	}
	mux.HandleFunc("GET /a/{ref}", h.article)
	if h.svc == nil {
		return
	}
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern("POST /share/stop")
	cop.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	handle := func(pattern string, fn http.HandlerFunc) {
		if strings.HasPrefix(pattern, "POST ") {
			fn = h.onePlace(fn)
		}
		mux.Handle(pattern, cop.Handler(fn))
	}
	if h.svc.ShareEnabled() {
		handle("GET /a/{id}/share", h.shareForm)
		handle("POST /a/{id}/share", h.shareSubmit)
		handle("GET /share/confirm", h.confirmPage)
		handle("POST /share/confirm", h.confirm)
	}
	// A recipient can always stop shares, even after sharing is turned
	// off: links already sent keep working.
	handle("GET /share/stop", h.stopPage)
	handle("POST /share/stop", h.stop)
	if h.svc.FeedbackEnabled() {
		handle("GET /a/{id}/feedback", h.feedbackForm)
		handle("POST /a/{id}/feedback", h.feedbackSubmit)
	}
}

// ArticleChanged drops the cached pages of a changed article, or all of
// them when ch.All says any article may have changed, so that the change
// shows at once instead of up to Options.Article.PageCacheTTL later. It is
// quick enough for store.WithChangeHook and
// store.DB.ListenArticleChanges.
func (s *Server) ArticleChanged(ch store.ArticleChange) {
	s.pages.forget(ch.ID, ch.All)
}

// onePlace runs next once it has a place in h.posting, or gives up when
// the client does.
func (h *articleRoutes) onePlace(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case h.posting <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		defer func() { <-h.posting }()
		next(w, r)
	}
}

// articlePage is what templates/pages/article.html receives.
type articlePage struct {
	Article *article.Article
	// Body is the article's sanitized HTML: the parsers escape or
	// sanitize everything in it (see package article).
	Body template.HTML
	// TopFigure and Figures are the pictures with an address that the
	// body does not already show (front matter images): the first above
	// the body, the rest after it.
	TopFigure   *article.Image
	Figures     []article.Image
	URL         string
	Canonical   string
	OGImage     string
	ShareURL    string
	FeedbackURL string
	Mailto      string
	Feedback    []*store.Feedback
	Updated     bool
	ContentLang string
}

func (h *articleRoutes) article(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	key := lang + " " + r.URL.Path
	if h.cache.serve(w, key, time.Now()) {
		return
	}
	gen := h.cache.generation()
	a, exact, err := h.resolve(r.Context(), r.PathValue("ref"))
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return
	}
	if a == nil {
		h.s.notFound(w, r)
		return
	}
	if !exact {
		// An old slug (the title was corrected) or none: one canonical
		// address per article, and links made before still arrive.
		target := a.Path()
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return
	}
	p, err := h.articlePage(r.Context(), lang, a)
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return
	}
	h.cache.renderSince(w, key, gen, time.Now(), func(w http.ResponseWriter) {
		w.Header().Set("Vary", "Accept-Language")
		w.Header().Set("Cache-Control", "public, max-age=60")
		h.s.render(w, r, http.StatusOK, "article.html", templates.Page{Lang: lang, Title: a.Title, Data: p})
	})
}

// articlePage gathers what the page of a shows in lang.
func (h *articleRoutes) articlePage(ctx context.Context, lang string, a *article.Article) (articlePage, error) {
	p := articlePage{
		Article: a, Body: template.HTML(a.BodyHTML), URL: h.s.o.SiteURL + a.Path(),
		Mailto: h.mailto(lang, a), Updated: a.UpdatedAt.After(a.PublishedAt), ContentLang: h.s.o.DefaultLanguage,
	}
	p.Canonical = p.URL
	p.TopFigure, p.Figures = figures(a)
	if p.TopFigure != nil {
		p.OGImage = h.absolute(p.TopFigure.URL)
	}
	if h.svc == nil {
		return p, nil
	}
	q := langQuery(lang, h.s.o.DefaultLanguage)
	if h.svc.ShareEnabled() {
		p.ShareURL = articleAction(a, "share") + q
	}
	if h.svc.FeedbackEnabled() {
		p.FeedbackURL = articleAction(a, "feedback") + q
		var err error
		if p.Feedback, err = h.svc.ApprovedFeedback(ctx, a.ID); err != nil {
			return p, err
		}
	}
	return p, nil
}

// resolve finds the article of ref, "{id}-{slug}" or "{id}". Pinned ids
// may contain hyphens, so the id is the whole ref or any prefix of it
// that ends before a hyphen; every candidate is looked up in one query.
// A candidate whose slug is exactly the rest of ref wins (exact is true);
// otherwise the longest candidate found, to be redirected to its path.
func (h *articleRoutes) resolve(ctx context.Context, ref string) (*article.Article, bool, error) {
	if ref == "" || len(ref) > maxRefLen || !isRef(ref) {
		return nil, false, nil
	}
	cands := []string{ref}
	for i := len(ref) - 1; i > 0; i-- {
		if ref[i] == '-' {
			cands = append(cands, ref[:i])
		}
	}
	cands = cands[:min(len(cands), 64)]
	found, err := h.o.Articles.ArticlesByID(ctx, cands)
	if err != nil {
		return nil, false, err
	}
	byID := make(map[string]*article.Article, len(found))
	for _, a := range found {
		byID[a.ID] = a
	}
	var first *article.Article
	for _, c := range cands {
		a := byID[c]
		if a == nil {
			continue
		}
		if strings.TrimPrefix(ref[len(c):], "-") == a.Slug && (len(c) < len(ref) || a.Slug == "") {
			return a, true, nil
		}
		if first == nil {
			first = a
		}
	}
	return first, false, nil
}

// isRef reports whether ref has only what ids ([A-Za-z0-9._:-]) and slugs
// ([a-z0-9-]) are made of, so that anything else costs no query.
func isRef(ref string) bool {
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// findArticle returns the article with exactly this id, as the forms name
// it ("/a/{id}/share"), or nil.
func (h *articleRoutes) findArticle(ctx context.Context, id string) (*article.Article, error) {
	if id == "" || len(id) > maxRefLen || !isRef(id) {
		return nil, nil
	}
	found, err := h.o.Articles.ArticlesByID(ctx, []string{id})
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return found[0], nil
}

// figures returns the article's pictures that have an address and are not
// already in its body.
func figures(a *article.Article) (*article.Image, []article.Image) {
	var out []article.Image
	for _, im := range a.Images {
		if im.URL == "" || strings.Contains(a.BodyHTML, template.HTMLEscapeString(im.URL)) {
			continue
		}
		out = append(out, im)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], out[1:]
}

// absolute returns u as an absolute URL for Open Graph: as it is when it
// has a scheme, on the site when it is a path, "" otherwise.
func (h *articleRoutes) absolute(u string) string {
	switch {
	case strings.HasPrefix(u, "https://"), strings.HasPrefix(u, "http://"):
		return u
	case strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//"):
		return h.s.o.SiteURL + u
	}
	return ""
}

// mailto returns the mailto: link offered beside the form, and instead of
// it when sharing is off: the reader's own mail program sends, with the
// same subject as ours and the title and address in the body (RFC 6068).
func (h *articleRoutes) mailto(lang string, a *article.Article) string {
	subject := h.cat.Text(lang, "article.mailto_subject") + " " + a.Title
	body := a.Title + "\r\n" + h.s.o.SiteURL + a.Path()
	return "mailto:?subject=" + pctEncode(subject) + "&body=" + pctEncode(body)
}

// pctEncode percent-encodes everything but RFC 3986's unreserved
// characters, as RFC 6068 wants of mailto: header values.
func pctEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// articleAction returns the path of one of an article's forms.
func articleAction(a *article.Article, action string) string {
	return "/a/" + url.PathEscape(a.ID) + "/" + action
}

// langQuery returns "?lang=en" when lang is not the site's default, so
// that links keep the reader's choice.
func langQuery(lang, def string) string {
	if lang == def {
		return ""
	}
	return "?lang=" + lang
}
