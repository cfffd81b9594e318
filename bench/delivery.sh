#!/usr/bin/env bash
# Throughput of one digest edition to N subscribers (default 50,000),
# delivered over SMTP to Postfix's smtp-sink on loopback, beside the
# reference: Postfix's smtp-source sending the same number of messages of
# the same size over the same number of connections to the same sink. The
# two run one after the other, ROUNDS times (default 2), so that both see
# the same machine; the ratio is what to compare. bantin's wall time counts
# the whole command (start, planning the edition, sending, recording); its
# peak RSS comes from /usr/bin/time.
#
# Usage: bench/delivery.sh [N] [CONNS] [ROUNDS]
# Needs: postfix (smtp-sink, smtp-source), run as root for smtp-sink -u.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-50000}"
conns="${2:-4}"
rounds="${3:-2}"
articles="${ARTICLES:-4}"
port="${PORT:-2525}"
work="$(mktemp -d)"
sink_pid=""
cleanup() { [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

command -v smtp-sink >/dev/null || { echo "smtp-sink missing: apt-get install -y postfix" >&2; exit 1; }
go build -o "$work/bantin" ./cmd/bantin
go run ./bench/gen-articles -n 40 -out "$work/articles" -seed 1 -size 4000 -days 3 >/dev/null
export BANTIN_DATABASE_URL="sqlite://$work/seed.db" BANTIN_SITE_URL=https://tinnhanh.vn \
	BANTIN_MAIL_FROM='Tin Nhanh <no-reply@tinnhanh.vn>' BANTIN_MAIL_SMTP_HELO=bench.test
"$work/bantin" import "$work/articles" >/dev/null
go run ./bench/digestseed -db "$work/seed.db" -subscribers "$n" -articles "$articles"
"$work/bantin" digest preview --cadence daily --out "$work/digest.eml" 2>/dev/null
total=$(stat -c %s "$work/digest.eml")
# smtp-source's -l is the body, without headers: give it ours.
body=$(awk 'found { n += length($0) + 2 } /^\r?$/ && !found { found = 1 } END { print n }' "$work/digest.eml")
echo "digest: $total bytes ($body bytes of body), $conns connections, $n recipients"

smtp-sink -u nobody "127.0.0.1:$port" 2000 >/dev/null 2>&1 &
sink_pid=$!
sleep 0.5

export BANTIN_MAIL_TRANSPORT=smtp BANTIN_MAIL_SMTP_HOST=127.0.0.1 BANTIN_MAIL_SMTP_PORT="$port" \
	BANTIN_MAIL_SMTP_TLS=none BANTIN_MAIL_SMTP_CONNECTIONS="$conns" BANTIN_DELIVERY_WORKERS=$((2 * conns)) \
	BANTIN_LOG_LEVEL=warn
printf '%-8s %-14s %10s %12s %10s\n' round sender seconds "msg/s" "peak RSS"
for r in $(seq "$rounds"); do
	/usr/bin/time -f "%e %M" -o "$work/time" smtp-source -s "$conns" -m "$n" -l "$body" -d "127.0.0.1:$port"
	read -r ref_s ref_kb <"$work/time"
	ref_rate=$(awk -v n="$n" -v s="$ref_s" 'BEGIN { printf "%.0f", n / s }')
	printf '%-8s %-14s %10s %12s %8s KB\n' "$r" smtp-source "$ref_s" "$ref_rate" "$ref_kb"

	cp "$work/seed.db" "$work/run.db"
	BANTIN_DATABASE_URL="sqlite://$work/run.db" /usr/bin/time -f "%e %M" -o "$work/time" \
		"$work/bantin" digest send --cadence daily --now >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
	grep -q "$n sent" "$work/out" || { echo "not all sent:"; cat "$work/out"; exit 1; }
	read -r our_s our_kb <"$work/time"
	our_rate=$(awk -v n="$n" -v s="$our_s" 'BEGIN { printf "%.0f", n / s }')
	printf '%-8s %-14s %10s %12s %8s KB   ratio %s\n' "$r" "bantin" "$our_s" "$our_rate" "$our_kb" \
		"$(awk -v a="$our_rate" -v b="$ref_rate" 'BEGIN { printf "%.2f", a / b }')"
	sed 's/^/         /' "$work/out"
done
