package config

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Load returns the configuration made of the defaults, then the YAML file at
// path (none when path is ""), then the BANTIN_* variables in environ (in
// os.Environ form, "NAME=value"), normalised and validated.
//
// A file that cannot be read or is not YAML gives an error naming the file
// (and line). Every other problem is collected and returned together as
// [ValidationErrors]: unknown, repeated and mistyped keys in the file (with
// file:line), unknown BANTIN_* variables and bad values in them (with the
// variable's name), then the rules of [Config.Validate] (with where the bad
// value came from). On error the returned *Config is nil.
func Load(path string, environ []string) (*Config, error) {
	var data []byte
	if path != "" {
		var err error
		data, err = os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	return load(data, path, environ)
}

// load is Load after reading the file, for tests and fuzzing.
func load(data []byte, name string, environ []string) (*Config, error) {
	c := Default()
	d := &decoder{file: name, origin: map[string]string{}}
	if len(data) > 0 {
		root, err := parseYAML(data, name)
		if err != nil {
			return nil, err
		}
		if root != nil {
			d.decode(reflect.ValueOf(c).Elem(), root, "")
		}
	}
	errs := d.sortedErrors()
	errs = append(errs, applyEnv(c, environ, d.origin)...)
	c.normalize()
	followUnsetDefaults(c, d.origin)

	// A key whose value could not be read has already been reported; what
	// Validate would add about it (or about its parts) is noise.
	for _, fe := range c.validate() {
		if errs.touches(fe.Key) {
			continue
		}
		fe.Source = originOf(d.origin, fe.Key)
		errs = append(errs, fe)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// normalize puts values in the one form the rest of bantin expects, so that
// "https://example.com/" and "https://example.com" build the same links.
func (c *Config) normalize() {
	c.Site.URL = strings.TrimRight(c.Site.URL, "/")
}

var yamlLineErr = regexp.MustCompile(`^line (\d+): `)

// parseYAML parses one YAML document and returns its top-level node, or nil
// when the document is empty.
func parseYAML(data []byte, name string) (root *yaml.Node, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		return nil, nil
	case err != nil:
		return nil, syntaxError(name, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, syntaxError(name, err)
	default:
		// A second document would be silently ignored: refuse it instead.
		return nil, fmt.Errorf("%s:%d: a second YAML document (after ---); a config file holds one", name, next.Line)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	root = doc.Content[0]
	if isNull(root) {
		return nil, nil
	}
	return root, nil
}

// syntaxError rewrites yaml.v3's "yaml: line 3: msg" as "file:3: msg", the
// form editors and terminals turn into a link.
func syntaxError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	// yaml.v3 v3.0.1 numbers lines from 0 for the parser's errors (only its
	// scanner's get the +1), and leaves out line 0. TestLoadSyntaxErrors
	// pins this, so an upgrade that fixes it shows up.
	for _, p := range yamlParserProblems {
		if strings.HasPrefix(msg, p) {
			line++
			break
		}
	}
	if line == 0 {
		return fmt.Errorf("%s: %s", name, msg)
	}
	return fmt.Errorf("%s:%d: %s", name, line, msg)
}

// yamlParserProblems are the messages of yaml.v3's parser (parserc.go), as
// opposed to its scanner.
var yamlParserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found undefined tag handle",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// decoder sets struct fields from a YAML node tree by reflection, following
// the yaml tags. It is used instead of yaml.v3's own decoding for three
// reasons: errors must name the full key path with file:line (KnownFields
// gives neither), every error in the file must be reported rather than the
// first, and an empty value must keep the default (yaml.v3 would zero a whole
// section written as "http:" with its keys commented out).
type decoder struct {
	file   string
	errs   []lineError
	origin map[string]string // key path -> "file:line" that set it
}

type lineError struct {
	line int
	FieldError
}

func (d *decoder) fail(n *yaml.Node, key, format string, args ...any) {
	d.errs = append(d.errs, lineError{n.Line, FieldError{
		Key:    key,
		Reason: fmt.Sprintf(format, args...),
		Source: d.where(n),
	}})
}

func (d *decoder) where(n *yaml.Node) string {
	return d.file + ":" + strconv.Itoa(n.Line)
}

func (d *decoder) sortedErrors() ValidationErrors {
	sort.SliceStable(d.errs, func(i, j int) bool { return d.errs[i].line < d.errs[j].line })
	var out ValidationErrors
	for _, e := range d.errs {
		out = append(out, e.FieldError)
	}
	return out
}

// maxAliasDepth bounds alias and merge-key chains, which YAML lets refer to
// themselves; real files use one level.
const maxAliasDepth = 16

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxAliasDepth; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a single value"
	}
	return "something else"
}

var textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()

// isText reports whether values of t are read from one string: scalars, and
// types such as ByteSize and Feed that unmarshal from text.
func isText(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Slice, reflect.Array, reflect.Map, reflect.Pointer, reflect.Interface:
		return false
	}
	return true
}

// decode sets v, which is addressable and is the value of key, from n. A
// null node keeps v as it is: an empty key means "the default".
func (d *decoder) decode(v reflect.Value, n *yaml.Node, key string) {
	n = deref(n)
	if isNull(n) {
		return
	}
	t := v.Type()
	switch {
	case n.Kind == yaml.ScalarNode && isText(t):
		if err := setText(v, n.Value); err != nil {
			d.fail(n, key, "%v", err)
		}
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		d.decodeMapping(v, n, key, 0)
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		d.decodeList(v, n, key)
	default:
		d.fail(n, key, "expected %s, got %s", withArticle(typeName(t)), kindName(n))
	}
}

func (d *decoder) decodeList(v reflect.Value, n *yaml.Node, key string) {
	if len(n.Content) == 0 {
		// nil, not empty, so that "[]" compares equal to the default.
		v.Set(reflect.Zero(v.Type()))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		ik := key + "[" + strconv.Itoa(i) + "]"
		d.origin[ik] = d.where(item)
		if isNull(deref(item)) {
			d.fail(item, ik, "empty list entry")
			continue
		}
		d.decode(s.Index(i), item, ik)
	}
	v.Set(s)
}

func (d *decoder) decodeMapping(v reflect.Value, n *yaml.Node, key string, depth int) {
	fields := fieldIndex(v.Type())
	// Merge keys (<<: *base) first, so the mapping's own keys win wherever
	// they appear, as YAML specifies.
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.ShortTag() != "!!merge" {
			continue
		}
		if depth >= maxAliasDepth {
			d.fail(k, key, "merge keys (<<) nested too deeply")
			continue
		}
		val = deref(val)
		srcs := []*yaml.Node{val}
		if val.Kind == yaml.SequenceNode {
			srcs = val.Content
		}
		for _, src := range srcs {
			src = deref(src)
			if src.Kind != yaml.MappingNode {
				d.fail(k, key, "merge key (<<) needs a mapping, got %s", kindName(src))
				continue
			}
			d.decodeMapping(v, src, key, depth+1)
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.ShortTag() == "!!merge" {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, key, "a key must be a plain name, got %s", kindName(k))
			continue
		}
		path := joinKey(key, k.Value)
		if line, dup := seen[k.Value]; dup {
			d.fail(k, path, "repeated key (first set at line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		f, ok := fields[k.Value]
		if !ok {
			d.fail(k, path, "unknown key%s", suggest(k.Value, fieldNames(v.Type()), func(s string) string { return joinKey(key, s) }))
			continue
		}
		d.origin[path] = d.where(k)
		d.decode(v.Field(f), val, path)
	}
}

func joinKey(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// yamlName returns the key of a struct field: its yaml tag name, or "" for a
// field that is not part of the configuration.
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

func fieldIndex(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			m[name] = i
		}
	}
	return m
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			names = append(names, name)
		}
	}
	return names
}

var durationType = reflect.TypeFor[time.Duration]()

// setText sets v from its text form, the same for YAML scalars and
// environment variables so both accept (and reject) the same values.
func setText(v reflect.Value, s string) error {
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(s))
	}
	if v.Type() == durationType {
		d, err := parseDuration(s)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := parseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return fmt.Errorf("number %q out of range", s)
			}
			return fmt.Errorf("invalid number %q: use a whole number such as 4", s)
		}
		v.SetInt(n)
	default:
		// Only reached if a field of a new type is added without teaching
		// setText about it; TestKeysEnvRoundTrip catches that.
		return fmt.Errorf("values of type %s cannot be set from text", v.Type())
	}
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	d, err := time.ParseDuration(t)
	if err == nil {
		return d, nil
	}
	if _, nerr := strconv.ParseFloat(t, 64); nerr == nil {
		return 0, fmt.Errorf("invalid duration %q: add a unit, such as %ss or %sm", s, t, t)
	}
	return 0, fmt.Errorf("invalid duration %q: use a number and a unit, such as 300ms, 90s, 5m or 1h30m", s)
}

// parseBool accepts YAML 1.1's yes/no and on/off besides true/false, because
// "watch: yes" and BANTIN_ARTICLES_WATCH=off are what people write.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("invalid boolean %q: use true or false", s)
}

// suggest returns " (did you mean X?)" for the candidate closest to got, if
// one is close enough to be a typo, or "".
func suggest(got string, candidates []string, show func(string) string) string {
	best, bestDist := "", 0
	for _, c := range candidates {
		d := editDistance(strings.ToLower(got), strings.ToLower(c))
		if best == "" || d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" || bestDist > max(1, len(best)/3) {
		return ""
	}
	return " (did you mean " + show(best) + "?)"
}

// editDistance is the Levenshtein distance between a and b, in bytes: keys
// and variable names are ASCII.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// originOf returns where the value of key came from: the entry for key, or
// for the nearest enclosing key ("sources.feeds[1]" for
// "sources.feeds[1].url", when the entry was written as a plain URL).
func originOf(origin map[string]string, key string) string {
	for key != "" {
		if o, ok := origin[key]; ok {
			return o
		}
		key = parentKey(key)
	}
	return ""
}

// parentKey strips the last ".name" or "[i]" from key.
func parentKey(key string) string {
	i := strings.LastIndexAny(key, ".[")
	if i < 0 {
		return ""
	}
	return key[:i]
}

// followUnsetDefaults adjusts the defaults of keys left unset that must
// fit keys that were set. delivery.record_every's default (100) follows a
// smaller delivery.max_unrecorded: a file valid under the old default (50)
// must not stop the daemon after an upgrade.
func followUnsetDefaults(c *Config, origin map[string]string) {
	d := &c.Delivery
	if _, set := origin["delivery.record_every"]; !set && d.MaxUnrecorded >= 1 && d.RecordEvery > d.MaxUnrecorded {
		d.RecordEvery = d.MaxUnrecorded
	}
}
