package config

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:pw@h/db", "postgres://u:REDACTED@h/db"},
		{"postgres://u:pw@h:5432/db?sslmode=require", "postgres://u:REDACTED@h:5432/db?sslmode=require"},
		{"postgresql://u:p%40ss@h", "postgresql://u:REDACTED@h"},
		{"postgres://u:p@ss@h/db", "postgres://u:REDACTED@h/db"},
		{"postgres://u:pa/ss@h/db", "postgres://u:REDACTED@h/db"}, // invalid, still redacted
		{"postgres://u:@h/db", "postgres://u:REDACTED@h/db"},
		{"postgres://u@h/db", "postgres://u@h/db"}, // no password
		{"postgres://h/db?user=u&password=pw&sslpassword=x", "postgres://h/db?user=u&password=REDACTED&sslpassword=REDACTED"},
		{"https://user:secret@example.com/rss", "https://user:REDACTED@example.com/rss"},
		{"https://example.com/rss?token=abc&page=2#top", "https://example.com/rss?token=REDACTED&page=2#top"},
		{"https://example.com/feed?API_KEY=abc&sig=x&q=", "https://example.com/feed?API_KEY=REDACTED&sig=REDACTED&q="},
		{"https://example.com/rss?key=", "https://example.com/rss?key="},
		{"https://example.com:8080/@user/rss", "https://example.com:8080/@user/rss"},
		{"https://example.com/a@b:c", "https://example.com/a@b:c"},
		{"sqlite://./bantin.db", "sqlite://./bantin.db"},
		{"Bản tin <no-reply@localhost>", "Bản tin <no-reply@localhost>"},
		{"a:b@c", "a:b@c"}, // not a URL
		{"not a url://x:y@z", "not a url://x:y@z"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestConfigRedacted(t *testing.T) {
	c := Default()
	c.Database.URL = "postgres://bantin:hunter2@db/bantin"
	c.Sources.Feeds = []Feed{{URL: "https://reader:pw@example.com/rss", Name: "A"}, {URL: "https://example.com/b?token=t0k"}}
	c.HTTP.TrustedProxies = []string{"10.0.0.0/8"}

	r := c.Redacted()
	if r.Database.URL != "postgres://bantin:REDACTED@db/bantin" {
		t.Errorf("database.url = %q", r.Database.URL)
	}
	if r.Sources.Feeds[0].URL != "https://reader:REDACTED@example.com/rss" || r.Sources.Feeds[1].URL != "https://example.com/b?token=REDACTED" {
		t.Errorf("feeds = %+v", r.Sources.Feeds)
	}
	// A copy: changing it leaves the original alone.
	r.Sources.Feeds[0].Name = "changed"
	r.HTTP.TrustedProxies[0] = "changed"
	if c.Sources.Feeds[0].Name != "A" || c.HTTP.TrustedProxies[0] != "10.0.0.0/8" ||
		c.Database.URL != "postgres://bantin:hunter2@db/bantin" {
		t.Errorf("Redacted changed the original: %+v", c)
	}
	// Nothing else changes.
	d := Default()
	if !reflect.DeepEqual(d.Redacted(), d) {
		t.Errorf("Default().Redacted() differs from Default()")
	}
}

// secretTest is a struct with secrets, which Config does not have yet, to
// test the secret tag on every kind of field redactValue handles.
type secretTest struct {
	Name     string            `yaml:"name"`
	Password string            `yaml:"password" secret:"true"`
	Unset    string            `yaml:"unset" secret:"true"`
	Keys     []string          `yaml:"keys" secret:"true"`
	Raw      []byte            `yaml:"raw" secret:"true"`
	Plain    []byte            `yaml:"plain"`
	Nested   secretNested      `yaml:"nested"`
	Hidden   secretNested      `yaml:"hidden" secret:"true"`
	Ptr      *secretNested     `yaml:"ptr"`
	NilPtr   *secretNested     `yaml:"nil_ptr"`
	Map      map[string]string `yaml:"map" secret:"true"`
	Any      any               `yaml:"any" secret:"true"`
	Array    [2]string         `yaml:"array" secret:"true"`
	Count    int               `yaml:"count" secret:"true"`
	DSN      string            `yaml:"dsn"`
	private  string
}

type secretNested struct {
	Token string `yaml:"token" secret:"true"`
	Label string `yaml:"label"`
}

func TestRedactedSecretTag(t *testing.T) {
	in := &secretTest{
		Name:     "visible",
		Password: "hunter2",
		Keys:     []string{"k1", ""},
		Raw:      []byte("raw"),
		Plain:    []byte("plain"),
		Nested:   secretNested{Token: "t", Label: "l"},
		Hidden:   secretNested{Token: "t", Label: "l"},
		Ptr:      &secretNested{Token: "t", Label: "l"},
		Map:      map[string]string{"a": "1"},
		Any:      "s",
		Array:    [2]string{"x", "y"},
		Count:    3,
		DSN:      "postgres://u:pw@h/db",
		private:  "kept",
	}
	want := &secretTest{
		Name:     "visible",
		Password: "REDACTED",
		Unset:    "", // an unset secret shows as unset
		Keys:     []string{"REDACTED", ""},
		Raw:      []byte("REDACTED"),
		Plain:    []byte("plain"),
		Nested:   secretNested{Token: "REDACTED", Label: "l"},
		Hidden:   secretNested{Token: "REDACTED", Label: "REDACTED"},
		Ptr:      &secretNested{Token: "REDACTED", Label: "l"},
		Map:      map[string]string{"a": "REDACTED"},
		Any:      "REDACTED",
		Array:    [2]string{"REDACTED", "REDACTED"},
		Count:    3, // only text is redacted
		DSN:      "postgres://u:REDACTED@h/db",
		private:  "kept",
	}
	got := redacted(in)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("redacted =\n%+v\nwant\n%+v", got, want)
	}
	if in.Password != "hunter2" || in.Ptr.Token != "t" || in.Map["a"] != "1" || in.Keys[0] != "k1" {
		t.Errorf("redacted changed its input: %+v", in)
	}
	if got.Ptr == in.Ptr {
		t.Error("redacted shares a pointer with its input")
	}
}

func TestWriteYAML(t *testing.T) {
	c, err := Load("testdata/full.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.WriteYAML(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, ":secret@") || !strings.Contains(out, "postgres://bantin:REDACTED@db.internal:5432/bantin") {
		t.Errorf("WriteYAML did not redact the database password:\n%s", out)
	}
	if strings.Contains(out, "full-yaml-secret-key") || !strings.Contains(out, "secret_key: REDACTED") {
		t.Errorf("WriteYAML did not redact security.secret_key:\n%s", out)
	}
	if strings.Contains(out, "#") {
		t.Errorf("WriteYAML wrote comments:\n%s", out)
	}
	// What it prints loads back as the same configuration, but for the
	// redacted password.
	printed, want := unredactSecretKey(out, c.Redacted())
	back, err := Load(writeConfig(t, printed), nil)
	if err != nil {
		t.Fatalf("loading WriteYAML's output: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(back, want) {
		t.Errorf("round trip =\n%+v\nwant\n%+v\nYAML:\n%s", back, want, out)
	}
}

// TestWriteYAMLQuoting checks strings that need quoting survive the round
// trip.
func TestWriteYAMLQuoting(t *testing.T) {
	c := Default()
	for _, s := range []string{"yes", "null", "~", "123", "1.5", "- x", "a: b", "#x", " pad ", "'q'", `"dq"`, "*/5 * * * *", "@hourly", "Thế giới", "a\u00a0b", "tab\there", "line\nbreak", "\x7f", "[x]", "{x}", "!x", "&x", "%x", "`x"} {
		c.Sources.UserAgent = s
		c.Site.Name = s
		var buf bytes.Buffer
		if err := writeYAML(&buf, c, false); err != nil {
			t.Fatal(err)
		}
		d := &decoder{file: "x", origin: map[string]string{}}
		back := Default()
		root, err := parseYAML(buf.Bytes(), "x")
		if err != nil {
			t.Errorf("%q: %v\n%s", s, err, buf.String())
			continue
		}
		d.decode(reflect.ValueOf(back).Elem(), root, "")
		if len(d.errs) > 0 || back.Sources.UserAgent != s || back.Site.Name != s {
			t.Errorf("%q came back as %q, %q (%v)\n%s", s, back.Sources.UserAgent, back.Site.Name, d.sortedErrors(), buf.String())
		}
	}
}

// unredactSecretKey puts a real key where config print wrote the
// placeholder, which Validate rightly refuses, so that the rest of a printed
// configuration can be checked to load back.
func unredactSecretKey(printed string, want *Config) (string, *Config) {
	const key = "a-key-long-enough-to-pass-validation-0123456789"
	if want.Security.SecretKey == redactedText {
		printed = strings.Replace(printed, "secret_key: "+redactedText, "secret_key: "+key, 1)
		want.Security.SecretKey = key
	}
	if want.Admin.Token == redactedText {
		printed = strings.Replace(printed, "token: "+redactedText, "token: "+key, 1)
		want.Admin.Token = key
	}
	return printed, want
}
