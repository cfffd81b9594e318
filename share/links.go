package share

import (
	"net/netip"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
	"golang.org/x/text/unicode/norm"
)

// hasLink reports whether s holds anything a mail client would turn into a
// link, or a reader could type into a browser: a URL scheme, "www.", an IP
// address, or a host name under a public suffix ("spam.com", "bit.ly/x",
// "ví-dụ.vn", an email address). Text is folded first (NFKC, so fullwidth
// "ｓｐａｍ．ｃｏｍ" is "spam.com"; ideographic full stops become dots;
// invisible format characters such as U+200B vanish), so the usual
// disguises do not pass.
//
// Abbreviations whose last part happens to be a country code ("ThS.BS",
// Bahamas) are taken for links too: the reader is told to write them
// without the dot, which costs less than letting a domain through.
func hasLink(s string) bool {
	t := foldForLinks(s)
	if strings.Contains(t, "://") || strings.Contains(t, "www.") {
		return true
	}
	for _, scheme := range []string{"http:", "https:", "ftp:", "mailto:", "javascript:", "data:", "file:"} {
		if strings.Contains(t, scheme) {
			return true
		}
	}
	for _, tok := range strings.FieldsFunc(t, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '.' || r == '-' || r == '_')
	}) {
		if isLinkToken(tok) {
			return true
		}
	}
	return false
}

// foldForLinks returns s folded for hasLink: NFKC, lower case, dot
// lookalikes as '.', format characters removed.
func foldForLinks(s string) string {
	s = norm.NFKC.String(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u3002' || r == '\uff61' || r == '\u2024' || r == '\ufe52':
			return '.'
		case unicode.Is(unicode.Cf, r):
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// isLinkToken reports whether tok, a run of letters, digits, dots and
// hyphens, is a host name under a public suffix or an IPv4 address.
func isLinkToken(tok string) bool {
	tok = strings.Trim(tok, ".-_")
	if !strings.Contains(tok, ".") {
		return false
	}
	if _, err := netip.ParseAddr(tok); err == nil {
		return true
	}
	labels := strings.Split(tok, ".")
	// Check every tail of two labels or more: "xem tại tp.hcm.spam.com"
	// has "spam.com" at its end, and "abc.com.vn" is under "com.vn".
	for i := 0; i+1 < len(labels); i++ {
		host := strings.Join(labels[i:], ".")
		ascii, err := idna.ToASCII(host)
		if err != nil || ascii == "" {
			continue
		}
		suffix, icann := publicsuffix.PublicSuffix(ascii)
		if icann && suffix != ascii {
			return true
		}
	}
	return false
}
