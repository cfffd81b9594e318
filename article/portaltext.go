package article

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxSubheading is the longest line, in characters, read as a subheading.
// The portal's subheadings are a few words; a longer line without a full
// stop is a paragraph whose author forgot it.
const maxSubheading = 120

// maxBylineLine bounds a byline line so that a closing paragraph that
// happens to start with "Ảnh:" stays a paragraph.
const maxBylineLine = 120

// ParsePortalText parses the portal's plain-text export (see DESIGN.md):
//
//	Thứ Sáu, 10/7/2020          publication date; the weekday must match
//	Title                        line 2
//	                             blank lines separate paragraphs
//	Lead paragraph               the first paragraph is the lead (sapo)
//	\u00a0                       image placeholder: a line of no-break spaces
//	Caption\u00a0                caption: a line ending in a no-break space
//	Subheading                   short, alone, no closing punctuation
//	Body paragraph.
//	Tin và ảnh: Mai Khôi         byline
//	Gửi cho bạn bè               page chrome of the source site, dropped
//
// Decisions the format leaves open:
//   - The date line may carry a time after the date ("Thứ Sáu, 10/7/2020
//     08:30", or "08h30"); without one the article is published at
//     midnight in the parser's Location.
//   - Consecutive non-blank text lines form one paragraph, joined with a
//     space, so hard-wrapped files read right; placeholder and caption lines
//     always stand alone.
//   - The lead is the first text paragraph after the title; a photo above
//     it stays in the body, before the first paragraph. A file without one
//     fails with ErrMissingLead.
//   - A caption becomes an Image with an empty URL and a <figure
//     class="photo"> holding only a <figcaption> where it stands; a
//     placeholder followed by a caption is the same photo. A placeholder
//     with no caption after it becomes an Image with neither URL nor caption
//     and nothing in the body: an empty figure would only be an empty box.
//   - A subheading is a one-line paragraph of at most 120 characters that
//     does not end in . ! ? … : ; , " ” or » and has a body paragraph
//     somewhere after it; it becomes an <h2>.
//   - Chrome lines ("Gửi cho bạn bè", "Phản hồi", "Thông tin người gửi phản
//     hồi", any case) are dropped only from the end of the file. Byline
//     lines ("Tin:", "Ảnh:", "Bài:", "Tin và ảnh:", "Bài và ảnh:", "Tin,
//     ảnh:", any case) are taken from the end, before the chrome; when there
//     are several ("Tin: A" then "Ảnh: B") the byline lists each name once,
//     joined with ", ".
//
// BodyHTML is built here with every text escaped, so it is not run through
// the HTML policy.
func (p *Parser) ParsePortalText(in Input) (*Article, error) {
	s, err := p.prepare(in)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(s, "\n")
	published, err := p.parseDateLine(lines[0])
	if err != nil {
		return nil, perr(in.Name, 1, err)
	}
	if len(lines) < 2 || strings.TrimSpace(lines[1]) == "" {
		return nil, perr(in.Name, 2, fmt.Errorf("%w: line 2 must be the title", ErrMissingTitle))
	}
	a := &Article{
		SourceKey:   in.Key,
		Title:       collapseSpace(lines[1]),
		Category:    in.Category,
		Newsletter:  true,
		PublishedAt: published,
	}

	blocks := splitBlocks(lines, 2)
	blocks = dropChrome(lines, blocks)
	blocks, a.Byline = takeByline(lines, blocks)

	lead, lastText := -1, -1
	for i, b := range blocks {
		if b.kind == blockText {
			if lead < 0 {
				lead = i
			}
			lastText = i
		}
	}
	if lead < 0 {
		return nil, perr(in.Name, 3, fmt.Errorf("%w: no paragraph after the title", ErrMissingLead))
	}
	a.Lead = blocks[lead].text(lines)

	var body strings.Builder
	body.Grow(len(s))
	sep := func() {
		if body.Len() > 0 {
			body.WriteByte('\n')
		}
	}
	for i, b := range blocks {
		switch b.kind {
		case blockPlaceholder:
			if i+1 < len(blocks) && blocks[i+1].kind == blockCaption {
				continue // the caption records this photo
			}
			a.Images = append(a.Images, Image{})
		case blockCaption:
			c := collapseSpace(lines[b.lo])
			a.Images = append(a.Images, Image{Caption: c})
			sep()
			body.WriteString(`<figure class="photo"><figcaption>`)
			writeEscaped(&body, c)
			body.WriteString(`</figcaption></figure>`)
		case blockText:
			if i == lead {
				continue
			}
			t := b.text(lines)
			sep()
			if i < lastText && b.hi-b.lo == 1 && isSubheading(t) {
				body.WriteString("<h2>")
				writeEscaped(&body, t)
				body.WriteString("</h2>")
			} else {
				body.WriteString("<p>")
				writeEscaped(&body, t)
				body.WriteString("</p>")
			}
		}
	}
	a.BodyHTML = body.String()
	p.Normalize(a)
	return a, nil
}

type blockKind uint8

const (
	blockText blockKind = iota
	blockPlaceholder
	blockCaption
)

// block is a run of lines [lo, hi) of one kind; indexes are into the
// file's lines, so line numbers stay exact.
type block struct {
	kind   blockKind
	lo, hi int
}

func (b block) text(lines []string) string {
	if b.hi-b.lo == 1 {
		return collapseSpace(lines[b.lo])
	}
	return collapseSpace(strings.Join(lines[b.lo:b.hi], " "))
}

// splitBlocks groups lines[from:] into paragraphs, placeholders and
// captions.
func splitBlocks(lines []string, from int) []block {
	blocks := make([]block, 0, (len(lines)-from)/2+1)
	prevText := false
	for i := from; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.TrimSpace(line) == "":
			prevText = false
			if strings.ContainsRune(line, nbsp) {
				blocks = append(blocks, block{kind: blockPlaceholder, lo: i, hi: i + 1})
			}
		case strings.HasSuffix(strings.TrimRight(line, " \t"), "\u00a0"):
			prevText = false
			blocks = append(blocks, block{kind: blockCaption, lo: i, hi: i + 1})
		case prevText:
			blocks[len(blocks)-1].hi = i + 1
		default:
			prevText = true
			blocks = append(blocks, block{kind: blockText, lo: i, hi: i + 1})
		}
	}
	return blocks
}

var chromeLines = map[string]bool{
	"gửi cho bạn bè":               true,
	"phản hồi":                     true,
	"thông tin người gửi phản hồi": true,
}

// dropChrome removes the source site's page chrome from the end of the
// file, line by line, so it goes whether or not blank lines separate it.
func dropChrome(lines []string, blocks []block) []block {
	for len(blocks) > 0 {
		b := &blocks[len(blocks)-1]
		if b.kind != blockText || !chromeLines[strings.ToLower(collapseSpace(lines[b.hi-1]))] {
			break
		}
		if b.hi--; b.hi == b.lo {
			blocks = blocks[:len(blocks)-1]
		}
	}
	return blocks
}

var bylineLabels = map[string]bool{
	"tin": true, "ảnh": true, "bài": true,
	"tin và ảnh": true, "bài và ảnh": true,
	"tin, ảnh": true, "bài, ảnh": true,
	"tin - ảnh": true, "bài - ảnh": true,
	"tin & ảnh": true, "bài & ảnh": true,
}

// takeByline removes byline lines from the end and returns the names.
func takeByline(lines []string, blocks []block) ([]block, string) {
	var names []string
	for n := 0; n < 3 && len(blocks) > 0; n++ {
		b := &blocks[len(blocks)-1]
		if b.kind != blockText {
			break
		}
		name, ok := parseByline(lines[b.hi-1])
		if !ok {
			break
		}
		if b.hi--; b.hi == b.lo {
			blocks = blocks[:len(blocks)-1]
		}
		if !slices.Contains(names, name) {
			names = append([]string{name}, names...)
		}
	}
	return blocks, strings.Join(names, ", ")
}

func parseByline(line string) (string, bool) {
	line = collapseSpace(line)
	i := strings.IndexByte(line, ':')
	if i <= 0 || longerThan(line, maxBylineLine) {
		return "", false
	}
	if !bylineLabels[strings.ToLower(strings.TrimSpace(line[:i]))] {
		return "", false
	}
	name := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(line[i+1:]), "."))
	return name, name != ""
}

// isSubheading reports whether a one-line paragraph reads as a heading.
func isSubheading(t string) bool {
	if t == "" || longerThan(t, maxSubheading) {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(t)
	switch r {
	case '.', '!', '?', '…', ':', ';', ',', '"', '”', '»':
		return false
	}
	return true
}

// longerThan reports whether s has more than n runes. It stops counting at
// n+1: it runs on every paragraph, and paragraphs are long.
func longerThan(s string, n int) bool {
	if len(s) <= n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i]&0xc0 != 0x80 { // not a continuation byte: a rune starts here
			if n--; n < 0 {
				return true
			}
		}
	}
	return false
}

// parseDateLine reads "Thứ Sáu, 10/7/2020" with an optional "08:30".
func (p *Parser) parseDateLine(line string) (time.Time, error) {
	s := collapseSpace(line)
	bad := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf(`%w: line 1 must be the publication date, "<weekday>, d/m/yyyy" as in "Thứ Sáu, 10/7/2020"; got %q`, ErrBadDate, short(s))
	}
	comma := strings.IndexByte(s, ',')
	if comma < 0 {
		return bad()
	}
	wdText := strings.TrimSpace(s[:comma])
	f := strings.Fields(s[comma+1:])
	if len(f) < 1 || len(f) > 2 {
		return bad()
	}
	dmy := strings.Split(f[0], "/")
	if len(dmy) != 3 || len(dmy[2]) != 4 {
		return bad()
	}
	d, ok1 := atoi(dmy[0], 2)
	m, ok2 := atoi(dmy[1], 2)
	y, ok3 := atoi(dmy[2], 4)
	if !ok1 || !ok2 || !ok3 {
		return bad()
	}
	hh, mm := 0, 0
	if len(f) == 2 {
		i := strings.IndexAny(f[1], ":h")
		if i < 0 {
			return bad()
		}
		var okH, okM bool
		hh, okH = atoi(f[1][:i], 2)
		mm, okM = atoi(f[1][i+1:], 2)
		if !okH || !okM || hh > 23 || mm > 59 {
			return time.Time{}, fmt.Errorf("%w: no such time %q", ErrBadDate, f[1])
		}
	}
	t := time.Date(y, time.Month(m), d, hh, mm, 0, 0, p.loc)
	if t.Day() != d || int(t.Month()) != m || t.Year() != y {
		return time.Time{}, fmt.Errorf("%w: no such date %s", ErrBadDate, f[0])
	}
	date := fmt.Sprintf("%d/%d/%d", d, m, y)
	wd, ok := parseWeekdayVI(wdText)
	if !ok {
		return time.Time{}, fmt.Errorf("%w: unknown weekday %q (%s is a %s, %s)", ErrBadDate, short(wdText), date, t.Weekday(), weekdayVI[t.Weekday()])
	}
	if wd != t.Weekday() {
		return time.Time{}, fmt.Errorf("%w: %q given for %s, which is a %s (%s)", ErrWeekday, wdText, date, t.Weekday(), weekdayVI[t.Weekday()])
	}
	return t, nil
}

// atoi parses 1 to max ASCII digits.
func atoi(s string, max int) (int, bool) {
	if s == "" || len(s) > max {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// short keeps quoted input in error messages to one readable line.
func short(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}
