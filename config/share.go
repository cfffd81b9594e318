package config

import (
	"net/mail"
	"time"
)

// Share configures "Gửi cho bạn bè", the form that sends an article to
// friends by email. Every limit it has is here.
type Share struct {
	Enabled                 bool          `yaml:"enabled" doc:"Offer the form that emails an article to friends. Off, article pages still offer a mailto: link."`
	MaxRecipients           int           `yaml:"max_recipients" doc:"Most recipients of one share; 1 to 10."`
	NoteMax                 int           `yaml:"note_max" doc:"Longest note from the sender, in characters; 1 to 1000. Links are never allowed in it."`
	NameMax                 int           `yaml:"name_max" doc:"Longest sender name, in characters; 10 to 200."`
	MinFillTime             time.Duration `yaml:"min_fill_time" doc:"Shortest time between showing the form and its submission; faster ones are taken for a robot and asked to submit again. 0s to 1m."`
	FormTTL                 time.Duration `yaml:"form_ttl" doc:"How long a form stays valid after it is shown; 1m to 24h, longer than share.min_fill_time."`
	ConfirmTTL              time.Duration `yaml:"confirm_ttl" doc:"How long the link that a first-time sender confirms their address with stays valid; 10m to 72h. The share waiting for it exists only sealed inside that link, so this is also how long it lives."`
	SenderTTL               time.Duration `yaml:"sender_ttl" doc:"How long a confirmed sender is remembered, by a signed cookie in their browser; 1h to 2160h (90 days)."`
	StopLinkTTL             time.Duration `yaml:"stop_link_ttl" doc:"How long the link in a share email that stops all further shares to the recipient stays valid; at least 24h."`
	HashRetention           time.Duration `yaml:"hash_retention" doc:"How long the keyed hashes of recipients' addresses are kept for the limits, and the window of share.per_recipient_article; 24h to 8760h."`
	PerIP                   int           `yaml:"per_ip" doc:"Most shares submitted from one IP address (one IPv6 /64) in an hour; 0 is no limit."`
	PerSender               int           `yaml:"per_sender" doc:"Most shares one sender address sends in 24 hours; 1 to 1000."`
	ConfirmationsPerAddress int           `yaml:"confirmations_per_address" doc:"Most confirmation emails sent to one sender address in 24 hours; 1 to 20."`
	PerRecipient            int           `yaml:"per_recipient" doc:"Most share emails one recipient gets in 24 hours, from every sender together; 1 to 100."`
	PerRecipientArticle     int           `yaml:"per_recipient_article" doc:"Most times one article is sent to one recipient within share.hash_retention; 1 to 10."`
	GlobalPerHour           int           `yaml:"global_per_hour" doc:"Most share emails the site sends in an hour, every sender together; 0 is no limit."`
	MaxFormSize             ByteSize      `yaml:"max_form_size" doc:"Largest share form accepted; a bigger one is answered 413. 1KB to 1MB."`
}

// Feedback configures "Phản hồi", readers' feedback on an article, and
// its moderation queue.
type Feedback struct {
	Enabled           bool          `yaml:"enabled" doc:"Offer the feedback form under every article."`
	Notify            []string      `yaml:"notify" doc:"Editors told by email about new feedback waiting for moderation, as addresses such as: Ban biên tập <toasoan@example.com>. Empty tells nobody (see bantin feedback list)."`
	NotifyInterval    time.Duration `yaml:"notify_interval" doc:"Editors get at most one notice per this interval, listing all the feedback that arrived meanwhile; 1m to 24h."`
	ShowApproved      bool          `yaml:"show_approved" doc:"Show approved feedback (name, date and text; never the address or phone) under its article."`
	NameMax           int           `yaml:"name_max" doc:"Longest name, in characters; 10 to 200."`
	MaxLength         int           `yaml:"max_length" doc:"Longest feedback, in characters; 100 to 20000."`
	MinFillTime       time.Duration `yaml:"min_fill_time" doc:"Shortest time between showing the form and its submission; faster ones are taken for a robot and asked to submit again. 0s to 1m."`
	FormTTL           time.Duration `yaml:"form_ttl" doc:"How long a form stays valid after it is shown; 1m to 24h, longer than feedback.min_fill_time."`
	PerIP             int           `yaml:"per_ip" doc:"Most feedback accepted from one IP address (one IPv6 /64) in an hour; 0 is no limit."`
	PerEmail          int           `yaml:"per_email" doc:"Most feedback accepted from one email address in 24 hours; 1 to 1000."`
	GlobalPerHour     int           `yaml:"global_per_hour" doc:"Most feedback accepted in an hour from everyone together; 0 is no limit."`
	RejectedRetention time.Duration `yaml:"rejected_retention" doc:"How long rejected feedback is kept before it is deleted; 0 keeps it."`
	MaxFormSize       ByteSize      `yaml:"max_form_size" doc:"Largest feedback form accepted; a bigger one is answered 413. 1KB to 1MB."`
}

// Admin configures the admin API.
type Admin struct {
	Token string `yaml:"token" secret:"true" doc:"Bearer token of the admin API (/api/admin/...): at least 32 characters (e.g. openssl rand -base64 32), sent as Authorization: Bearer TOKEN. Empty turns the admin API off."`
}

func defaultShare() Share {
	return Share{
		Enabled:                 true,
		MaxRecipients:           3,
		NoteMax:                 140,
		NameMax:                 80,
		MinFillTime:             3 * time.Second,
		FormTTL:                 2 * time.Hour,
		ConfirmTTL:              24 * time.Hour,
		SenderTTL:               30 * 24 * time.Hour,
		StopLinkTTL:             365 * 24 * time.Hour,
		HashRetention:           30 * 24 * time.Hour,
		PerIP:                   10,
		PerSender:               20,
		ConfirmationsPerAddress: 3,
		PerRecipient:            3,
		PerRecipientArticle:     1,
		GlobalPerHour:           500,
		MaxFormSize:             16 * KB,
	}
}

func defaultFeedback() Feedback {
	return Feedback{
		Enabled:           true,
		NotifyInterval:    15 * time.Minute,
		NameMax:           80,
		MaxLength:         2000,
		MinFillTime:       3 * time.Second,
		FormTTL:           2 * time.Hour,
		PerIP:             5,
		PerEmail:          5,
		GlobalPerHour:     200,
		RejectedRetention: 90 * 24 * time.Hour,
		MaxFormSize:       64 * KB,
	}
}

// validateShare checks the share, feedback and admin sections.
func (c *Config) validateShare(ch *checker) {
	s := &c.Share
	intWithin(ch, "share.max_recipients", s.MaxRecipients, 1, 10)
	intWithin(ch, "share.note_max", s.NoteMax, 1, 1000)
	intWithin(ch, "share.name_max", s.NameMax, 10, 200)
	durationWithin(ch, "share.min_fill_time", s.MinFillTime, 0, time.Minute)
	formTTL(ch, "share", s.FormTTL, s.MinFillTime)
	durationWithin(ch, "share.confirm_ttl", s.ConfirmTTL, 10*time.Minute, 72*time.Hour)
	durationWithin(ch, "share.sender_ttl", s.SenderTTL, time.Hour, 90*24*time.Hour)
	atLeast(ch, "share.stop_link_ttl", s.StopLinkTTL, 24*time.Hour)
	durationWithin(ch, "share.hash_retention", s.HashRetention, 24*time.Hour, 365*24*time.Hour)
	zeroOrMore(ch, "share.per_ip", s.PerIP)
	intWithin(ch, "share.per_sender", s.PerSender, 1, 1000)
	intWithin(ch, "share.confirmations_per_address", s.ConfirmationsPerAddress, 1, 20)
	intWithin(ch, "share.per_recipient", s.PerRecipient, 1, 100)
	intWithin(ch, "share.per_recipient_article", s.PerRecipientArticle, 1, 10)
	zeroOrMore(ch, "share.global_per_hour", s.GlobalPerHour)
	sizeBetween(ch, "share.max_form_size", s.MaxFormSize, KB, MB)

	f := &c.Feedback
	for i, n := range f.Notify {
		if !oneLine(n) {
			ch.add(index("feedback.notify", i), "must be one line of text")
		} else if _, err := mail.ParseAddress(n); err != nil {
			ch.add(index("feedback.notify", i), "%q is not an address (%v); use the form: Ban biên tập <toasoan@example.com>", n, err)
		}
	}
	durationWithin(ch, "feedback.notify_interval", f.NotifyInterval, time.Minute, 24*time.Hour)
	intWithin(ch, "feedback.name_max", f.NameMax, 10, 200)
	intWithin(ch, "feedback.max_length", f.MaxLength, 100, 20000)
	durationWithin(ch, "feedback.min_fill_time", f.MinFillTime, 0, time.Minute)
	formTTL(ch, "feedback", f.FormTTL, f.MinFillTime)
	zeroOrMore(ch, "feedback.per_ip", f.PerIP)
	intWithin(ch, "feedback.per_email", f.PerEmail, 1, 1000)
	zeroOrMore(ch, "feedback.global_per_hour", f.GlobalPerHour)
	if f.RejectedRetention < 0 {
		ch.add("feedback.rejected_retention", "must not be negative (0 keeps rejected feedback)")
	}
	sizeBetween(ch, "feedback.max_form_size", f.MaxFormSize, KB, MB)

	switch t := c.Admin.Token; {
	case t == redactedText:
		ch.add("admin.token", "is the placeholder that config print writes; put the real token here, or leave it empty to turn the admin API off")
	case t != "" && !oneLine(t):
		ch.add("admin.token", "must be one line of text")
	case t != "" && len(t) < 32:
		ch.add("admin.token", "is %d characters; use at least 32 (e.g. openssl rand -base64 32), or leave it empty to turn the admin API off", len(t))
	}
}

func formTTL(ch *checker, section string, ttl, minFill time.Duration) {
	key := section + ".form_ttl"
	durationWithin(ch, key, ttl, time.Minute, 24*time.Hour)
	if ttl <= minFill {
		ch.add(key, "must be longer than %s.min_fill_time (%s), or no form could ever be sent", section, minFill)
	}
}

func intWithin(ch *checker, key string, n, lo, hi int) {
	if n < lo || n > hi {
		ch.add(key, "must be between %d and %d, not %d", lo, hi, n)
	}
}

func zeroOrMore(ch *checker, key string, n int) {
	if n < 0 {
		ch.add(key, "must not be negative (0 is no limit), not %d", n)
	}
}

func durationWithin(ch *checker, key string, d, lo, hi time.Duration) {
	if d < lo || d > hi {
		ch.add(key, "must be between %s and %s, not %s", formatDuration(lo), formatDuration(hi), formatDuration(d))
	}
}
