package source

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
	"github.com/mmcdole/gofeed"
	xpp "github.com/mmcdole/goxpp/v2"
)

// feedServer serves feeds from memory with ETags and records the
// conditional headers it was sent.
type feedServer struct {
	*httptest.Server
	mu          sync.Mutex
	bodies      map[string]feedBody
	ifNoneMatch map[string][]string
	hits        map[string]int
}

type feedBody struct {
	body, etag, contentType string
	status                  int
	delay                   time.Duration
}

func newFeedServer(t *testing.T) *feedServer {
	s := &feedServer{bodies: map[string]feedBody{}, ifNoneMatch: map[string][]string{}, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *feedServer) set(path string, b feedBody) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodies[path] = b
}

func (s *feedServer) setFile(t *testing.T, path, file, contentType, etag string) {
	data, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	s.set(path, feedBody{body: string(data), etag: etag, contentType: contentType})
}

func (s *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	b, ok := s.bodies[r.URL.Path]
	s.hits[r.URL.Path]++
	if v := r.Header.Get("If-None-Match"); v != "" {
		s.ifNoneMatch[r.URL.Path] = append(s.ifNoneMatch[r.URL.Path], v)
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if b.delay > 0 {
		select {
		case <-time.After(b.delay):
		case <-r.Context().Done():
			return
		}
	}
	if b.status != 0 {
		http.Error(w, b.body, b.status)
		return
	}
	if b.etag != "" {
		w.Header().Set("ETag", b.etag)
		if r.Header.Get("If-None-Match") == b.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if b.contentType != "" {
		w.Header().Set("Content-Type", b.contentType)
	}
	w.Write([]byte(b.body))
}

func (s *feedServer) sent(path string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ifNoneMatch[path]...)
}

func (s *feedServer) hitCount(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func newPoller(db *store.DB, o PollerOptions) *Poller {
	return NewPoller(db, db, newParser(), o)
}

func TestPollImportsRSSAtomJSON(t *testing.T) {
	db := openDB(t)
	srv := newFeedServer(t)
	srv.setFile(t, "/rss.xml", "rss.xml", "application/rss+xml", `"r1"`)
	srv.setFile(t, "/atom.xml", "atom.xml", "application/atom+xml", `"a1"`)
	srv.setFile(t, "/feed.json", "feed.json", "application/feed+json", `"j1"`)
	log, logs := testLogger()
	p := newPoller(db, PollerOptions{
		Feeds: []Feed{
			{URL: srv.URL + "/rss.xml", Category: "Tin phường"},
			{URL: srv.URL + "/atom.xml"},
			{URL: srv.URL + "/feed.json"},
		},
		Location: ict,
		Logger:   log,
	})
	ctx := context.Background()
	res := p.PollAll(ctx)
	wantCreated := []int{2, 2, 2}
	for i, r := range res {
		if r.Err != nil || r.Created != wantCreated[i] || r.NotModified {
			t.Errorf("%s: %+v, want %d created", r.URL, r, wantCreated[i])
		}
	}
	// The RSS item without a title is skipped, and the log says where.
	if s := logs.String(); !strings.Contains(s, "url="+srv.URL+"/rss.xml") || !strings.Contains(s, "item=3") {
		t.Errorf("untitled item not logged with url and index:\n%s", s)
	}

	a := articleByKey(t, db, "feed:tanhoa-2026-0412")
	if a == nil {
		t.Fatal("RSS item not stored under its guid")
	}
	checks := []struct{ what, got, want string }{
		{"title", a.Title, "Phường Tân Hòa khánh thành nhà văn hóa khu phố 4"},
		{"lead", a.Lead, "Sáng 10/4, nhà văn hóa khu phố 4 chính thức đi vào hoạt động sau sáu tháng xây dựng, phục vụ hơn 900 hộ dân."},
		{"category", a.Category, "Tin phường"},
		{"byline", a.Byline, "Lê Minh Thư"},
		{"link", a.Link, "https://tanhoa.example.vn/tin/nha-van-hoa-khu-pho-4"},
		{"published", a.PublishedAt.UTC().Format(time.RFC3339), "2026-04-10T01:30:00Z"},
		{"tags", strings.Join(a.Tags, "|"), "Đời sống|Nhà văn hóa"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("RSS %s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if !a.Newsletter {
		t.Error("feed article left out of the newsletter")
	}
	for _, bad := range []string{"<script", "alert(", "onclick", "steal()"} {
		if strings.Contains(a.BodyHTML, bad) {
			t.Errorf("body keeps %q: %s", bad, a.BodyHTML)
		}
	}
	for _, good := range []string{`href="https://tanhoa.example.vn/tin/lich-sinh-hoat"`, `src="https://tanhoa.example.vn/tin/anh/hoi-truong.jpg"`, "hội trường 200 chỗ"} {
		if !strings.Contains(a.BodyHTML, good) {
			t.Errorf("body lacks %q: %s", good, a.BodyHTML)
		}
	}
	if len(a.Images) != 1 || a.Images[0].URL != "https://tanhoa.example.vn/anh/khanh-thanh.jpg" {
		t.Errorf("images = %+v, want the image enclosure only (not the mp3)", a.Images)
	}

	b := articleByKey(t, db, "feed:tag:giaothong.example.vn,2026:xe-buyt-18-52")
	if b == nil {
		t.Fatal("Atom entry not stored")
	}
	if b.Title != "Điều chỉnh tuyến xe buýt số 18 & 52" || b.Category != "Giao thông" || b.Byline != "Trần Quốc Bảo" {
		t.Errorf("Atom entry: title %q category %q byline %q", b.Title, b.Category, b.Byline)
	}
	if strings.Contains(b.BodyHTML, "iframe") || !strings.Contains(b.BodyHTML, `href="https://giaothong.example.vn/tin/bang-gio.pdf"`) {
		t.Errorf("Atom body not sanitized or not resolved: %s", b.BodyHTML)
	}
	if want := time.Date(2026, 4, 12, 9, 0, 0, 0, ict); !b.UpdatedAt.Equal(want) {
		t.Errorf("Atom updated = %v, want %v", b.UpdatedAt, want)
	}
	// An entry with only <updated> is published then; with no summary its
	// lead is the first paragraph of the content.
	c := articleByKey(t, db, "feed:tag:giaothong.example.vn,2026:cau-rach-ong")
	if c == nil || !c.PublishedAt.Equal(time.Date(2026, 4, 11, 17, 0, 0, 0, ict)) ||
		c.Lead != "Cầu Rạch Ông được thông xe trở lại từ chiều 11/4 sau khi thay toàn bộ khe co giãn và lớp mặt cầu." {
		t.Errorf("Atom entry without summary or published: %+v", c)
	}

	j := articleByKey(t, db, "feed:vanhoa-2026-041")
	if j == nil {
		t.Fatal("JSON Feed item not stored")
	}
	if j.Category != "Văn hóa" || j.Byline != "Ngô Thị Hạnh" || len(j.Images) != 2 ||
		j.Images[0].URL != "https://vanhoaq6.example.vn/anh/dem-nhac-bia.jpg" ||
		!strings.Contains(j.BodyHTML, `src="https://vanhoaq6.example.vn/anh/dem-nhac.jpg"`) {
		t.Errorf("JSON Feed item: %+v", j)
	}
	k := articleByKey(t, db, "feed:vanhoa-2026-042")
	// Plain content_text: paragraphs kept, the first one is the lead.
	if k == nil || k.BodyHTML != "<p>Khách tham quan được vào cửa tự do đến hết tháng Năm.</p>" ||
		k.Lead != "Triển lãm trưng bày 80 bức ảnh về các con phố của quận từ thập niên 1990." {
		t.Errorf("content_text item: %+v", k)
	}
}

func TestPollConditionalGet(t *testing.T) {
	db := openDB(t)
	srv := newFeedServer(t)
	srv.setFile(t, "/rss.xml", "rss.xml", "application/rss+xml", `"v1"`)
	url := srv.URL + "/rss.xml"
	p := newPoller(db, PollerOptions{Feeds: []Feed{{URL: url}}})
	ctx := context.Background()
	if r := p.PollAll(ctx)[0]; r.Err != nil || r.Created != 2 {
		t.Fatalf("first poll: %+v", r)
	}
	st, err := db.SourceState(ctx, url)
	if err != nil || st.ETag != `"v1"` || st.CheckedAt.IsZero() || st.LastError != "" {
		t.Fatalf("state after first poll: %+v, %v", st, err)
	}
	r := p.PollAll(ctx)[0]
	if r.Err != nil || !r.NotModified || r.Created+r.Updated+r.Unchanged != 0 {
		t.Errorf("second poll: %+v, want 304 and nothing saved", r)
	}
	if got := srv.sent("/rss.xml"); len(got) != 1 || got[0] != `"v1"` {
		t.Errorf("If-None-Match sent: %q, want [\"v1\"] on the second poll only", got)
	}
}

func TestPollChangedItemAndSharedGUID(t *testing.T) {
	db := openDB(t)
	srv := newFeedServer(t)
	item := `<item><title>%s</title><guid>chung-001</guid><pubDate>Fri, 10 Apr 2026 08:00:00 +0700</pubDate><description>Tin dùng chung giữa hai trang.</description></item>`
	rss := func(title string) string {
		return `<?xml version="1.0"?><rss version="2.0"><channel><title>Kênh</title><link>https://a.example.vn/</link>` +
			strings.Replace(item, "%s", title, 1) + `</channel></rss>`
	}
	srv.set("/a.xml", feedBody{body: rss("Mưa lớn gây ngập nhiều tuyến đường"), etag: `"a1"`})
	srv.set("/b.xml", feedBody{body: rss("Mưa lớn gây ngập nhiều tuyến đường")})
	p := newPoller(db, PollerOptions{Feeds: []Feed{{URL: srv.URL + "/a.xml"}, {URL: srv.URL + "/b.xml"}}, Concurrency: 1})
	ctx := context.Background()
	res := p.PollAll(ctx)
	if res[0].Err != nil || res[1].Err != nil || res[0].Created+res[1].Created != 1 || res[0].Unchanged+res[1].Unchanged != 1 {
		t.Fatalf("two feeds with one guid: %+v", res)
	}
	if keys, _ := db.SourceKeys(ctx, "feed:"); len(keys) != 1 {
		t.Fatalf("keys %v, want one article for the shared guid", keys)
	}
	before := articleByKey(t, db, "feed:chung-001")

	time.Sleep(2 * time.Millisecond)
	srv.set("/a.xml", feedBody{body: rss("Mưa lớn gây ngập sâu nhiều tuyến đường"), etag: `"a2"`})
	// Only feed a: b still serves the old text, and polling it would
	// change the article back (see the package documentation).
	pa := newPoller(db, PollerOptions{Feeds: []Feed{{URL: srv.URL + "/a.xml"}}})
	r := pa.PollAll(ctx)[0]
	if r.Err != nil || r.Updated != 1 || r.Created != 0 {
		t.Fatalf("changed item: %+v, want 1 updated", r)
	}
	after := articleByKey(t, db, "feed:chung-001")
	if after.ID != before.ID || after.Title != "Mưa lớn gây ngập sâu nhiều tuyến đường" || !after.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("after change: %s %q %v; want id %s, the new title, a later updated_at", after.ID, after.Title, after.UpdatedAt, before.ID)
	}
}

// An item with no date is published when first seen, and stays so: with
// "now" at every poll it would be updated at every poll.
func TestPollUndatedItemIsStable(t *testing.T) {
	db := openDB(t)
	srv := newFeedServer(t)
	srv.set("/x.xml", feedBody{body: `<rss version="2.0"><channel><title>K</title><item><title>Thông báo không ghi ngày</title>` +
		`<guid>khong-ngay</guid><description>Nội dung.</description></item></channel></rss>`})
	p := newPoller(db, PollerOptions{Feeds: []Feed{{URL: srv.URL + "/x.xml"}}})
	ctx := context.Background()
	if r := p.PollAll(ctx)[0]; r.Created != 1 {
		t.Fatalf("first poll: %+v", r)
	}
	time.Sleep(1100 * time.Millisecond) // past a whole second
	if r := p.PollAll(ctx)[0]; r.Unchanged != 1 || r.Updated != 0 {
		t.Errorf("second poll of an undated item: %+v, want unchanged", r)
	}
}

func TestPollErrors(t *testing.T) {
	db := openDB(t)
	srv := newFeedServer(t)
	srv.setFile(t, "/ok.xml", "rss.xml", "application/rss+xml", "")
	srv.set("/500.xml", feedBody{body: "lỗi máy chủ", status: http.StatusInternalServerError})
	srv.set("/broken.xml", feedBody{body: "<?xml version=\"1.0\"?>\n<rss version=\"2.0\">\n<channel>\n<title>Hỏng</title>\n<item><title>A</title><1bad></item>\n</channel></rss>"})
	srv.set("/html", feedBody{body: "<!DOCTYPE html>\n<html><body>Trang chủ</body></html>", contentType: "text/html"})
	srv.set("/text", feedBody{body: "đây không phải là nguồn tin"})
	srv.set("/json", feedBody{body: "{\n  \"version\": \"https://jsonfeed.org/version/1.1\",\n  \"items\": [,]\n}"})
	srv.set("/slow.xml", feedBody{body: "<rss/>", delay: 5 * time.Second})
	srv.set("/big.xml", feedBody{body: "<rss>" + strings.Repeat("x", 9000) + "</rss>"})
	u := func(p string) string { return srv.URL + p }
	log, logs := testLogger()
	p := newPoller(db, PollerOptions{
		Feeds: []Feed{{URL: u("/404.xml")}, {URL: u("/500.xml")}, {URL: u("/broken.xml")}, {URL: u("/html")},
			{URL: u("/text")}, {URL: u("/json")}, {URL: u("/slow.xml")}, {URL: u("/big.xml")}, {URL: u("/ok.xml")}},
		Timeout:     300 * time.Millisecond,
		MaxSize:     8192,
		Concurrency: 2,
		Logger:      log,
	})
	ctx := context.Background()
	start := time.Now()
	res := p.PollAll(ctx)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("PollAll took %v: the slow feed held up the others", d)
	}
	want := map[string][]string{
		"/404.xml":    {"404 Not Found"},
		"/500.xml":    {"500 Internal Server Error"},
		"/broken.xml": {"/broken.xml:5:", "RSS"},
		"/html":       {"not an RSS, Atom or JSON feed", "text/html"},
		"/text":       {"not an RSS, Atom or JSON feed"},
		"/json":       {"/json:3:", "JSON"},
		"/slow.xml":   {"timed out after 300ms"},
		"/big.xml":    {"larger than the limit of 8192"},
	}
	for _, r := range res {
		path := strings.TrimPrefix(r.URL, srv.URL)
		if path == "/ok.xml" {
			if r.Err != nil || r.Created != 2 {
				t.Errorf("healthy feed beside failing ones: %+v", r)
			}
			continue
		}
		if r.Err == nil {
			t.Errorf("%s: no error", path)
			continue
		}
		msg := r.Err.Error()
		for _, w := range append(want[path], r.URL) {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q lacks %q", path, msg, w)
			}
		}
		if !strings.Contains(logs.String(), "url="+r.URL) {
			t.Errorf("%s: failure not logged with url=", path)
		}
	}
	var pe *article.ParseError
	if !errors.As(res[2].Err, &pe) || pe.Line != 5 {
		t.Errorf("broken XML: %v, want a ParseError at line 5", res[2].Err)
	}
	st, err := db.SourceState(ctx, u("/500.xml"))
	if err != nil || !strings.Contains(st.LastError, "500") || st.CheckedAt.IsZero() {
		t.Errorf("state after a failed poll: %+v, %v; want LastError and CheckedAt set", st, err)
	}
	// The next poll retries: fixed, the feed imports and the error clears.
	srv.setFile(t, "/500.xml", "atom.xml", "application/atom+xml", "")
	p2 := newPoller(db, PollerOptions{Feeds: []Feed{{URL: u("/500.xml")}}})
	if r := p2.PollAll(ctx)[0]; r.Err != nil || r.Created != 2 {
		t.Errorf("retry after the fix: %+v", r)
	}
	if st, _ := db.SourceState(ctx, u("/500.xml")); st.LastError != "" {
		t.Errorf("LastError %q kept after a good poll", st.LastError)
	}
}

func TestPollSkipsFeedStillRunning(t *testing.T) {
	db := openDB(t)
	srv := newFeedServer(t)
	srv.set("/slow.xml", feedBody{body: `<rss version="2.0"><channel><title>K</title></channel></rss>`, delay: 500 * time.Millisecond})
	p := newPoller(db, PollerOptions{Feeds: []Feed{{URL: srv.URL + "/slow.xml"}}})
	ctx := context.Background()
	first := make(chan FeedResult)
	go func() { first <- p.PollAll(ctx)[0] }()
	eventually(t, 2*time.Second, "first request", func() bool { return srv.hitCount("/slow.xml") == 1 })
	if r := p.PollAll(ctx)[0]; !r.Skipped || r.Err != nil {
		t.Errorf("overlapping poll: %+v, want skipped", r)
	}
	if r := <-first; r.Skipped || r.Err != nil {
		t.Errorf("first poll: %+v", r)
	}
	if n := srv.hitCount("/slow.xml"); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

func TestRunPollsAtStartAndStops(t *testing.T) {
	db := openDB(t)
	srv := newFeedServer(t)
	srv.setFile(t, "/rss.xml", "rss.xml", "application/rss+xml", `"e"`)
	p := newPoller(db, PollerOptions{Feeds: []Feed{{URL: srv.URL + "/rss.xml"}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, "0 3 * * *") }() // 03:00 daily: only the start poll runs
	eventually(t, 2*time.Second, "poll at start", func() bool { return articleByKey(t, db, "feed:tanhoa-2026-0412") != nil })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil after cancel", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if n := srv.hitCount("/rss.xml"); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestRunBadSchedule(t *testing.T) {
	p := newPoller(openDB(t), PollerOptions{})
	for _, spec := range []string{"", "every minute", "61 * * * *", "TZ=Asia/Ho_Chi_Minh", "CRON_TZ=Nowhere/City 0 * * * *"} {
		err := p.Run(context.Background(), spec)
		if err == nil || !strings.Contains(err.Error(), `"`+spec+`"`) {
			t.Errorf("Run(%q) = %v, want an error naming the spec", spec, err)
		}
	}
}

func TestScheduleInLocation(t *testing.T) {
	sched, err := parseSchedule("30 6 * * *")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		loc  *time.Location
		want time.Time
	}{
		{ict, time.Date(2026, 4, 11, 6, 30, 0, 0, ict)}, // 07:00 there: tomorrow
		{time.UTC, time.Date(2026, 4, 10, 6, 30, 0, 0, time.UTC)},
	} {
		p := NewPoller(nil, nil, newParser(), PollerOptions{Location: c.loc})
		now := time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC)
		if next := p.nextPoll(sched, now); !next.Equal(c.want) {
			t.Errorf("in %v: next = %v, want %v", c.loc, next, c.want)
		}
	}
	// The default is Vietnam time.
	p := NewPoller(nil, nil, newParser(), PollerOptions{})
	if _, off := p.nextPoll(sched, time.Now()).Zone(); off != 7*3600 {
		t.Errorf("default zone offset %d, want +07:00", off)
	}
}

// errorLine finds the line however gofeed hands the error over.
func TestErrorLine(t *testing.T) {
	body := []byte("<?xml version=\"1.0\"?>\n<rss>\n<channel>\n<title>A</title>\n<1bad>\n</channel></rss>")
	off := int64(strings.Index(string(body), "<title>"))
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"syntax error", &xml.SyntaxError{Msg: "x", Line: 7}, 7},
		{"pull parser offset", fmt.Errorf("wrapped: %w", &xpp.ExpectError{Offset: off}), 4},
		{"flattened into text", errors.New("expected rss or rdf"), 5},
		{"json offset", &json.SyntaxError{Offset: off}, 4},
	}
	for _, c := range cases {
		if got := errorLine(c.err, body, gofeed.FeedTypeRSS); got != c.want {
			t.Errorf("%s: line %d, want %d", c.name, got, c.want)
		}
	}
	if got := errorLine(errors.New("x"), []byte("{}"), gofeed.FeedTypeJSON); got != 0 {
		t.Errorf("unknown JSON error: line %d, want 0", got)
	}
}
