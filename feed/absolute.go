package feed

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/idna"
)

// absolutizeHTML rewrites every relative URL in an HTML fragment against
// base. Feed readers show content away from the page it came from, where a
// relative link points nowhere, and the W3C validator warns about each one.
// Text is copied byte for byte; only tags holding a relative URL are
// re-rendered.
func absolutizeHTML(s string, base *url.URL) string {
	if !hasRelativeURL(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 256)
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return b.String()
			}
			// The tokenizer gives up only on input it cannot read at all;
			// sanitized HTML never gets here, but keep what we have.
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			raw := string(z.Raw())
			tok := z.Token()
			changed := false
			for i, a := range tok.Attr {
				if a.Namespace != "" || !isURLAttr(a.Key) {
					continue
				}
				var v string
				if a.Key == "srcset" {
					v = absoluteSrcset(a.Val, base)
				} else {
					v = absoluteURL(a.Val, base)
				}
				if v != a.Val {
					tok.Attr[i].Val = v
					changed = true
				}
			}
			if changed {
				b.WriteString(tok.String())
			} else {
				b.WriteString(raw)
			}
		default:
			b.Write(z.Raw())
		}
	}
}

// isURLAttr reports whether an attribute's value is a URL in the HTML that
// articles may carry after sanitizing.
func isURLAttr(key string) bool {
	switch key {
	case "href", "src", "cite", "poster", "srcset":
		return true
	}
	return false
}

// hasRelativeURL reports whether s may hold a relative URL, cheaply, in one
// pass over the '=' signs (rare in text): for each one that ends a URL
// attribute's name it checks that the value starts with a scheme. It may
// say yes wrongly (the text "href=" in prose), never no wrongly for the
// double-quoted attributes a sanitizer writes; anything unusual (a single
// quote, no quote) counts as yes.
func hasRelativeURL(s string) bool {
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

// attrNameBefore returns the lower-case letters just before s[eq].
func attrNameBefore(s string, eq int) string {
	start := eq
	for start > 0 {
		c := s[start-1]
		if c < 'a' || c > 'z' {
			break
		}
		start--
	}
	return s[start:eq]
}

// hasScheme reports whether u starts with a URL scheme ("https:"), which is
// what the W3C validator takes for absolute.
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

// absoluteURL resolves ref against base; a reference that does not parse is
// returned unchanged (a sanitizer passed it, and guessing would be worse).
func absoluteURL(ref string, base *url.URL) string {
	ref = strings.TrimSpace(ref)
	if hasScheme(ref) || base == nil {
		return ref
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return base.ResolveReference(u).String()
}

// absoluteSrcset resolves each candidate of a srcset ("a.jpg 1x, b.jpg 2x").
func absoluteSrcset(v string, base *url.URL) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		u, desc, _ := strings.Cut(p, " ")
		u = absoluteURL(u, base)
		if desc != "" {
			u += " " + strings.TrimSpace(desc)
		}
		parts[i] = u
	}
	return strings.Join(parts, ", ")
}

// safeURL returns u in the form the W3C validator accepts in links, ids
// and attributes: ASCII only, with an IDNA host and every byte outside the
// URI character set percent-encoded. A link to a page with a Vietnamese path
// is fine in a browser but an error in a feed.
func safeURL(u string) string {
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
	if pu, err := url.Parse(u); err == nil && pu.Host != "" {
		if h, err := idna.Lookup.ToASCII(pu.Hostname()); err == nil && h != pu.Hostname() {
			if port := pu.Port(); port != "" {
				h += ":" + port
			}
			pu.Host = h
			u = pu.String()
		}
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

// uriByte reports whether c may appear as is in a URI reference (RFC 3986:
// unreserved, reserved and the percent sign).
func uriByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&'()*+,;=%", c) >= 0
}
