package feed

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestExportWritesEveryFeed(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 3)
	b := newTestBuilder(t, testSite())
	dir := t.TempDir()
	st, err := Export(context.Background(), s, b, ExportOptions{Dir: dir, Items: 3, ArchiveSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range []string{
		"rss.xml", "atom.xml", "feed.json", "archive/1/rss.xml", "archive/1/atom.xml",
		"archive/2/rss.xml", "archive/2/atom.xml",
		"c/the-thao/rss.xml", "c/the-thao/atom.xml", "c/the-thao/feed.json",
		"c/the-thao/archive/1/rss.xml", "c/the-thao/archive/1/atom.xml",
		"c/thoi-su/rss.xml", "c/thoi-su/atom.xml", "c/thoi-su/feed.json",
		"c/thoi-su/archive/1/rss.xml", "c/thoi-su/archive/1/atom.xml",
	} {
		want = append(want, p, p+".gz")
	}
	slices.Sort(want)
	if got := listFiles(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files:\n%v\nwant\n%v", got, want)
	}
	if st.Written != 17 || st.Unchanged != 0 {
		t.Errorf("stats %+v", st)
	}

	// The files hold what the server serves, with the document's date as
	// their modification time, readable by a web server.
	c := newTestCache(t, s, Options{Items: 3, ArchiveSize: 3})
	for _, k := range []Key{{Format: Atom}, {Category: "thoi-su", Format: JSON}, {Format: RSS, Page: 2}} {
		r := mustGet(t, c, k)
		plain, _, err := r.identityBody()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(k.Path(), "/")))
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%s differs from the served document (%v)", k.Path(), err)
		}
		gz, _ := os.ReadFile(path + ".gz")
		if !bytes.Equal(gunzip(t, gz), plain) {
			t.Errorf("%s.gz does not hold the document", k.Path())
		}
		fi, _ := os.Stat(path)
		if !fi.ModTime().Equal(r.modified) || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mtime %v mode %v, want %v 0644", k.Path(), fi.ModTime(), fi.Mode(), r.modified)
		}
	}

	// A second run with nothing changed writes nothing.
	st, err = Export(context.Background(), s, b, ExportOptions{Dir: dir, Items: 3, ArchiveSize: 3})
	if err != nil || st.Written != 0 || st.Unchanged != 17 {
		t.Errorf("second export: %+v, %v", st, err)
	}
	st, err = Export(context.Background(), s, b, ExportOptions{Dir: t.TempDir(), Items: 3, ArchiveSize: 3, NoArchives: true})
	if err != nil || st.Written != 9 {
		t.Errorf("export without archives: %+v, %v", st, err)
	}
}

// Files are replaced by rename: a reader that opened the old file reads it
// whole, never a mix, and no temporary file is left behind.
func TestExportReplacesAtomically(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 2)
	b := newTestBuilder(t, testSite())
	dir := t.TempDir()
	o := ExportOptions{Dir: dir, Items: 5}
	if _, err := Export(context.Background(), s, b, o); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rss.xml")
	old, _ := os.ReadFile(path)
	oldInfo, _ := os.Stat(path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	a := testArticle(9, "thoi-su", "Thời sự")
	a.PublishedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, ict) // older than the rest: Last-Modified must still move
	s.save(t, a)
	moved := testArticle(2, "thoi-su", "Thời sự")
	moved.Title = "Tin đã sửa"
	s.save(t, moved)
	if _, err := Export(context.Background(), s, b, o); err != nil {
		t.Fatal(err)
	}
	held, _ := io.ReadAll(f)
	if !bytes.Equal(held, old) {
		t.Error("the open old file changed under its reader: written in place, not renamed")
	}
	now, _ := os.ReadFile(path)
	if bytes.Equal(now, old) || !bytes.Contains(now, []byte("Tin đã sửa")) {
		t.Error("the file was not replaced")
	}
	newInfo, _ := os.Stat(path)
	if os.SameFile(oldInfo, newInfo) || !newInfo.ModTime().After(oldInfo.ModTime()) {
		t.Errorf("replacement: same file %v, mtime %v -> %v", os.SameFile(oldInfo, newInfo), oldInfo.ModTime(), newInfo.ModTime())
	}
	for _, p := range listFiles(t, dir) {
		if strings.Contains(p, ".tmp") || strings.HasPrefix(filepath.Base(p), ".") {
			t.Errorf("left behind %s", p)
		}
	}
}

func TestWriteFileAtomicCleansUpOnError(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "rss.xml")
	if err := os.Mkdir(target, 0o755); err != nil { // rename onto a directory fails
		t.Fatal(err)
	}
	if err := writeFileAtomic(target, []byte("<rss/>"), time.Time{}); err == nil {
		t.Fatal("rename onto a directory succeeded")
	}
	if got := listFiles(t, dir); len(got) != 0 {
		t.Errorf("temporary files left: %v", got)
	}
}
