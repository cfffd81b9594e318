package mailer

import (
	"bytes"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bantin/bantin/config"
)

func TestMaildir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var", "mail")
	key, record := dkimKey(t, "ed25519")
	m := newMailer(t, Options{
		Maildir: dir, // the default transport
		From:    Address{Name: "Bản tin", Email: "no-reply@tin.example.vn"},
		DKIM:    &DKIMOptions{Selector: "bantin2026", Key: key},
	})
	for _, sub := range []string{"tmp", "new", "cur"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Fatalf("%s: %v %v", sub, fi, err)
		}
	}

	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := m.Send(t.Context(), bulkMessage(fmt.Sprintf("s%d-%d@example.com", w, i))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()

	if tmp, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("%d files left in tmp/", len(tmp))
	}
	files, err := os.ReadDir(filepath.Join(dir, "new"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != workers*each {
		t.Fatalf("%d files in new/, want %d: names must be unique", len(files), workers*each)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := f.Name()
		if strings.ContainsAny(name, "/:") {
			t.Errorf("file name %q has / or :", name)
		}
		data, err := os.ReadFile(filepath.Join(dir, "new", name))
		if err != nil {
			t.Fatal(err)
		}
		if fi, _ := f.Info(); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", name, fi.Mode())
		}
		if bytes.Contains(data, []byte("\r\n")) {
			t.Errorf("%s has CRLF line endings; Maildir files use LF", name)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := msg.Header.Get("Return-Path"); got != "<no-reply@tin.example.vn>" {
			t.Errorf("Return-Path %q", got)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if subject != viSubject {
			t.Errorf("subject %q", subject)
		}
		to := msg.Header.Get("To")
		if seen[to] {
			t.Errorf("message to %s twice", to)
		}
		seen[to] = true

		// Signed as sent: a verifier that restores CRLF line endings
		// (as any delivery over SMTP would) accepts the signature.
		crlfData := bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
		crlfData = crlfData[bytes.Index(crlfData, []byte("DKIM-Signature")):]
		if vs := verify(t, crlfData, record); len(vs) != 1 || vs[0].Err != nil {
			t.Errorf("%s: DKIM %+v", name, vs[0])
		}
		p := parse(t, crlfData)
		if p.text != crlf(viText) || p.html != crlf(viHTML) {
			t.Errorf("%s: body changed", name)
		}
	}
}

func TestMaildirUnwritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes anywhere")
	}
	dir := t.TempDir()
	m := newMailer(t, Options{Maildir: dir, From: Address{Email: "a@example.com"}})
	if err := os.Chmod(filepath.Join(dir, "tmp"), 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(dir, "tmp"), 0o700) })
	err := m.Send(t.Context(), &Message{To: []Address{{Email: "b@example.com"}}, Subject: "s", Text: "t"})
	if !IsTemporary(err) {
		t.Errorf("Send() into an unwritable Maildir = %v, want temporary", err)
	}
}

func TestOptionsFromConfig(t *testing.T) {
	c := config.Default()
	o, err := OptionsFromConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	// The default site is 127.0.0.1: Message-IDs fall back to From's
	// domain, localhost.
	if o.Transport != "maildir" || o.From.Email != "no-reply@localhost" || o.From.Name != "Bản tin" || o.Domain != "" || o.DKIM != nil {
		t.Errorf("default options %+v", o)
	}
	o.Maildir = t.TempDir()
	m := newMailer(t, o)
	if m.domain != "localhost" {
		t.Errorf("Message-ID domain %q", m.domain)
	}

	c.Site.URL = "https://Tin.Ví-Dụ.vn:8443/ban-tin"
	c.Mail.Transport = "smtp"
	c.Mail.SMTP.Host, c.Mail.SMTP.Port, c.Mail.SMTP.TLS = "smtp.example.com", 2525, "tls"
	c.Mail.SMTP.Username, c.Mail.SMTP.Password = "bantin", "hunter2"
	c.Mail.Rate = 300
	c.Mail.DKIM.Selector = "bantin2026"
	c.Mail.DKIM.PrivateKeyFile = "../config/testdata/dkim-test-ed25519.pem"
	o, err = OptionsFromConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	if o.Domain != "tin.xn--v-d-rma6749a.vn" || o.Rate != 300 || o.SMTP.Port != 2525 || o.SMTP.TLS != "tls" ||
		o.SMTP.Password != "hunter2" || o.DKIM == nil || o.DKIM.Selector != "bantin2026" || o.DKIM.Key == nil {
		t.Errorf("options %+v", o)
	}
	m = newMailer(t, o) // valid, and connects to nothing yet
	if m.listID != "=?UTF-8?B?QuG6o24gdGlu?= <digest.tin.xn--v-d-rma6749a.vn>" {
		t.Errorf("List-Id %q", m.listID)
	}

	c.Mail.DKIM.PrivateKeyFile = "no-such.pem"
	if _, err := OptionsFromConfig(c); err == nil || !strings.Contains(err.Error(), "mail.dkim.private_key_file") {
		t.Errorf("OptionsFromConfig with a missing key = %v", err)
	}
}
