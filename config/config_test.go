package config

import (
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestFeedYAML checks Feed decodes with plain yaml.Unmarshal too, for code
// that reads feeds outside Load.
func TestFeedYAML(t *testing.T) {
	var v struct {
		Feeds []Feed `yaml:"feeds"`
	}
	err := yaml.Unmarshal([]byte("feeds:\n  - https://example.com/a\n  - {url: https://example.com/b, category: Thế giới, name: B}\n"), &v)
	if err != nil {
		t.Fatal(err)
	}
	want := []Feed{{URL: "https://example.com/a"}, {URL: "https://example.com/b", Category: "Thế giới", Name: "B"}}
	if !reflect.DeepEqual(v.Feeds, want) {
		t.Errorf("got %+v, want %+v", v.Feeds, want)
	}
	for _, bad := range []string{"feeds:\n  - {uri: x}\n", "feeds:\n  - [x]\n"} {
		if err := yaml.Unmarshal([]byte(bad), &v); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("yaml.Unmarshal(%q) = %v, want an error on line 2", bad, err)
		}
	}
}
