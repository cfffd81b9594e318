package newsletter

import (
	"io"
	"log"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is a real SMTP server (go-smtp) on 127.0.0.1 that counts what it
// accepts per recipient. Its hooks decide replies; they are set before
// sending and called from the server's goroutines.
type sink struct {
	t    testing.TB
	port int
	srv  *smtp.Server

	// rcpt, when set, answers RCPT TO for the n-th time to (from 1).
	rcpt func(to string, n int) error
	// data, when set, runs before the message is read; it may close c to
	// drop the connection, or sleep to be slow.
	data func(to []string, c *smtp.Conn, r io.Reader) error

	mu       sync.Mutex
	rcptSeen map[string]int
	got      map[string]int      // accepted messages per recipient
	msgs     map[string][][]byte // accepted messages per recipient
}

func newSink(t testing.TB) *sink {
	s := &sink{t: t, rcptSeen: map[string]int{}, got: map[string]int{}, msgs: map[string][][]byte{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	s.serve(ln)
	return s
}

// newSinkDown returns a sink whose port nothing listens on until start.
func newSinkDown(t testing.TB) *sink {
	s := &sink{t: t, rcptSeen: map[string]int{}, got: map[string]int{}, msgs: map[string][][]byte{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return s
}

// start starts a sink made by newSinkDown.
func (s *sink) start() {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(s.port)); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	s.serve(ln)
}

func (s *sink) serve(ln net.Listener) {
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &sinkSession{s: s, conn: c}, nil
	}))
	s.srv.Domain = "mx.test"
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	srv := s.srv
	go func() { _ = srv.Serve(ln) }()
	s.t.Cleanup(func() { _ = srv.Close() })
}

// count returns how many messages to has been accepted.
func (s *sink) count(to string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got[to]
}

// total returns how many messages were accepted, and how many recipients
// got more than one.
func (s *sink) total() (msgs, duplicates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.got {
		msgs += n
		duplicates += n - 1
	}
	return msgs, duplicates
}

func (s *sink) message(to string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.msgs[to]; len(m) > 0 {
		return m[0]
	}
	return nil
}

type sinkSession struct {
	s    *sink
	conn *smtp.Conn
	to   []string
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	ss.s.rcptSeen[to]++
	n, hook := ss.s.rcptSeen[to], ss.s.rcpt
	ss.s.mu.Unlock()
	if hook != nil {
		if err := hook(to, n); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	if hook := ss.s.data; hook != nil {
		if err := hook(ss.to, ss.conn, r); err != nil {
			return err
		}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	for _, to := range ss.to {
		ss.s.got[to]++
		ss.s.msgs[to] = append(ss.s.msgs[to], data)
	}
	return nil
}

func (ss *sinkSession) Reset()        { ss.to = nil }
func (ss *sinkSession) Logout() error { return nil }

func smtpReply(code int, enhanced [3]int, msg string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode(enhanced), Message: msg}
}

// atRecipient makes s run fn when it is given its nth recipient, before
// it answers.
func atRecipient(s *sink, n int32, fn func()) {
	var seen atomic.Int32
	s.rcpt = func(string, int) error {
		if seen.Add(1) == n {
			fn()
		}
		return nil
	}
}
