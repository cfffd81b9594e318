package config

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePEM(t *testing.T, blockType string, der []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDKIMKey(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPKCS8, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edPKCS8, _ := x509.MarshalPKCS8PrivateKey(edKey)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecPKCS8, _ := x509.MarshalPKCS8PrivateKey(ecKey)

	for _, tt := range []struct {
		name string
		file string
		want string // type of key, or "" when none
	}{
		{"rsa pkcs1", writePEM(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), "*rsa.PrivateKey"},
		{"rsa pkcs8", writePEM(t, "PRIVATE KEY", rsaPKCS8), "*rsa.PrivateKey"},
		{"ed25519 pkcs8", writePEM(t, "PRIVATE KEY", edPKCS8), "ed25519.PrivateKey"},
		{"openssl ed25519", "testdata/dkim-test-ed25519.pem", "ed25519.PrivateKey"},
	} {
		c := Default()
		c.Mail.DKIM.PrivateKeyFile = tt.file
		key, err := c.DKIMKey()
		if err != nil {
			t.Errorf("%s: DKIMKey() = %v", tt.name, err)
			continue
		}
		switch key.(type) {
		case *rsa.PrivateKey:
			if tt.want != "*rsa.PrivateKey" {
				t.Errorf("%s: got an RSA key", tt.name)
			}
		case ed25519.PrivateKey:
			if tt.want != "ed25519.PrivateKey" {
				t.Errorf("%s: got an Ed25519 key", tt.name)
			}
		default:
			t.Errorf("%s: got %T", tt.name, key)
		}

		// The same key inline, as BANTIN_MAIL_DKIM_PRIVATE_KEY gives it.
		data, _ := os.ReadFile(tt.file)
		c = Default()
		c.Mail.DKIM.PrivateKey = string(data)
		if _, err := c.DKIMKey(); err != nil {
			t.Errorf("%s inline: DKIMKey() = %v", tt.name, err)
		}
	}

	if key, err := Default().DKIMKey(); key != nil || err != nil {
		t.Errorf("no key configured: DKIMKey() = %v, %v; want nil, nil", key, err)
	}

	ecFile := writePEM(t, "PRIVATE KEY", ecPKCS8)
	for _, tt := range []struct {
		name, file, key, reason string
	}{
		{"ecdsa", ecFile, "mail.dkim.private_key_file", "*ecdsa.PrivateKey keys cannot sign DKIM"},
		{"garbage in a PEM block", writePEM(t, "PRIVATE KEY", []byte("not DER")), "mail.dkim.private_key_file", "does not parse"},
		{"encrypted", writePEM(t, "ENCRYPTED PRIVATE KEY", []byte("x")), "mail.dkim.private_key_file", `"ENCRYPTED PRIVATE KEY" is not an unencrypted private key`},
		{"missing", filepath.Join(t.TempDir(), "nope.pem"), "mail.dkim.private_key_file", "cannot read the key"},
	} {
		c := Default()
		c.Mail.DKIM.PrivateKeyFile = tt.file
		_, err := c.DKIMKey()
		var fe FieldError
		if !errors.As(err, &fe) || fe.Key != tt.key || !strings.Contains(fe.Reason, tt.reason) {
			t.Errorf("%s: DKIMKey() = %v; want %s: ...%s...", tt.name, err, tt.key, tt.reason)
		}
	}
}

// TestDKIMKeyErrorHidesKey checks that a key which fails to parse is not
// quoted in the error, which is printed and logged.
func TestDKIMKeyErrorHidesKey(t *testing.T) {
	c := Default()
	c.Mail.DKIM.Selector = "bantin"
	c.Mail.DKIM.PrivateKey = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n"
	err := c.Validate()
	if err == nil || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("Validate() = %v; want an error that does not quote the key", err)
	}
}

func TestMailSecretsRedacted(t *testing.T) {
	c := Default()
	c.Mail.SMTP.Username, c.Mail.SMTP.Password = "bantin", "hunter2"
	pemKey, _ := os.ReadFile("testdata/dkim-test-ed25519.pem")
	c.Mail.DKIM.PrivateKey = string(pemKey)
	r := c.Redacted()
	if r.Mail.SMTP.Password != "REDACTED" || r.Mail.DKIM.PrivateKey != "REDACTED" || r.Mail.SMTP.Username != "bantin" {
		t.Errorf("redacted mail = %+v", r.Mail)
	}
	var b bytes.Buffer
	if err := c.WriteYAML(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "hunter2") || strings.Contains(b.String(), "PRIVATE KEY") {
		t.Errorf("WriteYAML shows a secret:\n%s", b.String())
	}
}
