package feed

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/bantin/bantin/article"
)

// Site is what the feeds say about the site that publishes them.
type Site struct {
	// Name is the site's name, the title of the site-wide feeds.
	Name string
	// URL is the public base URL, http or https, with no trailing slash.
	// Every link in every feed is built on it, self links included, so it
	// must be the address readers use.
	URL string
	// Language is the language of the feeds and their entries ("vi").
	Language string
	// Location is the zone dates are written in; nil means +07:00.
	Location *time.Location
	// TagAuthority and TagDate make the tagging entity of every id,
	// tag:AUTHORITY,DATE:... (RFC 4151). The authority is a domain name the
	// publisher owned on the date (YYYY, YYYY-MM or YYYY-MM-DD). Both must
	// never change once feeds are published: readers would see every
	// article again. An empty authority means the host of URL.
	TagAuthority string
	TagDate      string
	// Hub is the URL of a WebSub hub that the feeds announce; empty
	// announces none.
	Hub string
	// CategoryNames gives display names by slug, for categories whose
	// articles do not say (they all do when stored by this version).
	CategoryNames map[string]string
	// ArticleURL returns the web address of an article. Nil, or an empty
	// result, means the article's own link when it has one (articles from
	// upstream feeds) and otherwise its page on this site, URL + a.Path().
	ArticleURL func(*article.Article) string
	// TTL is the RSS <ttl>, how long readers may wait before polling again;
	// it is written in whole minutes, and left out when under a minute.
	TTL time.Duration
}

var (
	tagAuthorityRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
	tagDateRE      = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)
)

// DefaultTagDate is the tagging date used when Site.TagDate is empty.
const DefaultTagDate = "2020"

// TagAuthorityFor returns the tag: authority that an empty
// Site.TagAuthority stands for with this site URL, or an error saying why
// there is none (an IP address literal with a colon, for one).
func TagAuthorityFor(siteURL string) (string, error) {
	u, err := url.Parse(siteURL)
	if err != nil {
		return "", err
	}
	host := strings.ToLower(u.Hostname())
	if !tagAuthorityRE.MatchString(host) {
		return "", fmt.Errorf("host %q cannot name a tag: URI", host)
	}
	return host, nil
}

// ValidTagAuthority reports whether s can be a tag: authority: a lower-case
// domain name.
func ValidTagAuthority(s string) bool { return tagAuthorityRE.MatchString(s) }

// ValidTagDate reports whether s is a tag: date: YYYY, YYYY-MM or
// YYYY-MM-DD.
func ValidTagDate(s string) bool {
	if !tagDateRE.MatchString(s) {
		return false
	}
	layout := [...]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}[len(s)]
	_, err := time.Parse(layout, s)
	return err == nil
}

// site is a checked Site with what every build needs worked out once.
type site struct {
	Site
	base      *url.URL
	tagPrefix string // "tag:example.vn,2020:"
}

func newSite(s Site) (*site, error) {
	s.URL = safeURL(strings.TrimRight(s.URL, "/"))
	s.Hub = safeURL(s.Hub)
	base, err := url.Parse(s.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("feed: site URL %q: want an absolute http or https URL", s.URL)
	}
	if strings.TrimSpace(s.Name) == "" {
		return nil, errors.New("feed: the site needs a name")
	}
	if s.Language == "" {
		s.Language = "vi"
	}
	if s.Location == nil {
		s.Location = time.FixedZone("ICT", 7*3600)
	}
	if s.TagAuthority == "" {
		if s.TagAuthority, err = TagAuthorityFor(s.URL); err != nil {
			return nil, fmt.Errorf("feed: %w; set a tag authority", err)
		}
	}
	if !ValidTagAuthority(s.TagAuthority) {
		return nil, fmt.Errorf("feed: tag authority %q is not a lower-case domain name", s.TagAuthority)
	}
	if s.TagDate == "" {
		s.TagDate = DefaultTagDate
	}
	if !ValidTagDate(s.TagDate) {
		return nil, fmt.Errorf("feed: tag date %q: want YYYY, YYYY-MM or YYYY-MM-DD", s.TagDate)
	}
	// The base for resolving relative links in articles without a link of
	// their own is the site root, as a directory.
	base.Path = strings.TrimRight(base.Path, "/") + "/"
	return &site{Site: s, base: base, tagPrefix: "tag:" + s.TagAuthority + "," + s.TagDate + ":"}, nil
}

// url returns the absolute URL of a feed document.
func (s *site) url(k Key) string { return s.URL + k.Path() }

// home returns the web page a feed stands for: the home page. There are no
// category pages yet; when there are, category feeds should link to them.
func (s *site) home() string { return s.URL + "/" }

// feedID is the Atom id of a feed, shared by its archive pages, which are
// documents of the same logical feed.
func (s *site) feedID(category string) string {
	if category == "" {
		return s.tagPrefix + "feed"
	}
	return s.tagPrefix + "feed/c/" + category
}

// articleID is the id of an article in every format and every feed.
func (s *site) articleID(a *article.Article) string {
	return s.tagPrefix + "article/" + tagEscape(a.ID)
}

// articleURL returns an article's web address; see Site.ArticleURL.
func (s *site) articleURL(a *article.Article) string {
	if s.ArticleURL != nil {
		if u := s.ArticleURL(a); u != "" {
			return safeURL(u)
		}
	}
	if a.Link != "" {
		if u, err := url.Parse(a.Link); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			return safeURL(a.Link)
		}
	}
	return s.URL + a.Path()
}

// tagEscape percent-encodes what a tag: URI's specific part may not hold.
// Article ids are letters, digits and ".-_:" today; this keeps an id from
// some future source from making an invalid URI.
func tagEscape(s string) string {
	ok := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte(";/?:@&=+$.-_!~*'(),", c) >= 0
	}
	clean := true
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; ok(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// strings the feeds show, by language; Vietnamese is the fallback.
func (s *site) title(categoryName string) string {
	if categoryName == "" {
		return s.Name
	}
	return categoryName + " – " + s.Name
}

func (s *site) description(categoryName string, page int) string {
	var d string
	switch {
	case s.Language == "en" && categoryName == "":
		d = "Latest news from " + s.Name
	case s.Language == "en":
		d = "Latest " + categoryName + " news from " + s.Name
	case categoryName == "":
		d = "Tin mới nhất của " + s.Name
	default:
		d = "Tin mới nhất chuyên mục " + categoryName + " của " + s.Name
	}
	if page == 0 {
		return d
	}
	if s.Language == "en" {
		return fmt.Sprintf("%s: archive, page %d", d, page)
	}
	return fmt.Sprintf("%s: lưu trữ, trang %d", d, page)
}
