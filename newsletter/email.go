package newsletter

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/bantin/bantin/mailer"
)

// Why an address is refused. A page shows ErrEmailEmpty and
// ErrEmailInvalid as different messages; both wrap the detail.
var (
	ErrEmailEmpty   = errors.New("email address is empty")
	ErrEmailInvalid = errors.New("not a valid email address")
)

// maxEmailInput bounds what NormalizeEmail looks at: an address is at most
// 254 bytes, and a domain in Unicode may take a few times its punycode.
const maxEmailInput = 1024

// NormalizeEmail returns the form an address is stored, compared and sent
// in: trimmed, in lower case, its domain in ASCII (punycode for an
// internationalised domain: "An@Ví-Dụ.VN" becomes
// "an@xn--v-d-rma6749a.vn"). One person is one row however they type
// their address.
//
// The local part is lower-cased too, although RFC 5321 lets a server treat
// it as case-sensitive: no mailbox provider does, and two rows for one
// person are a worse problem than a theoretical one. Beyond what the mailer
// will send to (a bare ASCII dot-atom local part, a valid domain), it
// requires a dot in the domain, since an address at a bare host name
// cannot be reached from the Internet.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ErrEmailEmpty
	}
	if len(s) > maxEmailInput || !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: too long or not text", ErrEmailInvalid)
	}
	// NFC first: a Vietnamese domain typed with combining marks is the
	// same name as its precomposed form.
	s = strings.ToLower(norm.NFC.String(s))
	a, err := mailer.Address{Email: s}.Normalize()
	if err != nil {
		var ae *mailer.AddressError
		if errors.As(err, &ae) {
			return "", fmt.Errorf("%w: %s", ErrEmailInvalid, ae.Reason)
		}
		return "", fmt.Errorf("%w: %v", ErrEmailInvalid, err)
	}
	email := strings.ToLower(a.Email)
	domain := email[strings.LastIndexByte(email, '@')+1:]
	if !strings.Contains(domain, ".") {
		return "", fmt.Errorf("%w: the domain %q has no dot", ErrEmailInvalid, domain)
	}
	return email, nil
}
