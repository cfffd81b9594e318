package newsletter

import (
	"errors"
	"testing"
)

// TestNormalizeEmail checks how NormalizeEmail reports mailer.NormalizeAddress's
// answers; the rules themselves are tested in package mailer.
func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"  Hoa@Ví-Dụ.VN\t", "hoa@xn--v-d-rma6749a.vn", nil},
		{"", "", ErrEmailEmpty},
		{"   ", "", ErrEmailEmpty},
		{"an@localhost", "", ErrEmailInvalid},
		{"an@exаmple.vn", "", ErrEmailInvalid}, // a Cyrillic "а": the share form refuses it too
		{"lan@example.vn\r\nBcc: x@example.vn", "", ErrEmailInvalid},
		{"Lan <lan@example.vn>", "", ErrEmailInvalid},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
		if errors.Is(err, ErrEmailInvalid) && err.Error() == ErrEmailInvalid.Error() {
			t.Errorf("NormalizeEmail(%q) = %v, want the detail", tt.in, err)
		}
	}
}
