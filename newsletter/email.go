package newsletter

import (
	"errors"
	"fmt"

	"github.com/bantin/bantin/mailer"
)

// Why an address is refused. A page shows ErrEmailEmpty and
// ErrEmailInvalid as different messages; both wrap the detail.
var (
	ErrEmailEmpty   = errors.New("email address is empty")
	ErrEmailInvalid = errors.New("not a valid email address")
)

// NormalizeEmail returns the form an address is stored, compared and sent
// in, by [mailer.NormalizeAddress], the rules the share form follows too:
// trimmed, in lower case, its domain in ASCII (punycode for an
// internationalised domain: "An@Ví-Dụ.VN" becomes
// "an@xn--v-d-rma6749a.vn"). One person is one row however they type
// their address.
//
// The error is ErrEmailEmpty, or wraps ErrEmailInvalid with the detail.
func NormalizeEmail(s string) (string, error) {
	email, err := mailer.NormalizeAddress(s)
	if err == nil {
		return email, nil
	}
	if errors.Is(err, mailer.ErrAddressEmpty) {
		return "", ErrEmailEmpty
	}
	var ae *mailer.AddressError
	if errors.As(err, &ae) {
		return "", fmt.Errorf("%w: %s", ErrEmailInvalid, ae.Reason)
	}
	return "", fmt.Errorf("%w: %v", ErrEmailInvalid, err)
}
