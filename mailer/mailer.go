package mailer

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

// Sender sends one message. *Mailer implements it; the packages that send
// mail take a Sender, so that their tests can record messages instead.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// Transports for [Options.Transport].
const (
	TransportSMTP    = "smtp"
	TransportMaildir = "maildir"
)

// TLS modes for [SMTPOptions.TLS].
const (
	TLSNone     = "none"     // plain text; no password is ever sent
	TLSStartTLS = "starttls" // STARTTLS, required (port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
)

// Options configures a [Mailer]. [OptionsFromConfig] fills it from bantin's
// configuration.
type Options struct {
	// Transport is TransportSMTP or TransportMaildir (the default).
	Transport string
	// Maildir is the Maildir directory the maildir transport delivers into;
	// it and its tmp, new and cur subdirectories are created if missing.
	Maildir string
	// SMTP configures the smtp transport.
	SMTP SMTPOptions
	// Rate is the most messages sent per second, over all connections;
	// 0 is no limit.
	Rate int

	// From is the default author and envelope sender. Required.
	From Address
	// Domain is the right-hand side of Message-IDs, the site's domain;
	// empty uses From's domain.
	Domain string
	// ListID identifies the list in the List-Id header of bulk messages,
	// a domain-like name such as "digest.example.com"; empty uses
	// "digest." and Domain. ListName is its optional display name.
	ListID   string
	ListName string
	// DKIM, when not nil, signs every message.
	DKIM *DKIMOptions
	// Location is the time zone of Date headers; nil is UTC.
	Location *time.Location
	// Logger receives connection events, never message bodies or
	// secrets; recipients appear only hashed, at debug level. Nil logs
	// nothing.
	Logger *slog.Logger
	// Now returns the current time for Date headers; nil is time.Now.
	// For tests.
	Now func() time.Time
}

// SMTPOptions configures the smtp transport.
type SMTPOptions struct {
	// Host is the server's name or IP address. Required.
	Host string
	// Port is the server's port; 0 is 587 for TLSStartTLS, 465 for
	// TLSImplicit and 25 for TLSNone.
	Port int
	// TLS is TLSStartTLS (the default), TLSImplicit or TLSNone.
	TLS string
	// Username and Password authenticate, when Username is set; they
	// need TLS.
	Username string
	Password string
	// Connections is how many connections are kept open and used at the
	// same time; 0 is 4.
	Connections int
	// Timeout bounds each step of a conversation: connecting (with
	// STARTTLS and AUTH), each command's reply, and sending a message
	// with its final reply. 0 is 30s.
	Timeout time.Duration
	// HELO is the name the client gives in EHLO; empty uses the host
	// name of this machine.
	HELO string
	// TLSConfig, when set, replaces the TLS configuration, whose default
	// verifies the server's certificate for Host against the system's
	// roots. For tests and private CAs.
	TLSConfig *tls.Config
}

// DKIMOptions configures DKIM signing.
type DKIMOptions struct {
	// Domain is the signing domain (d=); empty uses From's domain, which
	// is what DMARC alignment wants.
	Domain string
	// Selector names the key under Domain (s=): its public half is
	// published at Selector._domainkey.Domain.
	Selector string
	// Key is an *rsa.PrivateKey (rsa-sha256, at least 1024 bits, 2048
	// recommended) or an ed25519.PrivateKey (ed25519-sha256).
	Key crypto.Signer
}

// Mailer sends messages through one transport. It is safe for concurrent
// use by any number of goroutines; the number of messages actually in
// flight is bounded by SMTPOptions.Connections.
type Mailer struct {
	transport transport
	limiter   *rate.Limiter // nil: no limit
	from      Address
	domain    string
	listID    string // the whole List-Id value, encoded
	dkim      *DKIMOptions
	dkimKeys  []string
	loc       *time.Location
	now       func() time.Time
	log       *slog.Logger
	bufs      sync.Pool // *[]byte message buffers
}

// transport delivers a built message. data is the message in one or two
// pieces (a DKIM-Signature line, then the rest), CRLF line endings.
type transport interface {
	send(ctx context.Context, from string, to []string, data ...[]byte) error
	close() error
}

// New returns a Mailer for o. It checks o and, for Maildir, creates the
// directories, but it does not connect to an SMTP server: connections are
// made when messages are sent, so a server that is down at start-up only
// makes those sends fail (temporarily) until it is back.
func New(o Options) (*Mailer, error) {
	from, err := o.From.Normalize()
	if err != nil {
		return nil, fmt.Errorf("mailer: From: %w", err)
	}
	m := &Mailer{from: from, loc: o.Location, now: o.Now, log: o.Logger}
	if m.loc == nil {
		m.loc = time.UTC
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.domain = o.Domain
	if m.domain == "" {
		m.domain = domainOf(from.Email)
	}
	if m.domain, err = normalizeDomain(m.domain); err != nil {
		return nil, fmt.Errorf("mailer: Domain: %w", err)
	}
	listID := o.ListID
	if listID == "" {
		listID = "digest." + m.domain
	}
	if listID, err = normalizeDomain(listID); err != nil {
		return nil, fmt.Errorf("mailer: ListID: %w", err)
	}
	if hasControl(o.ListName) || !utf8.ValidString(o.ListName) {
		return nil, errors.New("mailer: ListName must be one line of UTF-8 text")
	}
	h := header{col: len("List-Id:")}
	if o.ListName != "" {
		h.phrase(strings.TrimSpace(o.ListName))
	}
	h.token("<" + listID + ">")
	m.listID = string(h.b[1:]) // without the space after the colon
	if o.DKIM != nil {
		d, err := checkDKIM(*o.DKIM, from)
		if err != nil {
			return nil, err
		}
		m.dkim, m.dkimKeys = &d, dkimHeaderKeys()
	}
	if o.Rate < 0 {
		return nil, errors.New("mailer: Rate must not be negative")
	}
	if o.Rate > 0 {
		// A burst of a twentieth of a second's messages (at least one)
		// smooths the flow without letting it exceed the rate over any
		// interval that matters to a receiving server.
		m.limiter = rate.NewLimiter(rate.Limit(o.Rate), max(1, o.Rate/20))
	}
	switch o.Transport {
	case TransportSMTP:
		m.transport, err = newSMTP(o.SMTP, m.log)
	case TransportMaildir, "":
		m.transport, err = newMaildir(o.Maildir)
	default:
		err = fmt.Errorf("mailer: unknown transport %q; use smtp or maildir", o.Transport)
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

func checkDKIM(d DKIMOptions, from Address) (DKIMOptions, error) {
	if d.Domain == "" {
		d.Domain = domainOf(from.Email)
	}
	var err error
	if d.Domain, err = normalizeDomain(d.Domain); err != nil {
		return d, fmt.Errorf("mailer: DKIM domain: %w", err)
	}
	if d.Selector == "" || !isSelector(d.Selector) {
		return d, fmt.Errorf("mailer: DKIM selector %q: want letters, digits, hyphens and dots", d.Selector)
	}
	switch k := d.Key.(type) {
	case ed25519.PrivateKey:
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			return d, fmt.Errorf("mailer: DKIM RSA key has %d bits; RFC 8301 wants at least 1024 (2048 recommended)", k.N.BitLen())
		}
	case nil:
		return d, errors.New("mailer: DKIM key missing")
	default:
		return d, fmt.Errorf("mailer: DKIM key of type %T; want RSA or Ed25519", d.Key)
	}
	return d, nil
}

func isSelector(s string) bool {
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i] | 0x20
			if !('a' <= c && c <= 'z' || '0' <= label[i] && label[i] <= '9' || label[i] == '-' || label[i] == '_') {
				return false
			}
		}
	}
	return true
}

func domainOf(email string) string {
	return email[strings.LastIndexByte(email, '@')+1:]
}

// Send builds msg and sends it, waiting for the rate limit and then for a
// free connection. It returns nil once the server has accepted the message
// (or the Maildir has it on disk), and otherwise a *SendError saying
// whether to try again later; see [SendError]. ctx bounds the whole call.
func (m *Mailer) Send(ctx context.Context, msg *Message) error {
	if err := checkMessage(msg); err != nil {
		return invalid(err)
	}
	from := m.from
	if msg.From.Email != "" || msg.From.Name != "" {
		a, err := msg.From.Normalize()
		if err != nil {
			return invalid(fieldError(err, "From"))
		}
		from = a
	}
	// Recipients are normalised into a small array on the stack in the
	// common case of one or a few.
	var toBuf [4]Address
	to := toBuf[:0]
	for _, a := range msg.To {
		n, err := a.Normalize()
		if err != nil {
			se := invalid(fieldError(err, "To"))
			se.Recipient = a.Email
			return se
		}
		to = append(to, n)
	}
	var replyTo Address
	if msg.ReplyTo.Email != "" || msg.ReplyTo.Name != "" {
		a, err := msg.ReplyTo.Normalize()
		if err != nil {
			return invalid(fieldError(err, "Reply-To"))
		}
		replyTo = a
	}

	bp := m.getBuf()
	defer m.putBuf(bp)
	buf, headerLen := m.build(*bp, msg, from, to, replyTo)
	*bp = buf
	var sig []byte
	if m.dkim != nil {
		s, err := m.sign(buf[:headerLen], buf[headerLen+2:])
		if err != nil {
			return &SendError{Err: fmt.Errorf("mailer: DKIM signing: %w", err), Temporary: true}
		}
		sig = s
	}

	var rcptBuf [4]string
	rcpts := rcptBuf[:0]
	for _, a := range to {
		rcpts = append(rcpts, a.Email)
	}
	if m.limiter != nil {
		if err := m.limiter.Wait(ctx); err != nil {
			return &SendError{Temporary: true, Err: contextError(ctx, err)}
		}
	}
	err := m.transport.send(ctx, from.Email, rcpts, sig, buf)
	if err != nil && m.log.Enabled(ctx, slog.LevelDebug) {
		m.log.DebugContext(ctx, "mail not sent", "rcpt_hash", hashAddresses(rcpts), "err", err)
	}
	return err
}

// Close closes the connections, waiting for messages being sent on them.
// Send returns ErrClosed after Close.
func (m *Mailer) Close() error {
	return m.transport.close()
}

func fieldError(err error, field string) error {
	var ae *AddressError
	if errors.As(err, &ae) {
		return &AddressError{Field: field, Reason: ae.Reason, Err: ae.Err}
	}
	return err
}

func (m *Mailer) getBuf() *[]byte {
	if bp, ok := m.bufs.Get().(*[]byte); ok {
		return bp
	}
	b := make([]byte, 0, 32<<10)
	return &b
}

func (m *Mailer) putBuf(bp *[]byte) {
	if cap(*bp) <= 1<<20 { // let the odd huge message's buffer go
		*bp = (*bp)[:0]
		m.bufs.Put(bp)
	}
}

// hashAddresses identifies recipients in debug logs without writing them
// down: the first 8 bytes of a SHA-256, enough to match a log line to a
// delivery record.
func hashAddresses(rcpts []string) string {
	h := sha256.New()
	for _, r := range rcpts {
		h.Write([]byte(strings.ToLower(r)))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// boundary separates the parts of multipart/alternative messages. It can
// be the same for every message because it contains "=_", which no
// quoted-printable (or base64) text can contain, so it never needs to be
// random; quoted, since "=" is special in a parameter value.
const boundary = "=_bantin_alt"

// build appends the message to dst, CRLF line endings, and returns it and
// the length of its header up to the blank line that ends it.
func (m *Mailer) build(dst []byte, msg *Message, from Address, to []Address, replyTo Address) ([]byte, int) {
	size := 1024 + len(msg.Subject)*2 + partsLen(msg.TextParts) + partsLen(msg.HTMLParts) +
		qpSize(msg.Text) + qpSize(msg.HTML) + len(msg.Unsubscribe) + len(msg.UnsubscribeMailto)
	if cap(dst) < size {
		dst = make([]byte, 0, size)
	}
	h := header{b: dst[:0]}

	h.start("Date")
	h.b = append(h.b, ' ')
	h.b = m.now().In(m.loc).AppendFormat(h.b, time.RFC1123Z)
	h.end()

	h.start("From")
	h.address(from, false)
	h.end()

	h.start("To")
	for i, a := range to {
		h.address(a, i < len(to)-1)
	}
	h.end()

	if replyTo.Email != "" {
		h.start("Reply-To")
		h.address(replyTo, false)
		h.end()
	}

	h.start("Subject")
	h.text(strings.TrimSpace(msg.Subject))
	h.end()

	h.start("Message-ID")
	h.b = append(h.b, " <"...)
	var id [16]byte
	_, _ = rand.Read(id[:]) // never fails (crypto/rand)
	h.b = hex.AppendEncode(h.b, id[:])
	h.b = append(h.b, '@')
	h.b = append(h.b, m.domain...)
	h.b = append(h.b, '>')
	h.end()

	if msg.Bulk {
		h.b = append(h.b, "List-Id: "...)
		h.b = append(h.b, m.listID...)
		h.end()
	}
	if msg.Unsubscribe != "" {
		h.start("List-Unsubscribe")
		h.space(len(msg.Unsubscribe) + 3)
		h.b = append(h.b, '<')
		h.b = append(h.b, msg.Unsubscribe...)
		h.b = append(h.b, '>')
		h.col += len(msg.Unsubscribe) + 2
		if msg.UnsubscribeMailto != "" {
			h.b = append(h.b, ',')
			h.col++
			h.token("<" + msg.UnsubscribeMailto + ">")
		}
		h.end()
		h.b = append(h.b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"...)
	}
	for _, f := range msg.Headers {
		h.field(f.Name, f.Value)
	}
	h.b = append(h.b, "MIME-Version: 1.0\r\n"...)

	hasText := msg.Text != "" || partsLen(msg.TextParts) > 0
	hasHTML := msg.HTML != "" || partsLen(msg.HTMLParts) > 0
	const (
		textType = "Content-Type: text/plain; charset=UTF-8\r\n"
		htmlType = "Content-Type: text/html; charset=UTF-8\r\n"
		qp       = "Content-Transfer-Encoding: quoted-printable\r\n"
	)
	b := h.b
	if hasText && hasHTML {
		b = append(b, "Content-Type: multipart/alternative; boundary=\""+boundary+"\"\r\n"...)
		headerLen := len(b)
		b = append(b, "\r\n--"+boundary+"\r\n"+textType+qp+"\r\n"...)
		b, _ = appendParts(b, msg.Text, msg.TextParts)
		b = append(b, "\r\n--"+boundary+"\r\n"+htmlType+qp+"\r\n"...)
		b, _ = appendParts(b, msg.HTML, msg.HTMLParts)
		b = append(b, "\r\n--"+boundary+"--\r\n"...)
		return b, headerLen
	}
	if hasText {
		b = append(b, textType+qp...)
	} else {
		b = append(b, htmlType+qp...)
	}
	headerLen := len(b)
	b = append(b, '\r', '\n')
	var eol bool
	if hasText {
		b, eol = appendParts(b, msg.Text, msg.TextParts)
	} else {
		b, eol = appendParts(b, msg.HTML, msg.HTMLParts)
	}
	if !eol {
		// The message must end in CRLF; a soft line break provides one
		// without adding a line break to the text.
		b = append(b, '=', '\r', '\n')
	}
	return b, headerLen
}
