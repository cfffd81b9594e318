package newsletter

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/bantin/bantin/internal/token"
)

// TestShareLinksCarryTheReadersSignedAddress: a reader who shares from a
// digest counts as a confirmed sender, because every share link in their
// digest carries a "share-sender" token for their own address, in both
// parts, and for nobody else's.
func TestShareLinksCarryTheReadersSignedAddress(t *testing.T) {
	f, e, sub := realisticEdition(t)
	m := parseMail(t, f.eml(e, sub))
	shareLink := regexp.MustCompile(`https?://[^\s"<>]+/share\?s=[A-Za-z0-9._%~-]+`)
	for name, body := range map[string]string{"text": m.Text, "HTML": strings.ReplaceAll(m.HTML, "&amp;", "&")} {
		links := shareLink.FindAllString(body, -1)
		if len(links) == 0 || strings.Count(body, "/share") != len(links) {
			t.Fatalf("%s part: %d share links carry a token, of %d", name, len(links), strings.Count(body, "/share"))
		}
		for _, l := range links {
			u, err := url.Parse(l)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.links.signer.Verify(token.PurposeShareSender, u.Query().Get("s"))
			if err != nil || got != sub.Email {
				t.Fatalf("%s part: share link %s names %q (%v), want %q", name, l, got, err, sub.Email)
			}
		}
	}
}
