package mailer

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// maxQPLine is the longest quoted-printable line before its CRLF, a soft
// line break's "=" included (RFC 2045 6.7 rule 5).
const maxQPLine = 76

const hexDigits = "0123456789ABCDEF"

// qpSize estimates the quoted-printable size of s, to size buffers once.
func qpSize(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c == '=' {
			n += 2
		}
	}
	return n + n/(maxQPLine-1)*3 + 3
}

// appendQP appends s to dst in quoted-printable, with every line break
// ("\n" or "\r\n") as CRLF. It reports whether s ended in a line break.
//
// Beyond RFC 2045, it encodes a "." or the "F" of "From " at the start of a
// line, so that the result never needs SMTP dot-stuffing and survives mbox
// "From " munging, and it encodes whitespace at the very end, which may
// turn out to be the end of a line once fragments are joined.
func appendQP(dst []byte, s string) ([]byte, bool) {
	col := 0
	eol := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' || c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			if c == '\r' {
				i++
			}
			dst = append(dst, '\r', '\n')
			col, eol = 0, true
			continue
		}
		eol = false
		literal := c >= '!' && c <= '~' && c != '='
		if c == ' ' || c == '\t' {
			// Whitespace is literal unless a line (or s) ends after it.
			next := i + 1
			literal = next < len(s) && s[next] != '\n' && !(s[next] == '\r' && next+1 < len(s) && s[next+1] == '\n')
		}
		n := 1
		if !literal {
			n = 3
		}
		// Break before a character, not inside the bytes of one: a
		// reader that decodes line by line sees whole characters.
		need := n
		if c >= 0xC0 {
			_, size := utf8.DecodeRuneInString(s[i:])
			need = 3 * size
		}
		if col+need > maxQPLine-1 {
			dst = append(dst, '=', '\r', '\n')
			col = 0
		}
		if col == 0 && literal && (c == '.' || c == 'F' && strings.HasPrefix(s[i:], "From ")) {
			literal, n = false, 3
		}
		if literal {
			dst = append(dst, c)
		} else {
			dst = append(dst, '=', hexDigits[c>>4], hexDigits[c&0x0f])
		}
		col += n
	}
	return dst, eol
}

// appendParts appends the body of one MIME part: s encoded, or the
// fragments joined, with a soft line break between a fragment that did not
// end its line and the next. It reports whether the part ends in CRLF.
func appendParts(dst []byte, s string, parts []Fragment) ([]byte, bool) {
	if parts == nil {
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		return appendQP(dst, s)
	}
	eol, first := false, true
	for _, p := range parts {
		if len(p.qp) == 0 {
			continue
		}
		if !first && !eol {
			dst = append(dst, '=', '\r', '\n')
		}
		dst = append(dst, p.qp...)
		eol, first = p.eol, false
	}
	return dst, eol
}

// header writes header fields, folding lines at the spaces it puts between
// tokens so that lines stay within 78 characters where the tokens allow
// (RFC 5322 2.1.1).
type header struct {
	b   []byte
	col int
}

const foldAt = 78

// start begins the field name.
func (h *header) start(name string) {
	h.b = append(h.b, name...)
	h.b = append(h.b, ':')
	h.col = len(name) + 1
}

// end ends the field.
func (h *header) end() {
	h.b = append(h.b, '\r', '\n')
	h.col = 0
}

// space writes the space before a token of n bytes, folding if the token
// would not fit on the line.
func (h *header) space(n int) {
	if h.col+1+n > foldAt && h.col > 1 {
		h.b = append(h.b, '\r', '\n', ' ')
		h.col = 1
		return
	}
	h.b = append(h.b, ' ')
	h.col++
}

func (h *header) token(s string) {
	h.space(len(s))
	h.b = append(h.b, s...)
	h.col += len(s)
}

// field writes a whole field whose value is one token.
func (h *header) field(name, value string) {
	h.start(name)
	h.token(value)
	h.end()
}

// text writes unstructured text (a subject): ASCII as words folded at its
// spaces, anything else as RFC 2047 encoded words.
func (h *header) text(s string) {
	if isASCII(s) && !strings.Contains(s, "=?") {
		for w := range strings.SplitSeq(s, " ") {
			h.token(w)
		}
		return
	}
	h.encodedWords(s)
}

// phrase writes a display name: atoms as they are, ASCII with specials as
// a quoted string, anything else as RFC 2047 encoded words.
func (h *header) phrase(s string) {
	switch {
	case !isASCII(s) || strings.Contains(s, "=?"):
		h.encodedWords(s)
	case isAtomText(s):
		for w := range strings.SplitSeq(s, " ") {
			if w != "" {
				h.token(w)
			}
		}
	default:
		n := 2 + len(s) + strings.Count(s, `"`) + strings.Count(s, `\`)
		h.space(n)
		h.b = append(h.b, '"')
		for i := 0; i < len(s); i++ {
			if s[i] == '"' || s[i] == '\\' {
				h.b = append(h.b, '\\')
			}
			h.b = append(h.b, s[i])
		}
		h.b = append(h.b, '"')
		h.col += n
	}
}

// isAtomText reports whether s is atoms separated by spaces.
func isAtomText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && !isAtext(s[i]) {
			return false
		}
	}
	return true
}

// encodedWords writes s as RFC 2047 "B" encoded words of UTF-8, each at
// most 75 characters and never splitting a character, filling the current
// line first. B is shorter than Q for Vietnamese, where most words carry a
// diacritic. Readers join adjacent encoded words without the space between
// them, so s comes back exactly.
func (h *header) encodedWords(s string) {
	const overhead = len("=?UTF-8?B?") + len("?=")
	for len(s) > 0 {
		room := foldAt - h.col - 1 - overhead
		if room < 8 {
			h.b = append(h.b, '\r', '\n')
			h.col = 0
			room = foldAt - 1 - overhead
		}
		maxRaw := min(room/4*3, 45) // 45 bytes: 60 base64 characters, a 72-character word
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > maxRaw {
				break
			}
			n += size
		}
		if n == 0 { // unreachable with maxRaw >= 6, but never loop forever
			_, n = utf8.DecodeRuneInString(s)
		}
		word := base64.StdEncoding.EncodedLen(n) + overhead
		h.space(word)
		h.b = append(h.b, "=?UTF-8?B?"...)
		h.b = base64.StdEncoding.AppendEncode(h.b, []byte(s[:n]))
		h.b = append(h.b, "?="...)
		h.col += word
		s = s[n:]
	}
}

// address writes a, already normalised, with a comma after it if comma.
func (h *header) address(a Address, comma bool) {
	if a.Name != "" {
		h.phrase(a.Name)
	}
	n := len(a.Email)
	if a.Name != "" {
		n += 2
	}
	if comma {
		n++
	}
	h.space(n)
	if a.Name != "" {
		h.b = append(h.b, '<')
	}
	h.b = append(h.b, a.Email...)
	if a.Name != "" {
		h.b = append(h.b, '>')
	}
	if comma {
		h.b = append(h.b, ',')
	}
	h.col += n
}
