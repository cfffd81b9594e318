package share

import (
	"errors"
	"strings"
	"unicode"

	"github.com/bantin/bantin/mailer"
)

// NormalizeEmail checks an address typed into a form and returns the one
// form it is compared, hashed and sent in, by [mailer.NormalizeAddress],
// the rules the subscribe form follows too: "An@Ví-Dụ.VN" and
// "an@xn--v-d-rma6749a.vn" are the same address, and hash the same.
//
// The second result is the catalog key of what is wrong, "" when nothing
// is: a domain whose labels mix scripts, such as "exаmple.com" with a
// Cyrillic "а", has a message of its own, since the reader may well not
// see what is wrong with it.
func NormalizeEmail(s string) (string, string) {
	email, err := mailer.NormalizeAddress(s)
	switch {
	case err == nil:
		return email, ""
	case errors.Is(err, mailer.ErrAddressEmpty):
		return "", errRequired
	case errors.Is(err, mailer.ErrAddressControl):
		return "", errControl
	case errors.Is(err, mailer.ErrAddressMixedScript):
		return "", errEmailHomoglyph
	}
	return "", errEmailInvalid
}

// hasControl reports whether s has a control character or a Unicode line
// or paragraph separator: in a header it would end the line, in a log it
// would forge one.
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	}) >= 0
}
