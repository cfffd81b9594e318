package share

import (
	"crypto/aes"
	"crypto/cipher"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/bantin/bantin/mailer"
)

// FuzzValidateShare: whatever is posted, validation does not panic, and
// what it accepts is what the mail may carry: NFC, one-line name, no
// links, at most the limits, addresses the mailer takes as they are.
func FuzzValidateShare(f *testing.F) {
	f.Add("Nguyễn Thu Hà", "ha@example.com", "lan@example.org", "", "", "", "Bài này hay!")
	f.Add("Hà\r\nBcc: x@evil.example", "ha@example.com\r\nBcc: y@evil.example", "a@b.c\nTo: d@e.f", "", "", "", "x")
	f.Add("<script>", "ha@exаmple.com", "a@example.org", "b@example.org", "c@example.org", "d@example.org", "spam.com")
	f.Add("\xff\xfe", "a@xn--exmple-4nf.com", "an@ví-dụ.vn", " ", "\u2028", "", "ｓｐａｍ．ｃｏｍ")
	lim := formLimits{nameMax: 80, textMax: 140, maxRecipients: 3}
	f.Fuzz(func(t *testing.T, name, email, to1, to2, to3, to4, note string) {
		v, errs := validateShare(ShareForm{Name: name, Email: email, To: []string{to1, to2, to3, to4}, Note: note}, lim)
		if errs != nil {
			for k, m := range errs {
				if m.Key == "" || k == "" {
					t.Fatalf("empty error %q: %+v", k, m)
				}
			}
			return
		}
		if v.name == "" || hasControl(v.name) || hasLink(v.name) || !norm.NFC.IsNormalString(v.name) || utf8.RuneCountInString(v.name) > lim.nameMax {
			t.Fatalf("accepted name %q", v.name)
		}
		if hasLink(v.note) || !norm.NFC.IsNormalString(v.note) || utf8.RuneCountInString(v.note) > lim.textMax || strings.ContainsRune(v.note, '\r') {
			t.Fatalf("accepted note %q", v.note)
		}
		if len(v.to) == 0 || len(v.to) > lim.maxRecipients {
			t.Fatalf("accepted %d recipients", len(v.to))
		}
		for _, e := range append([]string{v.email}, v.to...) {
			checkNormalized(t, e)
		}
	})
}

func checkNormalized(t *testing.T, e string) {
	t.Helper()
	again, msg := NormalizeEmail(e)
	if msg != "" || again != e {
		t.Fatalf("accepted address %q normalizes again to %q, %q", e, again, msg)
	}
	if e != strings.ToLower(e) || hasControl(e) || strings.ContainsAny(e, " <>,;\"") {
		t.Fatalf("accepted address %q", e)
	}
	for i := 0; i < len(e); i++ {
		if e[i] >= utf8.RuneSelf {
			t.Fatalf("accepted address %q is not ASCII", e)
		}
	}
	a, err := mailer.ParseAddress(e)
	if err != nil || a.Email != e {
		t.Fatalf("the mailer takes %q as %q, %v", e, a.Email, err)
	}
}

// FuzzValidateFeedback: no panic; accepted text has no control characters
// but line breaks and tabs, and fits the limits.
func FuzzValidateFeedback(f *testing.F) {
	f.Add("Trần Văn Minh", "minh@example.com", "0903 123 456", "Nội dung\r\nhai dòng")
	f.Add("a\x00", "x", "+84\n1", "\xc3")
	lim := formLimits{nameMax: 80, textMax: 2000}
	f.Fuzz(func(t *testing.T, name, email, phone, body string) {
		v, errs := validateFeedback(FeedbackForm{Name: name, Email: email, Phone: phone, Body: body}, lim)
		if errs != nil {
			return
		}
		if hasControl(v.name) || hasControl(v.phone) || (v.phone != "" && !validPhone(v.phone)) {
			t.Fatalf("accepted %+v", v)
		}
		if strings.IndexFunc(v.body, func(r rune) bool { return r != '\n' && r != '\t' && hasControl(string(r)) }) >= 0 {
			t.Fatalf("accepted body %q", v.body)
		}
		if v.body == "" || utf8.RuneCountInString(v.body) > lim.textMax || !utf8.ValidString(v.body) {
			t.Fatalf("accepted body %q", v.body)
		}
		checkNormalized(t, v.email)
	})
}

// FuzzOpenPending: no string opens as a confirmation link unless it was
// sealed with the key; none panics.
func FuzzOpenPending(f *testing.F) {
	block, err := aes.NewCipher(derive([]byte("fuzz-secret-0123456789abcdef0123456789"), "seal"))
	if err != nil {
		f.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		f.Fatal(err)
	}
	s := &Service{seal: aead, now: time.Now}
	sealed := pending{ArticleID: "a", Email: "ha@example.com", To: []string{"b@example.org"}, Nonce: "n", Expires: time.Now().Add(time.Hour).Unix()}
	good, err := s.sealPending(sealed)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.openPending(good); err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, tok string) {
		// Each fuzzing worker seals its own seed (the nonce is random), so
		// the test is on what opens: only what was sealed with the key.
		p, err := s.openPending(tok)
		if err == nil && (p.ArticleID != sealed.ArticleID || p.Email != sealed.Email || p.Nonce != sealed.Nonce) {
			t.Fatalf("opened a forged link %q: %+v", tok, p)
		}
	})
}
