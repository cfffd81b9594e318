package feed

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		path string
		want Key
		ok   bool
	}{
		{"/rss.xml", Key{Format: RSS}, true},
		{"/atom.xml", Key{Format: Atom}, true},
		{"/feed.json", Key{Format: JSON}, true},
		{"/c/thoi-su/rss.xml", Key{Category: "thoi-su", Format: RSS}, true},
		{"/c/chuyen-muc-13/feed.json", Key{Category: "chuyen-muc-13", Format: JSON}, true},
		{"/archive/3/rss.xml", Key{Format: RSS, Page: 3}, true},
		{"/c/the-thao/archive/12/atom.xml", Key{Category: "the-thao", Format: Atom, Page: 12}, true},
		{"/archive/3/feed.json", Key{}, false}, // no JSON archives
		{"/archive/0/rss.xml", Key{}, false},
		{"/archive/03/rss.xml", Key{}, false},
		{"/archive/+3/rss.xml", Key{}, false},
		{"/archive/-1/rss.xml", Key{}, false},
		{"/archive/x/rss.xml", Key{}, false},
		{"/c/Thoi-Su/rss.xml", Key{}, false},
		{"/c/thoi--su/rss.xml", Key{}, false},
		{"/c/-thoi-su/rss.xml", Key{}, false},
		{"/c/thời-sự/rss.xml", Key{}, false},
		{"/c//rss.xml", Key{}, false},
		{"/c/" + strings.Repeat("a", 81) + "/rss.xml", Key{}, false},
		{"/c/thoi-su/", Key{}, false},
		{"/c/thoi-su/rss.xml/", Key{}, false},
		{"/rss.xml.gz", Key{}, false},
		{"/", Key{}, false},
	}
	for _, tt := range tests {
		got, ok := ParsePath(tt.path)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParsePath(%q) = %+v, %v; want %+v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
		if ok && got.Path() != tt.path {
			t.Errorf("Key(%q).Path() = %q", tt.path, got.Path())
		}
	}
}

func TestValidTagDate(t *testing.T) {
	for s, want := range map[string]bool{"2020": true, "2020-07": true, "2020-07-10": true, "2020-13": false, "2020-02-30": false, "20": false, "2020-7": false} {
		if got := ValidTagDate(s); got != want {
			t.Errorf("ValidTagDate(%q) = %v", s, got)
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Thời sự", "Thời sự"},
		{"a\tb\nc\r", "a\tb\nc\r"},
		{"a\x00b\x1fc\x7f", "abc"},
		{"x\u0080y\u009fz", "xyz"},
		{"lỗi\ufffd\ufffe\uffff", "lỗi"},
		{"bad \xff\xfe utf8", "bad  utf8"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.want {
			t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	clean := "Tin mới nhất của Bản tin"
	if n := testing.AllocsPerRun(100, func() { _ = cleanText(clean) }); n != 0 {
		t.Errorf("clean text allocates %v times", n)
	}
}

func TestEscapeAndTruncate(t *testing.T) {
	if got := escapeHTMLText(`a & <b> "c"`); got != `a &amp; &lt;b&gt; "c"` {
		t.Errorf("escapeHTMLText = %q", got)
	}
	if got := truncateRunes("một hai ba bốn năm", 100); got != "một hai ba bốn năm" {
		t.Errorf("short text truncated: %q", got)
	}
	if got := truncateRunes("một hai ba bốn năm sáu", 17); got != "một hai ba bốn…" {
		t.Errorf("truncateRunes = %q", got)
	}
}

// isCleanText agrees with the rune-by-rune definition on every input,
// including invalid UTF-8 of every kind.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"Thời sự", "a\x00b", "\xc2\x85", "\xef\xbf\xbd", "\xed\xa0\x80", "\xe0\x80\xaf", "\xf4\x90\x80\x80", "\xf0\x9f\x98\x80", "\xc0\xaf", "x\xe1\xbb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := utf8.ValidString(s)
		if want {
			for _, r := range s {
				if !allowedRune(r) {
					want = false
					break
				}
			}
		}
		if got := isCleanText(s); got != want {
			t.Errorf("isCleanText(%q) = %v, want %v", s, got, want)
		}
		c := cleanText(s)
		if !isCleanText(c) || (want && c != s) {
			t.Errorf("cleanText(%q) = %q", s, c)
		}
	})
}
