package feed

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fastServer serves c behind a FastListener and an http.Server whose mux
// routes the feed paths to c's Handler and everything else to an echo
// handler that says "net/http", the method, the path and the body.
func fastServer(t *testing.T, c *Cache) (*FastListener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, p := range []string{"/rss.xml", "/atom.xml", "/feed.json", "/c/{category}/{file}", "/archive/{page}/{file}"} {
		mux.Handle("GET "+p, c.Handler())
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, "net/http "+r.Method+" "+r.URL.Path+" "+string(b))
	})
	fl := c.FastListener(ln, FastOptions{})
	srv := &http.Server{Handler: mux}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(fl) }()
	t.Cleanup(func() {
		srv.Close()
		// ErrClosed when a test closed the listener itself.
		if err := <-done; !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("Serve = %v", err)
		}
	})
	return fl, "http://" + ln.Addr().String()
}

// The fast path answers exactly as the net/http Handler does.
func TestFastPathServesLikeTheHandler(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 3)
	c := newTestCache(t, s, Options{Items: 4, ArchiveSize: 2})
	fl, fast := fastServer(t, c)
	plain := httptest.NewServer(c.Handler())
	t.Cleanup(plain.Close)
	etag := func(base, path string, gz bool) string {
		h := []string{}
		if gz {
			h = []string{"Accept-Encoding", "gzip"}
		}
		resp, _ := fetch(t, "GET", base+path, h...)
		return resp.Header.Get("ETag")
	}
	for _, path := range []string{"/rss.xml", "/c/thoi-su/atom.xml", "/feed.json", "/archive/1/rss.xml"} {
		lastMod := func() string { r, _ := fetch(t, "GET", plain.URL+path); return r.Header.Get("Last-Modified") }()
		for _, tc := range []struct {
			name, method string
			header       []string
		}{
			{"gzip", "GET", []string{"Accept-Encoding", "gzip"}},
			{"identity", "GET", nil},
			{"head", "HEAD", []string{"Accept-Encoding", "gzip"}},
			{"304 etag", "GET", []string{"Accept-Encoding", "gzip", "If-None-Match", etag(plain.URL, path, true)}},
			{"304 date", "GET", []string{"If-Modified-Since", lastMod}},
			{"200 other etag", "GET", []string{"If-None-Match", `"x"`}},
		} {
			want, wantBody := fetch(t, tc.method, plain.URL+path, tc.header...)
			got, gotBody := fetch(t, tc.method, fast+path, tc.header...)
			if got.StatusCode != want.StatusCode || !bytes.Equal(gotBody, wantBody) {
				t.Errorf("%s %s: status %d, %d bytes; want %d, %d bytes", path, tc.name, got.StatusCode, len(gotBody), want.StatusCode, len(wantBody))
			}
			for _, k := range []string{"Content-Type", "Content-Encoding", "Content-Length", "ETag", "Last-Modified", "Cache-Control", "Vary"} {
				if got.Header.Get(k) != want.Header.Get(k) {
					t.Errorf("%s %s: %s %q, want %q", path, tc.name, k, got.Header.Get(k), want.Header.Get(k))
				}
			}
			if got.Header.Get("Date") == "" {
				t.Errorf("%s %s: no Date", path, tc.name)
			}
		}
	}
	if fl.served.Load() == 0 || fl.handedOff.Load() != 0 {
		t.Errorf("fast path served %d, handed off %d", fl.served.Load(), fl.handedOff.Load())
	}
}

// rawExchange writes raw request bytes on one connection and reads n
// responses.
func rawExchange(t *testing.T, base, raw string, n int, methods ...string) ([]*http.Response, []string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	var resps []*http.Response
	var bodies []string
	for i := range n {
		method := "GET"
		if i < len(methods) {
			method = methods[i]
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resps, bodies = append(resps, resp), append(bodies, string(b))
	}
	return resps, bodies
}

func TestFastPathPipelinesAndHandsOff(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 2)
	c := newTestCache(t, s, Options{})
	fl, base := fastServer(t, c)
	rss := mustGet(t, c, Key{Format: RSS})

	// Three pipelined feed requests, then a form post, then a feed again:
	// the fast path takes the first three, net/http the rest of the
	// connection.
	raw := "GET /rss.xml HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n" +
		"HEAD /atom.xml HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /rss.xml HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nIf-None-Match: " + rss.etagGzip + "\r\n\r\n" +
		"POST /gop-y HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nxin c" +
		"GET /rss.xml HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
	resps, bodies := rawExchange(t, base, raw, 5, "GET", "HEAD")
	wantStatus := []int{200, 200, 304, 200, 200}
	for i, r := range resps {
		if r.StatusCode != wantStatus[i] {
			t.Errorf("response %d: status %d, want %d", i, r.StatusCode, wantStatus[i])
		}
	}
	if !bytes.Equal([]byte(bodies[0]), rss.gz) || bodies[1] != "" || bodies[2] != "" || bodies[3] != "net/http POST /gop-y xin c" || !bytes.Equal([]byte(bodies[4]), rss.gz) {
		t.Errorf("bodies: %d bytes, %q, %q, %q, %d bytes", len(bodies[0]), bodies[1], bodies[2], bodies[3], len(bodies[4]))
	}
	if fl.served.Load() != 3 || fl.handedOff.Load() != 1 {
		t.Errorf("fast path served %d, handed off %d; want 3 and 1", fl.served.Load(), fl.handedOff.Load())
	}

	// Requests the fast path leaves to net/http, each on a new connection.
	for _, tc := range []struct{ name, raw, want string }{
		{"page", "GET /gioi-thieu HTTP/1.1\r\nHost: x\r\n\r\n", "net/http GET /gioi-thieu "},
		{"query", "GET /rss.xml?v=2 HTTP/1.1\r\nHost: x\r\n\r\n", "<?xml"},
		{"escaped path", "GET /c/thoi%2Dsu/rss.xml HTTP/1.1\r\nHost: x\r\n\r\n", "<?xml"},
		{"unknown category", "GET /c/khong-co/rss.xml HTTP/1.1\r\nHost: x\r\n\r\n", "404 page not found"},
		{"body on a feed", "GET /rss.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "<?xml"},
		{"chunked", "GET /gioi-thieu HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "net/http GET /gioi-thieu abc"},
		{"bare LF", "GET /rss.xml HTTP/1.1\nHost: x\n\n", "<?xml"},
		{"lower-case method", "get /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n", ""},
		{"no host", "GET /rss.xml HTTP/1.1\r\n\r\n", "missing required Host header"},
	} {
		before := fl.handedOff.Load()
		resps, bodies := rawExchange(t, base, tc.raw, 1)
		if !strings.Contains(bodies[0], tc.want) {
			t.Errorf("%s: %d %q, want it to contain %q", tc.name, resps[0].StatusCode, bodies[0][:min(len(bodies[0]), 80)], tc.want)
		}
		if fl.handedOff.Load() != before+1 {
			t.Errorf("%s: not handed off", tc.name)
		}
	}

	// HTTP/1.0 closes unless asked not to.
	resps, _ = rawExchange(t, base, "GET /feed.json HTTP/1.0\r\n\r\n", 1)
	if resps[0].StatusCode != 200 || !resps[0].Close {
		t.Errorf("HTTP/1.0: %d, close %v", resps[0].StatusCode, resps[0].Close)
	}
	resps, _ = rawExchange(t, base, "GET /feed.json HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /feed.json HTTP/1.0\r\n\r\n", 2)
	if resps[0].Close || !resps[1].Close {
		t.Errorf("HTTP/1.0 keep-alive: close %v then %v", resps[0].Close, resps[1].Close)
	}
}

// Closing the listener, as http.Server.Shutdown does, closes idle fast
// connections.
func TestFastPathCloseEndsIdleConnections(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 1)
	c := newTestCache(t, s, Options{})
	fl, base := fastServer(t, c)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	fl.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("idle connection after Close: %v, want EOF", err)
	}
	if _, err := fl.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v", err)
	}
}

// FuzzParseFastRequest holds the fast path to net/http: whatever it
// accepts, net/http reads the same way (method, path, no body, the same
// headers, the same keep-alive), so that a request never means one thing
// to one and another to the other.
func FuzzParseFastRequest(f *testing.F) {
	for _, s := range []string{
		"GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n",
		"HEAD /c/thoi-su/atom.xml HTTP/1.1\r\nHost: tin.example.vn:8080\r\nAccept-Encoding: gzip, br\r\nIf-None-Match: \"a\", W/\"b\"\r\n\r\n",
		"GET /feed.json HTTP/1.0\r\nConnection: keep-alive\r\nIf-Modified-Since: Sun, 01 Mar 2026 02:00:00 GMT\r\n\r\n",
		"GET /archive/2/rss.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"GET /rss.xml HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
		"GET /rss.xml HTTP/1.1\r\nHost: x\r\n Folded: y\r\n\r\n",
		"GET /rss.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 00\r\n\r\n",
		"GET /rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close, keep-alive\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r fastRequest
		if !parseFastRequest(b, &r) {
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b)))
		if err != nil {
			t.Fatalf("fast path took %q, net/http rejects it: %v", b, err)
		}
		method := "GET"
		if r.head {
			method = "HEAD"
		}
		if req.Method != method || req.URL.Path != r.key.Path() || req.URL.RawQuery != "" || req.URL.RawPath != "" {
			t.Fatalf("%q: net/http reads %s %q (query %q)", b, req.Method, req.URL.String(), req.URL.RawQuery)
		}
		if req.ContentLength > 0 || len(req.TransferEncoding) > 0 {
			t.Fatalf("%q: net/http reads a body", b)
		}
		if req.Close != r.close {
			t.Fatalf("%q: close %v, net/http %v", b, r.close, req.Close)
		}
		for name, got := range map[string][]string{"Accept-Encoding": r.acceptEncoding, "If-None-Match": r.ifNoneMatch} {
			if want := req.Header.Values(name); strings.Join(want, "\x00") != strings.Join(got, "\x00") {
				t.Fatalf("%q: %s %q, net/http %q", b, name, got, want)
			}
		}
		if req.Header.Get("If-Modified-Since") != r.ifModifiedSince {
			t.Fatalf("%q: If-Modified-Since %q, net/http %q", b, r.ifModifiedSince, req.Header.Get("If-Modified-Since"))
		}
	})
}
