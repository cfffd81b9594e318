package newsletter

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/store"
)

// Token purposes of the links in newsletter mail. A token of one purpose
// is worthless for another.
const (
	PurposeConfirm     = "confirm"
	PurposeUnsubscribe = "unsubscribe"
	PurposePreferences = "preferences"
)

// Paths of the pages the links open.
const (
	PathConfirm     = "/subscribe/confirm"
	PathUnsubscribe = "/unsubscribe"
	PathPreferences = "/preferences"
)

// Links returns the unsubscribe and preferences links of sub, for the
// footer and the List-Unsubscribe header of every mail sent to them. The
// unsubscribe URL takes a one-click POST (RFC 8058). Both stay valid for
// newsletter.link_ttl; they are signed, not stored, so making them costs
// no database access.
func (s *Subscriptions) Links(sub *store.Subscriber) (unsubscribeURL, preferencesURL string) {
	subject := linkSubject(sub)
	unsubscribeURL = s.link(PathUnsubscribe, s.signer.Sign(PurposeUnsubscribe, subject, s.o.LinkTTL), sub.Language)
	preferencesURL = s.link(PathPreferences, s.signer.Sign(PurposePreferences, subject, s.o.LinkTTL), sub.Language)
	return unsubscribeURL, preferencesURL
}

// ShareSenderToken returns the token that a digest adds to its share links
// for sub (?s=), with which the share flow counts the reader as a confirmed
// sender: the digest reached that address. It lasts as long as the other
// links of the mail.
func (s *Subscriptions) ShareSenderToken(sub *store.Subscriber) string {
	return s.signer.Sign(token.PurposeShareSender, sub.Email, s.o.LinkTTL)
}

// confirmURL returns the link of a confirmation mail.
func (s *Subscriptions) confirmURL(sub *store.Subscriber) string {
	return s.link(PathConfirm, s.signer.Sign(PurposeConfirm, linkSubject(sub), s.o.ConfirmTTL), sub.Language)
}

func (s *Subscriptions) link(path, tok, lang string) string {
	v := url.Values{"t": {tok}}
	if lang == "en" {
		v.Set("lang", lang)
	}
	return s.o.SiteURL + path + "?" + v.Encode()
}

// linkSubject is what a link's token names: the subscriber's id and the
// time their row was created, in microseconds. The time makes the link
// worthless for anyone else who may one day get the same id (SQLite reuses
// the highest id after it is deleted, and erasing deletes).
func linkSubject(sub *store.Subscriber) string {
	return strconv.FormatInt(sub.ID, 10) + "." + strconv.FormatInt(sub.CreatedAt.UnixMicro(), 36)
}

// FromLink returns the subscriber named by tok, a token of purpose. It
// returns ErrBadLink for anything but a genuine, unexpired token of that
// purpose for a subscriber who still exists, and changes nothing.
func (s *Subscriptions) FromLink(ctx context.Context, purpose, tok string) (*store.Subscriber, error) {
	subject, err := s.signer.Verify(purpose, tok)
	if err != nil {
		return nil, ErrBadLink
	}
	idText, created, ok := strings.Cut(subject, ".")
	if !ok {
		return nil, ErrBadLink
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return nil, ErrBadLink
	}
	sub, err := s.db.SubscriberByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrBadLink
	}
	if err != nil {
		return nil, err
	}
	if strconv.FormatInt(sub.CreatedAt.UnixMicro(), 36) != created {
		return nil, ErrBadLink
	}
	return sub, nil
}
