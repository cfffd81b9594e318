package feed

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// FastOptions configures a FastListener.
type FastOptions struct {
	// IdleTimeout bounds the wait for the next request on a connection;
	// 0 means 2 minutes.
	IdleTimeout time.Duration
	// ReadHeaderTimeout bounds reading a request head once it has begun;
	// 0 means 5 seconds.
	ReadHeaderTimeout time.Duration
	// WriteTimeout bounds writing a response; 0 means 30 seconds.
	WriteTimeout time.Duration
	Logger       *slog.Logger
}

// FastListener serves feed requests straight from a Cache, in front of an
// http.Server: it wraps the server's listener, reads each new connection's
// requests itself while they are plain GET or HEAD requests for feeds, and
// hands the connection, with the bytes of the first request it does not
// take, to the server through Accept.
//
// Why: feed readers poll, and most of their requests are conditional GETs
// answered with a 304 or a few cached kilobytes. net/http spends several
// times what nginx does on each (a goroutine to watch for a closed
// connection, deadlines, a map of headers in and out, the response in two
// writes), which on a small server halves the rate of the one thing this
// program serves most. Here a request is parsed in place, the response is
// one writev of precomputed headers and the cached bytes, and the rest of
// the site is untouched: anything unusual, from a query string to a
// request body or an unknown category, goes to net/http, which answers it
// as it would have (see parseFastRequest).
type FastListener struct {
	net.Listener
	c   *Cache
	o   FastOptions
	log *slog.Logger

	handoff chan net.Conn
	done    chan struct{}
	close   sync.Once

	mu     sync.Mutex
	active map[net.Conn]struct{}
	date   atomic.Pointer[httpDate]
	// served counts the requests answered here, handedOff the connections
	// given to net/http.
	served, handedOff atomic.Int64
}

// httpDate is the Date header of the current second.
type httpDate struct {
	unix int64
	line []byte // "Date: ...\r\n"
}

// FastListener wraps ln; give the result to http.Server.Serve instead of
// ln. Closing it (as http.Server.Shutdown does) closes ln and the idle fast
// connections; a response being written is finished first.
func (c *Cache) FastListener(ln net.Listener, o FastOptions) *FastListener {
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 2 * time.Minute
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = 5 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = c.log
	}
	l := &FastListener{
		Listener: ln, c: c, o: o, log: o.Logger,
		handoff: make(chan net.Conn),
		done:    make(chan struct{}),
		active:  make(map[net.Conn]struct{}),
	}
	go l.acceptLoop()
	return l
}

// Accept returns the next connection for the http.Server.
func (l *FastListener) Accept() (net.Conn, error) {
	select {
	case conn := <-l.handoff:
		return conn, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting and closes the fast connections that are waiting
// for a request.
func (l *FastListener) Close() error {
	var err error
	l.close.Do(func() {
		close(l.done)
		err = l.Listener.Close()
		l.mu.Lock()
		for conn := range l.active {
			// Wake readers; a connection in the middle of a response
			// checks done when it has written it.
			_ = conn.SetReadDeadline(time.Unix(1, 0))
		}
		l.mu.Unlock()
	})
	return err
}

func (l *FastListener) closed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

func (l *FastListener) acceptLoop() {
	wait := 5 * time.Millisecond
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			if l.closed() || errors.Is(err, net.ErrClosed) {
				l.Close()
				return
			}
			// Out of file descriptors and the like: wait, as net/http
			// does, rather than spin.
			l.log.Warn("feed fast path: accept failed; retrying", "err", err, "wait", wait)
			time.Sleep(wait)
			wait = min(2*wait, time.Second)
			continue
		}
		wait = 5 * time.Millisecond
		go l.serve(conn)
	}
}

// fastBufSize bounds a request head the fast path reads; a longer one
// goes to net/http, which has its own limit.
const fastBufSize = 8 << 10

// fastConn is one connection the fast path is serving.
type fastConn struct {
	net.Conn
	buf        []byte
	start, end int // buf[start:end] is read and not yet consumed
	req        fastRequest
	head       []byte // response head, reused
	readDL     time.Time
	writeDL    time.Time
	sndbuf     int // the socket send buffer set, 0 for the system's
}

func (l *FastListener) serve(conn net.Conn) {
	fc := &fastConn{Conn: conn, buf: make([]byte, fastBufSize), head: make([]byte, 0, 512)}
	l.mu.Lock()
	l.active[conn] = struct{}{}
	l.mu.Unlock()
	handedOff := false
	defer func() {
		l.mu.Lock()
		delete(l.active, conn)
		l.mu.Unlock()
		if r := recover(); r != nil {
			l.log.Error("feed fast path panicked", "panic", r)
			handedOff = false
		}
		if !handedOff {
			conn.Close()
		}
	}()
	for !l.closed() {
		n, ok := fc.readHead(l)
		if n < 0 {
			return // closed, timed out or broken
		}
		if ok && parseFastRequest(fc.buf[fc.start:n], &fc.req) {
			resp, err := l.c.get(context.Background(), fc.req.key)
			if err == nil {
				if !l.respond(fc, resp) {
					return
				}
				l.served.Add(1)
				fc.start = n
				if fc.req.close {
					return
				}
				continue
			}
			// A category that does not exist, a store that fails: the
			// net/http handler answers (404, 503) and logs.
		}
		handedOff = l.handOff(fc)
		return
	}
}

// readHead reads until buf[start:] holds a whole request head, and returns
// the index just past it with ok. It returns ok false, with a non-negative
// index, when the bytes are not a head the fast path wants (too long, not
// a GET or HEAD, bare LF line ends): they go to net/http as they are. It
// returns -1 when the connection ends or times out first.
func (fc *fastConn) readHead(l *FastListener) (int, bool) {
	for {
		b := fc.buf[fc.start:fc.end]
		if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
			if j := bytes.Index(b, []byte("\n\n")); j >= 0 && j < i {
				return 0, false
			}
			return fc.start + i + 4, true
		}
		if bytes.Contains(b, []byte("\n\n")) {
			return 0, false
		}
		if len(b) >= 5 && !bytes.HasPrefix(b, []byte("GET ")) && !bytes.HasPrefix(b, []byte("HEAD ")) {
			return 0, false // not ours, whatever it is (even TLS): net/http's
		}
		if fc.start > 0 {
			copy(fc.buf, b)
			fc.start, fc.end = 0, len(b)
		}
		if fc.end == len(fc.buf) {
			return 0, false
		}
		timeout := l.o.IdleTimeout
		if fc.end > fc.start {
			timeout = l.o.ReadHeaderTimeout
		}
		fc.setReadDeadline(timeout)
		n, err := fc.Conn.Read(fc.buf[fc.end:])
		fc.end += n
		if err != nil && n == 0 {
			return -1, false
		}
	}
}

// setReadDeadline and setWriteDeadline move a deadline only when it
// changes by more than a second: a timer update per request costs more
// than the precision is worth.
func (fc *fastConn) setReadDeadline(d time.Duration) {
	if dl, ok := moveDeadline(&fc.readDL, d); ok {
		_ = fc.Conn.SetReadDeadline(dl)
	}
}

func (fc *fastConn) setWriteDeadline(d time.Duration) {
	if dl, ok := moveDeadline(&fc.writeDL, d); ok {
		_ = fc.Conn.SetWriteDeadline(dl)
	}
}

// fitSendBuffer makes the socket's send buffer hold a whole response of n
// bytes. The kernel starts a connection with 16 KiB and grows it slowly, so
// a feed of 60 KiB would go out in several writes, each waiting for the
// reader to drain the last: that halved the rate of 200s (bench/feeds.sh).
// The buffer is a limit, not an allocation, and grows only to what this
// connection's responses need (at most 1 MiB), so slow readers cannot make
// it hold more than one response.
func (fc *fastConn) fitSendBuffer(n int) {
	if n <= fc.sndbuf || fc.sndbuf >= 1<<20 {
		return
	}
	tc, ok := fc.Conn.(*net.TCPConn)
	if !ok {
		return
	}
	size := min(n+n/4, 1<<20)
	if tc.SetWriteBuffer(size) == nil {
		fc.sndbuf = size
	}
}

func moveDeadline(cur *time.Time, d time.Duration) (time.Time, bool) {
	dl := time.Now().Add(d)
	if diff := dl.Sub(*cur); diff > time.Second || diff < -time.Second {
		*cur = dl
		return dl, true
	}
	return dl, false
}

// handOff gives the connection and its unconsumed bytes to the http.Server.
func (l *FastListener) handOff(fc *fastConn) bool {
	_ = fc.Conn.SetReadDeadline(time.Time{})
	pc := &prefixConn{Conn: fc.Conn, prefix: bytes.Clone(fc.buf[fc.start:fc.end])}
	// Counted before the send: once it is sent, net/http may answer before
	// this goroutine runs again, and the count must not lag the answer.
	l.handedOff.Add(1)
	select {
	case l.handoff <- pc:
		return true
	case <-l.done:
		l.handedOff.Add(-1)
		return false
	}
}

// respond writes the response to fc.req in one writev; it reports whether
// the connection is still good.
func (l *FastListener) respond(fc *fastConn, resp *response) bool {
	req := &fc.req
	gz := acceptsGzip(req.acceptEncoding)
	status := http.StatusOK
	if notModifiedBy(req.ifNoneMatch, req.ifModifiedSince, resp) {
		status = http.StatusNotModified
	}
	var body []byte
	if status == http.StatusOK && !req.head {
		if gz {
			body = resp.gz
		} else {
			b, made, err := resp.identityBody()
			if err != nil {
				l.log.Error("feed: gunzip cached feed", "path", req.key.Path(), "err", err)
				return false
			}
			if made {
				l.c.keepIdentity(resp, b)
			}
			body = b
		}
	}
	h := fc.head[:0]
	if req.http10 {
		h = append(h, "HTTP/1.0 "...)
	} else {
		h = append(h, "HTTP/1.1 "...)
	}
	if status == http.StatusOK {
		h = append(h, "200 OK\r\n"...)
	} else {
		h = append(h, "304 Not Modified\r\n"...)
	}
	h = append(h, l.dateLine()...)
	h = append(h, resp.fastCommon...)
	if gz {
		h = append(h, resp.fastETagGzip...)
	} else {
		h = append(h, resp.fastETag...)
	}
	if status == http.StatusOK {
		if gz {
			h = append(h, resp.fastContentGzip...)
		} else {
			h = append(h, resp.fastContent...)
		}
	}
	switch {
	case req.close:
		h = append(h, "Connection: close\r\n"...)
	case req.http10:
		h = append(h, "Connection: keep-alive\r\n"...)
	}
	h = append(h, "\r\n"...)
	fc.head = h
	fc.setWriteDeadline(l.o.WriteTimeout)
	fc.fitSendBuffer(len(h) + len(body))
	bufs := net.Buffers{h, body}
	if _, err := bufs.WriteTo(fc.Conn); err != nil {
		return false
	}
	return true
}

// dateLine returns the Date header line for now, made once a second.
func (l *FastListener) dateLine() []byte {
	now := time.Now()
	if d := l.date.Load(); d != nil && d.unix == now.Unix() {
		return d.line
	}
	d := &httpDate{unix: now.Unix(), line: []byte("Date: " + now.UTC().Format(http.TimeFormat) + "\r\n")}
	l.date.Store(d)
	return d.line
}

// prefixConn is a connection whose first bytes were already read.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(b []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(b, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

// fastHeaders makes the header lines the fast path writes for r, the same
// as Handler sets, once per document.
func (r *response) fastHeaders() {
	r.fastCommon = []byte("Vary: Accept-Encoding\r\nCache-Control: " + r.hCacheControl[0] +
		"\r\nLast-Modified: " + r.hLastModified[0] + "\r\nX-Content-Type-Options: nosniff\r\n")
	r.fastETag = []byte("Etag: " + r.etag + "\r\n")
	r.fastETagGzip = []byte("Etag: " + r.etagGzip + "\r\n")
	r.fastContent = []byte("Content-Type: " + r.hContentType[0] + "\r\nContent-Length: " + strconv.Itoa(r.identityLen) + "\r\n")
	r.fastContentGzip = []byte("Content-Type: " + r.hContentType[0] + "\r\nContent-Encoding: gzip\r\nContent-Length: " + strconv.Itoa(len(r.gz)) + "\r\n")
}
