package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bantin/bantin/article"
)

// job is one file to import.
type job struct {
	// path names the file in errors and logs, as the caller or the walk
	// spelled it.
	path string
	// key is the source key, "file:" and a slash path.
	key string
	// category is the display name of the folder the file sits in, empty at
	// the top level.
	category string
}

// articleExt reports whether name has an extension the parser reads.
func articleExt(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".txt", ".md", ".markdown":
		return true
	}
	return false
}

// ignored reports whether a file or directory name is one an editor or the
// system leaves behind rather than an article: hidden names, vim swap files
// and its "4913" write test, backup files ending in "~", and Emacs lock and
// autosave files. Picking those up would import half-written drafts.
func ignored(name string) bool {
	switch {
	case name == "" || name == "." || name == "..":
		return false
	case strings.HasPrefix(name, "."), // hidden, and Emacs ".#lock" files
		strings.HasSuffix(name, "~"),
		strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"),
		name == "4913":
		return true
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".swp", ".swo", ".swx", ".tmp", ".part", ".crdownload":
		return true
	}
	return false
}

// isArticleFile reports whether a walk or the watcher should import a file
// with this base name.
func isArticleFile(name string) bool {
	return articleExt(name) && !ignored(name)
}

// within returns the slash path of p relative to dir when p is dir or lies
// under it.
func within(dir, p string) (string, bool) {
	if dir == "" {
		return "", false
	}
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// relToRoot returns the slash path of p relative to the importer's root, or
// false when p lies outside it. A lexical comparison of absolute paths comes
// first; only when that fails are symlinks resolved, and then only in the
// directories: a symlinked file inside the root is keyed by its own name,
// not by its target's.
func (im *Importer) relToRoot(p string, isDir bool) (string, bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false
	}
	if rel, ok := within(im.root, abs); ok {
		return rel, true
	}
	realRoot, err := filepath.EvalSymlinks(im.root)
	if err != nil {
		return "", false
	}
	var real string
	if isDir {
		real, err = filepath.EvalSymlinks(abs)
	} else {
		var dir string
		dir, err = filepath.EvalSymlinks(filepath.Dir(abs))
		real = filepath.Join(dir, filepath.Base(abs))
	}
	if err != nil {
		return "", false
	}
	return within(realRoot, real)
}

// newJob returns the job for a file whose slash path relative to the root
// (or to the directory it was found under) is rel.
func (im *Importer) newJob(path, rel string) job {
	j := job{path: path, key: "file:" + rel}
	if folder, _, ok := strings.Cut(rel, "/"); ok {
		j.category = im.categoryName(folder)
	}
	return j
}

// categoryName returns the display name for a folder: the configured name
// for it (looked up as is, then as its slug), else the folder name itself.
func (im *Importer) categoryName(folder string) string {
	if name, ok := im.categories[folder]; ok {
		return name
	}
	if name, ok := im.categories[article.Slugify(folder)]; ok {
		return name
	}
	return folder
}

// fileJob returns the job for a file named directly.
func (im *Importer) fileJob(path string) job {
	rel, ok := im.relToRoot(path, false)
	if !ok || rel == "." {
		rel = filepath.Base(path)
	}
	return im.newJob(path, rel)
}

// walkDir calls add for every article file under dir, which must exist.
// Unreadable subdirectories and broken symlinks are passed to fail and the
// walk goes on; an error is returned only when dir itself cannot be read.
// Symlinks to files are followed; symlinks to directories are not, which
// keeps a link back up the tree from walking forever.
func (im *Importer) walkDir(dir string, add func(job), fail func(Failure)) error {
	prefix, inRoot := im.relToRoot(dir, true)
	if fi, err := os.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		// WalkDir does not follow a symlinked root; a trailing separator
		// makes the system resolve it ("articles" -> /srv/articles is a
		// common setup).
		dir += string(filepath.Separator)
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			fail(Failure{Path: p, Err: err})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if p != dir && ignored(name) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !articleExt(name) {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			fi, err := os.Stat(p)
			if err != nil {
				fail(Failure{Path: p, Err: err})
				return nil
			}
			if !fi.Mode().IsRegular() {
				im.log.Debug("source: not following symlink", "path", p)
				return nil
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			fail(Failure{Path: p, Err: err})
			return nil
		}
		rel = filepath.ToSlash(rel)
		if inRoot && prefix != "." {
			rel = prefix + "/" + rel
		}
		add(im.newJob(p, rel))
		return nil
	})
}

// collect turns path arguments into jobs. A path that does not exist or
// cannot be read yields an error (all of them joined) and the others are
// still collected. Two different files that would share a source key (same
// name under two directories outside the root) are a failure, not a silent
// overwrite of one article by the other.
func (im *Importer) collect(paths []string) ([]job, []Failure, error) {
	var (
		jobs  []job
		fails []Failure
		errs  []error
		seen  = make(map[string]string) // key -> path
	)
	add := func(j job) {
		if prev, ok := seen[j.key]; ok {
			if samePath(prev, j.path) {
				return
			}
			fails = append(fails, Failure{Path: j.path, Err: fmt.Errorf(
				"%s: source key %q is also the key of %s; import such files from a common parent directory", j.path, j.key, prev)})
			return
		}
		seen[j.key] = j.path
		jobs = append(jobs, j)
	}
	fail := func(f Failure) { fails = append(fails, f) }
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !fi.IsDir() {
			add(im.fileJob(p))
			continue
		}
		if err := im.walkDir(p, add, fail); err != nil {
			errs = append(errs, err)
		}
	}
	return jobs, fails, errors.Join(errs...)
}

func samePath(a, b string) bool {
	if a == b {
		return true
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
