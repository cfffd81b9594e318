package newsletter

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/store"
)

var testIP = netip.MustParseAddr("203.0.113.7")

func (e *subEnv) subscribe(t *testing.T, email string) error {
	t.Helper()
	return e.subs.Subscribe(context.Background(), SubscribeRequest{Email: email, Name: "Lan", Cadence: CadenceWeekly,
		Categories: []string{"thoi-su"}, IP: testIP, Form: FormPage})
}

func TestSubscribeDoubleOptIn(t *testing.T) {
	ctx := context.Background()
	e := newSubEnv(t)
	if err := e.subscribe(t, "  Lan.Nguyen@Example.VN "); err != nil {
		t.Fatal(err)
	}
	sub, err := e.db.SubscriberByEmail(ctx, "lan.nguyen@example.vn")
	if err != nil || sub.Status != store.StatusPending || sub.Cadence != CadenceWeekly || sub.Name != "Lan" {
		t.Fatalf("after subscribe: %+v, %v", sub, err)
	}
	mails := e.mailsTo(t, "lan.nguyen@example.vn")
	if len(mails) != 1 || !strings.HasPrefix(mails[0].Subject(), "Xác nhận đăng ký") {
		t.Fatalf("want one confirmation, got %d", len(mails))
	}
	if mails[0].Header.Get("List-Unsubscribe") != "" || strings.Contains(mails[0].Text, "/unsubscribe") {
		t.Error("a confirmation is not list mail and must carry no unsubscribe link")
	}
	if !strings.Contains(mails[0].Text, "48 giờ") {
		t.Errorf("confirmation does not say how long it is valid:\n%s", mails[0].Text)
	}
	tok := mails[0].link(t, PathConfirm)

	// Nothing is active, so a digest would go to nobody.
	if active, _ := e.db.ActiveSubscribers(ctx, CadenceWeekly, 0, 10); len(active) != 0 {
		t.Fatalf("a pending subscriber is active: %v", active)
	}
	got, err := e.subs.Confirm(ctx, tok, testIP)
	if err != nil || got.Status != store.StatusActive || got.ConfirmedAt.IsZero() {
		t.Fatalf("Confirm = %+v, %v", got, err)
	}
	if _, err := e.subs.Confirm(ctx, tok, testIP); !errors.Is(err, ErrAlreadyConfirmed) {
		t.Fatalf("second Confirm: %v", err)
	}
	if active, _ := e.db.ActiveSubscribers(ctx, CadenceWeekly, 0, 10); len(active) != 1 {
		t.Fatalf("confirmed subscriber not active")
	}
	cs, _ := e.db.Consents(ctx, sub.ID)
	if len(cs) != 2 || cs[0].Action != store.ConsentSubscribe || cs[1].Action != store.ConsentConfirm {
		t.Fatalf("consent record %+v", cs)
	}
	if cs[0].IPHash == "" || strings.Contains(cs[0].IPHash, "203.0.113") || cs[0].FormVersion != FormPage || cs[0].TextVersion != "vi-1" {
		t.Errorf("subscribe consent %+v", cs[0])
	}
}

func TestSubscribeSameAnswerForKnownAddresses(t *testing.T) {
	ctx := context.Background()
	e := newSubEnv(t)
	if err := e.subscribe(t, "an@example.vn"); err != nil {
		t.Fatal(err)
	}
	tok := e.mailsTo(t, "an@example.vn")[0].link(t, PathConfirm)
	if _, err := e.subs.Confirm(ctx, tok, testIP); err != nil {
		t.Fatal(err)
	}
	// A stranger subscribing an active address with other choices changes
	// nothing, and the owner gets their links instead of a confirmation.
	err := e.subs.Subscribe(ctx, SubscribeRequest{Email: "AN@example.vn", Cadence: CadenceInstant, IP: testIP, Form: FormPage})
	if err != nil {
		t.Fatalf("Subscribe of an active address = %v, want nil like any other", err)
	}
	sub, _ := e.db.SubscriberByEmail(ctx, "an@example.vn")
	if sub.Status != store.StatusActive || sub.Cadence != CadenceWeekly || sub.Name != "Lan" {
		t.Errorf("a second request changed an active subscriber: %+v", sub)
	}
	mails := e.mailsTo(t, "an@example.vn")
	if len(mails) != 2 || !strings.HasPrefix(mails[1].Subject(), "Bạn đã đăng ký") {
		t.Fatalf("want the already-subscribed notice, got %d mails", len(mails))
	}
	if mails[1].Header.Get("List-Unsubscribe") == "" || !strings.Contains(mails[1].Text, "toasoan@example.vn") {
		t.Errorf("notice lacks List-Unsubscribe or the contact:\n%v\n%s", mails[1].Header, mails[1].Text)
	}
	prefs := mails[1].link(t, PathPreferences)
	if got, err := e.subs.FromLink(ctx, PurposePreferences, prefs); err != nil || got.ID != sub.ID {
		t.Errorf("preferences link = %v, %v", got, err)
	}
}

func TestAtMostThreeMailsPerAddressADay(t *testing.T) {
	e := newSubEnv(t, func(o *SubscriptionOptions) { o.SubscribePerIP = 0 })
	for i := range 4 {
		if err := e.subscribe(t, "spam@example.vn"); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		e.clock.Advance(time.Minute)
	}
	if n := len(e.mailsTo(t, "spam@example.vn")); n != 3 {
		t.Fatalf("%d confirmations in 24h, want 3", n)
	}
	e.clock.Advance(24 * time.Hour)
	if err := e.subscribe(t, "spam@example.vn"); err != nil {
		t.Fatal(err)
	}
	if n := len(e.mailsTo(t, "spam@example.vn")); n != 4 {
		t.Fatalf("%d confirmations after a day, want 4", n)
	}
}

func TestPerIPLimit(t *testing.T) {
	e := newSubEnv(t, func(o *SubscriptionOptions) { o.SubscribePerIP = 2 })
	for i, email := range []string{"a@example.vn", "b@example.vn"} {
		if err := e.subscribe(t, email); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	if err := e.subscribe(t, "c@example.vn"); !errors.Is(err, ErrTooManyRequests) {
		t.Fatalf("3rd request from one IP = %v, want ErrTooManyRequests", err)
	}
	if _, err := e.db.SubscriberByEmail(context.Background(), "c@example.vn"); !errors.Is(err, store.ErrNotFound) {
		t.Error("a refused request was stored")
	}
	// Another address in the same IPv6 /64 shares the limit.
	ctx := context.Background()
	for i, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"} {
		err := e.subs.Subscribe(ctx, SubscribeRequest{Email: "v6-" + string(rune('a'+i)) + "@example.vn", IP: netip.MustParseAddr(ip)})
		if err != nil {
			t.Fatal(err)
		}
	}
	err := e.subs.Subscribe(ctx, SubscribeRequest{Email: "v6-c@example.vn", IP: netip.MustParseAddr("2001:db8:1:2:abcd::1")})
	if !errors.Is(err, ErrTooManyRequests) {
		t.Fatalf("same /64 = %v, want ErrTooManyRequests", err)
	}
	e.clock.Advance(time.Hour + time.Second)
	if err := e.subscribe(t, "c@example.vn"); err != nil {
		t.Fatalf("after an hour: %v", err)
	}
}

func TestSubscribeIDNAddressIsStoredAndSentAsPunycode(t *testing.T) {
	ctx := context.Background()
	e := newSubEnv(t)
	if err := e.subscribe(t, "Hoa@Ví-Dụ.vn"); err != nil {
		t.Fatal(err)
	}
	const want = "hoa@xn--v-d-rma6749a.vn"
	if _, err := e.db.SubscriberByEmail(ctx, want); err != nil {
		t.Fatalf("not stored as %s: %v", want, err)
	}
	if len(e.mailsTo(t, want)) != 1 {
		t.Fatalf("no mail to %s; To headers: %v", want, e.mails(t))
	}
	// The same address typed in Unicode is the same row.
	if err := e.subscribe(t, "hoa@ví-dụ.VN"); err != nil {
		t.Fatal(err)
	}
	counts, _ := e.db.SubscriberCounts(ctx)
	if counts[store.StatusPending] != 1 {
		t.Errorf("counts %v, want one row", counts)
	}
}

func TestSubscribeInputErrors(t *testing.T) {
	e := newSubEnv(t)
	tests := []struct {
		name  string
		req   SubscribeRequest
		codes []string
	}{
		{"empty", SubscribeRequest{}, []string{"email.empty"}},
		{"no at", SubscribeRequest{Email: "lan.example.vn"}, []string{"email.invalid"}},
		{"two ats", SubscribeRequest{Email: "a@b@example.vn"}, []string{"email.invalid"}},
		{"header injection", SubscribeRequest{Email: "a@example.vn\r\nBcc: x@example.vn"}, []string{"email.invalid"}},
		{"no dot", SubscribeRequest{Email: "a@localhost"}, []string{"email.invalid"}},
		{"display name", SubscribeRequest{Email: "Lan <lan@example.vn>"}, []string{"email.invalid"}},
		{"bad cadence and category", SubscribeRequest{Email: "a@example.vn", Cadence: "hourly", Categories: []string{"x"},
			KnownCategories: []string{"thoi-su"}}, []string{"cadence.invalid", "categories.invalid"}},
		{"long name", SubscribeRequest{Email: "a@example.vn", Name: strings.Repeat("ă", 101)}, []string{"name.too_long"}},
		{"control in name", SubscribeRequest{Email: "a@example.vn", Name: "Lan\x00"}, []string{"name.invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.subs.Subscribe(context.Background(), tt.req)
			var errs InputErrors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v, want InputErrors", err)
			}
			var codes []string
			for _, fe := range errs {
				codes = append(codes, fe.Code)
			}
			if strings.Join(codes, " ") != strings.Join(tt.codes, " ") {
				t.Errorf("codes %v, want %v", codes, tt.codes)
			}
		})
	}
	if n := len(e.mails(t)); n != 0 {
		t.Errorf("%d mails sent for bad input", n)
	}
}

func TestBouncedAddressMustConfirmAgain(t *testing.T) {
	ctx := context.Background()
	e := newSubEnv(t)
	if err := e.subscribe(t, "doi@example.vn"); err != nil {
		t.Fatal(err)
	}
	sub, _ := e.db.SubscriberByEmail(ctx, "doi@example.vn")
	// What the delivery side does to an address that bounces.
	_, err := e.db.ChangeSubscriber(ctx, sub.ID, nil, func(s *store.Subscriber) { s.Status, s.Bounces = store.StatusBounced, 3 },
		store.Consent{Action: "bounce"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.subs.Resume(ctx, sub.ID, testIP); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("Resume of a bounced address = %v, want ErrNotAllowed", err)
	}
	if err := e.subscribe(t, "doi@example.vn"); err != nil {
		t.Fatal(err)
	}
	sub, _ = e.db.SubscriberByEmail(ctx, "doi@example.vn")
	if sub.Status != store.StatusPending {
		t.Fatalf("status after subscribing again = %s, want pending", sub.Status)
	}
	mails := e.mailsTo(t, "doi@example.vn")
	got, err := e.subs.Confirm(ctx, mails[len(mails)-1].link(t, PathConfirm), testIP)
	if err != nil || got.Status != store.StatusActive || got.Bounces != 0 {
		t.Fatalf("confirm = %+v, %v; want active with no bounces", got, err)
	}
}

func TestLinksAndBadTokens(t *testing.T) {
	ctx := context.Background()
	e := newSubEnv(t)
	if err := e.subscribe(t, "lk@example.vn"); err != nil {
		t.Fatal(err)
	}
	sub, _ := e.db.SubscriberByEmail(ctx, "lk@example.vn")
	unsub, prefs := e.subs.Links(sub)
	if !strings.HasPrefix(unsub, "https://tin.example.vn/unsubscribe?t=") || !strings.HasPrefix(prefs, "https://tin.example.vn/preferences?t=") {
		t.Fatalf("Links = %s, %s", unsub, prefs)
	}
	unsubTok := strings.TrimPrefix(unsub, "https://tin.example.vn/unsubscribe?t=")
	prefsTok := strings.TrimPrefix(prefs, "https://tin.example.vn/preferences?t=")
	confirmTok := e.mailsTo(t, "lk@example.vn")[0].link(t, PathConfirm)

	tests := []struct {
		name, purpose, tok string
	}{
		{"empty", PurposeUnsubscribe, ""},
		{"garbage", PurposeUnsubscribe, "not-a-token"},
		{"tampered", PurposeUnsubscribe, unsubTok[:len(unsubTok)-2] + "xx"},
		{"other purpose", PurposeUnsubscribe, prefsTok},
		{"confirm token for preferences", PurposePreferences, confirmTok},
		{"forged subject", PurposeUnsubscribe, "zzzzzz.MQ." + unsubTok[strings.LastIndexByte(unsubTok, '.')+1:]},
	}
	for _, tt := range tests {
		if _, err := e.subs.FromLink(ctx, tt.purpose, tt.tok); !errors.Is(err, ErrBadLink) {
			t.Errorf("%s: %v, want ErrBadLink", tt.name, err)
		}
	}
	e.clock.Advance(49 * time.Hour)
	if _, err := e.subs.Confirm(ctx, confirmTok, testIP); !errors.Is(err, ErrBadLink) {
		t.Errorf("expired confirmation: %v", err)
	}
	if got, _ := e.db.SubscriberByID(ctx, sub.ID); got.Status != store.StatusPending {
		t.Errorf("a bad token changed the subscriber: %+v", got)
	}
	// A link outlives nothing: after erasure it names no one, even if the
	// id comes back.
	if err := e.subs.Erase(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.subscribe(t, "khac@example.vn"); err != nil {
		t.Fatal(err)
	}
	other, _ := e.db.SubscriberByEmail(ctx, "khac@example.vn")
	if other.ID != sub.ID {
		t.Logf("id not reused (%d, %d); the check below still holds", other.ID, sub.ID)
	}
	if _, err := e.subs.FromLink(ctx, PurposeUnsubscribe, unsubTok); !errors.Is(err, ErrBadLink) {
		t.Errorf("an erased subscriber's link works for %d: %v", other.ID, err)
	}
}

func TestPreferencesPauseResumeUnsubscribe(t *testing.T) {
	ctx := context.Background()
	e := newSubEnv(t)
	if err := e.subscribe(t, "p@example.vn"); err != nil {
		t.Fatal(err)
	}
	sub, err := e.subs.Confirm(ctx, e.mailsTo(t, "p@example.vn")[0].link(t, PathConfirm), testIP)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.subs.UpdatePreferences(ctx, sub.ID, Preferences{Name: " Lan  Anh ", Cadence: CadenceDaily,
		Categories: []string{"van-hoa", "kinh-te", "van-hoa"}, SendHour: 6}, testIP)
	if err != nil || got.Name != "Lan Anh" || got.Cadence != CadenceDaily || strings.Join(got.Categories, ",") != "kinh-te,van-hoa" || got.SendHour != 6 {
		t.Fatalf("UpdatePreferences = %+v, %v", got, err)
	}
	_, err = e.subs.UpdatePreferences(ctx, sub.ID, Preferences{Cadence: CadenceDaily, SendHour: 24}, testIP)
	var errs InputErrors
	if !errors.As(err, &errs) || errs.Field("send_hour") == nil {
		t.Fatalf("hour 24: %v", err)
	}
	if got, _ = e.subs.Pause(ctx, sub.ID, testIP); got.Status != store.StatusPaused {
		t.Fatalf("pause: %+v", got)
	}
	if _, err := e.subs.Pause(ctx, sub.ID, testIP); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("pausing twice: %v", err)
	}
	if got, _ = e.subs.Resume(ctx, sub.ID, testIP); got.Status != store.StatusActive {
		t.Fatalf("resume: %+v", got)
	}
	if got, _ = e.subs.Unsubscribe(ctx, sub.ID, testIP, "one-click"); got.Status != store.StatusUnsubscribed {
		t.Fatalf("unsubscribe: %+v", got)
	}
	if _, err := e.subs.Unsubscribe(ctx, sub.ID, testIP, "one-click"); err != nil {
		t.Fatalf("unsubscribing twice: %v", err)
	}
	if active, _ := e.db.ActiveSubscribers(ctx, CadenceDaily, 0, 10); len(active) != 0 {
		t.Fatalf("unsubscribed but still active")
	}
	d, err := e.subs.Data(ctx, sub.ID)
	if err != nil || d.Subscriber.Email != "p@example.vn" {
		t.Fatalf("Data = %+v, %v", d, err)
	}
	var actions []string
	for _, c := range d.Consents {
		actions = append(actions, c.Action)
	}
	if strings.Join(actions, " ") != "subscribe confirm preferences pause resume unsubscribe" {
		t.Errorf("consent record %v", actions)
	}
}
