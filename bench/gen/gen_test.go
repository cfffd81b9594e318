package gen_test

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"

	"github.com/bantin/bantin/bench/gen"
)

const nbsp = "\u00a0"

var ict = time.FixedZone("ICT", 7*3600)

// weekdays is the test's own table, independent of gen.Weekday.
func weekdays() map[string]time.Weekday {
	return map[string]time.Weekday{
		"Thứ Hai": time.Monday, "Thứ Ba": time.Tuesday, "Thứ Tư": time.Wednesday,
		"Thứ Năm": time.Thursday, "Thứ Sáu": time.Friday, "Thứ Bảy": time.Saturday,
		"Chủ Nhật": time.Sunday,
	}
}

// randomDate returns a time between 2000 and 2035 in ICT.
func randomDate(rng *rand.Rand) time.Time {
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, ict)
	return start.Add(time.Duration(rng.Int64N(int64(35 * 365 * 24 * time.Hour))))
}

func sizes() []int { return []int{2048, 4096, 8192, 32768} }

func checkText(t *testing.T, what string, b []byte, size int) {
	t.Helper()
	if !utf8.Valid(b) {
		t.Fatalf("%s: not valid UTF-8", what)
	}
	if !norm.NFC.IsNormal(b) {
		t.Errorf("%s: not NFC", what)
	}
	if lo, hi := size*85/100, size*115/100; len(b) < lo || len(b) > hi {
		t.Errorf("%s: %d bytes, want %d±15%%", what, len(b), size)
	}
	if bytes.ContainsAny(b, "\r\t") {
		t.Errorf("%s: CR or tab", what)
	}
}

func TestPortalText(t *testing.T) {
	dateLine := regexp.MustCompile(`^(Thứ Hai|Thứ Ba|Thứ Tư|Thứ Năm|Thứ Sáu|Thứ Bảy|Chủ Nhật), ([1-9]|[12][0-9]|3[01])/([1-9]|1[0-2])/([0-9]{4})$`)
	byline := regexp.MustCompile(`^(Tin và ảnh|Tin|Bài và ảnh|Ảnh): \pL+ \pL+$`)
	chrome := map[string]bool{"Gửi cho bạn bè": true, "Phản hồi": true, "Thông tin người gửi phản hồi": true}
	wd := weekdays()
	placeholders, chromed := 0, 0
	for seed := range uint64(400) {
		rng := rand.New(rand.NewPCG(seed, 0xba17))
		date := randomDate(rng)
		size := sizes()[seed%uint64(len(sizes()))]
		b := gen.PortalText(rng, date, size)
		what := "seed " + strconv.FormatUint(seed, 10)
		checkText(t, what, b, size)
		if bytes.Contains(b, []byte("  ")) {
			t.Errorf("%s: double space", what)
		}

		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		m := dateLine.FindStringSubmatch(lines[0])
		if m == nil {
			t.Fatalf("%s: line 1 %q is not a date line", what, lines[0])
		}
		y, _ := strconv.Atoi(m[4])
		mo, _ := strconv.Atoi(m[3])
		d, _ := strconv.Atoi(m[2])
		got := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		if got.Year() != date.Year() || got.Month() != date.Month() || got.Day() != date.Day() {
			t.Errorf("%s: line 1 %q, want the date %s", what, lines[0], date.Format("2006-01-02"))
		}
		if got.Weekday() != wd[m[1]] {
			t.Errorf("%s: line 1 %q: %s is a %s", what, lines[0], got.Format("2006-01-02"), got.Weekday())
		}
		if lines[1] == "" || strings.ContainsAny(lines[1][len(lines[1])-1:], ".!?") || lines[2] != "" || lines[3] == "" {
			t.Errorf("%s: want title, blank line, lead; got %q", what, lines[1:4])
		}

		captions, subheads, bylines := 0, 0, 0
		for i, l := range lines[4:] {
			i += 4
			switch {
			case l == nbsp:
				placeholders++
			case strings.HasSuffix(l, nbsp):
				captions++
			case strings.Contains(l, nbsp):
				t.Errorf("%s: line %d %q: U+00A0 outside a placeholder or caption", what, i+1, l)
			case chrome[l]:
				chromed++
			case byline.MatchString(l):
				bylines++
			case l != "" && lines[i-1] == "" && i+1 < len(lines) && lines[i+1] == "" &&
				utf8.RuneCountInString(l) < 80 && !strings.ContainsAny(l[len(l)-1:], ".!?:;,…”"):
				subheads++
			}
		}
		if captions == 0 || subheads == 0 || bylines == 0 {
			t.Errorf("%s: %d captions, %d subheadings, %d bylines; want at least one each", what, captions, subheads, bylines)
		}
	}
	if placeholders == 0 || chromed == 0 {
		t.Errorf("over all seeds: %d placeholder lines, %d chrome lines; want some of each", placeholders, chromed)
	}
}

func TestMarkdown(t *testing.T) {
	type frontMatter struct {
		Title    string
		Date     time.Time
		Category *string
		Tags     []string
		Author   string
		Lead     string
		Images   []struct {
			URL     string
			Caption string
		}
		Newsletter *bool
	}
	optedOut := 0
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 0x3d))
		date := randomDate(rng)
		size := sizes()[seed%uint64(len(sizes()))]
		category := ""
		if seed%3 != 0 {
			category = gen.Categories(4)[seed%4].Name
		}
		b := gen.Markdown(rng, date, size, category)
		what := "seed " + strconv.FormatUint(seed, 10)
		checkText(t, what, b, size)

		rest, ok := bytes.CutPrefix(b, []byte("---\n"))
		head, body, ok2 := bytes.Cut(rest, []byte("\n---\n"))
		if !ok || !ok2 {
			t.Fatalf("%s: no front matter", what)
		}
		var fm frontMatter
		if err := yaml.Unmarshal(head, &fm); err != nil {
			t.Fatalf("%s: front matter: %v", what, err)
		}
		if fm.Title == "" || fm.Author == "" || fm.Lead == "" || strings.Contains(fm.Lead, "*") {
			t.Errorf("%s: want title, author and a plain lead: %+v", what, fm)
		}
		if !fm.Date.Equal(date.Truncate(time.Second)) {
			t.Errorf("%s: date %v, want %v", what, fm.Date, date)
		}
		if (category == "") != (fm.Category == nil) || (fm.Category != nil && *fm.Category != category) {
			t.Errorf("%s: category %v, want %q (absent when empty)", what, fm.Category, category)
		}
		seen := map[string]bool{}
		for _, tag := range fm.Tags {
			if seen[tag] {
				t.Errorf("%s: duplicate tag %q", what, tag)
			}
			seen[tag] = true
		}
		if len(fm.Tags) < 2 || len(fm.Tags) > 4 || len(fm.Images) == 0 {
			t.Errorf("%s: %d tags, %d images", what, len(fm.Tags), len(fm.Images))
		}
		for _, im := range fm.Images {
			if !strings.HasPrefix(im.URL, "https://static.example.vn/") || im.Caption == "" {
				t.Errorf("%s: image %+v", what, im)
			}
		}
		if fm.Newsletter != nil {
			if *fm.Newsletter {
				t.Errorf("%s: newsletter: true should be left out", what)
			}
			optedOut++
		}
		if !bytes.Contains(body, []byte("\n## ")) || bytes.Contains(body, []byte(nbsp)) {
			t.Errorf("%s: body wants a ## subheading and no U+00A0", what)
		}
	}
	if optedOut == 0 {
		t.Error("no article had newsletter: false")
	}
}

func TestDeterministic(t *testing.T) {
	date := time.Date(2026, 11, 20, 8, 0, 0, 0, ict)
	for _, f := range []func(*rand.Rand) []byte{
		func(r *rand.Rand) []byte { return gen.PortalText(r, date, 8192) },
		func(r *rand.Rand) []byte { return gen.Markdown(r, date, 8192, "Kinh tế") },
	} {
		a := f(rand.New(rand.NewPCG(7, 7)))
		b := f(rand.New(rand.NewPCG(7, 7)))
		c := f(rand.New(rand.NewPCG(8, 7)))
		if !bytes.Equal(a, b) {
			t.Error("same seed, different output")
		}
		if bytes.Equal(a, c) {
			t.Error("different seeds, same output")
		}
	}
}

func TestDateLine(t *testing.T) {
	for _, tc := range []struct {
		y    int
		m    time.Month
		d    int
		want string
	}{
		{2020, time.July, 10, "Thứ Sáu, 10/7/2020"},
		{2026, time.November, 20, "Thứ Sáu, 20/11/2026"},
		{2026, time.November, 22, "Chủ Nhật, 22/11/2026"},
		{2026, time.November, 23, "Thứ Hai, 23/11/2026"},
		{2027, time.February, 6, "Thứ Bảy, 6/2/2027"},
	} {
		// 23:30 in Vietnam is already the next day in UTC: the line follows t's location.
		got := gen.DateLine(time.Date(tc.y, tc.m, tc.d, 23, 30, 0, 0, ict))
		if got != tc.want {
			t.Errorf("DateLine(%d-%d-%d) = %q, want %q", tc.y, tc.m, tc.d, got, tc.want)
		}
	}
}

func TestCategories(t *testing.T) {
	if got := gen.Categories(0); len(got) != 0 {
		t.Errorf("Categories(0) = %v", got)
	}
	got := gen.Categories(14)
	if len(got) != 14 || got[0] != (gen.Category{Slug: "thoi-su", Name: "Thời sự"}) ||
		got[3].Slug != "the-thao" || got[13] != (gen.Category{Slug: "chuyen-muc-14", Name: "Chuyên mục 14"}) {
		t.Errorf("Categories(14) = %v", got)
	}
}

func BenchmarkPortalText(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	date := time.Date(2026, 11, 20, 8, 0, 0, 0, ict)
	for b.Loop() {
		b.SetBytes(int64(len(gen.PortalText(rng, date, 8192))))
	}
}

func BenchmarkMarkdown(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	date := time.Date(2026, 11, 20, 8, 0, 0, 0, ict)
	for b.Loop() {
		b.SetBytes(int64(len(gen.Markdown(rng, date, 8192, "Thời sự"))))
	}
}
