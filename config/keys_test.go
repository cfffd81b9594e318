package config

import (
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite bantin.example.yaml and docs/config.md")

// The generated files live outside the package, at the repository root.
const (
	examplePath  = "../bantin.example.yaml"
	markdownPath = "../docs/config.md"
)

// TestGeneratedFiles fails when bantin.example.yaml or docs/config.md is not
// what the struct says; `go generate ./config` (this test with -update)
// rewrites them.
func TestGeneratedFiles(t *testing.T) {
	for path, want := range map[string]string{
		examplePath:  ExampleYAML(),
		markdownPath: MarkdownReference(),
	} {
		if *update {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go generate ./config)", err)
		}
		if string(got) != want {
			t.Errorf("%s is out of date: run go generate ./config", path)
		}
	}
}

// TestREADMEReference keeps the configuration table in README.md, between
// its markers, equal to the generated reference; -update rewrites it.
func TestREADMEReference(t *testing.T) {
	const path = "../README.md"
	const begin, end = "<!-- BEGIN config reference (go generate ./config) -->\n", "<!-- END config reference -->"
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i, j := strings.Index(string(readme), begin), strings.Index(string(readme), end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the config reference markers", path)
	}
	var table strings.Builder
	for line := range strings.Lines(MarkdownReference()) {
		if strings.HasPrefix(line, "|") {
			table.WriteString(line)
		}
	}
	want := string(readme[:i+len(begin)]) + table.String() + string(readme[j:])
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(readme) != want {
		t.Errorf("%s: the config reference is out of date: run go generate ./config", path)
	}
}

func TestKeys(t *testing.T) {
	keys := Keys()
	if len(keys) < 30 {
		t.Fatalf("Keys() returned only %d keys", len(keys))
	}
	envs := map[string]string{}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k.Key] {
			t.Errorf("key %s listed twice", k.Key)
		}
		seen[k.Key] = true
		if len(k.Doc) < 10 || !strings.HasSuffix(k.Doc, ".") {
			t.Errorf("key %s: doc %q should be a sentence", k.Key, k.Doc)
		}
		if k.Type == "" || strings.Contains(k.Type, ".") {
			t.Errorf("key %s: type %q", k.Key, k.Type)
		}
		if strings.Contains(k.Key, "[]") {
			if k.Env != "" {
				t.Errorf("list entry key %s has an environment variable", k.Key)
			}
			continue
		}
		if k.Env != EnvName(k.Key) {
			t.Errorf("key %s: env %q, want %q", k.Key, k.Env, EnvName(k.Key))
		}
		if other, dup := envs[k.Env]; dup {
			t.Errorf("keys %s and %s share the variable %s", other, k.Key, k.Env)
		}
		envs[k.Env] = k.Key
		if k.Env == EnvConfigFile {
			t.Errorf("key %s uses the reserved variable %s", k.Key, EnvConfigFile)
		}
	}
	for _, want := range []string{"http.addr", "articles.max_size", "sources.feeds", "sources.feeds[].url", "log.format"} {
		if !seen[want] {
			t.Errorf("Keys() lacks %s", want)
		}
	}
	if got := EnvName("articles.max_size"); got != "BANTIN_ARTICLES_MAX_SIZE" {
		t.Errorf("EnvName = %q", got)
	}
}

// TestSectionsDocumented checks the sections, which are not keys, have docs
// for the example file.
func TestSectionsDocumented(t *testing.T) {
	rt := reflect.TypeFor[Config]()
	for i := range rt.NumField() {
		if f := rt.Field(i); f.Tag.Get("doc") == "" || yamlName(f) == "" {
			t.Errorf("section %s lacks a yaml or doc tag", f.Name)
		}
	}
}

// TestKeysEnvRoundTrip sets every key from the environment to its
// documented default: it proves every key's type can be set from a variable
// and that KeyInfo.Default is in the form a variable takes.
func TestKeysEnvRoundTrip(t *testing.T) {
	var env []string
	for _, k := range Keys() {
		if k.Env != "" {
			env = append(env, k.Env+"="+k.Default)
		}
	}
	c, err := Load("", env)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("defaults set through the environment =\n%+v\nwant\n%+v", c, Default())
	}
}

// TestKeysDefaultWithList checks a non-empty list default renders in a form
// the environment reads back, for when one gets a default.
func TestKeysDefaultWithList(t *testing.T) {
	c := Default()
	c.Sources.Feeds = []Feed{{URL: "https://example.com/a"}, {URL: "https://example.com/b", Category: "Thế giới, Châu Á", Name: "B"}}
	for _, proxies := range [][]string{{"10.0.0.0/8", "::1"}, {"a,b", " c"}, {"[x]"}} {
		c.HTTP.TrustedProxies = proxies
		testListEnv(t, c)
	}
}

func testListEnv(t *testing.T, c *Config) {
	t.Helper()
	root := reflect.ValueOf(c).Elem()
	for _, l := range leaves(root.Type()) {
		want := root.FieldByIndex(l.index)
		if want.Kind() != reflect.Slice {
			continue
		}
		text := textOf(want)
		got := reflect.New(want.Type()).Elem()
		if errs := setEnv(got, l.key, EnvName(l.key), text); len(errs) > 0 {
			t.Errorf("%s=%s: %v", EnvName(l.key), text, errs)
			continue
		}
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			t.Errorf("%s=%s read back as %#v, want %#v", EnvName(l.key), text, got.Interface(), want.Interface())
		}
	}
}

// TestExampleFile checks bantin.example.yaml loads as the defaults and has
// every key, each under a comment.
func TestExampleFile(t *testing.T) {
	c, err := Load(examplePath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("%s does not hold the defaults:\n%+v", examplePath, c)
	}

	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	found := map[string]*yaml.Node{} // key path -> key node
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := joinKey(prefix, k.Value)
			found[path] = k
			if v.Kind == yaml.MappingNode {
				walk(v, path)
			}
		}
	}
	walk(doc.Content[0], "")
	for _, k := range Keys() {
		if list, entryKey, ok := strings.Cut(k.Key, "[]."); ok {
			// Entry keys are documented, with an example, in the comment
			// above their (empty) list.
			n := found[list]
			documented := n != nil && strings.Contains(n.HeadComment, "#   "+entryKey+": ")
			shown := n != nil && (strings.Contains(n.HeadComment, "#     - "+entryKey+": ") ||
				strings.Contains(n.HeadComment, "#       "+entryKey+": "))
			if !documented || !shown {
				t.Errorf("%s: the comment above %s does not document and show %s", examplePath, list, entryKey)
			}
			continue
		}
		n := found[k.Key]
		if n == nil {
			t.Errorf("%s lacks %s", examplePath, k.Key)
			continue
		}
		if !strings.HasPrefix(n.HeadComment, "#") {
			t.Errorf("%s: no comment above %s", examplePath, k.Key)
		}
	}
}

// TestMarkdownFile checks docs/config.md has a row for every key.
func TestMarkdownFile(t *testing.T) {
	data, err := os.ReadFile(markdownPath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, k := range Keys() {
		row := "| `" + k.Key + "` | "
		if k.Env != "" {
			row += "`" + k.Env + "` | "
		}
		if !strings.Contains(text, row) {
			t.Errorf("%s has no row starting %q", markdownPath, row)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for in, want := range map[string]string{"0s": "0s", "300ms": "300ms", "1m0s": "1m", "1h0m0s": "1h", "1h30m0s": "1h30m", "1h0m5s": "1h0m5s", "90s": "1m30s"} {
		d, err := parseDuration(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%s) = %q, want %q", in, got, want)
		}
	}
}
