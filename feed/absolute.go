package feed

import (
	"net/url"

	"github.com/bantin/bantin/internal/htmlurl"
)

// absolutizeHTML rewrites every relative URL in an HTML fragment against
// base (see htmlurl.ResolveAll). Feed readers show content away from the
// page it came from, where a relative link points nowhere, and the W3C
// validator warns about each one.
func absolutizeHTML(s string, base *url.URL) string { return htmlurl.ResolveAll(base, s) }

// absoluteURL resolves ref against base (see htmlurl.Resolve).
func absoluteURL(ref string, base *url.URL) string { return htmlurl.Resolve(base, ref) }

// safeURL returns u in the form the W3C validator accepts in links, ids
// and attributes (see htmlurl.ASCII).
func safeURL(u string) string { return htmlurl.ASCII(u) }
