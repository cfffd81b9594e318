#!/usr/bin/env bash
# bench/share.sh: "Gửi cho bạn bè" under a flood, with wrk on loopback
# against `bantin serve` (SQLite, Maildir), each run on a new database:
#
#   1. one IP: 50 connections for 10 s POSTing well-formed shares (each
#      with its own form token, loaded from the form beforehand, and a
#      confirmed sender), no trusted proxy;
#   2. the same with 1,000 different spoofed X-Forwarded-For values, still
#      no trusted proxy: they must not buy more than one IP's limit;
#   3. the same behind a trusted proxy (127.0.0.1 in http.trusted_proxies),
#      so the 1,000 addresses are believed: then the sender and global
#      limits are what holds.
#
# During each run a second wrk GETs the article page (--latency, 20
# connections) and its p99 is reported; the page must stay under 50 ms.
# After each run the messages in the Maildir are counted and checked
# against the configured limits. The numbers: share.per_ip 10/h,
# share.per_sender 20/day (50 senders), share.global_per_hour 500.
#
# Needs wrk (apt-get install -y wrk; installed when run as root).
# Usage: bench/share.sh [-d SECONDS]. Environment: PORT (18097), KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=10
while getopts "d:" opt; do
	case $opt in
	d) duration=$OPTARG ;;
	*) echo "usage: $0 [-d SECONDS]" >&2; exit 2 ;;
	esac
done
port=${PORT:-18097}
if ! command -v wrk >/dev/null; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "share.sh: install wrk first (apt-get install -y wrk)" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

work=$(mktemp -d /tmp/bantin-share-bench.XXXXXX)
pids=()
stop_server() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	pids=()
}
cleanup() {
	stop_server
	if [ "${KEEP:-}" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "== building bantin in $work"
go build -o "$work/bantin" ./cmd/bantin
go build -o "$work/sharebench" ./bench/sharebench
mkdir -p "$work/articles/thoi-su"
cp examples/articles/thoi-su/ba-truong-hoc-moi-dua-vao-su-dung.txt "$work/articles/thoi-su/"

key="bench-secret-key-0123456789abcdef0123456789"
export BANTIN_ARTICLES_DIR="$work/articles"
export BANTIN_HTTP_ADDR="127.0.0.1:$port"
export BANTIN_SITE_URL="http://127.0.0.1:$port"
export BANTIN_SECURITY_SECRET_KEY="$key"
export BANTIN_LOG_LEVEL=warn
export BANTIN_ARTICLES_WATCH=false
export BANTIN_ARTICLES_RESCAN_INTERVAL=0
export BANTIN_SHARE_MIN_FILL_TIME=1s

# run NAME XFF TRUSTED: one flood on a new database; prints what it got.
run() {
	local name=$1 xff=$2 trusted=$3 dir="$work/$1"
	mkdir -p "$dir"
	export BANTIN_DATABASE_URL="sqlite://$dir/bantin.db"
	export BANTIN_MAIL_MAILDIR="$dir/mail"
	export BANTIN_HTTP_TRUSTED_PROXIES="$trusted"
	"$work/bantin" import >/dev/null
	"$work/bantin" serve 2>"$dir/serve.log" &
	pids+=($!)
	for _ in $(seq 100); do
		curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
		kill -0 "${pids[-1]}" 2>/dev/null || { cat "$dir/serve.log" >&2; exit 1; }
		sleep 0.1
	done
	local id path
	path=$(curl -fs "http://127.0.0.1:$port/" | grep -o 'href="/a/[^"?]*' | head -1 | cut -c7-)
	id=${path#/a/}
	id=${id%%-*}
	"$work/sharebench" -url "http://127.0.0.1:$port" -article "$id" -n 3000 -senders 50 -key "$key" -out "$dir/bodies.txt"
	sleep 1.1 # the forms' minimum fill time
	BODIES="$dir/bodies.txt" SHARE_PATH="/a/$id/share" XFF=$xff THREADS=2 \
		wrk -t2 -c50 -d"${duration}s" -s bench/share.lua "http://127.0.0.1:$port" >"$dir/post.txt" &
	local post=$!
	wrk -t2 -c20 -d"${duration}s" --latency "http://127.0.0.1:$port$path" >"$dir/get.txt"
	wait $post
	stop_server
	local mails p99 rps statuses
	mails=$(find "$dir/mail/new" -type f 2>/dev/null | wc -l)
	p99=$(awk '$1 == "99%" {print $2}' "$dir/get.txt")
	rps=$(awk '/Requests\/sec/ {print $2}' "$dir/post.txt")
	statuses=$(grep '^statuses:' "$dir/post.txt" | cut -d' ' -f2-)
	printf '%-28s POST %9s req/s  [%s]\n' "$name" "$rps" "$statuses"
	printf '%-28s mail sent %5d   article page GET p99 %s (%s req/s)\n' "" "$mails" "$p99" "$(awk '/Requests\/sec/ {print $2}' "$dir/get.txt")"
	echo "$mails" >"$dir/mails"
}

# reference: the article page and /healthz with no flood, on this host as
# it is now (a busy shared machine shows in /healthz's p99 too).
reference() {
	local dir="$work/reference"
	mkdir -p "$dir"
	export BANTIN_DATABASE_URL="sqlite://$dir/bantin.db" BANTIN_MAIL_MAILDIR="$dir/mail" BANTIN_HTTP_TRUSTED_PROXIES=""
	"$work/bantin" import >/dev/null
	"$work/bantin" serve 2>"$dir/serve.log" &
	pids+=($!)
	for _ in $(seq 100); do
		curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
		sleep 0.1
	done
	local path
	path=$(curl -fs "http://127.0.0.1:$port/" | grep -o 'href="/a/[^"?]*' | head -1 | cut -c7-)
	wrk -t2 -c20 -d"${duration}s" --latency "http://127.0.0.1:$port$path" >"$dir/get.txt"
	wrk -t2 -c20 -d"${duration}s" --latency "http://127.0.0.1:$port/healthz" >"$dir/healthz.txt"
	stop_server
	printf '%-28s article page GET p99 %s (%s req/s); /healthz p99 %s; load average %s\n' "no flood" \
		"$(awk '$1 == "99%" {print $2}' "$dir/get.txt")" "$(awk '/Requests\/sec/ {print $2}' "$dir/get.txt")" \
		"$(awk '$1 == "99%" {print $2}' "$dir/healthz.txt")" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

echo "== reference: wrk -t2 -c20 -d${duration}s --latency, no flood"
reference
echo "== flood: wrk -t2 -c50 -d${duration}s POST, beside wrk -t2 -c20 --latency GET of the article"
run one-ip 0 ""
run spoofed-xff 1 ""
run trusted-proxy-xff 1 "127.0.0.1"
fail=0
[ "$(cat "$work/one-ip/mails")" -le 10 ] || { echo "FAIL: one IP sent more than share.per_ip"; fail=1; }
[ "$(cat "$work/spoofed-xff/mails")" -le 10 ] || { echo "FAIL: spoofed X-Forwarded-For bought more than one IP's limit"; fail=1; }
[ "$(cat "$work/trusted-proxy-xff/mails")" -le 500 ] || { echo "FAIL: more than share.global_per_hour"; fail=1; }
exit $fail
