package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/store"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Config)
		key    string
		reason string // substring of the reason
	}{
		{"empty site name", func(c *Config) { c.Site.Name = "  " }, "site.name", "required"},
		{"site name with newline", func(c *Config) { c.Site.Name = "a\nb" }, "site.name", "one line"},
		{"empty site url", func(c *Config) { c.Site.URL = "" }, "site.url", "required"},
		{"relative site url", func(c *Config) { c.Site.URL = "/news" }, "site.url", "http:// or https://"},
		{"ftp site url", func(c *Config) { c.Site.URL = "ftp://example.com" }, "site.url", "http:// or https://"},
		{"site url without host", func(c *Config) { c.Site.URL = "https:///path" }, "site.url", "no host"},
		{"site url with query", func(c *Config) { c.Site.URL = "https://example.com/?a=1" }, "site.url", "query"},
		{"site url with empty query", func(c *Config) { c.Site.URL = "https://example.com/?" }, "site.url", "query"},
		{"site url with fragment", func(c *Config) { c.Site.URL = "https://example.com/#top" }, "site.url", "fragment"},
		{"site url with password", func(c *Config) { c.Site.URL = "https://u:p@example.com" }, "site.url", "user name or password"},
		{"site url bad port", func(c *Config) { c.Site.URL = "https://example.com:99999" }, "site.url", "port"},
		{"site url unparsable", func(c *Config) { c.Site.URL = "https://exa mple.com" }, "site.url", "not a valid URL"},
		{"language", func(c *Config) { c.Site.Language = "fr" }, "site.language", `must be vi or en, not "fr"`},
		{"empty timezone", func(c *Config) { c.Site.Timezone = "" }, "site.timezone", "required"},
		{"bad timezone", func(c *Config) { c.Site.Timezone = "Asia/Hanoi" }, "site.timezone", `unknown time zone "Asia/Hanoi"`},
		{"contact not an address", func(c *Config) { c.Site.Contact = "toà soạn" }, "site.contact", "not a bare email address"},
		{"contact with a name", func(c *Config) { c.Site.Contact = "Toà soạn <ts@example.com>" }, "site.contact", "not a bare email address"},

		{"empty addr", func(c *Config) { c.HTTP.Addr = "" }, "http.addr", "required"},
		{"addr without port", func(c *Config) { c.HTTP.Addr = "127.0.0.1" }, "http.addr", "host:port"},
		{"addr port too big", func(c *Config) { c.HTTP.Addr = ":65536" }, "http.addr", "0 to 65535"},
		{"addr named port", func(c *Config) { c.HTTP.Addr = "localhost:http" }, "http.addr", "0 to 65535"},
		{"addr bad host", func(c *Config) { c.HTTP.Addr = "a b:80" }, "http.addr", "bad host"},
		{"read timeout", func(c *Config) { c.HTTP.ReadTimeout = 500 * time.Millisecond }, "http.read_timeout", "at least 1s"},
		{"write timeout", func(c *Config) { c.HTTP.WriteTimeout = 0 }, "http.write_timeout", "at least 1s"},
		{"shutdown timeout", func(c *Config) { c.HTTP.ShutdownTimeout = -time.Second }, "http.shutdown_timeout", "negative"},
		{"max body small", func(c *Config) { c.HTTP.MaxBodySize = 100 }, "http.max_body_size", "between 1KB and 1GB, not 100B"},
		{"max body big", func(c *Config) { c.HTTP.MaxBodySize = 2 * GB }, "http.max_body_size", "between 1KB and 1GB"},
		{"trusted proxy", func(c *Config) { c.HTTP.TrustedProxies = []string{"10.0.0.0/8", "::1", "proxy.local"} }, "http.trusted_proxies[2]", `"proxy.local" is not an IP address`},
		{"trusted proxy bad prefix", func(c *Config) { c.HTTP.TrustedProxies = []string{"10.0.0.0/33"} }, "http.trusted_proxies[0]", "not an IP address"},

		{"empty database url", func(c *Config) { c.Database.URL = "" }, "database.url", "required"},
		{"mysql", func(c *Config) { c.Database.URL = "mysql://u@h/db" }, "database.url", "want sqlite://PATH, sqlite:PATH, a bare PATH ending in .db"},
		{"bare path without .db", func(c *Config) { c.Database.URL = "./bantin" }, "database.url", "or postgres://USER:PASSWORD@HOST/DB"},
		{"sqlite without path", func(c *Config) { c.Database.URL = "sqlite://" }, "database.url", "no SQLite file path"},
		{"bad postgres url", func(c *Config) { c.Database.URL = "postgres://u:secret@h:port/db" }, "database.url", "not a valid PostgreSQL URL"},
		{"max open conns", func(c *Config) { c.Database.MaxOpenConns = -1 }, "database.max_open_conns", "negative"},

		{"short secret key", func(c *Config) { c.Security.SecretKey = "hunter2" }, "security.secret_key", "at least 32"},
		{"category slug with capitals", func(c *Config) { c.Articles.Categories = []Category{{"Thoi-Su", "Thời sự"}} }, "articles.categories[0].slug", "not a slug"},
		{"category slug with diacritics", func(c *Config) { c.Articles.Categories = []Category{{"thời-sự", "Thời sự"}} }, "articles.categories[0].slug", "not a slug"},
		{"category slug repeated", func(c *Config) { c.Articles.Categories = []Category{{"a", "A"}, {"a", "B"}} }, "articles.categories[1].slug", "same slug as articles.categories[0]"},
		{"category without name", func(c *Config) { c.Articles.Categories = []Category{{"a", " "}} }, "articles.categories[0].name", "non-empty"},

		{"articles dir", func(c *Config) { c.Articles.Dir = "" }, "articles.dir", "required"},
		{"articles max size", func(c *Config) { c.Articles.MaxSize = 512 }, "articles.max_size", "between 1KB and 1GB"},
		{"rescan interval", func(c *Config) { c.Articles.RescanInterval = 10 * time.Millisecond }, "articles.rescan_interval", "0 (off) or at least 1s"},
		{"rescan interval negative", func(c *Config) { c.Articles.RescanInterval = -time.Second }, "articles.rescan_interval", "at least 1s"},
		{"debounce small", func(c *Config) { c.Articles.Debounce = time.Millisecond }, "articles.debounce", "between 10ms and 2s, not 1ms"},
		{"debounce big", func(c *Config) { c.Articles.Debounce = 3 * time.Second }, "articles.debounce", "between 10ms and 2s"},

		{"feed url empty", func(c *Config) { c.Sources.Feeds = []Feed{{URL: "https://example.com/rss"}, {Name: "x"}} }, "sources.feeds[1].url", "required"},
		{"feed url scheme", func(c *Config) { c.Sources.Feeds = []Feed{{URL: "feed://example.com/rss"}} }, "sources.feeds[0].url", "http:// or https://"},
		{"feed url duplicate", func(c *Config) {
			c.Sources.Feeds = []Feed{{URL: "https://example.com/a"}, {URL: "https://example.com/b"}, {URL: "https://example.com/a"}}
		}, "sources.feeds[2].url", "same feed as sources.feeds[0]"},
		{"feed category", func(c *Config) { c.Sources.Feeds = []Feed{{URL: "https://example.com/a", Category: "a\tb"}} }, "sources.feeds[0].category", "one line"},
		{"feed name", func(c *Config) { c.Sources.Feeds = []Feed{{URL: "https://example.com/a", Name: "a\r\n"}} }, "sources.feeds[0].name", "one line"},
		{"empty schedule", func(c *Config) { c.Sources.Schedule = " " }, "sources.schedule", `invalid cron spec " ": empty`},
		{"bad schedule", func(c *Config) { c.Sources.Schedule = "0 0 * * 7/0" }, "sources.schedule", `invalid cron spec "0 0 * * 7/0": beginning of range (7) beyond end of range (6)`},
		{"six fields", func(c *Config) { c.Sources.Schedule = "0 */10 * * * *" }, "sources.schedule", "expected exactly 5 fields"},
		{"bad descriptor", func(c *Config) { c.Sources.Schedule = "@fortnightly" }, "sources.schedule", "unrecognized descriptor"},
		{"schedule that panics the parser", func(c *Config) { c.Sources.Schedule = "TZ=UTC" }, "sources.schedule", `invalid cron spec "TZ=UTC" (the parser failed: runtime error: slice bounds out of range`},
		{"sources timeout", func(c *Config) { c.Sources.Timeout = 0 }, "sources.timeout", "at least 1s"},
		{"sources max size", func(c *Config) { c.Sources.MaxSize = 0 }, "sources.max_size", "between 1KB and 1GB, not 0B"},
		{"user agent", func(c *Config) { c.Sources.UserAgent = "bantin\r\nX-Evil: 1" }, "sources.user_agent", "one line"},
		{"concurrency zero", func(c *Config) { c.Sources.Concurrency = 0 }, "sources.concurrency", "between 1 and 64, not 0"},
		{"concurrency big", func(c *Config) { c.Sources.Concurrency = 65 }, "sources.concurrency", "between 1 and 64"},

		{"feed items zero", func(c *Config) { c.Feeds.Items = 0 }, "feeds.items", "between 1 and 500, not 0"},
		{"feed items big", func(c *Config) { c.Feeds.Items = 501 }, "feeds.items", "between 1 and 500"},
		{"feed max age negative", func(c *Config) { c.Feeds.MaxAge = -time.Second }, "feeds.max_age", "between 0s and 24h"},
		{"feed max age long", func(c *Config) { c.Feeds.MaxAge = 25 * time.Hour; c.Feeds.ArchiveMaxAge = 48 * time.Hour }, "feeds.max_age", "between 0s and 24h"},
		{"archive bigger than feed", func(c *Config) { c.Feeds.Items, c.Feeds.ArchiveSize = 20, 30 }, "feeds.archive_size", "feeds.items (20), not 30"},
		{"archive size negative", func(c *Config) { c.Feeds.ArchiveSize = -1 }, "feeds.archive_size", "0 (no archive)"},
		{"archive max age short", func(c *Config) { c.Feeds.ArchiveMaxAge = time.Minute }, "feeds.archive_max_age", "between feeds.max_age (5m0s) and 8760h"},
		{"websub hub scheme", func(c *Config) { c.Feeds.WebSubHub = "hub.example.com" }, "feeds.websub_hub", "http:// or https://"},
		{"websub hub password", func(c *Config) { c.Feeds.WebSubHub = "https://u:p@hub.example.com/" }, "feeds.websub_hub", "user name or password"},
		{"feed cache small", func(c *Config) { c.Feeds.CacheSize = 100 * KB }, "feeds.cache_size", "between 1MB and 16GB"},
		{"tag authority case", func(c *Config) { c.Feeds.TagAuthority = "Tin.Example.VN" }, "feeds.tag_authority", "lower case"},
		{"tag authority from ipv6 site", func(c *Config) { c.Site.URL = "http://[::1]:8080" }, "feeds.tag_authority", "cannot be used in ids"},
		{"tag date format", func(c *Config) { c.Feeds.TagDate = "10/7/2020" }, "feeds.tag_date", "YYYY, YYYY-MM or YYYY-MM-DD"},
		{"tag date impossible", func(c *Config) { c.Feeds.TagDate = "2020-02-30" }, "feeds.tag_date", "YYYY"},

		{"smtp without host", func(c *Config) { c.Mail.Transport = "smtp" }, "mail.smtp.host", "required when mail.transport is smtp"},
		{"transport", func(c *Config) { c.Mail.Transport = "" }, "mail.transport", `must be maildir or smtp, not ""`},
		{"transport sendmail", func(c *Config) { c.Mail.Transport = "sendmail" }, "mail.transport", `must be maildir or smtp, not "sendmail"`},
		{"maildir", func(c *Config) { c.Mail.Maildir = "" }, "mail.maildir", "required when mail.transport is maildir"},
		{"empty from", func(c *Config) { c.Mail.From = "" }, "mail.from", "required"},
		{"bad from", func(c *Config) { c.Mail.From = "Bản tin no-reply" }, "mail.from", "not a valid address"},
		{"from with line break", func(c *Config) { c.Mail.From = "Bản tin\r\nBcc: x@example.com <a@example.com>" }, "mail.from", "one line"},
		{"rate negative", func(c *Config) { c.Mail.Rate = -1 }, "mail.rate", "must not be negative (0 is no limit), not -1"},
		{"smtp host url", func(c *Config) { c.Mail.SMTP.Host = "smtp://mail.example.com" }, "mail.smtp.host", "not a URL"},
		{"smtp host with port", func(c *Config) { c.Mail.SMTP.Host = "mail.example.com:587" }, "mail.smtp.host", "must not include a port; set mail.smtp.port"},
		{"smtp host with space", func(c *Config) { c.Mail.SMTP.Host = "mail example.com" }, "mail.smtp.host", "not a host name or IP address"},
		{"smtp port negative", func(c *Config) { c.Mail.SMTP.Port = -1 }, "mail.smtp.port", "must be from 1 to 65535, or 0 for the usual port of mail.smtp.tls, not -1"},
		{"smtp port too big", func(c *Config) { c.Mail.SMTP.Port = 65536 }, "mail.smtp.port", "not 65536"},
		{"smtp tls", func(c *Config) { c.Mail.SMTP.TLS = "ssl" }, "mail.smtp.tls", `must be starttls, tls or none, not "ssl"`},
		{"smtp tls empty", func(c *Config) { c.Mail.SMTP.TLS = "" }, "mail.smtp.tls", `not ""`},
		{"smtp password without user", func(c *Config) { c.Mail.SMTP.Password = "hunter2" }, "mail.smtp.username", "required with mail.smtp.password"},
		{"smtp user without password", func(c *Config) { c.Mail.SMTP.Username = "bantin" }, "mail.smtp.password", "required with mail.smtp.username"},
		{"smtp auth in the clear", func(c *Config) {
			c.Mail.SMTP.Username, c.Mail.SMTP.Password, c.Mail.SMTP.TLS = "bantin", "hunter2", "none"
		}, "mail.smtp.username", "needs mail.smtp.tls starttls or tls"},
		{"smtp connections zero", func(c *Config) { c.Mail.SMTP.Connections = 0 }, "mail.smtp.connections", "between 1 and 100, not 0"},
		{"smtp connections big", func(c *Config) { c.Mail.SMTP.Connections = 101 }, "mail.smtp.connections", "between 1 and 100, not 101"},
		{"smtp timeout", func(c *Config) { c.Mail.SMTP.Timeout = 500 * time.Millisecond }, "mail.smtp.timeout", "at least 1s, not 500ms"},
		{"smtp helo", func(c *Config) { c.Mail.SMTP.HELO = "mail host" }, "mail.smtp.helo", "not a host name"},
		{"dkim domain", func(c *Config) { c.Mail.DKIM.Domain = "example .com" }, "mail.dkim.domain", "not a domain name"},
		{"dkim key without selector", func(c *Config) { c.Mail.DKIM.PrivateKeyFile = "testdata/dkim-test-ed25519.pem" }, "mail.dkim.selector", "required with a key"},
		{"dkim selector without key", func(c *Config) { c.Mail.DKIM.Selector = "bantin" }, "mail.dkim.selector", "no key"},
		{"dkim bad selector", func(c *Config) {
			c.Mail.DKIM.Selector, c.Mail.DKIM.PrivateKeyFile = "a b", "testdata/dkim-test-ed25519.pem"
		}, "mail.dkim.selector", "not a selector"},
		{"dkim key unreadable", func(c *Config) {
			c.Mail.DKIM.Selector, c.Mail.DKIM.PrivateKeyFile = "bantin", "testdata/no-such-key.pem"
		}, "mail.dkim.private_key_file", "cannot read the key: open testdata/no-such-key.pem: no such file or directory"},
		{"dkim key file not pem", func(c *Config) {
			c.Mail.DKIM.Selector, c.Mail.DKIM.PrivateKeyFile = "bantin", "testdata/full.yaml"
		}, "mail.dkim.private_key_file", "not a PEM private key"},
		{"dkim inline key not pem", func(c *Config) {
			c.Mail.DKIM.Selector, c.Mail.DKIM.PrivateKey = "bantin", "hunter2"
		}, "mail.dkim.private_key", "not a PEM private key"},
		{"dkim public key", func(c *Config) {
			c.Mail.DKIM.Selector = "bantin"
			c.Mail.DKIM.PrivateKey = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"
		}, "mail.dkim.private_key", `PEM block "PUBLIC KEY" is not an unencrypted private key`},
		{"dkim both keys", func(c *Config) {
			c.Mail.DKIM.Selector, c.Mail.DKIM.PrivateKeyFile, c.Mail.DKIM.PrivateKey = "bantin", "testdata/dkim-test-ed25519.pem", "x"
		}, "mail.dkim.private_key", "give one"},

		{"confirm ttl short", func(c *Config) { c.Newsletter.ConfirmTTL = 30 * time.Minute }, "newsletter.confirm_ttl", "between 1h and 720h, not 30m0s"},
		{"confirm ttl long", func(c *Config) { c.Newsletter.ConfirmTTL = 1000 * time.Hour }, "newsletter.confirm_ttl", "between 1h and 720h"},
		{"link ttl short", func(c *Config) { c.Newsletter.LinkTTL = time.Hour }, "newsletter.link_ttl", "at least 24h"},
		{"per ip negative", func(c *Config) { c.Newsletter.SubscribePerIP = -1 }, "newsletter.subscribe_per_ip", "must not be negative"},
		{"fill time negative", func(c *Config) { c.Newsletter.MinFillTime = -time.Second }, "newsletter.min_fill_time", "between 0s and 1m"},
		{"fill time long", func(c *Config) { c.Newsletter.MinFillTime = 2 * time.Minute }, "newsletter.min_fill_time", "between 0s and 1m, not 2m0s"},
		{"confirmations zero", func(c *Config) { c.Newsletter.ConfirmationsPerAddress = 0 }, "newsletter.confirmations_per_address", "between 1 and 20, not 0"},
		{"confirmations many", func(c *Config) { c.Newsletter.ConfirmationsPerAddress = 21 }, "newsletter.confirmations_per_address", "not 21"},

		{"log level", func(c *Config) { c.Log.Level = "INFO" }, "log.level", `must be debug, info, warn or error, not "INFO"`},
		{"log format", func(c *Config) { c.Log.Format = "logfmt" }, "log.format", `must be text or json, not "logfmt"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(c)
			err := c.Validate()
			var errs ValidationErrors
			if !errors.As(err, &errs) {
				t.Fatalf("Validate() = %v, want ValidationErrors", err)
			}
			if len(errs) != 1 {
				t.Fatalf("Validate() reported %d problems, want 1:\n%v", len(errs), err)
			}
			if errs[0].Key != tt.key || !strings.Contains(errs[0].Reason, tt.reason) {
				t.Errorf("Validate() = %q, want key %q and a reason containing %q", errs[0].Error(), tt.key, tt.reason)
			}
			if errs[0].Source != "" {
				t.Errorf("Validate() set Source %q; only Load knows it", errs[0].Source)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Config)
	}{
		{"https site with path and slash", func(c *Config) { c.Site.URL = "https://example.com/tin/" }},
		{"english", func(c *Config) { c.Site.Language = "en" }},
		{"utc", func(c *Config) { c.Site.Timezone = "UTC" }},
		{"contact", func(c *Config) { c.Site.Contact = "toasoan@ví-dụ.vn" }},
		{"newsletter edges", func(c *Config) {
			c.Newsletter = Newsletter{ConfirmTTL: time.Hour, LinkTTL: 24 * time.Hour, MinFillTime: 0, ConfirmationsPerAddress: 20,
				Daily: "@daily", Weekly: "CRON_TZ=UTC 0 0 * * 0", InstantWindow: time.Minute, MaxArticles: 500}
		}},
		{"every interface", func(c *Config) { c.HTTP.Addr = ":8080" }},
		{"any port", func(c *Config) { c.HTTP.Addr = "localhost:0" }},
		{"ipv6", func(c *Config) { c.HTTP.Addr = "[::1]:8080" }},
		{"no shutdown wait", func(c *Config) { c.HTTP.ShutdownTimeout = 0 }},
		{"proxies", func(c *Config) { c.HTTP.TrustedProxies = []string{"10.0.0.0/8", "192.168.1.1", "fd00::/8", "::1"} }},
		{"sqlite scheme", func(c *Config) { c.Database.URL = "sqlite:bantin.db" }},
		{"sqlite absolute", func(c *Config) { c.Database.URL = "sqlite:///var/lib/bantin/bantin.db" }},
		{"bare path", func(c *Config) { c.Database.URL = "/var/lib/bantin.db" }},
		{"postgres", func(c *Config) { c.Database.URL = "postgres://bantin:secret@db.internal:5432/bantin?sslmode=require" }},
		{"postgresql socket", func(c *Config) { c.Database.URL = "postgresql:///bantin?host=/run/postgresql" }},
		{"rescan off", func(c *Config) { c.Articles.RescanInterval = 0 }},
		{"debounce edges", func(c *Config) { c.Articles.Debounce = 10 * time.Millisecond }},
		{"feeds", func(c *Config) {
			c.Sources.Feeds = []Feed{{URL: "https://example.com/rss?page=1"}, {URL: "http://example.org:8080/atom.xml", Category: "Thế giới", Name: "Example"}}
		}},
		{"descriptor", func(c *Config) { c.Sources.Schedule = "@every 15m" }},
		{"hourly", func(c *Config) { c.Sources.Schedule = "@hourly" }},
		{"cron tz", func(c *Config) { c.Sources.Schedule = "CRON_TZ=Asia/Ho_Chi_Minh 0 6 * * *" }},
		{"user agent", func(c *Config) { c.Sources.UserAgent = "bantin/1.0 (+https://example.com)" }},
		{"bare from", func(c *Config) { c.Mail.From = "tin@example.com" }},
		{"smtp", func(c *Config) {
			c.Mail.Transport, c.Mail.SMTP.Host, c.Mail.SMTP.Port, c.Mail.SMTP.TLS = "smtp", "smtp.example.com", 465, "tls"
			c.Mail.SMTP.Username, c.Mail.SMTP.Password = "bantin", "hunter2"
		}},
		{"smtp relay by IP", func(c *Config) {
			c.Mail.Transport, c.Mail.SMTP.Host, c.Mail.SMTP.TLS, c.Mail.SMTP.Port = "smtp", "::1", "none", 25
		}},
		{"smtp idn host and helo", func(c *Config) { c.Mail.SMTP.Host, c.Mail.SMTP.HELO = "thư.ví-dụ.vn", "bantin-1.example.com" }},
		{"rate", func(c *Config) { c.Mail.Rate = 5000 }},
		{"dkim ed25519 file", func(c *Config) {
			c.Mail.DKIM.Selector, c.Mail.DKIM.PrivateKeyFile, c.Mail.DKIM.Domain = "bantin2026", "testdata/dkim-test-ed25519.pem", "ví-dụ.vn"
		}},
		{"json debug", func(c *Config) { c.Log.Level, c.Log.Format = "debug", "json" }},
	}
	for _, tt := range tests {
		c := Default()
		tt.change(c)
		if err := c.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v", tt.name, err)
		}
	}
}

// TestValidateReportsEverything checks that all problems come back at once,
// in the order of the keys in the struct whatever order they are found in.
func TestValidateReportsEverything(t *testing.T) {
	c := Default()
	c.Log.Format = "xml"
	c.Sources.Feeds = []Feed{{URL: "https://example.com/a", Name: "\x00"}, {URL: ""}}
	c.Site.Name = ""
	c.HTTP.TrustedProxies = []string{"bad", "10.0.0.0/8", "worse"}
	c.Mail.Transport = "smtp"
	c.Site.Language = "de"

	err := c.Validate()
	want := strings.Join([]string{
		"site.name: required",
		`site.language: must be vi or en, not "de"`,
		`http.trusted_proxies[0]: "bad" is not an IP address or CIDR range such as 10.0.0.0/8`,
		`http.trusted_proxies[2]: "worse" is not an IP address or CIDR range such as 10.0.0.0/8`,
		"sources.feeds[0].name: must be one line of text",
		"sources.feeds[1].url: required",
		"mail.smtp.host: required when mail.transport is smtp",
		`log.format: must be text or json, not "xml"`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("Validate() =\n%v\nwant\n%s", err, want)
	}
}

func TestLocation(t *testing.T) {
	c := Default()
	loc := c.Location()
	if loc.String() != "Asia/Ho_Chi_Minh" {
		t.Errorf("Location() = %v, want Asia/Ho_Chi_Minh", loc)
	}
	if _, off := time.Date(2020, 7, 10, 12, 0, 0, 0, loc).Zone(); off != 7*3600 {
		t.Errorf("offset = %d, want +07:00", off)
	}
	for _, tz := range []string{"", "Not/AZone"} {
		c.Site.Timezone = tz
		loc := c.Location()
		name, off := time.Date(2020, 1, 1, 0, 0, 0, 0, loc).Zone()
		if name != "ICT" || off != 7*3600 {
			t.Errorf("Location() with timezone %q = %s %d, want ICT +07:00", tz, name, off)
		}
	}
}

// TestDatabaseURLAsStoreReadsIt checks that database.url passes validation
// exactly when store.Open would take it: the check is store.ParseURL, so
// the two cannot disagree, and the message names the accepted forms.
func TestDatabaseURLAsStoreReadsIt(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"sqlite://./bantin.db", true},
		{"sqlite:bantin.db", true},
		{"sqlite:///var/lib/bantin/bantin.db", true},
		{"sqlite://./b.db?_pragma=busy_timeout(5000)", true},
		{"./bantin.db", true},
		{"bantin.sqlite", true}, // config check took it, and Open refused it
		{"/data/Bantin.DB", true},
		{"data.sqlite3", true},
		{"postgres://bantin:secret@db.internal:5432/bantin?sslmode=require", true},
		{"postgresql:///bantin?host=/run/postgresql", true},

		{"", false},
		{"bantin", false},
		{"SQLite://./bantin.db", false}, // config check took it, and Open refused it
		{"sqlite://?mode=memory", false},
		{"sqlite:// ", false},
		{"mysql://h/x.db", false}, // Open took it for a file in the directory "mysql:"
		{"http://h/x.db", false},
		{"postgres://u@h:99999/db", false}, // url.Parse takes it; pgx does not
		{"postgres://u@h/db?sslmode=sometimes", false},
		{"postgres://u:hunter2@h:port/db", false},
	}
	for _, tt := range tests {
		c := Default()
		c.Database.URL = tt.url
		var fe []FieldError
		var errs ValidationErrors
		if errors.As(c.Validate(), &errs) {
			for _, e := range errs {
				if e.Key == "database.url" {
					fe = append(fe, e)
				}
			}
		}
		_, _, storeErr := store.ParseURL(tt.url)
		if (len(fe) == 0) != tt.ok || (storeErr == nil) != tt.ok {
			t.Errorf("%q: config %v, store %v; want accepted %v", tt.url, fe, storeErr, tt.ok)
		}
		if len(fe) > 0 && (strings.Contains(fe[0].Reason, "hunter2") || !strings.Contains(fe[0].Reason, "want ")) {
			t.Errorf("%q: reason %q", tt.url, fe[0].Reason)
		}
	}
}

// TestValidationErrorNoPassword checks that a bad database URL's password
// does not end up in the error, which is logged.
func TestValidationErrorNoPassword(t *testing.T) {
	c := Default()
	c.Database.URL = "postgres://u:hunter2@h:port/db"
	if err := c.Validate(); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Validate() = %v", err)
	}
}

func TestValidateRefusesThePrintedPlaceholderKey(t *testing.T) {
	c := Default()
	c.Security.SecretKey = redactedText
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "security.secret_key: is the placeholder") {
		t.Fatalf("Validate = %v", err)
	}
}
