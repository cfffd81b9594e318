package share

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ShareForm is the "Gửi cho bạn bè" form as posted, untrusted.
type ShareForm struct {
	Name  string // "Tên của bạn"
	Email string // "Email của bạn"
	// To holds every "to" field posted ("Email người nhận"), empty ones
	// included, in order.
	To   []string
	Note string // "Lời nhắn", optional
	// Honeypot is a field people do not see; a bot fills it in.
	Honeypot string
	// Token is the signed form token; SenderToken the digest's
	// "share-sender" token (?s=), if the reader came from a digest.
	Token       string
	SenderToken string
}

// FeedbackForm is the "Phản hồi" form as posted, untrusted.
type FeedbackForm struct {
	Name     string // "Họ và tên"
	Email    string
	Phone    string // "Số điện thoại", optional
	Body     string // "Nội dung"
	Honeypot string
	Token    string
}

// shareValues is a share form that passed validation: NFC, trimmed,
// addresses normalized, recipients without duplicates.
type shareValues struct {
	name, email string
	to          []string
	note        string
}

type feedbackValues struct {
	name, email, phone, body string
}

// formLimits bound what a form may hold.
type formLimits struct {
	nameMax       int // characters
	textMax       int // characters of the note or the feedback
	maxRecipients int
}

// validateShare checks f and returns its clean values, or what is wrong
// with each field. The name and the note are the only text a stranger can
// put before a recipient, so neither may hold a link.
func validateShare(f ShareForm, l formLimits) (shareValues, FieldErrors) {
	errs := FieldErrors{}
	var v shareValues
	v.name = field(errs, "name", f.Name, l.nameMax, true, false)
	if v.name != "" && hasLink(v.name) {
		errs["name"] = Msg{Key: errLink}
	}
	v.email = emailField(errs, "email", f.Email)
	v.note = field(errs, "note", f.Note, l.textMax, false, true)
	if v.note != "" && hasLink(v.note) {
		errs["note"] = Msg{Key: errLink}
	}

	filled := 0
	for i, raw := range f.To {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		filled++
		if filled > l.maxRecipients {
			continue
		}
		e := emailField(errs, "to."+strconv.Itoa(i), raw)
		if e != "" && !slices.Contains(v.to, e) {
			v.to = append(v.to, e)
		}
	}
	switch {
	case filled == 0:
		errs["to"] = Msg{Key: errToNone}
	case filled > l.maxRecipients:
		errs["to"] = Msg{Key: errToMany, N: l.maxRecipients}
	}
	if len(errs) > 0 {
		return shareValues{}, errs
	}
	return v, nil
}

// validateFeedback checks f as validateShare does a share form. The body
// may hold links (readers cite sources): it goes to editors, and is shown
// only once they approve it.
func validateFeedback(f FeedbackForm, l formLimits) (feedbackValues, FieldErrors) {
	errs := FieldErrors{}
	var v feedbackValues
	v.name = field(errs, "name", f.Name, l.nameMax, true, false)
	if v.name != "" && hasLink(v.name) {
		errs["name"] = Msg{Key: errLink}
	}
	v.email = emailField(errs, "email", f.Email)
	v.phone = field(errs, "phone", f.Phone, 32, false, false)
	if v.phone != "" && !validPhone(v.phone) {
		errs["phone"] = Msg{Key: errPhone}
	}
	v.body = field(errs, "body", f.Body, l.textMax, true, true)
	if len(errs) > 0 {
		return feedbackValues{}, errs
	}
	return v, nil
}

// field cleans one text field and records what is wrong with it in errs
// under key: it must be valid UTF-8; it is put in NFC and trimmed; control
// characters are refused (line breaks too, unless multiline, where CRLF and
// CR become LF); it must be at most max characters, and not empty if
// required.
func field(errs FieldErrors, key, s string, max int, required, multiline bool) string {
	if !utf8.ValidString(s) {
		errs[key] = Msg{Key: errUTF8}
		return ""
	}
	if multiline {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	s = strings.TrimSpace(norm.NFC.String(s))
	bad := strings.IndexFunc(s, func(r rune) bool {
		if multiline && (r == '\n' || r == '\t') {
			return false
		}
		return hasControl(string(r))
	})
	switch {
	case bad >= 0:
		errs[key] = Msg{Key: errControl}
		return ""
	case s == "" && required:
		errs[key] = Msg{Key: errRequired}
		return ""
	case utf8.RuneCountInString(s) > max:
		errs[key] = Msg{Key: errTooLong, N: max}
		return ""
	}
	return s
}

func emailField(errs FieldErrors, key, s string) string {
	if !utf8.ValidString(s) {
		errs[key] = Msg{Key: errUTF8}
		return ""
	}
	e, msg := NormalizeEmail(s)
	if msg != "" {
		errs[key] = Msg{Key: msg}
		return ""
	}
	return e
}

// validPhone accepts what Vietnamese readers write: digits with spaces,
// dots, hyphens or parentheses between them, an optional leading +, and 8
// to 15 digits ("0903 123 456", "+84 (28) 3822 1234").
func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits >= 8 && digits <= 15
}
