package mailer

import (
	"net/netip"
	"net/url"

	"github.com/bantin/bantin/config"
)

// OptionsFromConfig returns the Options that c, a validated configuration,
// describes: the mail section, with the site's host for Message-IDs and
// List-Id and its name as the list's name. The caller adds a Logger.
func OptionsFromConfig(c *config.Config) (Options, error) {
	from, err := ParseAddress(c.Mail.From)
	if err != nil {
		return Options{}, config.FieldError{Key: "mail.from", Reason: err.Error()}
	}
	o := Options{
		Transport: c.Mail.Transport,
		Maildir:   c.Mail.Maildir,
		Rate:      c.Mail.Rate,
		From:      from,
		ListName:  c.Site.Name,
		Location:  c.Location(),
		SMTP: SMTPOptions{
			Host:        c.Mail.SMTP.Host,
			Port:        c.Mail.SMTP.Port,
			TLS:         c.Mail.SMTP.TLS,
			Username:    c.Mail.SMTP.Username,
			Password:    c.Mail.SMTP.Password,
			Connections: c.Mail.SMTP.Connections,
			Timeout:     c.Mail.SMTP.Timeout,
			HELO:        c.Mail.SMTP.HELO,
		},
	}
	// Message-IDs and List-Id are on the site's domain; a site reached by
	// IP address (the default 127.0.0.1) has none, so From's is used.
	if u, err := url.Parse(c.Site.URL); err == nil && u.Hostname() != "" {
		if _, err := netip.ParseAddr(u.Hostname()); err != nil {
			if d, err := normalizeDomain(u.Hostname()); err == nil {
				o.Domain = d
			}
		}
	}
	key, err := c.DKIMKey()
	if err != nil {
		return Options{}, err
	}
	if key != nil {
		o.DKIM = &DKIMOptions{Domain: c.Mail.DKIM.Domain, Selector: c.Mail.DKIM.Selector, Key: key}
	}
	return o, nil
}
