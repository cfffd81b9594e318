package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bantin/bantin/store"
	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long the watcher waits after the last event on a
// file before importing it. Editors save in bursts (truncate, write, write,
// rename); importing on the first event would read half a file.
const DefaultDebounce = 300 * time.Millisecond

// missingDirRetry is how often a missing directory is looked for when
// rescans are off.
const missingDirRetry = 30 * time.Second

// WatcherOptions configure a Watcher.
type WatcherOptions struct {
	// Dir is the directory watched, with every directory under it; ""
	// means the importer's root. Keys are relative to the importer's root
	// whenever Dir lies under it, so a file keeps its key whether it
	// arrives through the watcher or "bantin import".
	Dir string
	// Debounce is the quiet time after the last event on a path before it
	// is imported; 0 means DefaultDebounce.
	Debounce time.Duration
	// Rescan is the interval of full rescans, a safety net for events the
	// system drops (full queues, network file systems); 0 turns them off.
	Rescan time.Duration
	// NoEvents turns off file-system notifications, leaving only the scan at
	// start and the rescans: for file systems that deliver no events, such
	// as some network mounts.
	NoEvents bool
	// Logger receives a record of every import, failure and removal; nil
	// discards them.
	Logger *slog.Logger
}

// Watcher keeps the store in step with an articles directory: new and
// changed files are imported shortly after they are written. Removing a
// file keeps its article (see the package documentation).
type Watcher struct {
	im       *Importer
	dir      string
	debounce time.Duration
	rescan   time.Duration
	noEvents bool
	log      *slog.Logger
}

// NewWatcher returns a Watcher that imports with im.
func NewWatcher(im *Importer, o WatcherOptions) *Watcher {
	w := &Watcher{im: im, dir: o.Dir, debounce: o.Debounce, rescan: o.Rescan, noEvents: o.NoEvents, log: o.Logger}
	if w.dir == "" {
		w.dir = im.root
	}
	w.dir = filepath.Clean(w.dir)
	if w.debounce <= 0 {
		w.debounce = DefaultDebounce
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	return w
}

// Run scans the directory once, then watches it until ctx is done, and
// returns nil then. It fails only when the system's file notification
// cannot be set up. A missing directory is not an error: Run logs a warning
// and looks again at every rescan (every 30s when rescans are off).
func (w *Watcher) Run(ctx context.Context) error {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("source: watch %s: %w", w.dir, err)
	}
	defer fsw.Close()
	l := &watchLoop{
		Watcher: w,
		fsw:     fsw,
		stamps:  make(map[string]stamped),
		latest:  make(map[string]time.Time),
		timer:   time.NewTimer(time.Hour),
	}
	l.timer.Stop()
	return l.run(ctx)
}

// stamped is what the watcher remembers of a file it imported (or failed
// to, because of its content).
type stamped struct {
	fileStamp
	key string
}

// pendingPath is a path waiting out its debounce.
type pendingPath struct {
	path string
	due  time.Time
}

// watchLoop is the state of one Run; only Run's goroutine touches it.
type watchLoop struct {
	*Watcher
	fsw     *fsnotify.Watcher
	missing bool
	// stamps holds the files seen, so that a rescan skips unchanged files
	// and notices removed ones.
	stamps map[string]stamped
	// queue holds paths in the order their debounce ends, which is the
	// order of their events because the debounce is the same for all;
	// latest holds each path's newest due time, so an entry superseded by a
	// later event is skipped.
	queue  []pendingPath
	latest map[string]time.Time
	timer  *time.Timer
}

func (l *watchLoop) run(ctx context.Context) error {
	l.setup(ctx)
	var tick <-chan time.Time
	switch {
	case l.rescan > 0:
		t := time.NewTicker(l.rescan)
		defer t.Stop()
		tick = t.C
	default:
		// Without rescans the ticker only looks for a missing directory.
		t := time.NewTicker(missingDirRetry)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-l.fsw.Events:
			if !ok {
				return nil
			}
			l.event(ev)
		case err, ok := <-l.fsw.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				l.log.Warn("source: file events were lost; rescanning", "dir", l.dir, "err", err)
				l.scan(ctx)
				continue
			}
			l.log.Warn("source: watching files", "dir", l.dir, "err", err)
		case <-l.timer.C:
			l.flush(ctx, time.Now())
		case <-tick:
			if l.missing || l.rescan > 0 {
				l.setup(ctx)
			}
		}
	}
}

// setup watches the tree and scans it, or notes that the directory is
// missing.
func (l *watchLoop) setup(ctx context.Context) {
	fi, err := os.Stat(l.dir)
	if err != nil || !fi.IsDir() {
		if !l.missing {
			if err == nil {
				err = errors.New("not a directory")
			}
			l.log.Warn("source: articles directory is missing; looking again later", "dir", l.dir, "err", err)
		}
		l.missing = true
		return
	}
	if l.missing {
		l.log.Info("source: articles directory found", "dir", l.dir)
		l.missing = false
	}
	l.watchTree(l.dir)
	l.scan(ctx)
}

// watchTree adds a watch on dir and every directory under it that a walk
// would enter. Adding a watch twice is harmless, so rescans call it again
// to pick up directories whose events were lost.
func (l *watchLoop) watchTree(dir string) {
	root := dir
	if fi, err := os.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		root += string(filepath.Separator) // see walkDir
	}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			l.log.Warn("source: cannot watch", "path", p, "err", err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && ignored(d.Name()) {
			return fs.SkipDir
		}
		if l.noEvents {
			return nil
		}
		if err := l.fsw.Add(filepath.Clean(p)); err != nil {
			l.log.Warn("source: cannot watch", "path", p, "err", err)
		}
		return nil
	})
}

// event files a notification. Every path waits out the debounce and is
// then judged by what is on disk, not by the event: an atomic save renames
// a file away and another into its place, and only the end state matters.
func (l *watchLoop) event(ev fsnotify.Event) {
	p := filepath.Clean(ev.Name)
	base := filepath.Base(p)
	if ignored(base) {
		return
	}
	switch {
	case ev.Has(fsnotify.Create):
		if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
			// Watch it at once so nothing written into it is missed; its
			// files are imported after the debounce.
			l.watchTree(p)
			l.schedule(p)
			return
		}
		if isArticleFile(base) {
			l.schedule(p)
		}
	case ev.Has(fsnotify.Write):
		if isArticleFile(base) {
			l.schedule(p)
		}
	case ev.Has(fsnotify.Remove), ev.Has(fsnotify.Rename):
		// Directories too: files under a removed directory are logged.
		l.schedule(p)
	}
}

func (l *watchLoop) schedule(p string) {
	due := time.Now().Add(l.debounce)
	l.latest[p] = due
	l.queue = append(l.queue, pendingPath{path: p, due: due})
	if len(l.queue) == 1 {
		l.timer.Reset(l.debounce)
	}
}

// flush handles every path whose debounce has ended.
func (l *watchLoop) flush(ctx context.Context, now time.Time) {
	var paths []string
	i := 0
	for ; i < len(l.queue) && !l.queue[i].due.After(now); i++ {
		e := l.queue[i]
		if l.latest[e.path].Equal(e.due) {
			delete(l.latest, e.path)
			paths = append(paths, e.path)
		}
	}
	l.queue = append(l.queue[:0], l.queue[i:]...)
	if len(l.queue) > 0 {
		l.timer.Reset(l.queue[0].due.Sub(now))
	}

	var jobs []job
	queued := make(map[string]bool)
	add := func(p string) {
		if !queued[p] {
			queued[p] = true
			jobs = append(jobs, l.jobFor(p))
		}
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err == nil && fi.IsDir() && p != l.dir {
			// Symlinks to directories are not followed, as in walks.
			if lfi, lerr := os.Lstat(p); lerr == nil && lfi.Mode()&fs.ModeSymlink != 0 {
				continue
			}
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			l.removed(p)
			if p == l.dir {
				l.log.Warn("source: articles directory was removed; looking again later", "dir", l.dir)
				l.missing = true
			}
		case err != nil:
			l.log.Warn("source: cannot read", "path", p, "err", err)
		case fi.IsDir():
			// A directory created or moved in: import what it holds.
			l.im.walkDir(p, func(j job) { add(filepath.Clean(j.path)) }, l.failed)
		case fi.Mode().IsRegular() && isArticleFile(filepath.Base(p)):
			add(p)
		}
	}
	l.im.run(ctx, jobs, nil, l.record)
}

// removed logs the files at or under p that the watcher had seen, and
// forgets them. Their articles stay.
func (l *watchLoop) removed(p string) {
	prefix := p + string(filepath.Separator)
	for path, s := range l.stamps {
		if path == p || strings.HasPrefix(path, prefix) {
			l.log.Info("source: file removed; its article is kept", "path", path, "key", s.key)
			delete(l.stamps, path)
		}
	}
}

// jobFor returns the job for a file under the watched directory: keyed
// relative to the importer's root when the file is under it, else relative
// to the watched directory, as "bantin import <dir>" would key it.
func (l *watchLoop) jobFor(p string) job {
	if rel, ok := l.im.relToRoot(p, false); ok && rel != "." {
		return l.im.newJob(p, rel)
	}
	if rel, ok := within(l.dir, p); ok && rel != "." {
		return l.im.newJob(p, rel)
	}
	return l.im.fileJob(p)
}

// scan imports every file under the directory that is new or whose size or
// modification time changed since it was last seen, and logs files that
// went away without an event. The store's content hash decides what
// actually changed; the stamps only spare reading unchanged files.
func (l *watchLoop) scan(ctx context.Context) {
	seen := make(map[string]bool, len(l.stamps))
	var jobs []job
	err := l.im.walkDir(l.dir, func(j job) {
		p := filepath.Clean(j.path)
		seen[p] = true
		fi, err := os.Stat(p)
		if err != nil {
			l.failed(Failure{Path: p, Err: err})
			return
		}
		if s, ok := l.stamps[p]; ok && s.size == fi.Size() && s.mtime.Equal(fi.ModTime()) {
			return
		}
		jobs = append(jobs, l.jobFor(p))
	}, l.failed)
	if err != nil {
		l.log.Warn("source: articles directory is missing; looking again later", "dir", l.dir, "err", err)
		l.missing = true
		return
	}
	for p := range l.stamps {
		if !seen[p] {
			l.removed(p)
		}
	}
	sum := l.im.run(ctx, jobs, nil, l.record)
	if len(jobs) > 0 {
		l.log.Info("source: scanned articles directory", "dir", l.dir, "files", len(jobs),
			"created", sum.Created, "updated", sum.Updated, "unchanged", sum.Unchanged, "failed", len(sum.Failed))
	}
}

// record remembers and logs one import. A file that failed because of its
// content is remembered too, so that a rescan does not log the same error
// every time until someone edits the file; a failure of the store is not,
// so the next rescan retries it.
func (l *watchLoop) record(r *result) {
	p := filepath.Clean(r.job.path)
	switch {
	case r.err == nil:
		l.stamps[p] = stamped{fileStamp: r.stamp, key: r.job.key}
		lvl := slog.LevelInfo
		if r.outcome == store.Unchanged {
			lvl = slog.LevelDebug
		}
		l.log.Log(context.Background(), lvl, "source: imported", "path", p, "key", r.job.key, "outcome", r.outcome.String())
	case r.parseErr():
		l.stamps[p] = stamped{fileStamp: r.stamp, key: r.job.key}
		l.failed(Failure{Path: p, Err: r.err})
	default:
		l.failed(Failure{Path: p, Err: r.err})
	}
}

func (l *watchLoop) failed(f Failure) {
	l.log.Warn("source: cannot import", "path", f.Path, "err", f.Err)
}
