package article

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var slugRE = regexp.MustCompile(`^(?:[a-z0-9]+(?:-[a-z0-9]+)*)?$`)

// checkArticle holds what every parsed article promises, whatever the input.
func checkArticle(t *testing.T, a *Article, err error, name string) {
	t.Helper()
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) || pe.File != name || pe.Line < 0 {
			t.Fatalf("error %v (%T) is not a *ParseError for %s", err, err, name)
		}
		if a != nil {
			t.Fatal("article returned with an error")
		}
		return
	}
	fields := []string{a.Title, a.Lead, a.BodyHTML, a.Byline, a.Category, a.ID, a.Link}
	fields = append(fields, a.Tags...)
	for _, im := range a.Images {
		fields = append(fields, im.URL, im.Caption)
	}
	for _, s := range fields {
		if !utf8.ValidString(s) || !norm.NFC.IsNormalString(s) {
			t.Fatalf("not valid UTF-8 in NFC: %q", s)
		}
		if strings.ContainsFunc(s, func(r rune) bool { return (r < 0x20 && r != '\t' && r != '\n') || r == 0xfffe || r == 0xffff }) {
			t.Fatalf("holds a character XML cannot carry: %q", s)
		}
	}
	if strings.TrimSpace(a.Title) == "" {
		t.Fatal("empty title")
	}
	if !slugRE.MatchString(a.Slug) || !slugRE.MatchString(a.CategorySlug) {
		t.Fatalf("bad slug %q / %q", a.Slug, a.CategorySlug)
	}
	if a.ContentHash != ContentHash(a) {
		t.Fatal("stale ContentHash")
	}
}

func FuzzParsePortalText(f *testing.F) {
	f.Add(readFixture(f, "portal_sample.txt"))
	f.Add([]byte("Thứ Sáu, 10/7/2020\nT\n\nL\n\n" + nb + "\nC" + nb + "\n\nH\n\nP.\n\nTin: A\n\nPhản hồi"))
	f.Add([]byte("\xef\xbb\xbfChủ nhật, 12/7/2020 08:30\r\nT\r\n\r\nL"))
	f.Add([]byte("Thứ Hai, 10/7/2020\n"))
	f.Add([]byte("\x00\xff"))
	p := NewParser(Options{MaxSize: 1 << 16})
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "f.txt"
		a, err := p.ParsePortalText(Input{Name: name, Key: "k", Category: "Thời sự", Data: data})
		checkArticle(t, a, err, name)
		if err == nil && utf8.Valid(data) {
			b, err := p.ParsePortalText(Input{Name: name, Key: "k", Category: "Thời sự", Data: norm.NFD.Bytes(data)})
			if err == nil && !reflect.DeepEqual(a, b) {
				t.Fatalf("NFD input parses differently:\n%#v\n%#v", a, b)
			}
		}
	})
}

func FuzzParseMarkdown(f *testing.F) {
	f.Add(readFixture(f, "markdown_sample.md"))
	f.Add([]byte("---\ndate: 2020-07-10\n---\n# Tiêu đề\n\nMở đầu <b>x</b>.\n"))
	f.Add([]byte("---\ntitle: T\ndate: [1]\ntags: 5\nimages: [{url: a, caption: [b]}]\n---\n"))
	f.Add([]byte("---\na: &x [*x]\ntitle: *x\ndate: 2020-01-01\n---\n"))
	p := NewParser(Options{MaxSize: 1 << 16})
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "f.md"
		a, err := p.ParseMarkdown(Input{Name: name, Key: "k", Data: data})
		checkArticle(t, a, err, name)
		if err == nil && strings.Contains(strings.ToLower(a.BodyHTML), "<script") {
			t.Fatalf("script in body: %q", a.BodyHTML)
		}
	})
}

func FuzzSlugify(f *testing.F) {
	for _, s := range []string{"Giao ban thực hiện chương trình", "Đà Nẵng", "Chủ Nhật", "", "--", "a\u0301", "ß", strings.Repeat("ab ", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Slugify(s)
		if !slugRE.MatchString(got) || len(got) > maxSlugLen {
			t.Fatalf("Slugify(%q) = %q", s, got)
		}
		if again := Slugify(got); again != got {
			t.Fatalf("Slugify not idempotent: %q -> %q -> %q", s, got, again)
		}
		if utf8.ValidString(s) {
			if nfc := Slugify(norm.NFC.String(s)); nfc != got {
				t.Fatalf("Slugify(%q) = %q but its NFC form gives %q", s, got, nfc)
			}
		}
	})
}
