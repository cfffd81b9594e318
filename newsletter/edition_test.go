package newsletter

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/store"
)

// textPart returns the decoded text/plain part of a raw message.
func textPart(t *testing.T, raw []byte) string {
	t.Helper()
	parts := parseParts(t, raw)
	return parts["text/plain"]
}

// parseParts decodes the parts of a multipart/alternative message by type.
func parseParts(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			break
		}
		typ, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		var b bytes.Buffer
		if _, err := b.ReadFrom(quotedprintable.NewReader(p)); err != nil {
			t.Fatal(err)
		}
		out[typ] = b.String()
	}
	return out
}

// sendEdition plans the daily edition at f.now and delivers it to a new
// sink, returning the sink.
func (f *fixture) sendEdition(cadence string) (*sink, *store.Edition) {
	f.t.Helper()
	s := newSink(f.t)
	e := f.plan(cadence)
	f.deliver(f.mailer(s, 2, 5*time.Second), e, testDelivery())
	return s, e
}

func TestFirstEditionCoversTheCadenceWindow(t *testing.T) {
	f := newFixture(t)
	f.article("Tin hai mươi ba giờ trước", "thoi-su", 23*time.Hour, true)
	f.article("Tin hai mươi lăm giờ trước", "thoi-su", 25*time.Hour, true)
	f.article("Tin sáu ngày trước", "thoi-su", 6*24*time.Hour, true)
	f.article("Tin tám ngày trước", "thoi-su", 8*24*time.Hour, true)
	d := f.subscriber("ngay@example.vn", store.CadenceDaily)
	w := f.subscriber("tuan@example.vn", store.CadenceWeekly)

	s, _ := f.sendEdition(store.CadenceDaily)
	text := textPart(t, s.message(d.Email))
	if !strings.Contains(text, "Tin hai mươi ba giờ trước") || strings.Contains(text, "Tin hai mươi lăm giờ trước") {
		t.Errorf("a first daily edition must cover the last 24 hours:\n%s", text)
	}

	s, _ = f.sendEdition(store.CadenceWeekly)
	text = textPart(t, s.message(w.Email))
	for _, want := range []string{"Tin hai mươi ba giờ trước", "Tin hai mươi lăm giờ trước", "Tin sáu ngày trước"} {
		if !strings.Contains(text, want) {
			t.Errorf("a first weekly edition lacks %q", want)
		}
	}
	if strings.Contains(text, "Tin tám ngày trước") {
		t.Error("a first weekly edition reaches back more than 7 days")
	}
}

func TestNextEditionStartsWhereTheLastEnded(t *testing.T) {
	f := newFixture(t)
	f.article("Tin hôm qua", "thoi-su", 2*time.Hour, true)
	sub := f.subscriber("ngay@example.vn", store.CadenceDaily)
	f.sendEdition(store.CadenceDaily)

	f.now = f.now.Add(24 * time.Hour)
	f.article("Tin hôm nay", "thoi-su", time.Hour, true)
	s, _ := f.sendEdition(store.CadenceDaily)
	text := textPart(t, s.message(sub.Email))
	if !strings.Contains(text, "Tin hôm nay") || strings.Contains(text, "Tin hôm qua") {
		t.Fatalf("second edition:\n%s", text)
	}
}

func TestNewsletterFalseStaysOut(t *testing.T) {
	f := newFixture(t)
	f.article("Tin được gửi", "thoi-su", time.Hour, true)
	f.article("Tin không gửi qua email", "thoi-su", 30*time.Minute, false)
	sub := f.subscriber("ngay@example.vn", store.CadenceDaily)
	s, _ := f.sendEdition(store.CadenceDaily)
	raw := s.message(sub.Email)
	parts := parseParts(t, raw)
	if !strings.Contains(parts["text/plain"], "Tin được gửi") {
		t.Fatal("the digest lacks its article")
	}
	if strings.Contains(parts["text/plain"], "không gửi qua email") || strings.Contains(parts["text/html"], "không gửi qua email") {
		t.Fatal("an article marked newsletter: false went out")
	}
}

func TestNothingNewSendsNothing(t *testing.T) {
	f := newFixture(t)
	f.article("Tin cũ", "thoi-su", 48*time.Hour, true)
	f.article("Tin mới nhưng không gửi", "thoi-su", time.Hour, false)
	f.subscriber("ngay@example.vn", store.CadenceDaily)
	if e, err := f.planner.Plan(f.ctx, store.CadenceDaily, f.now); !errors.Is(err, ErrNothingNew) || e != nil {
		t.Fatalf("Plan = %v, %v; want ErrNothingNew", e, err)
	}
	if _, err := f.planner.Plan(f.ctx, store.CadenceWeekly, f.now); !errors.Is(err, ErrNothingNew) {
		t.Fatalf("a cadence without subscribers: %v", err)
	}
	eds, _ := f.db.Editions(f.ctx, store.EditionQuery{Limit: 10})
	if len(eds) != 0 {
		t.Fatalf("editions were made: %v", eds)
	}
}

func TestCategoriesFilterWhatEachRecipientGets(t *testing.T) {
	f := newFixture(t)
	f.article("Giá lúa tăng", "kinh-te", time.Hour, true)
	f.article("Khánh thành cầu", "thoi-su", 2*time.Hour, true)
	f.article("Giải chạy cộng đồng", "the-thao", 3*time.Hour, true)
	econ := f.subscriber("kinhte@example.vn", store.CadenceDaily, "kinh-te")
	both := f.subscriber("hai@example.vn", store.CadenceDaily, "the-thao", "thoi-su")
	all := f.subscriber("tatca@example.vn", store.CadenceDaily)
	culture := f.subscriber("vanhoa@example.vn", store.CadenceDaily, "van-hoa")

	s, e := f.sendEdition(store.CadenceDaily)
	check := func(email string, want, not []string) {
		t.Helper()
		text := textPart(t, s.message(email))
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q", email, w)
			}
		}
		for _, n := range not {
			if strings.Contains(text, n) {
				t.Errorf("%s got %q", email, n)
			}
		}
	}
	check(econ.Email, []string{"Giá lúa tăng"}, []string{"Khánh thành cầu", "Giải chạy"})
	check(both.Email, []string{"Khánh thành cầu", "Giải chạy cộng đồng"}, []string{"Giá lúa"})
	check(all.Email, []string{"Giá lúa tăng", "Khánh thành cầu", "Giải chạy cộng đồng"}, nil)
	// Nothing new in their category: no mail, and the window moves on.
	if s.count(culture.Email) != 0 {
		t.Error("a subscriber with nothing new in their categories got mail")
	}
	if c := f.counts(e); c[store.DeliverySent] != 3 || c[store.DeliverySkipped] != 1 {
		t.Fatalf("counts %v", c)
	}
	got, _ := f.db.SubscriberByID(f.ctx, culture.ID)
	if !got.LastEditionUntil.Equal(f.now) {
		t.Errorf("the window of a subscriber with nothing new stayed at %v", got.LastEditionUntil)
	}
}

func TestAfterDowntimeOneEditionCoversTheGap(t *testing.T) {
	f := newFixture(t)
	sub := f.subscriber("ngay@example.vn", store.CadenceDaily)
	f.article("Tin trước khi ngừng", "thoi-su", 4*24*time.Hour+time.Hour, true)
	start := f.now
	f.now = start.Add(-4 * 24 * time.Hour)
	f.sendEdition(store.CadenceDaily) // the last edition before the downtime
	if err := f.db.SetLastTick(f.ctx, store.CadenceDaily, f.now); err != nil {
		t.Fatal(err)
	}
	f.now = start
	for day := 1; day <= 4; day++ {
		f.article("Tin ngày thứ "+string(rune('0'+day)), "thoi-su", time.Duration(4-day)*24*time.Hour+time.Hour, true)
	}

	// The daemon comes back at 06:30 after four days down: four daily
	// ticks were missed.
	when, err := ParseSchedule("newsletter.daily", "0 6 * * *", testZone)
	if err != nil {
		t.Fatal(err)
	}
	s := newSink(t)
	d := f.deliverer(f.mailer(s, 2, 5*time.Second), testDelivery())
	sched := NewScheduler(f.planner, f.db, []Schedule{{Cadence: store.CadenceDaily, Key: "newsletter.daily", When: when}},
		SchedulerOptions{Planned: func(*store.Edition) { d.Wake() }, Now: func() time.Time { return start.Add(30 * time.Minute) }})
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	go func() { _ = sched.Run(ctx) }()
	go func() { _ = d.Run(ctx) }()
	waitUntil(t, "the catch-up edition delivered", func() bool { return s.count(sub.Email) >= 1 })
	time.Sleep(200 * time.Millisecond)

	eds, _ := f.db.Editions(f.ctx, store.EditionQuery{Cadence: store.CadenceDaily, Limit: 10})
	if len(eds) != 2 {
		t.Fatalf("%d editions, want the one before and one catch-up", len(eds))
	}
	if !eds[0].Until.Equal(start) || !eds[0].Since.Equal(start.Add(-4*24*time.Hour)) {
		t.Errorf("catch-up edition window (%v, %v]", eds[0].Since, eds[0].Until)
	}
	if n := s.count(sub.Email); n != 1 {
		t.Fatalf("subscriber got %d digests after the downtime, want 1", n)
	}
	text := textPart(t, s.message(sub.Email))
	for day := 1; day <= 4; day++ {
		if !strings.Contains(text, "Tin ngày thứ "+string(rune('0'+day))) {
			t.Errorf("catch-up edition lacks day %d:\n%s", day, text)
		}
	}
	if strings.Contains(text, "Tin trước khi ngừng") {
		t.Error("catch-up edition repeats the last edition")
	}
	st, _ := f.db.EditionTick(f.ctx, store.CadenceDaily)
	if !st.Last.Equal(start) {
		t.Errorf("last tick %v, want %v", st.Last, start)
	}
}

func TestPlanResumesAHalfPlannedEdition(t *testing.T) {
	f := newFixture(t)
	f.article("Họp báo", "thoi-su", time.Hour, true)
	f.subscribers(20)
	e := &store.Edition{Cadence: store.CadenceDaily, Since: f.now.Add(-24 * time.Hour), Until: f.now}
	if err := f.db.CreateEdition(f.ctx, e); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.db.PlanDeliveries(f.ctx, e, 7); err != nil { // then the process died
		t.Fatal(err)
	}
	got, err := f.planner.Plan(f.ctx, store.CadenceDaily, f.now.Add(time.Hour))
	if err != nil || got.ID != e.ID || got.Recipients != 20 || got.Status != store.EditionSending {
		t.Fatalf("Plan = %+v, %v; want edition %d finished with 20 recipients", got, err, e.ID)
	}
}

func TestInstantEditionsBatchTheLastMinutes(t *testing.T) {
	f := newFixture(t)
	f.article("Tin vừa đăng", "thoi-su", 5*time.Minute, true)
	f.article("Tin nửa giờ trước", "thoi-su", 30*time.Minute, true)
	sub := f.subscriber("ngay-lap-tuc@example.vn", store.CadenceInstant)
	s, _ := f.sendEdition(store.CadenceInstant)
	raw := s.message(sub.Email)
	text := textPart(t, raw)
	if !strings.Contains(text, "Tin vừa đăng") || strings.Contains(text, "Tin nửa giờ trước") {
		t.Fatalf("instant edition:\n%s", text)
	}
}
