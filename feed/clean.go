package feed

import (
	"strings"
	"unicode/utf8"
)

// cleanText removes what a feed must not carry: invalid UTF-8, the
// characters XML 1.0 forbids (C0 controls other than tab, newline and
// carriage return; U+FFFE and U+FFFF), and the ones the W3C validator flags
// as bad characters (C1 controls and U+FFFD, the mark of text already lost
// upstream). Stored articles are cleaned when they are parsed, but a feed
// is the last stop before every reader's XML parser: one stray control
// character would make a whole feed unreadable, and encoding/xml writes
// CDATA sections unchecked.
func cleanText(s string) string {
	if isCleanText(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !(r == utf8.RuneError && n <= 1) && allowedRune(r) {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// isCleanText is the fast path of cleanText: true when s needs no change.
// Nearly all text is clean, so it must be quick and must not allocate: one
// pass that checks the UTF-8 encoding (as utf8.ValidString does) and the
// runes to remove, which all start with a byte below 0x20 (C0), 0x7F,
// 0xC2 0x80-0x9F (C1) or 0xEF 0xBF 0xBD-0xBF (U+FFFD-U+FFFF).
func isCleanText(s string) bool {
	n := len(s)
	for i := 0; i < n; {
		c := s[i]
		switch {
		case c < 0x80:
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
				return false
			}
			i++
		case c < 0xc2:
			return false // a continuation byte, or an overlong lead
		case c < 0xe0:
			if i+1 >= n || s[i+1]&0xc0 != 0x80 || (c == 0xc2 && s[i+1] <= 0x9f) {
				return false
			}
			i += 2
		case c < 0xf0:
			if i+2 >= n || s[i+2]&0xc0 != 0x80 {
				return false
			}
			lo, hi := byte(0x80), byte(0xbf)
			if c == 0xe0 {
				lo = 0xa0 // overlong
			} else if c == 0xed {
				hi = 0x9f // surrogates
			}
			if c1 := s[i+1]; c1 < lo || c1 > hi || (c == 0xef && c1 == 0xbf && s[i+2] >= 0xbd) {
				return false
			}
			i += 3
		case c < 0xf5:
			if i+3 >= n || s[i+2]&0xc0 != 0x80 || s[i+3]&0xc0 != 0x80 {
				return false
			}
			lo, hi := byte(0x80), byte(0xbf)
			if c == 0xf0 {
				lo = 0x90
			} else if c == 0xf4 {
				hi = 0x8f
			}
			if c1 := s[i+1]; c1 < lo || c1 > hi {
				return false
			}
			i += 4
		default:
			return false
		}
	}
	return true
}

func allowedRune(r rune) bool {
	switch {
	case r < 0x20:
		return r == '\t' || r == '\n' || r == '\r'
	case r >= 0x7f && r <= 0x9f:
		return false
	case r == 0xfffd || r == 0xfffe || r == 0xffff:
		return false
	}
	return true
}

// escapeHTMLText escapes plain text for an HTML text node: only the three
// characters that matter there, so quotes in Vietnamese text stay as they
// are for readers that show the source.
func escapeHTMLText(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// truncateRunes cuts s to at most n runes, at a space when there is one in
// the last fifth, and marks the cut with an ellipsis.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if n == 0 {
			cut = i
			break
		}
		n--
	}
	head := s[:cut]
	if sp := strings.LastIndexByte(head, ' '); sp > len(head)*4/5 {
		head = head[:sp]
	}
	return strings.TrimRight(head, " ,;:") + "…"
}
