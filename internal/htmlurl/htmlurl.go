// Package htmlurl makes the URLs in HTML absolute and writes them in the
// ASCII form that feeds and mail want. It serves HTML that is shown away
// from the page it came from: an upstream item republished on this site and
// in mail (package source), and an article carried in a feed (package
// feed). Relative URLs point nowhere there, and the W3C feed validator
// warns about each one.
package htmlurl

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/idna"
)

// Resolve returns ref made absolute against base, in the form ASCII
// gives, without the leading and trailing white space browsers ignore.
// A ref that has a scheme already, does not parse or is empty comes back
// as it is, trimmed: the sanitizer that let it through read it that way,
// and guessing would be worse. (An empty ref stays empty so that href=""
// and a bare href, which a tokenizer cannot tell apart, read the same.)
// Only an absolute http or https base is used, so a resolved URL is always
// http or https: resolving against anything else could build a URL
// (javascript:) the sanitizer never saw.
func Resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if u, ok := resolve(base, ref); ok {
		return u
	}
	return ref
}

// resolve returns ref, already trimmed, resolved against base, and whether
// it was resolved at all.
func resolve(base *url.URL, ref string) (string, bool) {
	if ref == "" || hasScheme(ref) || !webBase(base) {
		return "", false
	}
	u, err := url.Parse(ref)
	if err != nil {
		return "", false
	}
	abs := base.ResolveReference(u)
	if !validHost(abs.Host) {
		// url.Parse lets through hosts no URL may have (a quote, from a
		// feed's garbled link); written out, they would not parse.
		return "", false
	}
	if !isASCII(abs.Host) {
		// url.URL.String would percent-encode the name
		// ("b%E1%BA%A3n-tin.vn"), a form some mail clients and validators
		// refuse.
		asciiHost(abs)
	}
	return ASCII(abs.String()), true
}

// webBase reports whether base can make relative URLs absolute: it is an
// http or https URL with a host.
func webBase(base *url.URL) bool {
	return base != nil && (base.Scheme == "http" || base.Scheme == "https") && base.Host != ""
}

// ResolveAll returns the HTML fragment s with the relative URLs of its
// links, images, quotations and videos (href, src, cite, poster and every
// candidate of srcset) made absolute against base, as by Resolve. Text and
// every tag without a relative URL are copied byte for byte; a tag holding
// one is written again from its parsed form. With no usable base (see
// Resolve), s is returned unchanged.
//
// It reads s as a tokenizer does, not as a full parser: in SVG and MathML,
// where the parser switches modes (CDATA sections) a tokenizer cannot see,
// a URL may be left relative. Sanitized HTML has neither.
func ResolveAll(base *url.URL, s string) string {
	if !webBase(base) || !mayHaveRelativeURL(s) {
		return s
	}
	return resolveAll(base, s)
}

// resolveAll is ResolveAll without the quick check, which the tests hold
// it to.
func resolveAll(base *url.URL, s string) string {
	var b strings.Builder
	b.Grow(len(s) + 256)
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() == io.EOF {
				// What is left is a tag cut off by the end of s, which no
				// parser shows either: keep it as it was.
				b.Write(z.Raw())
			}
			return b.String()
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(z.Raw())
			continue
		}
		raw := string(z.Raw())
		tok := z.Token()
		changed := false
		for i, a := range tok.Attr {
			if a.Namespace != "" || !isURLAttr(a.Key) {
				continue
			}
			var v string
			var ok bool
			if a.Key == "srcset" {
				v, ok = resolveSrcset(base, a.Val)
			} else {
				v, ok = resolve(base, strings.TrimSpace(a.Val))
			}
			if ok {
				tok.Attr[i].Val = v
				changed = true
			}
		}
		if changed {
			b.WriteString(tok.String())
		} else {
			b.WriteString(raw)
		}
	}
}

// isURLAttr reports whether an attribute's value is a URL, or a list of
// them, in the HTML articles may carry.
func isURLAttr(key string) bool {
	switch key {
	case "href", "src", "cite", "poster", "srcset":
		return true
	}
	return false
}

// resolveSrcset resolves every candidate of a srcset ("a.jpg 1x, b.jpg
// 2x"), split as the HTML standard does: a URL runs to the next white
// space and may hold commas (a CDN's "w_100,h_50" or a data: URL), and
// descriptors run to the next comma outside parentheses. It reports
// whether any candidate was resolved; the candidates come back joined by
// ", " with one space before their descriptors.
func resolveSrcset(base *url.URL, v string) (string, bool) {
	var parts []string
	changed := false
	for i := 0; i < len(v); {
		// Skip white space and commas before a candidate.
		for i < len(v) && (isSpace(v[i]) || v[i] == ',') {
			i++
		}
		if i == len(v) {
			break
		}
		start := i
		for i < len(v) && !isSpace(v[i]) {
			i++
		}
		u, desc := v[start:i], ""
		if trimmed := strings.TrimRight(u, ","); len(trimmed) < len(u) {
			u = trimmed // "a.jpg," ends the candidate: no descriptors
		} else {
			start, depth := i, 0
			for ; i < len(v) && (v[i] != ',' || depth > 0); i++ {
				switch v[i] {
				case '(':
					depth++
				case ')':
					if depth > 0 {
						depth--
					}
				}
			}
			desc = strings.TrimSpace(v[start:i])
		}
		if r, ok := resolve(base, u); ok {
			u, changed = r, true
		}
		if desc != "" {
			u += " " + desc
		}
		parts = append(parts, u)
	}
	if !changed {
		return v, false
	}
	return strings.Join(parts, ", "), true
}

// isSpace reports whether c is ASCII white space as HTML defines it.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// mayHaveRelativeURL reports whether s may hold a relative URL, cheaply, in
// one pass over the '=' signs (rare in text): for each one that ends a URL
// attribute's name it checks that a double-quoted value starts with a
// scheme, as a sanitizer writes them. It may say yes wrongly (the text
// "href=" in prose), never no wrongly: anything unusual (a single quote, no
// quote, a list in srcset) counts as yes, and an attribute without "=" has
// the empty value, which is never resolved.
func mayHaveRelativeURL(s string) bool {
	for i := 0; ; {
		j := strings.IndexByte(s[i:], '=')
		if j < 0 {
			return false
		}
		eq := i + j
		i = eq + 1
		name := attrNameBefore(s, eq)
		if !isURLAttr(name) {
			continue
		}
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) || s[i] != '"' {
			return true
		}
		v := s[i+1:]
		if end := strings.IndexByte(v, '"'); end >= 0 {
			v = v[:end]
		}
		if name == "srcset" {
			if strings.Contains(v, ",") || !hasScheme(strings.TrimSpace(v)) {
				return true
			}
			continue
		}
		if !hasScheme(v) {
			return true
		}
	}
}

// attrNameBefore returns, lower-cased, the ASCII letters just before s[eq]
// and the white space a tokenizer allows between a name and its "=".
func attrNameBefore(s string, eq int) string {
	end := eq
	for end > 0 && isSpace(s[end-1]) {
		end--
	}
	start := end
	for start > 0 {
		c := s[start-1] | 0x20 // ASCII lower case; no other byte becomes a letter
		if c < 'a' || c > 'z' {
			break
		}
		start--
	}
	return strings.ToLower(s[start:end])
}

// hasScheme reports whether u starts with a URL scheme ("https:"), which is
// what url.Parse and the W3C validator take for absolute.
func hasScheme(u string) bool {
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

// ASCII returns u in the form the W3C validator accepts in links, ids and
// attributes, and every mail client can follow: ASCII only, with an IDNA
// host and every byte outside the URI character set percent-encoded. A
// link to a page with a Vietnamese path is fine in a browser but an error
// in a feed.
func ASCII(u string) string {
	ascii := true
	for i := 0; i < len(u); i++ {
		if !uriByte(u[i]) {
			ascii = false
			break
		}
	}
	if ascii {
		return u
	}
	if pu, err := url.Parse(u); err == nil && asciiHost(pu) {
		u = pu.String()
	}
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		if c := u[i]; uriByte(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// asciiHost replaces u's host name by its IDNA form when that differs
// (bản-tin.vn becomes xn--bn-tin-bd8b.vn), and reports whether it did. A
// name IDNA refuses is left for the percent-encoding.
func asciiHost(u *url.URL) bool {
	h := u.Hostname()
	if h == "" {
		return false
	}
	a, err := idna.Lookup.ToASCII(h)
	if err != nil || a == h {
		return false
	}
	if port := u.Port(); port != "" {
		a += ":" + port
	}
	u.Host = a
	return true
}

// validHost reports whether host (with its port, if any) is made of what
// a host name, an IP address or a port may hold; bytes outside ASCII are
// taken for an international name, which asciiHost writes in IDNA.
func validHost(host string) bool {
	bracketed := strings.HasPrefix(host, "[") // an IPv6 address, maybe with a zone
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
		case c == '-', c == '.', c == '_', c == ':':
		case bracketed && (c == '[' || c == ']' || c == '%'):
		default:
			return false
		}
	}
	return host != ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// uriByte reports whether c may appear as is in a URI reference (RFC 3986:
// unreserved, reserved and the percent sign).
func uriByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&'()*+,;=%", c) >= 0
}
