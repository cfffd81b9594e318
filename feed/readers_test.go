package feed

import (
	"bytes"
	"context"
	"database/sql"
	"mime"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests feed the feeds to two real readers from Debian: newsboat and
// rss2email (apt-get install newsboat rss2email). Each skips, saying so,
// when its reader is not installed.

func readerFixture(t *testing.T) (srvURL string, titles []string) {
	t.Helper()
	s := newTestStore(t)
	seedStore(t, s, 3)
	c := newTestCache(t, s, Options{Items: 10})
	srv := newTestServer(t, c)
	for i := 3; i >= 1; i-- {
		titles = append(titles, testArticle(i, "thoi-su", "Thời sự").Title)
	}
	return srv.URL, titles
}

func TestNewsboatReadsEveryFormat(t *testing.T) {
	bin, err := exec.LookPath("newsboat")
	if err != nil {
		t.Skip("newsboat is not installed (apt-get install newsboat); skipping the end-to-end reader test")
	}
	srvURL, titles := readerFixture(t)
	for _, f := range Formats() {
		if f == JSON {
			continue // newsboat reads RSS and Atom only
		}
		t.Run(f.String(), func(t *testing.T) {
			dir := t.TempDir()
			urls := filepath.Join(dir, "urls")
			if err := os.WriteFile(urls, []byte(srvURL+"/c/thoi-su/"+f.FileName()+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			cacheDB := filepath.Join(dir, "cache.db")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "-u", urls, "-c", cacheDB, "-C", os.DevNull, "-x", "reload", "print-unread")
			cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("newsboat: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "3 unread articles") {
				t.Errorf("newsboat says %q, want 3 unread articles", out)
			}
			db, err := sql.Open("sqlite", cacheDB)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rows, err := db.Query("SELECT title, guid, author FROM rss_item ORDER BY pubDate DESC")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var title, guid, author string
				if err := rows.Scan(&title, &guid, &author); err != nil {
					t.Fatal(err)
				}
				got = append(got, title)
				if !strings.HasPrefix(guid, "tag:tin.example.vn,2020:article/") || author != "Mai Khôi" {
					t.Errorf("guid %q author %q", guid, author)
				}
			}
			if !slices.Equal(got, titles) {
				t.Errorf("titles %q, want %q", got, titles)
			}
		})
	}
}

func TestRSS2EmailMailsEveryItem(t *testing.T) {
	bin, err := exec.LookPath("r2e")
	if err != nil {
		t.Skip("rss2email is not installed (apt-get install rss2email); skipping the end-to-end reader test")
	}
	srvURL, titles := readerFixture(t)
	for _, f := range Formats() {
		if f == JSON {
			continue // rss2email reads through feedparser, which has no JSON Feed
		}
		t.Run(f.String(), func(t *testing.T) {
			dir := t.TempDir()
			cfg, data, maildir := filepath.Join(dir, "r2e.cfg"), filepath.Join(dir, "r2e.json"), filepath.Join(dir, "Maildir")
			r2e := func(args ...string) {
				t.Helper()
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				cmd := exec.CommandContext(ctx, bin, append([]string{"-c", cfg, "-d", data}, args...)...)
				cmd.Env = append(os.Environ(), "HOME="+dir)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("r2e %v: %v\n%s", args, err, out)
				}
			}
			r2e("new", "ban-doc@example.vn")
			r2e("add", "tin", srvURL+"/c/thoi-su/"+f.FileName())
			conf, _ := os.ReadFile(cfg)
			conf = bytes.Replace(conf, []byte("email-protocol = sendmail"), []byte("email-protocol = maildir"), 1)
			conf = bytes.Replace(conf, []byte("maildir-path = ~/Maildir"), []byte("maildir-path = "+maildir), 1)
			if err := os.WriteFile(cfg, conf, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(maildir, 0o700); err != nil { // r2e makes only the mailbox
				t.Fatal(err)
			}
			r2e("run")
			files, _ := filepath.Glob(filepath.Join(maildir, "INBOX", "new", "*"))
			var subjects []string
			dec := new(mime.WordDecoder)
			for _, p := range files {
				fh, err := os.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				m, err := mail.ReadMessage(fh)
				if err != nil {
					t.Fatal(err)
				}
				subj, err := dec.DecodeHeader(m.Header.Get("Subject"))
				fh.Close()
				if err != nil {
					t.Fatal(err)
				}
				subjects = append(subjects, subj)
			}
			slices.Sort(subjects)
			want := slices.Clone(titles)
			slices.Sort(want)
			if !slices.Equal(subjects, want) {
				t.Errorf("mailed subjects %q, want %q", subjects, want)
			}
		})
	}
}
