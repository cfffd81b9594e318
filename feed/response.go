package feed

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// response is one built feed document, ready to serve. It is immutable once
// made, except for the identity body, which is filled in at most once.
//
// Only the gzipped body is kept for sure: almost every feed reader asks for
// gzip, and a thousand categories' feeds of fifty full articles would take
// hundreds of megabytes uncompressed. The identity body is made on the
// first request without gzip and kept while the cache's identity budget
// allows; past it, such requests are gunzipped on the fly.
//
// Header values are made once, as the one-element slices an http.Header
// holds, so that serving assigns them without allocating.
type response struct {
	key Key
	gen uint64 // the entry generation it was built for
	gz  []byte
	// identityLen is the length of the document itself.
	identityLen int
	identity    atomic.Pointer[[]byte]
	// dead is set when the response leaves the cache, so that an identity
	// body made afterwards is not counted against the budget.
	dead atomic.Bool

	modified time.Time // Last-Modified, whole seconds
	// pages is the number of full archive pages when it was built, for the
	// cache to see when a new one appears.
	pages int

	etag, etagGzip   string // quoted
	hContentType     []string
	hETag, hETagGzip []string
	hLastModified    []string
	hCacheControl    []string
	hLength          []string
	hLengthGzip      []string

	// The same as header lines for FastListener.
	fastCommon, fastETag, fastETagGzip, fastContent, fastContentGzip []byte
}

// gzipLevel trades build time for size. On a 50-item feed of 456 KiB
// (BenchmarkGzipLevels) level 4 gives 59 KiB in 3.5 ms where the default
// (6) gives 53 KiB in 7 ms and level 1 95 KiB in 2.3 ms: most of the
// default's size for half its time, which keeps a rebuild after a change
// well within its budget.
const gzipLevel = 4

// newResponse compresses and fingerprints a document. gz is a writer from
// the caller's pool, reset here.
// zbuf is scratch space for the compressed bytes, which are copied out at
// their exact size.
func newResponse(k Key, doc Document, gz *gzip.Writer, zbuf *bytes.Buffer, cacheControl string) *response {
	zbuf.Reset()
	zbuf.Grow(len(doc.Body)/3 + 512)
	gz.Reset(zbuf)
	_, _ = gz.Write(doc.Body) // writes to a bytes.Buffer do not fail
	_ = gz.Close()

	// A strong validator: it changes whenever a byte of the document does.
	// The gzipped bytes are hashed, a seventh of the work: compression is
	// deterministic (same level, no name or time in the header), so they
	// change exactly when the document does. 96 bits of SHA-256 are plenty
	// against accidental collisions.
	sum := sha256.Sum256(zbuf.Bytes())
	tag := base64.RawURLEncoding.EncodeToString(sum[:12])
	r := &response{
		key:         k,
		gz:          bytes.Clone(zbuf.Bytes()),
		identityLen: len(doc.Body),
		modified:    doc.Updated.UTC().Truncate(time.Second),
		// The gzipped body is another representation, so it gets its own
		// strong ETag (RFC 9110, 8.8.3); both match If-None-Match.
		etag:     `"` + tag + `"`,
		etagGzip: `"` + tag + `-gz"`,
	}
	r.hContentType = []string{k.Format.ContentType()}
	r.hETag = []string{r.etag}
	r.hETagGzip = []string{r.etagGzip}
	r.hLastModified = []string{r.modified.Format(http.TimeFormat)}
	r.hCacheControl = []string{cacheControl}
	r.hLength = []string{strconv.Itoa(r.identityLen)}
	r.hLengthGzip = []string{strconv.Itoa(len(r.gz))}
	r.fastHeaders()
	return r
}

// setModified moves Last-Modified (when a document changed but its newest
// item date did not move forward, as when an article leaves a category).
func (r *response) setModified(t time.Time) {
	r.modified = t.UTC().Truncate(time.Second)
	r.hLastModified = []string{r.modified.Format(http.TimeFormat)}
	r.fastHeaders()
}

// size is what the response costs the cache for sure.
func (r *response) size() int64 { return int64(len(r.gz)) + 1024 }

// identityBody returns the uncompressed document and whether it was made
// now (so the caller can decide to keep it).
func (r *response) identityBody() ([]byte, bool, error) {
	if p := r.identity.Load(); p != nil {
		return *p, false, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.gz))
	if err != nil {
		return nil, false, err
	}
	out := make([]byte, 0, r.identityLen)
	buf := bytes.NewBuffer(out)
	if _, err := io.Copy(buf, zr); err != nil {
		return nil, false, err
	}
	return buf.Bytes(), true, nil
}

// gzipPool is a pool of gzip writers; each Cache and export has its own.
type gzipPool struct{ p sync.Pool }

// bufPool is a pool of buffers for documents being built and compressed.
type bufPool struct{ p sync.Pool }

func (b *bufPool) get() *bytes.Buffer {
	if buf, ok := b.p.Get().(*bytes.Buffer); ok {
		return buf
	}
	return new(bytes.Buffer)
}

// put keeps buf for the next build unless a huge document grew it.
func (b *bufPool) put(buf *bytes.Buffer) {
	if buf.Cap() <= 4<<20 {
		b.p.Put(buf)
	}
}

func (g *gzipPool) get() *gzip.Writer {
	if w, ok := g.p.Get().(*gzip.Writer); ok {
		return w
	}
	w, _ := gzip.NewWriterLevel(io.Discard, gzipLevel) // the level is valid
	return w
}

func (g *gzipPool) put(w *gzip.Writer) { g.p.Put(w) }
