package templates

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCatalogLanguagesCarryTheSameKeys(t *testing.T) {
	c := NewCatalog()
	vi, en := c.Keys("vi"), c.Keys("en")
	slices.Sort(vi)
	slices.Sort(en)
	if !slices.Equal(vi, en) {
		t.Fatalf("vi and en keys differ:\nvi %v\nen %v", vi, en)
	}
	if got := c.Text("en", "home.title"); got != "Latest news" {
		t.Errorf("en home.title = %q", got)
	}
	if got := c.Text("fr", "home.title"); got != "Tin mới nhất" {
		t.Errorf("unknown language does not fall back to Vietnamese: %q", got)
	}
	if got := c.Text("vi", "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q, want the key itself", got)
	}
}

func TestOverrideDirReplacesAPage(t *testing.T) {
	dir := t.TempDir()
	override := `{{define "content"}}<h1>Trang riêng của toà soạn</h1>{{end}}`
	if err := os.WriteFile(filepath.Join(dir, "home.html"), []byte(override), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{OverrideDir: dir, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.RenderPage(&b, "home.html", Page{Lang: "vi", SiteName: "Bản tin"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Trang riêng của toà soạn") || !strings.Contains(b.String(), `<html lang="vi">`) {
		t.Fatalf("override not used inside the layout: %s", b.String())
	}
}

func TestBrokenOverrideIsReportedByName(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "home.html"), []byte(`{{define "content"}}{{.Nope`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{OverrideDir: dir})
	if err == nil || !strings.Contains(err.Error(), "home.html") {
		t.Fatalf("err = %v, want one naming home.html", err)
	}
}

func TestRenderUnknownPage(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RenderPage(&strings.Builder{}, "nope.html", Page{}); err == nil {
		t.Fatal("rendering an unknown page succeeded")
	}
}

func TestNoStringKeyDefinedTwice(t *testing.T) {
	seen := map[string]int{}
	for i, area := range catalogAreas() {
		for k := range area["vi"] {
			if j, dup := seen[k]; dup {
				t.Errorf("key %q is in catalog areas %d and %d", k, j, i)
			}
			seen[k] = i
		}
	}
}

type confirmData struct{ Name, ConfirmURL, ValidFor string }

func TestRenderConfirmEmailEscapesAndStaysOneLineSubject(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := EmailData{Lang: "vi", SiteName: "Bản tin\r\nBcc: x@evil.example", SiteURL: "https://tin.example.vn",
		Data: confirmData{Name: `<b>Lan</b>`, ConfirmURL: "https://tin.example.vn/confirm?t=abc&x=1", ValidFor: "48 giờ"}}
	e, err := s.RenderEmail("confirm", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(e.Subject, "\r\n") || !strings.HasPrefix(e.Subject, "Xác nhận đăng ký nhận bản tin") {
		t.Errorf("subject %q", e.Subject)
	}
	if strings.Contains(e.HTML, "<b>Lan</b>") || !strings.Contains(e.HTML, "&lt;b&gt;Lan&lt;/b&gt;") {
		t.Error("HTML part does not escape the name")
	}
	if !strings.Contains(e.HTML, `href="https://tin.example.vn/confirm?t=abc&amp;x=1"`) {
		t.Error("HTML part lacks the confirm link")
	}
	if !strings.Contains(e.Text, "https://tin.example.vn/confirm?t=abc&x=1") || !strings.Contains(e.Text, "48 giờ") {
		t.Errorf("text part:\n%s", e.Text)
	}
	en, err := s.RenderEmail("confirm", EmailData{Lang: "en", SiteName: "News", Data: confirmData{ConfirmURL: "u", ValidFor: "48 hours"}})
	if err != nil || !strings.HasPrefix(en.Subject, "Confirm your subscription") {
		t.Errorf("English subject %q, %v", en.Subject, err)
	}
	if _, err := s.RenderEmail("nope", d); err == nil {
		t.Error("unknown email rendered")
	}
}
