package share

import (
	"context"
	"fmt"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/templates"
)

// ShareMail is what templates/email/share.* receive as Data. The sender's
// name and note are the reader's text: the templates print them escaped,
// and only in the body.
type ShareMail struct {
	SenderName  string
	SenderEmail string
	Note        string
	Title       string
	Lead        string
	URL         string
	PublishedAt time.Time
	// StopURL is the "Không nhận email chia sẻ nữa" link.
	StopURL string
}

// ConfirmMail is what templates/email/share_confirm.* receive. It holds
// nothing the form's user typed (see the package doc).
type ConfirmMail struct {
	Title      string
	URL        string
	ConfirmURL string
	Recipients int
	ValidFor   string
}

// sendShare sends the share to one recipient. From is the site (the
// mailer's default), Reply-To the sender's bare address; the subject comes
// from the template: fixed text and the article's title.
func (s *Service) sendShare(ctx context.Context, a *article.Article, p pending, rcpt string) error {
	stop := s.absURL("/share/stop?t=" + s.signer.Sign(purposeStop, s.addrKey("rcpt", rcpt), s.o.Share.StopLinkTTL))
	e, err := s.pages.RenderEmail("share", templates.EmailData{
		Lang: p.Lang, SiteName: s.o.SiteName, SiteURL: s.o.SiteURL, Preheader: a.Lead,
		Data: ShareMail{
			SenderName: p.Name, SenderEmail: p.Email, Note: p.Note,
			Title: a.Title, Lead: a.Lead, URL: s.absURL(a.Path()), PublishedAt: a.PublishedAt,
			StopURL: stop,
		},
	})
	if err != nil {
		return err
	}
	return s.mail.Send(ctx, &mailer.Message{
		To:          []mailer.Address{{Email: rcpt}},
		ReplyTo:     mailer.Address{Email: p.Email},
		Subject:     e.Subject,
		Text:        e.Text,
		HTML:        e.HTML,
		Unsubscribe: stop,
	})
}

// sendConfirmation mails the sender the link that sends the share.
func (s *Service) sendConfirmation(ctx context.Context, a *article.Article, p pending, sealed string) error {
	e, err := s.pages.RenderEmail("share_confirm", templates.EmailData{
		Lang: p.Lang, SiteName: s.o.SiteName, SiteURL: s.o.SiteURL,
		Data: ConfirmMail{
			Title: a.Title, URL: s.absURL(a.Path()),
			ConfirmURL: s.absURL("/share/confirm?t=" + sealed),
			Recipients: len(p.To),
			ValidFor:   humanDuration(p.Lang, s.o.Share.ConfirmTTL),
		},
	})
	if err != nil {
		return err
	}
	return s.mail.Send(ctx, &mailer.Message{
		To:      []mailer.Address{{Email: p.Email}},
		Subject: e.Subject,
		Text:    e.Text,
		HTML:    e.HTML,
	})
}

// humanDuration says d in whole hours, or minutes under an hour, in lang.
func humanDuration(lang string, d time.Duration) string {
	unit, n := "giờ", int(d/time.Hour)
	if lang == "en" {
		unit = "hours"
		if n == 1 {
			unit = "hour"
		}
	}
	if d < time.Hour {
		n = int(d / time.Minute)
		unit = "phút"
		if lang == "en" {
			unit = "minutes"
		}
	}
	return fmt.Sprintf("%d %s", n, unit)
}
