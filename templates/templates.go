// Package templates owns what readers see that is not data: the embedded page
// and email templates, the static assets they use, and the Vietnamese
// (default) and English strings. An operator may override any template by
// putting a file of the same name in an override directory.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/bantin/bantin/article"
)

//go:embed pages/*.html
var pageFiles embed.FS

//go:embed email
var emailFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Static returns the embedded static assets (CSS), rooted at "static".
func Static() fs.FS {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		// The directory is embedded at build time; its absence is a build bug.
		panic(err)
	}
	return sub
}

// Options configures a Set.
type Options struct {
	// OverrideDir, when set, holds templates that replace the embedded ones
	// of the same name (e.g. "home.html").
	OverrideDir string
	// Location is the zone dates are shown in.
	Location *time.Location
}

// Set is the parsed page and email templates. It is safe for concurrent
// use.
type Set struct {
	pages   map[string]*template.Template
	emails  map[string]*emailTemplate
	catalog Catalog
	loc     *time.Location
}

// New parses the embedded templates, replacing any that OverrideDir holds.
func New(o Options) (*Set, error) {
	loc := o.Location
	if loc == nil {
		loc = time.FixedZone("ICT", 7*3600)
	}
	s := &Set{pages: make(map[string]*template.Template), catalog: NewCatalog(), loc: loc}
	layout, err := s.source(o.OverrideDir, "layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(pageFiles, "pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range names {
		name := path.Base(p)
		if name == "layout.html" {
			continue
		}
		body, err := s.source(o.OverrideDir, name)
		if err != nil {
			return nil, err
		}
		t := template.New("layout.html").Funcs(s.funcs())
		if _, err := t.Parse(layout); err != nil {
			return nil, fmt.Errorf("templates: layout.html: %w", err)
		}
		if _, err := t.New(name).Parse(body); err != nil {
			return nil, fmt.Errorf("templates: %s: %w", name, err)
		}
		s.pages[name] = t
	}
	if err := s.parseEmails(o.OverrideDir); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Set) source(overrideDir, name string) (string, error) {
	return readTemplate(pageFiles, "pages", overrideDir, name)
}

// readTemplate returns the override of name when overrideDir holds one,
// else the embedded file dir/name.
func readTemplate(embedded embed.FS, dir, overrideDir, name string) (string, error) {
	if overrideDir != "" {
		b, err := os.ReadFile(filepath.Join(overrideDir, name))
		if err == nil {
			return string(b), nil
		}
		if !os.IsNotExist(err) {
			return "", fmt.Errorf("templates: override %s: %w", filepath.Join(overrideDir, name), err)
		}
	}
	b, err := embedded.ReadFile(path.Join(dir, name))
	if err != nil {
		return "", fmt.Errorf("templates: %s: %w", name, err)
	}
	return string(b), nil
}

// Catalog returns the strings the set renders with.
func (s *Set) Catalog() Catalog { return s.catalog }

// Page is what every page template receives.
type Page struct {
	Lang     string // "vi" or "en"
	SiteName string
	SiteURL  string
	Title    string
	// Path is the request path without query.
	Path string
	// OtherLangURL is this page in the other language: the request's path
	// and query (which may carry a token) with lang switched.
	OtherLangURL string
	// Feeds says the site serves feeds, so that the page announces the
	// site-wide ones with <link rel="alternate">; FeedCategory, a category
	// slug, adds that category's, titled FeedCategoryName.
	Feeds            bool
	FeedCategory     string
	FeedCategoryName string
	Data             any
}

// RenderPage executes the named page into w. It renders into a buffer
// first so that a failing template never sends half a page.
func (s *Set) RenderPage(w io.Writer, name string, p Page) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("templates: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		return fmt.Errorf("templates: render %s: %w", name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

func (s *Set) funcs() template.FuncMap {
	return template.FuncMap{
		"t": func(lang, key string) string { return s.catalog.Text(lang, key) },
		"date": func(lang string, t time.Time) string {
			t = t.In(s.loc)
			if lang == "en" {
				return t.Format("Monday, 2 January 2006")
			}
			return article.FormatDateVI(t)
		},
		"isodate": func(t time.Time) string { return t.In(s.loc).Format(time.RFC3339) },
	}
}
