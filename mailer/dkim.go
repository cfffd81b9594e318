package mailer

import (
	"crypto"

	"github.com/emersion/go-msgauth/dkim"
)

// dkimHeaderKeys lists the fields every DKIM signature covers, in h=.
//
// Fields a message lacks are signed as absent (RFC 6376 5.4): none can be
// added in transit without breaking the signature, so a share message
// cannot be given a List-Unsubscribe. The fields readers show, and the
// List-Unsubscribe pair that mailbox providers act on, are listed twice
// ("oversigned"), so a second instance cannot be added above the first
// either.
func dkimHeaderKeys() []string {
	return []string{
		"From", "To", "Subject", "Date", "Message-ID", "Reply-To",
		"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
		"MIME-Version", "Content-Type", "Content-Transfer-Encoding",
		// once more:
		"From", "To", "Subject", "Reply-To", "List-Unsubscribe", "List-Unsubscribe-Post",
	}
}

// sign returns the DKIM-Signature field, relaxed/relaxed, for the message
// with header (its fields, each ending in CRLF) and body.
//
// It uses go-msgauth rather than go-mail's signer: go-mail v0.8.1 folds
// the DKIM-Signature field by cutting it every 76 characters, even inside
// the h= list ("List-Un" CRLF " subscribe-Post"), and with relaxed
// canonicalisation a verifier then hashes a space the signer did not, so
// any signature covering more than a few fields fails to verify.
// go-msgauth only folds between tags and inside b=.
func (m *Mailer) sign(header, body []byte) ([]byte, error) {
	s, err := dkim.NewSigner(&dkim.SignOptions{
		Domain:                 m.dkim.Domain,
		Selector:               m.dkim.Selector,
		Signer:                 m.dkim.Key,
		Hash:                   crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             m.dkimKeys,
	})
	if err != nil {
		return nil, err
	}
	_, err = s.Write(header)
	if err == nil {
		_, err = s.Write([]byte("\r\n"))
	}
	if err == nil {
		_, err = s.Write(body)
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return []byte(s.Signature()), nil
}
