package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/net/idna"
)

const (
	viSubject = "Bản tin sáng Thứ Sáu, 10/7/2020: Giao ban thực hiện chương trình phát triển kinh tế – xã hội đến năm 2030 của Đảng bộ tỉnh"
	viText    = "Kính gửi anh Nguyễn Văn Ân,\n\nThời sự hôm nay:\n. Đường Trường Sơn — \"mở rộng\" = 100% xong.\nFrom now on: giá lúa thu đông tăng.   \n\tDòng có tab\r\nDòng cuối không xuống dòng "
	viHTML    = "<!doctype html><html lang=\"vi\"><body><h1>Bản tin</h1><p>Giao ban thực hiện chương trình — <a href=\"https://tin.example.vn/thoi-su/giao-ban?utm_source=digest&amp;x=1\">Đọc tiếp</a></p>\n<p>Ảnh: Mai Khôi\u00a0</p></body></html>\n"
)

// parsed is a received message taken apart the way a mail client would.
type parsed struct {
	msg     *mail.Message
	subject string
	text    string
	html    string
}

func parse(t *testing.T, data []byte) parsed {
	t.Helper()
	for i, line := range lines(data) {
		if len(line) > 998 {
			t.Errorf("line %d is %d bytes long", i+1, len(line))
		}
		for _, c := range line {
			if c >= 0x80 || c == '\r' || c == '\n' {
				t.Fatalf("line %d has a raw byte %#x: the message must be 7-bit", i+1, c)
			}
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ReadMessage: %v\n%s", err, data)
	}
	var p parsed
	p.msg = m
	dec := new(mime.WordDecoder)
	if p.subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatalf("Subject %q: %v", m.Header.Get("Subject"), err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	readPart := func(ct, cte string, r io.Reader) {
		if cte != "quoted-printable" {
			t.Errorf("Content-Transfer-Encoding %q", cte)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(r))
		if err != nil {
			t.Fatalf("quoted-printable: %v", err)
		}
		switch ct {
		case "text/plain; charset=UTF-8":
			p.text = string(body)
		case "text/html; charset=UTF-8":
			p.html = string(body)
		default:
			t.Errorf("part of type %q", ct)
		}
	}
	if mt == "multipart/alternative" {
		mr := multipart.NewReader(m.Body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			readPart(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part)
		}
	} else {
		readPart(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	}
	return p
}

// crlf is how text arrives: MIME's canonical line breaks.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func newMailer(t testing.TB, o Options) *Mailer {
	t.Helper()
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func bulkMessage(to string) *Message {
	return &Message{
		To:                []Address{{Name: "Nguyễn Văn Ân", Email: to}},
		Subject:           viSubject,
		Text:              viText,
		HTML:              viHTML,
		Bulk:              true,
		Unsubscribe:       "https://tin.example.vn/huy-dang-ky?t=4f2a9c",
		UnsubscribeMailto: "mailto:huy@tin.example.vn?subject=huy",
	}
}

func TestSendVietnamese(t *testing.T) {
	ts := newTestServer(t, nil)
	m := newMailer(t, ts.options(1))
	if err := m.Send(t.Context(), bulkMessage("an@example.com")); err != nil {
		t.Fatal(err)
	}
	got := ts.received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages", len(got))
	}
	if got[0].From != "no-reply@tin.example.vn" || len(got[0].To) != 1 || got[0].To[0] != "an@example.com" {
		t.Errorf("envelope from %q to %q", got[0].From, got[0].To)
	}
	p := parse(t, got[0].Data)
	if p.subject != viSubject {
		t.Errorf("Subject decodes to\n%q, want\n%q", p.subject, viSubject)
	}
	if p.text != crlf(viText) {
		t.Errorf("text part decodes to\n%q, want\n%q", p.text, crlf(viText))
	}
	if p.html != crlf(viHTML) {
		t.Errorf("HTML part decodes to\n%q, want\n%q", p.html, crlf(viHTML))
	}
	h := p.msg.Header
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Bản tin Thời sự" || from[0].Address != "no-reply@tin.example.vn" {
		t.Errorf("From = %v, %v", from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Nguyễn Văn Ân" || to[0].Address != "an@example.com" {
		t.Errorf("To = %v, %v", to, err)
	}
	if !regexp.MustCompile(`^<[0-9a-f]{32}@tin\.example\.vn>$`).MatchString(h.Get("Message-ID")) {
		t.Errorf("Message-ID = %q, want <random@tin.example.vn>", h.Get("Message-ID"))
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	listID, _ := new(mime.WordDecoder).DecodeHeader(h.Get("List-Id"))
	for _, c := range []struct{ key, got, want string }{
		{"List-Id", listID, "Bản tin <digest.tin.example.vn>"},
		{"List-Unsubscribe", h.Get("List-Unsubscribe"), "<https://tin.example.vn/huy-dang-ky?t=4f2a9c>, <mailto:huy@tin.example.vn?subject=huy>"},
		{"List-Unsubscribe-Post", h.Get("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click"},
		{"MIME-Version", h.Get("MIME-Version"), "1.0"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.key, c.got, c.want)
		}
	}
	if strings.Contains(string(got[0].Data), "Reply-To") {
		t.Error("Reply-To set without being asked for")
	}
}

func TestSendShare(t *testing.T) {
	ts := newTestServer(t, nil)
	m := newMailer(t, ts.options(1))
	err := m.Send(t.Context(), &Message{
		To:      []Address{{Email: "ban1@example.com"}, {Name: "Bạn \"hai\", Hà Nội", Email: "ban2@example.org"}},
		ReplyTo: Address{Name: "Trần Thị Bình", Email: "binh@example.net"},
		Subject: "Gửi cho bạn bè: Giá lúa thu đông tăng",
		Text:    "Bình gửi bạn bài này.",
		Headers: []Header{{"Feedback-ID", "share:bantin"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := ts.received()[0]
	if strings.Join(got.To, ",") != "ban1@example.com,ban2@example.org" {
		t.Errorf("RCPT TO %q", got.To)
	}
	p := parse(t, got.Data)
	h := p.msg.Header
	to, err := h.AddressList("To")
	if err != nil || len(to) != 2 || to[1].Name != `Bạn "hai", Hà Nội` {
		t.Errorf("To = %v, %v", to, err)
	}
	rt, err := h.AddressList("Reply-To")
	if err != nil || len(rt) != 1 || rt[0].Name != "Trần Thị Bình" || rt[0].Address != "binh@example.net" {
		t.Errorf("Reply-To = %v, %v", rt, err)
	}
	if h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "" {
		t.Error("a share message has List-* headers")
	}
	if h.Get("Feedback-ID") != "share:bantin" {
		t.Errorf("Feedback-ID = %q", h.Get("Feedback-ID"))
	}
	if p.text != "Bình gửi bạn bài này." || p.html != "" {
		t.Errorf("text %q, html %q", p.text, p.html)
	}
}

func TestSendIDNAndCase(t *testing.T) {
	ts := newTestServer(t, nil)
	m := newMailer(t, ts.options(1))
	err := m.Send(t.Context(), &Message{
		To:      []Address{{Email: "An.Nguyen@Ví-Dụ.VN"}, {Email: "Binh@EXAMPLE.COM"}},
		Subject: "Chào",
		Text:    "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	puny, err := idna.Lookup.ToASCII("ví-dụ.vn")
	if err != nil || !strings.HasPrefix(puny, "xn--") {
		t.Fatalf("idna: %q %v", puny, err)
	}
	got := ts.received()[0]
	want := []string{"An.Nguyen@" + puny, "Binh@example.com"}
	if strings.Join(got.To, " ") != strings.Join(want, " ") {
		t.Errorf("RCPT TO %q, want %q", got.To, want)
	}
	h := parse(t, got.Data).msg.Header
	if h.Get("To") != want[0]+", "+want[1] {
		t.Errorf("To header %q, want %q", h.Get("To"), want)
	}
}

func TestInvalidAddressesRejectedBeforeSMTP(t *testing.T) {
	ts := newTestServer(t, nil)
	m := newMailer(t, ts.options(1))
	ok := func() *Message { return &Message{To: []Address{{Email: "an@example.com"}}, Subject: "s", Text: "t"} }
	for _, tt := range []struct {
		name   string
		change func(*Message)
		want   string
	}{
		{"empty", func(m *Message) { m.To[0].Email = "" }, "invalid To address: empty"},
		{"two @", func(m *Message) { m.To[0].Email = "a@b@c" }, "invalid To address"},
		{"no domain", func(m *Message) { m.To[0].Email = "an@" }, "invalid To address"},
		{"CRLF in address", func(m *Message) { m.To[0].Email = "an@example.com\r\nBcc: x@evil.example" }, "control character"},
		{"LF in address", func(m *Message) { m.To[0].Email = "an@example.com\nRCPT TO:<x@evil.example>" }, "control character"},
		{"CRLF in name", func(m *Message) { m.To[0].Name = "Ân\r\nBcc: x@evil.example" }, "control character"},
		{"NEL in name", func(m *Message) { m.To[0].Name = "Ân\u0085Bcc" }, "control character"},
		{"angle brackets", func(m *Message) { m.To[0].Email = "<an@example.com>" }, "bare address"},
		{"name and address", func(m *Message) { m.To[0].Email = "Ân <an@example.com>" }, "bare address"},
		{"space", func(m *Message) { m.To[0].Email = "an nguyen@example.com" }, "bare address"},
		{"domain literal", func(m *Message) { m.To[0].Email = "an@[192.0.2.1]" }, "domain literal"},
		{"quoted local part", func(m *Message) { m.To[0].Email = `"an nguyen"@example.com` }, "bare address"},
		{"non-ASCII local part", func(m *Message) { m.To[0].Email = "ân@example.com" }, "local part"},
		{"bad domain", func(m *Message) { m.To[0].Email = "an@-example.com" }, "not a valid domain"},
		{"reply-to injection", func(m *Message) { m.ReplyTo = Address{Email: "b@example.com\r\nBcc: x@evil.example"} }, "invalid Reply-To address"},
		{"reply-to name injection", func(m *Message) { m.ReplyTo = Address{Name: "B\nX-Evil: 1", Email: "b@example.com"} }, "invalid Reply-To address"},
		{"reply-to two @", func(m *Message) { m.ReplyTo = Address{Email: "b@c@d"} }, "invalid Reply-To address"},
		{"from injection", func(m *Message) { m.From = Address{Name: "x\r\n", Email: "a@example.com"} }, "invalid From address"},
		{"no recipient", func(m *Message) { m.To = nil }, "no recipient"},
		{"subject injection", func(m *Message) { m.Subject = "Chào\r\nBcc: x@evil.example" }, "subject contains a control character"},
		{"empty subject", func(m *Message) { m.Subject = " " }, "empty subject"},
		{"empty body", func(m *Message) { m.Text = "" }, "empty body"},
		{"text twice", func(m *Message) { m.TextParts = []Fragment{NewFragment("x")} }, "both Text and TextParts"},
		{"bulk without unsubscribe", func(m *Message) { m.Bulk = true }, "needs an Unsubscribe URL"},
		{"unsubscribe not a URL", func(m *Message) { m.Unsubscribe = "/huy" }, "absolute http or https URL"},
		{"unsubscribe with CRLF", func(m *Message) { m.Unsubscribe = "https://x.example/\r\nBcc: y" }, "without spaces, controls"},
		{"unsubscribe with >", func(m *Message) { m.Unsubscribe = "https://x.example/>, <https://evil.example/" }, "without spaces, controls"},
		{"mailto without URL", func(m *Message) { m.UnsubscribeMailto = "mailto:a@example.com" }, "without Unsubscribe"},
		{"mailto bad", func(m *Message) { m.Unsubscribe, m.UnsubscribeMailto = "https://x.example/", "https://x.example/" }, "mailto: URI"},
		{"reserved header", func(m *Message) { m.Headers = []Header{{"bcc", "x@evil.example"}} }, "set by the mailer"},
		{"header value CRLF", func(m *Message) { m.Headers = []Header{{"X-Tag", "a\r\nBcc: x@evil.example"}} }, "printable ASCII on one line"},
		{"header name colon", func(m *Message) { m.Headers = []Header{{"X-Tag:", "a"}} }, "without spaces or colons"},
	} {
		msg := ok()
		tt.change(msg)
		err := m.Send(t.Context(), msg)
		var se *SendError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Send() = %v, want a SendError containing %q", tt.name, err, tt.want)
			continue
		}
		if !IsPermanent(err) || se.Command != "" || se.Code != 0 {
			t.Errorf("%s: %+v, want permanent, before any command", tt.name, se)
		}
		// An invalid To address is named, so that it can be marked bad.
		if strings.Contains(err.Error(), "invalid To address") {
			if se.Recipient != msg.To[0].Email {
				t.Errorf("%s: Recipient %q, want %q", tt.name, se.Recipient, msg.To[0].Email)
			}
		} else if se.Recipient != "" {
			t.Errorf("%s: Recipient %q", tt.name, se.Recipient)
		}
		if strings.Contains(err.Error(), "\r") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error has a line break: %q", tt.name, err)
		}
	}
	if sessions, _, _ := ts.stats(); sessions != 0 {
		t.Errorf("the server saw %d sessions; invalid messages must be rejected before any SMTP", sessions)
	}
}

func TestReplies(t *testing.T) {
	for _, tt := range []struct {
		name      string
		stage     string
		reply     *smtp.SMTPError
		temporary bool
		enhanced  string
		reconnect bool // the connection must not be reused
	}{
		{"MAIL 421", "MAIL", smtpErr(421, [3]int{4, 3, 2}, "shutting down"), true, "4.3.2", true},
		{"MAIL 451", "MAIL", smtpErr(451, [3]int{4, 3, 0}, "try later"), true, "4.3.0", false},
		{"MAIL 550", "MAIL", smtpErr(550, [3]int{5, 7, 1}, "sender refused"), false, "5.7.1", false},
		{"RCPT 421", "RCPT", smtpErr(421, [3]int{4, 4, 5}, "too busy"), true, "4.4.5", true},
		{"RCPT 451", "RCPT", smtpErr(451, [3]int{4, 7, 1}, "greylisted"), true, "4.7.1", false},
		{"RCPT 452", "RCPT", smtpErr(452, [3]int{4, 2, 2}, "mailbox full"), true, "4.2.2", false},
		{"RCPT 550", "RCPT", smtpErr(550, [3]int{5, 1, 1}, "no such user"), false, "5.1.1", false},
		{"RCPT 553", "RCPT", smtpErr(553, [3]int{5, 1, 3}, "bad address syntax"), false, "5.1.3", false},
		{"RCPT 550 no enhanced code", "RCPT", smtpErr(550, smtp.NoEnhancedCode, "no"), false, "", false},
		{"DATA 451", "DATA", smtpErr(451, [3]int{4, 3, 0}, "queue full"), true, "4.3.0", false},
		{"DATA 554", "DATA", smtpErr(554, [3]int{5, 7, 1}, "looks like spam"), false, "5.7.1", false},
	} {
		for _, mode := range modes {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				ts := newTestServer(t, nil)
				fail := func(n int) error {
					if n == 1 {
						return tt.reply
					}
					return nil
				}
				switch tt.stage {
				case "MAIL":
					ts.onMail = func(n int, _ string) error { return fail(n) }
				case "RCPT":
					ts.onRcpt = func(n int, _ string) error { return fail(n) }
				case "DATA":
					ts.onData = func(n int, _ *smtp.Conn, r io.Reader) error {
						if err := fail(n); err != nil {
							_, _ = io.Copy(io.Discard, r)
							return err
						}
						return nil
					}
				}
				m := newMailerMode(t, ts.options(1), mode)
				err := m.Send(t.Context(), bulkMessage("an@example.com"))
				var se *SendError
				if !errors.As(err, &se) {
					t.Fatalf("Send() = %v, want a SendError", err)
				}
				if se.Temporary != tt.temporary || IsTemporary(err) != tt.temporary || IsPermanent(err) == tt.temporary {
					t.Errorf("Temporary = %v, want %v (%v)", se.Temporary, tt.temporary, err)
				}
				if se.Code != tt.reply.Code || se.Enhanced != tt.enhanced || se.Command != tt.stage {
					t.Errorf("got code %d, enhanced %q, command %q; want %d, %q, %s", se.Code, se.Enhanced, se.Command, tt.reply.Code, tt.enhanced, tt.stage)
				}
				if tt.stage == "RCPT" && se.Recipient != "an@example.com" {
					t.Errorf("Recipient = %q", se.Recipient)
				}
				if tt.stage != "RCPT" && se.Recipient != "" {
					t.Errorf("Recipient = %q for a %s failure", se.Recipient, tt.stage)
				}
				if strings.Contains(err.Error(), "an@example.com") {
					t.Errorf("the error names the recipient: %v", err)
				}

				// The connection is reset (or replaced) and the next message
				// goes through.
				if err := m.Send(t.Context(), bulkMessage("an@example.com")); err != nil {
					t.Fatalf("next Send() = %v", err)
				}
				sessions, _, _ := ts.stats()
				if want := map[bool]int{true: 2, false: 1}[tt.reconnect]; sessions != want {
					t.Errorf("%d sessions, want %d", sessions, want)
				}
				if n := len(ts.received()); n != 1 {
					t.Errorf("server has %d messages, want 1", n)
				}
			})
		}
	}
}

// modes are the two ways a one-recipient message is sent: pipelined when
// the server offers PIPELINING (go-smtp does), else go-mail's step by
// step commands.
var modes = []string{"pipelined", "stepwise"}

func newMailerMode(t testing.TB, o Options, mode string) *Mailer {
	m := newMailer(t, o)
	m.transport.(*smtpPool).noPipelining = mode == "stepwise"
	return m
}

// TestOneRecipientRefused checks that a message to several recipients is
// sent to none when the server refuses one, and that the error names it.
func TestOneRecipientRefused(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.onRcpt = func(_ int, to string) error {
		switch to {
		case "b@example.com":
			return smtpErr(452, [3]int{4, 2, 2}, "full")
		case "c@example.com":
			return smtpErr(550, [3]int{5, 1, 1}, "<c@example.com>: Recipient address rejected: User unknown")
		}
		return nil
	}
	m := newMailer(t, ts.options(1))
	err := m.Send(t.Context(), &Message{
		To:      []Address{{Email: "a@example.com"}, {Email: "b@example.com"}, {Email: "c@example.com"}},
		Subject: "s", Text: "t",
	})
	var se *SendError
	if !errors.As(err, &se) || se.Temporary || se.Recipient != "c@example.com" || se.Code != 550 {
		t.Fatalf("Send() = %#v, want the permanent refusal of c@example.com", err)
	}
	if n := len(ts.received()); n != 0 {
		t.Errorf("server delivered %d messages", n)
	}
	if strings.Contains(err.Error(), "c@example.com") || !strings.Contains(err.Error(), "<recipient>: Recipient address rejected") {
		t.Errorf("Error() = %q; want the reply without the address", err)
	}
}

func TestDroppedMidData(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			ts := newTestServer(t, nil)
			ts.onData = func(n int, c *smtp.Conn, r io.Reader) error {
				if n == 1 {
					_, _ = io.CopyN(io.Discard, r, 100)
					_ = c.Conn().Close()
					return errors.New("dropped")
				}
				return nil
			}
			m := newMailerMode(t, ts.options(1), mode)
			err := m.Send(t.Context(), bulkMessage("an@example.com"))
			var se *SendError
			if !errors.As(err, &se) || !se.Temporary || se.Command != "DATA" {
				t.Fatalf("Send() = %v, want a temporary DATA failure", err)
			}
			if err := m.Send(t.Context(), bulkMessage("an@example.com")); err != nil {
				t.Fatalf("next Send() = %v", err)
			}
			if sessions, _, _ := ts.stats(); sessions != 2 {
				t.Errorf("%d sessions, want 2: the next message on a fresh connection", sessions)
			}
		})
	}
}

// TestIdleConnectionClosed checks that a pooled connection the server has
// closed meanwhile costs no failure: the message goes on a new one.
func TestIdleConnectionClosed(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			ts := newTestServer(t, nil)
			var conns []*smtp.Conn
			var mu sync.Mutex
			ts.onData = func(_ int, c *smtp.Conn, _ io.Reader) error {
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
				return nil
			}
			m := newMailerMode(t, ts.options(1), mode)
			if err := m.Send(t.Context(), bulkMessage("an@example.com")); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			_ = conns[0].Conn().Close() // an idle timeout on the server's side
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
			if err := m.Send(t.Context(), bulkMessage("an@example.com")); err != nil {
				t.Fatalf("Send() after the server closed the idle connection = %v", err)
			}
			if sessions, _, _ := ts.stats(); sessions != 2 {
				t.Errorf("%d sessions, want 2", sessions)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			ts := newTestServer(t, nil)
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			ts.onMail = func(int, string) error { <-release; return nil }
			o := ts.options(1)
			o.SMTP.Timeout = 300 * time.Millisecond
			m := newMailerMode(t, o, mode)
			start := time.Now()
			err := m.Send(t.Context(), bulkMessage("an@example.com"))
			elapsed := time.Since(start)
			var se *SendError
			if !errors.As(err, &se) || !se.Temporary || se.Command != "MAIL" {
				t.Fatalf("Send() = %v, want a temporary MAIL failure", err)
			}
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("Send() = %v, want a timeout", err)
			}
			// The server never answers: only the timeout can have ended the wait.
			if elapsed > 5*time.Second {
				t.Errorf("Send() took %v with a timeout of 300ms", elapsed)
			}
		})
	}
}

func TestContextCancelled(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			ts := newTestServer(t, nil)
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			ts.onRcpt = func(int, string) error { <-release; return nil }
			m := newMailerMode(t, ts.options(1), mode)
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(100*time.Millisecond, cancel)
			err := m.Send(ctx, bulkMessage("an@example.com"))
			if !IsTemporary(err) || !errors.Is(err, context.Canceled) {
				t.Fatalf("Send() = %v, want a temporary failure from the cancelled context", err)
			}
		})
	}
}

func TestServerDownAtStart(t *testing.T) {
	port := freePort(t)
	o := (&testServer{host: "127.0.0.1", port: port}).options(2)
	m := newMailer(t, o) // must not fail: nothing listens yet
	err := m.Send(t.Context(), bulkMessage("an@example.com"))
	var se *SendError
	if !errors.As(err, &se) || !se.Temporary || se.Command != "connect" {
		t.Fatalf("Send() with the server down = %v, want a temporary connect failure", err)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Skipf("port %d taken meanwhile: %v", port, err)
	}
	ts := startTestServer(t, ln, nil)
	if err := m.Send(t.Context(), bulkMessage("an@example.com")); err != nil {
		t.Fatalf("Send() with the server back = %v", err)
	}
	if n := len(ts.received()); n != 1 {
		t.Errorf("server has %d messages", n)
	}
}

func TestPool(t *testing.T) {
	ts := newTestServer(t, nil)
	const conns, workers, messages = 3, 12, 300
	m := newMailer(t, ts.options(conns))
	var wg sync.WaitGroup
	errs := make(chan error, messages)
	jobs := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				errs <- m.Send(t.Context(), bulkMessage(fmt.Sprintf("sub%d@example.com", i)))
			}
		})
	}
	for i := range messages {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sessions, maxActive, perConn := ts.stats()
	if maxActive > conns {
		t.Errorf("server saw %d sessions at once, more than %d connections", maxActive, conns)
	}
	if sessions > conns {
		t.Errorf("%d sessions for %d messages over %d connections: connections not reused", sessions, messages, conns)
	}
	total := 0
	for id, n := range perConn {
		total += n
		if n < 2 {
			t.Errorf("session %d carried %d messages", id, n)
		}
	}
	if total != messages || len(ts.received()) != messages {
		t.Errorf("server received %d messages, want %d", total, messages)
	}
	if len(perConn) < 2 {
		t.Errorf("%d of %d connections used by %d concurrent senders", len(perConn), conns, workers)
	}
	t.Logf("messages per session: %v", perConn)
}

func TestRateLimit(t *testing.T) {
	ts := newTestServer(t, nil)
	o := ts.options(4)
	o.Rate = 50
	m := newMailer(t, o)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			if err := m.Send(t.Context(), bulkMessage(fmt.Sprintf("s%d@example.com", i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// 100 messages at 50 a second, less the small initial burst.
	if elapsed := time.Since(start); elapsed < 1900*time.Millisecond {
		t.Errorf("100 messages at rate 50/s took %v, want at least 1.9s", elapsed)
	}
}

func TestStartTLSAndAuth(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	ts := newTestServer(t, serverTLS)
	ts.auth = func(user, pass string) error {
		if user != "bantin" || pass != "mật-khẩu" {
			return smtp.ErrAuthFailed
		}
		return nil
	}
	var tlsSeen bool
	ts.onData = func(_ int, c *smtp.Conn, _ io.Reader) error {
		_, tlsSeen = c.TLSConnectionState()
		return nil
	}
	o := ts.options(1)
	o.SMTP.TLS = TLSStartTLS
	o.SMTP.TLSConfig = clientTLS
	o.SMTP.Username, o.SMTP.Password = "bantin", "mật-khẩu"
	m := newMailer(t, o)
	if err := m.Send(t.Context(), bulkMessage("an@example.com")); err != nil {
		t.Fatal(err)
	}
	if !tlsSeen {
		t.Error("the message was not sent over TLS")
	}

	// A wrong password: 535 is permanent, but says nothing about the
	// recipient, and is not logged with the password.
	var logs bytes.Buffer
	o.SMTP.Password = "sai"
	o.Logger = slogTo(&logs)
	m = newMailer(t, o)
	err := m.Send(t.Context(), bulkMessage("an@example.com"))
	var se *SendError
	if !errors.As(err, &se) || se.Temporary || se.Code != 535 || se.Command != "connect" || se.Recipient != "" {
		t.Fatalf("Send() with a wrong password = %#v", err)
	}
	if strings.Contains(logs.String(), "sai") || strings.Contains(err.Error(), "sai") {
		t.Errorf("the password leaked into a log or error: %s / %v", logs.String(), err)
	}

	// A certificate not trusted: temporary, never a bounce.
	o.SMTP.TLSConfig = nil
	o.SMTP.Password = "mật-khẩu"
	m = newMailer(t, o)
	if err := m.Send(t.Context(), bulkMessage("an@example.com")); !IsTemporary(err) {
		t.Errorf("Send() to an untrusted certificate = %v, want temporary", err)
	}
}

func TestImplicitTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := startTestServer(t, tls.NewListener(ln, serverTLS), nil)
	ts.auth = func(user, pass string) error { return nil }
	o := ts.options(1)
	o.SMTP.TLS = TLSImplicit
	o.SMTP.TLSConfig = clientTLS
	o.SMTP.Username, o.SMTP.Password = "bantin", "x"
	m := newMailer(t, o)
	if err := m.Send(t.Context(), bulkMessage("an@example.com")); err != nil {
		t.Fatal(err)
	}
}

func TestCloseRejectsSends(t *testing.T) {
	ts := newTestServer(t, nil)
	m, err := New(ts.options(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(t.Context(), bulkMessage("an@example.com")); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Send(t.Context(), bulkMessage("an@example.com")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send() after Close = %v, want ErrClosed", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
}

func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestDotSafe(t *testing.T) {
	for _, tt := range []struct {
		data []string
		want bool
	}{
		{[]string{"a\r\n"}, true},
		{[]string{"DKIM: x\r\n y\r\n", "Date: z\r\n\r\nbody\r\n"}, true},
		{[]string{"", "a\r\n", ""}, true},
		{[]string{".a\r\n"}, false},
		{[]string{"a\r\n.b\r\n"}, false},
		{[]string{"a\r\n", ".b\r\n"}, false},
		{[]string{"a\r", "\nb\r\n"}, true}, // the chunks go out as one stream
		{[]string{"a\r", "b\r\n"}, false},
		{[]string{"a", "\nb\r\n"}, false},
		{[]string{"a\r\n", "b\r\n", ".\r\n"}, false},
		{[]string{"a\r", "\n.b\r\n"}, false},
		{[]string{"a\r\n\r\n"}, true},
		{[]string{"a\r\r\n"}, false},
		{[]string{"a\n\r\n"}, false},
		{[]string{"\r\n"}, true},
		{[]string{"\n"}, false},
		{[]string{"a\nb\r\n"}, false},
		{[]string{"a\rb\r\n"}, false},
		{[]string{"a\r\nb"}, false},
		{[]string{""}, false},
		{nil, false},
	} {
		data := make([][]byte, len(tt.data))
		for i, d := range tt.data {
			data[i] = []byte(d)
		}
		if got := dotSafe(data); got != tt.want {
			t.Errorf("dotSafe(%q) = %v, want %v", tt.data, got, tt.want)
		}
	}
}

// FuzzDotSafe holds dotSafe to a plain reading of the rule on the chunks
// joined, wherever the chunk boundaries fall.
func FuzzDotSafe(f *testing.F) {
	f.Add("a\r\nb\r\n", uint8(2))
	f.Add("a\r\n.b\r\n", uint8(3))
	f.Add(".\r\n", uint8(1))
	f.Add("a\rb\r\n", uint8(0))
	f.Fuzz(func(t *testing.T, s string, cut uint8) {
		var data [][]byte
		for rest, step := []byte(s), int(cut%7)+1; len(rest) > 0; step = step%5 + 1 {
			n := min(step, len(rest))
			data = append(data, rest[:n])
			rest = rest[n:]
		}
		want := len(s) > 0 && strings.HasSuffix(s, "\r\n") && s[0] != '.' && !strings.Contains(s, "\n.") &&
			strings.Count(s, "\r") == strings.Count(s, "\r\n") && strings.Count(s, "\n") == strings.Count(s, "\r\n")
		if got := dotSafe(data); got != want {
			t.Fatalf("dotSafe(%q) = %v, want %v", data, got, want)
		}
	})
}
