// Package web owns the HTTP server: routes, middleware, the public pages and
// the health endpoints. Handlers validate, act and respond, returning early;
// the data they show comes from narrow interfaces passed to New.
package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

// ArticleLister is what the pages read articles through.
type ArticleLister interface {
	LatestArticles(ctx context.Context, q store.ArticleQuery) ([]*article.Article, error)
}

// Pinger reports whether the database answers, for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Options configures a Server.
type Options struct {
	Addr            string
	SiteName        string
	SiteURL         string
	DefaultLanguage string
	Articles        ArticleLister
	DB              Pinger
	Templates       *templates.Set
	Logger          *slog.Logger
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	ShutdownTimeout time.Duration
	// MaxBodySize caps every request body.
	MaxBodySize int64
	// HomePageSize is how many articles the home page lists; 0 means 30.
	HomePageSize int
	// Feeds serves the RSS, Atom and JSON feeds (feed.Cache.Handler) at
	// the paths feed.ParsePath knows; nil serves none, and pages then do
	// not link to them.
	Feeds http.Handler
	// Subscribe configures the subscription pages; see SubscribeOptions.
	Subscribe SubscribeOptions
	// Editions configures the digest archive and /metrics (editions.go).
	Editions EditionOptions
	// Article configures the article pages, the share and feedback
	// forms and the admin API (article.go).
	Article ArticleOptions
}

// Server is the HTTP side of bantin.
type Server struct {
	o       Options
	log     *slog.Logger
	handler http.Handler
	pages   *pageCache // the article pages' cache; nil: off
}

// New builds the server and its routes.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HomePageSize <= 0 {
		o.HomePageSize = 30
	}
	if o.DefaultLanguage == "" {
		o.DefaultLanguage = "vi"
	}
	s := &Server{o: o, log: o.Logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(templates.Static())))
	if o.Feeds != nil {
		for _, p := range []string{"/rss.xml", "/atom.xml", "/feed.json", "/c/{category}/{file}",
			"/archive/{page}/{file}", "/c/{category}/archive/{page}/{file}"} {
			mux.Handle("GET "+p, o.Feeds)
		}
	}
	s.editionRoutes(mux)
	s.routeSubscribe(mux)
	s.routeArticles(mux)
	mux.HandleFunc("/", s.notFound)
	s.handler = s.recoverPanics(s.logRequests(securityHeaders(limitBody(o.MaxBodySize, mux))))
	return s
}

// Handler returns the server's root handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve accepts connections on ln until ctx is done, then shuts down
// gracefully: in-flight requests get ShutdownTimeout to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadTimeout:       s.o.ReadTimeout,
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      s.o.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("web: %w", err)
	case <-ctx.Done():
	}
	timeout := s.o.ShutdownTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("web: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("web: %w", err)
	}
	return nil
}

func staticHandler(files fs.FS) http.Handler {
	fsrv := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}
