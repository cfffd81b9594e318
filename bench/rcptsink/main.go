// Command rcptsink is an SMTP server for the crash benchmark
// (bench/crash.sh) that writes down, for every message it accepts, each of
// its recipients, one per line, appended to a file and fsync'd before it
// answers 250: what it says it accepted is on disk. Postfix's smtp-sink
// counts messages, not recipients, so it cannot tell a lost message from
// a duplicate.
//
// Usage:
//
//	go run ./bench/rcptsink -addr 127.0.0.1:2626 -out rcpts.log
//
// Writes are committed in groups (one fsync for the messages that arrived
// meanwhile), so it keeps up with thousands of messages a second.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/emersion/go-smtp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2626", "address to listen on")
	out := flag.String("out", "rcpts.log", "file to append recipients to")
	flag.Parse()
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	w := &journal{f: f, reqs: make(chan request, 1024)}
	go w.run()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{w: w}, nil }))
	srv.Addr = *addr
	srv.Domain = "rcptsink.test"
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() {
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
		<-c
		_ = srv.Close()
	}()
	fmt.Fprintf(os.Stderr, "rcptsink: listening on %s, writing %s\n", *addr, *out)
	if err := srv.ListenAndServe(); err != nil && err != smtp.ErrServerClosed {
		log.Fatal(err)
	}
}

type request struct {
	lines string
	done  chan error
}

// journal appends lines and fsyncs them in groups.
type journal struct {
	f    *os.File
	reqs chan request
}

func (j *journal) run() {
	bw := bufio.NewWriterSize(j.f, 64<<10)
	for r := range j.reqs {
		group := []request{r}
		bw.WriteString(r.lines)
	more:
		for {
			select {
			case r := <-j.reqs:
				group = append(group, r)
				bw.WriteString(r.lines)
			default:
				break more
			}
		}
		err := bw.Flush()
		if err == nil {
			err = j.f.Sync()
		}
		for _, r := range group {
			r.done <- err
		}
	}
}

func (j *journal) write(lines string) error {
	done := make(chan error, 1)
	j.reqs <- request{lines: lines, done: done}
	return <-done
}

type session struct {
	w  *journal
	to []string
}

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	return s.w.write(strings.Join(s.to, "\n") + "\n")
}

func (s *session) Reset()        { s.to = nil }
func (s *session) Logout() error { return nil }
