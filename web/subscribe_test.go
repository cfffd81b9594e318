package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/newsletter"
	"github.com/bantin/bantin/store"
)

func TestSubscribePageIsVietnameseByDefaultAndAccessible(t *testing.T) {
	w := newSubWeb(t)
	resp, body := w.get(t, "/subscribe")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET /subscribe = %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	for _, want := range []string{
		`<html lang="vi">`, "Đăng ký nhận bản tin",
		`<label for="email">Địa chỉ email</label>`, `<input id="email" name="email" type="email"`,
		`<label for="name">`, "<legend>Bạn muốn nhận bản tin</legend>",
		"Ngay khi có bài", "Hằng ngày", "Hằng tuần",
		`value="daily" checked`,
		`name="category" value="thoi-su"`, "Thời sự", `name="category" value="van-hoa"`, "Văn hóa",
		`<div class="hp" hidden aria-hidden="true">`, `name="website" type="text" tabindex="-1"`,
		"Nghị định 13/2023", `action="/subscribe?lang=vi"`, "toasoan@example.vn",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("subscribe page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("the page uses script; it must work without")
	}
	_, en := w.get(t, "/subscribe?lang=en")
	if !strings.Contains(en, `<html lang="en">`) || !strings.Contains(en, "Subscribe to the newsletter") || !strings.Contains(en, "As soon as there are articles") {
		t.Errorf("English page:\n%s", en)
	}
}

func TestSubscribeConfirmEndToEnd(t *testing.T) {
	w := newSubWeb(t)
	resp, _ := w.post(t, "/subscribe", w.subscribeForm(t, "Lan.Nguyen@Example.VN"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/subscribe/sent?lang=vi" {
		t.Fatalf("POST /subscribe = %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := w.get(t, "/subscribe/sent?lang=vi"); !strings.Contains(body, "Vui lòng kiểm tra hộp thư") {
		t.Errorf("sent page:\n%s", body)
	}
	sub := w.subscriber(t, "lan.nguyen@example.vn")
	if sub.Status != store.StatusPending || sub.Cadence != "daily" || strings.Join(sub.Categories, ",") != "thoi-su" {
		t.Fatalf("after subscribe: %+v", sub)
	}
	mails := w.mailsTo(t, "lan.nguyen@example.vn")
	if len(mails) != 1 || !strings.HasPrefix(mails[0].Subject, "Xác nhận đăng ký") {
		t.Fatalf("confirmation mails: %+v", mails)
	}
	confirm := mails[0].link(t, newsletter.PathConfirm)

	// A link scanner's GET confirms nothing: it gets a button.
	resp, body := w.get(t, confirm)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<button type="submit" autofocus>Xác nhận đăng ký</button>`) ||
		!strings.Contains(body, "lan.nguyen@example.vn") {
		t.Fatalf("GET confirm = %d\n%s", resp.StatusCode, body)
	}
	if got := w.subscriber(t, "lan.nguyen@example.vn"); got.Status != store.StatusPending {
		t.Fatalf("GET confirmed the subscription: %s", got.Status)
	}
	resp, body = w.post(t, "/subscribe/confirm?lang=vi", url.Values{"t": {tokenOf(t, confirm)}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Đăng ký thành công") || !strings.Contains(body, `href="/preferences?t=`) {
		t.Fatalf("POST confirm = %d\n%s", resp.StatusCode, body)
	}
	if got := w.subscriber(t, "lan.nguyen@example.vn"); got.Status != store.StatusActive {
		t.Fatalf("after confirm: %s", got.Status)
	}
	active, _ := w.db.ActiveSubscribers(context.Background(), "daily", 0, 10)
	if len(active) != 1 {
		t.Fatalf("ActiveSubscribers = %d", len(active))
	}
	// Subscribing again, in other case, answers the same and keeps one row.
	resp, _ = w.post(t, "/subscribe", w.subscribeForm(t, "LAN.NGUYEN@example.vn"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/subscribe/sent?lang=vi" {
		t.Fatalf("second subscribe = %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	counts, _ := w.db.SubscriberCounts(context.Background())
	if counts[store.StatusActive] != 1 || len(counts) != 1 {
		t.Errorf("counts after a duplicate: %v", counts)
	}
}

func TestSubscribeRejectionsKeepWhatWasTyped(t *testing.T) {
	w := newSubWeb(t)
	tests := []struct {
		name   string
		form   func() url.Values
		status int
		want   []string // in the body
	}{
		{"invalid address", func() url.Values {
			f := w.subscribeForm(t, "lan@@example.vn")
			f.Set("name", `<script>alert("x")</script>`)
			return f
		}, http.StatusBadRequest, []string{
			"Địa chỉ email không hợp lệ", `value="lan@@example.vn"`, `aria-invalid="true" aria-describedby="email-error"`,
			`value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"`, `role="alert"`, `href="#email"`, "autofocus",
		}},
		{"empty address", func() url.Values { return w.subscribeForm(t, " ") }, http.StatusBadRequest,
			[]string{"Vui lòng nhập địa chỉ email."}},
		{"bad cadence", func() url.Values {
			f := w.subscribeForm(t, "an@example.vn")
			f.Set("cadence", "hourly")
			return f
		}, http.StatusBadRequest, []string{"Vui lòng chọn một trong các lựa chọn.", `value="an@example.vn"`}},
		{"unknown category", func() url.Values {
			f := w.subscribeForm(t, "an@example.vn")
			f.Add("category", "khong-co")
			return f
		}, http.StatusBadRequest, []string{"Có chuyên mục không còn tồn tại", `value="thoi-su" checked`}},
		{"too fast", func() url.Values {
			f := w.subscribeForm(t, "an@example.vn")
			_, body := w.get(t, "/subscribe")
			f.Set("ft", formTokenPattern.FindStringSubmatch(body)[1]) // no time passes
			return f
		}, http.StatusBadRequest, []string{"Bạn đã gửi biểu mẫu quá nhanh", `value="an@example.vn"`, `value="Lan"`}},
		{"forged form token", func() url.Values {
			f := w.subscribeForm(t, "an@example.vn")
			f.Set("ft", "9zzzzz.MTIz.AAAA")
			return f
		}, http.StatusBadRequest, []string{"Biểu mẫu đã hết hạn", `value="an@example.vn"`}},
		{"expired form token", func() url.Values {
			f := w.subscribeForm(t, "an@example.vn")
			w.clock.Advance(25 * time.Hour)
			return f
		}, http.StatusBadRequest, []string{"Biểu mẫu đã hết hạn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := w.post(t, "/subscribe", tt.form())
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tt.status, body)
			}
			for _, want := range tt.want {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %q", want)
				}
			}
			if strings.Contains(body, "<script>") {
				t.Error("typed markup reached the page unescaped")
			}
		})
	}
	if counts, _ := w.db.SubscriberCounts(context.Background()); len(counts) != 0 {
		t.Errorf("rejected forms stored subscribers: %v", counts)
	}
	if n := len(w.mails(t)); n != 0 {
		t.Errorf("rejected forms sent %d mails", n)
	}
}

func TestHoneypotGetsTheUsualAnswerAndNothingHappens(t *testing.T) {
	w := newSubWeb(t)
	f := w.subscribeForm(t, "bot@example.vn")
	f.Set("website", "http://spam.example")
	resp, _ := w.post(t, "/subscribe", f)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/subscribe/sent?lang=vi" {
		t.Fatalf("honeypot = %d %q; want the usual redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := w.db.SubscriberByEmail(context.Background(), "bot@example.vn"); err == nil {
		t.Error("honeypot submission stored")
	}
	if len(w.mails(t)) != 0 {
		t.Error("honeypot submission sent mail")
	}
}

func TestEmbeddedFormFromAnotherSiteFinishesHere(t *testing.T) {
	w := newSubWeb(t)
	// What the snippet on another site posts: no form token.
	embed := url.Values{"email": {"doc.gia@example.vn"}, "name": {"Độc giả"}, "cadence": {"weekly"}, "form": {"embed"}, "website": {""}}
	resp, body := w.post(t, "/subscribe?lang=vi", embed, "Origin", "https://bao-khac.example", "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("embedded post = %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"Vui lòng kiểm tra lại thông tin và bấm Đăng ký", `value="doc.gia@example.vn"`, `value="Độc giả"`,
		`value="weekly" checked`, `name="form" value="embed"`, `name="ft" value="`} {
		if !strings.Contains(body, want) {
			t.Errorf("second step lacks %q", want)
		}
	}
	if _, err := w.db.SubscriberByEmail(context.Background(), "doc.gia@example.vn"); err == nil {
		t.Fatal("stored before the person pressed the button on our page")
	}
	f := url.Values{"ft": {formTokenPattern.FindStringSubmatch(body)[1]}, "email": {"doc.gia@example.vn"}, "cadence": {"weekly"}, "form": {"embed"}}
	w.clock.Advance(4 * time.Second)
	resp, _ = w.post(t, "/subscribe?lang=vi", f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second step = %d", resp.StatusCode)
	}
	cs, _ := w.db.Consents(context.Background(), w.subscriber(t, "doc.gia@example.vn").ID)
	if len(cs) != 1 || cs[0].FormVersion != newsletter.FormEmbed {
		t.Errorf("consent %+v, want the embedded form's version", cs)
	}
}

func TestPerIPLimitAnswers429InVietnamese(t *testing.T) {
	w := newSubWeb(t, func(o *newsletter.SubscriptionOptions) { o.SubscribePerIP = 2 })
	for i, email := range []string{"a@example.vn", "b@example.vn"} {
		if resp, _ := w.post(t, "/subscribe", w.subscribeForm(t, email), "X-Forwarded-For", "198.51.100.9"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("request %d = %d", i+1, resp.StatusCode)
		}
	}
	resp, body := w.post(t, "/subscribe", w.subscribeForm(t, "c@example.vn"), "X-Forwarded-For", "198.51.100.9")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("3rd request = %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(body, "Bạn đã gửi quá nhiều yêu cầu đăng ký") || !strings.Contains(body, `value="c@example.vn"`) {
		t.Errorf("429 page:\n%s", body)
	}
	// Another client behind the same proxy is not affected.
	if resp, _ := w.post(t, "/subscribe", w.subscribeForm(t, "c@example.vn"), "X-Forwarded-For", "198.51.100.10"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("another client = %d", resp.StatusCode)
	}
}

func TestFourthConfirmationNotSentButSameAnswer(t *testing.T) {
	w := newSubWeb(t, func(o *newsletter.SubscriptionOptions) { o.SubscribePerIP = 0 })
	var answers []string
	for range 4 {
		resp, body := w.post(t, "/subscribe", w.subscribeForm(t, "nhieu@example.vn"))
		answers = append(answers, resp.Status+" "+resp.Header.Get("Location")+" "+body)
	}
	for i := 1; i < len(answers); i++ {
		if answers[i] != answers[0] {
			t.Errorf("answer %d differs:\n%s\nvs\n%s", i+1, answers[i], answers[0])
		}
	}
	if n := len(w.mailsTo(t, "nhieu@example.vn")); n != 3 {
		t.Errorf("%d confirmations, want 3", n)
	}
	// A new address gets the same answer too.
	resp, body := w.post(t, "/subscribe", w.subscribeForm(t, "moi@example.vn"))
	if got := resp.Status + " " + resp.Header.Get("Location") + " " + body; got != answers[0] {
		t.Errorf("a new address is answered differently:\n%s", got)
	}
}

func TestIDNAddressIsStoredAndSentAsPunycode(t *testing.T) {
	w := newSubWeb(t)
	if resp, body := w.post(t, "/subscribe", w.subscribeForm(t, "Hoa@Ví-Dụ.vn")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("IDN subscribe = %d\n%s", resp.StatusCode, body)
	}
	const puny = "hoa@xn--v-d-rma6749a.vn"
	w.subscriber(t, puny)
	if got := w.mailsTo(t, puny); len(got) != 1 {
		t.Fatalf("mail to %s: %d", puny, len(got))
	}
}

func TestOversizedBodyIs413(t *testing.T) {
	w := newSubWeb(t)
	prefs, _ := w.confirmedSubscriber(t, "to@example.vn")
	big := strings.Repeat("x", 64<<10)
	for _, path := range []string{"/subscribe", "/subscribe/confirm", "/preferences", "/preferences/erase"} {
		form := url.Values{"email": {"a@example.vn"}, "t": {tokenOf(t, prefs)}, "pad": {big}}
		resp, body := w.post(t, path, form)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "Dữ liệu gửi lên quá lớn") {
			t.Errorf("POST %s with 64 KiB = %d\n%s", path, resp.StatusCode, body)
		}
	}
	if got := w.subscriber(t, "to@example.vn"); got.Status != store.StatusActive {
		t.Errorf("an oversized post changed the subscriber: %s", got.Status)
	}
}

func TestBadTokensAre400AndChangeNothing(t *testing.T) {
	w := newSubWeb(t)
	prefs, unsub := w.confirmedSubscriber(t, "tk@example.vn")
	prefsTok, unsubTok := tokenOf(t, prefs), tokenOf(t, unsub)
	sub := w.subscriber(t, "tk@example.vn")
	tampered := unsubTok[:len(unsubTok)-3] + "abc"
	forged := "zzzzzz.MS4x." + strings.Repeat("A", 43)

	type req struct{ method, path, tok string }
	var reqs []req
	for _, tok := range []string{"", "garbage", forged, tampered, prefsTok /* wrong purpose for unsubscribe */} {
		reqs = append(reqs,
			req{"GET", "/unsubscribe?t=" + url.QueryEscape(tok), ""},
			req{"POST", "/unsubscribe?t=" + url.QueryEscape(tok), ""},
			req{"GET", "/subscribe/confirm?t=" + url.QueryEscape(tok), ""},
			req{"POST", "/subscribe/confirm", tok})
	}
	for _, tok := range []string{"", "garbage", forged, prefsTok[:len(prefsTok)-3] + "abc", unsubTok} {
		reqs = append(reqs,
			req{"GET", "/preferences?t=" + url.QueryEscape(tok), ""},
			req{"GET", "/preferences/data?t=" + url.QueryEscape(tok), ""},
			req{"POST", "/preferences", tok},
			req{"POST", "/preferences/erase", tok})
	}
	for _, r := range reqs {
		var resp *http.Response
		var body string
		if r.method == "GET" {
			resp, body = w.get(t, r.path)
		} else {
			form := url.Values{"t": {r.tok}, "action": {"unsubscribe"}, "confirm": {"yes"}}
			resp, body = w.post(t, r.path, form)
		}
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Liên kết không hợp lệ hoặc đã hết hạn") {
			t.Errorf("%s %s (t=%.12s…) = %d", r.method, r.path, r.tok, resp.StatusCode)
		}
	}
	// Expired: a year and a day later.
	w.clock.Advance(366 * 24 * time.Hour)
	if resp, _ := w.do(t, "POST", unsub, strings.NewReader("List-Unsubscribe=One-Click")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("expired one-click = %d", resp.StatusCode)
	}
	got := w.subscriber(t, "tk@example.vn")
	if got.Status != store.StatusActive || !got.UpdatedAt.Equal(sub.UpdatedAt) {
		t.Errorf("bad tokens changed the subscriber: %+v", got)
	}
}

func TestUnsubscribeGETShowsAButtonOneClickPOSTUnsubscribes(t *testing.T) {
	w := newSubWeb(t)
	_, unsub := w.confirmedSubscriber(t, "huy@example.vn")
	resp, body := w.get(t, unsub)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<form method="post" action="`+strings.ReplaceAll(unsub, "&", "&amp;")+`">`) ||
		!strings.Contains(body, ">Huỷ đăng ký</button>") {
		t.Fatalf("GET unsubscribe = %d\n%s", resp.StatusCode, body)
	}
	if got := w.subscriber(t, "huy@example.vn"); got.Status != store.StatusActive {
		t.Fatalf("GET unsubscribed: %s", got.Status)
	}
	// RFC 8058: a mail provider posts from its own servers, cross-site,
	// with no session and no CSRF token.
	resp, body = w.do(t, "POST", unsub, strings.NewReader("List-Unsubscribe=One-Click"),
		"Content-Type", "application/x-www-form-urlencoded", "Origin", "https://mail.example.com", "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Đã huỷ đăng ký") {
		t.Fatalf("one-click POST = %d\n%s", resp.StatusCode, body)
	}
	if got := w.subscriber(t, "huy@example.vn"); got.Status != store.StatusUnsubscribed {
		t.Fatalf("after one-click: %s", got.Status)
	}
	if active, _ := w.db.ActiveSubscribers(context.Background(), "daily", 0, 10); len(active) != 0 {
		t.Fatalf("ActiveSubscribers still lists the unsubscribed: %v", active)
	}
	cs, _ := w.db.Consents(context.Background(), w.subscriber(t, "huy@example.vn").ID)
	if last := cs[len(cs)-1]; last.Action != store.ConsentUnsubscribe || last.Detail != "one-click" {
		t.Errorf("last consent %+v", last)
	}
	// Again (providers retry): still fine.
	if resp, _ := w.do(t, "POST", unsub, strings.NewReader("List-Unsubscribe=One-Click"), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != http.StatusOK {
		t.Errorf("second one-click = %d", resp.StatusCode)
	}
}

func TestFormsRefuseCrossOriginPostsExceptSubscribeAndUnsubscribe(t *testing.T) {
	w := newSubWeb(t)
	prefs, _ := w.confirmedSubscriber(t, "co@example.vn")
	cross := []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}
	for _, path := range []string{"/preferences", "/preferences/erase", "/subscribe/confirm"} {
		form := url.Values{"t": {tokenOf(t, prefs)}, "action": {"unsubscribe"}, "confirm": {"yes"}}
		if resp, _ := w.post(t, path, form, cross...); resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s = %d, want 403", path, resp.StatusCode)
		}
	}
	if got := w.subscriber(t, "co@example.vn"); got.Status != store.StatusActive {
		t.Fatalf("a cross-site post changed the subscriber: %s", got.Status)
	}
	if resp, _ := w.post(t, "/subscribe", w.subscribeForm(t, "nhung@example.vn"), cross...); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("cross-site subscribe = %d; embedded forms must work", resp.StatusCode)
	}
}

func TestPreferencesPage(t *testing.T) {
	w := newSubWeb(t)
	prefs, _ := w.confirmedSubscriber(t, "pref@example.vn")
	tok := tokenOf(t, prefs)
	resp, body := w.get(t, prefs)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET preferences = %d", resp.StatusCode)
	}
	for _, want := range []string{"Tuỳ chọn nhận bản tin", "pref@example.vn", "đang nhận bản tin", `value="daily" checked`,
		`value="thoi-su" checked`, `<label for="send_hour">Giờ nhận</label>`, `value="pause"`, `value="unsubscribe"`,
		`href="/preferences/data?lang=vi&amp;t=`, `name="confirm" value="yes"`} {
		if !strings.Contains(body, want) {
			t.Errorf("preferences page lacks %q", want)
		}
	}
	// A bad hour is refused beside its field, with the rest kept.
	resp, body = w.post(t, "/preferences", url.Values{"t": {tok}, "action": {"save"}, "name": {"Lan Anh"}, "cadence": {"weekly"},
		"category": {"van-hoa"}, "send_hour": {"25"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Giờ nhận không hợp lệ.") ||
		!strings.Contains(body, `value="Lan Anh"`) || !strings.Contains(body, `value="weekly" checked`) || !strings.Contains(body, `value="van-hoa" checked`) {
		t.Fatalf("bad hour = %d\n%s", resp.StatusCode, body)
	}
	resp, body = w.post(t, "/preferences", url.Values{"t": {tok}, "action": {"save"}, "name": {"Lan Anh"}, "cadence": {"weekly"},
		"category": {"van-hoa"}, "send_hour": {"6"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Đã lưu thay đổi.") || !strings.Contains(body, `value="6" selected`) {
		t.Fatalf("save = %d\n%s", resp.StatusCode, body)
	}
	sub := w.subscriber(t, "pref@example.vn")
	if sub.Cadence != "weekly" || sub.SendHour != 6 || strings.Join(sub.Categories, ",") != "van-hoa" || sub.Name != "Lan Anh" {
		t.Fatalf("saved %+v", sub)
	}
	if resp, body = w.post(t, "/preferences", url.Values{"t": {tok}, "action": {"pause"}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Đã tạm dừng") {
		t.Fatalf("pause = %d", resp.StatusCode)
	}
	if resp, _ = w.post(t, "/preferences", url.Values{"t": {tok}, "action": {"pause"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("pausing twice = %d, want 409", resp.StatusCode)
	}
	if w.subscriber(t, "pref@example.vn").Status != store.StatusPaused {
		t.Fatal("not paused")
	}
	if _, body = w.post(t, "/preferences", url.Values{"t": {tok}, "action": {"resume"}}); !strings.Contains(body, "Bạn sẽ nhận bản tin trở lại.") {
		t.Errorf("resume:\n%s", body)
	}
	_, en := w.get(t, prefs+"&lang=en")
	if !strings.Contains(en, "Newsletter preferences") || !strings.Contains(en, "receiving the newsletter") {
		t.Errorf("English preferences:\n%s", en)
	}

	// Download: the subscriber and their consent record.
	resp, body = w.get(t, "/preferences/data?t="+url.QueryEscape(tok))
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("data = %d %v", resp.StatusCode, resp.Header)
	}
	var d newsletter.SubscriberData
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if d.Subscriber.Email != "pref@example.vn" || len(d.Consents) < 4 || d.Consents[0].Action != "subscribe" || d.Consents[0].IPHash == "" {
		t.Errorf("data %+v", d)
	}
	if strings.Contains(body, "127.0.0.1") {
		t.Error("the download holds an IP address, not its hash")
	}

	// Erase: refused without the box ticked, then done.
	resp, body = w.post(t, "/preferences/erase", url.Values{"t": {tok}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Vui lòng đánh dấu ô xác nhận") || !strings.Contains(body, `id="confirm" type="checkbox" name="confirm" value="yes" aria-invalid="true"`) {
		t.Fatalf("erase without the box = %d\n%s", resp.StatusCode, body)
	}
	resp, body = w.post(t, "/preferences/erase", url.Values{"t": {tok}, "confirm": {"yes"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Đã xoá dữ liệu") {
		t.Fatalf("erase = %d\n%s", resp.StatusCode, body)
	}
	if _, err := w.db.SubscriberByEmail(context.Background(), "pref@example.vn"); err == nil {
		t.Fatal("erased subscriber still stored")
	}
	if resp, _ = w.get(t, prefs); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("the link of an erased subscriber = %d, want 400", resp.StatusCode)
	}
}

func TestLogsHoldNoPersonalData(t *testing.T) {
	w := newSubWeb(t)
	prefs, unsub := w.confirmedSubscriber(t, "rieng.tu@example.vn")
	w.post(t, "/preferences", url.Values{"t": {tokenOf(t, prefs)}, "action": {"pause"}})
	w.do(t, "POST", unsub, strings.NewReader("List-Unsubscribe=One-Click"), "Content-Type", "application/x-www-form-urlencoded")
	f := w.subscribeForm(t, "bot@example.vn")
	f.Set("website", "x")
	w.post(t, "/subscribe", f)
	logs := w.logs.String()
	if logs == "" {
		t.Fatal("nothing logged")
	}
	for _, secret := range []string{"rieng.tu", "example.vn", "127.0.0.1", tokenOf(t, prefs), tokenOf(t, unsub)} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		remote, xff, want string
	}{
		{"203.0.113.5:4000", "", "203.0.113.5"},
		{"203.0.113.5:4000", "198.51.100.1", "203.0.113.5"}, // untrusted peer: its header is ignored
		{"10.1.2.3:4000", "198.51.100.1", "198.51.100.1"},
		{"10.1.2.3:4000", "6.6.6.6, 198.51.100.1, 10.9.9.9", "198.51.100.1"}, // rightmost untrusted
		{"10.1.2.3:4000", "", "10.1.2.3"},
		{"10.1.2.3:4000", "garbage", "10.1.2.3"},
		{"[::1]:4000", "2001:db8::7", "2001:db8::7"},
		{"[::ffff:203.0.113.5]:4000", "", "203.0.113.5"},
		{"not-an-address", "", "::"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/subscribe", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := clientIP(r, trusted); got.String() != tt.want {
			t.Errorf("clientIP(%s, %q) = %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}
