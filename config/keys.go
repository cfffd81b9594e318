package config

import (
	"encoding"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// KeyInfo describes one configuration key.
type KeyInfo struct {
	// Key is the key path, as in the YAML file: "http.addr". The keys of a
	// list's entries have "[]" for the index: "sources.feeds[].url".
	Key string
	// Env is the environment variable that sets the key, such as
	// "BANTIN_HTTP_ADDR"; empty for the keys of list entries, which are set
	// with their list.
	Env string
	// Type is "string", "integer", "boolean", "duration", "size" or "list of
	// ...".
	Type string
	// Default is the default value written as the environment variable
	// takes it; empty for an empty string or list.
	Default string
	// Doc says what the key does, from the field's doc tag.
	Doc string
}

// Keys returns every key in the order of the struct, derived from it by
// reflection so it cannot fall out of step with what Load accepts.
func Keys() []KeyInfo {
	def := reflect.ValueOf(Default()).Elem()
	var out []KeyInfo
	for _, l := range leaves(def.Type()) {
		t := l.field.Type
		out = append(out, KeyInfo{
			Key:     l.key,
			Env:     EnvName(l.key),
			Type:    typeName(t),
			Default: textOf(def.FieldByIndex(l.index)),
			Doc:     l.field.Tag.Get("doc"),
		})
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct {
			for _, sub := range leaves(t.Elem()) {
				out = append(out, KeyInfo{
					Key:  l.key + "[]." + sub.key,
					Type: typeName(sub.field.Type),
					Doc:  sub.field.Tag.Get("doc"),
				})
			}
		}
	}
	return out
}

// leaf is a key that holds a value: a field that is not a section.
type leaf struct {
	key   string
	index []int // for reflect.Value.FieldByIndex from the root
	field reflect.StructField
}

// leaves returns the keys of struct type t in field order. A struct field
// is a section to descend into unless it unmarshals from text.
func leaves(t reflect.Type) []leaf {
	var out []leaf
	var walk func(t reflect.Type, prefix string, index []int)
	walk = func(t reflect.Type, prefix string, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			name := yamlName(f)
			if name == "" {
				continue
			}
			idx := append(index[:len(index):len(index)], i)
			if isSection(f.Type) {
				walk(f.Type, joinKey(prefix, name), idx)
				continue
			}
			out = append(out, leaf{key: joinKey(prefix, name), index: idx, field: f})
		}
	}
	walk(t, "", nil)
	return out
}

// isSection reports whether t is written as a YAML mapping: a struct that
// does not marshal to text. (Feed unmarshals from text, a URL, but is
// written as a mapping.)
func isSection(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && !t.Implements(textMarshalerType)
}

var byteSizeType = reflect.TypeFor[ByteSize]()

// typeName names t for people: in docs and in "expected ..." errors.
func typeName(t reflect.Type) string {
	switch {
	case t == durationType:
		return "duration"
	case t == byteSizeType:
		return "size"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Slice:
		return "list of " + plural(typeName(t.Elem()))
	case reflect.Struct:
		// A list entry (Feed) is named for what it is; a section is a
		// mapping.
		if reflect.PointerTo(t).Implements(textUnmarshalerType) {
			return strings.ToLower(t.Name())
		}
		return "mapping"
	}
	return t.String()
}

// withArticle puts "a" or "an" before a type name.
func withArticle(name string) string {
	if name != "" && strings.ContainsRune("aeiou", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}

// formatDuration is time.Duration.String without the zero units it adds:
// "1m" rather than "1m0s".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

var textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()

// textOf formats v as an environment variable would set it.
func textOf(v reflect.Value) string {
	t := v.Type()
	switch {
	case t == durationType:
		return formatDuration(time.Duration(v.Int()))
	case t.Implements(textMarshalerType):
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return fmt.Sprint(v.Interface())
		}
		return string(b)
	}
	switch t.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Slice:
		if v.Len() == 0 {
			return ""
		}
		if !isSection(t.Elem()) {
			parts := make([]string, v.Len())
			flow := false
			for i := range parts {
				parts[i] = textOf(v.Index(i))
				p := strings.TrimSpace(parts[i])
				flow = flow || p == "" || p != parts[i] || strings.Contains(p, ",") || i == 0 && strings.HasPrefix(p, "[")
			}
			if !flow {
				return strings.Join(parts, ",")
			}
			// Values that commas or spaces would split or change: a YAML
			// flow sequence of quoted strings, which setEnv also reads.
			for i := range parts {
				parts[i] = strconv.Quote(parts[i])
			}
			return "[" + strings.Join(parts, ", ") + "]"
		}
		var b strings.Builder
		b.WriteString("[")
		for i := range v.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(flowMapping(v.Index(i)))
		}
		b.WriteString("]")
		return b.String()
	}
	return fmt.Sprint(v.Interface())
}

// flowMapping writes struct v as a YAML flow mapping of its non-empty keys.
func flowMapping(v reflect.Value) string {
	var parts []string
	for i := range v.NumField() {
		name := yamlName(v.Type().Field(i))
		if name == "" || v.Field(i).IsZero() {
			continue
		}
		text := scalarYAML(v.Field(i))
		if v.Field(i).Kind() == reflect.String && strings.ContainsAny(text, ",[]{}") && !strings.HasPrefix(text, `"`) {
			// Flow indicators end a plain (or break a single-quoted)
			// scalar inside [...] and {...}.
			text = strconv.Quote(v.Field(i).String())
		}
		parts = append(parts, name+": "+text)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// yamlString writes s as a YAML scalar, quoted only where YAML needs it.
func yamlString(s string) string {
	out, err := yaml.Marshal(s)
	str := strings.TrimSuffix(string(out), "\n")
	// A multi-line value comes out as a block; an invalid UTF-8 one as
	// !!binary. Neither fits on a key's line: use a double-quoted string,
	// whose escapes Go's and YAML's syntaxes share.
	if err != nil || strings.Contains(str, "\n") || strings.HasPrefix(str, "!!") {
		return strconv.Quote(s)
	}
	return str
}

// scalarYAML writes a value that fits on one line. Only strings need
// quoting: the text of the other types is plain YAML.
func scalarYAML(v reflect.Value) string {
	if v.Kind() == reflect.String && !v.Type().Implements(textMarshalerType) {
		return yamlString(v.String())
	}
	return textOf(v)
}

// writeYAML writes c as YAML that Load reads back, with the doc tags as
// comments when comments is set. It is written by hand rather than with
// yaml.Marshal to keep the file in struct order with a comment above every
// key, and durations as "1m" rather than "1m0s".
func writeYAML(w io.Writer, c *Config, comments bool) error {
	var b strings.Builder
	writeMapping(&b, reflect.ValueOf(c).Elem(), 0, comments)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMapping(b *strings.Builder, v reflect.Value, depth int, comments bool) {
	pad := strings.Repeat("  ", depth)
	first := true
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name := yamlName(f)
		if name == "" {
			continue
		}
		if !first && (comments || depth == 0) {
			b.WriteString("\n")
		}
		first = false
		if comments {
			writeComment(b, pad, "", f.Tag.Get("doc"))
			if t := f.Type; t.Kind() == reflect.Slice && isSection(t.Elem()) {
				writeEntryDocs(b, pad, name, f, t.Elem())
			}
		}
		fv := v.Field(i)
		switch {
		case isSection(f.Type):
			b.WriteString(pad + name + ":\n")
			writeMapping(b, fv, depth+1, comments)
		case f.Type.Kind() == reflect.Slice:
			b.WriteString(pad + name + ":")
			writeList(b, fv, pad+"  ")
		default:
			b.WriteString(pad + name + ": " + scalarYAML(fv) + "\n")
		}
	}
}

func writeList(b *strings.Builder, v reflect.Value, pad string) {
	if v.Len() == 0 {
		b.WriteString(" []\n")
		return
	}
	b.WriteString("\n")
	for i := range v.Len() {
		item := v.Index(i)
		if !isSection(item.Type()) {
			b.WriteString(pad + "- " + scalarYAML(item) + "\n")
			continue
		}
		dash := "- "
		for j := range item.NumField() {
			name := yamlName(item.Type().Field(j))
			if name == "" || item.Field(j).IsZero() {
				continue
			}
			b.WriteString(pad + dash + name + ": " + scalarYAML(item.Field(j)) + "\n")
			dash = "  "
		}
		if dash == "- " {
			b.WriteString(pad + "- {}\n")
		}
	}
}

// writeEntryDocs documents the keys of a list's entries and shows an
// example entry, all as comments, since the default list is empty.
func writeEntryDocs(b *strings.Builder, pad, name string, f reflect.StructField, elem reflect.Type) {
	b.WriteString(pad + "# The keys of an entry:\n")
	example := reflect.New(elem).Elem()
	for _, sub := range leaves(elem) {
		writeComment(b, pad, "  "+sub.key+": ", sub.field.Tag.Get("doc"))
		if ex, ok := sub.field.Tag.Lookup("example"); ok {
			_ = setText(example.FieldByIndex(sub.index), ex)
		}
	}
	b.WriteString(pad + "# For example:\n")
	b.WriteString(pad + "#   " + name + ":\n")
	if ex, ok := f.Tag.Lookup("example"); ok {
		b.WriteString(pad + "#     - " + yamlString(ex) + "\n")
	}
	var list strings.Builder
	s := reflect.MakeSlice(f.Type, 1, 1)
	s.Index(0).Set(example)
	writeList(&list, s, "")
	for line := range strings.SplitSeq(strings.TrimSpace(list.String()), "\n") {
		b.WriteString(pad + "#     " + line + "\n")
	}
}

// commentWidth is where comments wrap, so the file reads well in an
// 80-column terminal.
const commentWidth = 80

// writeComment writes text as "# " comment lines indented by pad, the first
// starting with lead and the rest indented to match it.
func writeComment(b *strings.Builder, pad, lead, text string) {
	if text == "" {
		return
	}
	hang := strings.Repeat(" ", len(lead))
	line := pad + "# " + lead
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && len([]rune(line))+1+len([]rune(word)) > commentWidth {
			b.WriteString(line + "\n")
			line, empty = pad+"# "+hang, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	b.WriteString(line + "\n")
}

// ExampleYAML returns the text of bantin.example.yaml: every key at its
// default value, each with its documentation as a comment.
func ExampleYAML() string {
	var b strings.Builder
	b.WriteString(exampleHeader)
	_ = writeYAML(&b, Default(), true)
	return b.String()
}

const exampleHeader = `# bantin configuration, with every key at its default value.
#
# bantin runs with no file at all: copy this one, keep the keys you change and
# delete the rest. A key left empty keeps its default; an unknown key is an
# error.
#
# Every key can also be set by an environment variable, which wins over the
# file: BANTIN_ and the key path in upper case with dots as underscores
# (http.addr is BANTIN_HTTP_ADDR). Durations are written 300ms, 90s, 5m or
# 1h30m; sizes 512KB, 2MB or 1GB (1024-based). docs/config.md lists every key.
#
# Generated from the doc tags in config/config.go by "go generate ./config":
# edit those rather than this file.

`

// MarkdownReference returns the text of docs/config.md: how configuration
// is read, and a table of every key from [Keys].
func MarkdownReference() string {
	var b strings.Builder
	b.WriteString(markdownHeader)
	b.WriteString("| Key | Environment variable | Type | Default | Meaning |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, k := range Keys() {
		env, def := "—", "*empty*"
		if k.Env != "" {
			env = code(k.Env)
		} else {
			def = "—"
		}
		if k.Default != "" {
			def = code(k.Default)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n",
			code(k.Key), env, cell(k.Type), cell(def), cell(k.Doc))
	}
	return b.String()
}

const markdownHeader = `# Configuration reference

<!-- Generated from the doc tags in config/config.go by "go generate ./config"; do not edit. -->

bantin runs with no configuration at all: every key has a default that keeps
its data in ./bantin.db (SQLite) and delivers mail into a Maildir under
./var/mail. Settings are read in this order, later ones winning:

1. the defaults below;
2. the YAML file (see [bantin.example.yaml](../bantin.example.yaml), which has
   every key at its default). An unknown or repeated key is an error naming
   the key and its file:line. A key left empty (` + "`addr:`" + `) keeps its
   default;
3. environment variables: ` + "`BANTIN_`" + ` and the key path in upper case with dots as
   underscores (` + "`http.addr`" + ` is ` + "`BANTIN_HTTP_ADDR`" + `). An unknown ` + "`BANTIN_*`" + `
   variable is an error, so a typo does not pass silently. ` + "`BANTIN_CONFIG`" + ` is
   not a key and is left alone.

Every problem is reported at once, each with its key and where the bad value
came from. ` + "`bantin config print`" + ` shows the result, with passwords in URLs
replaced by REDACTED.

Value formats:

- **duration**: a number and a unit: ` + "`300ms`, `90s`, `5m`, `1h30m`" + `.
- **size**: bytes (` + "`2097152`" + `) or a number and a unit (` + "`512KB`, `1.5MB`, `2MiB`" + `).
  KB, MB, GB and TB are 1024-based, the same as KiB, MiB, GiB and TiB.
- **boolean**: ` + "`true`/`false`" + ` (also ` + "`yes`/`no`, `on`/`off`" + `).
- **list**, in an environment variable: comma-separated values
  (` + "`10.0.0.0/8,192.168.0.0/16`" + `), or a YAML flow sequence, needed for a value
  holding a comma or an entry with several keys:
  ` + "`[{url: https://example.com/rss, category: Thế giới}]`" + `. An empty
  variable sets an empty list.

`

// code writes s as a Markdown code span.
func code(s string) string {
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

// cell makes s safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// plural makes an English plural of a type name for the reference.
func plural(s string) string {
	if strings.HasSuffix(s, "y") {
		return strings.TrimSuffix(s, "y") + "ies"
	}
	return s + "s"
}
