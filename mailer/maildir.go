package mailer

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// maildir delivers into a Maildir (https://cr.yp.to/proto/maildir.html):
// each message is written to tmp/ under a unique name, synced, and renamed
// into new/, so a reader never sees a partial message and a crash leaves
// at most a stray file in tmp/.
type maildir struct {
	dir    string
	host   string
	pid    string
	seq    atomic.Uint64
	closed atomic.Bool
}

func newMaildir(dir string) (*maildir, error) {
	if dir == "" {
		return nil, errors.New("mailer: no Maildir directory")
	}
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("mailer: Maildir: %w", err)
		}
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	// The spec replaces "/" and ":" in the host name, which would make a
	// path or start the info part of the name.
	host = strings.NewReplacer("/", `\057`, ":", `\072`).Replace(host)
	return &maildir{dir: dir, host: host, pid: strconv.Itoa(os.Getpid())}, nil
}

// name returns a unique file name: the time in seconds, then
// M<microseconds>P<pid>Q<sequence>R<random>, then the host. The sequence
// makes names unique within this process, the pid among processes on the
// host, the random part across restarts that reuse a pid, and the host
// across hosts sharing the directory.
func (md *maildir) name(now time.Time) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	b := make([]byte, 0, 80)
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, ".M"...)
	b = strconv.AppendInt(b, int64(now.Nanosecond()/1000), 10)
	b = append(b, 'P')
	b = append(b, md.pid...)
	b = append(b, 'Q')
	b = strconv.AppendUint(b, md.seq.Add(1), 10)
	b = append(b, 'R')
	b = hex.AppendEncode(b, r[:])
	b = append(b, '.')
	b = append(b, md.host...)
	return string(b)
}

func (md *maildir) send(ctx context.Context, from string, to []string, data ...[]byte) error {
	if md.closed.Load() {
		return &SendError{Command: "maildir", Temporary: true, Err: ErrClosed}
	}
	if err := ctx.Err(); err != nil {
		return &SendError{Command: "maildir", Temporary: true, Err: err}
	}
	if err := md.deliver(from, data); err != nil {
		// A full disk or a permission problem may be fixed; nothing
		// here says anything about the message.
		return &SendError{Command: "maildir", Temporary: true, Err: err}
	}
	return nil
}

func (md *maildir) deliver(from string, data [][]byte) (err error) {
	name := md.name(time.Now())
	tmp := filepath.Join(md.dir, "tmp", name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	// Maildir files have Unix line endings, as a local delivery agent
	// writes them, with the envelope sender in Return-Path.
	n := len("Return-Path: <>\n") + len(from)
	for _, d := range data {
		n += len(d)
	}
	b := make([]byte, 0, n)
	b = append(b, "Return-Path: <"...)
	b = append(b, from...)
	b = append(b, ">\n"...)
	for _, d := range data {
		b = appendLF(b, d)
	}
	if _, err = f.Write(b); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	newDir := filepath.Join(md.dir, "new")
	if err = os.Rename(tmp, filepath.Join(newDir, name)); err != nil {
		return err
	}
	// The rename is durable only once the directory is synced.
	d, err := os.Open(newDir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// appendLF appends src to dst with CRLF line endings turned into LF.
func appendLF(dst, src []byte) []byte {
	for {
		i := bytes.Index(src, []byte("\r\n"))
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		dst = append(dst, '\n')
		src = src[i+2:]
	}
}

func (md *maildir) close() error {
	md.closed.Store(true)
	return nil
}
