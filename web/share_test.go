package web

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/share"
)

func TestShareFormIsVietnameseAccessibleAndOffersMailto(t *testing.T) {
	w := newShWeb(t, nil, nil)
	resp, body := w.do(t, nil, "GET", w.sharePath(), nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	for _, want := range []string{
		`<label for="f-name">Tên của bạn</label>`,
		`<label for="f-email">Email của bạn</label>`,
		`<legend>Email người nhận</legend>`,
		`<label for="f-to-0">Người nhận 1</label>`, `<label for="f-to-2">Người nhận 3</label>`,
		`<label for="f-note">Lời nhắn`,
		`name="to"`, `name="t" value="`, `name="website"`, `tabindex="-1"`,
		`maxlength="140"`, `href="mailto:?subject=`,
		"<p class=\"about\">Khánh thành cầu Ông Lãnh mới</p>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("share form lacks %s", want)
		}
	}
	if strings.Contains(body, `<label for="f-to-3"`) {
		t.Error("more than 3 recipient fields")
	}
	if resp, _ := w.do(t, nil, "GET", "/a/nope/share", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown article's form: %d", resp.StatusCode)
	}
}

// TestShareEndToEnd: a first-time sender gets a confirmation link, opens
// it (nothing is sent), presses the button (the share goes out) and is
// remembered.
func TestShareEndToEnd(t *testing.T) {
	w := newShWeb(t, nil, nil)
	c := w.client(t)
	form := w.shareForm(t, c)
	form["to"] = []string{"lan@example.org", "minh@example.org", ""}
	resp, body := w.post(t, c, w.sharePath(), form)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Kiểm tra hộp thư của bạn") {
		t.Fatalf("post: %d\n%s", resp.StatusCode, body)
	}
	mails := w.mails(t)
	if len(mails) != 1 || mails[0].Header.Get("To") != "ha@example.com" {
		t.Fatalf("want one confirmation to the sender, got %d", len(mails))
	}
	confirm := sitePath(t, mails[0].Text, "/share/confirm?t=")
	resp, body = w.do(t, c, "GET", confirm, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Xác nhận và gửi") || !strings.Contains(body, "2 người") {
		t.Fatalf("confirm page: %d\n%s", resp.StatusCode, body)
	}
	if len(w.mails(t)) != 1 {
		t.Fatal("opening the link sent mail")
	}
	tok, _ := url.ParseQuery(strings.SplitN(confirm, "?", 2)[1])
	resp, body = w.post(t, c, "/share/confirm", url.Values{"t": {tok.Get("t")}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Đã gửi bài viết") {
		t.Fatalf("confirm: %d\n%s", resp.StatusCode, body)
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == senderCookie {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.MaxAge != 30*24*3600 {
		t.Fatalf("sender cookie = %+v", cookie)
	}
	mails = w.mails(t)
	if len(mails) != 3 {
		t.Fatalf("%d messages, want the confirmation and 2 shares", len(mails))
	}
	for i, to := range []string{"lan@example.org", "minh@example.org"} {
		checkShareMail(t, mails[1+i], to, w.art.Title)
	}
	// Remembered: the next share goes at once, and the form knows the
	// address.
	_, body = w.do(t, c, "GET", w.sharePath(), nil)
	if !strings.Contains(body, `value="ha@example.com"`) {
		t.Error("the form does not fill in the remembered address")
	}
	form = w.shareForm(t, c)
	form["to"] = []string{"an@example.org"}
	resp, body = w.post(t, c, w.sharePath(), form)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Đã gửi bài viết") || len(w.mails(t)) != 4 {
		t.Fatalf("second share: %d, %d messages", resp.StatusCode, len(w.mails(t)))
	}
	// The confirmation link sends once.
	resp, _ = w.post(t, c, "/share/confirm", url.Values{"t": {tok.Get("t")}})
	if resp.StatusCode != http.StatusBadRequest || len(w.mails(t)) != 4 {
		t.Fatalf("reused confirmation: %d", resp.StatusCode)
	}
}

// checkShareMail: From is the site, Reply-To the sender, the subject fixed
// text and the title, no user text in any other header.
func checkShareMail(t *testing.T, m shMail, to, title string) {
	t.Helper()
	if got := m.Header.Get("To"); got != to {
		t.Errorf("To = %q, want %q", got, to)
	}
	if from := m.Header.Get("From"); !strings.HasSuffix(from, "<no-reply@tin.example.vn>") {
		t.Errorf("From = %q", from)
	}
	if rt := m.Header.Get("Reply-To"); rt != "ha@example.com" {
		t.Errorf("Reply-To = %q", rt)
	}
	if s := m.Subject(t); s != "Bài viết gửi bạn từ Bản tin Phường: "+title {
		t.Errorf("Subject = %q", s)
	}
	for k, vs := range m.Header {
		if k == "To" || k == "Reply-To" {
			continue
		}
		for _, v := range vs {
			for _, typed := range []string{"Hà", "H=C3=A0", "ha@example.com", "Nguy", "Bcc", "evil"} {
				if strings.Contains(v, typed) {
					t.Errorf("header %s: %q carries user text %q", k, v, typed)
				}
			}
		}
	}
	if m.Header.Get("Bcc") != "" || m.Header.Get("Cc") != "" {
		t.Error("Cc or Bcc")
	}
}

// TestHeaderInjectionInEveryField: CR/LF in each field is refused
// beside that field and nothing is sent; in the note (text, several
// lines allowed) it stays in the body.
func TestHeaderInjectionInEveryField(t *testing.T) {
	w := newShWeb(t, nil, nil)
	c := w.confirmedSender(t)
	inj := "\r\nBcc: victim@evil.example\r\nSubject: mua ngay"
	for _, field := range []string{"name", "email", "to"} {
		form := w.shareForm(t, c)
		form.Set(field, form.Get(field)+inj)
		resp, body := w.post(t, c, w.sharePath(), form)
		id := "f-" + field
		if field == "to" {
			id = "f-to-0"
		}
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="`+id+`-error">`) {
			t.Errorf("%s with CRLF: %d, no error beside the field", field, resp.StatusCode)
		}
	}
	for _, field := range []string{"t", "s"} {
		form := w.shareForm(t, c)
		form.Set(field, form.Get(field)+inj)
		if resp, _ := w.post(t, c, w.sharePath(), form); resp.StatusCode != http.StatusOK && field == "s" {
			t.Errorf("a bad digest token must only stop counting as confirmed: %d", resp.StatusCode)
		} else if field == "t" && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("token with CRLF: %d", resp.StatusCode)
		}
	}
	before := len(w.mails(t))
	form := w.shareForm(t, c)
	form.Set("note", "Dòng một"+inj)
	form.Set("to", "minh@example.org")
	if resp, _ := w.post(t, c, w.sharePath(), form); resp.StatusCode != http.StatusOK {
		t.Fatalf("multi-line note: %d", resp.StatusCode)
	}
	mails := w.mails(t)
	if len(mails) != before+1 {
		t.Fatalf("%d new messages", len(mails)-before)
	}
	m := mails[len(mails)-1]
	checkShareMail(t, m, "minh@example.org", w.art.Title)
	if len(m.Header["Subject"]) != 1 || !strings.Contains(m.Text, "Bcc: victim@evil.example") {
		t.Error("the note's lines must stay in the body")
	}
}

func TestHTMLInNameAndNoteIsEscapedInPageAndMail(t *testing.T) {
	w := newShWeb(t, nil, nil)
	c := w.confirmedSender(t)
	form := w.shareForm(t, c)
	form.Set("name", `<img src=x onerror=alert(1)>`)
	form.Set("note", `<script>alert("x")</script>`)
	form.Set("email", "not-an-address") // refused, so the form comes back
	resp, body := w.post(t, c, w.sharePath(), form)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if strings.Contains(body, "<img src=x") || strings.Contains(body, "<script>alert") {
		t.Fatal("the form shows what was typed unescaped")
	}
	if !strings.Contains(body, `value="&lt;img src=x onerror=alert(1)&gt;"`) || !strings.Contains(body, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</textarea>`) {
		t.Errorf("the form does not keep what was typed:\n%s", body)
	}
	form.Set("email", "ha@example.com")
	form.Set("t", w.formToken(t, c, w.sharePath()))
	if resp, _ := w.post(t, c, w.sharePath(), form); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	m := w.mails(t)[0]
	if strings.Contains(m.HTML, "<img src=x") || strings.Contains(m.HTML, "<script>") {
		t.Error("the mail's HTML is not escaped")
	}
	if !strings.Contains(m.HTML, "&lt;img src=x onerror=alert(1)&gt;") || !strings.Contains(m.HTML, "&lt;script&gt;") {
		t.Error("the mail lacks the escaped name or note")
	}
}

func TestNoteWithLinkAndFourRecipientsAreRefused(t *testing.T) {
	w := newShWeb(t, nil, nil)
	c := w.confirmedSender(t)
	cases := []struct {
		name   string
		change func(url.Values)
		field  string
		msg    string
	}{
		{"link", func(f url.Values) { f.Set("note", "Xem thêm: https://khuyen-mai.example") }, "f-note", "Không được chứa đường link"},
		{"bare domain", func(f url.Values) { f.Set("note", "mua ở giamgia.vn") }, "f-note", "Không được chứa đường link"},
		{"four", func(f url.Values) {
			f["to"] = []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org"}
		}, "f-to", "Chỉ được gửi đến tối đa 3 người."},
		{"long note", func(f url.Values) { f.Set("note", strings.Repeat("ô", 141)) }, "f-note", "Tối đa 140 ký tự."},
	}
	for _, tc := range cases {
		form := w.shareForm(t, c)
		tc.change(form)
		resp, body := w.post(t, c, w.sharePath(), form)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `<p class="field-error" id="`+tc.field+`-error">`+tc.msg) {
			t.Errorf("%s: %d, no %q beside %s", tc.name, resp.StatusCode, tc.msg, tc.field)
		}
		if !strings.Contains(body, `value="Nguyễn Thu Hà"`) {
			t.Errorf("%s: the name typed is lost", tc.name)
		}
	}
	if n := len(w.mails(t)); n != 0 {
		t.Errorf("%d messages sent", n)
	}
}

func TestOneRecipientHammered(t *testing.T) {
	w := newShWeb(t, func(o *share.Options) { o.Share.PerIP = 0 }, nil)
	// Many senders, one friend, one article: one share.
	sent := 0
	for i := range 5 {
		c := w.client(t)
		u, _ := url.Parse(w.ts.URL)
		email := "sender" + strconv.Itoa(i) + "@example.com"
		c.Jar.SetCookies(u, []*http.Cookie{{Name: senderCookie, Value: w.signer.Sign("share-sender-cookie", email, time.Hour), Path: "/"}})
		form := w.shareForm(t, c)
		form.Set("email", email)
		resp, body := w.post(t, c, w.sharePath(), form)
		switch resp.StatusCode {
		case http.StatusOK:
			sent++
		case http.StatusTooManyRequests:
			if !strings.Contains(body, "Bài viết này đã được gửi đến người này rồi") {
				t.Errorf("429 without the reason beside the field")
			}
		default:
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if sent != 1 {
		t.Errorf("one article reached one friend %d times", sent)
	}
	// Other articles: three a day.
	c := w.confirmedSender(t)
	for i := range 4 {
		a := w.addArticle(t, "file:bai-"+strconv.Itoa(i)+".txt", "", "Bài số "+strconv.Itoa(i))
		path := "/a/" + a.ID + "/share"
		form := url.Values{"t": {w.formToken(t, c, path)}, "name": {"Hà"}, "email": {"ha@example.com"}, "to": {"LAN@example.org"}}
		resp, _ := w.post(t, c, path, form)
		if want := map[bool]int{true: 200, false: 429}[i < 2]; resp.StatusCode != want {
			t.Errorf("article %d: %d, want %d", i, resp.StatusCode, want)
		}
	}
	if n := len(w.mails(t)); n != 3 {
		t.Errorf("the friend got %d messages today, want 3", n)
	}
}

func TestBotsAndReplays(t *testing.T) {
	w := newShWeb(t, nil, nil)
	c := w.confirmedSender(t)
	valid := w.shareForm(t, c)

	noToken := w.shareForm(t, c)
	noToken.Del("t")
	resp, body := w.post(t, c, w.sharePath(), noToken)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Biểu mẫu không hợp lệ") || !strings.Contains(body, `value="lan@example.org"`) {
		t.Errorf("post without loading the form: %d", resp.StatusCode)
	}
	hp := w.shareForm(t, c)
	hp.Set("website", "https://spam.example")
	if resp, _ := w.post(t, c, w.sharePath(), hp); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("honeypot: %d", resp.StatusCode)
	}
	fast := w.shareForm(t, c)
	fast.Set("t", w.svc.ShareFormToken(w.art.ID)) // loaded this instant
	resp, body = w.post(t, c, w.sharePath(), fast)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Bạn gửi nhanh quá") {
		t.Errorf("too fast: %d", resp.StatusCode)
	}
	if resp, _ := w.post(t, c, w.sharePath(), valid); resp.StatusCode != http.StatusOK {
		t.Fatalf("valid: %d", resp.StatusCode)
	}
	resp, body = w.post(t, c, w.sharePath(), valid)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Biểu mẫu này đã được gửi rồi") {
		t.Errorf("replay: %d", resp.StatusCode)
	}
	expired := w.shareForm(t, c)
	expired.Set("to", "other@example.org")
	w.clock.Advance(2*time.Hour + time.Minute)
	resp, body = w.post(t, c, w.sharePath(), expired)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Biểu mẫu đã hết hạn") {
		t.Errorf("expired: %d", resp.StatusCode)
	}
	if n := len(w.mails(t)); n != 1 {
		t.Errorf("%d messages, want the valid one alone", n)
	}
	if logs := w.logs.String(); !strings.Contains(logs, `"reason":"honeypot"`) || !strings.Contains(logs, `"reason":"token_replayed"`) ||
		strings.Contains(logs, "lan@example.org") || strings.Contains(logs, "ha@example.com") || strings.Contains(logs, "127.0.0.1") {
		t.Errorf("rejections must be logged, with hashes only:\n%s", logs)
	}
}

// postMany posts n valid shares, each with its own token and recipient,
// and returns how many were answered 200 and 429. header is added to the
// i-th post by fn.
func (w *shWeb) postMany(t *testing.T, n int, header func(i int) []string) (ok, limited int) {
	t.Helper()
	c := w.confirmedSender(t)
	toks := make([]string, n)
	for i := range toks {
		toks[i] = w.svc.ShareFormToken(w.art.ID)
	}
	w.clock.Advance(5 * time.Second)
	for i := range n {
		form := url.Values{"t": {toks[i]}, "name": {"Hà"}, "email": {"ha@example.com"}, "to": {fmt.Sprintf("r%d@example.org", i)}}
		resp, _ := w.post(t, c, w.sharePath(), form, header(i)...)
		switch resp.StatusCode {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("post %d: %d", i, resp.StatusCode)
		}
	}
	return ok, limited
}

// unlimited leaves the per-IP limit as the only one that can stop a flood.
func unlimited(o *share.Options) {
	o.Share.PerSender, o.Share.GlobalPerHour = 1000, 0
}

func TestThousandPostsFromOneIP(t *testing.T) {
	w := newShWeb(t, unlimited, nil)
	ok, limited := w.postMany(t, 1000, func(int) []string { return nil })
	if ok != 10 || limited != 990 {
		t.Errorf("%d accepted, %d refused; want 10 and 990", ok, limited)
	}
	if n := len(w.mails(t)); n != 10 {
		t.Errorf("%d messages, want 10", n)
	}
}

func TestSpoofedForwardedForWithoutTrustedProxy(t *testing.T) {
	w := newShWeb(t, unlimited, nil)
	ok, _ := w.postMany(t, 100, func(i int) []string {
		return []string{"X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i), "X-Real-IP", fmt.Sprintf("203.0.113.%d", i)}
	})
	if ok != 10 {
		t.Errorf("%d accepted with spoofed X-Forwarded-For; want 10, the peer's limit", ok)
	}
}

func TestForwardedForBehindTrustedProxy(t *testing.T) {
	w := newShWeb(t, unlimited, func(o *Options) {
		o.Article.TrustedProxies = mustPrefixes(t, "127.0.0.1")
	})
	ok, _ := w.postMany(t, 30, func(i int) []string {
		// The client wrote the left entry; the proxy appended the right.
		return []string{"X-Forwarded-For", "10.9.9.9, " + fmt.Sprintf("198.51.100.%d", i%3)}
	})
	if ok != 30 {
		t.Errorf("%d accepted from 3 clients behind the proxy, want 30 (10 each)", ok)
	}
	ok, _ = w.postMany(t, 1, func(int) []string { return []string{"X-Forwarded-For", "198.51.100.1"} })
	if ok != 0 {
		t.Error("an 11th post from one client behind the proxy got through")
	}
}

func mustPrefixes(t *testing.T, list ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range list {
		a := netip.MustParseAddr(s)
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	w := newShWeb(t, nil, nil)
	c := w.confirmedSender(t)
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example"},
	} {
		form := w.shareForm(t, c)
		resp, _ := w.post(t, c, w.sharePath(), form, h...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%v: %d, want 403", h, resp.StatusCode)
		}
		fb := url.Values{"t": {w.formToken(t, c, w.feedbackPath())}, "name": {"Minh"}, "email": {"minh@example.com"}, "body": {"Góp ý"}}
		if resp, _ := w.post(t, c, w.feedbackPath(), fb, h...); resp.StatusCode != http.StatusForbidden {
			t.Errorf("feedback %v: %d, want 403", h, resp.StatusCode)
		}
	}
	if n := len(w.mails(t)); n != 0 {
		t.Errorf("%d messages", n)
	}
	// Same origin passes.
	form := w.shareForm(t, c)
	if resp, _ := w.post(t, c, w.sharePath(), form, "Sec-Fetch-Site", "same-origin", "Origin", w.ts.URL); resp.StatusCode != http.StatusOK {
		t.Errorf("same-origin post: %d", resp.StatusCode)
	}
}

func TestShareOversizedBodyIs413(t *testing.T) {
	w := newShWeb(t, nil, nil)
	c := w.confirmedSender(t)
	form := w.shareForm(t, c)
	form.Set("note", strings.Repeat("a", 20<<10))
	resp, body := w.post(t, c, w.sharePath(), form)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "Nội dung gửi lên quá lớn") {
		t.Errorf("big form: %d", resp.StatusCode)
	}
	// Without a Content-Length (chunked), the limit still holds.
	req, _ := http.NewRequest("POST", w.ts.URL+w.sharePath(), &slowReader{s: form.Encode()})
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp2, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked big form: %d", resp2.StatusCode)
	}
	if n := len(w.mails(t)); n != 0 {
		t.Errorf("%d messages", n)
	}
}

// slowReader hides its length from net/http, which then sends chunked.
type slowReader struct {
	s string
	i int
}

func (r *slowReader) Read(p []byte) (int, error) {
	if r.i >= len(r.s) {
		return 0, io.EOF
	}
	n := copy(p, r.s[r.i:])
	r.i += n
	return n, nil
}

func TestInvalidUTF8AndHomoglyphs(t *testing.T) {
	w := newShWeb(t, nil, nil)
	c := w.confirmedSender(t)
	cases := []struct {
		field, value, msg string
	}{
		{"name", "H\xe0 \xff", "Ô này chứa ký tự không đọc được"},
		{"note", "ok \xc3", "Ô này chứa ký tự không đọc được"},
		{"to", "lan@ex\xe1mple.org", "Ô này chứa ký tự không đọc được"},
		{"to", "lan@exаmple.org", "trộn chữ của nhiều bảng chữ cái"},
		{"email", "ha@pаypal.com", "trộn chữ của nhiều bảng chữ cái"},
		{"to", "lan@xn--exmple-4nf.org", "trộn chữ của nhiều bảng chữ cái"},
	}
	for _, tc := range cases {
		form := w.shareForm(t, c)
		form.Set(tc.field, tc.value)
		resp, body := w.post(t, c, w.sharePath(), form)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.msg) {
			t.Errorf("%s=%q: %d, want 400 with %q", tc.field, tc.value, resp.StatusCode, tc.msg)
		}
	}
	// A domain in one script is sent as punycode, and counts as the same
	// recipient however it is written.
	form := w.shareForm(t, c)
	form.Set("to", "lan@ví-dụ.vn")
	if resp, _ := w.post(t, c, w.sharePath(), form); resp.StatusCode != http.StatusOK {
		t.Fatalf("IDN recipient: %d", resp.StatusCode)
	}
	if to := w.mails(t)[0].Header.Get("To"); to != "lan@xn--v-d-rma6749a.vn" {
		t.Errorf("To = %q", to)
	}
	form = w.shareForm(t, c)
	form.Set("to", "LAN@xn--v-d-rma6749a.VN")
	if resp, _ := w.post(t, c, w.sharePath(), form); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the same recipient spelt in punycode: %d, want 429 (already sent)", resp.StatusCode)
	}
}

func TestStopLinkOverHTTP(t *testing.T) {
	w := newShWeb(t, nil, nil)
	c := w.confirmedSender(t)
	if resp, _ := w.post(t, c, w.sharePath(), w.shareForm(t, c)); resp.StatusCode != http.StatusOK {
		t.Fatal(resp.StatusCode)
	}
	m := w.mails(t)[0]
	stop := sitePath(t, m.Text, "/share/stop?t=")
	if lu := m.Header.Get("List-Unsubscribe"); lu != "<https://tin.example.vn"+stop+">" {
		t.Errorf("List-Unsubscribe = %q, want the stop link", lu)
	}
	if !strings.Contains(m.HTML, "Không nhận email chia sẻ nữa") {
		t.Error("the share lacks the stop link's text")
	}
	resp, body := w.do(t, nil, "GET", stop, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Không nhận email chia sẻ nữa") {
		t.Fatalf("stop page: %d", resp.StatusCode)
	}
	// The RFC 8058 one-click POST, as a mail provider sends it, from no
	// page at all.
	resp, _ = w.do(t, nil, "POST", stop, strings.NewReader("List-Unsubscribe=One-Click"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("one-click: %d", resp.StatusCode)
	}
	a := w.addArticle(t, "file:khac.txt", "", "Bài khác")
	path := "/a/" + a.ID + "/share"
	form := url.Values{"t": {w.formToken(t, c, path)}, "name": {"Hà"}, "email": {"ha@example.com"}, "to": {"lan@example.org"}}
	if resp, _ := w.post(t, c, path, form); resp.StatusCode != http.StatusOK {
		t.Fatal(resp.StatusCode)
	}
	if n := len(w.mails(t)); n != 1 {
		t.Errorf("a stopped recipient got another share (%d messages)", n)
	}
	if resp, _ := w.do(t, nil, "GET", "/share/stop?t=forged", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged stop link: %d", resp.StatusCode)
	}
}

func TestDigestLinkCountsAsConfirmed(t *testing.T) {
	w := newShWeb(t, nil, nil)
	c := w.client(t)
	s := w.signer.Sign(share.PurposeSender, "ha@example.com", 24*time.Hour)
	_, body := w.do(t, c, "GET", w.sharePath()+"?s="+url.QueryEscape(s), nil)
	if !strings.Contains(body, `value="ha@example.com"`) || !strings.Contains(body, `name="s" value="`+html.EscapeString(s)+`"`) {
		t.Fatal("the form does not carry the digest's sender")
	}
	form := w.shareForm(t, c)
	form.Set("s", s)
	resp, body := w.post(t, c, w.sharePath(), form)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Đã gửi bài viết") {
		t.Fatalf("share from a digest: %d", resp.StatusCode)
	}
	if n := len(w.mails(t)); n != 1 || w.mails(t)[0].Header.Get("To") != "lan@example.org" {
		t.Fatalf("want the share alone, got %d messages", n)
	}
}

func TestFormsInEnglish(t *testing.T) {
	w := newShWeb(t, nil, nil)
	_, body := w.do(t, nil, "GET", w.sharePath()+"?lang=en", nil)
	for _, want := range []string{`<html lang="en">`, "Send to a friend", `<label for="f-name">Your name</label>`, "Recipient 1", `action="/a/` + w.art.ID + `/share?lang=en"`} {
		if !strings.Contains(body, want) {
			t.Errorf("English share form lacks %s", want)
		}
	}
	_, body = w.do(t, nil, "GET", w.feedbackPath(), nil, "Accept-Language", "en-GB,en;q=0.8,vi;q=0.5")
	for _, want := range []string{`<html lang="en">`, `<label for="f-name">Full name</label>`, "Phone number", "Send feedback"} {
		if !strings.Contains(body, want) {
			t.Errorf("English feedback form lacks %s", want)
		}
	}
}
