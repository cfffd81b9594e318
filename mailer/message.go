package mailer

import (
	"errors"
	"fmt"
	"net/textproto"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Message is one email. Nothing in it reaches a header except through
// these fields, each checked and encoded for its place; the body is always
// UTF-8, quoted-printable, with a text/plain part, a text/html part or
// both (as multipart/alternative).
type Message struct {
	// From is the author; the zero Address means Options.From. It is also
	// the envelope sender. Use only addresses of the site's own domain:
	// anything else fails DKIM and DMARC at the receiver.
	From Address
	// To lists the recipients: one for a digest, a few for a share.
	// They all appear in the To header. If the server refuses any of
	// them, nothing is sent (see SendError.Recipient).
	To []Address
	// ReplyTo, when its Email is set, is where replies go, such as the
	// reader who shared an article. It is checked like every address.
	ReplyTo Address
	// Subject is required; non-ASCII text is RFC 2047 encoded.
	Subject string

	// Text and HTML are the two alternatives of the body; at least one
	// is required. Line breaks are sent as CRLF, the canonical form of
	// text in MIME, so "\n" arrives as "\r\n".
	Text string
	HTML string
	// TextParts and HTMLParts are the fast path for bulk mail: the body
	// as a sequence of fragments encoded in advance by [NewFragment], so
	// that the part shared by thousands of digests is encoded once and
	// only the personal parts are encoded per message. Set Text or
	// TextParts, not both (and the same for HTML).
	TextParts []Fragment
	HTMLParts []Fragment

	// Bulk marks a message sent to a list, such as a digest. A bulk
	// message must have Unsubscribe, and carries List-Id,
	// List-Unsubscribe and List-Unsubscribe-Post (RFC 2369, RFC 8058).
	Bulk bool
	// Unsubscribe is the http or https address that unsubscribes the
	// recipient with one POST and no further step (RFC 8058). It becomes
	// List-Unsubscribe together with List-Unsubscribe-Post. Required
	// when Bulk; allowed on any message, such as a share's "never send
	// me shares again" link. Mailbox providers require https.
	Unsubscribe string
	// UnsubscribeMailto is an optional mailto: URI added to
	// List-Unsubscribe after Unsubscribe, for clients that only mail.
	UnsubscribeMailto string

	// Headers are further header fields, written in this order after
	// the standard ones: such as Feedback-ID. Names must be valid field
	// names and not one of those set from the fields above; values must
	// be printable ASCII on one line.
	Headers []Header
}

// Header is one header field.
type Header struct {
	Name, Value string
}

// isReserved reports whether the header field name is one the mailer sets
// from Message's fields or that belongs to the transport, which
// Message.Headers may not set: a header cannot be doubled or forged
// through the escape hatch.
func isReserved(name string) bool {
	switch textproto.CanonicalMIMEHeaderKey(name) {
	case "Bcc", "Cc", "Content-Disposition", "Content-Id", "Content-Transfer-Encoding",
		"Content-Type", "Date", "Dkim-Signature", "From", "List-Archive", "List-Help",
		"List-Id", "List-Owner", "List-Post", "List-Subscribe", "List-Unsubscribe",
		"List-Unsubscribe-Post", "Message-Id", "Mime-Version", "Received", "Reply-To",
		"Return-Path", "Sender", "Subject", "To":
		return true
	}
	return false
}

// Fragment is a piece of a body part encoded for the wire once and used in
// any number of messages: the list of articles a thousand subscribers of
// the same categories share, say, between a greeting and a footer made for
// each. The zero Fragment is empty. A Fragment is immutable and safe to
// share between goroutines.
type Fragment struct {
	qp  []byte // quoted-printable, CRLF line breaks, no soft break at the end
	eol bool   // the text ended with a line break: the next starts a line
}

// NewFragment encodes s, UTF-8 text or HTML, as a body fragment. Invalid
// UTF-8 is replaced by U+FFFD, since the part is labelled UTF-8. A
// fragment boundary must not split a CRLF.
func NewFragment(s string) Fragment {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	qp, eol := appendQP(make([]byte, 0, qpSize(s)), s)
	return Fragment{qp: qp, eol: eol}
}

// Len returns the encoded size of f in bytes.
func (f Fragment) Len() int { return len(f.qp) }

// checkMessage returns why msg cannot be sent, or nil. It covers what
// does not depend on the Mailer's options.
func checkMessage(msg *Message) error {
	if len(msg.To) == 0 {
		return errors.New("mailer: no recipient")
	}
	if strings.TrimSpace(msg.Subject) == "" {
		return errors.New("mailer: empty subject")
	}
	if hasControl(msg.Subject) {
		return errors.New("mailer: subject contains a control character (such as a line break)")
	}
	if !utf8.ValidString(msg.Subject) {
		return errors.New("mailer: subject is not valid UTF-8")
	}
	if msg.Text != "" && msg.TextParts != nil {
		return errors.New("mailer: both Text and TextParts are set")
	}
	if msg.HTML != "" && msg.HTMLParts != nil {
		return errors.New("mailer: both HTML and HTMLParts are set")
	}
	if msg.Text == "" && msg.HTML == "" && partsLen(msg.TextParts) == 0 && partsLen(msg.HTMLParts) == 0 {
		return errors.New("mailer: empty body")
	}
	if msg.Bulk && msg.Unsubscribe == "" {
		return errors.New("mailer: a bulk message needs an Unsubscribe URL")
	}
	if msg.Unsubscribe != "" {
		if err := checkUnsubscribeURL(msg.Unsubscribe); err != nil {
			return err
		}
	}
	if msg.UnsubscribeMailto != "" {
		if msg.Unsubscribe == "" {
			return errors.New("mailer: UnsubscribeMailto without Unsubscribe")
		}
		if err := checkMailtoURI(msg.UnsubscribeMailto); err != nil {
			return err
		}
	}
	for _, h := range msg.Headers {
		if err := checkHeader(h); err != nil {
			return err
		}
	}
	return nil
}

func partsLen(parts []Fragment) int {
	n := 0
	for _, p := range parts {
		n += len(p.qp)
	}
	return n
}

// checkURIText checks what goes between < and > in List-Unsubscribe: one
// line of printable ASCII without spaces or angle brackets.
func checkURIText(s string) error {
	if len(s) > 900 {
		return errors.New("longer than 900 bytes")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' {
			return errors.New("must be ASCII without spaces, controls or < >; percent-encode the rest")
		}
	}
	return nil
}

func checkUnsubscribeURL(s string) error {
	if err := checkURIText(s); err != nil {
		return fmt.Errorf("mailer: Unsubscribe URL %w", err)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("mailer: Unsubscribe must be an absolute http or https URL")
	}
	return nil
}

func checkMailtoURI(s string) error {
	if err := checkURIText(s); err != nil {
		return fmt.Errorf("mailer: UnsubscribeMailto %w", err)
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "mailto" || u.Opaque == "" {
		return errors.New("mailer: UnsubscribeMailto must be a mailto: URI")
	}
	if _, err := normalizeEmail(u.Opaque); err != nil {
		return fmt.Errorf("mailer: UnsubscribeMailto: %w", err)
	}
	return nil
}

func checkHeader(h Header) error {
	if h.Name == "" || len(h.Name) > 76 {
		return fmt.Errorf("mailer: header name %q: must be 1 to 76 characters", h.Name)
	}
	for i := 0; i < len(h.Name); i++ {
		// RFC 5322 ftext: printable ASCII except the colon.
		if c := h.Name[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return fmt.Errorf("mailer: header name %q: must be printable ASCII without spaces or colons", h.Name)
		}
	}
	if isReserved(h.Name) {
		return fmt.Errorf("mailer: header %s is set by the mailer, from a Message field", h.Name)
	}
	if len(h.Value) > 900 {
		return fmt.Errorf("mailer: header %s: value longer than 900 bytes", h.Name)
	}
	for i := 0; i < len(h.Value); i++ {
		if c := h.Value[i]; c < ' ' || c >= 0x7f {
			return fmt.Errorf("mailer: header %s: value must be printable ASCII on one line", h.Name)
		}
	}
	return nil
}
