package newsletter

import (
	"context"
	"net/netip"
	"time"

	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/store"
)

// Rate limit buckets in the store.
const (
	bucketSubscribeIP = "subscribe-ip"
	bucketAddressMail = "subscribe-mail"
)

// subscribeLimits are the limits that keep the subscribe form from being
// used to flood an address or the list. They are counted in the database,
// so every instance on it shares them, under keyed hashes of what they
// count: the store never holds an IP address, and the rows of an erased
// subscriber's address cannot be traced back to it.
type subscribeLimits struct {
	db         *store.DB
	signer     *token.Signer
	perIP      int // per hour; 0 is no limit
	perAddress int // per 24 hours
}

// allowIP counts a subscription from ip and reports whether it is within
// the hourly limit. The zero Addr (the CLI) is not limited.
func (l subscribeLimits) allowIP(ctx context.Context, ip netip.Addr) (bool, error) {
	if !ip.IsValid() || l.perIP <= 0 {
		return true, nil
	}
	return l.db.TakeRate(ctx, bucketSubscribeIP, l.ipKey(ip), l.perIP, time.Hour)
}

// ipKey is the hashed subject of ip's limit. An IPv6 client usually holds
// a whole /64 and can pick any address in it, so the /64 is what counts.
func (l subscribeLimits) ipKey(ip netip.Addr) string {
	ip = ip.Unmap()
	key := ip.String()
	if ip.Is6() {
		key = netip.PrefixFrom(ip, 64).Masked().String()
	}
	return l.signer.Hash("limit-ip", key)
}

// allowMail counts a mail the subscribe form makes us send to email
// (normalized) and reports whether it is within the daily limit.
func (l subscribeLimits) allowMail(ctx context.Context, email string) (bool, error) {
	return l.db.TakeRate(ctx, bucketAddressMail, l.signer.Hash("limit-email", email), l.perAddress, 24*time.Hour)
}
