package htmlurl

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

var testBase = mustParse("https://tin.example.vn/a/1/x")

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestResolve(t *testing.T) {
	idn := mustParse("https://bản-tin.vn:8443/tin/1")
	tests := []struct {
		base *url.URL
		ref  string
		want string
	}{
		{testBase, "tiep", "https://tin.example.vn/a/1/tiep"},
		{testBase, "  /tin/2 \n", "https://tin.example.vn/tin/2"},
		{testBase, "#x", "https://tin.example.vn/a/1/x#x"},
		{testBase, "//cdn.example.vn/a.jpg", "https://cdn.example.vn/a.jpg"},
		{testBase, "https://khac.example/", "https://khac.example/"},
		{testBase, " mailto:a@b.vn ", "mailto:a@b.vn"},
		{testBase, "javascript:alert(1)", "javascript:alert(1)"},
		{testBase, "", ""},
		{testBase, "%zz", "%zz"},   // does not parse: left alone
		{testBase, "1a:b", "1a:b"}, // no scheme, and a colon in the first segment: does not parse
		{testBase, "a\tb", "a\tb"}, // a control byte: does not parse
		{testBase, "/x?q=a b", "https://tin.example.vn/x?q=a%20b"},
		// Written in ASCII: the path percent-encoded, the host in IDNA
		// rather than percent-encoded.
		{testBase, "thời-sự?q=hè", "https://tin.example.vn/a/1/th%E1%BB%9Di-s%E1%BB%B1?q=h%C3%A8"},
		{idn, "2", "https://xn--bn-tin-bd8b.vn:8443/tin/2"},
		{testBase, "//bản-tin.vn/x", "https://xn--bn-tin-bd8b.vn/x"},
		// Only an http or https base is used.
		{nil, " tin/2", "tin/2"},
		{mustParse("javascript:alert(1)//"), "x", "x"},
		{mustParse("/relative/only"), "x", "x"},
		{mustParse("https:///no-host"), "x", "x"},
		{mustParse(`https://a"b.example/`), "x", "x"}, // a host no URL may have
		{testBase, `//a<b.example/x`, `//a<b.example/x`},
		{mustParse("http://[fe80::1%25en0]:8080/a"), "b", "http://[fe80::1%25en0]:8080/b"},
	}
	for _, tt := range tests {
		if got := Resolve(tt.base, tt.ref); got != tt.want {
			t.Errorf("Resolve(%v, %q) = %q, want %q", tt.base, tt.ref, got, tt.want)
		}
	}
}

func TestResolveAll(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no links", `<p>không có liên kết</p>`, `<p>không có liên kết</p>`},
		{"absolute only",
			`<p>Đọc <a href="https://khac.example/">ở đây</a> &amp; thế thôi.</p>`,
			`<p>Đọc <a href="https://khac.example/">ở đây</a> &amp; thế thôi.</p>`},
		{"relative link; text and other tags byte for byte",
			`<p title="a &amp; b">Đọc <a href="tiep">tiếp</a> &amp; <br/>hết.</p>`,
			`<p title="a &amp; b">Đọc <a href="https://tin.example.vn/a/1/tiep">tiếp</a> &amp; <br/>hết.</p>`},
		{"src, cite and poster",
			`<img src="/a.jpg" alt="Ảnh"><blockquote cite="nguon">x</blockquote><video poster="p.jpg"></video>`,
			`<img src="https://tin.example.vn/a.jpg" alt="Ảnh"><blockquote cite="https://tin.example.vn/a/1/nguon">x</blockquote><video poster="https://tin.example.vn/a/1/p.jpg"></video>`},
		{"upper case, single quotes, no quotes, spaces around =",
			`<A HREF='/x'>a</A><img src=y.png><a href = "z">b</a>`,
			`<a href="https://tin.example.vn/x">a</A><img src="https://tin.example.vn/a/1/y.png"><a href="https://tin.example.vn/a/1/z">b</a>`},
		{"srcset", `<img srcset="a.jpg 1x, https://cdn.example/b.jpg 2x">`,
			`<img srcset="https://tin.example.vn/a/1/a.jpg 1x, https://cdn.example/b.jpg 2x">`},
		{"unsafe and odd values are left alone",
			`<a href="javascript:alert(1)">a</a><a href="">b</a><a href>c</a><a href="  https://x.example/ ">d</a>`,
			`<a href="javascript:alert(1)">a</a><a href="">b</a><a href>c</a><a href="  https://x.example/ ">d</a>`},
		{"only known URL attributes", `<a data-href="x" xlink:href="y" title="/z">a</a>`, `<a data-href="x" xlink:href="y" title="/z">a</a>`},
		{"tags in script and comments are text",
			`<script>document.write('<a href="x">')</script><!-- <a href="y"> -->`,
			`<script>document.write('<a href="x">')</script><!-- <a href="y"> -->`},
		{"a tag cut off at the end is kept", `<a href="x">a</a><img src="y`, `<a href="https://tin.example.vn/a/1/x">a</a><img src="y`},
	}
	for _, tt := range tests {
		if got := ResolveAll(testBase, tt.in); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
	in := `<a href="x">a</a>`
	for _, base := range []*url.URL{nil, mustParse("file:///tmp/x")} {
		if got := ResolveAll(base, in); got != in {
			t.Errorf("base %v: %q changed to %q", base, in, got)
		}
	}
}

func TestResolveSrcset(t *testing.T) {
	tests := []struct {
		in, want string
		changed  bool
	}{
		{"a.jpg", "https://tin.example.vn/a/1/a.jpg", true},
		{" a.jpg  1x ,b.jpg\t2x,,", "https://tin.example.vn/a/1/a.jpg 1x, https://tin.example.vn/a/1/b.jpg 2x", true},
		// A URL runs to white space, commas and all; a trailing comma ends
		// a candidate.
		{"img/w_100,h_50.jpg 100w, img/x.jpg, y.jpg", "https://tin.example.vn/a/1/img/w_100,h_50.jpg 100w, https://tin.example.vn/a/1/img/x.jpg, https://tin.example.vn/a/1/y.jpg", true},
		{"data:image/png;base64,AAAA 1x, b.jpg 2x", "data:image/png;base64,AAAA 1x, https://tin.example.vn/a/1/b.jpg 2x", true},
		// Descriptors run to a comma outside parentheses.
		{"a.jpg (x, y) 1x, b.jpg", "https://tin.example.vn/a/1/a.jpg (x, y) 1x, https://tin.example.vn/a/1/b.jpg", true},
		{"https://a.example/x.jpg 1x,  https://b.example/y.jpg 2x", "https://a.example/x.jpg 1x,  https://b.example/y.jpg 2x", false},
		{"", "", false},
		{" , ", " , ", false},
	}
	for _, tt := range tests {
		got, changed := resolveSrcset(testBase, tt.in)
		if got != tt.want || changed != tt.changed {
			t.Errorf("resolveSrcset(%q) = %q, %v; want %q, %v", tt.in, got, changed, tt.want, tt.changed)
		}
	}
}

func TestMayHaveRelativeURL(t *testing.T) {
	for s, want := range map[string]bool{
		`<p>không có liên kết</p>`:                         false,
		`<a href="https://a.example/">a</a>`:               false,
		`<a href="mailto:a@b.vn">a</a>`:                    false,
		`<img src="https://a.example/x.jpg">`:              false,
		`<img srcset="https://a.example/x.jpg 2x">`:        false,
		`<p title="x=y">a = b</p>`:                         false,
		`<a href>a</a>`:                                    false, // the empty value is never resolved
		`<a href="/tin">a</a>`:                             true,
		`<a href="tin.html">a</a>`:                         true,
		`<a href="#x">a</a>`:                               true,
		`<a href="">a</a>`:                                 true,
		`<a HREF="tin">a</a>`:                              true,
		`<a href = "tin">a</a>`:                            true,
		`<a href='https://a.example/'>a</a>`:               true, // unusual quoting: check fully
		`<a href=tin>a</a>`:                                true,
		`<img srcset="https://a.example/x.jpg 1x, y.jpg">`: true,
		`<a href="https://a.example/">a</a><img src="x">`:  true,
		`<blockquote cite="nguon">`:                        true,
		`<p>Viết href=x trong văn bản</p>`:                 true, // a false yes is fine
	} {
		if got := mayHaveRelativeURL(s); got != want {
			t.Errorf("mayHaveRelativeURL(%q) = %v", s, got)
		}
	}
}

func TestASCII(t *testing.T) {
	for in, want := range map[string]string{
		"https://tin.example.vn/a/1/x":         "https://tin.example.vn/a/1/x",
		"https://tin.example.vn/tin/thời-sự":   "https://tin.example.vn/tin/th%E1%BB%9Di-s%E1%BB%B1",
		"https://tin.example.vn/?q=a b":        "https://tin.example.vn/?q=a%20b",
		"https://bản-tin.vn:8443/x":            "https://xn--bn-tin-bd8b.vn:8443/x",
		"https://tin.example.vn/%E1%BB%9D?a=1": "https://tin.example.vn/%E1%BB%9D?a=1",
		"":                                     "",
	} {
		if got := ASCII(in); got != want {
			t.Errorf("ASCII(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzResolveAll holds ResolveAll to what x/net/html's parser makes of its
// input and output: the same tree, but for URL attributes, each either as
// it was or resolved as Resolve does to an http(s) URL; never a scheme a
// sanitizer would have to refuse. It also holds the quick check to the
// full rewrite, and the result to being a fixed point.
func FuzzResolveAll(f *testing.F) {
	for _, s := range []string{
		`<p>Đọc <a href="tiep">tiếp</a> &amp; <img src=/a.jpg srcset="a.jpg 1x, b.jpg 2x"></p>`,
		`<blockquote cite='x'><video poster=p.jpg></video></blockquote>`,
		`<a href="javascript:alert(1)">x</a><a href=" java&#x0A;script:alert(1)">y</a>`,
		`<A HREF = "x" href="y">`,
		`<table><a href="x">foster</a><tr><td>1</td></tr></table>`,
		`<select><a href="x"></select><template><a href="y"></template>`,
		`<script><!--<script>"<a href=x>"</script>--></script>`,
		`<a href="x`,
		"<a href=\"\x00\xff\">\r\n</a>",
		`<img srcset="img/w_100,h_50.jpg 100w, , (x,y) z">`,
	} {
		f.Add(s, "https://tin.example.vn/a/1/x")
	}
	f.Add(`<a href="2">`, "https://bản-tin.vn:8443/tin/1")
	f.Add(`<a href="2">`, "javascript:alert(1)//")
	f.Add(`<a href="/0">`, `https://0"0`)
	f.Fuzz(func(t *testing.T, s, rawBase string) {
		base, err := url.Parse(rawBase)
		if err != nil {
			return
		}
		out := ResolveAll(base, s)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of valid input: %q", out)
		}
		if !mayHaveRelativeURL(s) {
			if full := resolveAll(base, s); full != s {
				t.Fatalf("quick check says no relative URL, but the rewrite gives %q", full)
			}
		}
		if again := ResolveAll(base, out); again != out {
			t.Fatalf("not a fixed point:\n once %q\ntwice %q", out, again)
		}
		if !webBase(base) && out != s {
			t.Fatalf("changed without a usable base: %q", out)
		}
		lower := strings.ToLower(s)
		if strings.Contains(lower, "<svg") || strings.Contains(lower, "<math") {
			return // see ResolveAll: foreign content, read as a tokenizer does
		}
		in, err1 := html.Parse(strings.NewReader(s))
		got, err2 := html.Parse(strings.NewReader(out))
		if err1 != nil || err2 != nil {
			t.Fatalf("parse: %v, %v", err1, err2)
		}
		sameTree(t, base, in, got)
	})
}

// sameTree fails t unless b is a with only URL attributes resolved.
func sameTree(t *testing.T, base *url.URL, a, b *html.Node) {
	t.Helper()
	if a.Type != b.Type || a.Data != b.Data || a.Namespace != b.Namespace || len(a.Attr) != len(b.Attr) {
		t.Fatalf("node %q (%d) became %q (%d)", a.Data, a.Type, b.Data, b.Type)
	}
	for i, at := range a.Attr {
		bt := b.Attr[i]
		if at.Key != bt.Key || at.Namespace != bt.Namespace {
			t.Fatalf("attribute %s became %s", at.Key, bt.Key)
		}
		if at.Val == bt.Val {
			continue
		}
		if at.Namespace != "" || !isURLAttr(at.Key) {
			t.Fatalf("attribute %s=%q became %q", at.Key, at.Val, bt.Val)
		}
		want := Resolve(base, at.Val)
		if at.Key == "srcset" {
			want, _ = resolveSrcset(base, at.Val)
		} else if u, err := url.Parse(bt.Val); err != nil || (u.Scheme != "http" && u.Scheme != "https") ||
			!strings.HasPrefix(bt.Val, u.Scheme+"://") {
			t.Fatalf("%s=%q became %q, not an http(s) URL: %v", at.Key, at.Val, bt.Val, err)
		}
		if bt.Val != want {
			t.Fatalf("%s=%q became %q, want %q", at.Key, at.Val, bt.Val, want)
		}
	}
	ca, cb := a.FirstChild, b.FirstChild
	for ; ca != nil && cb != nil; ca, cb = ca.NextSibling, cb.NextSibling {
		sameTree(t, base, ca, cb)
	}
	if ca != nil || cb != nil {
		t.Fatalf("children of %q differ", a.Data)
	}
}
