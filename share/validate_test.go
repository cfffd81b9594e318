package share

import (
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"ha@example.com", "ha@example.com", ""},
		{"  Ha.Nguyen@Example.COM ", "ha.nguyen@example.com", ""},
		{"an@ví-dụ.vn", "an@xn--v-d-rma6749a.vn", ""},
		{"an@xn--v-d-rma6749a.vn", "an@xn--v-d-rma6749a.vn", ""},
		{"an@VÍ-DỤ.VN", "an@xn--v-d-rma6749a.vn", ""},
		{"ivan@почта.рф", "ivan@xn--80a1acny.xn--p1ai", ""},
		{"a@ｅｘａｍｐｌｅ．ｃｏｍ", "a@example.com", ""},
		{"taro@東京.jp", "taro@xn--1lqs71d.jp", ""},
		{"", "", errRequired},
		{"   ", "", errRequired},
		{"ha@example.com\r\nBcc: x@evil.example", "", errControl},
		{"ha@example.com\nBcc: x@evil.example", "", errControl},
		{"ha@example.com\u2028x", "", errControl},
		{"Hà <ha@example.com>", "", errEmailInvalid},
		{"a@example.com, b@example.com", "", errEmailInvalid},
		{"a@example.com;b@example.com", "", errEmailInvalid},
		{"a@b@example.com", "", errEmailInvalid},
		{"hà@example.com", "", errEmailInvalid},
		{"ha@[192.0.2.1]", "", errEmailInvalid},
		{"ha@", "", errEmailInvalid},
		{"ha@localhost", "", errEmailInvalid}, // no dot: the subscribe form refuses it too
		{"@example.com", "", errEmailInvalid},
		{"ha@exa mple.com", "", errEmailInvalid},
		{strings.Repeat("a", 250) + "@example.com", "", errEmailInvalid},
		// Homoglyphs: a Cyrillic "а" (U+0430) among Latin letters, as typed
		// and as punycode, and a Greek omicron.
		{"ha@exаmple.com", "", errEmailHomoglyph},
		{"ha@xn--exmple-4nf.com", "", errEmailHomoglyph},
		{"ha@gοogle.com", "", errEmailHomoglyph},
		// A Cyrillic "а" in the local part is not ASCII: refused as such.
		{"hа@example.com", "", errEmailInvalid},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if got != tt.want || err != tt.err {
			t.Errorf("NormalizeEmail(%q) = %q, %q; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestHasLink(t *testing.T) {
	tests := []struct {
		s    string
		link bool
	}{
		{"Bài này hay lắm, đọc đi nhé!", false},
		{"Gặp nhau ở TP.HCM lúc 3.5 giờ, v.v.", false},
		{"Giá 1.000.000 đồng, tăng 2,5%", false},
		{"<script>alert(1)</script>", false},
		{"Q.1, P.12, GS.TS Nguyễn", false},
		{"xem https://spam.example.com", true},
		{"xem http://x", true},
		{"HTTPS://SPAM.COM", true},
		{"vào www.spam", true},
		{"spam.com", true},
		{"mua tại Spam.Com nhé", true},
		{"bit.ly/abc", true},
		{"tin.com.vn", true},
		{"ví-dụ.vn", true},
		{"liên hệ an@example.com", true},
		{"ｓｐａｍ．ｃｏｍ", true},
		{"spam。com", true},
		{"sp\u200bam.com", true},
		{"spam.\u200bcom", true},
		{"javascript:alert(1)", true},
		{"data:text/html,x", true},
		{"mailto:a", true},
		{"192.168.1.1/x", true},
		{"hxxp://evil", true},
	}
	for _, tt := range tests {
		if got := hasLink(tt.s); got != tt.link {
			t.Errorf("hasLink(%q) = %v, want %v", tt.s, got, tt.link)
		}
	}
}

func TestValidateShare(t *testing.T) {
	lim := formLimits{nameMax: 80, textMax: 140, maxRecipients: 3}
	base := validShare
	tests := []struct {
		name   string
		change func(f *ShareForm)
		fields map[string]string // field -> error key; nil means valid
	}{
		{"valid", func(f *ShareForm) {}, nil},
		{"no note", func(f *ShareForm) { f.Note = "" }, nil},
		{"three recipients", func(f *ShareForm) { f.To = []string{"a@example.org", "b@example.org", "c@example.org"} }, nil},
		{"recipient in any field", func(f *ShareForm) { f.To = []string{"", "", "c@example.org"} }, nil},
		{"missing name", func(f *ShareForm) { f.Name = " " }, map[string]string{"name": errRequired}},
		{"long name", func(f *ShareForm) { f.Name = strings.Repeat("ư", 81) }, map[string]string{"name": errTooLong}},
		{"name with link", func(f *ShareForm) { f.Name = "Mua tại spam.com" }, map[string]string{"name": errLink}},
		{"name CRLF", func(f *ShareForm) { f.Name = "Hà\r\nBcc: x@evil.example" }, map[string]string{"name": errControl}},
		{"name LF", func(f *ShareForm) { f.Name = "Hà\nX" }, map[string]string{"name": errControl}},
		{"name NUL", func(f *ShareForm) { f.Name = "Hà\x00" }, map[string]string{"name": errControl}},
		{"name invalid UTF-8", func(f *ShareForm) { f.Name = "H\xff\xfe" }, map[string]string{"name": errUTF8}},
		{"email CRLF", func(f *ShareForm) { f.Email = "ha@example.com\r\nBcc: x@evil.example" }, map[string]string{"email": errControl}},
		{"email missing", func(f *ShareForm) { f.Email = "" }, map[string]string{"email": errRequired}},
		{"email homoglyph", func(f *ShareForm) { f.Email = "ha@exаmple.com" }, map[string]string{"email": errEmailHomoglyph}},
		{"no recipient", func(f *ShareForm) { f.To = []string{"", " "} }, map[string]string{"to": errToNone}},
		{"four recipients", func(f *ShareForm) {
			f.To = []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org"}
		}, map[string]string{"to": errToMany}},
		{"recipient CRLF", func(f *ShareForm) { f.To = []string{"lan@example.org\r\nBcc: x@evil.example"} }, map[string]string{"to.0": errControl}},
		{"recipient list in one field", func(f *ShareForm) { f.To = []string{"", "a@example.org, b@example.org"} }, map[string]string{"to.1": errEmailInvalid}},
		{"recipient homoglyph", func(f *ShareForm) { f.To = []string{"lan@exаmple.org"} }, map[string]string{"to.0": errEmailHomoglyph}},
		{"note 140", func(f *ShareForm) { f.Note = strings.Repeat("ệ", 140) }, nil},
		{"note 141", func(f *ShareForm) { f.Note = strings.Repeat("ệ", 141) }, map[string]string{"note": errTooLong}},
		{"note decomposed counts as composed", func(f *ShareForm) { f.Note = strings.Repeat("e\u0323\u0302", 140) }, nil},
		{"note link", func(f *ShareForm) { f.Note = "Xem thêm tại https://spam.example" }, map[string]string{"note": errLink}},
		{"note bare domain", func(f *ShareForm) { f.Note = "giảm giá ở shop.vn" }, map[string]string{"note": errLink}},
		{"note multiline", func(f *ShareForm) { f.Note = "Dòng 1\r\nDòng 2" }, nil},
		{"note control", func(f *ShareForm) { f.Note = "a\x1b[31m" }, map[string]string{"note": errControl}},
		{"note HTML is text", func(f *ShareForm) { f.Note = "<b>đậm</b><script>alert(1)</script>" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := base()
			tt.change(&f)
			_, errs := validateShare(f, lim)
			if tt.fields == nil {
				if errs != nil {
					t.Fatalf("rejected: %v", errs)
				}
				return
			}
			if len(errs) != len(tt.fields) {
				t.Fatalf("errors %v, want %v", errs, tt.fields)
			}
			for k, key := range tt.fields {
				if errs[k].Key != key {
					t.Errorf("field %s: %v, want %s", k, errs[k], key)
				}
			}
		})
	}
}

func TestValidateShareCleans(t *testing.T) {
	f := ShareForm{Name: "  Nguyễn  Hà ", Email: "HA@Example.com", To: []string{"Lan@Example.org", "lan@example.org", "an@ví-dụ.vn"}, Note: "Dòng 1\r\nDòng 2\rDòng 3"}
	v, errs := validateShare(f, formLimits{nameMax: 80, textMax: 140, maxRecipients: 3})
	if errs != nil {
		t.Fatal(errs)
	}
	if v.name != "Nguyễn  Hà" || v.email != "ha@example.com" || v.note != "Dòng 1\nDòng 2\nDòng 3" {
		t.Errorf("values = %+v", v)
	}
	if len(v.to) != 2 || v.to[0] != "lan@example.org" || v.to[1] != "an@xn--v-d-rma6749a.vn" {
		t.Errorf("recipients = %v, want duplicates merged and punycode", v.to)
	}
}

func TestValidateFeedback(t *testing.T) {
	lim := formLimits{nameMax: 80, textMax: 2000}
	base := func() FeedbackForm {
		return FeedbackForm{Name: "Trần Văn Minh", Email: "minh@example.com", Phone: "0903 123 456", Body: "Bài viết có chỗ sai:\nngày khánh thành là 19/11."}
	}
	tests := []struct {
		name   string
		change func(f *FeedbackForm)
		fields map[string]string
	}{
		{"valid", func(f *FeedbackForm) {}, nil},
		{"no phone", func(f *FeedbackForm) { f.Phone = "" }, nil},
		{"international phone", func(f *FeedbackForm) { f.Phone = "+84 (28) 3822-1234" }, nil},
		{"links allowed in body", func(f *FeedbackForm) { f.Body = "Nguồn: https://example.com/tin" }, nil},
		{"body 2000", func(f *FeedbackForm) { f.Body = strings.Repeat("ơ", 2000) }, nil},
		{"body 2001", func(f *FeedbackForm) { f.Body = strings.Repeat("ơ", 2001) }, map[string]string{"body": errTooLong}},
		{"body empty", func(f *FeedbackForm) { f.Body = "\n \n" }, map[string]string{"body": errRequired}},
		{"body invalid UTF-8", func(f *FeedbackForm) { f.Body = "a\xc3" }, map[string]string{"body": errUTF8}},
		{"name with link", func(f *FeedbackForm) { f.Name = "www.spam" }, map[string]string{"name": errLink}},
		{"name CRLF", func(f *FeedbackForm) { f.Name = "Minh\r\nSubject: x" }, map[string]string{"name": errControl}},
		{"email CRLF", func(f *FeedbackForm) { f.Email = "minh@example.com\r\nCc: x@evil.example" }, map[string]string{"email": errControl}},
		{"phone letters", func(f *FeedbackForm) { f.Phone = "090 CALL ME" }, map[string]string{"phone": errPhone}},
		{"phone short", func(f *FeedbackForm) { f.Phone = "12345" }, map[string]string{"phone": errPhone}},
		{"phone CRLF", func(f *FeedbackForm) { f.Phone = "0903\r\n123456" }, map[string]string{"phone": errControl}},
		{"phone plus inside", func(f *FeedbackForm) { f.Phone = "0903+123456" }, map[string]string{"phone": errPhone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := base()
			tt.change(&f)
			_, errs := validateFeedback(f, lim)
			if tt.fields == nil {
				if errs != nil {
					t.Fatalf("rejected: %v", errs)
				}
				return
			}
			if len(errs) != len(tt.fields) {
				t.Fatalf("errors %v, want %v", errs, tt.fields)
			}
			for k, key := range tt.fields {
				if errs[k].Key != key {
					t.Errorf("field %s: %v, want %s", k, errs[k], key)
				}
			}
		})
	}
}
