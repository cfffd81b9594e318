package web

import (
	"net/http"
	"net/netip"
	"testing"
)

// TestClientIPSpoofingCases: X-Forwarded-For is believed only from trusted proxies, and
// read from the right, since a client writes whatever it likes on the left.
func TestClientIPSpoofingCases(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	tests := []struct {
		name, remote string
		xff          []string
		trusted      bool
		want         string
	}{
		{"direct", "203.0.113.9:5000", nil, true, "203.0.113.9"},
		{"spoofed, no proxy configured", "203.0.113.9:5000", []string{"1.2.3.4"}, false, "203.0.113.9"},
		{"spoofed to an untrusted peer", "203.0.113.9:5000", []string{"1.2.3.4"}, true, "203.0.113.9"},
		{"behind a proxy", "10.0.0.2:80", []string{"198.51.100.7"}, true, "198.51.100.7"},
		{"client spoofs left of the proxy", "10.0.0.2:80", []string{"1.2.3.4, 198.51.100.7"}, true, "198.51.100.7"},
		{"two proxies", "10.0.0.2:80", []string{"198.51.100.7, 10.0.0.3"}, true, "198.51.100.7"},
		{"two headers", "10.0.0.2:80", []string{"1.2.3.4", "198.51.100.7"}, true, "198.51.100.7"},
		{"garbage hop", "10.0.0.2:80", []string{"198.51.100.7, nonsense"}, true, "10.0.0.2"},
		{"ipv6", "[2001:db8::1]:443", []string{"2001:db9::5"}, true, "2001:db9::5"},
		{"mapped", "[::ffff:203.0.113.9]:5000", nil, false, "203.0.113.9"},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		var tp []netip.Prefix
		if tt.trusted {
			tp = trusted
		}
		if got := clientIP(r, tp); got.String() != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
