package newsletter

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/bantin/bantin/config"
	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

// Cadences a subscriber chooses from: a digest as soon as there are new
// articles, once a day, or once a week.
const (
	CadenceInstant = "instant"
	CadenceDaily   = "daily"
	CadenceWeekly  = "weekly"
)

// Cadences lists the cadences in the order forms show them.
func Cadences() []string { return []string{CadenceInstant, CadenceDaily, CadenceWeekly} }

// Form versions recorded in the consent record: which form a request came
// through. Bump the number when a form changes what it asks or shows.
const (
	FormPage   = "web-page/1"  // the /subscribe page
	FormEmbed  = "web-embed/1" // a form embedded on another site, completed on /subscribe
	FormCLI    = "cli-add/1"   // bantin subscribers add
	FormImport = "cli-import/1"
	FormLink   = "email-link/1" // a confirmation, preferences or unsubscribe link
)

// Errors of Subscribe and the link actions.
var (
	// ErrTooManyRequests: the IP address used up its subscriptions for
	// the hour.
	ErrTooManyRequests = errors.New("newsletter: too many subscriptions from this address")
	// ErrBadLink: a token that is forged, tampered, expired, of another
	// purpose, or for a subscriber who no longer exists.
	ErrBadLink = errors.New("newsletter: invalid or expired link")
	// ErrAlreadyConfirmed: a confirmation link used again.
	ErrAlreadyConfirmed = errors.New("newsletter: already confirmed")
	// ErrLinkUsed: a confirmation link of someone who has since left or
	// bounced; they must subscribe again.
	ErrLinkUsed = errors.New("newsletter: the confirmation link no longer applies")
	// ErrNotAllowed: a status change that does not apply to the
	// subscriber's status, such as pausing someone who unsubscribed.
	ErrNotAllowed = errors.New("newsletter: not allowed in the subscriber's status")
)

// SubscriptionOptions configures Subscriptions.
type SubscriptionOptions struct {
	// SiteName and SiteURL (no trailing slash) go into links and mail.
	SiteName string
	SiteURL  string
	// Contact is the portal's contact address shown in mail; may be empty.
	Contact string
	// ConfirmTTL is how long a confirmation link is valid; LinkTTL how
	// long preferences and unsubscribe links are.
	ConfirmTTL time.Duration
	LinkTTL    time.Duration
	// MinFillTime is the shortest time from showing the form to its
	// submission that is taken for a person.
	MinFillTime time.Duration
	// SubscribePerIP caps subscriptions per IP address (IPv6: per /64)
	// and hour; 0 is no limit.
	SubscribePerIP int
	// ConfirmationsPerAddress caps the mail the form makes us send to one
	// address in 24 hours.
	ConfirmationsPerAddress int
	// Logger gets events with hashes, never addresses; nil logs nothing.
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// SubscriptionOptionsFromConfig returns the options c describes. The
// caller adds a Logger.
func SubscriptionOptionsFromConfig(c *config.Config) SubscriptionOptions {
	return SubscriptionOptions{
		SiteName:                c.Site.Name,
		SiteURL:                 strings.TrimRight(c.Site.URL, "/"),
		Contact:                 c.Site.Contact,
		ConfirmTTL:              c.Newsletter.ConfirmTTL,
		LinkTTL:                 c.Newsletter.LinkTTL,
		MinFillTime:             c.Newsletter.MinFillTime,
		SubscribePerIP:          c.Newsletter.SubscribePerIP,
		ConfirmationsPerAddress: c.Newsletter.ConfirmationsPerAddress,
	}
}

// Subscriptions is the subscriber side of the newsletter: subscribing,
// confirming, preferences, unsubscribing, import and export. It is safe
// for concurrent use.
type Subscriptions struct {
	db      *store.DB
	signer  *token.Signer
	mail    mailer.Sender
	tmpl    *templates.Set
	o       SubscriptionOptions
	log     *slog.Logger
	now     func() time.Time
	limits  subscribeLimits
	catalog templates.Catalog
}

// NewSubscriptions returns Subscriptions keeping subscribers in db, signing
// links with signer and sending mail through mail, rendered from tmpl.
func NewSubscriptions(db *store.DB, signer *token.Signer, mail mailer.Sender, tmpl *templates.Set, o SubscriptionOptions) *Subscriptions {
	s := &Subscriptions{db: db, signer: signer, mail: mail, tmpl: tmpl, o: o, log: o.Logger, now: o.Now,
		catalog: templates.NewCatalog()}
	s.o.SiteURL = strings.TrimRight(o.SiteURL, "/")
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.o.ConfirmTTL <= 0 {
		s.o.ConfirmTTL = 48 * time.Hour
	}
	if s.o.LinkTTL <= 0 {
		s.o.LinkTTL = 365 * 24 * time.Hour
	}
	if s.o.ConfirmationsPerAddress <= 0 {
		s.o.ConfirmationsPerAddress = 3
	}
	s.limits = subscribeLimits{db: db, signer: signer, perIP: s.o.SubscribePerIP, perAddress: s.o.ConfirmationsPerAddress}
	return s
}

// SubscribeRequest is one request to subscribe, from a form or the CLI.
type SubscribeRequest struct {
	Email      string // as typed; normalized by Subscribe
	Name       string
	Cadence    string
	Categories []string
	Language   string // "vi" or "en"; anything else is "vi"
	// IP is the client's address, hashed into the consent record and
	// counted by the per-IP limit; the zero Addr (the CLI) is neither.
	IP netip.Addr
	// Form is one of the Form constants.
	Form string
	// KnownCategories, when not nil, are the category slugs the form
	// offered; any other is refused.
	KnownCategories []string
}

// Subscribe handles a request to subscribe. It returns an *InputError for
// bad input and ErrTooManyRequests over the per-IP limit; otherwise its
// answer is nil whatever the address's state, and the caller must answer
// the same way too. A failure to send mail is logged, not returned, for the
// same reason.
func (s *Subscriptions) Subscribe(ctx context.Context, req SubscribeRequest) error {
	in, err := checkSubscribeInput(req)
	if err != nil {
		return err
	}
	ok, err := s.limits.allowIP(ctx, req.IP)
	if err != nil {
		return err
	}
	if !ok {
		s.log.InfoContext(ctx, "subscribe refused: per-IP limit", "ip_hash", s.limits.ipKey(req.IP))
		return ErrTooManyRequests
	}
	consent := s.consent(store.ConsentSubscribe, req.IP, req.Form, in.Language, "")
	sub, err := s.request(ctx, in, consent)
	if err != nil {
		return err
	}
	if _, err := s.mailAfterRequest(ctx, sub); err != nil {
		s.log.ErrorContext(ctx, "subscribe: mail not sent", "subscriber", sub.ID, "err", err)
	}
	return nil
}

// request records a request to subscribe in and returns the subscriber
// as it now is.
func (s *Subscriptions) request(ctx context.Context, in *store.Subscriber, consent store.Consent) (*store.Subscriber, error) {
	sub, created, err := s.db.CreateSubscriber(ctx, in, consent)
	if err != nil || created {
		return sub, err
	}
	switch sub.Status {
	case store.StatusActive, store.StatusPaused:
		// Someone who already confirmed keeps their preferences: a
		// stranger must not be able to change them by subscribing.
		return sub, nil
	}
	// Pending, unsubscribed or bounced: the newest request is the one a
	// confirmation will confirm.
	again := []string{store.StatusPending, store.StatusUnsubscribed, store.StatusBounced}
	changed, err := s.db.ChangeSubscriber(ctx, sub.ID, again, func(x *store.Subscriber) {
		x.Status = store.StatusPending
		x.Name, x.Cadence, x.Categories, x.Language = in.Name, in.Cadence, in.Categories, in.Language
	}, consent)
	if errors.Is(err, store.ErrWrongStatus) {
		return changed, nil // confirmed in the meantime
	}
	return changed, err
}

// mailAfterRequest sends what a request to subscribe calls for: a
// confirmation, or, to someone already subscribed, their links. Both count
// towards the per-address limit; it reports whether anything was sent.
func (s *Subscriptions) mailAfterRequest(ctx context.Context, sub *store.Subscriber) (bool, error) {
	var send func(context.Context, *store.Subscriber) error
	switch sub.Status {
	case store.StatusPending:
		send = s.sendConfirmation
	case store.StatusActive, store.StatusPaused:
		send = s.sendAlreadySubscribed
	default:
		return false, nil
	}
	ok, err := s.limits.allowMail(ctx, sub.Email)
	if err != nil {
		return false, err
	}
	if !ok {
		s.log.InfoContext(ctx, "subscribe: per-address mail limit reached; nothing sent", "subscriber", sub.ID)
		return false, nil
	}
	return true, send(ctx, sub)
}

// Confirm confirms the subscription named by a confirmation token: the
// subscriber becomes active and their bounce count starts again. It
// returns ErrBadLink for a bad token, ErrAlreadyConfirmed when it was used
// before and ErrLinkUsed when the subscriber has since left.
func (s *Subscriptions) Confirm(ctx context.Context, tok string, ip netip.Addr) (*store.Subscriber, error) {
	sub, err := s.FromLink(ctx, PurposeConfirm, tok)
	if err != nil {
		return nil, err
	}
	now := s.now()
	sub, err = s.db.ChangeSubscriber(ctx, sub.ID, []string{store.StatusPending}, func(x *store.Subscriber) {
		x.Status, x.ConfirmedAt, x.Bounces = store.StatusActive, now, 0
	}, s.consent(store.ConsentConfirm, ip, FormLink, sub.Language, ""))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrBadLink
	case errors.Is(err, store.ErrWrongStatus) && (sub.Status == store.StatusActive || sub.Status == store.StatusPaused):
		return sub, ErrAlreadyConfirmed
	case errors.Is(err, store.ErrWrongStatus):
		return sub, ErrLinkUsed
	case err != nil:
		return nil, err
	}
	s.log.InfoContext(ctx, "subscription confirmed", "subscriber", sub.ID)
	return sub, nil
}

// consent builds a consent entry for action taken from ip. The text
// version is the catalog's: it holds the consent text and its version side
// by side, so that whoever changes one sees the other.
func (s *Subscriptions) consent(action string, ip netip.Addr, form, lang, detail string) store.Consent {
	c := store.Consent{Action: action, At: s.now(), FormVersion: form, Detail: detail,
		TextVersion: s.catalog.Text(lang, "subscribe.consent_version")}
	if ip.IsValid() {
		c.IPHash = s.signer.Hash("consent-ip", ip.Unmap().String())
	}
	return c
}
