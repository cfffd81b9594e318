package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
)

// ArticleSaver stores articles. *store.DB implements it.
type ArticleSaver interface {
	SaveArticle(ctx context.Context, a *article.Article) (store.Outcome, error)
}

// ImporterOptions configure an Importer.
type ImporterOptions struct {
	// Root is the articles directory (config articles.dir). Source keys of
	// files under it are relative to it; "" means the working directory.
	Root string
	// MaxSize is the largest file imported, in bytes; 0 means
	// article.DefaultMaxSize. It is checked before the file is read.
	MaxSize int64
	// CategoryNames maps a folder's slug to the category's display name,
	// e.g. "thoi-su" -> "Thời sự". A folder not listed is its own name.
	CategoryNames map[string]string
	// Logger receives debug records of each file; nil discards them.
	Logger *slog.Logger
}

// Importer reads article files into the store. It is safe for concurrent
// use.
type Importer struct {
	saver      ArticleSaver
	parser     *article.Parser
	root       string // absolute when it could be made so
	maxSize    int64
	categories map[string]string
	log        *slog.Logger
}

// NewImporter returns an Importer that parses with parser and saves to saver.
func NewImporter(saver ArticleSaver, parser *article.Parser, o ImporterOptions) *Importer {
	im := &Importer{
		saver:      saver,
		parser:     parser,
		root:       o.Root,
		maxSize:    o.MaxSize,
		categories: o.CategoryNames,
		log:        o.Logger,
	}
	if im.root == "" {
		im.root = "."
	}
	if abs, err := filepath.Abs(im.root); err == nil {
		im.root = abs
	}
	if im.maxSize <= 0 {
		im.maxSize = article.DefaultMaxSize
	}
	if im.log == nil {
		im.log = slog.New(slog.DiscardHandler)
	}
	return im
}

// Summary counts what an import did.
type Summary struct {
	Created, Updated, Unchanged int
	// Failed lists the files that were not imported, each with an error
	// that names the file (and the line, for a malformed article).
	Failed []Failure
}

// Failure is one file that could not be imported.
type Failure struct {
	Path string
	Err  error
}

func (s *Summary) add(o store.Outcome) {
	switch o {
	case store.Created:
		s.Created++
	case store.Updated:
		s.Updated++
	default:
		s.Unchanged++
	}
}

// ImportFile imports one file, whatever its name; its source key is its
// path relative to the root when it lies under the root, else its base
// name. The error names the file.
func (im *Importer) ImportFile(ctx context.Context, path string) (store.Outcome, error) {
	r := im.process(ctx, im.fileJob(path))
	return r.outcome, r.err
}

// ImportPaths imports files and, recursively, directories. In directories
// only .txt, .md and .markdown files are read, and hidden files and editor
// leftovers are skipped; a file named directly is always tried. A file that
// fails is listed in Summary.Failed and the others go on. The error is
// non-nil only when a path argument cannot be read at all (every such path
// is reported, and the others are still imported) or ctx ends.
//
// progress, when not nil, is called from one goroutine after each file with
// the number of files done and the total.
func (im *Importer) ImportPaths(ctx context.Context, paths []string, progress func(done, total int)) (Summary, error) {
	// Walking first gives progress its total; the list holds paths only,
	// so it stays small beside the articles themselves.
	jobs, fails, err := im.collect(paths)
	sum := im.run(ctx, jobs, progress, nil)
	sum.Failed = append(fails, sum.Failed...)
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = errors.Join(err, ctxErr)
	}
	return sum, err
}

// fileStamp is what a rescan compares to tell whether a file changed.
type fileStamp struct {
	size  int64
	mtime time.Time
}

// result is one processed job.
type result struct {
	job     job
	art     *article.Article
	stamp   fileStamp
	outcome store.Outcome
	err     error
}

// parseErr reports whether r failed because of the file itself (its size or
// content), which only an edit can fix, rather than because of the store or
// the system.
func (r *result) parseErr() bool {
	var pe *article.ParseError
	return errors.As(r.err, &pe)
}

// run imports jobs: GOMAXPROCS workers read and parse, and the calling
// goroutine saves, because SQLite has one writer anyway and saving from one
// place keeps the store free of lock contention. Channels of a few slots
// keep memory flat however many files there are. done, when not nil, sees
// every result on the saving goroutine.
func (im *Importer) run(ctx context.Context, jobs []job, progress func(done, total int), done func(*result)) Summary {
	var sum Summary
	if len(jobs) == 0 {
		return sum
	}
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	in := make(chan job)
	out := make(chan *result, workers)
	var wg sync.WaitGroup
	go func() {
		defer close(in)
		for _, j := range jobs {
			select {
			case in <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		wg.Go(func() {
			for j := range in {
				if ctx.Err() != nil {
					continue // drain: the caller reports ctx.Err once
				}
				out <- im.parse(j)
			}
		})
	}
	go func() { wg.Wait(); close(out) }()

	n := 0
	for r := range out {
		if ctx.Err() != nil {
			continue // drain; the caller reports ctx.Err once
		}
		if r.err == nil {
			im.save(ctx, r)
		}
		n++
		if r.err != nil {
			sum.Failed = append(sum.Failed, Failure{Path: r.job.path, Err: r.err})
			im.log.Debug("source: import failed", "path", r.job.path, "key", r.job.key, "err", r.err)
		} else {
			sum.add(r.outcome)
			im.log.Debug("source: imported", "path", r.job.path, "key", r.job.key, "outcome", r.outcome)
		}
		if done != nil {
			done(r)
		}
		r.art = nil
		if progress != nil {
			progress(n, len(jobs))
		}
	}
	return sum
}

// process reads, parses and saves one job.
func (im *Importer) process(ctx context.Context, j job) *result {
	r := im.parse(j)
	if r.err == nil {
		im.save(ctx, r)
	}
	return r
}

func (im *Importer) save(ctx context.Context, r *result) {
	o, err := im.saver.SaveArticle(ctx, r.art)
	if err != nil {
		r.err = fmt.Errorf("%s: %w", r.job.path, err)
		return
	}
	r.outcome = o
}

// parse reads and parses one file. The size is checked on the open file
// before reading, so a stray video in the articles folder costs a stat, not
// a read of gigabytes; reading stops at the limit in case the file grows.
func (im *Importer) parse(j job) *result {
	r := &result{job: j}
	f, err := os.Open(j.path)
	if err != nil {
		r.err = err
		return r
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		r.err = err
		return r
	}
	if !fi.Mode().IsRegular() {
		r.err = fmt.Errorf("%s: not a regular file", j.path)
		return r
	}
	r.stamp = fileStamp{size: fi.Size(), mtime: fi.ModTime()}
	if fi.Size() > im.maxSize {
		r.err = tooLarge(j.path, fi.Size(), im.maxSize)
		return r
	}
	var buf bytes.Buffer
	buf.Grow(int(fi.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, im.maxSize+1)); err != nil {
		r.err = fmt.Errorf("%s: %w", j.path, err)
		return r
	}
	if int64(buf.Len()) > im.maxSize {
		r.err = tooLarge(j.path, int64(buf.Len()), im.maxSize)
		return r
	}
	r.art, r.err = im.parser.Parse(article.Input{
		Name:     j.path,
		Key:      j.key,
		Category: j.category,
		Data:     buf.Bytes(),
	})
	return r
}

func tooLarge(path string, size, limit int64) error {
	return &article.ParseError{File: path, Err: fmt.Errorf("%w: %d bytes, limit %d", article.ErrTooLarge, size, limit)}
}
