package web

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientIP returns the address of the client that sent r: the peer
// address, or, when the peer is a trusted proxy, the last address in
// X-Forwarded-For that is not one, read from the right because a client
// can write anything on the left. An address that cannot be read gives the
// unspecified address, so that such clients share one limit rather than
// escape it.
func clientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.IPv6Unspecified()
	}
	ip := ap.Addr().Unmap()
	if !isTrustedProxy(ip, trusted) {
		return ip
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return ip // a garbled hop: trust nothing beyond it
		}
		ip = hop.Unmap()
		if !isTrustedProxy(ip, trusted) {
			return ip
		}
	}
	return ip
}

func isTrustedProxy(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
