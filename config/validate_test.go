package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
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
		{"mysql", func(c *Config) { c.Database.URL = "mysql://u@h/db" }, "database.url", "unsupported database"},
		{"bare path without .db", func(c *Config) { c.Database.URL = "./bantin" }, "database.url", "unsupported database"},
		{"sqlite without path", func(c *Config) { c.Database.URL = "sqlite://" }, "database.url", "no SQLite file path"},
		{"bad postgres url", func(c *Config) { c.Database.URL = "postgres://u:secret@h:port/db" }, "database.url", "not a valid URL"},
		{"max open conns", func(c *Config) { c.Database.MaxOpenConns = -1 }, "database.max_open_conns", "negative"},

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
		{"empty schedule", func(c *Config) { c.Sources.Schedule = " " }, "sources.schedule", "required"},
		{"bad schedule", func(c *Config) { c.Sources.Schedule = "0 0 * * 7/0" }, "sources.schedule", `invalid cron spec "0 0 * * 7/0": beginning of range (7) beyond end of range (6)`},
		{"six fields", func(c *Config) { c.Sources.Schedule = "0 */10 * * * *" }, "sources.schedule", "expected exactly 5 fields"},
		{"bad descriptor", func(c *Config) { c.Sources.Schedule = "@fortnightly" }, "sources.schedule", "unrecognized descriptor"},
		{"schedule that panics the parser", func(c *Config) { c.Sources.Schedule = "TZ=UTC" }, "sources.schedule", `invalid cron spec "TZ=UTC" (the parser failed: runtime error: slice bounds out of range`},
		{"sources timeout", func(c *Config) { c.Sources.Timeout = 0 }, "sources.timeout", "at least 1s"},
		{"sources max size", func(c *Config) { c.Sources.MaxSize = 0 }, "sources.max_size", "between 1KB and 1GB, not 0B"},
		{"user agent", func(c *Config) { c.Sources.UserAgent = "bantin\r\nX-Evil: 1" }, "sources.user_agent", "one line"},
		{"concurrency zero", func(c *Config) { c.Sources.Concurrency = 0 }, "sources.concurrency", "between 1 and 64, not 0"},
		{"concurrency big", func(c *Config) { c.Sources.Concurrency = 65 }, "sources.concurrency", "between 1 and 64"},

		{"smtp", func(c *Config) { c.Mail.Transport = "smtp" }, "mail.transport", "not available yet in this version; use maildir"},
		{"transport", func(c *Config) { c.Mail.Transport = "" }, "mail.transport", `must be maildir, not ""`},
		{"maildir", func(c *Config) { c.Mail.Maildir = "" }, "mail.maildir", "required when mail.transport is maildir"},
		{"empty from", func(c *Config) { c.Mail.From = "" }, "mail.from", "required"},
		{"bad from", func(c *Config) { c.Mail.From = "Bản tin no-reply" }, "mail.from", "not a valid address"},

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
		"mail.transport: not available yet in this version; use maildir",
		`log.format: must be text or json, not "xml"`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("Validate() =\n%v\nwant\n%s", err, want)
	}
}

// TestCronPanics proves the recover in checkCron is needed: robfig/cron
// v3.0.1 panics on a TZ prefix with no fields after it.
func TestCronPanics(t *testing.T) {
	for _, spec := range []string{"TZ=UTC", "CRON_TZ=Asia/Ho_Chi_Minh"} {
		panicked := func() (p bool) {
			defer func() { p = recover() != nil }()
			_, _ = cron.ParseStandard(spec)
			return false
		}()
		if !panicked {
			t.Logf("cron.ParseStandard(%q) no longer panics; the recover in checkCron may be unneeded", spec)
		}
		err := checkCron(spec)
		if err == nil || !strings.Contains(err.Error(), "the parser failed") {
			t.Errorf("checkCron(%q) = %v, want the recovered panic", spec, err)
		}
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

func TestDatabaseURL(t *testing.T) {
	tests := []struct {
		url, dialect, path string
	}{
		{"sqlite://./bantin.db", DialectSQLite, "./bantin.db"},
		{"SQLite://./bantin.db", DialectSQLite, "./bantin.db"},
		{"sqlite:///var/lib/bantin.db", DialectSQLite, "/var/lib/bantin.db"},
		{"sqlite:bantin.db", DialectSQLite, "bantin.db"},
		{"sqlite::memory:", DialectSQLite, ":memory:"},
		{"sqlite://./b.db?_pragma=busy_timeout(5000)", DialectSQLite, "./b.db?_pragma=busy_timeout(5000)"},
		{"./bantin.db", DialectSQLite, "./bantin.db"},
		{"/data/Bantin.DB", DialectSQLite, "/data/Bantin.DB"},
		{"data.sqlite3", DialectSQLite, "data.sqlite3"},
		{"postgres://u:p@h/db", DialectPostgres, ""},
		{"postgresql://h/db", DialectPostgres, ""},
		{"mysql://h/db", "", ""},
		{"http://h/x.db", "", ""},
		{"bantin", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		c := Default()
		c.Database.URL = tt.url
		if d, p := c.DatabaseDialect(), c.SQLitePath(); d != tt.dialect || p != tt.path {
			t.Errorf("%q: dialect %q, path %q; want %q, %q", tt.url, d, p, tt.dialect, tt.path)
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
