package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

type homeData struct {
	Articles []*article.Article
	OlderURL string
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	lang := s.language(r)
	q := store.ArticleQuery{Limit: s.o.HomePageSize}
	if before := r.URL.Query().Get("before"); before != "" {
		us, err := strconv.ParseInt(before, 10, 64)
		if err != nil || us <= 0 {
			http.Error(w, "before: want a positive integer", http.StatusBadRequest)
			return
		}
		q.Before = time.UnixMicro(us)
	}
	articles, err := s.o.Articles.LatestArticles(r.Context(), q)
	if err != nil {
		s.serverError(w, r, lang, err)
		return
	}
	data := homeData{Articles: articles}
	if len(articles) == q.Limit {
		v := url.Values{"before": {strconv.FormatInt(articles[len(articles)-1].PublishedAt.UnixMicro(), 10)}}
		if lang != s.o.DefaultLanguage {
			v.Set("lang", lang)
		}
		data.OlderURL = "/?" + v.Encode()
	}
	s.render(w, r, http.StatusOK, "home.html", templates.Page{Lang: lang, Data: data})
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p templates.Page) {
	p.SiteName = s.o.SiteName
	p.SiteURL = s.o.SiteURL
	p.Path = r.URL.Path
	p.OtherLangURL = otherLangURL(r, s.o.Templates.Catalog().Text(p.Lang, "nav.lang_code"))
	p.Feeds = s.o.Feeds != nil
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var buf strings.Builder
	if err := s.o.Templates.RenderPage(&buf, name, p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

// otherLangURL returns the request's path and query with lang set to lang,
// so that switching language keeps whatever the query carried (a token on
// the preferences page, a page number on the home page).
func otherLangURL(r *http.Request, lang string) string {
	q := r.URL.Query()
	q.Set("lang", lang)
	return r.URL.Path + "?" + q.Encode()
}

func (s *Server) serverError(w http.ResponseWriter, r *http.Request, lang string, err error) {
	s.log.Error("request failed", "path", r.URL.Path, "err", err)
	http.Error(w, s.o.Templates.Catalog().Text(lang, "error.internal"), http.StatusInternalServerError)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	http.Error(w, s.o.Templates.Catalog().Text(s.language(r), "error.notfound"), http.StatusNotFound)
}

// language picks the reader's language: ?lang= first, then Accept-Language,
// then the site default. Only supported languages are ever returned.
func (s *Server) language(r *http.Request) string {
	supported := templates.Languages()
	if l := r.URL.Query().Get("lang"); l != "" {
		for _, s := range supported {
			if l == s {
				return l
			}
		}
	}
	if best := bestAcceptLanguage(r.Header.Get("Accept-Language"), supported); best != "" {
		return best
	}
	return s.o.DefaultLanguage
}

// bestAcceptLanguage returns the supported language with the highest q in
// an Accept-Language header, matching on the primary subtag.
func bestAcceptLanguage(header string, supported []string) string {
	best, bestQ := "", 0.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		for _, s := range supported {
			if primary == s && q > bestQ {
				best, bestQ = s, q
			}
		}
	}
	return best
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.o.DB.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
