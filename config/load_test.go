package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeConfig writes text to bantin.yaml in a temporary directory and
// returns its path.
func writeConfig(t testing.TB, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bantin.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// errorLines returns err's lines with the config file's path written FILE.
func errorLines(err error, path string) []string {
	if err == nil {
		return nil
	}
	return strings.Split(strings.ReplaceAll(err.Error(), path, "FILE"), "\n")
}

func TestLoadNothing(t *testing.T) {
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load(\"\", nil) = %+v, want the defaults", c)
	}
	// Other programs' variables are none of our business.
	c, err = Load("", []string{"PATH=/bin", "HOME=/root", "BANTINX=1", "bantin_http_addr=x", "NOEQUALS"})
	if err != nil || !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load with unrelated variables = %+v, %v", c, err)
	}
}

func TestLoadFull(t *testing.T) {
	c, err := Load("testdata/full.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Site: Site{Name: "Tin Nhanh", URL: "https://tin.example.com", Language: "en", Timezone: "Asia/Bangkok", TemplatesDir: "/etc/bantin/templates", Contact: "toasoan@example.com"},
		HTTP: HTTP{
			Addr:            ":9090",
			ReadTimeout:     5 * time.Second,
			WriteTimeout:    90 * time.Second,
			ShutdownTimeout: 0,
			MaxBodySize:     512 * KB,
			TrustedProxies:  []string{"10.0.0.0/8", "192.168.1.1"},
		},
		Database: Database{URL: "postgres://bantin:secret@db.internal:5432/bantin?sslmode=require", MaxOpenConns: 20},
		Articles: Articles{Dir: "/srv/articles", MaxSize: 3 * MB / 2, Watch: false, RescanInterval: 0, Debounce: 50 * time.Millisecond,
			Categories: []Category{{"thoi-su", "Thời sự"}, {"quoc-te", "Quốc tế"}}},
		Sources: Sources{
			Feeds: []Feed{
				{URL: "https://example.com/rss/tin-moi.rss"},
				{URL: "https://example.org/the-gioi.atom", Category: "Thế giới", Name: "Example World"},
			},
			Schedule:    "@every 15m",
			Timeout:     45 * time.Second,
			MaxSize:     4 * MB,
			UserAgent:   "bantin-test/1.0",
			Concurrency: 8,
		},
		Feeds: Feeds{Items: 30, MaxAge: 2 * time.Minute, ArchiveSize: 20, ArchiveMaxAge: 168 * time.Hour,
			WebSubHub: "https://hub.example.com/", CacheSize: 64 * MB, TagAuthority: "tinnhanh.example.com", TagDate: "2019-05"},
		Mail: Mail{Transport: "smtp", Maildir: "/var/spool/bantin", From: "Tin Nhanh <tin@example.com>", Rate: 200,
			SMTP: SMTP{Host: "smtp.example.com", Port: 465, TLS: "tls", Username: "bantin", Password: "hunter2",
				Connections: 8, Timeout: 10 * time.Second, HELO: "bantin.example.com"},
			DKIM: DKIM{Domain: "example.com", Selector: "bantin2026", PrivateKeyFile: "testdata/dkim-test-ed25519.pem"}},
		Newsletter: Newsletter{ConfirmTTL: 24 * time.Hour, LinkTTL: 720 * time.Hour, SubscribePerIP: 0, MinFillTime: 5 * time.Second,
			ConfirmationsPerAddress: 2, Daily: "30 5 * * *", Weekly: "0 7 * * 6", InstantWindow: 5 * time.Minute, MaxArticles: 30},
		Delivery: Delivery{Workers: 16, BatchSize: 400, RecordEvery: 25, MaxUnrecorded: 100, MaxAttempts: 5, MaxAge: 12 * time.Hour,
			Backoff: 30 * time.Second, Lease: 2 * time.Minute, BounceThreshold: 1},
		Share: Share{Enabled: false, MaxRecipients: 2, NoteMax: 100, NameMax: 60, MinFillTime: 2 * time.Second,
			FormTTL: time.Hour, ConfirmTTL: 12 * time.Hour, SenderTTL: 168 * time.Hour, StopLinkTTL: 720 * time.Hour,
			HashRetention: 240 * time.Hour, PerIP: 0, PerSender: 5, ConfirmationsPerAddress: 2, PerRecipient: 2,
			PerRecipientArticle: 2, GlobalPerHour: 100, MaxFormSize: 8 * KB},
		Feedback: Feedback{Enabled: false, Notify: []string{"Ban biên tập <toasoan@example.com>", "thuky@example.com"},
			NotifyInterval: 30 * time.Minute, ShowApproved: true, NameMax: 100, MaxLength: 3000, MinFillTime: 4 * time.Second,
			FormTTL: 3 * time.Hour, PerIP: 3, PerEmail: 2, GlobalPerHour: 0, RejectedRetention: 0, MaxFormSize: 32 * KB},
		Admin:    Admin{Token: "full-yaml-admin-token-0123456789abcdef"},
		Security: Security{SecretKey: "full-yaml-secret-key-0123456789abcdef"},
		Log:      Log{Level: "debug", Format: "json"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load(full.yaml) =\n%+v\nwant\n%+v", c, want)
	}
	// The test is only worth something if the file changes every key.
	def := reflect.ValueOf(Default()).Elem()
	got := reflect.ValueOf(c).Elem()
	for _, l := range leaves(def.Type()) {
		if l.key == "mail.dkim.private_key" {
			continue // it cannot be set together with mail.dkim.private_key_file
		}
		if reflect.DeepEqual(def.FieldByIndex(l.index).Interface(), got.FieldByIndex(l.index).Interface()) {
			t.Errorf("testdata/full.yaml leaves %s at its default", l.key)
		}
	}
}

func TestLoadKeepsDefaults(t *testing.T) {
	tests := []struct{ name, text string }{
		{"empty file", ""},
		{"comments only", "# nothing here\n"},
		{"empty document", "---\n"},
		{"null document", "~\n"},
		{"empty sections", "site:\nhttp:\n  # addr: :80\nlog: ~\n"},
		{"empty values", "http:\n  addr:\n  trusted_proxies:\nsources:\n  feeds: ~\n"},
		{"empty mappings", "site: {}\nhttp: {}\n"},
		{"empty list", "http:\n  trusted_proxies: []\n"},
	}
	for _, tt := range tests {
		c, err := Load(writeConfig(t, tt.text), nil)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(c, Default()) {
			t.Errorf("%s: got %+v, want the defaults", tt.name, c)
		}
	}
}

func TestLoadYAMLFeatures(t *testing.T) {
	path := writeConfig(t, `
http:
  <<: &t
    read_timeout: 3s
    write_timeout: 4s
  write_timeout: 5s
site:
  name: &n "Tin"
mail:
  from: "Tin <tin@example.com>"
log:
  <<: [{level: warn}, {format: json}]
sources:
  feeds:
    - &f https://example.com/rss
  user_agent: *n
`)
	c, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.ReadTimeout != 3*time.Second || c.HTTP.WriteTimeout != 5*time.Second {
		t.Errorf("merge: timeouts %v, %v; want 3s, 5s (own key wins)", c.HTTP.ReadTimeout, c.HTTP.WriteTimeout)
	}
	if c.Log.Level != "warn" || c.Log.Format != "json" {
		t.Errorf("merge list: log %+v", c.Log)
	}
	if c.Sources.UserAgent != "Tin" {
		t.Errorf("alias: user_agent %q", c.Sources.UserAgent)
	}
}

func TestLoadFileErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // error lines, with the file's path as FILE
	}{
		{
			name: "unknown key with suggestion",
			text: "http:\n  adr: :80\n",
			want: []string{"FILE:2: http.adr: unknown key (did you mean http.addr?)"},
		},
		{
			name: "unknown key without suggestion",
			text: "site:\n  name: x\n  owner: me\n",
			want: []string{"FILE:3: site.owner: unknown key"},
		},
		{
			name: "unknown section",
			text: "smtp:\n  host: x\n",
			want: []string{"FILE:1: smtp: unknown key"},
		},
		{
			name: "unknown key in a feed",
			text: "sources:\n  feeds:\n    - https://example.com/a\n    - urll: https://example.com/b\n",
			// The entry then has no url, which is also reported: the
			// typo's line is on both, so the cause is plain.
			want: []string{
				"FILE:4: sources.feeds[1].urll: unknown key (did you mean sources.feeds[1].url?)",
				"FILE:4: sources.feeds[1].url: required",
			},
		},
		{
			name: "repeated key",
			text: "log:\n  level: info\n  level: debug\n",
			want: []string{"FILE:3: log.level: repeated key (first set at line 2)"},
		},
		{
			name: "duration without unit",
			text: "http:\n  read_timeout: 10\n",
			want: []string{`FILE:2: http.read_timeout: invalid duration "10": add a unit, such as 10s or 10m`},
		},
		{
			name: "bad duration",
			text: "http:\n  read_timeout: ten seconds\n",
			want: []string{`FILE:2: http.read_timeout: invalid duration "ten seconds": use a number and a unit, such as 300ms, 90s, 5m or 1h30m`},
		},
		{
			name: "bad size",
			text: "articles:\n  max_size: 2 megabytes\n",
			want: []string{`FILE:2: articles.max_size: invalid size "2 megabytes": unknown unit "megabytes" (use B, KB, MB, GB or TB)`},
		},
		{
			name: "bad integer",
			text: "sources:\n  concurrency: four\n",
			want: []string{`FILE:2: sources.concurrency: invalid number "four": use a whole number such as 4`},
		},
		{
			name: "integer out of range",
			text: "sources:\n  concurrency: 99999999999999999999\n",
			want: []string{`FILE:2: sources.concurrency: number "99999999999999999999" out of range`},
		},
		{
			name: "bad boolean",
			text: "articles:\n  watch: sometimes\n",
			want: []string{`FILE:2: articles.watch: invalid boolean "sometimes": use true or false`},
		},
		{
			name: "list for a string",
			text: "site:\n  name: [a, b]\n",
			want: []string{"FILE:2: site.name: expected a string, got a list"},
		},
		{
			name: "string for a list",
			text: "http:\n  trusted_proxies: 10.0.0.0/8\n",
			want: []string{"FILE:2: http.trusted_proxies: expected a list of strings, got a single value"},
		},
		{
			name: "string for a section",
			text: "http: fast\n",
			want: []string{"FILE:1: http: expected a mapping, got a single value"},
		},
		{
			name: "list for a feed",
			text: "sources:\n  feeds:\n    - [https://example.com/a]\n",
			want: []string{"FILE:3: sources.feeds[0]: expected a feed, got a list"},
		},
		{
			name: "empty list entry",
			text: "http:\n  trusted_proxies:\n    - 10.0.0.0/8\n    -\n",
			want: []string{"FILE:4: http.trusted_proxies[1]: empty list entry"},
		},
		{
			name: "mapping key",
			text: "site:\n  ? [a]\n  : b\n",
			want: []string{"FILE:2: site: a key must be a plain name, got a list"},
		},
		{
			name: "top level is a list",
			text: "- a\n- b\n",
			want: []string{"FILE:1: expected a mapping, got a list"},
		},
		{
			name: "merge of a scalar",
			text: "log:\n  <<: x\n",
			want: []string{"FILE:2: log: merge key (<<) needs a mapping, got a single value"},
		},
		{
			name: "self-referencing merge",
			text: "log: &a\n  <<: *a\n",
			want: []string{"FILE:2: log: merge keys (<<) nested too deeply"},
		},
		{
			name: "every problem at once, file errors first by line, then validation with its line",
			text: "" +
				"site:\n" +
				"  name: \"\"\n" + // 2: validation
				"  langauge: en\n" + // 3: unknown
				"http:\n" +
				"  addr: localhost\n" + // 5: validation
				"  read_timeout: 1x\n" + // 6: bad value
				"sources:\n" +
				"  feeds:\n" +
				"    - ftp://example.com/a\n" + // 9: validation, entry written as a URL
				"    - url: https://example.com/b\n" +
				"      name: [x]\n" + // 11: bad value
				"  schedule: TZ=UTC\n" + // 12: validation (parser panics)
				"mail:\n" +
				"  transport: smpt\n", // 14: validation
			want: []string{
				"FILE:3: site.langauge: unknown key (did you mean site.language?)",
				`FILE:6: http.read_timeout: invalid duration "1x": use a number and a unit, such as 300ms, 90s, 5m or 1h30m`,
				"FILE:11: sources.feeds[1].name: expected a string, got a list",
				"FILE:2: site.name: required",
				"FILE:5: http.addr: must be host:port, such as 127.0.0.1:8080 or :8080",
				"FILE:9: sources.feeds[0].url: must start with http:// or https://",
				`FILE:12: sources.schedule: invalid cron spec "TZ=UTC" (the parser failed: runtime error: slice bounds out of range [:-1])`,
				`FILE:14: mail.transport: must be maildir or smtp, not "smpt"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.text)
			c, err := Load(path, nil)
			if c != nil {
				t.Errorf("Load returned a config with an error")
			}
			var errs ValidationErrors
			if !errors.As(err, &errs) {
				t.Fatalf("Load() = %v, want ValidationErrors", err)
			}
			if got := errorLines(err, path); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Load() errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestLoadSyntaxErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"unclosed flow", "http:\n  trusted_proxies: [a\n", "FILE:2: did not find expected ',' or ']'"},
		{"unclosed flow on line 1", "http: {addr: x\n", "FILE:2: did not find expected ',' or '}'"}, // found at the end
		{"missing dash", "http:\n  trusted_proxies:\n    - a\n    b\n", "FILE:4: could not find expected ':'"},
		{"block mapping value", "site:\n  name: a: b\n", "FILE:2: mapping values are not allowed in this context"},
		{"bad indent", "site:\n  name: a\n name: b\n", "FILE:3: did not find expected key"},
		{"tab", "site:\n\tname: a\n", "FILE:2: found character that cannot start any token"},
		{"two documents", "site:\n  name: a\n---\nsite:\n  name: b\n", "FILE:3: a second YAML document (after ---); a config file holds one"},
		{"undefined alias", "site:\n  name: *x\n", "FILE: unknown anchor 'x' referenced"},
	}
	for _, tt := range tests {
		path := writeConfig(t, tt.text)
		_, err := Load(path, nil)
		var errs ValidationErrors
		if errors.As(err, &errs) {
			t.Errorf("%s: a syntax error came back as ValidationErrors", tt.name)
		}
		if got := strings.Join(errorLines(err, path), "\n"); got != tt.want {
			t.Errorf("%s: Load() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path, nil)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(missing) = %v, want a not-exist error naming the file", err)
	}
}

func TestLoadEnv(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		check func(c *Config) bool
	}{
		{"string", []string{"BANTIN_HTTP_ADDR=:9000"}, func(c *Config) bool { return c.HTTP.Addr == ":9000" }},
		{"string kept verbatim", []string{"BANTIN_SITE_NAME= Tin # số 1 "}, func(c *Config) bool { return c.Site.Name == " Tin # số 1 " }},
		{"empty string", []string{"BANTIN_SOURCES_USER_AGENT="}, func(c *Config) bool { return c.Sources.UserAgent == "" }},
		{"value holding =", []string{"BANTIN_DATABASE_URL=postgres://h/db?sslmode=disable"}, func(c *Config) bool {
			return c.Database.URL == "postgres://h/db?sslmode=disable"
		}},
		{"size", []string{"BANTIN_ARTICLES_MAX_SIZE=512KB"}, func(c *Config) bool { return c.Articles.MaxSize == 512*KB }},
		{"duration", []string{"BANTIN_HTTP_READ_TIMEOUT=90s"}, func(c *Config) bool { return c.HTTP.ReadTimeout == 90*time.Second }},
		{"bool off", []string{"BANTIN_ARTICLES_WATCH=off"}, func(c *Config) bool { return !c.Articles.Watch }},
		{"int", []string{"BANTIN_SOURCES_CONCURRENCY= 16 "}, func(c *Config) bool { return c.Sources.Concurrency == 16 }},
		{"list", []string{"BANTIN_HTTP_TRUSTED_PROXIES=10.0.0.0/8, 192.168.1.1,,"}, func(c *Config) bool {
			return reflect.DeepEqual(c.HTTP.TrustedProxies, []string{"10.0.0.0/8", "192.168.1.1"})
		}},
		{"feeds as URLs", []string{"BANTIN_SOURCES_FEEDS=https://example.com/a,https://example.com/b"}, func(c *Config) bool {
			return reflect.DeepEqual(c.Sources.Feeds, []Feed{{URL: "https://example.com/a"}, {URL: "https://example.com/b"}})
		}},
		{"feeds as YAML", []string{"BANTIN_SOURCES_FEEDS=['https://example.com/a?x=1,2', {url: https://example.com/b, category: Thế giới}]"}, func(c *Config) bool {
			return reflect.DeepEqual(c.Sources.Feeds, []Feed{{URL: "https://example.com/a?x=1,2"}, {URL: "https://example.com/b", Category: "Thế giới"}})
		}},
		{"the config file variable is not a key", []string{"BANTIN_CONFIG=/etc/bantin.yaml"}, func(c *Config) bool { return reflect.DeepEqual(c, Default()) }},
		{"first of repeated entries wins", []string{"BANTIN_LOG_LEVEL=warn", "BANTIN_LOG_LEVEL=bogus"}, func(c *Config) bool { return c.Log.Level == "warn" }},
	}
	for _, tt := range tests {
		c, err := Load("", tt.env)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !tt.check(c) {
			t.Errorf("%s: got %+v", tt.name, c)
		}
	}
}

func TestLoadEnvOverridesFile(t *testing.T) {
	path := writeConfig(t, "http:\n  addr: :1111\n  trusted_proxies: [10.0.0.1, 10.0.0.2]\nlog:\n  level: debug\n")
	c, err := Load(path, []string{"BANTIN_HTTP_ADDR=:2222", "BANTIN_HTTP_TRUSTED_PROXIES="})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != ":2222" || c.HTTP.TrustedProxies != nil || c.Log.Level != "debug" {
		t.Errorf("got http %+v, log %+v", c.HTTP, c.Log)
	}
}

func TestLoadEnvErrors(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"unknown with suggestion", []string{"BANTIN_HTTP_ADR=:80"}, []string{"BANTIN_HTTP_ADR: unknown variable (did you mean BANTIN_HTTP_ADDR?)"}},
		{"unknown", []string{"BANTIN_SMTP_HOST=mail"}, []string{"BANTIN_SMTP_HOST: unknown variable"}},
		{"section is not a key", []string{"BANTIN_HTTP=x"}, []string{"BANTIN_HTTP: unknown variable"}},
		{"bare prefix", []string{"BANTIN_=x"}, []string{"BANTIN_: unknown variable"}},
		{"bad size", []string{"BANTIN_ARTICLES_MAX_SIZE=huge"}, []string{
			`BANTIN_ARTICLES_MAX_SIZE: articles.max_size: invalid size "huge": use a number of bytes, or a number and a unit such as 512KB or 2MB`,
		}},
		{"bad bool", []string{"BANTIN_ARTICLES_WATCH=maybe"}, []string{`BANTIN_ARTICLES_WATCH: articles.watch: invalid boolean "maybe": use true or false`}},
		{"empty number", []string{"BANTIN_SOURCES_CONCURRENCY="}, []string{"BANTIN_SOURCES_CONCURRENCY: sources.concurrency: empty value; unset the variable to keep the default"}},
		{"bad YAML list", []string{"BANTIN_SOURCES_FEEDS=[a"}, []string{"BANTIN_SOURCES_FEEDS: sources.feeds: not a valid YAML list: did not find expected ',' or ']'"}},
		{"unknown key in YAML list", []string{"BANTIN_SOURCES_FEEDS=[{uri: https://example.com/a}]"}, []string{
			"BANTIN_SOURCES_FEEDS: sources.feeds[0].uri: unknown key (did you mean sources.feeds[0].url?)",
		}},
		{"validation names the variable", []string{"BANTIN_HTTP_TRUSTED_PROXIES=10.0.0.0/8,nope", "BANTIN_LOG_FORMAT=xml"}, []string{
			`BANTIN_HTTP_TRUSTED_PROXIES: http.trusted_proxies[1]: "nope" is not an IP address or CIDR range such as 10.0.0.0/8`,
			`BANTIN_LOG_FORMAT: log.format: must be text or json, not "xml"`,
		}},
		{"all reported, in name order", []string{"BANTIN_ZZZ=1", "BANTIN_LOG_LEVEL=loud", "BANTIN_AAA=1", "BANTIN_HTTP_READ_TIMEOUT=5"}, []string{
			"BANTIN_AAA: unknown variable",
			`BANTIN_HTTP_READ_TIMEOUT: http.read_timeout: invalid duration "5": add a unit, such as 5s or 5m`,
			"BANTIN_ZZZ: unknown variable",
			`BANTIN_LOG_LEVEL: log.level: must be debug, info, warn or error, not "loud"`,
		}},
	}
	for _, tt := range tests {
		c, err := Load("", tt.env)
		if c != nil {
			t.Errorf("%s: Load returned a config with an error", tt.name)
		}
		if got := errorLines(err, "\x00"); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Load() errors:\n%s\nwant:\n%s", tt.name, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

// TestLoadSources checks that a validation error names where the value came
// from: the variable when the environment overrode the file.
func TestLoadSources(t *testing.T) {
	path := writeConfig(t, "log:\n  level: loud\n  format: xml\nsources:\n  feeds: [ftp://a]\n")
	_, err := Load(path, []string{"BANTIN_LOG_FORMAT=csv", "BANTIN_SOURCES_FEEDS=https://example.com/a,gopher://b"})
	want := []string{
		"BANTIN_SOURCES_FEEDS: sources.feeds[1].url: must start with http:// or https://",
		`FILE:2: log.level: must be debug, info, warn or error, not "loud"`,
		`BANTIN_LOG_FORMAT: log.format: must be text or json, not "csv"`,
	}
	if got := errorLines(err, path); !reflect.DeepEqual(got, want) {
		t.Errorf("Load() errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadCategoriesBothForms(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bantin.yaml")
	yaml := "articles:\n  categories:\n    - thoi-su=Thời sự\n    - slug: kinh-te\n      name: Kinh tế\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"thoi-su": "Thời sự", "kinh-te": "Kinh tế"}
	if got := c.CategoryNames(); len(got) != 2 || got["thoi-su"] != want["thoi-su"] || got["kinh-te"] != want["kinh-te"] {
		t.Fatalf("CategoryNames() = %v, want %v", got, want)
	}
	c, err = Load("", []string{"BANTIN_ARTICLES_CATEGORIES=van-hoa=Văn hóa, the-thao=Thể thao"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CategoryNames(); len(got) != 2 || got["the-thao"] != "Thể thao" {
		t.Fatalf("from env: CategoryNames() = %v", got)
	}
	if _, err := Load("", []string{"BANTIN_ARTICLES_CATEGORIES=thoi-su"}); err == nil || !strings.Contains(err.Error(), "BANTIN_ARTICLES_CATEGORIES") {
		t.Fatalf("entry without = gave %v, want an error naming the variable", err)
	}
}

func TestLoadIgnoresTestVariables(t *testing.T) {
	c, err := Load("", []string{"BANTIN_TEST_POSTGRES=postgres://postgres@127.0.0.1/test", "BANTIN_SITE_NAME=Tin Phường"})
	if err != nil {
		t.Fatalf("BANTIN_TEST_* rejected: %v", err)
	}
	if c.Site.Name != "Tin Phường" {
		t.Fatalf("site.name = %q", c.Site.Name)
	}
	if _, err := Load("", []string{"BANTIN_TESTING=1"}); err == nil {
		t.Fatal("BANTIN_TESTING (not the BANTIN_TEST_ prefix) was accepted")
	}
}
