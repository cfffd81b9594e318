package web

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bantin/bantin/newsletter"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

// EditionArchive is what the editions pages read; *newsletter.Archive
// implements it.
type EditionArchive interface {
	RecentEditions(ctx context.Context, limit int, beforeID int64) ([]*store.Edition, error)
	EditionPage(ctx context.Context, id int64, lang string) (*newsletter.EditionPage, error)
	// RecentEditionPages is RecentEditions (the newest, no beforeID) with
	// each edition's EditionPage, read in a constant number of queries:
	// the feed shows twenty editions.
	RecentEditionPages(ctx context.Context, limit int, lang string) ([]*newsletter.EditionPage, error)
}

// EditionOptions configures the archive of digests and the delivery
// metrics.
type EditionOptions struct {
	// Archive, when set, serves /editions, /editions/{id} and
	// /editions/atom.xml.
	Archive EditionArchive
	// Metrics, when set, serves /metrics (Prometheus). It says how much
	// mail goes out and how fast; put the path behind the proxy's access
	// control if that is not public information.
	Metrics http.Handler
	// Location is the zone of the dates shown; nil is UTC+07:00.
	Location *time.Location
	// PageSize is how many editions the index lists; 0 is 30.
	PageSize int
}

// editionRoutes registers the editions pages and /metrics, those that are
// configured.
func (s *Server) editionRoutes(mux *http.ServeMux) {
	o := &s.o.Editions
	if o.Location == nil {
		o.Location = time.FixedZone("ICT", 7*3600)
	}
	if o.PageSize <= 0 {
		o.PageSize = 30
	}
	if o.Archive != nil {
		mux.HandleFunc("GET /editions", s.editionIndex)
		mux.HandleFunc("GET /editions/{$}", s.editionIndex)
		mux.HandleFunc("GET /editions/atom.xml", s.editionAtom)
		mux.HandleFunc("GET /editions/{id}", s.editionPage)
	}
	if o.Metrics != nil {
		mux.Handle("GET /metrics", o.Metrics)
	}
}

type editionItem struct {
	URL, Subject, Cadence string
	Until                 time.Time
}

type editionIndexData struct {
	Editions []editionItem
	OlderURL string
}

func (s *Server) editionIndex(w http.ResponseWriter, r *http.Request) {
	lang := s.language(r)
	var before int64
	if v := r.URL.Query().Get("before"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			http.Error(w, "before: want a positive integer", http.StatusBadRequest)
			return
		}
		before = id
	}
	eds, err := s.o.Editions.Archive.RecentEditions(r.Context(), s.o.Editions.PageSize, before)
	if err != nil {
		s.serverError(w, r, lang, err)
		return
	}
	cat := s.o.Templates.Catalog()
	var data editionIndexData
	for _, e := range eds {
		data.Editions = append(data.Editions, editionItem{
			URL:     "/editions/" + strconv.FormatInt(e.ID, 10),
			Subject: editionTitle(e, cat, lang, s.o.Editions.Location),
			Cadence: cat.Text(lang, "editions.cadence."+e.Cadence),
			Until:   e.Until,
		})
	}
	if len(eds) == s.o.Editions.PageSize {
		data.OlderURL = "/editions?before=" + strconv.FormatInt(eds[len(eds)-1].ID, 10)
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	s.render(w, r, http.StatusOK, "editions.html", templates.Page{Lang: lang, Title: cat.Text(lang, "editions.title"), Data: data})
}

// editionTitle is an edition's subject, or for an edition without one its
// cadence and its date in loc, the portal's zone: an edition cut at 06:00
// in Hà Nội is dated that day, not the day before as in UTC.
func editionTitle(e *store.Edition, cat templates.Catalog, lang string, loc *time.Location) string {
	if e.Subject != "" {
		return e.Subject
	}
	return cat.Text(lang, "editions.cadence."+e.Cadence) + " " + e.Until.In(loc).Format("02/01/2006")
}

type editionArticle struct {
	Title, Lead, URL, ShareURL string
	PublishedAt                time.Time
}

type editionSection struct {
	Name     string
	Articles []editionArticle
}

type editionPageData struct {
	Subject  string
	Cadence  string
	Since    time.Time
	Until    time.Time
	Count    int
	Sections []editionSection
	IndexURL string
}

func (s *Server) editionPage(w http.ResponseWriter, r *http.Request) {
	lang := s.language(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return
	}
	p, err := s.o.Editions.Archive.EditionPage(r.Context(), id, lang)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, lang, err)
		return
	}
	cat := s.o.Templates.Catalog()
	data := editionPageData{
		Subject:  editionTitle(p.Edition, cat, lang, s.o.Editions.Location),
		Cadence:  cat.Text(lang, "editions.cadence."+p.Edition.Cadence),
		Since:    p.Edition.Since,
		Until:    p.Edition.Until,
		Count:    p.Count,
		IndexURL: "/editions",
	}
	for _, sec := range p.Sections {
		es := editionSection{Name: sec.Name}
		for _, a := range sec.Articles {
			es.Articles = append(es.Articles, editionArticle{
				Title: a.Title, Lead: a.Lead, PublishedAt: a.PublishedAt,
				URL:      newsletter.ArticleURL(s.o.SiteURL, a),
				ShareURL: strings.TrimSuffix(s.o.SiteURL, "/") + "/a/" + a.ID + "/share",
			})
		}
		data.Sections = append(data.Sections, es)
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	s.render(w, r, http.StatusOK, "edition.html", templates.Page{Lang: lang, Title: data.Subject, Data: data})
}

// The Atom feed of editions is small and fixed in shape, so it is written
// with encoding/xml rather than through the feed package's builders.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title     string      `xml:"title"`
	ID        string      `xml:"id"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Link      atomLink    `xml:"link"`
	Summary   atomSummary `xml:"summary"`
}

type atomSummary struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

// atomEditions is how many editions the Atom feed carries.
const atomEditions = 20

func (s *Server) editionAtom(w http.ResponseWriter, r *http.Request) {
	lang := s.o.DefaultLanguage
	ctx := r.Context()
	pages, err := s.o.Editions.Archive.RecentEditionPages(ctx, atomEditions, lang)
	if err != nil {
		s.serverError(w, r, lang, err)
		return
	}
	loc := s.o.Editions.Location
	site := strings.TrimSuffix(s.o.SiteURL, "/")
	cat := s.o.Templates.Catalog()
	self := site + "/editions/atom.xml"
	f := atomFeed{
		Lang:  lang,
		Title: s.o.SiteName + " – " + cat.Text(lang, "editions.title"),
		ID:    self,
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: self},
			{Rel: "alternate", Type: "text/html", Href: site + "/editions"},
		},
		Author: atomPerson{Name: s.o.SiteName},
	}
	var updated time.Time
	for _, p := range pages {
		e := p.Edition
		var titles []string
		for _, sec := range p.Sections {
			for _, a := range sec.Articles {
				titles = append(titles, a.Title)
			}
		}
		u := site + "/editions/" + strconv.FormatInt(e.ID, 10)
		stamp := e.Until
		if e.FinishedAt.After(stamp) {
			stamp = e.FinishedAt
		}
		updated = laterOf(updated, stamp)
		f.Entries = append(f.Entries, atomEntry{
			Title:     editionTitle(e, cat, lang, s.o.Editions.Location),
			ID:        u,
			Updated:   stamp.In(loc).Format(time.RFC3339),
			Published: e.Until.In(loc).Format(time.RFC3339),
			Link:      atomLink{Rel: "alternate", Type: "text/html", Href: u},
			Summary: atomSummary{Type: "text", Text: fmt.Sprintf(cat.Text(lang, "editions.count"), p.Count) + ": " +
				strings.Join(titles, " · ")},
		})
	}
	if updated.IsZero() {
		updated = time.Unix(0, 0)
	}
	f.Updated = updated.In(loc).Format(time.RFC3339)
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		s.serverError(w, r, lang, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
	_, _ = w.Write([]byte("\n"))
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
