package share

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

// Store is what Service keeps its state in; *store.DB implements it.
type Store interface {
	ArticleStore
	LimitStore
	FeedbackStore
	// SecretKey returns the random key stored under name, creating it
	// on first use.
	SecretKey(ctx context.Context, name string) ([]byte, error)
}

// ArticleStore finds the article a confirmation link or a notice names.
type ArticleStore interface {
	Article(ctx context.Context, id string) (*article.Article, error)
	ArticlesByID(ctx context.Context, ids []string) ([]*article.Article, error)
}

// LimitStore keeps the abuse-limit counters, spent tokens and the
// suppression list.
type LimitStore interface {
	CheckLimits(ctx context.Context, now time.Time, charges []store.Charge) (int, error)
	ChargeLimits(ctx context.Context, now time.Time, charges []store.Charge) (int, error)
	UseToken(ctx context.Context, hash string, expires time.Time) (bool, error)
	Suppress(ctx context.Context, emailHash string, now time.Time) error
	Suppressed(ctx context.Context, emailHashes []string) (map[string]bool, error)
	PurgeShareState(ctx context.Context, now, rejectedBefore time.Time) (int64, error)
}

// Service runs both forms: it checks what they post, applies the limits,
// sends the messages and fills the moderation queue. It is safe for
// concurrent use.
type Service struct {
	o      Options
	st     Store
	mail   mailer.Sender
	pages  *templates.Set
	signer *token.Signer
	// hasher keys the hashes of addresses and networks. Its key is kept
	// in the database for this package alone, so that the suppression
	// list survives a change of security.secret_key.
	hasher *token.Signer
	// seal encrypts pending shares into their confirmation links.
	seal  cipher.AEAD
	queue *Queue
	log   *slog.Logger
	now   func() time.Time
}

// secretName is the name of this package's key in the secrets table.
const secretName = "share"

// New returns a Service for o. It reads (on first start, creates) the
// package's key in the database.
func New(ctx context.Context, o Options) (*Service, error) {
	if o.Store == nil || o.Mailer == nil || o.Templates == nil || o.Signer == nil {
		return nil, errors.New("share: Store, Mailer, Templates and Signer are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.DefaultLanguage == "" {
		o.DefaultLanguage = "vi"
	}
	o.SiteURL = strings.TrimSuffix(o.SiteURL, "/")
	secret, err := o.Store.SecretKey(ctx, secretName)
	if err != nil {
		return nil, fmt.Errorf("share: %w", err)
	}
	hasher, err := token.New(derive(secret, "hash"), o.Now)
	if err != nil {
		return nil, fmt.Errorf("share: %w", err)
	}
	block, err := aes.NewCipher(derive(secret, "seal"))
	if err != nil {
		return nil, fmt.Errorf("share: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("share: %w", err)
	}
	return &Service{
		o: o, st: o.Store, mail: o.Mailer, pages: o.Templates, signer: o.Signer,
		hasher: hasher, seal: aead, queue: NewQueue(o.Store, o.Now),
		log: o.Logger, now: o.Now,
	}, nil
}

// derive returns a 32-byte key for one use of secret, so that the hash
// key and the sealing key are independent.
func derive(secret []byte, use string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("bantin share " + use + " v1"))
	return m.Sum(nil)
}

// ShareEnabled reports whether "Gửi cho bạn bè" is on.
func (s *Service) ShareEnabled() bool { return s.o.Share.Enabled }

// FeedbackEnabled reports whether "Phản hồi" is on.
func (s *Service) FeedbackEnabled() bool { return s.o.Feedback.Enabled }

// Queue returns the feedback moderation queue.
func (s *Service) Queue() *Queue { return s.queue }

// Limits are the numbers a form shows its reader.
type Limits struct {
	NameMax, TextMax, MaxRecipients int
	MaxFormSize                     int64
}

// ShareLimits returns the limits of the share form.
func (s *Service) ShareLimits() Limits {
	return Limits{NameMax: s.o.Share.NameMax, TextMax: s.o.Share.NoteMax, MaxRecipients: s.o.Share.MaxRecipients, MaxFormSize: s.o.Share.MaxFormSize}
}

// FeedbackLimits returns the limits of the feedback form.
func (s *Service) FeedbackLimits() Limits {
	return Limits{NameMax: s.o.Feedback.NameMax, TextMax: s.o.Feedback.MaxLength, MaxFormSize: s.o.Feedback.MaxFormSize}
}

// SenderTTL is how long the sender cookie is kept.
func (s *Service) SenderTTL() time.Duration { return s.o.Share.SenderTTL }

// SecureCookies reports whether cookies must be marked Secure.
func (s *Service) SecureCookies() bool { return s.o.SecureCookies }

// ipKey returns the keyed hash of the network ip counts for: the address
// itself for IPv4, its /64 for IPv6, which is what one subscriber line
// gets.
func (s *Service) ipKey(ip netip.Addr) string {
	ip = ip.Unmap()
	v := ip.String()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		v = p.String()
	}
	return s.hasher.Hash("ip", v)
}

// addrKey returns the keyed hash of a normalized address for one use
// ("sender", "rcpt", "fb-email").
func (s *Service) addrKey(use, email string) string {
	return s.hasher.Hash(use, email)
}

// logReject writes the one line a rejection leaves: codes and hashes only.
func (s *Service) logReject(ctx context.Context, kind string, r *Rejection, articleID string, ip netip.Addr) {
	fields := make([]string, 0, len(r.Fields))
	for k := range r.Fields {
		fields = append(fields, k)
	}
	attrs := []any{"form", kind, "status", r.Status, "reason", r.Reason, "article", articleID}
	if len(fields) > 0 {
		slices.Sort(fields)
		attrs = append(attrs, "fields", strings.Join(fields, ","))
	}
	if ip.IsValid() {
		attrs = append(attrs, "ip_hash", s.ipKey(ip))
	}
	s.log.InfoContext(ctx, "form rejected", attrs...)
}

func itoa(i int) string { return strconv.Itoa(i) }

// absURL returns the public URL of path, a path on the site.
func (s *Service) absURL(path string) string { return s.o.SiteURL + path }
