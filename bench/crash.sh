#!/usr/bin/env bash
# Crash safety: sends one digest edition to N subscribers (default 20,000)
# and kills the sender with SIGKILL at KILLS random moments (default 5),
# restarting it each time on the same SQLite file. The SMTP server is
# bench/rcptsink, which writes every recipient of every message it accepts
# to a file, fsync'd before it answers. At each kill the script compares
# what the killed process sent (messages the sink got since the previous
# kill) with what it recorded (deliveries the database gained as sent):
# the difference is what it sent but had not yet recorded, its messages
# "in flight", which must be at most delivery.max_unrecorded. At the end it
# reports the recipients lost (must be 0) and the duplicates (must be at
# most the sum of the messages in flight at the kills).
#
# Usage: bench/crash.sh [N] [KILLS]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-20000}"
kills="${2:-5}"
port="${PORT:-2626}"
max_unrecorded="${MAX_UNRECORDED:-200}"
work="$(mktemp -d)"
sink_pid=""
cleanup() { [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/bantin" ./cmd/bantin
go build -o "$work/rcptsink" ./bench/rcptsink
go run ./bench/gen-articles -n 40 -out "$work/articles" -seed 1 -size 4000 -days 3 >/dev/null
export BANTIN_DATABASE_URL="sqlite://$work/bantin.db" BANTIN_SITE_URL=https://tinnhanh.vn \
	BANTIN_MAIL_FROM='Tin Nhanh <no-reply@tinnhanh.vn>' BANTIN_MAIL_SMTP_HELO=bench.test BANTIN_LOG_LEVEL=error
"$work/bantin" import "$work/articles" >/dev/null
go run ./bench/digestseed -db "$work/bantin.db" -subscribers "$n" -articles 4

"$work/rcptsink" -addr "127.0.0.1:$port" -out "$work/rcpts.log" 2>/dev/null &
sink_pid=$!
sleep 0.5
export BANTIN_MAIL_TRANSPORT=smtp BANTIN_MAIL_SMTP_HOST=127.0.0.1 BANTIN_MAIL_SMTP_PORT="$port" \
	BANTIN_MAIL_SMTP_TLS=none BANTIN_MAIL_SMTP_CONNECTIONS=4 BANTIN_DELIVERY_WORKERS=8 \
	BANTIN_DELIVERY_LEASE=3s BANTIN_DELIVERY_MAX_UNRECORDED="$max_unrecorded"

sent_in_db() { "$work/bantin" digest status | grep -o '[0-9]* sent' | head -1 | cut -d' ' -f1; }
distinct_at_sink() { sort -u "$work/rcpts.log" | wc -l; }
lines_at_sink() { wc -l <"$work/rcpts.log"; }

inflight_total=0
worst=0
prev_lines=0
prev_db=0
args=(--now)
for k in $(seq "$kills"); do
	"$work/bantin" digest send --cadence daily "${args[@]}" >"$work/run$k.out" 2>&1 &
	pid=$!
	# A random moment 0.3 to 2.5 s in: planning, sending, or waiting for
	# the leases of the previous run.
	sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.3 + rand() * 2.2 }')"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	sleep 0.2 # the sink finishes what was in its sockets
	if "$work/bantin" digest status | grep -q "no editions yet"; then
		args=(--now)
		echo "kill $k: before the edition was planned"
		continue
	fi
	args=()
	db=$(sent_in_db); db=${db:-0}
	lines=$(lines_at_sink)
	inflight=$(((lines - prev_lines) - (db - prev_db)))
	inflight_total=$((inflight_total + inflight))
	[ "$inflight" -gt "$worst" ] && worst=$inflight
	echo "kill $k: this run sent $((lines - prev_lines)) and recorded $((db - prev_db)): $inflight in flight (bound $max_unrecorded)"
	prev_lines=$lines
	prev_db=$db
done
"$work/bantin" digest send --cadence daily "${args[@]}" >"$work/final.out" 2>&1
cat "$work/final.out"

lines=$(lines_at_sink)
distinct=$(distinct_at_sink)
lost=$((n - distinct))
dups=$((lines - distinct))
echo "recipients $n; messages at the sink $lines; lost $lost; duplicates $dups;" \
	"in flight at the kills: $inflight_total in all, at most $worst at one kill (bound $max_unrecorded)"
status=0
[ "$lost" -eq 0 ] || { echo "FAIL: $lost recipients lost"; status=1; }
[ "$dups" -le "$inflight_total" ] || { echo "FAIL: more duplicates than messages in flight"; status=1; }
[ "$worst" -le "$max_unrecorded" ] || { echo "FAIL: more in flight than delivery.max_unrecorded"; status=1; }
[ "$status" -eq 0 ] && echo "PASS"
exit "$status"
