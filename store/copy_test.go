package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/internal/pgtest"
)

// copyFixture is what fillEveryTable wrote, to look it up again.
type copyFixture struct {
	now       time.Time
	articles  []string
	emails    []string
	edition   int64
	feedback  []int64
	sourceURL string
}

// copyNow is the fixture's clock: the store's own times (created_at, the
// queue's next_at) must not depend on when the test runs.
var copyNow = time.Date(2026, 11, 26, 8, 30, 0, 123456000, ict)

// openFilled returns a SQLite store holding a row or more in every table.
func openFilled(t *testing.T) (*DB, copyFixture) {
	t.Helper()
	db := openTestDB(t, WithClock(func() time.Time { return copyNow }))
	return db, fillEveryTable(t, db)
}

// fillEveryTable writes into every table through the store's own methods,
// with Vietnamese text, the way a running installation would.
func fillEveryTable(t *testing.T, db *DB) copyFixture {
	t.Helper()
	ctx := context.Background()
	now := copyNow
	fx := copyFixture{now: now, sourceURL: "https://phuong7.example.vn/rss/thoi-su.rss"}

	titles := []string{"Phường Bình Thọ khánh thành nhà văn hoá mới", "Hội thi “Gia đình văn hoá” năm 2026",
		"Tuyến đường Võ Văn Ngân được mở rộng", "Khám sức khỏe miễn phí cho người cao tuổi", "Giải bóng đá thiếu niên hè"}
	cats := [][2]string{{"thoi-su", "Thời sự"}, {"van-hoa", "Văn hóa"}, {"xa-hoi", "Xã hội"}, {"suc-khoe", "Sức khỏe"}, {"the-thao", "Thể thao"}}
	for i, title := range titles {
		a := sampleArticle(fmt.Sprintf("%s/bai-%d.txt", cats[i][0], i), now.Add(-time.Duration(i)*time.Hour))
		a.Title, a.Category, a.CategorySlug = title, cats[i][1], cats[i][0]
		a.Byline = "Nguyễn Thị Hoà"
		a.Tags = []string{"phường", "Thủ Đức"}
		a.Images = []article.Image{{URL: "https://phuong7.example.vn/anh/" + strconv.Itoa(i) + ".jpg", Caption: "Quang cảnh buổi lễ"}}
		a.Newsletter = i != 2 // one kept out of digests: a false boolean must survive
		a.Link = "https://phuong7.example.vn/tin/" + strconv.Itoa(i)
		if i == 4 {
			a.Tags, a.Images, a.Lead = nil, nil, ""
		}
		if _, err := db.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		fx.articles = append(fx.articles, a.ID)
	}
	// A correction: updated_at moves past published_at.
	fix := sampleArticle("thoi-su/bai-0.txt", now)
	fix.Title, fix.ContentHash, fix.Category, fix.CategorySlug = titles[0]+" (cập nhật)", "hash-2", "Thời sự", "thoi-su"
	if _, err := db.SaveArticle(ctx, fix); err != nil {
		t.Fatal(err)
	}

	if err := db.SaveSourceState(ctx, SourceState{URL: fx.sourceURL, ETag: `W/"7a-ổn"`,
		LastModified: "Thu, 26 Nov 2026 01:00:00 GMT", CheckedAt: now, LastError: "máy chủ trả lời 503: quá tải"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SecretKey(ctx, "token"); err != nil {
		t.Fatal(err)
	}

	names := []string{"Nguyễn Thị Hoà", "Trần Văn Đức", "Lê Thị Ánh Tuyết", "Phạm Quốc Việt", "Đặng Thu Hương", "Võ Minh Khôi", "Huỳnh Ngọc Ý"}
	var ids []int64
	for i, name := range names {
		email := fmt.Sprintf("ban-doc-%d@phuong7.example.vn", i)
		sub := &Subscriber{Email: email, Name: name, Status: StatusPending, Cadence: CadenceDaily,
			Categories: []string{"thoi-su", "van-hoa"}, SendHour: -1, Language: "vi"}
		if i%3 == 1 {
			sub.Categories, sub.SendHour, sub.Language = nil, 7, "en"
		}
		s, _, err := db.CreateSubscriber(ctx, sub, Consent{Action: ConsentSubscribe, At: now, IPHash: "9f3a",
			FormVersion: "web/2", TextVersion: "vi/3", Detail: "đăng ký tại trang chủ"})
		if err != nil {
			t.Fatal(err)
		}
		if i != 6 {
			if _, err := db.ChangeSubscriber(ctx, s.ID, []string{StatusPending}, func(s *Subscriber) {
				s.Status, s.ConfirmedAt = StatusActive, now
			}, Consent{Action: ConsentConfirm, At: now.Add(time.Minute), IPHash: "9f3a"}); err != nil {
				t.Fatal(err)
			}
		}
		fx.emails = append(fx.emails, email)
		ids = append(ids, s.ID)
	}
	if _, err := db.ChangeSubscriber(ctx, ids[5], nil, func(s *Subscriber) { s.Status = StatusUnsubscribed },
		Consent{Action: ConsentUnsubscribe, Detail: "không muốn nhận thư nữa"}); err != nil {
		t.Fatal(err)
	}

	e := &Edition{Cadence: CadenceDaily, Since: now.Add(-24 * time.Hour), Until: now, Subject: "Bản tin Phường 7 — sáng thứ Năm"}
	if err := db.CreateEdition(ctx, e); err != nil {
		t.Fatal(err)
	}
	for {
		_, done, err := db.PlanDeliveries(ctx, e, 100)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			break
		}
	}
	fx.edition = e.ID
	b, err := db.ClaimBatch(ctx, e.ID, "may-1", now, time.Minute)
	if err != nil || b == nil || len(b.Claims) < 2 {
		t.Fatalf("batch %+v, %v", b, err)
	}
	claims := b.Claims
	// The batch stays held: the copies must carry its lease.
	if err := db.RecordDeliveries(ctx, "may-1", []DeliveryResult{
		{EditionID: e.ID, SubscriberID: claims[0].SubscriberID, Status: DeliverySent, Until: now},
		{EditionID: e.ID, SubscriberID: claims[1].SubscriberID, Status: DeliveryQueued, Attempted: true,
			NextAt: now.Add(time.Hour), Error: "451 Hộp thư tạm thời đầy"},
	}, nil, 3); err != nil {
		t.Fatal(err)
	}
	if err := db.SetLastTick(ctx, CadenceDaily, now); err != nil {
		t.Fatal(err)
	}
	if err := db.SkipThrough(ctx, CadenceWeekly, now.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.PauseDelivery(ctx); err != nil {
		t.Fatal(err)
	}

	if ok, err := db.TakeRate(ctx, "subscribe-ip", "ip:4c1d", 5, time.Hour); err != nil || !ok {
		t.Fatalf("take rate = %v, %v", ok, err)
	}
	if i, err := db.ChargeLimits(ctx, now, []Charge{{Key: "rcpt-day:3f2a", N: 2, Limit: 10, Window: 24 * time.Hour},
		{Key: "ip-hour:77be", N: 1, Limit: 10, Window: time.Hour}}); err != nil || i != -1 {
		t.Fatalf("charge = %d, %v", i, err)
	}
	if err := db.Suppress(ctx, "email:ab01", now); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.UseToken(ctx, "nonce:cd02", now.Add(time.Hour)); err != nil || !ok {
		t.Fatalf("use token = %v, %v", ok, err)
	}
	for i, body := range []string{"Đề nghị phường lắp thêm đèn đường ở hẻm 12.", "Bài viết rất hữu ích, cảm ơn ban biên tập!"} {
		f := &Feedback{ArticleID: fx.articles[i], Name: names[i], Email: fx.emails[i], Phone: "0901 234 567",
			Body: body, Language: "vi", Verified: i == 0, IPHash: "net:5e", CreatedAt: now.Add(time.Duration(i) * time.Minute)}
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
		fx.feedback = append(fx.feedback, f.ID)
	}
	if err := db.SetFeedbackStatus(ctx, fx.feedback[0], FeedbackApproved, now); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkFeedbackNotified(ctx, fx.feedback[:1], now); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.ClaimFeedbackNotice(ctx, now, time.Hour); err != nil || !ok {
		t.Fatalf("claim notice = %v, %v", ok, err)
	}

	// The fixture must keep up with the schema, or a new table would be
	// copied empty and prove nothing.
	for _, table := range CopyTables() {
		if n, err := countRows(ctx, db.sql, table, ""); err != nil || n == 0 {
			t.Fatalf("fillEveryTable left %s empty (%v): write into it too", table, err)
		}
	}
	return fx
}

// dumpTables reads every table as normalized text, one sorted line per
// row, so that the same data compares equal whatever the dialect: SQLite's
// 1 and PostgreSQL's true are both "1".
func dumpTables(t *testing.T, db *DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	for _, table := range CopyTables() {
		cols, err := tableColumns(ctx, db.sql, db.dialect, table)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range cols {
			names = append(names, c.name)
		}
		slices.Sort(names) // the same order in every database
		rows, err := db.sql.QueryContext(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals := make([]any, len(names))
			ptrs := make([]any, len(names))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var line []string
			for i, v := range vals {
				line = append(line, names[i]+"="+normalizeValue(v))
			}
			out[table] = append(out[table], strings.Join(line, " "))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		slices.Sort(out[table])
	}
	return out
}

func normalizeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case string:
		return strconv.Quote(x)
	case []byte:
		return strconv.Quote(string(x))
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

func sameTables(t *testing.T, what string, want, got map[string][]string) {
	t.Helper()
	for _, table := range CopyTables() {
		if len(want[table]) == 0 {
			t.Fatalf("%s: the source's %s is empty", what, table)
		}
		if !slices.Equal(want[table], got[table]) {
			t.Errorf("%s: %s differs:\nwant %q\ngot  %q", what, table, want[table], got[table])
		}
	}
}

// readBack is what the store's read API says about the fixture.
type readBack struct {
	Articles     []*article.Article
	Latest       []*article.Article
	Newsletter   []*article.Article
	Categories   []CategoryCount
	Subscribers  []*Subscriber
	Consents     [][]Consent
	Edition      *Edition
	Counts       DeliveryCounts
	Queue        QueueState
	Tick, Weekly EditionTick
	Paused       time.Time
	Source       SourceState
	Secret       []byte
	Feedback     []*Feedback
	Hits         int
	Suppressed   map[string]bool
}

func readAll(t *testing.T, db *DB, fx copyFixture) readBack {
	t.Helper()
	ctx := context.Background()
	var r readBack
	var err error
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range fx.articles {
		a, err := db.Article(ctx, id)
		check(err)
		r.Articles = append(r.Articles, a)
	}
	r.Latest, err = db.LatestArticles(ctx, ArticleQuery{Limit: 50})
	check(err)
	r.Newsletter, err = db.NewsletterArticles(ctx, NewsletterQuery{Since: fx.now.Add(-48 * time.Hour), Until: fx.now, Limit: 50})
	check(err)
	r.Categories, err = db.Categories(ctx)
	check(err)
	for _, email := range fx.emails {
		s, err := db.SubscriberByEmail(ctx, email)
		check(err)
		cs, err := db.Consents(ctx, s.ID)
		check(err)
		r.Subscribers, r.Consents = append(r.Subscribers, s), append(r.Consents, cs)
	}
	r.Edition, err = db.EditionByID(ctx, fx.edition)
	check(err)
	r.Counts, err = db.EditionDeliveryCounts(ctx, fx.edition)
	check(err)
	r.Queue, err = db.EditionQueue(ctx, fx.edition, fx.now.Add(30*time.Minute))
	check(err)
	r.Tick, err = db.EditionTick(ctx, CadenceDaily)
	check(err)
	r.Weekly, err = db.EditionTick(ctx, CadenceWeekly)
	check(err)
	r.Paused, err = db.DeliveryPausedAt(ctx)
	check(err)
	r.Source, err = db.SourceState(ctx, fx.sourceURL)
	check(err)
	r.Secret, err = db.SecretKey(ctx, "token")
	check(err)
	r.Feedback, err = db.ListFeedback(ctx, FeedbackQuery{Limit: 50})
	check(err)
	r.Hits, err = db.LimitHits(ctx, fx.now, "rcpt-day:3f2a")
	check(err)
	r.Suppressed, err = db.Suppressed(ctx, []string{"email:ab01", "email:none"})
	check(err)
	return r
}

func sameReads(t *testing.T, what string, want, got readBack) {
	t.Helper()
	wv, gv := reflect.ValueOf(want), reflect.ValueOf(got)
	for i := range wv.NumField() {
		if !reflect.DeepEqual(wv.Field(i).Interface(), gv.Field(i).Interface()) {
			t.Errorf("%s: %s differs:\nwant %+v\ngot  %+v", what, wv.Type().Field(i).Name, wv.Field(i).Interface(), gv.Field(i).Interface())
		}
	}
	if len(want.Consents) == 0 || len(want.Consents[0]) < 2 || want.Counts.Total() == 0 || want.Paused.IsZero() || len(want.Secret) == 0 {
		t.Fatalf("%s: the fixture reads back too little to compare: %+v", what, want)
	}
}

func openSQLiteFile(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openPostgresUnmigrated(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestCopyRoundTrip copies a SQLite installation to PostgreSQL and from
// there to a second SQLite file: every row, and everything the store reads,
// must come out as it went in.
func TestCopyRoundTrip(t *testing.T) {
	ctx := context.Background()
	first, fx := openFilled(t)
	pg := openPostgresUnmigrated(t) // Copy migrates the target itself
	last := openSQLiteFile(t, filepath.Join(t.TempDir(), "last.db"))

	var calls, lastDone, lastTotal int
	// Small batches, so that tables span several of them and end with a
	// part-filled one.
	rep, err := Copy(ctx, first, pg, CopyOptions{BatchRows: 2, Progress: func(done, total int) {
		if done < lastDone {
			t.Errorf("progress went back from %d to %d", lastDone, done)
		}
		calls, lastDone, lastTotal = calls+1, done, total
	}})
	if err != nil {
		t.Fatalf("SQLite → PostgreSQL: %v", err)
	}
	if lastDone != rep.Rows() || lastTotal != rep.Rows() || calls < len(CopyTables()) {
		t.Errorf("progress ended at %d/%d after %d calls; copied %d", lastDone, lastTotal, calls, rep.Rows())
	}
	if names := tableNames(rep); !slices.Equal(names, CopyTables()) {
		t.Errorf("report tables %v, want %v", names, CopyTables())
	}
	for _, tc := range rep.Tables {
		if tc.Source == 0 || tc.Source != tc.Target {
			t.Errorf("report %+v", tc)
		}
	}
	if _, err := Copy(ctx, pg, last, CopyOptions{}); err != nil {
		t.Fatalf("PostgreSQL → SQLite: %v", err)
	}

	want := dumpTables(t, first)
	sameTables(t, "PostgreSQL copy", want, dumpTables(t, pg))
	sameTables(t, "SQLite copy of the copy", want, dumpTables(t, last))
	wantReads := readAll(t, first, fx)
	sameReads(t, "PostgreSQL copy", wantReads, readAll(t, pg, fx))
	sameReads(t, "SQLite copy of the copy", wantReads, readAll(t, last, fx))
	for _, db := range []*DB{pg, last} {
		if counts, err := CompareCounts(ctx, first, db); err != nil || len(counts) != len(CopyTables()) {
			t.Errorf("CompareCounts after the copy = %v, %v", counts, err)
		}
	}

	// The copies work on: the queue hands out the same deliveries, a spent
	// token stays spent, and new rows get fresh ids (PostgreSQL's
	// sequences were moved past the copied ids).
	claimAt := fx.now.Add(2 * time.Hour)
	wantClaims, err := first.ClaimBatch(ctx, fx.edition, "may-2", claimAt, time.Minute)
	if err != nil || wantClaims == nil || len(wantClaims.Claims) == 0 {
		t.Fatalf("claims on the source: %v, %v", wantClaims, err)
	}
	for name, db := range map[string]*DB{"PostgreSQL": pg, "SQLite": last} {
		got, err := db.ClaimBatch(ctx, fx.edition, "may-2", claimAt, time.Minute)
		if err != nil || !reflect.DeepEqual(queuePart(got), queuePart(wantClaims)) {
			t.Errorf("%s: claims %v, %v; want %v", name, got, err, wantClaims)
		}
		if ok, err := db.UseToken(ctx, "nonce:cd02", fx.now.Add(time.Hour)); err != nil || ok {
			t.Errorf("%s: a spent token could be used again (%v, %v)", name, ok, err)
		}
		sub, created, err := db.CreateSubscriber(ctx, &Subscriber{Email: "moi@phuong7.example.vn", Name: "Bùi Gia Hân",
			Status: StatusPending, Cadence: CadenceWeekly, SendHour: -1}, Consent{Action: ConsentSubscribe})
		if err != nil || !created || sub.ID != wantReads.Subscribers[len(fx.emails)-1].ID+1 {
			t.Errorf("%s: new subscriber %+v, %v, %v; want the id after the last copied", name, sub, created, err)
		}
		f := &Feedback{ArticleID: fx.articles[0], Name: "Bùi Gia Hân", Email: "moi@phuong7.example.vn", Body: "Cảm ơn!", CreatedAt: fx.now}
		if err := db.AddFeedback(ctx, f); err != nil || f.ID <= fx.feedback[len(fx.feedback)-1] {
			t.Errorf("%s: new feedback id %d, %v", name, f.ID, err)
		}
		e := &Edition{Cadence: CadenceWeekly, Since: fx.now, Until: fx.now.Add(7 * 24 * time.Hour)}
		if err := db.CreateEdition(ctx, e); err != nil || e.ID <= fx.edition {
			t.Errorf("%s: new edition id %d, %v", name, e.ID, err)
		}
	}
}

func tableNames(r CopyReport) []string {
	var out []string
	for _, tc := range r.Tables {
		out = append(out, tc.Table)
	}
	return out
}

// TestCopyRefusesATargetWithRows: a copy goes into an empty database, and
// the error names what is in the way. The row the migrations insert
// (feedback_notify) does not count, unless it was used since.
func TestCopyRefusesATargetWithRows(t *testing.T) {
	ctx := context.Background()
	src, _ := openFilled(t)

	dst := openTestDB(t)
	if _, _, err := dst.CreateSubscriber(ctx, &Subscriber{Email: "hoa@phuong7.example.vn", Name: "Nguyễn Thị Hoà",
		Status: StatusActive, Cadence: CadenceDaily, SendHour: -1}, Consent{Action: ConsentAdd}); err != nil {
		t.Fatal(err)
	}
	_, err := Copy(ctx, src, dst, CopyOptions{})
	if err == nil || !strings.Contains(err.Error(), "table subscribers (1 row)") || !strings.Contains(err.Error(), "table consents (1 row)") {
		t.Fatalf("copy into a target with a subscriber: %v", err)
	}
	if n, _ := countRows(ctx, dst.sql, "articles", ""); n != 0 {
		t.Fatalf("a refused copy wrote %d articles", n)
	}

	used := openTestDB(t)
	if ok, err := used.ClaimFeedbackNotice(ctx, time.Now(), time.Hour); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, err := Copy(ctx, src, used, CopyOptions{}); err == nil || !strings.Contains(err.Error(), "table feedback_notify") {
		t.Fatalf("copy into a target whose feedback notice was used: %v", err)
	}

	if _, err := Copy(ctx, src, src, CopyOptions{}); err == nil || !strings.Contains(err.Error(), "same database") {
		t.Fatalf("copy onto itself: %v", err)
	}
}

// TestCopyRowCountCheck: CompareCounts names each table whose counts
// differ, with both counts.
func TestCopyRowCountCheck(t *testing.T) {
	ctx := context.Background()
	src, fx := openFilled(t)
	dst := openTestDB(t)
	if _, err := Copy(ctx, src, dst, CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	// Someone erases a subscriber in the copy: their row and consents go.
	s, err := dst.SubscriberByEmail(ctx, fx.emails[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := dst.EraseSubscriber(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	counts, err := CompareCounts(ctx, src, dst)
	if err == nil {
		t.Fatal("CompareCounts found no difference after an erasure")
	}
	for _, want := range []string{"subscribers: 7 in the source, 6 in the target", "consents: 14 in the source, 12 in the target"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "articles") {
		t.Errorf("error names a table whose counts agree: %v", err)
	}
	if len(counts) != len(CopyTables()) || counts[3] != (TableCount{Table: "subscribers", From: 7, To: 6}) {
		t.Errorf("counts %+v", counts)
	}
}

// TestCopyRefusesAnUnmigratedSource: the source is only read; one that is
// behind is refused, and is not written to in the process.
func TestCopyRefusesAnUnmigratedSource(t *testing.T) {
	ctx := context.Background()
	src := openSQLiteFile(t, filepath.Join(t.TempDir(), "cu.db"))
	_, err := Copy(ctx, src, openTestDB(t), CopyOptions{})
	if !errors.Is(err, ErrSourceBehind) || !strings.Contains(err.Error(), "schema version 0") {
		t.Fatalf("copy from an unmigrated source: %v", err)
	}
	if tables, err := listTables(ctx, src.sql, src.dialect); err != nil || len(tables) != 0 {
		t.Fatalf("the refused source now holds %v (%v)", tables, err)
	}
}

// TestCopyRefusesAnUnknownTable: a table the copier does not know stops
// the copy, so that a new migration's table cannot be left behind.
func TestCopyRefusesAnUnknownTable(t *testing.T) {
	ctx := context.Background()
	src := openTestDB(t)
	if _, err := src.sql.ExecContext(ctx, "CREATE TABLE polls (id INTEGER PRIMARY KEY, question TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	_, err := Copy(ctx, src, openTestDB(t), CopyOptions{})
	if err == nil || !strings.Contains(err.Error(), "table polls") {
		t.Fatalf("copy of a source with an unknown table: %v", err)
	}
}

// TestCopyTablesMatchTheMigrations: the copier's list is exactly what the
// migrations of each dialect create.
func TestCopyTablesMatchTheMigrations(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		db := open(t)
		have, err := listTables(context.Background(), db.sql, db.dialect)
		if err != nil {
			t.Fatal(err)
		}
		want := append(CopyTables(), bookkeepingTables...)
		slices.Sort(want)
		if !slices.Equal(have, want) {
			t.Fatalf("tables %v, copier knows %v", have, want)
		}
	})
}

// TestCopyFailureNamesTheRowAndCommitsNothing: a row the target refuses
// stops the copy with the table and the row's key, and leaves the target
// empty, so that the same copy runs again once the row is fixed.
func TestCopyFailureNamesTheRowAndCommitsNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		src, _ := openFilled(t)
		// A consent whose subscriber is gone, as a database once written
		// without foreign keys enforced could hold: the target refuses it.
		conn, err := src.sql.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"PRAGMA foreign_keys = OFF",
			"INSERT INTO consents (id, subscriber_id, action, at) VALUES (100, 999, 'subscribe', 1)",
			"PRAGMA foreign_keys = ON"} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		conn.Close()

		dst := open(t)
		_, err = Copy(ctx, src, dst, CopyOptions{BatchRows: 4})
		if err == nil || !strings.Contains(err.Error(), "copy consents: row (id=100)") {
			t.Fatalf("copy of an orphan consent: %v", err)
		}
		for _, table := range CopyTables() {
			if n, err := countRows(ctx, dst.sql, table, ""); err != nil || (n != 0 && table != "feedback_notify") {
				t.Errorf("after the failed copy the target's %s holds %d rows (%v)", table, n, err)
			}
		}

		if _, err := src.sql.ExecContext(ctx, "DELETE FROM consents WHERE id = 100"); err != nil {
			t.Fatal(err)
		}
		if _, err := Copy(ctx, src, dst, CopyOptions{BatchRows: 4}); err != nil {
			t.Fatalf("second copy into the same target: %v", err)
		}
		sameTables(t, "copy after a failed one", dumpTables(t, src), dumpTables(t, dst))
	})
}

// TestCopyRefusesTextPostgreSQLCannotHold names the row and column of a NUL
// character, which SQLite keeps and PostgreSQL refuses.
func TestCopyRefusesTextPostgreSQLCannotHold(t *testing.T) {
	ctx := context.Background()
	src := openTestDB(t)
	a := sampleArticle("thoi-su/loi.txt", time.Now())
	a.BodyHTML = "<p>Dòng có ký tự \x00 lạ</p>"
	if _, err := src.SaveArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	_, err := Copy(ctx, src, openPostgresUnmigrated(t), CopyOptions{})
	if err == nil || !strings.Contains(err.Error(), `copy articles: row (id="id-thoi-su-loi.txt"): column body_html holds a NUL`) {
		t.Fatalf("copy of a NUL character to PostgreSQL: %v", err)
	}
}

// BenchmarkCopyToPostgres copies an installation with 100,000 subscribers
// (and as many consents) and an edition queued for all of them (100,000
// deliveries) from SQLite to PostgreSQL, and reports rows per second
// overall and for the deliveries table alone.
func BenchmarkCopyToPostgres(b *testing.B) {
	ctx := context.Background()
	src, err := Open(ctx, "sqlite://"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	const n, chunk = 100000, 10000
	for i := 0; i < n; i += chunk {
		subs := make([]*Subscriber, chunk)
		cs := make([]Consent, chunk)
		for j := range subs {
			subs[j] = &Subscriber{Email: fmt.Sprintf("ban-doc-%d@phuong7.example.vn", i+j), Name: "Nguyễn Thị Hoà",
				Status: StatusActive, Cadence: CadenceDaily, Categories: []string{"thoi-su"}, SendHour: -1}
			cs[j] = Consent{Action: ConsentImport, Detail: "nhập từ listmonk"}
		}
		if _, err := src.ImportSubscribers(ctx, subs, cs); err != nil {
			b.Fatal(err)
		}
	}
	e := &Edition{Cadence: CadenceDaily, Since: time.Now().Add(-24 * time.Hour), Until: time.Now(), Subject: "Bản tin sáng"}
	if err := src.CreateEdition(ctx, e); err != nil {
		b.Fatal(err)
	}
	for done := false; !done; {
		if _, done, err = src.PlanDeliveries(ctx, e, chunk); err != nil {
			b.Fatal(err)
		}
	}

	var rows, deliveries int
	var total, deliveriesTime time.Duration
	for b.Loop() {
		b.StopTimer()
		dst, err := Open(ctx, pgtest.URL(b))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := Copy(ctx, src, dst, CopyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		dst.Close()
		rows += rep.Rows()
		total += rep.Duration
		for _, tc := range rep.Tables {
			if tc.Table == "deliveries" {
				deliveries += tc.Target
				deliveriesTime += tc.Duration
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)/total.Seconds(), "rows/s")
	b.ReportMetric(float64(deliveries)/deliveriesTime.Seconds(), "deliveries/s")
}

// queuePart is b without the recipients a claim reads on PostgreSQL and
// not on SQLite: what the queue hands out.
func queuePart(b *Batch) *Batch {
	if b == nil {
		return nil
	}
	q := *b
	q.RecipientsRead, q.Claims = false, nil
	for _, c := range b.Claims {
		c.Subscriber = nil
		q.Claims = append(q.Claims, c)
	}
	return &q
}
