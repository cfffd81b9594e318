package feed

import (
	"bytes"
)

// fastRequest is what the fast path needs of a request for a feed.
type fastRequest struct {
	key  Key
	head bool // HEAD: headers only
	// http10 is an HTTP/1.0 request; close says the connection ends after
	// the response (Connection: close, or HTTP/1.0 without keep-alive).
	http10, close bool
	// The values of the headers that shape the response.
	acceptEncoding  []string
	ifNoneMatch     []string
	ifModifiedSince string
}

// parseFastRequest parses the head of one request, up to and including the
// blank line, for the fast path. It accepts only what it fully understands
// and what net/http would read the same way: a GET or HEAD of a feed path
// (no query, no escapes) in HTTP/1.0 or 1.1, well-formed CRLF header
// lines, one valid Host for HTTP/1.1, no body (a Content-Length other
// than 0, any Transfer-Encoding) and no Expect or Upgrade. For anything
// else it returns false, and the connection goes to net/http with the
// bytes unread, so that net/http answers it, errors included: the fast
// path never has to be right about a request it could misread.
// FuzzParseFastRequest holds it to net/http's reading.
func parseFastRequest(h []byte, r *fastRequest) bool {
	*r = fastRequest{acceptEncoding: r.acceptEncoding[:0], ifNoneMatch: r.ifNoneMatch[:0]}
	line, rest, ok := cutLine(h)
	if !ok {
		return false
	}
	switch {
	case bytes.HasPrefix(line, []byte("GET ")):
		line = line[4:]
	case bytes.HasPrefix(line, []byte("HEAD ")):
		r.head = true
		line = line[5:]
	default:
		return false
	}
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		return false
	}
	target, proto := line[:sp], line[sp+1:]
	switch string(proto) {
	case "HTTP/1.1":
	case "HTTP/1.0":
		r.http10 = true
	default:
		return false
	}
	// ParsePath takes only the exact forms of feed paths: no query,
	// no %-escapes, no dot segments, nothing a router would rewrite.
	if r.key, ok = ParsePath(string(target)); !ok {
		return false
	}
	hosts := 0
	sawClose, sawKeepAlive := false, false
	for {
		line, rest, ok = cutLine(rest)
		if !ok {
			return false
		}
		if len(line) == 0 {
			break // the blank line that ends the head
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !validFieldName(line[:colon]) {
			return false
		}
		name, value := line[:colon], bytes.Trim(line[colon+1:], " \t")
		if !validFieldValue(value) {
			return false
		}
		switch {
		case equalFold(name, "host"):
			hosts++
			if !validHost(value) {
				return false
			}
		case equalFold(name, "content-length"):
			if string(value) != "0" {
				return false
			}
		case equalFold(name, "transfer-encoding"), equalFold(name, "expect"), equalFold(name, "upgrade"):
			return false
		case equalFold(name, "connection"):
			sawClose = sawClose || hasToken(value, "close")
			sawKeepAlive = sawKeepAlive || hasToken(value, "keep-alive")
		case equalFold(name, "accept-encoding"):
			r.acceptEncoding = append(r.acceptEncoding, string(value))
		case equalFold(name, "if-none-match"):
			r.ifNoneMatch = append(r.ifNoneMatch, string(value))
		case equalFold(name, "if-modified-since"):
			if r.ifModifiedSince == "" {
				r.ifModifiedSince = string(value)
			}
		}
	}
	if len(rest) != 0 {
		return false // the caller passes exactly one head
	}
	// As net/http decides: close wins; HTTP/1.0 keeps the connection only
	// when asked to.
	r.close = sawClose || (r.http10 && !sawKeepAlive)
	return hosts == 1 || (r.http10 && hosts == 0)
}

// cutLine returns the line before the first CRLF and what follows it; a
// bare LF, which net/http tolerates, is left to net/http.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 1 || b[i-1] != '\r' {
		return nil, nil, false
	}
	line = b[:i-1]
	if bytes.IndexByte(line, '\r') >= 0 {
		return nil, nil, false
	}
	return line, b[i+1:], true
}

// validFieldName reports whether b is an RFC 9110 token.
func validFieldName(b []byte) bool {
	for _, c := range b {
		if !isTokenByte(c) {
			return false
		}
	}
	return len(b) > 0
}

func isTokenByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// validFieldValue reports whether a header value holds no control
// characters but tab, as net/http requires.
func validFieldValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// validHost accepts the plain host[:port] forms only (names, IPv4 and
// bracketed IPv6 addresses); anything else goes to net/http to judge.
func validHost(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '-', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}

// equalFold reports whether b equals the lower-case ASCII s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// hasToken reports whether a comma-separated header value lists token,
// ignoring case.
func hasToken(v []byte, token string) bool {
	for len(v) > 0 {
		var part []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			part, v = v[:i], v[i+1:]
		} else {
			part, v = v, nil
		}
		if equalFold(bytes.Trim(part, " \t"), token) {
			return true
		}
	}
	return false
}
