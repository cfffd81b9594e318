package mailer

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Why [NormalizeAddress] refuses an address. The [*AddressError] it
// returns wraps one of them, so that a form can tell the reader which in
// their language; the error's Reason gives the detail in English.
var (
	ErrAddressEmpty       = errors.New("empty")
	ErrAddressControl     = errors.New("contains a control character (such as a line break)")
	ErrAddressMixedScript = errors.New("domain mixes scripts")
	ErrAddressInvalid     = errors.New("not a valid address")
)

// maxAddressInput bounds the text NormalizeAddress looks at. A normalized
// address is at most 254 bytes, but a domain typed in Unicode (or in
// full-width letters) takes a few times the bytes of its punycode.
const maxAddressInput = 1024

// NormalizeAddress checks an address a person typed (into a subscribe or
// share form, a CSV file, a command line) and returns the one form it is
// stored, compared, hashed and sent in, so that one person is one row
// however they type their address:
//
//   - surrounding white space is trimmed, and the text put in NFC (a
//     Vietnamese domain typed with combining marks is the same name as its
//     precomposed form);
//   - it is in lower case, the local part too: RFC 5321 lets a server treat
//     the local part as case-sensitive, but no mailbox provider does, and
//     two rows for one person are the worse problem;
//   - an internationalised domain is in punycode: "An@Ví-Dụ.VN" becomes
//     "an@xn--v-d-rma6749a.vn".
//
// It refuses what [Address.Normalize] refuses (display names, comments,
// lists, quoted or non-ASCII local parts, domain literals, malformed
// domains, a local part over 64 bytes or an address over 254), and, since
// a typed address must reach a stranger's mailbox on the Internet:
//
//   - a domain with no dot ("an@localhost"): a bare host name cannot be
//     reached from the Internet;
//   - a domain label whose letters mix scripts, such as "exаmple.com"
//     with a Cyrillic "а" (as typed or as punycode): such names exist to
//     look like another. A label in one script ("ví-dụ", "почта") is fine,
//     and so are Han with Hiragana and Katakana (Japanese) and Han with
//     Hangul (Korean);
//   - a punycode label that is not a valid IDNA label ("xn--a").
//
// The error is an [*AddressError] wrapping [ErrAddressEmpty],
// [ErrAddressControl], [ErrAddressMixedScript] or [ErrAddressInvalid].
//
// Address.Normalize, which Send applies, is looser on purpose: it keeps
// the local part's case and takes a configured sender such as
// no-reply@localhost. Everything NormalizeAddress returns, Normalize
// returns unchanged.
func NormalizeAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", addressError(ErrAddressEmpty, ErrAddressEmpty.Error())
	case len(s) > maxAddressInput:
		return "", addressError(ErrAddressInvalid, fmt.Sprintf("longer than %d bytes as typed", maxAddressInput))
	case !utf8.ValidString(s):
		return "", addressError(ErrAddressInvalid, "not valid UTF-8")
	case hasControl(s):
		return "", addressError(ErrAddressControl, ErrAddressControl.Error())
	}
	email, err := normalizeEmail(strings.ToLower(norm.NFC.String(s)))
	if err != nil {
		return "", addressError(ErrAddressInvalid, err.Error())
	}
	domain := email[strings.LastIndexByte(email, '@')+1:]
	if !strings.Contains(domain, ".") {
		return "", addressError(ErrAddressInvalid, fmt.Sprintf("the domain %q has no dot", domain))
	}
	if !strings.Contains(domain, "xn--") {
		return email, nil // ASCII letters only: one script
	}
	// normalizeEmail passes an all-ASCII domain as it is; decoding checks
	// its punycode labels, and gives the letters to look at.
	u, err := idna.Lookup.ToUnicode(domain)
	if err != nil {
		return "", addressError(ErrAddressInvalid, fmt.Sprintf("domain %q is not a valid domain name", domain))
	}
	for label := range strings.SplitSeq(u, ".") {
		if mixedScript(label) {
			return "", addressError(ErrAddressMixedScript, fmt.Sprintf("the domain label %q mixes letters of different scripts", label))
		}
	}
	return email, nil
}

func addressError(kind error, reason string) *AddressError {
	return &AddressError{Reason: reason, Err: kind}
}

// script is a set of the scripts a domain label is checked against, one
// bit each.
type script uint16

const (
	scriptOther script = 1 << iota // a letter of none of those below
	scriptLatin
	scriptCyrillic
	scriptGreek
	scriptHan
	scriptHiragana
	scriptKatakana
	scriptHangul
	scriptArmenian
	scriptHebrew
	scriptArabic
	scriptThai
	scriptLao
	scriptKhmer
	scriptDevanagari
	scriptGeorgian
)

// scripts lists the tables scriptOf looks letters up in, the common ones
// first.
var scripts = [...]struct {
	table *unicode.RangeTable
	s     script
}{
	{unicode.Latin, scriptLatin}, {unicode.Cyrillic, scriptCyrillic}, {unicode.Greek, scriptGreek},
	{unicode.Han, scriptHan}, {unicode.Hiragana, scriptHiragana}, {unicode.Katakana, scriptKatakana},
	{unicode.Hangul, scriptHangul}, {unicode.Armenian, scriptArmenian}, {unicode.Hebrew, scriptHebrew},
	{unicode.Arabic, scriptArabic}, {unicode.Thai, scriptThai}, {unicode.Lao, scriptLao},
	{unicode.Khmer, scriptKhmer}, {unicode.Devanagari, scriptDevanagari}, {unicode.Georgian, scriptGeorgian},
}

func scriptOf(r rune) script {
	for _, sc := range scripts {
		if unicode.Is(sc.table, r) {
			return sc.s
		}
	}
	return scriptOther
}

// The mixes a language writes with.
const (
	japanese = scriptHan | scriptHiragana | scriptKatakana
	korean   = scriptHan | scriptHangul
)

// mixedScript reports whether label's letters come from more than one
// script, except Japanese's and Korean's mixes. Digits, hyphens and
// combining marks belong to no script.
func mixedScript(label string) bool {
	var seen script
	for _, r := range label {
		if unicode.IsLetter(r) {
			seen |= scriptOf(r)
		}
	}
	if bits.OnesCount16(uint16(seen)) <= 1 {
		return false
	}
	return seen&^japanese != 0 && seen&^korean != 0
}
