package newsletter

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"an@example.vn", "an@example.vn", nil},
		{"  An.Nguyen+tin@Example.VN\t", "an.nguyen+tin@example.vn", nil},
		{"hoa@ví-dụ.vn", "hoa@xn--v-d-rma6749a.vn", nil},
		{"HOA@VÍ-DỤ.VN", "hoa@xn--v-d-rma6749a.vn", nil},
		{"hoa@vi\u0301-du\u0323.vn", "hoa@xn--v-d-rma6749a.vn", nil}, // combining marks (NFD)
		{"hoa@xn--v-d-rma6749a.vn", "hoa@xn--v-d-rma6749a.vn", nil},
		{"", "", ErrEmailEmpty},
		{"   ", "", ErrEmailEmpty},
		{"an", "", ErrEmailInvalid},
		{"an@", "", ErrEmailInvalid},
		{"@example.vn", "", ErrEmailInvalid},
		{"an@@example.vn", "", ErrEmailInvalid},
		{"a@b@example.vn", "", ErrEmailInvalid},
		{"an..b@example.vn", "", ErrEmailInvalid},
		{"an@localhost", "", ErrEmailInvalid},
		{"an@[192.0.2.1]", "", ErrEmailInvalid},
		{"\"an\"@example.vn", "", ErrEmailInvalid},
		{"lan@example.vn\r\nBcc: x@example.vn", "", ErrEmailInvalid},
		{"Lan <lan@example.vn>", "", ErrEmailInvalid},
		{"thư@example.vn", "", ErrEmailInvalid},
		{"an@-example.vn", "", ErrEmailInvalid},
		{"an@example.vn.", "", ErrEmailInvalid},
		{strings.Repeat("a", 65) + "@example.vn", "", ErrEmailInvalid},
		{"a@" + strings.Repeat("b", 250) + ".vn", "", ErrEmailInvalid},
		{"an@exa\xffmple.vn", "", ErrEmailInvalid},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"an@example.vn", "HOA@VÍ-DỤ.VN", "a@b", "a@b@c", "\"x\"@y.vn", "a@xn--v-d-rma6749a.vn", "a@ß.de", "a@\u0130.tr"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeEmail(s)
		if err != nil {
			if got != "" {
				t.Fatalf("error %v with a result %q", err, got)
			}
			return
		}
		if len(got) > 254 || strings.Count(got, "@") != 1 || strings.ToLower(got) != got || strings.ContainsAny(got, " \r\n<>\"") {
			t.Fatalf("NormalizeEmail(%q) = %q", s, got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] >= 0x80 {
				t.Fatalf("NormalizeEmail(%q) = %q is not ASCII", s, got)
			}
		}
		again, err := NormalizeEmail(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}
