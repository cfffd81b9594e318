package share

import (
	"log/slog"
	"strings"
	"time"

	"github.com/bantin/bantin/config"
	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/templates"
)

// Options configures a Service. [OptionsFromConfig] fills in everything
// but the dependencies.
type Options struct {
	Store     Store
	Mailer    mailer.Sender
	Templates *templates.Set
	// Signer signs and verifies form tokens, links and the sender
	// cookie; it must be the one the digests sign "share-sender" tokens
	// with.
	Signer *token.Signer
	Logger *slog.Logger
	// Now returns the current time; nil is time.Now. For tests.
	Now func() time.Time

	SiteName string
	// SiteURL is the public base URL, without a trailing slash.
	SiteURL string
	// DefaultLanguage is the language of the editors' notices.
	DefaultLanguage string
	// SecureCookies marks the sender cookie Secure (an https site).
	SecureCookies bool

	Share    ShareOptions
	Feedback FeedbackOptions
}

// ShareOptions are the limits of "Gửi cho bạn bè"; see the share section
// of the configuration for each.
type ShareOptions struct {
	Enabled       bool
	MaxRecipients int
	NoteMax       int
	NameMax       int
	MinFillTime   time.Duration
	FormTTL       time.Duration
	ConfirmTTL    time.Duration
	SenderTTL     time.Duration
	StopLinkTTL   time.Duration
	HashRetention time.Duration
	// Counts; PerIP and GlobalPerHour may be 0, for no limit.
	PerIP                   int
	PerSender               int
	ConfirmationsPerAddress int
	PerRecipient            int
	PerRecipientArticle     int
	GlobalPerHour           int
	MaxFormSize             int64
}

// FeedbackOptions are the settings of "Phản hồi"; see the feedback section
// of the configuration.
type FeedbackOptions struct {
	Enabled bool
	// Notify are the editors told about new feedback; none tells nobody.
	Notify         []mailer.Address
	NotifyInterval time.Duration
	ShowApproved   bool
	NameMax        int
	MaxLength      int
	MinFillTime    time.Duration
	FormTTL        time.Duration
	// Counts; PerIP and GlobalPerHour may be 0, for no limit.
	PerIP             int
	PerEmail          int
	GlobalPerHour     int
	RejectedRetention time.Duration
	MaxFormSize       int64
}

// OptionsFromConfig returns the Options that c, a validated configuration,
// describes. The caller adds Store, Mailer, Templates, Signer and Logger.
func OptionsFromConfig(c *config.Config) (Options, error) {
	s, f := c.Share, c.Feedback
	o := Options{
		SiteName:        c.Site.Name,
		SiteURL:         c.Site.URL,
		DefaultLanguage: c.Site.Language,
		SecureCookies:   strings.HasPrefix(c.Site.URL, "https://"),
		Share: ShareOptions{
			Enabled:                 s.Enabled,
			MaxRecipients:           s.MaxRecipients,
			NoteMax:                 s.NoteMax,
			NameMax:                 s.NameMax,
			MinFillTime:             s.MinFillTime,
			FormTTL:                 s.FormTTL,
			ConfirmTTL:              s.ConfirmTTL,
			SenderTTL:               s.SenderTTL,
			StopLinkTTL:             s.StopLinkTTL,
			HashRetention:           s.HashRetention,
			PerIP:                   s.PerIP,
			PerSender:               s.PerSender,
			ConfirmationsPerAddress: s.ConfirmationsPerAddress,
			PerRecipient:            s.PerRecipient,
			PerRecipientArticle:     s.PerRecipientArticle,
			GlobalPerHour:           s.GlobalPerHour,
			MaxFormSize:             int64(s.MaxFormSize),
		},
		Feedback: FeedbackOptions{
			Enabled:           f.Enabled,
			NotifyInterval:    f.NotifyInterval,
			ShowApproved:      f.ShowApproved,
			NameMax:           f.NameMax,
			MaxLength:         f.MaxLength,
			MinFillTime:       f.MinFillTime,
			FormTTL:           f.FormTTL,
			PerIP:             f.PerIP,
			PerEmail:          f.PerEmail,
			GlobalPerHour:     f.GlobalPerHour,
			RejectedRetention: f.RejectedRetention,
			MaxFormSize:       int64(f.MaxFormSize),
		},
	}
	for i, n := range f.Notify {
		a, err := mailer.ParseAddress(n)
		if err != nil {
			return Options{}, config.FieldError{Key: "feedback.notify[" + itoa(i) + "]", Reason: err.Error()}
		}
		o.Feedback.Notify = append(o.Feedback.Notify, a)
	}
	return o, nil
}
