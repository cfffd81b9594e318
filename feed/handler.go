package feed

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

// Handler serves the feeds from a Cache at the paths ParsePath knows,
// relative to the site root: mount it for "/rss.xml", "/atom.xml",
// "/feed.json", "/c/{category}/{file}", "/archive/{page}/{file}" and
// "/c/{category}/archive/{page}/{file}".
//
// The common cases cost no allocation of its own: the response's header
// values are made when the document is built, a 304 compares strings, and a
// 200 writes the cached gzipped bytes.
type Handler struct {
	c *Cache
	// Shared header values; never modified.
	hVary, hGzip, hAllow []string
}

// Handler returns the HTTP handler for the cache.
func (c *Cache) Handler() *Handler {
	return &Handler{c: c, hVary: []string{"Accept-Encoding"}, hGzip: []string{"gzip"}, hAllow: []string{"GET, HEAD"}}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header()["Allow"] = h.hAllow
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	k, ok := ParsePath(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	resp, err := h.c.get(r.Context(), k)
	switch {
	case errors.Is(err, ErrNotFound):
		http.NotFound(w, r)
		return
	case err != nil:
		if r.Context().Err() == nil {
			h.c.log.Error("feed request failed", "path", r.URL.Path, "err", err)
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		}
		return
	}
	h.serve(w, r, resp)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, resp *response) {
	gz := acceptsGzip(r.Header["Accept-Encoding"])
	hdr := w.Header()
	hdr["Vary"] = h.hVary
	hdr["Cache-Control"] = resp.hCacheControl
	hdr["Last-Modified"] = resp.hLastModified
	if gz {
		hdr["Etag"] = resp.hETagGzip
	} else {
		hdr["Etag"] = resp.hETag
	}
	if notModified(r, resp) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr["Content-Type"] = resp.hContentType
	if gz {
		hdr["Content-Encoding"] = h.hGzip
		hdr["Content-Length"] = resp.hLengthGzip
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(resp.gz)
		}
		return
	}
	hdr["Content-Length"] = resp.hLength
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	body, made, err := resp.identityBody()
	if err != nil {
		// Our own gzip stream failed to read back: a bug, not the client's.
		h.c.log.Error("feed: gunzip cached feed", "path", r.URL.Path, "err", err)
		delete(hdr, "Content-Length")
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	if made {
		h.c.keepIdentity(resp, body)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// notModified applies RFC 9110's conditional GET rules: If-None-Match when
// present (compared weakly, either representation's tag matching), else
// If-Modified-Since.
func notModified(r *http.Request, resp *response) bool {
	return notModifiedBy(r.Header["If-None-Match"], r.Header.Get("If-Modified-Since"), resp)
}

func notModifiedBy(ifNoneMatch []string, ifModifiedSince string, resp *response) bool {
	if len(ifNoneMatch) > 0 {
		for _, v := range ifNoneMatch {
			if etagListMatches(v, resp.etag, resp.etagGzip) {
				return true
			}
		}
		return false
	}
	if ifModifiedSince == "" {
		return false
	}
	t, err := http.ParseTime(ifModifiedSince)
	if err != nil {
		return false
	}
	return !resp.modified.After(t.Truncate(time.Second))
}

// etagListMatches reports whether a comma-separated If-None-Match value
// holds "*" or one of the tags, ignoring W/ prefixes (weak comparison).
func etagListMatches(list, a, b string) bool {
	for list != "" {
		list = strings.TrimLeft(list, " \t,")
		if list == "" {
			return false
		}
		if list[0] == '*' {
			return true
		}
		list = strings.TrimPrefix(list, "W/")
		if list == "" || list[0] != '"' {
			return false // malformed: match nothing
		}
		end := strings.IndexByte(list[1:], '"')
		if end < 0 {
			return false
		}
		tag := list[:end+2]
		if tag == a || tag == b {
			return true
		}
		list = list[end+2:]
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding values allow gzip: a gzip,
// x-gzip or * coding with a q-value above 0, and no gzip;q=0 refusing it.
func acceptsGzip(values []string) bool {
	ok := false
	for _, v := range values {
		for v != "" {
			var part string
			part, v, _ = strings.Cut(v, ",")
			name, params, _ := strings.Cut(part, ";")
			name = strings.TrimSpace(name)
			isGzip := strings.EqualFold(name, "gzip") || strings.EqualFold(name, "x-gzip")
			if !isGzip && name != "*" {
				continue
			}
			zero := qZero(params)
			if isGzip {
				if zero {
					return false
				}
				ok = true
			} else if !zero {
				ok = true
			}
		}
	}
	return ok
}

// qZero reports whether the parameters of a coding set q to zero.
func qZero(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			v = strings.TrimSpace(v)
			return strings.Trim(v, "0.") == "" && v != ""
		}
	}
	return false
}
