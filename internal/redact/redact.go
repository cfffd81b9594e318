// Package redact hides secrets in text that is about to be shown or
// logged: passwords and credential-like query values in URLs, such as a
// database URL in an error message or a private feed's address.
package redact

import (
	"net/url"
	"strings"
)

// Placeholder is what stands where a secret was.
const Placeholder = "REDACTED"

// URL replaces the password and credential-like query values in s if
// s looks like a URL, and returns other strings unchanged. It works on the
// text rather than through url.Parse so that a URL that does not parse is
// still redacted, and one that does is otherwise printed exactly as written.
func URL(s string) string {
	i := strings.Index(s, "://")
	if i <= 0 || !isScheme(s[:i]) {
		return s
	}
	prefix, rest := s[:i+3], s[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		if _, err := url.Parse(s); err != nil {
			// A password holding "/" ends the authority early and makes
			// the URL invalid; take the user info to run to the last "@"
			// before the query instead.
			if end = strings.IndexAny(rest, "?#"); end < 0 {
				end = len(rest)
			}
			at = strings.LastIndex(rest[:end], "@")
		}
	}
	if at >= 0 {
		if colon := strings.Index(rest[:at], ":"); colon >= 0 {
			rest = rest[:colon+1] + Placeholder + rest[at:]
		}
	}
	q := strings.Index(rest, "?")
	if q < 0 {
		return prefix + rest
	}
	query, fragment := rest[q+1:], ""
	if h := strings.Index(query, "#"); h >= 0 {
		query, fragment = query[:h], query[h:]
	}
	params := strings.Split(query, "&")
	for j, p := range params {
		if name, value, ok := strings.Cut(p, "="); ok && value != "" && isCredentialName(name) {
			params[j] = name + "=" + Placeholder
		}
	}
	return prefix + rest[:q+1] + strings.Join(params, "&") + fragment
}

func isScheme(s string) bool {
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// isCredentialName reports whether a query parameter looks like it carries a
// credential (?password=, ?sslpassword=, ?token=, ?api_key=, ?sig=...):
// private feeds and database URLs put them there.
func isCredentialName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"pass", "pwd", "secret", "token", "key", "auth", "sig", "credential"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
