package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bantin/bantin/internal/cronspec"
	"github.com/bantin/bantin/store"
)

// FieldError is one problem with the configuration.
type FieldError struct {
	// Key is the key path, such as "http.addr" or "sources.feeds[1].url".
	// It is empty for an unknown environment variable.
	Key string
	// Reason says what is wrong, and usually what would be right.
	Reason string
	// Source is where the bad value came from: "bantin.yaml:12" or an
	// environment variable's name. It is empty for values that came from
	// the defaults or were set in code, and is only filled in by Load.
	Source string
}

// Error returns "key: reason", preceded by "source: " when Source is known.
func (e FieldError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// ValidationErrors is every problem found, so that an operator can fix them
// all in one go rather than one per restart.
type ValidationErrors []FieldError

// Error lists the problems one per line.
func (v ValidationErrors) Error() string {
	lines := make([]string, len(v))
	for i, e := range v {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// touches reports whether v has a problem with key, with a key inside it,
// or with a key that holds it.
func (v ValidationErrors) touches(key string) bool {
	for _, e := range v {
		if e.Key != "" && (within(key, e.Key) || within(e.Key, key)) {
			return true
		}
	}
	return false
}

// within reports whether key is outer or a part of it.
func within(key, outer string) bool {
	if !strings.HasPrefix(key, outer) {
		return false
	}
	rest := key[len(outer):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}

// Validate checks every key and returns nil or [ValidationErrors] listing
// every bad one, in the order of the keys in the struct.
func (c *Config) Validate() error {
	if errs := c.validate(); len(errs) > 0 {
		return errs
	}
	return nil
}

var categorySlug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

type checker struct{ errs ValidationErrors }

func (ch *checker) add(key, format string, args ...any) {
	ch.errs = append(ch.errs, FieldError{Key: key, Reason: fmt.Sprintf(format, args...)})
}

func (c *Config) validate() ValidationErrors {
	ch := &checker{}

	// site
	if strings.TrimSpace(c.Site.Name) == "" {
		ch.add("site.name", "required")
	} else if !oneLine(c.Site.Name) {
		ch.add("site.name", "must be one line of text")
	}
	if reason := checkSiteURL(c.Site.URL); reason != "" {
		ch.add("site.url", "%s", reason)
	}
	if c.Site.Language != "vi" && c.Site.Language != "en" {
		ch.add("site.language", "must be vi or en, not %q", c.Site.Language)
	}
	if c.Site.Timezone == "" {
		ch.add("site.timezone", "required, such as Asia/Ho_Chi_Minh")
	} else if _, err := time.LoadLocation(c.Site.Timezone); err != nil {
		ch.add("site.timezone", "unknown time zone %q; use an IANA name such as Asia/Ho_Chi_Minh", c.Site.Timezone)
	}
	if c.Site.Contact != "" {
		if a, err := mail.ParseAddress(c.Site.Contact); err != nil || a.Name != "" || !oneLine(c.Site.Contact) {
			ch.add("site.contact", "%q is not a bare email address such as toasoan@example.com", c.Site.Contact)
		}
	}

	// http
	if reason := checkAddr(c.HTTP.Addr); reason != "" {
		ch.add("http.addr", "%s", reason)
	}
	atLeast(ch, "http.read_timeout", c.HTTP.ReadTimeout, time.Second)
	atLeast(ch, "http.write_timeout", c.HTTP.WriteTimeout, time.Second)
	if c.HTTP.ShutdownTimeout < 0 {
		ch.add("http.shutdown_timeout", "must not be negative")
	}
	sizeBetween(ch, "http.max_body_size", c.HTTP.MaxBodySize, KB, GB)
	for i, p := range c.HTTP.TrustedProxies {
		if !isIPOrPrefix(p) {
			ch.add(index("http.trusted_proxies", i), "%q is not an IP address or CIDR range such as 10.0.0.0/8", p)
		}
	}

	// database: as store.Open reads it, so that a URL that passes here
	// opens, and one that would not is reported here.
	if _, _, err := store.ParseURL(c.Database.URL); err != nil {
		var ue *store.URLError
		if errors.As(err, &ue) {
			ch.add("database.url", "%s", ue.Reason)
		} else {
			ch.add("database.url", "%v", err)
		}
	}
	if c.Database.MaxOpenConns < 0 {
		ch.add("database.max_open_conns", "must not be negative (0 leaves it to the driver)")
	}

	// articles
	if strings.TrimSpace(c.Articles.Dir) == "" {
		ch.add("articles.dir", "required")
	}
	sizeBetween(ch, "articles.max_size", c.Articles.MaxSize, KB, GB)
	if d := c.Articles.RescanInterval; d != 0 && d < time.Second {
		ch.add("articles.rescan_interval", "must be 0 (off) or at least 1s, not %s", d)
	}
	if d := c.Articles.Debounce; d < 10*time.Millisecond || d > 2*time.Second {
		ch.add("articles.debounce", "must be between 10ms and 2s, not %s", d)
	}

	// sources
	seen := map[string]int{}
	if k := c.Security.SecretKey; k == redactedText {
		ch.add("security.secret_key", "is the placeholder that config print writes; put the real key here, or leave it empty to use the generated one")
	} else if k != "" && len(k) < 32 {
		ch.add("security.secret_key", "is %d characters; use at least 32 (e.g. openssl rand -base64 48), or leave it empty to have one generated", len(k))
	}

	seenSlugs := map[string]int{}
	for i, cat := range c.Articles.Categories {
		key := index("articles.categories", i)
		switch {
		case !categorySlug.MatchString(cat.Slug):
			ch.add(key+".slug", "%q is not a slug: use lower-case letters, digits and single hyphens, such as thoi-su", cat.Slug)
		default:
			if first, dup := seenSlugs[cat.Slug]; dup {
				ch.add(key+".slug", "same slug as articles.categories[%d]", first)
			}
			seenSlugs[cat.Slug] = i
		}
		if strings.TrimSpace(cat.Name) == "" || !oneLine(cat.Name) {
			ch.add(key+".name", "must be one non-empty line of text")
		}
	}

	for i, f := range c.Sources.Feeds {
		key := index("sources.feeds", i)
		if reason := checkFeedURL(f.URL); reason != "" {
			ch.add(key+".url", "%s", reason)
		} else if first, dup := seen[f.URL]; dup {
			ch.add(key+".url", "same feed as sources.feeds[%d]", first)
		} else {
			seen[f.URL] = i
		}
		if !oneLine(f.Category) {
			ch.add(key+".category", "must be one line of text")
		}
		if !oneLine(f.Name) {
			ch.add(key+".name", "must be one line of text")
		}
	}
	if err := checkCron(c.Sources.Schedule); err != nil {
		ch.add("sources.schedule", "%v", err)
	}
	atLeast(ch, "sources.timeout", c.Sources.Timeout, time.Second)
	sizeBetween(ch, "sources.max_size", c.Sources.MaxSize, KB, GB)
	if !oneLine(c.Sources.UserAgent) {
		// It becomes an HTTP header: a line break would split it.
		ch.add("sources.user_agent", "must be one line of printable text")
	}
	if n := c.Sources.Concurrency; n < 1 || n > 64 {
		ch.add("sources.concurrency", "must be between 1 and 64, not %d", n)
	}

	// feeds
	c.validateFeeds(ch)

	// mail
	c.validateMail(ch)

	// newsletter, delivery
	c.validateNewsletter(ch)
	c.validateEditions(ch)

	// share, feedback, admin
	c.validateShare(ch)

	// log
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		ch.add("log.level", "must be debug, info, warn or error, not %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		ch.add("log.format", "must be text or json, not %q", c.Log.Format)
	}

	sortByKey(ch.errs)
	return ch.errs
}

func index(key string, i int) string {
	return key + "[" + strconv.Itoa(i) + "]"
}

func atLeast(ch *checker, key string, d, lo time.Duration) {
	if d < lo {
		ch.add(key, "must be at least %s, not %s", lo, d)
	}
}

func sizeBetween(ch *checker, key string, n, lo, hi ByteSize) {
	if n < lo || n > hi {
		ch.add(key, "must be between %s and %s, not %s", lo, hi, n)
	}
}

// oneLine reports whether s has no control characters, which in a header
// or a log line would start a new one.
func oneLine(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) < 0
}

func isIPOrPrefix(s string) bool {
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

func checkAddr(addr string) string {
	const want = "must be host:port, such as 127.0.0.1:8080 or :8080"
	if addr == "" {
		return "required; " + want
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return want
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Sprintf("bad host %q; %s", host, want)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Sprintf("port must be a number from 0 to 65535, not %q", port)
	}
	return ""
}

// urlErrReason returns the reason url.Parse failed without the URL itself,
// which may hold a password and would end up in logs.
func urlErrReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// checkHTTPURL returns why s is not an absolute http or https URL, or "".
func checkHTTPURL(s string) (*url.URL, string) {
	if s == "" {
		return nil, "required"
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, "not a valid URL: " + urlErrReason(err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, "must start with http:// or https://"
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, "has no host name"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.ParseUint(p, 10, 16); err != nil || n == 0 {
			return nil, "has a bad port"
		}
	}
	return u, ""
}

func checkSiteURL(s string) string {
	u, reason := checkHTTPURL(s)
	switch {
	case reason != "":
		return reason
	case u.User != nil:
		// Every link in every feed and email is built on it.
		return "must not contain a user name or password"
	case u.RawQuery != "" || u.ForceQuery:
		return "must not have a query (?...)"
	case u.Fragment != "" || strings.Contains(s, "#"):
		return "must not have a fragment (#...)"
	}
	return ""
}

// tagAuthority and tagDate are what feed ids (tag: URIs, RFC 4151) allow,
// as strictly as the W3C feed validator reads them.
var (
	tagAuthority = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
	tagDate      = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)
)

func (c *Config) validateFeeds(ch *checker) {
	f := c.Feeds
	if f.Items < 1 || f.Items > 500 {
		ch.add("feeds.items", "must be between 1 and 500, not %d", f.Items)
	}
	if f.MaxAge < 0 || f.MaxAge > 24*time.Hour {
		ch.add("feeds.max_age", "must be between 0s and 24h, not %s", f.MaxAge)
	}
	if f.ArchiveSize < 0 || (f.ArchiveSize > f.Items && f.Items >= 1) {
		// A bigger page would leave the articles between the newest full
		// page and the current feed in neither.
		ch.add("feeds.archive_size", "must be between 0 (no archive) and feeds.items (%d), not %d", f.Items, f.ArchiveSize)
	}
	if f.ArchiveMaxAge < f.MaxAge || f.ArchiveMaxAge > 8760*time.Hour {
		ch.add("feeds.archive_max_age", "must be between feeds.max_age (%s) and 8760h, not %s", f.MaxAge, f.ArchiveMaxAge)
	}
	if f.WebSubHub != "" {
		if u, reason := checkHTTPURL(f.WebSubHub); reason != "" {
			ch.add("feeds.websub_hub", "%s", reason)
		} else if u.User != nil {
			ch.add("feeds.websub_hub", "must not contain a user name or password: every feed shows it")
		}
	}
	sizeBetween(ch, "feeds.cache_size", f.CacheSize, MB, 16*GB)
	switch {
	case f.TagAuthority != "":
		if !tagAuthority.MatchString(f.TagAuthority) {
			ch.add("feeds.tag_authority", "%q is not a domain name in lower case, such as tin.example.vn", f.TagAuthority)
		}
	case checkSiteURL(c.Site.URL) == "":
		u, _ := url.Parse(c.Site.URL)
		if host := u.Hostname(); !tagAuthority.MatchString(host) {
			ch.add("feeds.tag_authority", "required: the host of site.url (%s) cannot be used in ids; give a domain name in lower case", host)
		}
	}
	if !validTagDate(f.TagDate) {
		ch.add("feeds.tag_date", "must be a date written YYYY, YYYY-MM or YYYY-MM-DD, not %q", f.TagDate)
	}
}

func validTagDate(s string) bool {
	if !tagDate.MatchString(s) {
		return false
	}
	layout := map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}[len(s)]
	_, err := time.Parse(layout, s)
	return err == nil
}

func checkFeedURL(s string) string {
	_, reason := checkHTTPURL(s)
	return reason
}

// checkCron parses spec as the feed poller and the edition scheduler
// will.
func checkCron(spec string) error {
	_, err := cronspec.Parse(spec)
	return err
}

var indexPattern = regexp.MustCompile(`\[\d+\]`)

// sortByKey orders errs by the position of their keys in the struct; the
// entries of a list by index, and the keys of one entry in struct order.
func sortByKey(errs ValidationErrors) {
	rank := map[string]int{}
	for i, k := range Keys() {
		rank[k.Key] = i
	}
	rankOf := func(key string) int {
		for k := indexPattern.ReplaceAllString(key, "[]"); k != ""; k = parentKey(k) {
			if r, ok := rank[k]; ok {
				return r
			}
		}
		return len(rank)
	}
	type sortKey struct{ leaf, index, full int }
	keyOf := func(key string) sortKey {
		leaf, rest, _ := strings.Cut(key, "[")
		i := -1
		if n, _, ok := strings.Cut(rest, "]"); ok {
			i, _ = strconv.Atoi(n)
		}
		return sortKey{rankOf(leaf), i, rankOf(key)}
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := keyOf(errs[i].Key), keyOf(errs[j].Key)
		if a.leaf != b.leaf {
			return a.leaf < b.leaf
		}
		if a.index != b.index {
			return a.index < b.index
		}
		return a.full < b.full
	})
}

func (c *Config) validateNewsletter(ch *checker) {
	n := &c.Newsletter
	if d := n.ConfirmTTL; d < time.Hour || d > 720*time.Hour {
		ch.add("newsletter.confirm_ttl", "must be between 1h and 720h, not %s", d)
	}
	atLeast(ch, "newsletter.link_ttl", n.LinkTTL, 24*time.Hour)
	if n.SubscribePerIP < 0 {
		ch.add("newsletter.subscribe_per_ip", "must not be negative (0 is no limit), not %d", n.SubscribePerIP)
	}
	if d := n.MinFillTime; d < 0 || d > time.Minute {
		ch.add("newsletter.min_fill_time", "must be between 0s and 1m, not %s", d)
	}
	if k := n.ConfirmationsPerAddress; k < 1 || k > 20 {
		ch.add("newsletter.confirmations_per_address", "must be between 1 and 20, not %d", k)
	}
}

func (c *Config) validateMail(ch *checker) {
	m := &c.Mail
	switch m.Transport {
	case "maildir":
		if strings.TrimSpace(m.Maildir) == "" {
			ch.add("mail.maildir", "required when mail.transport is maildir")
		}
	case "smtp":
		if m.SMTP.Host == "" {
			ch.add("mail.smtp.host", "required when mail.transport is smtp")
		}
	default:
		ch.add("mail.transport", "must be maildir or smtp, not %q", m.Transport)
	}
	if m.From == "" {
		ch.add("mail.from", "required, such as: Bản tin <no-reply@example.com>")
	} else if !oneLine(m.From) {
		ch.add("mail.from", "must be one line of text")
	} else if _, err := mail.ParseAddress(m.From); err != nil {
		ch.add("mail.from", "not a valid address (%v); use the form: Bản tin <no-reply@example.com>", err)
	}
	if m.Rate < 0 {
		ch.add("mail.rate", "must not be negative (0 is no limit), not %d", m.Rate)
	}

	// The smtp keys are checked whatever the transport, so that a mistake
	// shows before the day the transport is switched.
	s := &m.SMTP
	if s.Host != "" {
		if reason := checkMailHost(s.Host); reason != "" {
			ch.add("mail.smtp.host", "%s", reason)
		}
	}
	if s.Port < 0 || s.Port > 65535 {
		ch.add("mail.smtp.port", "must be from 1 to 65535, or 0 for the usual port of mail.smtp.tls, not %d", s.Port)
	}
	switch s.TLS {
	case "none", "starttls", "tls":
	default:
		ch.add("mail.smtp.tls", "must be starttls, tls or none, not %q", s.TLS)
	}
	switch {
	case s.Username != "" && s.Password == "":
		ch.add("mail.smtp.password", "required with mail.smtp.username")
	case s.Username == "" && s.Password != "":
		ch.add("mail.smtp.username", "required with mail.smtp.password")
	case !oneLine(s.Username):
		ch.add("mail.smtp.username", "must be one line of text")
	case s.Username != "" && s.TLS == "none":
		// go-mail would refuse to send the password in the clear anyway;
		// say so here rather than on the first message.
		ch.add("mail.smtp.username", "authentication needs mail.smtp.tls starttls or tls, so the password is never sent in the clear")
	}
	if n := s.Connections; n < 1 || n > 100 {
		ch.add("mail.smtp.connections", "must be between 1 and 100, not %d", n)
	}
	atLeast(ch, "mail.smtp.timeout", s.Timeout, time.Second)
	if s.HELO != "" && !isHostName(s.HELO) {
		ch.add("mail.smtp.helo", "%q is not a host name such as mail.example.com", s.HELO)
	}

	d := &m.DKIM
	if d.Domain != "" && !isHostName(d.Domain) {
		ch.add("mail.dkim.domain", "%q is not a domain name such as example.com", d.Domain)
	}
	hasKey := d.PrivateKeyFile != "" || d.PrivateKey != ""
	switch {
	case d.Selector != "" && !isHostName(d.Selector):
		ch.add("mail.dkim.selector", "%q is not a selector: use letters, digits, hyphens and dots, such as bantin2026", d.Selector)
	case d.Selector == "" && hasKey:
		ch.add("mail.dkim.selector", "required with a key, such as bantin2026 for the TXT record bantin2026._domainkey.DOMAIN")
	case d.Selector != "" && !hasKey:
		ch.add("mail.dkim.selector", "set, but no key is: give mail.dkim.private_key_file, or leave both empty")
	}
	if d.PrivateKeyFile != "" && d.PrivateKey != "" {
		ch.add("mail.dkim.private_key", "set both this and mail.dkim.private_key_file; give one")
	} else if _, err := c.DKIMKey(); err != nil {
		var fe FieldError
		if errors.As(err, &fe) {
			ch.add(fe.Key, "%s", fe.Reason)
		} else {
			ch.add("mail.dkim.private_key_file", "%v", err)
		}
	}
}

// checkMailHost returns why s is not a host name or IP address to connect
// to, or "".
func checkMailHost(s string) string {
	if strings.Contains(s, "://") {
		return "must be a host name such as smtp.example.com, not a URL"
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return ""
	}
	if _, _, err := net.SplitHostPort(s); err == nil {
		return "must not include a port; set mail.smtp.port"
	}
	if !isHostName(s) {
		return fmt.Sprintf("%q is not a host name or IP address", s)
	}
	return ""
}

// isHostName reports whether s looks like a DNS name: labels of letters,
// digits, hyphens and underscores (or non-ASCII letters, for
// internationalised names) separated by single dots.
func isHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || r >= utf8.RuneSelf && unicode.IsMark(r)) {
				return false
			}
		}
	}
	return true
}
