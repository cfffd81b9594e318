package share

import (
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

	"github.com/bantin/bantin/mailer"
)

// NormalizeEmail checks an address typed into a form and returns the one
// form it is compared, hashed and sent in: trimmed, NFC, lower case, the
// domain in punycode (mailer.ParseAddress). "An@Ví-Dụ.VN" and
// "an@xn--v-du-....vn" are the same address, and hash the same.
//
// Besides what mailer.ParseAddress rejects (control characters, display
// names, non-ASCII local parts, malformed domains), it rejects domains
// whose labels mix scripts, such as "exаmple.com" with a Cyrillic "а":
// they exist to look like another domain. A label in one script
// ("почта.рф", "ví-dụ.vn") is fine, and punycoded.
//
// The second result is the catalog key of what is wrong, "" when nothing
// is.
func NormalizeEmail(s string) (string, string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", errRequired
	case len(s) > 254:
		return "", errEmailInvalid
	case hasControl(s):
		return "", errControl
	}
	s = norm.NFC.String(s)
	if strings.ContainsAny(s, "<>,;\" ") {
		// A list or a display name: one bare address per field.
		return "", errEmailInvalid
	}
	a, err := mailer.ParseAddress(s)
	if err != nil || a.Name != "" {
		return "", errEmailInvalid
	}
	email := strings.ToLower(a.Email)
	at := strings.LastIndexByte(email, '@')
	if at < 0 || mixedScriptDomain(email[at+1:]) {
		return "", errEmailHomoglyph
	}
	return email, ""
}

// mixedScriptDomain reports whether any label of the ASCII (punycode)
// domain d, read back as Unicode, has letters from scripts that do not
// belong together.
func mixedScriptDomain(d string) bool {
	u, err := idna.Punycode.ToUnicode(d)
	if err != nil {
		return true
	}
	for label := range strings.SplitSeq(u, ".") {
		if mixedScript(label) {
			return true
		}
	}
	return false
}

// scriptOf names the script of the letter r among those a domain label
// is checked against; a letter in none of them is "other".
func scriptOf(r rune) string {
	switch {
	case unicode.Is(unicode.Latin, r):
		return "Latin"
	case unicode.Is(unicode.Cyrillic, r):
		return "Cyrillic"
	case unicode.Is(unicode.Greek, r):
		return "Greek"
	case unicode.Is(unicode.Han, r):
		return "Han"
	case unicode.Is(unicode.Hiragana, r):
		return "Hiragana"
	case unicode.Is(unicode.Katakana, r):
		return "Katakana"
	case unicode.Is(unicode.Hangul, r):
		return "Hangul"
	case unicode.Is(unicode.Armenian, r):
		return "Armenian"
	case unicode.Is(unicode.Hebrew, r):
		return "Hebrew"
	case unicode.Is(unicode.Arabic, r):
		return "Arabic"
	case unicode.Is(unicode.Thai, r):
		return "Thai"
	case unicode.Is(unicode.Lao, r):
		return "Lao"
	case unicode.Is(unicode.Khmer, r):
		return "Khmer"
	case unicode.Is(unicode.Devanagari, r):
		return "Devanagari"
	case unicode.Is(unicode.Georgian, r):
		return "Georgian"
	}
	return "other"
}

// mixedScript reports whether label's letters come from more than one
// script, except the mixes a language writes with: Han with Hiragana and
// Katakana (Japanese), Han with Hangul (Korean). Digits, hyphens and
// combining marks belong to no script.
func mixedScript(label string) bool {
	seen := map[string]bool{}
	for _, r := range label {
		if !unicode.IsLetter(r) {
			continue
		}
		seen[scriptOf(r)] = true
	}
	if len(seen) <= 1 {
		return false
	}
	japanese := map[string]bool{"Han": true, "Hiragana": true, "Katakana": true}
	korean := map[string]bool{"Han": true, "Hangul": true}
	return !subset(seen, japanese) && !subset(seen, korean)
}

func subset(a, b map[string]bool) bool {
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// hasControl reports whether s has a control character or a Unicode line
// or paragraph separator: in a header it would end the line, in a log it
// would forge one.
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	}) >= 0
}
