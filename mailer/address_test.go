package mailer

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeAddress(t *testing.T) {
	// The longest address: a 64-byte local part and a 189-byte domain.
	long254 := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 62) + "." + strings.Repeat("c", 62) + "." + strings.Repeat("d", 60) + ".vn"
	tests := []struct {
		in, want string
		err      error // nil: accepted
	}{
		{"an@example.vn", "an@example.vn", nil},
		{"  An.Nguyen+tin@Example.VN\t", "an.nguyen+tin@example.vn", nil},
		{"hoa@ví-dụ.vn", "hoa@xn--v-d-rma6749a.vn", nil},
		{"HOA@VÍ-DỤ.VN", "hoa@xn--v-d-rma6749a.vn", nil},
		{"hoa@vi\u0301-du\u0323.vn", "hoa@xn--v-d-rma6749a.vn", nil}, // combining marks (NFD)
		{"hoa@xn--v-d-rma6749a.vn", "hoa@xn--v-d-rma6749a.vn", nil},
		{"hoa@XN--V-D-RMA6749A.VN", "hoa@xn--v-d-rma6749a.vn", nil},
		{"lan@báo-mới.com.vn", "lan@xn--bo-mi-xqa5384c.com.vn", nil},
		{"thu@tiếngviệt.vn", "thu@xn--tingvit-5t4cyc.vn", nil},
		{"ivan@почта.рф", "ivan@xn--80a1acny.xn--p1ai", nil},
		{"taro@東京.jp", "taro@xn--1lqs71d.jp", nil},
		{"a@ひらがな漢字.jp", "a@xn--v8j0cwa6gy22xv2ya.jp", nil}, // Japanese mixes scripts
		{"a@한국어漢字.kr", "a@xn--p8s937b4q9bkkuslr.kr", nil},  // and so does Korean
		{"a@ｅｘａｍｐｌｅ．ｃｏｍ", "a@example.com", nil},            // full-width, as a phone keyboard may type
		{"a@b.co", "a@b.co", nil},
		{strings.Repeat("a", 64) + "@example.vn", strings.Repeat("a", 64) + "@example.vn", nil},

		{"", "", ErrAddressEmpty},
		{" \t\r\n ", "", ErrAddressEmpty},

		{"lan@example.vn\r\nBcc: x@example.vn", "", ErrAddressControl},
		{"lan@example.vn\nBcc: x@example.vn", "", ErrAddressControl},
		{"lan@exam\x00ple.vn", "", ErrAddressControl},
		{"lan@example.vn\u2028x", "", ErrAddressControl},
		{"lan@exa\u0085mple.vn", "", ErrAddressControl}, // NEL

		// Homographs: a Cyrillic "а" (U+0430) among Latin letters, typed
		// and as punycode; a Greek omicron; Latin with Han.
		{"ha@exаmple.com", "", ErrAddressMixedScript},
		{"ha@xn--exmple-4nf.com", "", ErrAddressMixedScript},
		{"ha@gοogle.com", "", ErrAddressMixedScript},
		{"ha@pаypal.com.vn", "", ErrAddressMixedScript},
		{"ha@abc東京.jp", "", ErrAddressMixedScript},
		{"ha@ひらがな한국.kr", "", ErrAddressMixedScript},

		{"an", "", ErrAddressInvalid},
		{"an@", "", ErrAddressInvalid},
		{"@example.vn", "", ErrAddressInvalid},
		{"an@@example.vn", "", ErrAddressInvalid},
		{"a@b@example.vn", "", ErrAddressInvalid},
		{"an..b@example.vn", "", ErrAddressInvalid},
		{".an@example.vn", "", ErrAddressInvalid},
		{"an@localhost", "", ErrAddressInvalid}, // no dot: not reachable from the Internet
		{"an@ví-dụ", "", ErrAddressInvalid},
		{"an@[192.0.2.1]", "", ErrAddressInvalid},
		{`"an"@example.vn`, "", ErrAddressInvalid},
		{`"an nguyen"@example.vn`, "", ErrAddressInvalid},
		{"Lan <lan@example.vn>", "", ErrAddressInvalid},
		{"<lan@example.vn>", "", ErrAddressInvalid},
		{"lan@example.vn (Lan)", "", ErrAddressInvalid},
		{"lan(Lan)@example.vn", "", ErrAddressInvalid},
		{"a@example.vn, b@example.vn", "", ErrAddressInvalid},
		{"a@example.vn,b@example.vn", "", ErrAddressInvalid},
		{"a@example.vn;b@example.vn", "", ErrAddressInvalid},
		{"thư@example.vn", "", ErrAddressInvalid}, // non-ASCII local part
		{"hа@example.com", "", ErrAddressInvalid}, // Cyrillic "а" in the local part
		{"an@exa mple.vn", "", ErrAddressInvalid},
		{"an@-example.vn", "", ErrAddressInvalid},
		{"an@example-.vn", "", ErrAddressInvalid},
		{"an@example.vn.", "", ErrAddressInvalid},
		{"an@example..vn", "", ErrAddressInvalid},
		{"an@exa_mple.vn", "", ErrAddressInvalid},
		{"an@xn--a.vn", "", ErrAddressInvalid},        // punycode of U+0080
		{"an@xn--example-.vn", "", ErrAddressInvalid}, // not a punycode label
		{"an@exa\xffmple.vn", "", ErrAddressInvalid},
		{strings.Repeat("a", 65) + "@example.vn", "", ErrAddressInvalid},
		{"a@" + strings.Repeat("b", 250) + ".vn", "", ErrAddressInvalid},
		{long254, long254, nil},
		{long254[:70] + "b" + long254[70:], "", ErrAddressInvalid}, // 255 bytes
		{strings.Repeat(" ", 2000) + "a@b.vn", "a@b.vn", nil},      // the bound is on what is left after trimming
		{"a@" + strings.Repeat("b", 1100) + ".vn", "", ErrAddressInvalid},
	}
	for _, tt := range tests {
		got, err := NormalizeAddress(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("NormalizeAddress(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
		var ae *AddressError
		if err != nil && (!errors.As(err, &ae) || ae.Reason == "" || !strings.HasPrefix(err.Error(), "mailer: invalid address: ")) {
			t.Errorf("NormalizeAddress(%q) error %#v is not an *AddressError with a reason", tt.in, err)
		}
	}
}

func TestMixedScript(t *testing.T) {
	tests := []struct {
		label string
		mixed bool
	}{
		{"example", false}, {"ví-dụ", false}, {"tiếngviệt", false}, {"почта", false}, {"東京", false},
		{"ひらがな漢字", false}, {"カタカナ漢字", false}, {"한국어漢字", false}, {"abc123", false}, {"123", false},
		{"ελληνικά", false}, {"ไทย", false}, {"💩", false}, {"", false},
		{"exаmple", true}, {"pаypal", true}, {"gοogle", true}, {"ひらがな한국", true}, {"abc東京", true},
		{"ไทยabc", true}, {"ελληνικάabc", true},
	}
	for _, tt := range tests {
		if got := mixedScript(tt.label); got != tt.mixed {
			t.Errorf("mixedScript(%q) = %v, want %v", tt.label, got, tt.mixed)
		}
	}
}

// FuzzNormalizeAddress: no input panics; what is accepted is lower-case
// ASCII, within the lengths, normalizes to itself, and is what the mailer
// sends to unchanged.
func FuzzNormalizeAddress(f *testing.F) {
	for _, s := range []string{
		"an@example.vn", "HOA@VÍ-DỤ.VN", "hoa@vi\u0301-du\u0323.vn", "ha@exаmple.com", "a@xn--80a1acny.xn--p1ai",
		"a@b", "a@b@c", `"x"@y.vn`, "\r\n", "a@ｅｘａｍｐｌｅ．ｃｏｍ", "x@xn--", "x@xn--a.vn", "a@ß.de", "a@\u0130.tr",
		"Lan <lan@example.vn>", "a@ex\u00adample.vn",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeAddress(s)
		if err != nil {
			var ae *AddressError
			if got != "" || !errors.As(err, &ae) || ae.Err == nil {
				t.Fatalf("NormalizeAddress(%q) = %q, %#v", s, got, err)
			}
			return
		}
		at := strings.IndexByte(got, '@')
		if len(got) > 254 || at < 1 || at > 64 || strings.Count(got, "@") != 1 || !strings.Contains(got[at:], ".") ||
			strings.ToLower(got) != got || strings.ContainsAny(got, " \r\n<>\",;()") {
			t.Fatalf("NormalizeAddress(%q) = %q", s, got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] < 0x21 || got[i] >= 0x7f {
				t.Fatalf("NormalizeAddress(%q) = %q is not printable ASCII", s, got)
			}
		}
		if again, err := NormalizeAddress(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
		if a, err := (Address{Email: got}).Normalize(); err != nil || a.Email != got {
			t.Fatalf("the mailer takes %q as %q, %v", got, a.Email, err)
		}
	})
}
