package mailer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testServer is a real SMTP server (go-smtp) on 127.0.0.1, recording what
// it receives. Its hooks, when set, decide the replies; they are called
// from the server's goroutines, so tests set them before sending.
type testServer struct {
	t    *testing.T
	srv  *smtp.Server
	ln   net.Listener
	host string
	port int

	// Hooks; nil accepts. n counts calls to that hook, from 1.
	onMail func(n int, from string) error
	onRcpt func(n int, to string) error
	onData func(n int, c *smtp.Conn, r io.Reader) error
	auth   func(user, pass string) error // nil: no AUTH offered

	discard bool // keep no data (benchmarks)

	mu        sync.Mutex
	msgs      []received
	mails     int
	rcpts     int
	datas     int
	sessions  int // sessions opened
	active    int // sessions open now
	maxActive int
	perConn   map[int]int // messages by session
	rcptSeen  []string
	heloSeen  []string
}

type received struct {
	From    string
	To      []string
	Data    []byte
	Session int
}

// newTestServer starts a server; tlsConfig, when set, offers STARTTLS.
func newTestServer(t testing.TB, tlsConfig *tls.Config) *testServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startTestServer(t, ln, tlsConfig)
}

func startTestServer(t testing.TB, ln net.Listener, tlsConfig *tls.Config) *testServer {
	ts := &testServer{ln: ln, perConn: map[int]int{}}
	if tt, ok := t.(*testing.T); ok {
		ts.t = tt
	}
	ts.srv = smtp.NewServer(ts)
	ts.srv.Domain = "mx.test"
	ts.srv.TLSConfig = tlsConfig
	ts.srv.MaxMessageBytes = 10 << 20
	ts.srv.ErrorLog = log.New(io.Discard, "", 0)
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	ts.host = host
	ts.port, _ = strconv.Atoi(port)
	go func() { _ = ts.srv.Serve(ln) }()
	t.Cleanup(func() { _ = ts.srv.Close() })
	return ts
}

func (ts *testServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.sessions++
	ts.active++
	ts.maxActive = max(ts.maxActive, ts.active)
	ts.heloSeen = append(ts.heloSeen, c.Hostname())
	return &testSession{ts: ts, conn: c, id: ts.sessions}, nil
}

func (ts *testServer) received() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.msgs...)
}

func (ts *testServer) stats() (sessions, maxActive int, perConn map[int]int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	m := map[int]int{}
	for k, v := range ts.perConn {
		m[k] = v
	}
	return ts.sessions, ts.maxActive, m
}

type testSession struct {
	ts   *testServer
	conn *smtp.Conn
	id   int
	from string
	to   []string
}

func (s *testSession) AuthMechanisms() []string {
	if s.ts.auth == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		return s.ts.auth(user, pass)
	}), nil
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	s.ts.mu.Lock()
	s.ts.mails++
	n, hook := s.ts.mails, s.ts.onMail
	s.ts.mu.Unlock()
	if hook != nil {
		if err := hook(n, from); err != nil {
			return err
		}
	}
	s.from = from
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.ts.mu.Lock()
	s.ts.rcpts++
	s.ts.rcptSeen = append(s.ts.rcptSeen, to)
	n, hook := s.ts.rcpts, s.ts.onRcpt
	s.ts.mu.Unlock()
	if hook != nil {
		if err := hook(n, to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	s.ts.mu.Lock()
	s.ts.datas++
	n, hook, discard := s.ts.datas, s.ts.onData, s.ts.discard
	s.ts.mu.Unlock()
	if hook != nil {
		if err := hook(n, s.conn, r); err != nil {
			return err
		}
	}
	var data []byte
	if discard {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
	} else {
		var err error
		if data, err = io.ReadAll(r); err != nil {
			return err
		}
	}
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	s.ts.perConn[s.id]++
	if !discard {
		s.ts.msgs = append(s.ts.msgs, received{From: s.from, To: s.to, Data: data, Session: s.id})
	}
	return nil
}

func (s *testSession) Reset() { s.from, s.to = "", nil }

func (s *testSession) Logout() error {
	s.ts.mu.Lock()
	s.ts.active--
	s.ts.mu.Unlock()
	return nil
}

// smtpErr is a reply from a hook.
func smtpErr(code int, enhanced [3]int, msg string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode(enhanced), Message: msg}
}

// selfSigned returns a server certificate for 127.0.0.1 and a client
// configuration that trusts it, and only it.
func selfSigned(t testing.TB) (server, client *tls.Config) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "bantin test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client
}

// freePort returns a port on 127.0.0.1 that nothing listens on (now).
func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}

// smtpOptions returns Options for the smtp transport to ts.
func (ts *testServer) options(conns int) Options {
	return Options{
		Transport: TransportSMTP,
		From:      Address{Name: "Bản tin Thời sự", Email: "no-reply@tin.example.vn"},
		Domain:    "tin.example.vn",
		ListName:  "Bản tin",
		SMTP: SMTPOptions{
			Host:        ts.host,
			Port:        ts.port,
			TLS:         TLSNone,
			Connections: conns,
			Timeout:     5 * time.Second,
			HELO:        "bantin.test",
		},
	}
}

// lines splits data into its CRLF lines.
func lines(data []byte) [][]byte {
	return bytes.Split(bytes.TrimSuffix(data, []byte("\r\n")), []byte("\r\n"))
}
