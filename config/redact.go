package config

import (
	"io"
	"net/url"
	"reflect"
	"strings"
)

// redactedText replaces a secret.
const redactedText = "REDACTED"

// Redacted returns a deep copy of c that is safe to print or log: fields
// tagged `secret:"true"` read "REDACTED" (unless empty, so an unset secret
// still shows as unset), and in every string that is a URL the password of
// its user info (postgres://u:pw@h/db becomes postgres://u:REDACTED@h/db)
// and the values of query parameters named like credentials (token, key,
// password, ...) are replaced the same way.
func (c *Config) Redacted() *Config {
	return redacted(c)
}

// WriteYAML writes c, redacted, as YAML that Load reads back. It is what
// `bantin config print` shows.
func (c *Config) WriteYAML(w io.Writer) error {
	return writeYAML(w, c.Redacted(), false)
}

// redacted returns a redacted deep copy of *v. It works on any struct, so
// the secret tag can be tested before the Config has secrets. v must not
// contain pointer cycles.
func redacted[T any](v *T) *T {
	out := new(T)
	redactValue(reflect.ValueOf(out).Elem(), reflect.ValueOf(v).Elem(), false)
	return out
}

// redactValue sets dst, settable and of src's type, to a redacted deep copy
// of src. secret says whether src is inside a field tagged secret.
func redactValue(dst, src reflect.Value, secret bool) {
	switch src.Kind() {
	case reflect.String:
		s := src.String()
		if secret && s != "" {
			s = redactedText
		} else {
			s = redactURL(s)
		}
		dst.SetString(s)
	case reflect.Struct:
		dst.Set(src) // copies unexported fields, which cannot be walked
		for i := range src.NumField() {
			f := src.Type().Field(i)
			if f.IsExported() {
				redactValue(dst.Field(i), src.Field(i), secret || f.Tag.Get("secret") == "true")
			}
		}
	case reflect.Slice:
		if src.IsNil() {
			dst.Set(reflect.Zero(src.Type()))
			return
		}
		if secret && src.Type().Elem().Kind() == reflect.Uint8 && src.Len() > 0 {
			dst.SetBytes([]byte(redactedText))
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			redactValue(s.Index(i), src.Index(i), secret)
		}
		dst.Set(s)
	case reflect.Array:
		for i := range src.Len() {
			redactValue(dst.Index(i), src.Index(i), secret)
		}
	case reflect.Pointer:
		if src.IsNil() {
			dst.Set(reflect.Zero(src.Type()))
			return
		}
		p := reflect.New(src.Type().Elem())
		redactValue(p.Elem(), src.Elem(), secret)
		dst.Set(p)
	case reflect.Map:
		if src.IsNil() {
			dst.Set(reflect.Zero(src.Type()))
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		for it := src.MapRange(); it.Next(); {
			val := reflect.New(src.Type().Elem()).Elem()
			redactValue(val, it.Value(), secret)
			m.SetMapIndex(it.Key(), val)
		}
		dst.Set(m)
	case reflect.Interface:
		if src.IsNil() {
			dst.Set(reflect.Zero(src.Type()))
			return
		}
		val := reflect.New(src.Elem().Type()).Elem()
		redactValue(val, src.Elem(), secret)
		dst.Set(val)
	default:
		dst.Set(src)
	}
}

// redactURL replaces the password and credential-like query values in s if
// s looks like a URL, and returns other strings unchanged. It works on the
// text rather than through url.Parse so that a URL that does not parse is
// still redacted, and one that does is otherwise printed exactly as written.
func redactURL(s string) string {
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
			rest = rest[:colon+1] + redactedText + rest[at:]
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
			params[j] = name + "=" + redactedText
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
