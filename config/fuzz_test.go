package config

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load as a config file. Load must not
// panic; what it accepts must pass Validate; and what WriteYAML prints of
// it must load back as the same configuration.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"testdata/full.yaml", examplePath} {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"",
		"http:\n  adr: x\n",
		"sources:\n  feeds:\n    - https://example.com/a\n    - {url: https://example.com/b, name: B}\n",
		"sources:\n  schedule: TZ=UTC\n",
		"log: &a\n  <<: *a\n",
		"a: &x [*x]\n",
		"http:\n  <<: [{read_timeout: 3s}, {addr: ':1'}]\n",
		"site:\n  name: \"\\u0000\"\n",
		"- 1\n",
		"---\n---\n",
		"articles: {max_size: 1.5GiB, watch: on}\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path, nil)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Load accepted a config that Validate rejects: %v", err)
		}
		var buf bytes.Buffer
		if err := c.WriteYAML(&buf); err != nil {
			t.Fatal(err)
		}
		printed, want := unredactSecretKey(buf.String(), c.Redacted())
		back, err := load([]byte(printed), "printed", nil)
		if err != nil {
			t.Fatalf("WriteYAML's output does not load: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("WriteYAML round trip:\n%+v\nwant\n%+v\nYAML:\n%s", back, want, buf.String())
		}
	})
}
