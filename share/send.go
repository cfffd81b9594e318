package share

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/store"
)

// Token purposes of the share flow. PurposeSender is the digest's: a
// newsletter signs it with the subscriber's address as subject.
const (
	PurposeSender       = token.PurposeShareSender
	purposeSenderCookie = "share-sender-cookie"
	purposeStop         = "share-stop"
)

// ShareRequest is one post of the share form.
type ShareRequest struct {
	Article *article.Article
	Form    ShareForm
	// IP is the client's address (web/clientip.go), for the per-IP limit.
	IP   netip.Addr
	Lang string
	// SenderCookie is the sender cookie's value; "" when there is none.
	SenderCookie string
}

// Outcome says what a share did.
type Outcome struct {
	// Sent is true when the share went out, to every recipient not on
	// the suppression list; false when the sender was sent a link to
	// confirm their address first.
	Sent bool
	// Recipients is how many recipients the share has.
	Recipients int
	// RememberSender, when not empty, is the value to set the sender
	// cookie to: the sender just proved their address.
	RememberSender string
	Article        *article.Article
}

// Share handles a post of the share form of req.Article. It returns a
// *Rejection when the post is refused, another error when something
// failed on the server's side.
func (s *Service) Share(ctx context.Context, req ShareRequest) (Outcome, error) {
	a := req.Article
	if !s.o.Share.Enabled {
		return Outcome{}, errors.New("share: sharing is disabled")
	}
	claim, rej := s.checkForm(kindShare, req.Form.Token, req.Form.Honeypot, a.ID)
	if rej != nil {
		return Outcome{}, s.rejected(ctx, kindShare, rej, a.ID, req.IP)
	}
	v, fields := validateShare(req.Form, formLimits{nameMax: s.o.Share.NameMax, textMax: s.o.Share.NoteMax, maxRecipients: s.o.Share.MaxRecipients})
	if fields != nil {
		rej := &Rejection{Status: http.StatusBadRequest, Reason: "invalid_fields", Form: Msg{Key: errFix}, Fields: fields}
		rej.Token = s.retryToken(kindShare, claim)
		return Outcome{}, s.rejected(ctx, kindShare, rej, a.ID, req.IP)
	}
	retry := func(r *Rejection) error {
		r.Token = s.retryToken(kindShare, claim)
		return s.rejected(ctx, kindShare, r, a.ID, req.IP)
	}
	var lim limits
	lim.add(store.Charge{Key: "share-ip:" + s.ipKey(req.IP), N: 1, Limit: s.o.Share.PerIP, Window: time.Hour},
		tooMany("limit_ip", errLimitIP))
	if r, err := s.charge(ctx, lim); err != nil || r != nil {
		return Outcome{}, orReject(err, r, retry)
	}
	if r, err := s.spend(ctx, kindShare, claim); err != nil || r != nil {
		if r != nil {
			return Outcome{}, s.rejected(ctx, kindShare, r, a.ID, req.IP)
		}
		return Outcome{}, err
	}

	p := pending{ArticleID: a.ID, Email: v.email, Name: v.name, To: v.to, Note: v.note, Lang: req.Lang, Nonce: newNonce()}
	confirmed, viaDigest := s.senderConfirmed(v.email, req.SenderCookie, req.Form.SenderToken)
	if !confirmed {
		return s.askToConfirm(ctx, a, p, req.IP, retry)
	}
	out, r, err := s.deliver(ctx, a, p)
	if err != nil {
		return Outcome{}, err
	}
	if r != nil {
		return Outcome{}, retry(r)
	}
	if viaDigest {
		out.RememberSender = s.senderCookie(v.email)
	}
	return out, nil
}

// orReject returns err if set, else the rejection r passed through
// finish.
func orReject(err error, r *Rejection, finish func(*Rejection) error) error {
	if err != nil {
		return err
	}
	return finish(r)
}

// rejected logs r and returns it as the error.
func (s *Service) rejected(ctx context.Context, kind string, r *Rejection, articleID string, ip netip.Addr) error {
	s.logReject(ctx, kind, r, articleID, ip)
	return r
}

// senderConfirmed reports whether email has been proved by its owner: by
// the sender cookie from an earlier confirmation, or by a digest's
// "share-sender" token for this address (the second result).
func (s *Service) senderConfirmed(email, cookie, digestToken string) (confirmed, viaDigest bool) {
	if cookie != "" {
		if subj, err := s.signer.Verify(purposeSenderCookie, cookie); err == nil && subj == email {
			return true, false
		}
	}
	if digestToken != "" {
		if subj, err := s.signer.Verify(PurposeSender, digestToken); err == nil {
			if e, msg := NormalizeEmail(subj); msg == "" && e == email {
				return true, true
			}
		}
	}
	return false, false
}

// SenderFromToken returns the address a digest's "share-sender" token
// names, to fill in the form; "" when the token is not valid.
func (s *Service) SenderFromToken(tok string) string {
	if tok == "" {
		return ""
	}
	subj, err := s.signer.Verify(PurposeSender, tok)
	if err != nil {
		return ""
	}
	e, msg := NormalizeEmail(subj)
	if msg != "" {
		return ""
	}
	return e
}

// SenderFromCookie returns the address the sender cookie remembers, ""
// when there is none or it is not genuine.
func (s *Service) SenderFromCookie(cookie string) string {
	if cookie == "" {
		return ""
	}
	subj, err := s.signer.Verify(purposeSenderCookie, cookie)
	if err != nil {
		return ""
	}
	return subj
}

func (s *Service) senderCookie(email string) string {
	return s.signer.Sign(purposeSenderCookie, email, s.o.Share.SenderTTL)
}

// askToConfirm mails a first-time sender the link that sends the share,
// with the share sealed inside it.
func (s *Service) askToConfirm(ctx context.Context, a *article.Article, p pending, ip netip.Addr, retry func(*Rejection) error) (Outcome, error) {
	var lim limits
	r := tooMany("limit_confirmations", errLimitConfirm)
	r.Fields = FieldErrors{"email": {Key: errLimitConfirm}}
	lim.add(store.Charge{Key: "share-confirm:" + s.addrKey("sender", p.Email), N: 1, Limit: s.o.Share.ConfirmationsPerAddress, Window: 24 * time.Hour}, r)
	if r, err := s.charge(ctx, lim); err != nil || r != nil {
		return Outcome{}, orReject(err, r, retry)
	}
	p.Expires = s.now().Add(s.o.Share.ConfirmTTL).Unix()
	sealed, err := s.sealPending(p)
	if err != nil {
		return Outcome{}, fmt.Errorf("share: seal: %w", err)
	}
	if err := s.sendConfirmation(ctx, a, p, sealed); err != nil {
		s.log.ErrorContext(ctx, "share confirmation not sent", "article", a.ID, "err", err)
		return Outcome{}, retry(reject(http.StatusServiceUnavailable, "send_failed", errSend))
	}
	s.log.InfoContext(ctx, "share awaiting confirmation", "article", a.ID, "recipients", len(p.To),
		"sender_hash", s.addrKey("sender", p.Email), "ip_hash", s.ipKey(ip))
	return Outcome{Sent: false, Recipients: len(p.To), Article: a}, nil
}

// deliver sends p to each of its recipients not on the suppression list,
// after charging the sender, recipient and global limits for them, all
// or none.
func (s *Service) deliver(ctx context.Context, a *article.Article, p pending) (Outcome, *Rejection, error) {
	hashes := make([]string, len(p.To))
	for i, to := range p.To {
		hashes[i] = s.addrKey("rcpt", to)
	}
	suppressed, err := s.st.Suppressed(ctx, hashes)
	if err != nil {
		return Outcome{}, nil, err
	}
	var lim limits
	r := tooMany("limit_sender", errLimitSender)
	r.Fields = FieldErrors{"email": {Key: errLimitSender}}
	lim.add(store.Charge{Key: "share-sender:" + s.addrKey("sender", p.Email), N: 1, Limit: s.o.Share.PerSender, Window: 24 * time.Hour}, r)
	var to []string
	for i, rcpt := range p.To {
		if suppressed[hashes[i]] {
			continue // silently: see the package doc
		}
		to = append(to, rcpt)
		field := "to." + itoa(i)
		day := tooMany("limit_recipient_day", errLimitRcptDay)
		day.Form.N = s.o.Share.PerRecipient
		day.Fields = FieldErrors{field: day.Form}
		lim.add(store.Charge{Key: "share-rcpt:" + hashes[i], N: 1, Limit: s.o.Share.PerRecipient, Window: 24 * time.Hour}, day)
		art := tooMany("limit_recipient_article", errLimitRcptArticle)
		art.Form.N = s.o.Share.PerRecipientArticle
		art.Fields = FieldErrors{field: art.Form}
		lim.add(store.Charge{Key: "share-rcpt-article:" + s.hasher.Hash("rcpt-article", rcpt+"\x00"+p.ArticleID),
			N: 1, Limit: s.o.Share.PerRecipientArticle, Window: s.o.Share.HashRetention}, art)
	}
	if len(to) > 0 {
		lim.add(store.Charge{Key: "share-global", N: len(to), Limit: s.o.Share.GlobalPerHour, Window: time.Hour},
			tooMany("limit_global", errLimitGlobal))
	}
	if r, err := s.charge(ctx, lim); err != nil || r != nil {
		return Outcome{}, r, err
	}
	for _, rcpt := range to {
		if err := s.sendShare(ctx, a, p, rcpt); err != nil {
			s.log.ErrorContext(ctx, "share not sent", "article", a.ID, "err", err)
			return Outcome{}, reject(http.StatusServiceUnavailable, "send_failed", errSend), nil
		}
	}
	s.log.InfoContext(ctx, "share sent", "article", a.ID, "recipients", len(to),
		"suppressed", len(p.To)-len(to), "sender_hash", s.addrKey("sender", p.Email))
	return Outcome{Sent: true, Recipients: len(p.To), Article: a}, nil, nil
}

// limits is a set of charges and what to answer when each is over.
type limits struct {
	charges    []store.Charge
	rejections []*Rejection
}

// add adds a charge; a zero limit means none, and adds nothing.
func (l *limits) add(c store.Charge, r *Rejection) {
	if c.Limit <= 0 {
		return
	}
	l.charges = append(l.charges, c)
	l.rejections = append(l.rejections, r)
}

// charge applies l, all or none, and returns the rejection of the first
// limit that is over. A read first turns away what is already over, which
// under a flood is nearly everything, without a write.
func (s *Service) charge(ctx context.Context, l limits) (*Rejection, error) {
	now := s.now()
	i, err := s.st.CheckLimits(ctx, now, l.charges)
	if err != nil {
		return nil, err
	}
	if i >= 0 {
		return l.rejections[i], nil
	}
	i, err = s.st.ChargeLimits(ctx, now, l.charges)
	if err != nil {
		return nil, err
	}
	if i >= 0 {
		return l.rejections[i], nil
	}
	return nil, nil
}
