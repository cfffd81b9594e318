package share

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/store"
)

// Pending describes a share waiting for confirmation, for the page that
// asks the sender to press the button. It holds nothing the sender typed
// but the number of recipients.
type Pending struct {
	Article    *article.Article
	Recipients int
}

// PendingShare opens a confirmation link without using it. Opening a link
// must not send anything: mail scanners follow links, so the page only
// shows a button, and [Service.Confirm] sends on its POST.
func (s *Service) PendingShare(ctx context.Context, tok string) (Pending, error) {
	p, rej := s.openLink(tok)
	if rej != nil {
		return Pending{}, rej
	}
	a, err := s.st.Article(ctx, p.ArticleID)
	if errors.Is(err, store.ErrNotFound) {
		return Pending{}, badRequest("article_gone", errLinkInvalid)
	}
	if err != nil {
		return Pending{}, err
	}
	return Pending{Article: a, Recipients: len(p.To)}, nil
}

// Confirm uses a confirmation link: it sends the share sealed in it, once,
// and returns the value of the sender cookie that remembers the now proved
// address.
func (s *Service) Confirm(ctx context.Context, tok string) (Outcome, error) {
	if !s.o.Share.Enabled {
		return Outcome{}, errors.New("share: sharing is disabled")
	}
	p, rej := s.openLink(tok)
	if rej != nil {
		return Outcome{}, s.rejected(ctx, "share_confirm", rej, "", netip.Addr{})
	}
	a, err := s.st.Article(ctx, p.ArticleID)
	if errors.Is(err, store.ErrNotFound) {
		return Outcome{}, s.rejected(ctx, "share_confirm", badRequest("article_gone", errLinkInvalid), p.ArticleID, netip.Addr{})
	}
	if err != nil {
		return Outcome{}, err
	}
	ok, err := s.st.UseToken(ctx, nonceHash("confirm", p.Nonce), s.now().Add(s.o.Share.ConfirmTTL+time.Minute))
	if err != nil {
		return Outcome{}, err
	}
	if !ok {
		return Outcome{}, s.rejected(ctx, "share_confirm", badRequest("link_used", errLinkUsed), a.ID, netip.Addr{})
	}
	out, r, err := s.deliver(ctx, a, p)
	if err != nil {
		return Outcome{}, err
	}
	if r != nil {
		return Outcome{}, s.rejected(ctx, "share_confirm", r, a.ID, netip.Addr{})
	}
	out.RememberSender = s.senderCookie(p.Email)
	return out, nil
}

func (s *Service) openLink(tok string) (pending, *Rejection) {
	p, err := s.openPending(tok)
	switch {
	case errors.Is(err, errSealExpired):
		return p, badRequest("link_expired", errLinkExpired)
	case err != nil:
		return p, badRequest("link_invalid", errLinkInvalid)
	}
	return p, nil
}

// CheckStop reports whether tok is a genuine, unexpired "Không nhận email
// chia sẻ nữa" link, for the page that offers the button.
func (s *Service) CheckStop(tok string) error {
	_, rej := s.readStop(tok)
	if rej != nil {
		return rej
	}
	return nil
}

// Stop puts the address a "Không nhận email chia sẻ nữa" link was made for
// on the suppression list: it never gets another share. The link names
// the address only by its keyed hash.
func (s *Service) Stop(ctx context.Context, tok string) error {
	hash, rej := s.readStop(tok)
	if rej != nil {
		return s.rejected(ctx, "share_stop", rej, "", netip.Addr{})
	}
	if err := s.st.Suppress(ctx, hash, s.now()); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "share recipient suppressed", "rcpt_hash", hash)
	return nil
}

func (s *Service) readStop(tok string) (string, *Rejection) {
	hash, err := s.signer.Verify(purposeStop, tok)
	switch {
	case errors.Is(err, token.ErrExpired):
		return "", reject(http.StatusBadRequest, "stop_link_expired", errLinkExpired)
	case err != nil || hash == "":
		return "", reject(http.StatusBadRequest, "stop_link_invalid", errLinkInvalid)
	}
	return hash, nil
}
