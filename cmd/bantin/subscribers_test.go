package main

import (
	"context"
	"encoding/csv"
	"github.com/bantin/bantin/internal/testutil"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/config"
)

// envValue returns the value of the first name=... in env.
func envValue(env []string, name string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// maildirCount returns how many messages the Maildir of env holds.
func maildirCount(t *testing.T, env []string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(envValue(env, "BANTIN_MAIL_MAILDIR"), "new"))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSubscribersAdd(t *testing.T) {
	ctx := context.Background()
	env := tempEnv(t)
	code, out, stderr := runCmd(t, ctx, env, "subscribers", "add", "Lan@Ví-Dụ.vn", "--name", "Nguyễn Lan", "--cadence", "weekly", "--categories", "thoi-su,van-hoa")
	if code != exitOK || !strings.Contains(out, "added lan@xn--v-d-rma6749a.vn (id 1): pending; confirmation sent") {
		t.Fatalf("add = %d %q %q", code, out, stderr)
	}
	if n := maildirCount(t, env); n != 1 {
		t.Fatalf("%d messages in the Maildir, want the confirmation", n)
	}
	code, _, stderr = runCmd(t, ctx, env, "subscribers", "add", "lan@xn--v-d-rma6749a.vn", "--confirmed")
	if code != exitOK {
		t.Fatalf("confirming a pending address = %d %q", code, stderr)
	}
	code, _, stderr = runCmd(t, ctx, env, "subscribers", "add", "LAN@ví-dụ.vn")
	if code != exitError || !strings.Contains(stderr, "already on the list (id 1, active); nothing changed") {
		t.Fatalf("adding again = %d %q", code, stderr)
	}
	code, out, _ = runCmd(t, ctx, env, "subscribers", "add", "--confirmed", "an@example.vn")
	if code != exitOK || !strings.Contains(out, "added an@example.vn (id 2): active") || maildirCount(t, env) != 1 {
		t.Fatalf("add --confirmed = %d %q, %d mails", code, out, maildirCount(t, env))
	}
	code, out, _ = runCmd(t, ctx, env, "subscribers", "list", "--status", "active")
	if code != exitOK || !strings.Contains(out, "lan@xn--v-d-rma6749a.vn") || !strings.Contains(out, "Nguyễn Lan") ||
		!strings.Contains(out, "weekly") || !strings.Contains(out, "thoi-su,van-hoa") || !strings.Contains(out, "2 shown; on the list: 0 pending, 2 active") {
		t.Fatalf("list = %d\n%s", code, out)
	}
}

func TestSubscribersUsageErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"subscribers"}, "Usage: bantin subscribers"},
		{[]string{"subscribers", "delete", "a@example.vn"}, `unknown action "delete"`},
		{[]string{"subscribers", "add"}, "want 1 argument(s), got 0"},
		{[]string{"subscribers", "list", "extra"}, "want 0 argument(s), got 1"},
		{[]string{"subscribers", "add", "a@example.vn", "--cadence", "hourly"}, "--cadence must be instant, daily or weekly"},
		{[]string{"subscribers", "list", "--status", "gone"}, "--status must be one of"},
		{[]string{"subscribers", "add", "a@example.vn", "--language", "fr"}, "--language must be vi or en"},
		{[]string{"subscribers", "add", "khong-phai-email"}, "email: not a valid email address"},
		{[]string{"subscribers", "add", "a@example.vn", "--categories", "Thời sự"}, `unknown category "Thời sự"`},
	}
	for _, tt := range tests {
		code, _, stderr := runCmd(t, ctx, tempEnv(t), tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v = %d, stderr %q; want %d and %q", tt.args, code, stderr, exitUsage, tt.want)
		}
	}
}

func TestSubscribersImportReportsBadRowsByLine(t *testing.T) {
	ctx := context.Background()
	env := tempEnv(t)
	listmonk := writeFile(t, "listmonk.csv", "uuid,email,name,attributes,status,created_at,updated_at\n"+
		"1,an@example.vn,An,{},enabled,2024-01-01,2024-01-01\n"+
		"2,không hợp lệ,Bình,{},enabled,2024-01-01,2024-01-01\n"+
		"3,chi@example.vn,Chi,{},blocklisted,2024-01-01,2024-01-01\n"+
		"4,AN@example.vn,An lần hai,{},enabled,2024-01-01,2024-01-01\n")
	code, out, stderr := runCmd(t, ctx, env, "subscribers", "import", listmonk)
	if code != exitError {
		t.Errorf("import with bad rows = %d, want %d", code, exitError)
	}
	for _, want := range []string{"4 rows", "2 imported, 0 already on the list, 2 failed", "listmonk.csv:line 3: address", "listmonk.csv:line 5: same address as line 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s\n%s", want, out, stderr)
		}
	}
	if n := maildirCount(t, env); n != 0 {
		t.Errorf("an import without --send-confirmations sent %d mails", n)
	}
	_, out, _ = runCmd(t, ctx, env, "subscribers", "list")
	if !strings.Contains(out, "1 pending, 0 active, 0 paused, 1 unsubscribed") {
		t.Errorf("after import:\n%s", out)
	}

	mailchimp := writeFile(t, "members.csv", "\ufeffEmail Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,CONFIRM_TIME,CONFIRM_IP\n"+
		"dung@example.vn,Văn Dũng,Trần,2,2023-05-01 08:00:00,2023-05-01 08:05:00,198.51.100.4\n"+
		"an@example.vn,An,,2,,,\n")
	code, out, _ = runCmd(t, ctx, env, "subscribers", "import", "--confirmed", mailchimp)
	if code != exitOK || !strings.Contains(out, "1 imported, 1 already on the list, 0 failed") {
		t.Fatalf("mailchimp import = %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, ctx, env, "subscribers", "list", "--status", "active")
	if code != exitOK || !strings.Contains(out, "Trần Văn Dũng") || strings.Contains(out, "an@example.vn") {
		t.Errorf("active after the Mailchimp import:\n%s", out)
	}

	sends := writeFile(t, "new.csv", "email\nem@example.vn\nanh@example.vn\n")
	code, out, _ = runCmd(t, ctx, env, "subscribers", "import", sends, "--send-confirmations")
	if code != exitOK || !strings.Contains(out, "2 confirmations sent") || maildirCount(t, env) != 2 {
		t.Errorf("--send-confirmations = %d %q, %d mails", code, out, maildirCount(t, env))
	}

	noEmail := writeFile(t, "bad.csv", "name,status\nAn,enabled\n")
	code, _, stderr = runCmd(t, ctx, env, "subscribers", "import", noEmail)
	if code != exitError || !strings.Contains(stderr, "no email column") {
		t.Errorf("file without an email column = %d %q", code, stderr)
	}
}

func TestSubscribersExport(t *testing.T) {
	ctx := context.Background()
	env := tempEnv(t)
	for _, args := range [][]string{
		{"subscribers", "add", "--confirmed", "--name", "=1+1", "an@example.vn"},
		{"subscribers", "add", "--confirmed", "binh@example.vn", "--cadence", "instant"},
	} {
		if code, _, stderr := runCmd(t, ctx, env, args...); code != exitOK {
			t.Fatalf("%v: %s", args, stderr)
		}
	}
	code, out, _ := runCmd(t, ctx, env, "subscribers", "export")
	if code != exitOK {
		t.Fatalf("export = %d", code)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 3 || strings.Join(recs[0], ",") != "email,name,status,cadence,categories,send_hour,language,created_at,confirmed_at" {
		t.Fatalf("export:\n%s\n%v", out, err)
	}
	if recs[1][0] != "an@example.vn" || recs[1][1] != "'=1+1" || recs[2][3] != "instant" || recs[2][2] != "active" {
		t.Errorf("rows %v", recs[1:])
	}
	file := filepath.Join(t.TempDir(), "list.csv")
	code, _, stderr := runCmd(t, ctx, env, "subscribers", "export", "--out", file, "--status", "active")
	if code != exitOK || !strings.Contains(stderr, "exported 2 subscribers to "+file) {
		t.Fatalf("export --out = %d %q", code, stderr)
	}
	info, err := os.Stat(file)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, %v; want 0600 (personal data)", info.Mode(), err)
	}
	// The export imports back into another database as it was.
	other := tempEnv(t)
	code, out, _ = runCmd(t, ctx, other, "subscribers", "import", "--confirmed", file)
	if code != exitOK || !strings.Contains(out, "2 imported") {
		t.Fatalf("re-import = %d\n%s", code, out)
	}
	_, out, _ = runCmd(t, ctx, other, "subscribers", "list")
	if !strings.Contains(out, "=1+1") || !strings.Contains(out, "instant") {
		t.Errorf("re-imported list:\n%s", out)
	}
}

func TestServeWiresTheSubscribePages(t *testing.T) {
	env := tempEnv(t, "BANTIN_HTTP_ADDR=127.0.0.1:0", "BANTIN_NEWSLETTER_MIN_FILL_TIME=0s", "BANTIN_SITE_CONTACT=toasoan@example.vn")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testutil.LockedBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, &stdout, &stderr, env) }()
	base := waitForURL(t, &stderr)

	page := mustGet(t, base+"subscribe")
	m := regexp.MustCompile(`name="ft" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "toasoan@example.vn") {
		t.Fatalf("GET /subscribe:\n%s", page)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(base+"subscribe", url.Values{"ft": {m[1]}, "email": {"doc-gia@example.vn"}, "cadence": {"daily"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /subscribe = %d", resp.StatusCode)
	}
	if n := maildirCount(t, env); n != 1 {
		t.Errorf("%d messages in the Maildir after subscribing, want the confirmation", n)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exited %d:\n%s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestTrustedProxies(t *testing.T) {
	cfg := config.Default()
	cfg.HTTP.TrustedProxies = []string{"10.1.2.3/8", "192.168.1.1", "::1"}
	var got []string
	for _, p := range trustedProxies(cfg) {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 192.168.1.1/32 ::1/128" {
		t.Errorf("trustedProxies = %v", got)
	}
}
