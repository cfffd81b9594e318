package share

import (
	"fmt"
	"net/http"
)

// Msg is a message for the reader: a key of the templates catalog and, for
// a text with a %d in it, the number that goes there.
type Msg struct {
	Key string
	N   int
}

// FieldErrors maps a form field ("name", "email", "to", "to.1", "note",
// "phone", "body") to what is wrong with it.
type FieldErrors map[string]Msg

// Rejection is how Service says no to a form. Web shows Form above the
// form and each of Fields beside its field, fills the form again with what
// was typed, and answers Status.
type Rejection struct {
	// Status is 400, 413, 429 or, when mail could not be sent, 503.
	Status int
	// Reason is a short code for the log, such as "honeypot" or
	// "limit_recipient_day"; never personal data.
	Reason string
	// Form is the message for the whole form; its Key is empty when only
	// fields are wrong.
	Form   Msg
	Fields FieldErrors
	// Token is the form token to render the form with again: the same
	// one when it was not spent, else a new one that keeps the time the
	// form was first loaded (the fill time does not start over).
	Token string
}

func (r *Rejection) Error() string {
	return fmt.Sprintf("share: rejected (%d %s)", r.Status, r.Reason)
}

// Catalog keys of the messages this package gives. Their texts are in
// templates/catalog_share.go; those with %d take Msg.N.
const (
	errRequired       = "form.err.required"
	errControl        = "form.err.control"
	errUTF8           = "form.err.utf8"
	errTooLong        = "form.err.too_long" // %d characters
	errLink           = "form.err.link"
	errEmailInvalid   = "form.err.email"
	errEmailHomoglyph = "form.err.email_mixed"
	errPhone          = "form.err.phone"
	errToNone         = "share.err.to_none"
	errToMany         = "share.err.to_many" // %d recipients

	errToken        = "form.err.token"
	errTokenExpired = "form.err.token_expired"
	errTokenUsed    = "form.err.token_used"
	errTooFast      = "form.err.too_fast"
	errBot          = "form.err.bot"
	errFix          = "form.err.fix"
	// ErrTooLarge is the message for a body over the form's size limit,
	// which web detects before Service sees the form.
	ErrTooLarge = "form.err.too_large"

	errLimitIP          = "form.err.limit_ip"
	errLimitSender      = "share.err.limit_sender"
	errLimitConfirm     = "share.err.limit_confirm"
	errLimitRcptDay     = "share.err.limit_rcpt_day"     // %d a day
	errLimitRcptArticle = "share.err.limit_rcpt_article" // %d
	errLimitGlobal      = "form.err.limit_global"
	errLimitEmail       = "feedback.err.limit_email"
	errSend             = "form.err.send"

	errLinkInvalid = "share.err.link_invalid"
	errLinkExpired = "share.err.link_expired"
	errLinkUsed    = "share.err.link_used"
)

func reject(status int, reason, formKey string) *Rejection {
	return &Rejection{Status: status, Reason: reason, Form: Msg{Key: formKey}}
}

func badRequest(reason, formKey string) *Rejection {
	return reject(http.StatusBadRequest, reason, formKey)
}

func tooMany(reason, formKey string) *Rejection {
	return reject(http.StatusTooManyRequests, reason, formKey)
}
