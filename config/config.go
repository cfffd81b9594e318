// Package config owns bantin's configuration: the one typed Config, the
// defaults that let bantin run with no file at all, loading a YAML file and
// BANTIN_* environment variables over them, validation that names every bad
// key at once, redaction for printing, and the reference generated from the
// struct itself (bantin.example.yaml and docs/config.md).
//
// Values are applied in this order, later ones winning:
//
//  1. [Default];
//  2. the YAML file given to [Load], strictly: an unknown or repeated key is
//     an error naming its key path and file:line, so a typo never passes
//     silently; a key left empty (`addr:`) keeps its default;
//  3. environment variables named BANTIN_ plus the key path in upper case
//     with dots as underscores (http.addr is BANTIN_HTTP_ADDR). An unknown
//     BANTIN_* variable is an error too. A list takes comma-separated values
//     or a YAML flow sequence.
//
// The struct is the single source of truth: the yaml tag gives a key its
// name and the doc tag its documentation. Environment overrides, [Keys], the
// example file and the Markdown reference are all derived from it by
// reflection, so a new field needs no code beyond its declaration, its
// default and, if it has rules, a line in Validate. Fields tagged
// `secret:"true"` are replaced by [Config.Redacted].
//
// The package holds no mutable state; callers pass the *Config they loaded
// to whatever needs it.
package config

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	// The time zone database is embedded so that site.timezone loads on hosts
	// without tzdata (scratch containers, Windows): about 450 KB for dates
	// that are always right.
	_ "time/tzdata"
)

//go:generate go test -run ^(TestGeneratedFiles|TestREADMEReference)$ -update .

// Config is bantin's whole configuration. The zero value is not useful;
// start from [Default] or [Load].
type Config struct {
	Site     Site     `yaml:"site" doc:"The public site: its name, address, language and time zone."`
	HTTP     HTTP     `yaml:"http" doc:"The HTTP server for feeds, article pages, the share and feedback forms and the admin API."`
	Database Database `yaml:"database" doc:"Where articles, subscribers and deliveries are kept."`
	Articles Articles `yaml:"articles" doc:"The directory of article files that bantin imports."`
	Sources  Sources  `yaml:"sources" doc:"Upstream RSS and Atom feeds polled for new articles."`
	Mail     Mail     `yaml:"mail" doc:"How outgoing mail (digests, shares, feedback notices) is delivered."`
	Log      Log      `yaml:"log" doc:"Logging, to standard error."`
}

// Site describes the public site.
type Site struct {
	Name         string `yaml:"name" doc:"Name of the site, shown in feeds, pages and email; required."`
	URL          string `yaml:"url" doc:"Public base URL of the site, used for every link in feeds and email: http or https, no query or fragment. A trailing slash is dropped."`
	Language     string `yaml:"language" doc:"Language of pages, email and feeds: vi (Vietnamese) or en (English)."`
	Timezone     string `yaml:"timezone" doc:"IANA time zone of publication dates and schedules."`
	TemplatesDir string `yaml:"templates_dir" doc:"Directory of template overrides: a file there (such as home.html or layout.html) replaces the embedded template of the same name. Empty uses only the embedded templates."`
}

// HTTP configures the HTTP server.
type HTTP struct {
	Addr            string        `yaml:"addr" doc:"Address to listen on, host:port. An empty host (:8080) listens on every interface; port 0 picks a free port."`
	ReadTimeout     time.Duration `yaml:"read_timeout" doc:"Longest time to read a whole request, headers and body; at least 1s."`
	WriteTimeout    time.Duration `yaml:"write_timeout" doc:"Longest time to write a response; at least 1s."`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" doc:"How long a graceful shutdown waits for requests in flight; 0 stops at once."`
	MaxBodySize     ByteSize      `yaml:"max_body_size" doc:"Largest request body accepted (forms and the admin API); 1KB to 1GB."`
	TrustedProxies  []string      `yaml:"trusted_proxies" doc:"Reverse proxies, as IP addresses or CIDR ranges, whose X-Forwarded-For header is believed when finding a client's address; empty believes none."`
}

// Database says where data is kept.
type Database struct {
	URL          string `yaml:"url" doc:"Database: sqlite://PATH, sqlite:PATH or a bare path ending in .db for the embedded SQLite; postgres://USER:PASSWORD@HOST/DB (or postgresql://) for PostgreSQL, which several instances can share."`
	MaxOpenConns int    `yaml:"max_open_conns" doc:"Most connections open to the database at once; 0 leaves it to the driver."`
}

// Articles configures importing article files.
type Articles struct {
	Dir            string        `yaml:"dir" doc:"Directory of article files: .txt in the portal's plain-text format, .md with front matter."`
	MaxSize        ByteSize      `yaml:"max_size" doc:"Largest article file imported; a bigger one is reported and skipped. 1KB to 1GB."`
	Watch          bool          `yaml:"watch" doc:"Import a file as soon as it changes in articles.dir, besides the periodic rescan."`
	RescanInterval time.Duration `yaml:"rescan_interval" doc:"How often articles.dir is scanned in full, catching what a watcher can miss; 0 disables, otherwise at least 1s."`
	Debounce       time.Duration `yaml:"debounce" doc:"How long a changed file must stay unchanged before it is imported, so a file still being written is read once; 10ms to 2s."`
	Categories     []Category    `yaml:"categories" doc:"Display names of categories, by slug. An article whose category comes from its sub-folder (articles.dir/thoi-su/...) shows the name given here for that folder's slug. Each entry is slug=Name, or a mapping with slug and name."`
}

// Category names the category whose URL form is Slug.
type Category struct {
	Slug string `yaml:"slug" doc:"URL form of the category and the name of its sub-folder: lower-case letters, digits and hyphens." example:"thoi-su"`
	Name string `yaml:"name" doc:"Name readers see, with its diacritics." example:"Thời sự"`
}

// UnmarshalText sets c from "slug=Name", the short form of an entry in YAML
// and the form of entries in BANTIN_ARTICLES_CATEGORIES.
func (c *Category) UnmarshalText(text []byte) error {
	slug, name, ok := strings.Cut(string(text), "=")
	if !ok {
		return fmt.Errorf("category %q: want slug=Name", string(text))
	}
	*c = Category{Slug: strings.TrimSpace(slug), Name: strings.TrimSpace(name)}
	return nil
}

// UnmarshalYAML implements [yaml.Unmarshaler] for plain yaml.Unmarshal,
// accepting "slug=Name" or a mapping with slug and name.
func (c *Category) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		return c.UnmarshalText([]byte(n.Value))
	case yaml.MappingNode:
		type plain Category // without this method, so Decode does not recurse
		var p plain
		if err := n.Decode(&p); err != nil {
			return err
		}
		*c = Category(p)
		return nil
	}
	return fmt.Errorf("line %d: a category must be slug=Name or a mapping", n.Line)
}

// CategoryNames returns articles.categories as a map from slug to name.
func (c *Config) CategoryNames() map[string]string {
	m := make(map[string]string, len(c.Articles.Categories))
	for _, cat := range c.Articles.Categories {
		m[cat.Slug] = cat.Name
	}
	return m
}

// defaultCategories are the sections most Vietnamese news portals have, so
// that folders named after them show their proper names with no setup.
func defaultCategories() []Category {
	return []Category{
		{"thoi-su", "Thời sự"}, {"the-gioi", "Thế giới"}, {"kinh-te", "Kinh tế"},
		{"xa-hoi", "Xã hội"}, {"van-hoa", "Văn hóa"}, {"giao-duc", "Giáo dục"},
		{"the-thao", "Thể thao"}, {"suc-khoe", "Sức khỏe"}, {"phap-luat", "Pháp luật"},
		{"khoa-hoc", "Khoa học"}, {"cong-nghe", "Công nghệ"}, {"du-lich", "Du lịch"},
	}
}

// Sources configures polling upstream feeds.
type Sources struct {
	Feeds       []Feed        `yaml:"feeds" doc:"Upstream RSS or Atom feeds to import articles from. Each entry is the URL of a feed, or a mapping with url, category and name."`
	Schedule    string        `yaml:"schedule" doc:"When to poll the feeds, in site.timezone: a cron spec (minute hour day-of-month month day-of-week) or a descriptor such as @hourly or @every 15m."`
	Timeout     time.Duration `yaml:"timeout" doc:"Longest time to fetch one feed; at least 1s."`
	MaxSize     ByteSize      `yaml:"max_size" doc:"Largest feed document fetched; a bigger one is abandoned. 1KB to 1GB."`
	UserAgent   string        `yaml:"user_agent" doc:"User-Agent header sent when fetching feeds; empty sends bantin/VERSION (+site.url)."`
	Concurrency int           `yaml:"concurrency" doc:"How many feeds are fetched at the same time; 1 to 64."`
}

// Feed is one upstream feed. In YAML it is either a mapping or just its URL.
type Feed struct {
	URL      string `yaml:"url" doc:"Address of the feed, http or https; required." example:"https://example.com/rss/the-gioi.rss"`
	Category string `yaml:"category,omitempty" doc:"Category given to articles from this feed; empty keeps the feed's own." example:"Thế giới"`
	Name     string `yaml:"name,omitempty" doc:"Name of the source shown to editors; empty uses the feed's title." example:"Example World"`
}

// UnmarshalText sets f to the feed at the URL text, the short form of an
// entry in YAML and the form of entries in BANTIN_SOURCES_FEEDS.
func (f *Feed) UnmarshalText(text []byte) error {
	*f = Feed{URL: strings.TrimSpace(string(text))}
	return nil
}

// UnmarshalYAML implements [yaml.Unmarshaler] for plain yaml.Unmarshal,
// accepting a URL or a mapping with only the keys of Feed. ([Load] does not
// use it; it reports problems with their full key path itself.)
func (f *Feed) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		return f.UnmarshalText([]byte(n.Value))
	case yaml.MappingNode:
		known := fieldIndex(reflect.TypeFor[Feed]())
		for i := 0; i+1 < len(n.Content); i += 2 {
			if _, ok := known[n.Content[i].Value]; !ok {
				return fmt.Errorf("line %d: unknown key %q in a feed", n.Content[i].Line, n.Content[i].Value)
			}
		}
		type plain Feed // without this method, so Decode does not recurse
		var p plain
		if err := n.Decode(&p); err != nil {
			return err
		}
		*f = Feed(p)
		return nil
	}
	return fmt.Errorf("line %d: a feed must be a URL or a mapping", n.Line)
}

// Mail configures outgoing mail.
type Mail struct {
	Transport string `yaml:"transport" doc:"How mail is delivered. This version has only maildir: each message becomes a file in mail.maildir, readable with a local mail client."`
	Maildir   string `yaml:"maildir" doc:"Maildir directory that receives outgoing messages when mail.transport is maildir; created if missing."`
	From      string `yaml:"from" doc:"Sender of digests and notices, as an address such as: Bản tin <no-reply@example.com>."`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level" doc:"Least severe messages logged: debug, info, warn or error."`
	Format string `yaml:"format" doc:"Log line format: text (key=value pairs) or json."`
}

// Default returns the configuration bantin runs with when there is no file
// and no environment: SQLite in ./bantin.db and mail into a Maildir under
// ./var/mail, so a new user sees real results without setting anything up.
func Default() *Config {
	return &Config{
		Site: Site{
			Name:     "Bản tin",
			URL:      "http://127.0.0.1:8080",
			Language: "vi",
			Timezone: "Asia/Ho_Chi_Minh",
		},
		HTTP: HTTP{
			Addr:            "127.0.0.1:8080",
			ReadTimeout:     10 * time.Second,
			WriteTimeout:    30 * time.Second,
			ShutdownTimeout: 15 * time.Second,
			MaxBodySize:     1 * MB,
		},
		Database: Database{
			URL: "sqlite://./bantin.db",
		},
		Articles: Articles{
			Dir:            "./articles",
			MaxSize:        2 * MB,
			Watch:          true,
			RescanInterval: time.Minute,
			Debounce:       300 * time.Millisecond,
			Categories:     defaultCategories(),
		},
		Sources: Sources{
			Schedule:    "*/10 * * * *",
			Timeout:     20 * time.Second,
			MaxSize:     10 * MB,
			Concurrency: 4,
		},
		Mail: Mail{
			Transport: "maildir",
			Maildir:   "./var/mail",
			From:      "Bản tin <no-reply@localhost>",
		},
		Log: Log{
			Level:  "info",
			Format: "text",
		},
	}
}

// ict is Vietnam's time, UTC+07:00 all year (no daylight saving), used when
// the configured zone cannot be loaded.
var ict = time.FixedZone("ICT", 7*60*60)

// Location returns the site's time zone. If site.timezone does not load (it
// is empty, or invalid, which Validate reports) it returns a fixed UTC+07:00
// zone named ICT, which is right for Vietnam all year. Loading reads the
// zone database, so call it once and keep the result.
func (c *Config) Location() *time.Location {
	if c.Site.Timezone == "" {
		return ict
	}
	loc, err := time.LoadLocation(c.Site.Timezone)
	if err != nil {
		return ict
	}
	return loc
}

// Database dialects returned by [Config.DatabaseDialect].
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// DatabaseDialect returns [DialectSQLite] or [DialectPostgres] according to
// database.url, or "" when the URL is neither (Validate reports it).
func (c *Config) DatabaseDialect() string {
	d, _ := parseDatabaseURL(c.Database.URL)
	return d
}

// SQLitePath returns the SQLite database path from database.url, with any
// ?query of driver options kept, or "" when the database is not SQLite.
// "sqlite://./bantin.db" gives "./bantin.db", "sqlite:///var/lib/b.db" gives
// "/var/lib/b.db" and "sqlite:b.db" gives "b.db".
func (c *Config) SQLitePath() string {
	d, p := parseDatabaseURL(c.Database.URL)
	if d != DialectSQLite {
		return ""
	}
	return p
}

// parseDatabaseURL recognises the database.url forms. SQLite forms are not
// given to url.Parse: in sqlite://./bantin.db it would take "." for a host.
func parseDatabaseURL(s string) (dialect, path string) {
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "sqlite://"):
		return DialectSQLite, s[len("sqlite://"):]
	case strings.HasPrefix(lower, "sqlite:"):
		return DialectSQLite, s[len("sqlite:"):]
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return DialectPostgres, ""
	case !strings.Contains(s, ":") &&
		(strings.HasSuffix(lower, ".db") || strings.HasSuffix(lower, ".sqlite") || strings.HasSuffix(lower, ".sqlite3")):
		return DialectSQLite, s
	}
	return "", ""
}
