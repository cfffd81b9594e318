package mailer

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// digestBody returns the shared part of a digest, text and HTML, whose
// encoded message comes to about 18 KB.
func digestBody() (text, html string) {
	const item = "Giao ban thực hiện chương trình phát triển kinh tế – xã hội đến năm 2030 của Đảng bộ tỉnh; " +
		"giá lúa thu đông tăng, chợ đầu mối điều chỉnh giờ hoạt động."
	var t, h strings.Builder
	for i := range 24 {
		fmt.Fprintf(&t, "%d. %s\nhttps://tin.example.vn/thoi-su/bai-%d\n\n", i+1, item, i)
		fmt.Fprintf(&h, "<tr><td style=\"padding:8px 0\"><a href=\"https://tin.example.vn/thoi-su/bai-%d?utm_source=digest\">%s</a></td></tr>\n", i, item)
	}
	return t.String(), "<!doctype html><html lang=\"vi\"><body><table>\n" + h.String() + "</table></body></html>\n"
}

// discard is a transport that drops messages, to time everything but the
// network.
type discard struct{}

func (discard) send(context.Context, string, []string, ...[]byte) error { return nil }
func (discard) close() error                                            { return nil }

func benchMailer(b *testing.B, dkimAlg string) *Mailer {
	o := Options{Maildir: b.TempDir(), From: Address{Name: "Bản tin", Email: "no-reply@tin.example.vn"}}
	if dkimAlg != "" {
		key, _ := dkimKey(b, dkimAlg)
		o.DKIM = &DKIMOptions{Selector: "bantin2026", Key: key}
	}
	m, err := New(o)
	if err != nil {
		b.Fatal(err)
	}
	m.transport = discard{}
	return m
}

// personal returns the message for subscriber i: the shared fragments
// between a greeting and a footer made for them.
func personal(i int, text, html Fragment) *Message {
	unsub := fmt.Sprintf("https://tin.example.vn/huy-dang-ky?t=%08x", i)
	return &Message{
		To:      []Address{{Name: "Nguyễn Văn Ân", Email: fmt.Sprintf("sub%d@example.com", i)}},
		Subject: "Bản tin sáng Thứ Sáu, 10/7/2020",
		TextParts: []Fragment{
			NewFragment("Kính gửi anh Nguyễn Văn Ân,\n\n"), text,
			NewFragment("\nHủy đăng ký: " + unsub + "\n"),
		},
		HTMLParts: []Fragment{
			NewFragment("<p>Kính gửi anh Nguyễn Văn Ân,</p>\n"), html,
			NewFragment("<p><a href=\"" + unsub + "\">Hủy đăng ký</a></p>\n"),
		},
		Bulk:        true,
		Unsubscribe: unsub,
	}
}

func BenchmarkBuildMessage(b *testing.B) {
	text, html := digestBody()
	sharedText, sharedHTML := NewFragment(text), NewFragment(html)
	for _, bc := range []struct{ name, dkim string }{
		{"fragments", ""},
		{"fragments+ed25519", "ed25519"},
		{"fragments+rsa2048", "rsa"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := benchMailer(b, bc.dkim)
			msg := personal(1, sharedText, sharedHTML)
			buf, _ := m.build(nil, msg, m.from, msg.To, Address{})
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if err := m.Send(b.Context(), personal(i, sharedText, sharedHTML)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("strings", func(b *testing.B) {
		m := benchMailer(b, "")
		b.ReportAllocs()
		for b.Loop() {
			err := m.Send(b.Context(), &Message{
				To: []Address{{Email: "an@example.com"}}, Subject: "Bản tin", Text: text, HTML: html,
				Bulk: true, Unsubscribe: "https://tin.example.vn/huy-dang-ky?t=1",
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	// The same message built as a go-mail Msg, for comparison: what the
	// fast path saves.
	b.Run("go-mail-Msg", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := goMailMsg(text, html).WriteTo(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func goMailMsg(text, html string) *gomail.Msg {
	msg := gomail.NewMsg(gomail.WithEncoding(gomail.EncodingQP), gomail.WithCharset(gomail.CharsetUTF8))
	_ = msg.FromFormat("Bản tin", "no-reply@tin.example.vn")
	_ = msg.AddToFormat("Nguyễn Văn Ân", "an@example.com")
	msg.Subject("Bản tin sáng Thứ Sáu, 10/7/2020")
	msg.SetGenHeader("List-Unsubscribe", "<https://tin.example.vn/huy-dang-ky?t=1>")
	msg.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	msg.SetMessageIDWithValue("0123456789abcdef@tin.example.vn")
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, "Kính gửi anh Nguyễn Văn Ân,\n\n"+text)
	msg.AddAlternativeString(gomail.TypeTextHTML, "<p>Kính gửi anh Nguyễn Văn Ân,</p>\n"+html)
	return msg
}

// BenchmarkSendSMTP sends 18 KB digests over 4 connections to an SMTP
// server on this host that discards them. The server shares the CPUs, so
// msg/s is a floor, not a claim about any real server.
func BenchmarkSendSMTP(b *testing.B) {
	text, html := digestBody()
	sharedText, sharedHTML := NewFragment(text), NewFragment(html)
	const conns = 4

	b.Run("mailer", func(b *testing.B) {
		ts := newTestServer(b, nil)
		ts.discard = true
		m := newMailer(b, ts.options(conns))
		var n atomic.Int64
		b.SetParallelism(conns) // enough senders to keep every connection busy
		b.ReportAllocs()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := m.Send(b.Context(), personal(int(n.Add(1)), sharedText, sharedHTML)); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
		if sessions, _, _ := ts.stats(); sessions > conns {
			b.Errorf("%d sessions", sessions)
		}
	})

	// The same over go-mail's own path: one Client per connection, a Msg
	// per message, Client.Send (NOOP, MAIL, RCPT, DATA, RSET).
	b.Run("go-mail-Client.Send", func(b *testing.B) {
		ts := newTestServer(b, nil)
		ts.discard = true
		clients := make(chan *gomail.Client, conns)
		for range conns {
			c, err := gomail.NewClient(ts.host, gomail.WithPort(ts.port), gomail.WithTLSPolicy(gomail.NoTLS))
			if err != nil {
				b.Fatal(err)
			}
			if err := c.DialWithContext(b.Context()); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = c.Close() })
			clients <- c
		}
		b.SetParallelism(conns)
		b.ReportAllocs()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c := <-clients
				err := c.Send(goMailMsg(text, html))
				clients <- c
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
	})
}
