package mailer

import (
	"bytes"
	"io"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"
)

// decodeQP decodes quoted-printable as a mail reader does.
func decodeQP(t testing.TB, b []byte) string {
	t.Helper()
	out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
	if err != nil {
		t.Fatalf("decoding %q: %v", b, err)
	}
	return string(out)
}

// checkQP checks the rules of RFC 2045 6.7 and ours for encoded text.
func checkQP(t testing.TB, b []byte) {
	t.Helper()
	for i, line := range bytes.Split(b, []byte("\r\n")) {
		switch {
		case len(line) > maxQPLine:
			t.Errorf("line %d is %d characters: %q", i+1, len(line), line)
		case bytes.HasPrefix(line, []byte(".")):
			t.Errorf("line %d starts with a dot: %q", i+1, line)
		case bytes.HasPrefix(line, []byte("From ")):
			t.Errorf("line %d starts with From: %q", i+1, line)
		case len(line) > 0 && (line[len(line)-1] == ' ' || line[len(line)-1] == '\t'):
			t.Errorf("line %d ends in whitespace: %q", i+1, line)
		}
		for _, c := range line {
			if (c < ' ' && c != '\t') || c >= 0x7f {
				t.Fatalf("line %d has byte %#x", i+1, c)
			}
		}
	}
	if bytes.Contains(b, []byte("=_")) {
		t.Errorf("encoded text contains the boundary's =_")
	}
}

func TestQuotedPrintable(t *testing.T) {
	for _, s := range []string{
		"", "a", "=", " ", "\t", "a ", "a\t", " \n", "a \r\nb", "\n", "\r\n\r\n", "\r", "a\rb",
		".", ".\n.", "\n.\n", "From ", "From me\nFrom you", "Fromage", "F",
		strings.Repeat("x", 75), strings.Repeat("x", 76), strings.Repeat("x", 200),
		strings.Repeat("ệ", 40), strings.Repeat("a ", 100), strings.Repeat(" ", 100) + "\n",
		strings.Repeat("x", 74) + "ệ" + strings.Repeat("x", 10),
		viText, viHTML, "--=_bantin_alt--\n",
	} {
		enc, eol := appendQP(nil, s)
		checkQP(t, enc)
		if eol != (strings.HasSuffix(s, "\n")) {
			t.Errorf("appendQP(%q) eol = %v", s, eol)
		}
		if got := decodeQP(t, enc); got != crlf(s) {
			t.Errorf("appendQP(%q) = %q, decodes to %q", s, enc, got)
		}
	}
}

// TestFragmentsJoin checks that any text, cut anywhere into fragments
// encoded separately, decodes to the text.
func TestFragmentsJoin(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", " ", "\t", "\n", "\r\n", ".", "=", "From ", "ệ", "Đ", "—", "\u00a0", "<p>", "x=3D"}
	for range 2000 {
		var pieces []string
		var b strings.Builder
		for range r.IntN(60) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		s := b.String()
		// Cut at random places that do not split a character or a CRLF.
		for len(s) > 0 {
			n := min(len(s), r.IntN(20))
			for n < len(s) && (!utf8.RuneStart(s[n]) || n > 0 && s[n-1] == '\r' && s[n] == '\n') {
				n++
			}
			pieces = append(pieces, s[:n])
			s = s[n:]
		}
		frags := make([]Fragment, len(pieces))
		for i, p := range pieces {
			frags[i] = NewFragment(p)
		}
		enc, eol := appendParts(nil, "", frags)
		whole := strings.Join(pieces, "")
		checkQP(t, enc)
		if got := decodeQP(t, enc); got != crlf(whole) {
			t.Fatalf("fragments %q\nencode to %q\ndecode to %q", pieces, enc, got)
		}
		if eol != strings.HasSuffix(whole, "\n") && whole != "" {
			t.Fatalf("fragments %q: eol %v", pieces, eol)
		}
	}
}

func FuzzFragments(f *testing.F) {
	f.Add("Giao ban\nthực hiện", ". From x = y ")
	f.Add("", "\r\n")
	f.Add(strings.Repeat("ệ", 30), strings.Repeat(" ", 80))
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || strings.HasSuffix(a, "\r") {
			t.Skip()
		}
		enc, _ := appendParts(nil, "", []Fragment{NewFragment(a), NewFragment(b)})
		checkQP(t, enc)
		if got := decodeQP(t, enc); got != crlf(a+b) {
			t.Fatalf("got %q, want %q", got, crlf(a+b))
		}
	})
}

func TestInvalidUTF8Replaced(t *testing.T) {
	f := NewFragment("a\xffb")
	if got := decodeQP(t, f.qp); got != "a\uFFFDb" {
		t.Errorf("got %q", got)
	}
}

func TestHeaderText(t *testing.T) {
	dec := new(mime.WordDecoder)
	for _, s := range []string{
		"Chào", viSubject, "Plain ASCII subject", strings.TrimSpace(strings.Repeat("word ", 40)),
		"a =?UTF-8?B?Zm9v?= lookalike", strings.Repeat("ệ", 100), "Thế giới: 10/7", "x",
		"Tin “nóng” — 100% 😀 emoji",
	} {
		h := header{}
		h.start("Subject")
		h.text(s)
		h.end()
		for i, line := range bytes.Split(bytes.TrimSuffix(h.b, []byte("\r\n")), []byte("\r\n")) {
			if len(line) > foldAt && !bytes.Contains(line, []byte("wordwordword")) {
				t.Errorf("%q: line %d is %d long: %q", s, i+1, len(line), line)
			}
			if i > 0 && line[0] != ' ' {
				t.Errorf("%q: continuation line %q does not start with a space", s, line)
			}
			for w := range strings.FieldsSeq(string(line)) {
				if strings.HasPrefix(w, "=?") && len(w) > 75 {
					t.Errorf("%q: encoded word of %d characters", s, len(w))
				}
			}
		}
		m, err := mail.ReadMessage(bytes.NewReader(append(h.b, "\r\n"...)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := dec.DecodeHeader(m.Header.Get("Subject"))
		if err != nil || got != s {
			t.Errorf("subject %q comes back as %q (%v) from %q", s, got, err, h.b)
		}
	}
}

func TestAddressHeader(t *testing.T) {
	for _, a := range []Address{
		{Email: "a@example.com"},
		{Name: "An", Email: "a@example.com"},
		{Name: "Nguyễn Văn Ân", Email: "a@example.com"},
		{Name: `Bạn "hai", Hà Nội`, Email: "a@example.com"},
		{Name: `O'Brien, Pat \ Co.`, Email: "pat@example.com"},
		{Name: "Tin =?x?= nhanh", Email: "a@example.com"},
		{Name: strings.Repeat("Trường Sơn ", 12), Email: "a@example.com"},
	} {
		a, err := a.Normalize() // as Send does
		if err != nil {
			t.Fatal(err)
		}
		h := header{}
		h.start("To")
		h.address(a, true)
		h.address(a, false)
		h.end()
		m, err := mail.ReadMessage(bytes.NewReader(append(h.b, "\r\n"...)))
		if err != nil {
			t.Fatal(err)
		}
		list, err := m.Header.AddressList("To")
		if err != nil || len(list) != 2 {
			t.Fatalf("%+v: %q parses to %v, %v", a, h.b, list, err)
		}
		for _, got := range list {
			if got.Name != a.Name || got.Address != a.Email {
				t.Errorf("%+v: %q parses to %+v", a, h.b, got)
			}
		}
		if s := a.String(); strings.Contains(s, "\r") || strings.HasPrefix(s, " ") {
			t.Errorf("String() = %q", s)
		} else if got, err := mail.ParseAddress(s); err != nil || got.Address != a.Email || got.Name != strings.TrimSpace(a.Name) {
			t.Errorf("String() = %q parses to %+v, %v", s, got, err)
		}
	}
}

func TestParseAddress(t *testing.T) {
	for _, tt := range []struct{ in, name, email, err string }{
		{"Bản tin <no-reply@localhost>", "Bản tin", "no-reply@localhost", ""},
		{"An <An@Example.COM>", "An", "An@example.com", ""},
		{"an@ví-dụ.vn", "", "an@xn--v-d-rma6749a.vn", ""}, // as idna.Lookup.ToASCII gives it
		{"=?UTF-8?B?QuG6o24gdGlu?= <a@b.vn>", "Bản tin", "a@b.vn", ""},
		{"a@b@c", "", "", "invalid address"},
		{"\"x\r\n\" <a@b.vn>", "", "", "control character"},
		{"", "", "", "invalid address"},
	} {
		a, err := ParseAddress(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseAddress(%q) = %+v, %v; want error %q", tt.in, a, err, tt.err)
			}
			continue
		}
		if err != nil || a.Name != tt.name || a.Email != tt.email {
			t.Errorf("ParseAddress(%q) = %+v, %v; want %q <%s>", tt.in, a, err, tt.name, tt.email)
		}
	}
}

func TestEnhancedCode(t *testing.T) {
	for in, want := range map[string]string{
		"5.1.1 User unknown":   "5.1.1",
		"4.7.1 Greylisted":     "4.7.1",
		"2.0.0 OK":             "2.0.0",
		"5.7.26 DMARC":         "5.7.26",
		"5.123.456 x":          "5.123.456",
		"5.1.1":                "5.1.1",
		"5.1.1\nsecond line":   "5.1.1",
		"User unknown":         "",
		"5.1 x":                "",
		"6.1.1 x":              "",
		"5.1.1234 x":           "",
		"5.1.1x":               "",
		"550 5.1.1 not parsed": "",
		"":                     "",
	} {
		if got := enhancedCode(in); got != want {
			t.Errorf("enhancedCode(%q) = %q, want %q", in, got, want)
		}
	}
}
