package article

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"
)

const nbsp = '\u00a0'

// prepare turns raw input into NFC text with LF line ends, or reports why it
// cannot. The order matters: binary data is recognised before UTF-8 is
// checked (a JPEG is "binary", not "invalid UTF-8 at line 3"), and line ends
// are unified before any line number is computed so numbers match what an
// editor shows for CR-only files too. Every import runs through here, so the
// common case (clean NFC text) costs two passes over the bytes.
func (p *Parser) prepare(in Input) (string, error) {
	data := in.Data
	if int64(len(data)) > p.maxSize {
		return "", perr(in.Name, 0, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), p.maxSize))
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var controls int
	hasCR := false
	for i, c := range data {
		if c >= 0x20 && c != 0x7f {
			continue
		}
		switch c {
		case 0:
			return "", perr(in.Name, lineAt(data, i), fmt.Errorf("%w: NUL byte", ErrBinary))
		case '\r':
			hasCR = true
		case '\t', '\n', '\f':
		default:
			controls++
		}
	}
	// More than one byte in ten being a control character no text file
	// uses: a binary format that happens to have no NUL byte.
	if controls*10 > len(data) {
		return "", perr(in.Name, 0, fmt.Errorf("%w: mostly control characters", ErrBinary))
	}
	if hasCR {
		// A copy, never in place: in.Data belongs to the caller.
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	s := string(data)
	if !isCleanNFC(s) {
		if !utf8.ValidString(s) {
			off := firstInvalidUTF8(data)
			return "", perr(in.Name, lineAt(data, off), fmt.Errorf("%w: byte 0x%02x at offset %d", ErrInvalidUTF8, data[off], off))
		}
		s = norm.NFC.String(stripXMLInvalid(s))
	}
	if strings.TrimSpace(s) == "" {
		return "", perr(in.Name, 0, ErrEmpty)
	}
	return s, nil
}

// lineAt returns the 1-based line of byte offset off.
func lineAt(data []byte, off int) int {
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// isCleanNFC reports whether s is already what cleanText makes of it, bar
// trimming: valid UTF-8, nothing XML cannot carry, NFC. It answers for the
// common case only: it says false for some clean text (any rune outside
// the ranges of inertRune), which then takes the slow, exact path. Almost
// all Vietnamese text passes, several times faster than norm's quick check,
// which used to dominate the cost of parsing an article.
func isCleanNFC(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c < utf8.RuneSelf:
			if c < 0x20 && c != '\t' && c != '\n' {
				return false
			}
			i++
		case c >= 0xc2 && c <= 0xcb: // U+0080 to U+02FF
			if i+1 >= len(s) || s[i+1]&0xc0 != 0x80 {
				return false
			}
			i += 2
		case c == 0xe1 && i+2 < len(s) && s[i+1] >= 0xb8 && s[i+1] <= 0xbb && s[i+2]&0xc0 == 0x80: // U+1E00 to U+1EFF
			i += 3
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if !inertRune(r) {
				return false
			}
			i += n
		}
	}
	return true
}

// inertRune reports whether r is in a range where every rune is NFC by
// itself, a starter, and never composes with the rune before it
// (TestInertRunes checks each against the Unicode tables): Latin up to the
// combining diacritics, Latin Extended Additional (the precomposed
// Vietnamese letters), general punctuation, and the đồng and euro signs.
// U+FFFD is not among them, so invalid UTF-8 never looks clean.
func inertRune(r rune) bool {
	return r < 0x300 ||
		(r >= 0x1e00 && r <= 0x1eff) ||
		(r >= 0x2010 && r <= 0x2027) ||
		(r >= 0x2030 && r <= 0x205e) ||
		r == 0x20ab || r == 0x20ac
}

// stripXMLInvalid drops what XML 1.0 cannot carry (C0 controls other than
// tab and newline, U+FFFE, U+FFFF): every feed we publish is XML, and one
// stray control character would make a whole feed unreadable. It also
// repairs invalid UTF-8, which matters for callers of Normalize. It must
// run before NFC: a removed control character can leave a base letter and a
// combining mark side by side.
func stripXMLInvalid(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToValidUTF8(s, "\ufffd") {
		if (r < 0x20 && r != '\t' && r != '\n') || r == 0xfffe || r == 0xffff {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cleanText makes one field safe to store and publish: valid UTF-8 that XML
// can carry, NFC, trimmed.
func cleanText(s string) string {
	if !isCleanNFC(s) {
		s = norm.NFC.String(stripXMLInvalid(s))
	}
	return strings.TrimSpace(s)
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// collapseSpace trims s and turns every run of white space into one space,
// except that a run made only of no-break spaces stays one no-break space:
// Vietnamese typesetting uses it between a number and its unit ("10 km").
func collapseSpace(s string) string {
	s = strings.TrimSpace(s)
	prevSpace := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiSpace[c] {
				if prevSpace || c != ' ' {
					return collapseSlow(s)
				}
				prevSpace = true
			} else {
				prevSpace = false
			}
			i++
			continue
		}
		// Only runes led by these bytes can be white space (U+0085,
		// U+00A0, U+1680, U+2000 to U+205F, U+3000); the Vietnamese letters
		// (E1 B8-BB) are skipped without decoding.
		if c != 0xc2 && c != 0xe2 && c != 0xe3 && (c != 0xe1 || i+1 >= len(s) || s[i+1] != 0x9a) {
			prevSpace = false
			i += utf8SeqLen(c)
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			if prevSpace || r != nbsp {
				return collapseSlow(s)
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
		i += n
	}
	return s
}

// utf8SeqLen is the length of the sequence lead byte c starts, 1 for a byte
// that cannot lead one.
func utf8SeqLen(c byte) int {
	switch {
	case c >= 0xf0 && c < 0xf8:
		return 4
	case c >= 0xe0:
		return 3
	case c >= 0xc0:
		return 2
	}
	return 1
}

func collapseSlow(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inRun, runNBSP := false, true
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !inRun {
				inRun, runNBSP = true, true
			}
			if r != nbsp {
				runNBSP = false
			}
			continue
		}
		if inRun {
			if runNBSP {
				b.WriteRune(nbsp)
			} else {
				b.WriteByte(' ')
			}
			inRun = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

var htmlEscapes = [256]string{'&': "&amp;", '<': "&lt;", '>': "&gt;", '"': "&#34;", '\'': "&#39;"}

// writeEscaped appends s to b escaped for HTML text and attribute values,
// as html.EscapeString does. This path runs once per paragraph of every
// imported article; writing straight into the builder avoids a copy.
func writeEscaped(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		if esc := htmlEscapes[s[i]]; esc != "" {
			b.WriteString(s[last:i])
			b.WriteString(esc)
			last = i + 1
		}
	}
	b.WriteString(s[last:])
}

// maxSlugLen bounds slugs so URLs stay readable and fit in mail clients'
// link previews.
const maxSlugLen = 80

// slugFold maps Latin letters that do not decompose under NFD to ASCII.
var slugFold = map[rune]string{
	'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d",
	'ß': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe",
	'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'þ': "th", 'Þ': "th",
	'ı': "i",
}

// Slugify returns the URL form of s: diacritics dropped (đ and Đ become d),
// lower case, every run of other characters one hyphen, no leading or
// trailing hyphen, and at most 80 bytes, cut at a word boundary when there is
// one. The result holds only [a-z0-9-] and is empty when s has no Latin
// letter or digit.
func Slugify(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	dash := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case unicode.Is(unicode.Mn, r):
			continue
		default:
			if f, ok := slugFold[r]; ok {
				if dash && b.Len() > 0 {
					b.WriteByte('-')
				}
				dash = false
				b.WriteString(f)
				continue
			}
			dash = true
			continue
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) > maxSlugLen {
		cut := strings.LastIndexByte(out[:maxSlugLen+1], '-')
		if cut <= 0 {
			cut = maxSlugLen
		}
		out = strings.TrimRight(out[:cut], "-")
	}
	return out
}

// IDFromKey returns a stable short id for a source key: the first 16 hex
// digits of its SHA-256.
func IDFromKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// ContentHash returns the hex SHA-256 of every field a reader can see (all
// but ID, SourceKey, UpdatedAt and ContentHash). Each field is written with
// its length in front, so no two different articles hash the same input
// stream however their texts are cut.
func ContentHash(a *Article) string {
	var published string
	if !a.PublishedAt.IsZero() {
		// UTC: the same instant read in another zone is the same article.
		published = a.PublishedAt.UTC().Format(time.RFC3339Nano)
	}
	fields := make([]string, 0, 16+len(a.Tags)+2*len(a.Images))
	fields = append(fields, a.Slug, a.Title, a.Lead, a.BodyHTML, a.Category, a.CategorySlug,
		strconv.Itoa(len(a.Tags)))
	fields = append(fields, a.Tags...)
	fields = append(fields, a.Byline, strconv.Itoa(len(a.Images)))
	for _, im := range a.Images {
		fields = append(fields, im.URL, im.Caption)
	}
	fields = append(fields, a.Link, strconv.FormatBool(a.Newsletter), published)

	// One buffer and one Sum256: hash.Hash has no WriteString, and a
	// []byte conversion per field costs more than the hashing.
	n := 0
	for _, f := range fields {
		n += binary.MaxVarintLen64 + len(f)
	}
	buf := make([]byte, 0, n)
	for _, f := range fields {
		buf = binary.AppendUvarint(buf, uint64(len(f)))
		buf = append(buf, f...)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

var weekdayVI = [7]string{"Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"}

// FormatDateVI formats t the way Vietnamese readers expect, in t's own
// location: "Thứ Sáu, 10/7/2020", with no leading zeros.
func FormatDateVI(t time.Time) string {
	y, m, d := t.Date()
	return weekdayVI[t.Weekday()] + ", " + strconv.Itoa(d) + "/" + strconv.Itoa(int(m)) + "/" + strconv.Itoa(y)
}

// weekdayNames holds the spellings of weekdays found in the wild, lower case
// with single spaces.
var weekdayNames = map[string]time.Weekday{
	"chủ nhật": time.Sunday, "cn": time.Sunday,
	"thứ hai": time.Monday, "thứ 2": time.Monday,
	"thứ ba": time.Tuesday, "thứ 3": time.Tuesday,
	"thứ tư": time.Wednesday, "thứ 4": time.Wednesday,
	"thứ năm": time.Thursday, "thứ 5": time.Thursday,
	"thứ sáu": time.Friday, "thứ 6": time.Friday,
	"thứ bảy": time.Saturday, "thứ bẩy": time.Saturday, "thứ 7": time.Saturday,
}

func parseWeekdayVI(s string) (time.Weekday, bool) {
	wd, ok := weekdayNames[strings.Join(strings.Fields(strings.ToLower(s)), " ")]
	return wd, ok
}

// PlainText turns an HTML fragment into one line of readable text: tags
// dropped (block elements leave a space so words do not run together),
// script and style contents dropped, entities decoded, white space
// collapsed.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\ufffd")), " ")
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.Join(strings.Fields(strings.ToValidUTF8(b.String(), "\ufffd")), " ")
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Head, atom.Title:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			}
			if isBlockAtom(a) {
				b.WriteByte(' ')
			}
		}
	}
}

func isBlockAtom(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Br, atom.Caption,
		atom.Dd, atom.Div, atom.Dl, atom.Dt, atom.Figcaption, atom.Figure, atom.Footer,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Header, atom.Hr,
		atom.Li, atom.Main, atom.Nav, atom.Ol, atom.P, atom.Pre, atom.Section,
		atom.Table, atom.Td, atom.Th, atom.Tr, atom.Ul, atom.Img, atom.Option:
		return true
	}
	return false
}
