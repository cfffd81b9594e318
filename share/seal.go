package share

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// pending is a share waiting for its sender to confirm their address. It
// exists only sealed inside the confirmation link (see the package doc):
// the friends' addresses are nowhere on the server meanwhile.
type pending struct {
	ArticleID string   `json:"a"`
	Email     string   `json:"e"`
	Name      string   `json:"n"`
	To        []string `json:"r"`
	Note      string   `json:"m,omitempty"`
	Lang      string   `json:"l"`
	Expires   int64    `json:"x"` // Unix seconds
	Nonce     string   `json:"i"` // makes the link single-use
}

// sealAD binds sealed links to this use and version.
const sealAD = "bantin share confirm v1"

var (
	errSealInvalid = errors.New("share: confirmation link invalid")
	errSealExpired = errors.New("share: confirmation link expired")
)

// sealPending encrypts p (AES-256-GCM, random nonce) into a URL-safe
// string.
func (s *Service) sealPending(p pending) (string, error) {
	plain, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.seal.NonceSize(), s.seal.NonceSize()+len(plain)+s.seal.Overhead())
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(s.seal.Seal(nonce, nonce, plain, []byte(sealAD))), nil
}

// openPending decrypts a sealed link. Anything tampered with, truncated or
// sealed under another key is errSealInvalid; a genuine link past its time
// is errSealExpired.
func (s *Service) openPending(tok string) (pending, error) {
	if len(tok) > 8192 {
		return pending{}, errSealInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) < s.seal.NonceSize()+s.seal.Overhead() {
		return pending{}, errSealInvalid
	}
	n := s.seal.NonceSize()
	plain, err := s.seal.Open(nil, raw[:n], raw[n:], []byte(sealAD))
	if err != nil {
		return pending{}, errSealInvalid
	}
	var p pending
	if err := json.Unmarshal(plain, &p); err != nil || p.Nonce == "" || p.Email == "" {
		return pending{}, errSealInvalid
	}
	if !s.now().Before(time.Unix(p.Expires, 0)) {
		return pending{}, errSealExpired
	}
	return p, nil
}
