package testutil

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Mail is a message read back from a Maildir, its parts decoded.
type Mail struct {
	Header     mail.Header
	Raw        string
	Text, HTML string
}

// Subject returns the message's subject, RFC 2047 decoded.
func (m Mail) Subject(t testing.TB) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ReadMaildir returns the messages delivered into the Maildir dir, oldest
// first; none when nothing was ever delivered.
func ReadMaildir(t testing.TB, dir string) []Mail {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "new"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	type file struct {
		name string
		mod  int64
	}
	files := make([]file, 0, len(entries))
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, file{e.Name(), info.ModTime().UnixNano()})
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i].mod != files[j].mod {
			return files[i].mod < files[j].mod
		}
		return files[i].name < files[j].name
	})
	out := make([]Mail, 0, len(files))
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(dir, "new", f.name))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ParseMail(t, raw))
	}
	return out
}

// ParseMail parses one message and decodes its text and HTML parts.
func ParseMail(t testing.TB, raw []byte) Mail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	m := Mail{Header: msg.Header, Raw: string(raw)}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
		m.Text = string(body)
		return m
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(p) // NextPart decodes quoted-printable
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			m.HTML = string(body)
		} else {
			m.Text = string(body)
		}
	}
	return m
}
