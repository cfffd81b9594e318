package source

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"

	"github.com/bantin/bantin/article"
	"github.com/mmcdole/gofeed"
	xpp "github.com/mmcdole/goxpp/v2"
	"golang.org/x/net/html/charset"
)

// parseFeed parses a feed body. Errors are *article.ParseError naming the
// URL and, when the parser tells where, the line.
func parseFeed(rawURL string, body []byte, contentType string) (*gofeed.Feed, error) {
	typ := gofeed.DetectFeedType(bytes.NewReader(body))
	if typ == gofeed.FeedTypeUnknown {
		err := fmt.Errorf("not an RSS, Atom or JSON feed (Content-Type %q, body starts %q)", contentType, head(body))
		return nil, &article.ParseError{File: rawURL, Line: xmlErrorLine(body), Err: err}
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, &article.ParseError{File: rawURL, Line: errorLine(err, body, typ), Err: fmt.Errorf("bad %s feed: %w", typeName(typ), err)}
	}
	return feed, nil
}

func typeName(t gofeed.FeedType) string {
	switch t {
	case gofeed.FeedTypeRSS:
		return "RSS"
	case gofeed.FeedTypeAtom:
		return "Atom"
	case gofeed.FeedTypeJSON:
		return "JSON"
	}
	return "unknown"
}

// errorLine finds the line of a parse error: from the XML decoder's syntax
// error, from the pull parser's byte offset, from the JSON decoder's
// offset, or, when gofeed flattened the error into text, by running a
// decoder over the body again. 0 means unknown.
func errorLine(err error, body []byte, typ gofeed.FeedType) int {
	var se *xml.SyntaxError
	var ee *xpp.ExpectError
	var js *json.SyntaxError
	var jt *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return se.Line
	case errors.As(err, &ee):
		return lineAt(body, ee.Offset)
	case errors.As(err, &js):
		return lineAt(body, js.Offset)
	case errors.As(err, &jt):
		return lineAt(body, jt.Offset)
	case typ == gofeed.FeedTypeRSS || typ == gofeed.FeedTypeAtom:
		return xmlErrorLine(body)
	}
	return 0
}

// xmlErrorLine returns the line of the first XML syntax error in body, read
// as gofeed reads it (not strict, declared charsets honoured), or 0.
func xmlErrorLine(body []byte) int {
	if len(bytes.TrimSpace(body)) == 0 || bytes.TrimSpace(body)[0] != '<' {
		return 0
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.CharsetReader = charset.NewReaderLabel
	for {
		_, err := d.RawToken()
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return se.Line
		}
		if err != nil {
			return 0
		}
	}
}

// lineAt returns the 1-based line of byte offset off in body.
func lineAt(body []byte, off int64) int {
	if off < 0 {
		return 0
	}
	off = min(off, int64(len(body)))
	return bytes.Count(body[:off], []byte{'\n'}) + 1
}

// head returns the start of body for an error message.
func head(body []byte) string {
	b := bytes.TrimSpace(body)
	if len(b) > 40 {
		b = b[:40]
	}
	return string(bytes.ToValidUTF8(b, []byte("\ufffd")))
}
