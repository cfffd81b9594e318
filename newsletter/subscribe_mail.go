package newsletter

import (
	"context"
	"fmt"
	"time"

	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

// confirmMailData is what email/confirm.* receive.
type confirmMailData struct {
	Name       string
	ConfirmURL string
	ValidFor   string
}

// subscribedMailData is what email/subscribed.* receive.
type subscribedMailData struct {
	Name           string
	PreferencesURL string
	UnsubscribeURL string
	Contact        string
}

// sendConfirmation mails sub the link that confirms their subscription.
func (s *Subscriptions) sendConfirmation(ctx context.Context, sub *store.Subscriber) error {
	data := confirmMailData{Name: sub.Name, ConfirmURL: s.confirmURL(sub), ValidFor: validFor(s.o.ConfirmTTL, sub.Language)}
	if err := s.sendMail(ctx, sub, "confirm", data, ""); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "confirmation sent", "subscriber", sub.ID)
	return nil
}

// sendAlreadySubscribed mails someone already subscribed their links,
// in answer to a request to subscribe them again.
func (s *Subscriptions) sendAlreadySubscribed(ctx context.Context, sub *store.Subscriber) error {
	unsub, prefs := s.Links(sub)
	data := subscribedMailData{Name: sub.Name, PreferencesURL: prefs, UnsubscribeURL: unsub, Contact: s.o.Contact}
	if err := s.sendMail(ctx, sub, "subscribed", data, unsub); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "already subscribed: links sent", "subscriber", sub.ID)
	return nil
}

func (s *Subscriptions) sendMail(ctx context.Context, sub *store.Subscriber, name string, data any, unsubscribe string) error {
	e, err := s.tmpl.RenderEmail(name, templates.EmailData{Lang: sub.Language, SiteName: s.o.SiteName, SiteURL: s.o.SiteURL, Data: data})
	if err != nil {
		return err
	}
	msg := &mailer.Message{
		To:          []mailer.Address{{Name: sub.Name, Email: sub.Email}},
		Subject:     e.Subject,
		Text:        e.Text,
		HTML:        e.HTML,
		Unsubscribe: unsubscribe,
	}
	if err := s.mail.Send(ctx, msg); err != nil {
		return fmt.Errorf("newsletter: send %s mail to subscriber %d: %w", name, sub.ID, err)
	}
	return nil
}

// validFor says how long a link is valid, the way a person would: in hours
// up to three days, in days beyond.
func validFor(d time.Duration, lang string) string {
	hours := int(d.Round(time.Hour) / time.Hour)
	if hours < 1 {
		hours = 1
	}
	if hours < 72 || hours%24 != 0 {
		if lang == "en" {
			if hours == 1 {
				return "1 hour"
			}
			return fmt.Sprintf("%d hours", hours)
		}
		return fmt.Sprintf("%d giờ", hours)
	}
	if lang == "en" {
		return fmt.Sprintf("%d days", hours/24)
	}
	return fmt.Sprintf("%d ngày", hours/24)
}
