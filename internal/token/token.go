// Package token owns the signed, expiring tokens that carry authority in
// links and forms: confirming a subscription, unsubscribing, opening
// preferences, sharing an article. A token names its purpose and subject and
// is valid only for that purpose, until it expires; it is an HMAC-SHA256 over
// both, so it cannot be forged or moved to another purpose without the key.
package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Errors returned by Verify. Callers answer both with 400 and change nothing.
var (
	ErrInvalid = errors.New("token: invalid")
	ErrExpired = errors.New("token: expired")
)

// PurposeShareSender is the purpose of the token a digest puts in its
// "Gửi cho bạn bè" links (?s=), naming the subscriber's address: whoever
// arrives with it has proved that address by receiving the digest, so the
// share flow treats them as a confirmed sender.
const PurposeShareSender = "share-sender"

// MinKeySize is the shortest key New accepts, in bytes.
const MinKeySize = 32

// Signer signs and verifies tokens with one key. It is safe for concurrent
// use.
type Signer struct {
	key []byte
	now func() time.Time
}

// New returns a Signer using key, which must be at least MinKeySize bytes
// of secret randomness. now, if nil, is time.Now.
func New(key []byte, now func() time.Time) (*Signer, error) {
	if len(key) < MinKeySize {
		return nil, fmt.Errorf("token: key is %d bytes, want at least %d", len(key), MinKeySize)
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{key: append([]byte(nil), key...), now: now}, nil
}

// Sign returns a token for subject and purpose that expires after ttl. The
// token is URL-safe. subject must not be secret: it is readable in the token.
func (s *Signer) Sign(purpose, subject string, ttl time.Duration) string {
	expires := s.now().Add(ttl).Unix()
	payload := strconv.FormatInt(expires, 36) + "." + base64.RawURLEncoding.EncodeToString([]byte(subject))
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(purpose, payload))
}

// Verify checks token for purpose and returns its subject. It returns
// ErrInvalid for anything forged, tampered, malformed or signed for another
// purpose, and ErrExpired for a genuine token past its time.
func (s *Signer) Verify(purpose, token string) (string, error) {
	if len(token) > 4096 {
		return "", ErrInvalid
	}
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return "", ErrInvalid
	}
	payload, sig := token[:i], token[i+1:]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(purpose, payload)) {
		return "", ErrInvalid
	}
	exp, subj, ok := strings.Cut(payload, ".")
	if !ok {
		return "", ErrInvalid
	}
	expires, err := strconv.ParseInt(exp, 36, 64)
	if err != nil {
		return "", ErrInvalid
	}
	subject, err := base64.RawURLEncoding.DecodeString(subj)
	if err != nil {
		return "", ErrInvalid
	}
	if s.now().Unix() >= expires {
		return "", ErrExpired
	}
	return string(subject), nil
}

func (s *Signer) mac(purpose, payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	// The purpose is length-prefixed so that no purpose/payload pair can
	// be re-split into another.
	m.Write([]byte(strconv.Itoa(len(purpose)) + ":" + purpose + ":" + payload))
	return m.Sum(nil)
}

// Hash returns a keyed hash of value for purpose, hex-encoded: for keeping
// things that must be compared but never read back, such as IP addresses in
// consent records and friends' addresses in share limits.
func (s *Signer) Hash(purpose, value string) string {
	return fmt.Sprintf("%x", s.mac("hash:"+purpose, value)[:16])
}
