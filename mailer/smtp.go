package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"strconv"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// smtpPool is the smtp transport: a fixed set of connections, each with its
// own go-mail Client, handed out through a channel so that each is used by
// one Send at a time.
type smtpPool struct {
	timeout time.Duration
	idle    chan *smtpConn // connections not in use, connected or not
	done    chan struct{}  // closed by close
	once    sync.Once
	n       int
	log     *slog.Logger
	// noPipelining makes every send go step by step; for tests.
	noPipelining bool
	// plain says the connections carry no TLS, so the message can be
	// written to the socket itself in one writev.
	plain bool
}

// smtpConn is one slot of the pool: a go-mail Client, which knows how to
// dial, say EHLO, STARTTLS and AUTH, and the connection it made, if any.
type smtpConn struct {
	p      *smtpPool
	id     int
	client *gomail.Client
	sc     *smtp.Client // nil: not connected
	nc     net.Conn     // sc's underlying connection, for deadlines
	sent   int          // messages sent on sc
	down   bool         // the last attempt to connect failed (logged once)
	// pipelining says the server offers PIPELINING (RFC 2920).
	pipelining bool
	// vec is reused for the gathered write of a message's chunks.
	vec net.Buffers
}

func newSMTP(o SMTPOptions, log *slog.Logger) (*smtpPool, error) {
	if o.Host == "" {
		return nil, errors.New("mailer: no SMTP host")
	}
	if o.TLS == "" {
		o.TLS = TLSStartTLS
	}
	var policy gomail.TLSPolicy
	port := 0
	switch o.TLS {
	case TLSNone:
		if o.Username != "" {
			return nil, errors.New("mailer: SMTP authentication needs TLS (starttls or tls)")
		}
		policy, port = gomail.NoTLS, 25
	case TLSStartTLS:
		policy, port = gomail.TLSMandatory, 587
	case TLSImplicit:
		// Our dialer does the TLS handshake itself (see below), so there
		// is no STARTTLS to require; "opportunistic" makes go-mail look
		// at the connection, see it is TLS, and allow AUTH PLAIN.
		policy, port = gomail.TLSOpportunistic, 465
	default:
		return nil, fmt.Errorf("mailer: SMTP TLS mode %q; use none, starttls or tls", o.TLS)
	}
	if o.Port != 0 {
		port = o.Port
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("mailer: SMTP port %d out of range", port)
	}
	if o.Connections == 0 {
		o.Connections = 4
	}
	if o.Connections < 0 {
		return nil, errors.New("mailer: negative SMTP connections")
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Timeout < 0 {
		return nil, errors.New("mailer: negative SMTP timeout")
	}
	tlsConfig := o.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: o.Host, MinVersion: tls.VersionTLS12}
	}

	p := &smtpPool{
		timeout: o.Timeout,
		idle:    make(chan *smtpConn, o.Connections),
		done:    make(chan struct{}),
		n:       o.Connections,
		log:     log,
		plain:   o.TLS == TLSNone,
	}
	addr := net.JoinHostPort(o.Host, strconv.Itoa(port))
	for i := range o.Connections {
		c := &smtpConn{p: p, id: i + 1}
		dialer := &net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second}
		// go-mail dials through this function, which keeps the raw
		// connection for deadlines and does implicit TLS itself (go-mail
		// only does it with its own dialer).
		dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
			nc, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			c.nc = nc
			if o.TLS == TLSImplicit {
				tc := tls.Client(nc, tlsConfig)
				if err := tc.HandshakeContext(ctx); err != nil {
					_ = nc.Close()
					return nil, err
				}
				return tc, nil
			}
			return nc, nil
		}
		opts := []gomail.Option{
			gomail.WithPort(port),
			gomail.WithTimeout(o.Timeout),
			gomail.WithTLSPolicy(policy),
			gomail.WithTLSConfig(tlsConfig),
			gomail.WithDialContextFunc(dial),
			gomail.WithoutSMTPUTF8(), // everything sent is ASCII
		}
		if o.HELO != "" {
			opts = append(opts, gomail.WithHELO(o.HELO))
		}
		if o.Username != "" {
			opts = append(opts,
				gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
				gomail.WithUsername(o.Username),
				gomail.WithPassword(o.Password))
		}
		client, err := gomail.NewClient(o.Host, opts...)
		if err != nil {
			return nil, fmt.Errorf("mailer: SMTP client: %w", err)
		}
		c.client = client
		p.idle <- c
	}
	return p, nil
}

// send takes a connection, waiting for one if all are in use, and sends
// the message on it.
func (p *smtpPool) send(ctx context.Context, from string, to []string, data ...[]byte) error {
	select {
	case <-p.done:
		return &SendError{Temporary: true, Err: ErrClosed}
	default:
	}
	var c *smtpConn
	select {
	case c = <-p.idle:
	case <-p.done:
		return &SendError{Temporary: true, Err: ErrClosed}
	case <-ctx.Done():
		return &SendError{Temporary: true, Err: ctx.Err()}
	}
	defer func() { p.idle <- c }()
	return c.send(ctx, from, to, data)
}

// close waits for every connection to be returned and says QUIT on each.
func (p *smtpPool) close() error {
	var errs []error
	p.once.Do(func() {
		close(p.done)
		for range p.n {
			c := <-p.idle
			if c.sc != nil {
				c.setDeadline(context.Background())
				if err := c.sc.Quit(); err != nil && !errors.Is(err, io.EOF) {
					errs = append(errs, err)
				}
				c.disconnect()
			}
		}
	})
	return errors.Join(errs...)
}

// setDeadline gives the next step of the conversation the pool's timeout,
// or less if ctx ends sooner.
func (c *smtpConn) setDeadline(ctx context.Context) {
	d := time.Now().Add(c.p.timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	_ = c.nc.SetDeadline(d)
}

func (c *smtpConn) connect(ctx context.Context) error {
	sc, err := c.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if c.nc != nil {
			_ = c.nc.Close()
			c.nc = nil
		}
		if !c.down {
			c.p.log.Warn("smtp: cannot connect", "conn", c.id, "server", c.client.ServerAddr(), "err", err)
		}
		c.down = true
		return err
	}
	if c.down {
		c.p.log.Info("smtp: connected again", "conn", c.id, "server", c.client.ServerAddr())
	} else {
		c.p.log.Debug("smtp: connected", "conn", c.id, "server", c.client.ServerAddr())
	}
	c.sc, c.down, c.sent = sc, false, 0
	c.pipelining, _ = sc.Extension("PIPELINING")
	return nil
}

// disconnect drops the connection without a word: it is used when the
// conversation is in an unknown state.
func (c *smtpConn) disconnect() {
	if c.sc != nil {
		_ = c.sc.Close()
	}
	c.sc, c.nc = nil, nil
}

// reset ends a failed transaction with RSET so the connection can be used
// again, or disconnects if err (or the RSET) says it cannot.
func (c *smtpConn) reset(ctx context.Context, err error) {
	if isStale(err) {
		c.disconnect()
		return
	}
	c.setDeadline(ctx)
	if c.sc.Reset() != nil {
		c.disconnect()
	}
}

// isStale reports whether err leaves the connection unusable: anything but
// an SMTP reply (a network error, a timeout, a garbled reply), or a 421,
// with which the server announces it is closing the connection.
func isStale(err error) bool {
	var tp *textproto.Error
	return !errors.As(err, &tp) || tp.Code == 421
}

// send sends one message on c, connecting first if needed. If a connection
// that has already carried messages fails before the server has said
// anything about this one (it may have closed the connection while it sat
// idle), it reconnects and tries once more: nothing of this message had
// been accepted.
func (c *smtpConn) send(ctx context.Context, from string, to []string, data [][]byte) error {
	for attempt := 0; ; attempt++ {
		err, retry := c.try(ctx, from, to, data)
		if err == nil || !retry || attempt > 0 {
			return err
		}
	}
}

func (c *smtpConn) try(ctx context.Context, from string, to []string, data [][]byte) (_ error, retry bool) {
	if c.sc == nil {
		if err := c.connect(ctx); err != nil {
			return classify("connect", contextError(ctx, err)), false
		}
	}
	// Cancelling ctx unblocks whatever step is under way by moving the
	// deadline into the past.
	if ctx.Done() != nil {
		nc := c.nc
		stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
		defer func() {
			if !stop() && c.sc != nil {
				// The deadline may have moved after our last step:
				// this connection cannot be trusted with the next.
				c.disconnect()
			}
		}()
	}
	if len(to) == 1 && c.pipelining && !c.p.noPipelining {
		return c.pipelined(ctx, from, to[0], data)
	}
	return c.stepwise(ctx, from, to, data)
}

// stepwise sends a message with go-mail's MAIL, RCPT and DATA, waiting for
// each reply in turn.
func (c *smtpConn) stepwise(ctx context.Context, from string, to []string, data [][]byte) (_ error, retry bool) {
	reused := c.sent > 0
	c.setDeadline(ctx)
	if err := c.sc.Mail("<" + from + ">"); err != nil {
		err = contextError(ctx, err)
		c.reset(ctx, err)
		return classify("MAIL", err), reused && isStale(err) && ctx.Err() == nil
	}
	var rcptErr *SendError
	for _, rcpt := range to {
		c.setDeadline(ctx)
		if err := c.sc.Rcpt("<" + rcpt + ">"); err != nil {
			err = contextError(ctx, err)
			se := rcptError(rcpt, err)
			if isStale(err) {
				c.disconnect()
				return se, false
			}
			// Keep the first permanent refusal, or else the first.
			if rcptErr == nil || rcptErr.Temporary && !se.Temporary {
				rcptErr = se
			}
		}
	}
	if rcptErr != nil {
		// All or nothing: with a recipient refused, the message is not
		// sent to the others either, so a retry cannot duplicate it.
		c.reset(ctx, rcptErr.Err)
		return rcptErr, false
	}
	c.setDeadline(ctx)
	w, err := c.sc.Data()
	if err != nil {
		err = contextError(ctx, err)
		c.reset(ctx, err)
		return classify("DATA", err), false
	}
	c.setDeadline(ctx)
	if err := c.writeData(w, data); err != nil {
		c.disconnect()
		return classify("DATA", contextError(ctx, err)), false
	}
	return c.dataReply(ctx, w.Close())
}

// pipelined sends a message to one recipient with MAIL, RCPT and DATA in
// one write, then reads the three replies (RFC 2920): two round trips per
// message rather than four, which at thousands of messages a second
// matters more than anything else the client does. go-mail's smtp.Client
// does not pipeline, so this speaks on its Text connection, which it
// exports for extensions, after go-mail has connected, said EHLO and done
// STARTTLS and AUTH.
func (c *smtpConn) pipelined(ctx context.Context, from, rcpt string, data [][]byte) (_ error, retry bool) {
	reused := c.sent > 0
	t := c.sc.Text
	c.setDeadline(ctx)
	_, _ = t.W.WriteString("MAIL FROM:<")
	_, _ = t.W.WriteString(from)
	_, _ = t.W.WriteString(">\r\nRCPT TO:<")
	_, _ = t.W.WriteString(rcpt)
	_, _ = t.W.WriteString(">\r\nDATA\r\n")
	if err := t.W.Flush(); err != nil {
		err = contextError(ctx, err)
		c.disconnect()
		return classify("MAIL", err), reused && ctx.Err() == nil
	}
	_, _, mailErr := t.ReadResponse(250)
	if mailErr != nil && isStale(mailErr) {
		// Nothing of this message was accepted: on a connection that
		// sat idle, the caller tries once more on a fresh one.
		mailErr = contextError(ctx, mailErr)
		c.disconnect()
		return classify("MAIL", mailErr), reused && ctx.Err() == nil
	}
	_, _, rcptErr := t.ReadResponse(25)
	if rcptErr != nil && isStale(rcptErr) {
		c.disconnect()
		return rcptError(rcpt, contextError(ctx, rcptErr)), false
	}
	_, _, dataErr := t.ReadResponse(354)
	if dataErr != nil && isStale(dataErr) {
		c.disconnect()
		return classify("DATA", contextError(ctx, dataErr)), false
	}
	if mailErr != nil || rcptErr != nil {
		if dataErr == nil {
			// The server wants the message although MAIL or RCPT
			// failed; hanging up is the only way not to send it.
			c.disconnect()
		} else {
			c.reset(ctx, dataErr)
		}
		if mailErr != nil {
			return classify("MAIL", mailErr), false
		}
		return rcptError(rcpt, rcptErr), false
	}
	if dataErr != nil {
		c.reset(ctx, dataErr)
		return classify("DATA", dataErr), false
	}

	c.setDeadline(ctx)
	var err error
	safe := dotSafe(data) // see writeData
	switch {
	case safe && c.p.plain && t.W.Buffered() == 0:
		err = c.writeGathered(data)
	case safe:
		for _, d := range data {
			_, _ = t.W.Write(d)
		}
		_, _ = t.W.WriteString(".\r\n")
		err = t.W.Flush()
	default:
		w := t.DotWriter()
		for _, d := range data {
			_, _ = w.Write(d)
		}
		err = w.Close()
	}
	if err != nil {
		c.disconnect()
		return classify("DATA", contextError(ctx, err)), false
	}
	_, _, err = t.ReadResponse(250)
	return c.dataReply(ctx, err)
}

// dataReply handles the reply to the end of the data. The transaction is
// over either way, and the connection is fine unless the reply never came
// or was 421.
func (c *smtpConn) dataReply(ctx context.Context, err error) (_ error, retry bool) {
	if err != nil {
		err = contextError(ctx, err)
		if isStale(err) {
			c.disconnect()
		}
		return classify("DATA", err), false
	}
	c.sent++
	return nil, false
}

// rcptError is the SendError for a failed RCPT TO; only a reply, not a
// network error, names the recipient as refused.
func rcptError(rcpt string, err error) *SendError {
	se := classify("RCPT", err)
	if se.Code != 0 {
		se.Recipient = rcpt
	}
	return se
}

// writeGathered writes data and the terminating "." line to the socket
// in one writev. Through the buffered writer, a message of 20 KB took two
// or more write calls; on loopback the calls, not the bytes, are the cost.
// Only for plain connections: with TLS the socket is under the TLS layer.
func (c *smtpConn) writeGathered(data [][]byte) error {
	c.vec = append(append(c.vec[:0], data...), []byte(".\r\n"))
	v := c.vec // WriteTo consumes its receiver
	_, err := v.WriteTo(c.nc)
	clear(c.vec) // keep no message alive in the pool
	return err
}

// writeData writes the message to w, go-mail's DATA writer.
//
// That writer is textproto's DotWriter, which escapes a "." starting a
// line and normalises line endings one byte at a time: for an 18 KB
// message that was most of the CPU time of a send. The messages built here
// need neither: they are CRLF throughout and no line starts with "." (the
// body is quoted-printable with such dots encoded, and no header or
// folded line starts with one). So when dotSafe confirms it, the message
// goes straight to the connection's buffered writer, all but its final
// CRLF, which is written through w so that w knows the data ends at the
// start of a line; w.Close then adds the terminating ".", flushes and
// reads the reply as usual.
func (c *smtpConn) writeData(w io.Writer, data [][]byte) error {
	if !dotSafe(data) {
		for _, d := range data {
			if _, err := w.Write(d); err != nil {
				return err
			}
		}
		return nil
	}
	last := len(data) - 1
	for last > 0 && len(data[last]) == 0 {
		last--
	}
	bw := c.sc.Text.W
	for i, d := range data[:last+1] {
		if i == last {
			d = d[:len(d)-2] // the final CRLF goes through w
		}
		if _, err := bw.Write(d); err != nil {
			return err
		}
	}
	_, err := w.Write([]byte("\r\n"))
	return err
}

// dotSafe reports whether data, taken as one message, can be sent after
// DATA as it is: every CR and LF is part of a CRLF, it ends in CRLF, and no
// line starts with ".". It visits each line break once with the vectorised
// IndexByte and counts CRs with the vectorised Count: checking a 20 KB
// message costs about a microsecond.
func dotSafe(data [][]byte) bool {
	var n, crs, lfs int
	prev := byte('\n') // the message starts a line
	for _, d := range data {
		if len(d) == 0 {
			continue
		}
		if prev == '\n' && d[0] == '.' || prev == '\r' && d[0] != '\n' {
			return false
		}
		for off := 0; ; {
			i := bytes.IndexByte(d[off:], '\n')
			if i < 0 {
				break
			}
			j := off + i
			if j == 0 && prev != '\r' || j > 0 && d[j-1] != '\r' || j+1 < len(d) && d[j+1] == '.' {
				return false
			}
			lfs++
			off = j + 1
		}
		// Every LF follows a CR, so equal counts mean every CR precedes
		// an LF.
		crs += bytes.Count(d, []byte{'\r'})
		n += len(d)
		prev = d[len(d)-1]
	}
	return n > 0 && prev == '\n' && crs == lfs
}
