package mailer

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// dkimKey returns a key and the TXT record that publishes it.
func dkimKey(t testing.TB, alg string) (crypto.Signer, string) {
	t.Helper()
	switch alg {
	case "rsa":
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
		return key, "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	case "ed25519":
		pub, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return key, "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	}
	t.Fatalf("no algorithm %q", alg)
	return nil, ""
}

// verify checks data's DKIM signatures against the one published record.
func verify(t *testing.T, data []byte, record string) []*dkim.Verification {
	t.Helper()
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(data), &dkim.VerifyOptions{
		LookupTXT: func(domain string) ([]string, error) {
			if domain != "bantin2026._domainkey.tin.example.vn" {
				t.Errorf("key looked up at %q", domain)
			}
			return []string{record}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestDKIM(t *testing.T) {
	for _, alg := range []string{"rsa", "ed25519"} {
		t.Run(alg, func(t *testing.T) {
			key, record := dkimKey(t, alg)
			ts := newTestServer(t, nil)
			o := ts.options(1)
			o.DKIM = &DKIMOptions{Selector: "bantin2026", Key: key} // domain: From's
			m := newMailer(t, o)
			if err := m.Send(t.Context(), bulkMessage("an@example.com")); err != nil {
				t.Fatal(err)
			}
			share := &Message{
				To: []Address{{Email: "ban@example.com"}}, ReplyTo: Address{Email: "binh@example.net"},
				Subject: "Gửi cho bạn bè", HTML: "<p>Chào</p>",
			}
			if err := m.Send(t.Context(), share); err != nil {
				t.Fatal(err)
			}
			got := ts.received()
			bulk, shared := got[0].Data, got[1].Data
			if !bytes.HasPrefix(bulk, []byte("DKIM-Signature: ")) {
				t.Fatalf("no DKIM-Signature first:\n%s", bulk)
			}
			parse(t, bulk) // still a well-formed, 7-bit message

			vs := verify(t, bulk, record)
			if len(vs) != 1 || vs[0].Err != nil {
				t.Fatalf("verification: %+v\n%s", *vs[0], bulk[:1200])
			}
			v := vs[0]
			if v.Domain != "tin.example.vn" {
				t.Errorf("d=%s", v.Domain)
			}
			signed := map[string]bool{}
			for _, k := range v.HeaderKeys {
				signed[strings.ToLower(k)] = true
			}
			for _, k := range []string{"from", "to", "subject", "date", "message-id", "list-id",
				"list-unsubscribe", "list-unsubscribe-post", "mime-version", "content-type"} {
				if !signed[k] {
					t.Errorf("h= lacks %s: %v", k, v.HeaderKeys)
				}
			}
			if !strings.Contains(string(bulk[:200]), "a="+map[string]string{"rsa": "rsa-sha256", "ed25519": "ed25519-sha256"}[alg]) {
				t.Errorf("wrong algorithm in %q", bulk[:200])
			}

			if vs := verify(t, shared, record); len(vs) != 1 || vs[0].Err != nil {
				t.Fatalf("share message: verifications %+v", vs)
			}

			// What the signature must protect.
			for _, tamper := range []struct {
				name string
				data []byte
			}{
				{"unsubscribe changed", bytes.Replace(bulk, []byte("huy-dang-ky?t=4f2a9c"), []byte("huy-dang-ky?t=000000"), 1)},
				{"one-click removed", bytes.Replace(bulk, []byte("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), nil, 1)},
				{"second List-Unsubscribe added on top", insertAfterSignature(bulk, "List-Unsubscribe: <https://evil.example/>\r\n")},
				{"second Subject added on top", insertAfterSignature(bulk, "Subject: =?UTF-8?B?VHJ1bmcgdGjGsOG7n25n?=\r\n")},
				{"List-Unsubscribe added to a share", insertAfterSignature(shared, "List-Unsubscribe: <https://evil.example/>\r\n")},
				{"body changed", bytes.Replace(bulk, []byte("=C4=90=E1=BB=8Dc ti=E1=BA=BFp"), []byte("Click here"), 1)},
			} {
				vs := verify(t, tamper.data, record)
				if bytes.Equal(tamper.data, bulk) || bytes.Equal(tamper.data, shared) {
					t.Fatalf("%s: tampering changed nothing", tamper.name)
				}
				if len(vs) != 1 || vs[0].Err == nil {
					t.Errorf("%s: the signature still verifies", tamper.name)
				}
			}
		})
	}
}

// insertAfterSignature adds a header field right after the DKIM-Signature
// field, above the signed ones, as a forger would.
func insertAfterSignature(data []byte, field string) []byte {
	lines := strings.SplitAfter(string(data), "\r\n")
	i := 1
	for i < len(lines) && (lines[i][0] == ' ' || lines[i][0] == '\t') {
		i++
	}
	return []byte(strings.Join(slices.Insert(lines, i, field), ""))
}

func TestDKIMOptionsChecked(t *testing.T) {
	key, _ := dkimKey(t, "ed25519")
	for _, tt := range []struct {
		name string
		d    DKIMOptions
		want string
	}{
		{"no selector", DKIMOptions{Key: key}, "selector"},
		{"bad selector", DKIMOptions{Key: key, Selector: "a b"}, "selector"},
		{"no key", DKIMOptions{Selector: "s"}, "key missing"},
		{"bad domain", DKIMOptions{Key: key, Selector: "s", Domain: "-x-"}, "DKIM domain"},
	} {
		_, err := New(Options{Maildir: t.TempDir(), From: Address{Email: "a@example.com"}, DKIM: &tt.d})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New() = %v, want an error about %s", tt.name, err, tt.want)
		}
	}
}
