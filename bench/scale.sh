#!/usr/bin/env bash
# Scale: one digest edition to N subscribers (default 1,000,000) on
# SQLite. Reports how long planning the edition and queueing its
# deliveries takes (target: under 60 s) and the peak RSS of the bantin
# process over the whole send (target: under 200 MB), delivering to
# Postfix's smtp-sink on loopback. A fraction MIX (default 0.3) of the
# subscribers choose categories, so that the edition has many variants.
#
# Usage: bench/scale.sh [N] [CONNS]
# Needs: postfix (smtp-sink), run as root for smtp-sink -u.
#
# bench/scale.sh postgres [N] [CONNS] [ROUNDS] instead runs 1, 2 and 3
# `bantin serve` instances on one PostgreSQL (issue 6): throughput beside
# smtp-source, and the share of CPU in the queue and database. See
# bench/instances.sh, which it runs, for the method and the options.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = postgres ]; then
	shift
	exec bench/instances.sh "$@"
fi
n="${1:-1000000}"
conns="${2:-4}"
mix="${MIX:-0.3}"
port="${PORT:-2527}"
work="$(mktemp -d)"
sink_pid=""
cleanup() { [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

command -v smtp-sink >/dev/null || { echo "smtp-sink missing: apt-get install -y postfix" >&2; exit 1; }
go build -o "$work/bantin" ./cmd/bantin
go run ./bench/gen-articles -n 60 -out "$work/articles" -seed 1 -size 4000 -days 3 >/dev/null
export BANTIN_DATABASE_URL="sqlite://$work/bantin.db" BANTIN_SITE_URL=https://tinnhanh.vn \
	BANTIN_MAIL_FROM='Tin Nhanh <no-reply@tinnhanh.vn>' BANTIN_MAIL_SMTP_HELO=bench.test BANTIN_LOG_LEVEL=warn
"$work/bantin" import "$work/articles" >/dev/null
go run ./bench/digestseed -db "$work/bantin.db" -subscribers "$n" -articles 8 -mix "$mix"

smtp-sink -u nobody "127.0.0.1:$port" 2000 >/dev/null 2>&1 &
sink_pid=$!
sleep 0.5
export BANTIN_MAIL_TRANSPORT=smtp BANTIN_MAIL_SMTP_HOST=127.0.0.1 BANTIN_MAIL_SMTP_PORT="$port" \
	BANTIN_MAIL_SMTP_TLS=none BANTIN_MAIL_SMTP_CONNECTIONS="$conns" BANTIN_DELIVERY_WORKERS=$((2 * conns))
/usr/bin/time -f "%e %M" -o "$work/time" "$work/bantin" digest send --cadence daily --now >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
read -r secs kb <"$work/time"
cat "$work/out"
echo "subscribers: $n (mix $mix); whole command: $secs s; peak RSS $((kb / 1024)) MB"
