package config

import (
	"github.com/bantin/bantin/internal/redact"
	"io"
	"reflect"
)

// redactedText replaces a secret.
const redactedText = redact.Placeholder

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

// redactURL is redact.URL, named here for the tests of this package.
func redactURL(s string) string { return redact.URL(s) }
