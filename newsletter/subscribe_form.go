package newsletter

import (
	"errors"
	"strconv"
	"time"
)

// The subscribe form carries a signed token holding the time it was shown,
// so that a submission can be timed without any state: a robot posts at
// once, a person takes a few seconds to type an address.
const (
	purposeForm  = "subscribe-form"
	formTokenTTL = 24 * time.Hour
)

// Errors of CheckFormToken. A page answers each by showing the form again,
// filled in as it was sent, with a fresh token.
var (
	// ErrFormMissing: no token, as from a form embedded on another site.
	ErrFormMissing = errors.New("newsletter: the form carries no token")
	// ErrFormInvalid: a token that is forged, tampered or older than a day.
	ErrFormInvalid = errors.New("newsletter: the form's token is invalid or expired")
	// ErrFormTooFast: sent sooner after it was shown than a person could.
	ErrFormTooFast = errors.New("newsletter: the form was sent too fast")
)

// FormToken returns a token for a subscribe form shown now.
func (s *Subscriptions) FormToken() string {
	return s.signer.Sign(purposeForm, strconv.FormatInt(s.now().UnixMilli(), 10), formTokenTTL)
}

// CheckFormToken checks the token of a submitted subscribe form.
func (s *Subscriptions) CheckFormToken(tok string) error {
	if tok == "" {
		return ErrFormMissing
	}
	subject, err := s.signer.Verify(purposeForm, tok)
	if err != nil {
		return ErrFormInvalid
	}
	shown, err := strconv.ParseInt(subject, 10, 64)
	if err != nil {
		return ErrFormInvalid
	}
	if s.now().Sub(time.UnixMilli(shown)) < s.o.MinFillTime {
		return ErrFormTooFast
	}
	return nil
}
