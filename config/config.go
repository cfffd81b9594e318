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
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
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
	Site       Site       `yaml:"site" doc:"The public site: its name, address, language and time zone."`
	HTTP       HTTP       `yaml:"http" doc:"The HTTP server for feeds, article pages, the share and feedback forms and the admin API."`
	Database   Database   `yaml:"database" doc:"Where articles, subscribers and deliveries are kept."`
	Articles   Articles   `yaml:"articles" doc:"The directory of article files that bantin imports."`
	Sources    Sources    `yaml:"sources" doc:"Upstream RSS and Atom feeds polled for new articles."`
	Feeds      Feeds      `yaml:"feeds" doc:"The RSS, Atom and JSON feeds that bantin publishes: /rss.xml, /atom.xml and /feed.json for the whole site, /c/SLUG/rss.xml and so on for each category."`
	Mail       Mail       `yaml:"mail" doc:"How outgoing mail (digests, shares, feedback notices) is delivered."`
	Newsletter Newsletter `yaml:"newsletter" doc:"Subscribing to the newsletter: confirmation and preference links, the limits that keep the subscribe form from being abused, and when digests go out."`
	Delivery   Delivery   `yaml:"delivery" doc:"The queue that sends digests: its workers, retries and bounces, and how many digests a crash can send twice."`
	Share      Share      `yaml:"share" doc:"\"Gửi cho bạn bè\": the form that emails an article to friends, and every limit that keeps it from being a spam relay."`
	Feedback   Feedback   `yaml:"feedback" doc:"\"Phản hồi\": readers' feedback on articles, its moderation queue and the editors' notices."`
	Admin      Admin      `yaml:"admin" doc:"The admin API (feedback moderation), authenticated by a bearer token."`
	Security   Security   `yaml:"security" doc:"Keys that sign links and forms."`
	Log        Log        `yaml:"log" doc:"Logging, to standard error."`
}

// Site describes the public site.
type Site struct {
	Name         string `yaml:"name" doc:"Name of the site, shown in feeds, pages and email; required."`
	URL          string `yaml:"url" doc:"Public base URL of the site, used for every link in feeds and email: http or https, no query or fragment. A trailing slash is dropped."`
	Language     string `yaml:"language" doc:"Language of pages, email and feeds: vi (Vietnamese) or en (English)."`
	Timezone     string `yaml:"timezone" doc:"IANA time zone of publication dates and schedules."`
	TemplatesDir string `yaml:"templates_dir" doc:"Directory of template overrides: a file there (such as home.html or layout.html) replaces the embedded template of the same name. Empty uses only the embedded templates."`
	Contact      string `yaml:"contact" doc:"The portal's contact email address, shown in the footers of pages and email so that readers can reach a person; empty shows none."`
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

// Feeds configures the feeds bantin publishes.
type Feeds struct {
	Items         int           `yaml:"items" doc:"How many articles each feed holds, the newest by publication date; 1 to 500."`
	MaxAge        time.Duration `yaml:"max_age" doc:"How long feed readers and caches may keep a feed before asking again: the Cache-Control max-age of every feed and the RSS ttl. 0s to 24h."`
	ArchiveSize   int           `yaml:"archive_size" doc:"Articles per archive page: older articles are published as RFC 5005 archived feeds (/archive/N/rss.xml, /archive/N/atom.xml), so that a reader that was away can catch up. 0 publishes no archive; at most feeds.items."`
	ArchiveMaxAge time.Duration `yaml:"archive_max_age" doc:"Cache-Control max-age of full archive pages, which change only when one of their articles is corrected; from feeds.max_age to 8760h."`
	WebSubHub     string        `yaml:"websub_hub" doc:"WebSub hub that the feeds announce and that is told of every change, so that subscribers get new articles at once, such as https://pubsubhubbub.appspot.com/; empty announces none."`
	CacheSize     ByteSize      `yaml:"cache_size" doc:"Memory for built feeds, counted gzipped (a quarter more may hold uncompressed copies); the least recently read are dropped past it and rebuilt when asked for. 1MB to 16GB."`
	TagAuthority  string        `yaml:"tag_authority" doc:"Domain name in the ids of feeds and articles (tag:DOMAIN,DATE:...), which readers use to tell articles apart; empty uses the host of site.url. Set it before the feeds are public and never change it, or readers see every article again."`
	TagDate       string        `yaml:"tag_date" doc:"Date in those ids, YYYY, YYYY-MM or YYYY-MM-DD, on which the domain was yours; never change it either."`
}

// Mail configures outgoing mail.
type Mail struct {
	Transport string `yaml:"transport" doc:"How mail is delivered: smtp hands it to the server in mail.smtp; maildir writes each message as a file in mail.maildir, readable with a local mail client."`
	Maildir   string `yaml:"maildir" doc:"Maildir directory that receives outgoing messages when mail.transport is maildir; created if missing."`
	From      string `yaml:"from" doc:"Sender of digests and notices, as an address such as: Bản tin <no-reply@example.com>."`
	Rate      int    `yaml:"rate" doc:"Most messages sent per second, over all connections, to stay within what the SMTP server or relay accepts; 0 is no limit."`
	SMTP      SMTP   `yaml:"smtp" doc:"The SMTP server (a relay or a submission service) that mail is handed to when mail.transport is smtp."`
	DKIM      DKIM   `yaml:"dkim" doc:"DKIM signing of every message, which mailbox providers expect of bulk mail. Off until a key is given."`
}

// SMTP configures the connections to the SMTP server.
type SMTP struct {
	Host        string        `yaml:"host" doc:"Name or IP address of the SMTP server, without a port; required when mail.transport is smtp."`
	Port        int           `yaml:"port" doc:"Port of the SMTP server; 0 uses the usual one for mail.smtp.tls: 587 for starttls, 465 for tls, 25 for none."`
	TLS         string        `yaml:"tls" doc:"Encryption: starttls (a plain connection upgraded with STARTTLS, which is then required), tls (TLS from the first byte, usually port 465) or none (only for a relay on this host or a trusted network)."`
	Username    string        `yaml:"username" doc:"User name to authenticate with; empty sends without authenticating. Needs mail.smtp.tls starttls or tls."`
	Password    string        `yaml:"password" secret:"true" doc:"Password for mail.smtp.username; better given as BANTIN_MAIL_SMTP_PASSWORD than written in a file."`
	Connections int           `yaml:"connections" doc:"How many connections are open and used at the same time; 1 to 100. Each carries message after message, and is opened again after a failure."`
	Timeout     time.Duration `yaml:"timeout" doc:"Longest wait for each step of a conversation with the server (connecting, a reply, sending a message) before the message is left for a later retry; at least 1s."`
	HELO        string        `yaml:"helo" doc:"Host name given in EHLO; empty uses this machine's host name. Some servers expect a name that resolves to the sending host."`
}

// DKIM configures DKIM signing.
type DKIM struct {
	Domain         string `yaml:"domain" doc:"Signing domain (d=); empty uses the domain of mail.from, which is what DMARC alignment needs."`
	Selector       string `yaml:"selector" doc:"Selector (s=): the public key is published as a TXT record at SELECTOR._domainkey.DOMAIN. Required with a key."`
	PrivateKeyFile string `yaml:"private_key_file" doc:"PEM file holding the private key, which turns signing on: RSA (at least 1024 bits, 2048 recommended) or Ed25519, PKCS #1 or PKCS #8. The algorithm, rsa-sha256 or ed25519-sha256, follows from the key."`
	PrivateKey     string `yaml:"private_key" secret:"true" doc:"The private key itself, in PEM, instead of mail.dkim.private_key_file; for BANTIN_MAIL_DKIM_PRIVATE_KEY."`
}

// DKIMKey returns the private key configured in mail.dkim, or nil if none
// is (signing is off). An error names the key it came from: the file
// cannot be read, is not a PEM private key, or holds a key DKIM cannot
// use.
func (c *Config) DKIMKey() (crypto.Signer, error) {
	key, data := "mail.dkim.private_key", []byte(c.Mail.DKIM.PrivateKey)
	if c.Mail.DKIM.PrivateKeyFile != "" {
		key = "mail.dkim.private_key_file"
		var err error
		if data, err = os.ReadFile(c.Mail.DKIM.PrivateKeyFile); err != nil {
			return nil, FieldError{Key: key, Reason: "cannot read the key: " + err.Error()}
		}
	} else if len(data) == 0 {
		return nil, nil
	}
	signer, err := parseDKIMKey(data)
	if err != nil {
		return nil, FieldError{Key: key, Reason: err.Error()}
	}
	return signer, nil
}

// parseDKIMKey parses a PEM private key that DKIM can sign with. The
// reasons it gives never quote the key.
func parseDKIMKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("not a PEM private key (-----BEGIN PRIVATE KEY----- ...)")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q is not an unencrypted private key; want PRIVATE KEY or RSA PRIVATE KEY", block.Type)
	}
	if err != nil {
		return nil, errors.New("the private key does not parse; want RSA or Ed25519 in PKCS #1 or PKCS #8")
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < 1024 {
			return nil, fmt.Errorf("RSA key of %d bits; DKIM needs at least 1024 (2048 recommended)", bits)
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("%T keys cannot sign DKIM; use RSA or Ed25519", key)
}

// Newsletter configures subscribing and the links in newsletter email.
type Newsletter struct {
	ConfirmTTL              time.Duration `yaml:"confirm_ttl" doc:"How long the link in a confirmation email stays valid; 1h to 720h (30 days)."`
	LinkTTL                 time.Duration `yaml:"link_ttl" doc:"How long the preferences and unsubscribe links in every newsletter email stay valid; at least 24h. Long, since people unsubscribe from old mail: the links are signed, not stored, so they cost nothing to keep."`
	SubscribePerIP          int           `yaml:"subscribe_per_ip" doc:"Most subscriptions accepted from one IP address (one IPv6 /64) in an hour; 0 is no limit."`
	MinFillTime             time.Duration `yaml:"min_fill_time" doc:"Shortest time between showing the subscribe form and its submission; faster ones are taken for a robot and asked to submit again. 0s to 1m."`
	ConfirmationsPerAddress int           `yaml:"confirmations_per_address" doc:"Most confirmation emails sent to one address in 24 hours, however often it is subscribed; 1 to 20. The form's answer is the same either way."`
	Daily                   string        `yaml:"daily" doc:"When daily digests go out, in site.timezone: a cron spec (minute hour day-of-month month day-of-week). Each covers what was published since the subscriber's last one; a first one, the last 24 hours."`
	Weekly                  string        `yaml:"weekly" doc:"When weekly digests go out, in site.timezone: a cron spec. A first one covers the last 7 days."`
	InstantWindow           time.Duration `yaml:"instant_window" doc:"Subscribers who want new articles as they come get what was published in each window of this length, at its end; 1m to 24h."`
	MaxArticles             int           `yaml:"max_articles" doc:"Most articles in one digest, the newest kept (a subscriber back after a long pause gets the latest, not a flood); 1 to 500."`
}

// Security holds the keys that sign tokens in links and forms.
type Security struct {
	SecretKey string `yaml:"secret_key" secret:"true" doc:"Key that signs confirm, unsubscribe, preferences and share links, and keys the hashes of IP addresses: at least 32 characters of randomness (e.g. openssl rand -base64 48). Empty makes bantin generate one on first start and keep it in the database, shared by every instance on it. Changing it invalidates every link already sent."`
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
		Feeds: Feeds{
			Items:         50,
			MaxAge:        5 * time.Minute,
			ArchiveSize:   50,
			ArchiveMaxAge: 24 * time.Hour,
			CacheSize:     256 * MB,
			TagDate:       "2020",
		},
		Mail: Mail{
			Transport: "maildir",
			Maildir:   "./var/mail",
			From:      "Bản tin <no-reply@localhost>",
			SMTP: SMTP{
				TLS:         "starttls",
				Connections: 4,
				Timeout:     30 * time.Second,
			},
		},
		Newsletter: Newsletter{
			ConfirmTTL:              48 * time.Hour,
			LinkTTL:                 365 * 24 * time.Hour,
			SubscribePerIP:          10,
			MinFillTime:             3 * time.Second,
			ConfirmationsPerAddress: 3,
			Daily:                   "0 6 * * *",
			Weekly:                  "0 6 * * 1",
			InstantWindow:           10 * time.Minute,
			MaxArticles:             50,
		},
		Delivery: defaultDelivery(),
		Share:    defaultShare(),
		Feedback: defaultFeedback(),
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
