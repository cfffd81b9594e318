package mailer

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Address is a mailbox: an email address and an optional display name.
// Both are checked and normalised before anything is sent; see
// [Address.Normalize].
type Address struct {
	// Name is the display name, such as "Nguyễn Văn An"; it may be empty.
	// It must not contain control characters (a CR or LF would start a new
	// header). Non-ASCII names are sent RFC 2047 encoded.
	Name string
	// Email is the bare address, such as "an@ví-dụ.vn", without angle
	// brackets.
	Email string
}

// AddressError reports an address that cannot be sent to. Field names the
// header or envelope field it was given for ("From", "To", "Reply-To"); it
// is empty from ParseAddress, Address.Normalize and NormalizeAddress.
type AddressError struct {
	Field  string
	Reason string
	// Err is the kind of problem, for errors.Is: from [NormalizeAddress],
	// one of ErrAddressEmpty, ErrAddressControl, ErrAddressMixedScript and
	// ErrAddressInvalid. It may be nil.
	Err error
}

func (e *AddressError) Error() string {
	if e.Field == "" {
		return "mailer: invalid address: " + e.Reason
	}
	return "mailer: invalid " + e.Field + " address: " + e.Reason
}

func (e *AddressError) Unwrap() error { return e.Err }

// ParseAddress parses a single RFC 5322 address, such as the configured
// sender "Bản tin <no-reply@example.com>" or a bare "an@example.com", and
// returns it normalised. It accepts only what net/mail accepts, and rejects
// control characters anywhere (net/mail would take some of them inside a
// quoted display name).
func ParseAddress(s string) (Address, error) {
	if hasControl(s) {
		return Address{}, &AddressError{Reason: "contains a control character (such as a line break)"}
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return Address{}, &AddressError{Reason: strings.TrimPrefix(err.Error(), "mail: ")}
	}
	return Address{Name: a.Name, Email: a.Address}.Normalize()
}

// Normalize checks a and returns it in the form it is sent in: the domain
// in lower case and, for an internationalised domain, in its ASCII
// (punycode) form, so "An@Ví-Dụ.VN" becomes "An@xn--v-du-xxxx.vn". The local
// part keeps its case: only the receiving server may interpret it.
//
// Normalize rejects an empty address, control characters, anything
// net/mail will not parse as a bare address (such as "a@b@c"), a quoted or
// non-ASCII local part (they need SMTPUTF8 or quoting that few receivers
// get right), a domain literal ([192.0.2.1]) and over-long addresses.
func (a Address) Normalize() (Address, error) {
	if hasControl(a.Name) {
		return Address{}, &AddressError{Reason: "display name contains a control character (such as a line break)"}
	}
	if !utf8.ValidString(a.Name) {
		return Address{}, &AddressError{Reason: "display name is not valid UTF-8"}
	}
	email, err := normalizeEmail(a.Email)
	if err != nil {
		return Address{}, &AddressError{Reason: err.Error()}
	}
	return Address{Name: strings.TrimSpace(a.Name), Email: email}, nil
}

// String returns a in RFC 5322 form, with the display name encoded as it
// would be in a header.
func (a Address) String() string {
	h := header{col: -1 << 20} // never fold
	h.address(a, false)
	return strings.TrimPrefix(string(h.b), " ")
}

func normalizeEmail(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty")
	}
	if hasControl(s) {
		return "", errors.New("contains a control character (such as a line break)")
	}
	if strings.ContainsAny(s, "<> \"") {
		return "", errors.New("must be a bare address such as an@example.com")
	}
	// net/mail is the reference for what is an address; it rejects
	// "a@b@c", "a@", "@b", "a..b@c" and the like.
	parsed, err := mail.ParseAddress(s)
	if err != nil {
		return "", errors.New(strings.TrimPrefix(err.Error(), "mail: "))
	}
	if parsed.Name != "" || parsed.Address != s {
		return "", errors.New("must be a bare address such as an@example.com")
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if !isDotAtom(local) {
		return "", errors.New("local part (before @) must be dot-separated ASCII letters, digits and !#$%&'*+-/=?^_`{|}~")
	}
	if len(local) > 64 {
		return "", errors.New("local part (before @) longer than 64 bytes")
	}
	d, err := normalizeDomain(domain)
	if err != nil {
		return "", err
	}
	if len(local)+1+len(d) > 254 {
		return "", errors.New("longer than 254 bytes")
	}
	if d == domain {
		return s, nil // the common case: no allocation
	}
	return local + "@" + d, nil
}

// normalizeDomain returns domain in lower case ASCII, converting an
// internationalised domain name to punycode.
func normalizeDomain(domain string) (string, error) {
	if strings.HasPrefix(domain, "[") {
		return "", errors.New("domain literals such as [192.0.2.1] are not accepted")
	}
	if isLowerLDH(domain) {
		if err := checkLabels(domain); err != nil {
			return "", err
		}
		return domain, nil
	}
	d, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return "", fmt.Errorf("domain %q is not a valid domain name", domain)
	}
	if err := checkLabels(d); err != nil {
		return "", err
	}
	return d, nil
}

// isLowerLDH reports whether s has only lower-case ASCII letters, digits,
// hyphens and dots, which idna would return unchanged.
func isLowerLDH(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// checkLabels checks the DNS shape of an ASCII domain: labels of 1 to 63
// letters, digits and hyphens, not starting or ending with a hyphen, 253
// bytes at most.
func checkLabels(d string) error {
	if d == "" || len(d) > 253 {
		return fmt.Errorf("domain %q is not a valid domain name", d)
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("domain %q is not a valid domain name", d)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return fmt.Errorf("domain %q is not a valid domain name", d)
			}
		}
	}
	return nil
}

// isAtext reports whether c may appear unquoted in an RFC 5322 atom.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// isDotAtom reports whether s is an RFC 5322 dot-atom-text of ASCII.
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '.' && !isAtext(s[i]) {
			return false
		}
	}
	return true
}

// hasControl reports whether s has a control character: in a header it
// could end the line, and in a log it could forge one.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return true
		}
	}
	if isASCII(s) {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		// Unicode line and paragraph separators and the C1 controls
		// (U+0085 NEL among them) end lines in some readers.
		return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	}) >= 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
