package newsletter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bantin/bantin/store"
)

// readAll reads a CSV text into its rows and row errors.
func readAll(t *testing.T, text string) ([]CSVRow, []*CSVError, error) {
	t.Helper()
	var rows []CSVRow
	var errs []*CSVError
	err := ReadSubscribersCSV(strings.NewReader(text), func(r CSVRow, err error) error {
		if err != nil {
			var ce *CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("row error %v is not a *CSVError", err)
			}
			errs = append(errs, ce)
			return nil
		}
		rows = append(rows, r)
		return nil
	})
	return rows, errs, err
}

func TestReadSubscribersCSV(t *testing.T) {
	tests := []struct {
		name string
		text string
		rows []string // email|name|status|cadence|categories|line
		errs []string // "line N: substring"
	}{
		{
			name: "listmonk export",
			text: "uuid,email,name,attributes,status,created_at,updated_at\n" +
				`8f1e,an@example.vn,Nguyễn An,"{""cadence"": ""weekly"", ""categories"": [""the-thao""]}",enabled,2024-01-01,2024-01-02` + "\n" +
				"9a2b,binh@example.vn,Bình,{},blocklisted,2024-01-01,2024-01-02\n",
			rows: []string{"an@example.vn|Nguyễn An|active|weekly|the-thao|2", "binh@example.vn|Bình|unsubscribed|||3"},
		},
		{
			name: "listmonk import format",
			text: "email,name,attributes\nChi@Example.VN,Chi,\"{\"\"city\"\": \"\"Huế\"\"}\"\n",
			rows: []string{"chi@example.vn|Chi|active|||2"},
		},
		{
			name: "mailchimp subscribed export",
			text: "\ufeffEmail Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,TAGS\n" +
				"dung@example.vn,Văn Dũng,Trần,2,2023-05-01 08:00:00,,2023-05-01 08:05:00,198.51.100.4,\"a,b\"\n",
			rows: []string{"dung@example.vn|Trần Văn Dũng|active|||2"},
		},
		{
			name: "mailchimp unsubscribed and cleaned exports",
			text: "Email Address,First Name,Last Name,UNSUB_TIME,CLEAN_TIME\n" +
				"e@example.vn,E,,2024-02-02 10:00:00,\n" +
				"f@example.vn,F,,,2024-03-03 11:00:00\n",
			rows: []string{"e@example.vn|E|unsubscribed|||2", "f@example.vn|F|bounced|||3"},
		},
		{
			name: "semicolons and a bad row in the middle",
			text: "email;name\ng@example.vn;G\nkhông-phải-email;H\nh@example.vn;'=cmd\n",
			rows: []string{"g@example.vn|G|active|||2", "h@example.vn|=cmd|active|||4"},
			errs: []string{"line 3: address"},
		},
		{
			name: "broken quoting is one bad row",
			text: "email,name\ni@example.vn,\"I\" x\nj@example.vn,J\n",
			rows: []string{"j@example.vn|J|active|||3"},
			errs: []string{"line 2: "},
		},
		{
			name: "unknown status, too many fields, bad attributes",
			text: "email,status,attributes\nk@example.vn,vip,\nl@example.vn,enabled,,extra\nm@example.vn,enabled,[1]\nn@example.vn,,\n",
			rows: []string{"n@example.vn||active|||5"},
			errs: []string{"line 2: unknown status", "line 3: 4 fields", "line 4: attributes"},
		},
		{
			name: "our own export",
			text: "email,name,status,cadence,categories,send_hour,language,created_at,confirmed_at\n" +
				"o@example.vn,O,paused,instant,kinh-te thoi-su,7,en,2026-01-01T00:00:00Z,\n",
			rows: []string{"o@example.vn|O|paused|instant|kinh-te,thoi-su|2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, errs, err := readAll(t, tt.text)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, fmt.Sprintf("%s|%s|%s|%s|%s|%d", r.Email, r.Name, r.Status, r.Cadence, strings.Join(r.Categories, ","), r.Line))
			}
			if strings.Join(got, "\n") != strings.Join(tt.rows, "\n") {
				t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.rows, "\n"))
			}
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors %v, want %v", errs, tt.errs)
			}
			for i, e := range errs {
				if !strings.Contains(e.Error(), tt.errs[i]) {
					t.Errorf("error %q, want it to contain %q", e.Error(), tt.errs[i])
				}
			}
		})
	}
}

func TestReadSubscribersCSVFileErrors(t *testing.T) {
	for name, text := range map[string]string{
		"empty":           "",
		"no email column": "name,status\nAn,enabled\n",
	} {
		if _, _, err := readAll(t, text); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestImportCSV(t *testing.T) {
	ctx := context.Background()
	e := newSubEnv(t)
	// Someone who left stays gone, whatever the file says.
	if _, _, err := e.db.CreateSubscriber(ctx, &store.Subscriber{Email: "di@example.vn", Status: store.StatusUnsubscribed,
		Cadence: CadenceDaily, SendHour: -1}, store.Consent{Action: store.ConsentUnsubscribe}); err != nil {
		t.Fatal(err)
	}
	file := "email,name,status\n" +
		"a@example.vn,A,enabled\n" +
		"sai địa chỉ,B,enabled\n" +
		"A@EXAMPLE.VN,A again,enabled\n" +
		"di@example.vn,Di,enabled\n" +
		"c@example.vn,C,blocklisted\n"
	var progress []string
	sum, err := e.subs.ImportCSV(ctx, strings.NewReader(file), ImportOptions{Source: "list.csv",
		Progress: func(done, total int) { progress = append(progress, fmt.Sprintf("%d/%d", done, total)) }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 5 || sum.Created != 2 || sum.Existing != 1 || len(sum.Failed) != 2 || sum.Confirmations != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if sum.Failed[0].Line != 3 || sum.Failed[1].Line != 4 || !strings.Contains(sum.Failed[1].Error(), "same address as line 2") {
		t.Errorf("failures %v", sum.Failed)
	}
	// Progress is in bytes: after each row, the end of its line.
	var want []string
	for i, c := range file {
		if c == '\n' && i > strings.IndexByte(file, '\n') {
			want = append(want, fmt.Sprintf("%d/%d", i+1, len(file)))
		}
	}
	if got := strings.Join(progress, " "); got != strings.Join(want, " ") {
		t.Errorf("progress %s, want %s", got, strings.Join(want, " "))
	}
	a, _ := e.db.SubscriberByEmail(ctx, "a@example.vn")
	if a.Status != store.StatusPending {
		t.Errorf("imported without --confirmed: %s, want pending", a.Status)
	}
	if di, _ := e.db.SubscriberByEmail(ctx, "di@example.vn"); di.Status != store.StatusUnsubscribed {
		t.Errorf("import resubscribed someone who left: %s", di.Status)
	}
	if n := len(e.mails(t)); n != 0 {
		t.Errorf("%d mails sent by an import without SendConfirmations", n)
	}
	cs, _ := e.db.Consents(ctx, a.ID)
	if len(cs) != 1 || cs[0].Action != store.ConsentImport || !strings.Contains(cs[0].Detail, "file=list.csv line=2") {
		t.Errorf("import consent %+v", cs)
	}

	// --confirmed makes them active; --send-confirmations mails the pending.
	sum, err = e.subs.ImportCSV(ctx, strings.NewReader("email\nd@example.vn\n"), ImportOptions{Confirmed: true})
	if err != nil || sum.Created != 1 {
		t.Fatalf("confirmed import %+v, %v", sum, err)
	}
	if d, _ := e.db.SubscriberByEmail(ctx, "d@example.vn"); d.Status != store.StatusActive || d.ConfirmedAt.IsZero() {
		t.Errorf("--confirmed row %+v", d)
	}
	sum, err = e.subs.ImportCSV(ctx, strings.NewReader("email\nf@example.vn\n"), ImportOptions{SendConfirmations: true})
	if err != nil || sum.Confirmations != 1 || len(e.mailsTo(t, "f@example.vn")) != 1 {
		t.Fatalf("import with confirmations %+v, %v", sum, err)
	}
}

// seekCounter is a file in memory that counts the bytes read from it and
// the seeks back to its start.
type seekCounter struct {
	*strings.Reader
	read, rewinds int
}

func (c *seekCounter) Read(p []byte) (int, error) {
	n, err := c.Reader.Read(p)
	c.read += n
	return n, err
}

func (c *seekCounter) Seek(off int64, whence int) (int64, error) {
	pos, err := c.Reader.Seek(off, whence)
	if pos == 0 && c.read > 0 {
		c.rewinds++
	}
	return pos, err
}

// TestImportCSVReadsOnce: a file of many buffers is read once, its
// progress counted in bytes up to its size, with the lines of bad rows
// still right; a file that cannot seek imports too, of an unknown size.
func TestImportCSVReadsOnce(t *testing.T) {
	ctx := context.Background()
	e := newSubEnv(t)
	var b strings.Builder
	b.WriteString("email,name\n")
	const rows = 400
	for i := range rows {
		if i%100 == 50 {
			fmt.Fprintf(&b, "sai-%d,Hàng hỏng\n", i)
			continue
		}
		fmt.Fprintf(&b, "nguoi%03d@example.vn,Người đọc số %d\n", i, i)
	}
	file := b.String()
	if len(file) < 3*4096 {
		t.Fatalf("the file is %d bytes: want several buffers", len(file))
	}
	type step struct{ done, total int }
	var steps []step
	r := &seekCounter{Reader: strings.NewReader(file)}
	sum, err := e.subs.ImportCSV(ctx, r, ImportOptions{Progress: func(done, total int) { steps = append(steps, step{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	if r.read != len(file) || r.rewinds != 0 {
		t.Errorf("read %d bytes of %d, rewound %d times: want one pass", r.read, len(file), r.rewinds)
	}
	if sum.Rows != rows || sum.Created != rows-4 || len(sum.Failed) != 4 {
		t.Fatalf("summary %+v", sum)
	}
	for i, f := range sum.Failed {
		if want := 100*i + 50 + 2; f.Line != want {
			t.Errorf("failure %d on line %d, want %d", i, f.Line, want)
		}
	}
	if len(steps) != rows {
		t.Fatalf("%d progress steps for %d rows", len(steps), rows)
	}
	for i, s := range steps {
		if s.total != len(file) || s.done > s.total || i > 0 && s.done <= steps[i-1].done {
			t.Fatalf("progress step %d: %d/%d after %v", i, s.done, s.total, steps[max(i-1, 0)])
		}
	}
	if last := steps[len(steps)-1]; last.done != len(file) {
		t.Errorf("progress ends at %d/%d", last.done, last.total)
	}

	// Not a Seeker: a second pass could not happen.
	steps = nil
	small := "email\nmoi@example.vn\n"
	sum, err = e.subs.ImportCSV(ctx, struct{ io.Reader }{strings.NewReader(small)},
		ImportOptions{Progress: func(done, total int) { steps = append(steps, step{done, total}) }})
	if err != nil || sum.Created != 1 {
		t.Fatalf("import from a reader that cannot seek: %+v, %v", sum, err)
	}
	if len(steps) != 1 || steps[0] != (step{len(small), 0}) {
		t.Errorf("progress of a file of unknown size: %v", steps)
	}
}

func TestExportCSVRoundTrip(t *testing.T) {
	ctx := context.Background()
	e := newSubEnv(t)
	file := "email,name,status,cadence,categories,send_hour,language\n" +
		"a@example.vn,\"=HYPERLINK(\"\"x\"\")\",enabled,weekly,kinh-te,6,en\n" +
		"b@example.vn,\"Bình, Trần\",unsubscribed,daily,,-1,vi\n"
	if _, err := e.subs.ImportCSV(ctx, strings.NewReader(file), ImportOptions{Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	n, err := e.subs.ExportCSV(ctx, &out, "")
	if err != nil || n != 2 {
		t.Fatalf("export = %d, %v", n, err)
	}
	if strings.Contains(out.String(), "\n=HYPERLINK") || strings.Contains(out.String(), ",=HYPERLINK") {
		t.Errorf("a formula reached the export unescaped:\n%s", out.String())
	}
	rows, errs, err := readAll(t, out.String())
	if err != nil || len(errs) != 0 || len(rows) != 2 {
		t.Fatalf("reading the export back: %v %v %v", rows, errs, err)
	}
	if r := rows[0]; r.Name != `=HYPERLINK("x")` || r.Status != store.StatusActive || r.Cadence != "weekly" || r.SendHour != 6 || r.Language != "en" {
		t.Errorf("row 1 back = %+v", r)
	}
	if r := rows[1]; r.Name != "Bình, Trần" || r.Status != store.StatusUnsubscribed {
		t.Errorf("row 2 back = %+v", r)
	}
	out.Reset()
	if n, _ := e.subs.ExportCSV(ctx, &out, store.StatusUnsubscribed); n != 1 {
		t.Errorf("export of unsubscribed = %d rows", n)
	}
}

func FuzzReadSubscribersCSV(f *testing.F) {
	f.Add("email,name\nan@example.vn,An\n")
	f.Add("\ufeffEmail Address;First Name;Last Name\nb@ví-dụ.vn;B;C\n")
	f.Add("email,attributes,status\nc@example.vn,\"{\"\"cadence\"\":1}\",enabled\n")
	f.Add("email\n\"unterminated\n")
	f.Add("email,name\na@b.vn,\"x\"y\n\"\n")
	f.Fuzz(func(t *testing.T, text string) {
		lastLine := 0
		err := ReadSubscribersCSV(strings.NewReader(text), func(r CSVRow, err error) error {
			line := r.Line
			var ce *CSVError
			if err != nil {
				if !errors.As(err, &ce) {
					t.Fatalf("row error %T %v", err, err)
				}
				line = ce.Line
			} else {
				if got, err := NormalizeEmail(r.Email); err != nil || got != r.Email {
					t.Fatalf("row address %q is not normalized", r.Email)
				}
				if !utf8.ValidString(r.Name) && utf8.ValidString(text) {
					t.Fatalf("name %q is not UTF-8", r.Name)
				}
			}
			if line < 2 || line < lastLine {
				t.Fatalf("line %d after %d", line, lastLine)
			}
			lastLine = line
			return nil
		})
		_ = err // a file-level error is a fine answer to garbage
	})
}
