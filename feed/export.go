package feed

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ExportOptions configures Export.
type ExportOptions struct {
	// Dir is where the files go; feeds land at their URL paths under it
	// (Dir/rss.xml, Dir/c/thoi-su/atom.xml, Dir/archive/3/rss.xml).
	Dir string
	// Items and ArchiveSize are as in Options.
	Items, ArchiveSize int
	// NoArchives leaves out the archive pages, which for a large store are
	// most of the bytes.
	NoArchives bool
	// CategoryNames gives display names by slug when articles lack them.
	CategoryNames map[string]string
	// Progress, when set, hears how many documents are done of how many
	// are known so far.
	Progress func(done, total int)
}

// ExportStats says what Export did.
type ExportStats struct {
	// Written files changed; Unchanged files already held the same bytes
	// and were left alone, keeping their modification time and so the
	// ETag and Last-Modified a static server derives from it.
	Written, Unchanged int
}

// Export writes every feed document as a file, with a .gz copy beside it
// for servers that send precompressed files (nginx gzip_static). Each file
// is written to a temporary file in the same directory and renamed over
// the old one, so a server or CDN never reads half a feed; its modification
// time is set to the document's Last-Modified.
func Export(ctx context.Context, src Source, b *Builder, o ExportOptions) (ExportStats, error) {
	var st ExportStats
	if o.Items <= 0 {
		o.Items = 50
	}
	if o.ArchiveSize < 0 || o.ArchiveSize > o.Items {
		return st, fmt.Errorf("feed: archive size %d must be between 0 and the feed size %d", o.ArchiveSize, o.Items)
	}
	if o.NoArchives {
		o.ArchiveSize = 0
	}
	pg := pager{src: src, items: o.Items, archiveSize: o.ArchiveSize, names: o.CategoryNames}
	cats, err := src.Categories(ctx)
	if err != nil {
		return st, fmt.Errorf("feed: export: %w", err)
	}
	var zpool gzipPool
	gz := zpool.get()
	total, done := (len(cats)+1)*len(Formats()), 0
	progress := func() {
		if o.Progress != nil {
			o.Progress(done, total)
		}
	}
	write := func(k Key, p *Page) error {
		doc, err := b.Build(k.Format, p)
		if err != nil {
			return err
		}
		changed, err := writeDocument(o.Dir, k, doc, gz)
		if err != nil {
			return err
		}
		if changed {
			st.Written++
		} else {
			st.Unchanged++
		}
		done++
		progress()
		return nil
	}
	slugs := []string{""}
	for _, c := range cats {
		slugs = append(slugs, c.Slug)
	}
	for _, cat := range slugs {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		p, pages, err := pg.load(ctx, cat, 0, -1)
		if errors.Is(err, ErrNotFound) {
			continue // emptied since the list was read
		}
		if err != nil {
			return st, fmt.Errorf("feed: export %q: %w", cat, err)
		}
		for _, f := range Formats() {
			if err := write(Key{Category: cat, Format: f}, p); err != nil {
				return st, err
			}
		}
		total += 2 * pages
		for n := 1; n <= pages; n++ {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			ap, _, err := pg.load(ctx, cat, n, -1)
			if err != nil {
				return st, fmt.Errorf("feed: export %q archive page %d: %w", cat, n, err)
			}
			for _, f := range []Format{RSS, Atom} {
				if err := write(Key{Category: cat, Format: f, Page: n}, ap); err != nil {
					return st, err
				}
			}
		}
	}
	return st, nil
}

// writeDocument writes doc and its gzipped copy under dir, unless the file
// already holds the same bytes. It reports whether it wrote.
func writeDocument(dir string, k Key, doc Document, gz *gzip.Writer) (bool, error) {
	path := filepath.Join(dir, filepath.FromSlash(k.Path()))
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, doc.Body) {
		if _, err := os.Stat(path + ".gz"); err == nil {
			return false, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, fmt.Errorf("feed: export: %w", err)
	}
	var zbuf bytes.Buffer
	gz.Reset(&zbuf)
	_, _ = gz.Write(doc.Body)
	_ = gz.Close()
	mtime := doc.Updated
	// A static server's Last-Modified and ETag come from the modification
	// time (and size): it must move forward whenever the bytes change, even
	// when the newest item date does not (an article left the feed).
	if fi, err := os.Stat(path); err == nil && !mtime.After(fi.ModTime()) {
		mtime = time.Now()
		if next := fi.ModTime().Add(time.Second); mtime.Before(next) {
			mtime = next
		}
	}
	// The .gz first: a server that finds the new plain file must not pair
	// it with the old compressed one for long.
	if err := writeFileAtomic(path+".gz", zbuf.Bytes(), mtime); err != nil {
		return false, err
	}
	if err := writeFileAtomic(path, doc.Body, mtime); err != nil {
		return false, err
	}
	return true, nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, synced and then renamed over path, so that readers see the
// old file or the new one and never a part. mtime, when set, becomes the
// file's modification time.
func writeFileAtomic(path string, data []byte, mtime time.Time) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("feed: export: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("feed: export %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("feed: export %s: %w", path, err)
	}
	// CreateTemp makes the file 0600; a web server must read it.
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("feed: export %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("feed: export %s: %w", path, err)
	}
	if !mtime.IsZero() {
		if err = os.Chtimes(tmp.Name(), mtime, mtime); err != nil {
			return fmt.Errorf("feed: export %s: %w", path, err)
		}
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("feed: export %s: %w", path, err)
	}
	return nil
}
