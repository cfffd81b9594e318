package share

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/bantin/bantin/internal/token"
)

// Form kinds; each signs its tokens under its own purpose, so a share
// form's token cannot post feedback.
const (
	kindShare    = "share"
	kindFeedback = "feedback"
)

// formClaim is what a form token says: which article's form, shown when,
// and the nonce that makes it single-use.
type formClaim struct {
	issued    time.Time
	nonce     string
	articleID string
}

// ShareFormToken returns a new token for the share form of articleID.
func (s *Service) ShareFormToken(articleID string) string {
	return s.formToken(kindShare, articleID, s.now())
}

// FeedbackFormToken returns a new token for the feedback form of
// articleID.
func (s *Service) FeedbackFormToken(articleID string) string {
	return s.formToken(kindFeedback, articleID, s.now())
}

// formToken signs "issued|nonce|article" for kind. The article id goes
// last: ids may contain any of [A-Za-z0-9._:-], never '|'.
func (s *Service) formToken(kind, articleID string, issued time.Time) string {
	subject := strconv.FormatInt(issued.UnixMilli(), 10) + "|" + newNonce() + "|" + articleID
	return s.signer.Sign(kind+"-form", subject, s.formTTL(kind))
}

func (s *Service) formTTL(kind string) time.Duration {
	if kind == kindFeedback {
		return s.o.Feedback.FormTTL
	}
	return s.o.Share.FormTTL
}

func (s *Service) minFill(kind string) time.Duration {
	if kind == kindFeedback {
		return s.o.Feedback.MinFillTime
	}
	return s.o.Share.MinFillTime
}

func newNonce() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// checkForm runs the checks every form goes through before its fields are
// read: a genuine, unexpired token of this kind for this article, not
// posted faster than a person could fill it in, with the honeypot empty.
// On failure the Rejection carries the token to render the form with again.
func (s *Service) checkForm(kind, tok, honeypot, articleID string) (formClaim, *Rejection) {
	c, err := s.readFormToken(kind, tok)
	switch {
	case errors.Is(err, token.ErrExpired):
		r := badRequest("token_expired", errTokenExpired)
		r.Token = s.formToken(kind, articleID, s.now())
		return c, r
	case err != nil || c.articleID != articleID:
		// No token at all is a bot that never loaded the form; a token
		// of another article was lifted from elsewhere.
		r := badRequest("token_invalid", errToken)
		r.Token = s.formToken(kind, articleID, s.now())
		return c, r
	}
	if s.now().Sub(c.issued) < s.minFill(kind) {
		r := badRequest("too_fast", errTooFast)
		r.Token = tok // unspent: the same form can go again in a moment
		return c, r
	}
	if strings.TrimSpace(honeypot) != "" {
		r := badRequest("honeypot", errBot)
		r.Token = s.formToken(kind, articleID, s.now())
		return c, r
	}
	return c, nil
}

func (s *Service) readFormToken(kind, tok string) (formClaim, error) {
	if tok == "" {
		return formClaim{}, token.ErrInvalid
	}
	subject, err := s.signer.Verify(kind+"-form", tok)
	if err != nil {
		return formClaim{}, err
	}
	ms, rest, ok := strings.Cut(subject, "|")
	if !ok {
		return formClaim{}, token.ErrInvalid
	}
	nonce, articleID, ok := strings.Cut(rest, "|")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || nonce == "" {
		return formClaim{}, token.ErrInvalid
	}
	return formClaim{issued: time.UnixMilli(n), nonce: nonce, articleID: articleID}, nil
}

// retryToken is the token for a form shown again after its fields were
// wrong: a new nonce (the old token may be spent) but the first issue time.
func (s *Service) retryToken(kind string, c formClaim) string {
	return s.formToken(kind, c.articleID, c.issued)
}

// spend marks the form token's nonce used; a second post of the same form
// is a replay.
func (s *Service) spend(ctx context.Context, kind string, c formClaim) (*Rejection, error) {
	ok, err := s.st.UseToken(ctx, nonceHash(kind, c.nonce), c.issued.Add(s.formTTL(kind)+time.Minute))
	if err != nil {
		return nil, err
	}
	if !ok {
		r := badRequest("token_replayed", errTokenUsed)
		r.Token = s.formToken(kind, c.articleID, s.now())
		return r, nil
	}
	return nil, nil
}

// nonceHash names a spent nonce in the database. Nonces are random and not
// personal, so a plain hash is enough; it only keeps the table's keys
// short and uniform.
func nonceHash(kind, nonce string) string {
	sum := sha256.Sum256([]byte(kind + "|" + nonce))
	return hex.EncodeToString(sum[:16])
}
