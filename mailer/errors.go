package mailer

import (
	"context"
	"errors"
	"net/textproto"
	"strings"
)

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("mailer: closed")

// SendError is why a message was not sent. Every error Send returns is a
// *SendError, so that a caller can always decide between retrying later
// and giving up:
//
//   - Temporary: a 4xx reply, a dropped or refused connection, a timeout,
//     a TLS or authentication problem short of a 5xx reply, a cancelled
//     context. The same message may well go through later.
//   - Permanent (not Temporary): a 5xx reply, or a message that was
//     rejected before any SMTP because it is invalid (an address that does
//     not parse, a missing unsubscribe link on a bulk message). Sending the
//     same message again will fail the same way.
//
// Only a permanent error with Recipient set says something about an
// address (the server refused it at RCPT TO, or it is not a valid address
// at all): that is the case for marking a subscriber bounced. A permanent
// error at another stage is about the message or the sender's account (a
// 554 for content, a 535 for a bad password) and must not be blamed on the
// recipient.
type SendError struct {
	// Code is the SMTP reply code, such as 550, or 0 when the failure was
	// not a reply (a network error, an invalid message).
	Code int
	// Enhanced is the RFC 3463 enhanced status code from the reply, such
	// as "5.1.1", or "" when the server sent none.
	Enhanced string
	// Temporary says whether the failure may clear by itself.
	Temporary bool
	// Command is the stage that failed: "connect" (dialing, greeting,
	// STARTTLS, EHLO and AUTH), "MAIL", "RCPT", "DATA", or "" when the
	// message was rejected before any SMTP. The Maildir transport uses
	// "maildir".
	Command string
	// Recipient is the address the server refused at RCPT TO with a
	// reply, or the To address (as given) that is not a valid address.
	// Error() leaves it out, even where the server's reply quoted it:
	// errors end up in logs.
	Recipient string
	// Err is the underlying error.
	Err error
}

func (e *SendError) Error() string {
	var b strings.Builder
	b.WriteString("mailer: ")
	if e.Command != "" {
		b.WriteString(e.Command)
		b.WriteString(": ")
	}
	if e.Temporary {
		b.WriteString("temporary failure: ")
	} else {
		b.WriteString("permanent failure: ")
	}
	if e.Err != nil {
		text := e.Err.Error()
		if e.Recipient != "" {
			// Servers often quote the address they refuse; errors end
			// up in logs, where addresses do not belong.
			text = strings.ReplaceAll(text, e.Recipient, "recipient")
		}
		// A multi-line reply would make a multi-line log entry.
		b.WriteString(strings.ReplaceAll(text, "\n", " / "))
	}
	return b.String()
}

func (e *SendError) Unwrap() error { return e.Err }

// IsTemporary reports whether err is a [SendError] that may clear by
// itself, so the message should be tried again later.
func IsTemporary(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Temporary
}

// IsPermanent reports whether err is a [SendError] that will not clear by
// itself: sending the same message again will fail the same way.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && !se.Temporary
}

// invalid wraps an error found before any SMTP: the message itself is
// wrong, so the failure is permanent.
func invalid(err error) *SendError {
	return &SendError{Err: err}
}

// classify turns an error from a stage of an SMTP conversation into a
// SendError. Only a 5xx reply is permanent: anything else (4xx, network,
// TLS, unexpected replies, errors we do not recognise) is temporary, because
// wrongly calling a failure permanent bounces a subscriber for a problem
// that was ours or the network's.
func classify(command string, err error) *SendError {
	se := &SendError{Command: command, Temporary: true, Err: err}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		se.Code = tp.Code
		se.Enhanced = enhancedCode(tp.Msg)
		se.Temporary = tp.Code < 500 || tp.Code > 599
	}
	return se
}

// enhancedCode returns the RFC 3463 status code ("5.1.1") that starts msg,
// the text of a reply after its code, or "".
func enhancedCode(msg string) string {
	// class "." subject "." detail: 2, 4 or 5, then 1 to 3 digits twice.
	if len(msg) < 5 || (msg[0] != '2' && msg[0] != '4' && msg[0] != '5') || msg[1] != '.' {
		return ""
	}
	i := 2
	for part := 0; part < 2; part++ {
		start := i
		for i < len(msg) && i-start < 3 && '0' <= msg[i] && msg[i] <= '9' {
			i++
		}
		if i == start {
			return ""
		}
		if part == 0 {
			if i >= len(msg) || msg[i] != '.' {
				return ""
			}
			i++
		}
	}
	if i < len(msg) && msg[i] != ' ' && msg[i] != '\n' {
		return ""
	}
	return msg[:i]
}

// contextError returns ctx's error if it is done: a failure caused by a
// cancelled or expired context is reported as that, not as the timeout
// or closed connection it caused.
func contextError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return err
}
