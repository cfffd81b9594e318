package gen

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// TestVocab checks every word list: entries are non-empty, NFC, trimmed, free
// of characters that would break the formats (U+00A0, newlines, '"', '\\'),
// and lines that stand alone (subheadings, captions) have no closing
// punctuation.
func TestVocab(t *testing.T) {
	v := reflect.ValueOf(newVocab())
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		list := v.Field(i)
		seen := make(map[string]bool, list.Len())
		for j := range list.Len() {
			s := list.Index(j).String()
			switch {
			case s == "":
				t.Errorf("%s[%d] is empty", name, j)
			case !norm.NFC.IsNormalString(s):
				t.Errorf("%s[%d] %q is not NFC", name, j, s)
			case strings.TrimSpace(s) != s || strings.Contains(s, "  "):
				t.Errorf("%s[%d] %q has stray spaces", name, j, s)
			case strings.ContainsAny(s, NBSP+"\n\r\t\"\\"):
				t.Errorf("%s[%d] %q has a forbidden character", name, j, s)
			case seen[s]:
				t.Errorf("%s[%d] %q is a duplicate", name, j, s)
			}
			seen[s] = true
			if name == "subheadings" || name == "captions" || name == "titleVerbs" {
				if strings.ContainsAny(s[len(s)-1:], ".!?:;,") {
					t.Errorf("%s[%d] %q ends in punctuation", name, j, s)
				}
			}
		}
	}
	for _, c := range categoryList() {
		if !norm.NFC.IsNormalString(c[1]) || c[0] == "" || strings.ContainsFunc(c[0], func(r rune) bool { return r > 'z' }) {
			t.Errorf("category %q %q: want an ASCII slug and an NFC name", c[0], c[1])
		}
	}
}
