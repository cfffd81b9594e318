package config

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ByteSize is a number of bytes. In YAML and environment variables it is
// written as a whole number of bytes ("2097152") or a number with a unit
// ("512KB", "1.5MB", "2 MiB"); units are case-insensitive.
//
// KB, MB, GB and TB are 1024-based, the same as KiB, MiB, GiB and TiB. That
// is what people mean when they write a limit such as "2MB" in a config file
// (nginx, Spring and Docker read it the same way), and it means the same
// number whichever spelling they pick.
type ByteSize int64

// Units of [ByteSize], all 1024-based.
const (
	KB ByteSize = 1 << (10 * (iota + 1))
	MB
	GB
	TB
)

var sizeUnits = map[string]ByteSize{
	"": 1, "b": 1,
	"k": KB, "kb": KB, "kib": KB,
	"m": MB, "mb": MB, "mib": MB,
	"g": GB, "gb": GB, "gib": GB,
	"t": TB, "tb": TB, "tib": TB,
}

// ParseByteSize parses a size such as "2MB", "512KiB", "1.5GB" or "2097152".
// A fractional size is rounded to the nearest byte. Negative sizes and sizes
// beyond the range of int64 are errors.
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	if num == "" || num == "." {
		return 0, fmt.Errorf("invalid size %q: use a number of bytes, or a number and a unit such as 512KB or 2MB", s)
	}
	mult, ok := sizeUnits[strings.ToLower(unit)]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q (use B, KB, MB, GB or TB)", s, unit)
	}
	errTooLarge := fmt.Errorf("invalid size %q: too large", s)
	if !strings.Contains(num, ".") {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return 0, errTooLarge
			}
			return 0, fmt.Errorf("invalid size %q", s)
		}
		if n > math.MaxInt64/int64(mult) {
			return 0, errTooLarge
		}
		return ByteSize(n) * mult, nil
	}
	// A decimal: exact arithmetic, because 0.1 is not exact in a float and
	// "1.1MB" must not come out one byte short. Only digits and dots reach
	// here, and the digits are bounded by the length of the input.
	r, ok := new(big.Rat).SetString(num)
	if !ok || strings.Count(num, ".") > 1 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	r.Mul(r, new(big.Rat).SetInt64(int64(mult)))
	// Round half up: (2*num + den) / (2*den).
	n := new(big.Int).Mul(r.Num(), big.NewInt(2))
	n.Add(n, r.Denom())
	n.Quo(n, new(big.Int).Mul(r.Denom(), big.NewInt(2)))
	if !n.IsInt64() {
		return 0, errTooLarge
	}
	return ByteSize(n.Int64()), nil
}

// String formats b with the largest unit that divides it exactly ("2MB",
// "512KB"), or as bytes ("1500B"), so that ParseByteSize(b.String()) == b.
func (b ByteSize) String() string {
	switch {
	case b == 0:
		return "0B"
	case b%TB == 0:
		return strconv.FormatInt(int64(b/TB), 10) + "TB"
	case b%GB == 0:
		return strconv.FormatInt(int64(b/GB), 10) + "GB"
	case b%MB == 0:
		return strconv.FormatInt(int64(b/MB), 10) + "MB"
	case b%KB == 0:
		return strconv.FormatInt(int64(b/KB), 10) + "KB"
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}

// MarshalText implements [encoding.TextMarshaler].
func (b ByteSize) MarshalText() ([]byte, error) {
	return []byte(b.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseByteSize].
func (b *ByteSize) UnmarshalText(text []byte) error {
	n, err := ParseByteSize(string(text))
	if err != nil {
		return err
	}
	*b = n
	return nil
}

// UnmarshalYAML implements [yaml.Unmarshaler] with [ParseByteSize], so that
// "2MB" decodes with plain yaml.Unmarshal too.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a size must be a single value such as 2MB", n.Line)
	}
	return b.UnmarshalText([]byte(n.Value))
}
