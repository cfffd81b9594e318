package newsletter

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/bantin/bantin/store"
)

// InputError is a request field that cannot be accepted. Code says why in
// a stable form (such as "email.invalid") that pages turn into a message
// in the reader's language; Error gives it in English for the CLI.
type InputError struct {
	Field string // email, name, cadence, categories, send_hour
	Code  string // Field + "." + reason
	Err   error
}

func (e *InputError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// InputErrors is every bad field of one request, so that a form shows
// them all at once.
type InputErrors []*InputError

func (e InputErrors) Error() string {
	msgs := make([]string, len(e))
	for i, fe := range e {
		msgs[i] = fe.Error()
	}
	return strings.Join(msgs, "; ")
}

// Field returns the error of field, or nil.
func (e InputErrors) Field(field string) *InputError {
	for _, fe := range e {
		if fe.Field == field {
			return fe
		}
	}
	return nil
}

// MaxNameLength is the most characters a subscriber's name keeps.
const MaxNameLength = 100

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// checkSubscribeInput checks req and returns the subscriber it asks for, or
// InputErrors.
func checkSubscribeInput(req SubscribeRequest) (*store.Subscriber, error) {
	var errs InputErrors
	email, err := NormalizeEmail(req.Email)
	if err != nil {
		code := "email.invalid"
		if errors.Is(err, ErrEmailEmpty) {
			code = "email.empty"
		}
		errs = append(errs, &InputError{Field: "email", Code: code, Err: err})
	}
	name, ierr := checkName(req.Name)
	if ierr != nil {
		errs = append(errs, ierr)
	}
	cadence, ierr := checkCadence(req.Cadence)
	if ierr != nil {
		errs = append(errs, ierr)
	}
	cats, ierr := checkCategories(req.Categories, req.KnownCategories)
	if ierr != nil {
		errs = append(errs, ierr)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &store.Subscriber{Email: email, Name: name, Status: store.StatusPending, Cadence: cadence,
		Categories: cats, SendHour: -1, Language: checkLanguage(req.Language)}, nil
}

// checkName returns the name in NFC, trimmed, with runs of white space
// made one space. It refuses control characters and names longer than
// MaxNameLength characters rather than cutting what a person typed.
func checkName(s string) (string, *InputError) {
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' || r == '\u2028' || r == '\u2029'
	}) {
		return "", &InputError{Field: "name", Code: "name.invalid", Err: errors.New("contains control characters")}
	}
	s = strings.Join(strings.Fields(norm.NFC.String(s)), " ")
	if utf8.RuneCountInString(s) > MaxNameLength {
		return "", &InputError{Field: "name", Code: "name.too_long", Err: fmt.Errorf("longer than %d characters", MaxNameLength)}
	}
	return s, nil
}

// checkCadence returns the cadence; empty means daily.
func checkCadence(s string) (string, *InputError) {
	s = strings.TrimSpace(s)
	if s == "" {
		return CadenceDaily, nil
	}
	if !slices.Contains(Cadences(), s) {
		return "", &InputError{Field: "cadence", Code: "cadence.invalid", Err: fmt.Errorf("%q is not instant, daily or weekly", s)}
	}
	return s, nil
}

// checkCategories returns the slugs sorted, without repeats. With known
// not nil, every slug must be one of them; otherwise it must only look
// like a slug (the CLI, on a site that may have no articles yet).
func checkCategories(cats, known []string) ([]string, *InputError) {
	out := make([]string, 0, len(cats))
	for _, c := range cats {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !slugPattern.MatchString(c) || len(c) > 100 || (known != nil && !slices.Contains(known, c)) {
			return nil, &InputError{Field: "categories", Code: "categories.invalid", Err: fmt.Errorf("unknown category %q", c)}
		}
		out = append(out, c)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// checkSendHour accepts -1 (follow the schedule) or an hour 0 to 23.
func checkSendHour(h int) *InputError {
	if h < -1 || h > 23 {
		return &InputError{Field: "send_hour", Code: "send_hour.invalid", Err: fmt.Errorf("hour %d is not 0 to 23", h)}
	}
	return nil
}

func checkLanguage(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "vi"
}
