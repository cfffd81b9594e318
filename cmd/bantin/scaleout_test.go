package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/bantin/bantin/config"
	"github.com/bantin/bantin/internal/pgtest"
	"github.com/bantin/bantin/store"
)

// binDir holds the binary buildBantin builds; TestMain removes it.
var binDir = filepath.Join(os.TempDir(), fmt.Sprintf("bantin-test-bin-%d", os.Getpid()))

// buildBantin builds the bantin binary once per test run, for tests that
// need real processes: ones that can be killed with SIGKILL.
var buildBantin = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "bantin")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	_ = os.RemoveAll(binDir)
	os.Exit(code)
}

// heloSink is a real SMTP server (go-smtp) on loopback that records, for
// every message it accepts, the recipient and the HELO name of the
// connection, which tells which instance sent it.
type heloSink struct {
	port int
	mu   sync.Mutex
	got  map[string][]string // recipient → HELO names, in order of arrival
	n    int
}

func newHeloSink(t *testing.T) *heloSink {
	s := &heloSink{got: map[string][]string{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &heloSession{s: s, conn: c}, nil
	}))
	srv.Domain = "mx.test"
	srv.MaxMessageBytes = 1 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *heloSink) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *heloSink) recipients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

type heloSession struct {
	s    *heloSink
	conn *smtp.Conn
	to   []string
}

func (h *heloSession) Mail(string, *smtp.MailOptions) error { return nil }
func (h *heloSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	h.to = append(h.to, to)
	return nil
}
func (h *heloSession) Reset()        { h.to = nil }
func (h *heloSession) Logout() error { return nil }
func (h *heloSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	helo := h.conn.Hostname()
	h.s.mu.Lock()
	for _, to := range h.to {
		h.s.got[to] = append(h.s.got[to], helo)
		h.s.n++
	}
	h.s.mu.Unlock()
	return nil
}

// instance is one bantin serve process.
type instance struct {
	name string
	cmd  *exec.Cmd
	logs *os.File
	done chan error
}

func startInstance(t *testing.T, bin, name string, env []string) *instance {
	t.Helper()
	logs, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(env, "BANTIN_MAIL_SMTP_HELO="+name+".test", "BANTIN_HTTP_ADDR=127.0.0.1:0")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in := &instance{name: name, cmd: cmd, logs: logs, done: make(chan error, 1)}
	go func() { in.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-in.done
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			t.Logf("%s's log:\n%s", name, b)
		}
	})
	return in
}

// stop sends SIGTERM and waits for a clean exit.
func (in *instance) stop(t *testing.T) {
	t.Helper()
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-in.done:
		if err != nil {
			t.Errorf("%s exited with %v after SIGTERM", in.name, err)
		}
		in.done <- err // for the cleanup
	case <-time.After(60 * time.Second):
		t.Errorf("%s did not stop within 60 s of SIGTERM", in.name)
	}
}

// TestThreeInstancesOneEdition runs three bantin serve processes on one
// PostgreSQL database and an edition to 10,000 subscribers, and kills one
// of them with SIGKILL midway. Every subscriber must get the digest; the
// only ones who may get it twice are those the killed instance had sent to
// without recording it, which delivery.max_unrecorded bounds.
func TestThreeInstancesOneEdition(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes and sends 10,000 messages; skipped with -short")
	}
	pgURL := pgtest.URL(t)
	bin, err := buildBantin()
	if err != nil {
		t.Fatal(err)
	}
	const subscribers = 10000
	const maxUnrecorded = 40
	sink := newHeloSink(t)
	dir := t.TempDir()
	articles := filepath.Join(dir, "articles")
	writeScaleoutArticles(t, articles)
	env := []string{
		"BANTIN_DATABASE_URL=" + pgURL,
		"BANTIN_ARTICLES_DIR=" + articles,
		"BANTIN_SITE_URL=https://tinnhanh.vn",
		"BANTIN_MAIL_FROM=Tin Nhanh <no-reply@tinnhanh.vn>",
		"BANTIN_MAIL_TRANSPORT=smtp",
		"BANTIN_MAIL_SMTP_HOST=127.0.0.1",
		"BANTIN_MAIL_SMTP_PORT=" + strconv.Itoa(sink.port),
		"BANTIN_MAIL_SMTP_TLS=none",
		"BANTIN_MAIL_SMTP_CONNECTIONS=2",
		"BANTIN_DELIVERY_WORKERS=4",
		"BANTIN_DELIVERY_BATCH_SIZE=20",
		"BANTIN_DELIVERY_RECORD_EVERY=10",
		"BANTIN_DELIVERY_MAX_UNRECORDED=" + strconv.Itoa(maxUnrecorded),
		"BANTIN_DELIVERY_LEASE=3s",
		"BANTIN_LOG_LEVEL=info",
		"HOME=" + dir,
	}
	ctx := context.Background()
	if code, _, stderr := runCmd(t, ctx, env, "import", articles); code != 0 {
		t.Fatalf("import: exit %d\n%s", code, stderr)
	}
	csvPath := filepath.Join(dir, "subscribers.csv")
	var csv strings.Builder
	csv.WriteString("email,name\n")
	for i := range subscribers {
		fmt.Fprintf(&csv, "doc-gia-%05d@example.com,Độc giả %d\n", i, i)
	}
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(t, ctx, env, "subscribers", "import", csvPath, "--confirmed", "--cadence", "daily"); code != 0 {
		t.Fatalf("subscribers import: exit %d\n%s", code, stderr)
	}
	edition := planDaily(t, env)

	procs := []*instance{
		startInstance(t, bin, "i1", env),
		startInstance(t, bin, "i2", env),
		startInstance(t, bin, "i3", env),
	}
	waitFor(t, 120*time.Second, "3,000 messages before the kill", func() bool { return sink.total() >= 3000 })
	victim := procs[1]
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-victim.done
	victim.done <- nil
	killedAt := sink.total()
	t.Logf("killed %s after %d messages", victim.name, killedAt)
	if killedAt >= subscribers {
		t.Fatalf("the edition was sent (%d) before the kill: nothing was tested", killedAt)
	}

	waitFor(t, 180*time.Second, "every subscriber to get the edition", func() bool { return sink.recipients() >= subscribers })
	// The survivors mark the edition done once every delivery is
	// recorded; after that nothing more can be sent.
	db := openTestStore(t, pgURL)
	waitFor(t, 60*time.Second, "the edition to be done", func() bool {
		e, err := db.EditionByID(ctx, edition)
		return err == nil && e.Status == store.EditionDone
	})
	for _, in := range []*instance{procs[0], procs[2]} {
		in.stop(t)
	}

	sink.mu.Lock()
	defer sink.mu.Unlock()
	var twice, fromVictim int
	perInstance := map[string]int{}
	for i := range subscribers {
		to := fmt.Sprintf("doc-gia-%05d@example.com", i)
		helos := sink.got[to]
		switch {
		case len(helos) == 0:
			t.Errorf("%s got nothing", to)
		case len(helos) > 2:
			t.Errorf("%s got %d copies: %v", to, len(helos), helos)
		case len(helos) == 2:
			twice++
			if helos[0] != victim.name+".test" {
				t.Errorf("%s got two copies, the first from %s, not from the killed instance", to, helos[0])
			}
		}
		for _, h := range helos {
			perInstance[h]++
		}
		if len(helos) > 0 && helos[0] == victim.name+".test" {
			fromVictim++
		}
	}
	t.Logf("messages per instance %v; %d subscribers got two copies (bound: delivery.max_unrecorded = %d)", perInstance, twice, maxUnrecorded)
	if twice > maxUnrecorded {
		t.Errorf("%d duplicates, more than the %d messages that can be in flight unrecorded", twice, maxUnrecorded)
	}
	if len(sink.got) != subscribers {
		t.Errorf("%d recipients, want %d", len(sink.got), subscribers)
	}
	for _, in := range []string{"i1.test", "i3.test"} {
		if perInstance[in] == 0 {
			t.Errorf("%s sent nothing: the queue was not shared", in)
		}
	}
	if fromVictim == 0 {
		t.Error("the killed instance had sent nothing")
	}
}

// planDaily plans the daily edition now, as the leader's scheduler would,
// and returns its id.
func planDaily(t *testing.T, env []string) int64 {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load("", env)
	if err != nil {
		t.Fatal(err)
	}
	db := openTestStore(t, cfg.Database.URL)
	tpl, err := (&digestCmd{cfg: cfg}).templates()
	if err != nil {
		t.Fatal(err)
	}
	parts, err := newDigestParts(cfg, db, tpl, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	e, err := parts.planner.Plan(ctx, store.CadenceDaily, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("edition %d planned: %d recipients", e.ID, e.Recipients)
	return e.ID
}

func openTestStore(t *testing.T, url string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// waitFor polls cond until it holds, or fails the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writeScaleoutArticles writes three synthetic articles published within
// the last hours, so that a daily edition has something in it.
func writeScaleoutArticles(t *testing.T, dir string) {
	t.Helper()
	now := time.Now().In(time.FixedZone("ICT", 7*3600))
	items := []struct{ slug, cat, title, lead, body string }{
		{"khanh-thanh-cau-song-nhieu-loc", "Thời sự", "Khánh thành cầu bắc qua kênh Nhiêu Lộc",
			"Cây cầu mới dài 120 m giúp người dân hai bờ kênh đi lại thuận tiện hơn.",
			"Sáng nay, cầu được đưa vào sử dụng sau mười tháng thi công."},
		{"gia-ca-phe-tang-manh", "Kinh tế", "Giá cà phê tăng mạnh đầu vụ thu hoạch",
			"Giá cà phê nhân xô tại Tây Nguyên tăng thêm 3.000 đồng mỗi kg trong tuần.",
			"Nhiều nông hộ cho biết sẽ giữ hàng chờ giá tốt hơn."},
		{"le-hoi-den-long-hoi-an", "Văn hoá", "Lễ hội đèn lồng trở lại phố cổ",
			"Hàng nghìn chiếc đèn lồng được thắp sáng dọc bờ sông Hoài vào đêm rằm.",
			"Ban tổ chức dự kiến đón khoảng hai mươi nghìn lượt khách."},
	}
	for i, a := range items {
		doc := fmt.Sprintf("---\ntitle: %s\ndate: %s\ncategory: %s\nlead: %s\n---\n\n%s\n",
			a.title, now.Add(-time.Duration(i+1)*time.Hour).Format(time.RFC3339), a.cat, a.lead, a.body)
		path := filepath.Join(dir, a.slug+".md")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
