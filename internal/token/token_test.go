package token

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func newSigner(t *testing.T, now *time.Time) *Signer {
	t.Helper()
	s, err := New([]byte(strings.Repeat("k", 32)), func() time.Time { return *now })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignVerify(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	s := newSigner(t, &now)
	tok := s.Sign("unsubscribe", "42", time.Hour)
	got, err := s.Verify("unsubscribe", tok)
	if err != nil || got != "42" {
		t.Fatalf("Verify = %q, %v", got, err)
	}
	if strings.ContainsAny(tok, "+/=?&# ") {
		t.Errorf("token %q is not URL-safe", tok)
	}

	other, _ := New([]byte(strings.Repeat("x", 32)), func() time.Time { return now })
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name, purpose, token string
		want                 error
	}{
		{"other purpose", "confirm", tok, ErrInvalid},
		{"other key", "unsubscribe", other.Sign("unsubscribe", "42", time.Hour), ErrInvalid},
		{"tampered subject", "unsubscribe", strings.Replace(tok, tok[strings.Index(tok, ".")+1:strings.LastIndex(tok, ".")], "NDM", 1), ErrInvalid},
		{"tampered signature", "unsubscribe", flip(tok, len(tok)-3), ErrInvalid},
		{"tampered expiry", "unsubscribe", flip(tok, 0), ErrInvalid},
		{"empty", "unsubscribe", "", ErrInvalid},
		{"garbage", "unsubscribe", "not.a.token", ErrInvalid},
		{"no dots", "unsubscribe", "abcdef", ErrInvalid},
		{"huge", "unsubscribe", strings.Repeat("a", 5000), ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Verify(tt.purpose, tt.token); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}

	now = now.Add(time.Hour)
	if _, err := s.Verify("unsubscribe", tok); !errors.Is(err, ErrExpired) {
		t.Fatalf("after expiry: %v, want ErrExpired", err)
	}
}

func TestShortKeyRejected(t *testing.T) {
	if _, err := New(make([]byte, 16), nil); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
}

func TestHashIsKeyedAndStable(t *testing.T) {
	now := time.Now()
	s := newSigner(t, &now)
	a, b := s.Hash("ip", "203.0.113.7"), s.Hash("ip", "203.0.113.7")
	if a != b || len(a) != 32 {
		t.Fatalf("Hash not stable: %q %q", a, b)
	}
	if s.Hash("ip", "203.0.113.8") == a || s.Hash("recipient", "203.0.113.7") == a {
		t.Fatal("Hash does not separate values or purposes")
	}
	other, _ := New([]byte(strings.Repeat("x", 32)), nil)
	if other.Hash("ip", "203.0.113.7") == a {
		t.Fatal("Hash does not depend on the key")
	}
}

// FuzzVerify feeds arbitrary strings to Verify: it must never panic, and a
// string it accepts for one purpose must be refused for any other.
func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	s, _ := New([]byte(strings.Repeat("k", 32)), func() time.Time { return now })
	f.Add(s.Sign("p", "subject", time.Hour))
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, tok string) {
		if _, err := s.Verify("p", tok); err != nil {
			return
		}
		if _, err := s.Verify("q", tok); err == nil {
			t.Fatalf("token %q accepted for two purposes", tok)
		}
	})
}
