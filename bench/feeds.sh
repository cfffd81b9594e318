#!/usr/bin/env bash
# bench/feeds.sh: how fast `bantin serve` serves a cached 50-item feed,
# side by side with nginx serving the same bytes from disk (the files
# `bantin feeds build` writes), with wrk on loopback: 2 threads, 50
# connections, 10 s per run. Measures the 200 (with gzip, as feed readers
# ask, and without) and the 304 (If-None-Match), and prints each Go rate as
# a share of nginx's.
#
# Needs nginx and wrk (apt-get install -y nginx wrk; the script installs
# them when it runs as root and they are missing). Runs nginx in the
# foreground with its own config (bench/nginx-feeds.conf) on its own port;
# stops only the processes it started.
#
# Usage: bench/feeds.sh [-n ARTICLES] [-d SECONDS] [-r ROUNDS]
#   ROUNDS > 1 repeats every pair of runs, alternating which server goes
#   first, and reports medians (see scenario below).
# Environment: GO_PORT (18080), NGINX_PORT (18081), KEEP=1 keeps the work
# directory.
set -euo pipefail
cd "$(dirname "$0")/.."

articles=2000 duration=10 rounds=1
while getopts "n:d:r:" opt; do
	case $opt in
	n) articles=$OPTARG ;;
	d) duration=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) echo "usage: $0 [-n ARTICLES] [-d SECONDS] [-r ROUNDS]" >&2; exit 2 ;;
	esac
done
go_port=${GO_PORT:-18080}
nginx_port=${NGINX_PORT:-18081}

need=()
command -v nginx >/dev/null || need+=(nginx)
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "feeds.sh: install ${need[*]} first (apt-get install -y ${need[*]})" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx)

work=$(mktemp -d /tmp/bantin-feeds-bench.XXXXXX)
chmod 755 "$work" # nginx workers may run as another user
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [ "${KEEP:-}" = 1 ]; then
		echo "work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

echo "== building bantin and $articles articles in $work"
go build -o "$work/bantin" ./cmd/bantin
go run ./bench/gen-articles -n "$articles" -out "$work/articles" -categories 8 -seed 1 >/dev/null

export BANTIN_DATABASE_URL="sqlite://$work/bantin.db"
export BANTIN_ARTICLES_DIR="$work/articles"
export BANTIN_MAIL_MAILDIR="$work/mail"
export BANTIN_HTTP_ADDR="127.0.0.1:$go_port"
export BANTIN_SITE_URL="http://127.0.0.1:$go_port"
export BANTIN_LOG_LEVEL=warn
export BANTIN_ARTICLES_WATCH=false
export BANTIN_ARTICLES_RESCAN_INTERVAL=0

"$work/bantin" import >/dev/null
"$work/bantin" feeds build --out "$work/public" >/dev/null
chmod -R a+rX "$work/public"

"$work/bantin" serve 2>"$work/bantin.log" &
pids+=($!)
mkdir -p "$work/nginx-tmp"
sed -e "s|@WORK@|$work|g" -e "s|@PORT@|$nginx_port|g" bench/nginx-feeds.conf >"$work/nginx.conf"
"$nginx_bin" -c "$work/nginx.conf" -p "$work" -e "$work/nginx-error.log" &
pids+=($!)

wait_up() {
	for _ in $(seq 100); do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "feeds.sh: $1 did not come up" >&2
	exit 1
}
path=/rss.xml
go_url="http://127.0.0.1:$go_port$path"
nginx_url="http://127.0.0.1:$nginx_port$path"
wait_up "$go_url"
wait_up "$nginx_url"

# Both must serve the same document: same bytes, same gzip-decoded bytes.
curl -fsS "$go_url" -o "$work/go.xml"
curl -fsS "$nginx_url" -o "$work/nginx.xml"
cmp -s "$work/go.xml" "$work/nginx.xml" || { echo "feeds.sh: bantin and nginx serve different documents" >&2; exit 1; }
curl -fsS -H 'Accept-Encoding: gzip' "$go_url" | gunzip | cmp -s - "$work/go.xml" || { echo "feeds.sh: bantin's gzip body differs" >&2; exit 1; }
curl -fsS -H 'Accept-Encoding: gzip' "$nginx_url" | gunzip | cmp -s - "$work/go.xml" || { echo "feeds.sh: nginx's gzip body differs" >&2; exit 1; }
items=$(grep -c '<item>' "$work/go.xml")
size=$(wc -c <"$work/go.xml")
gzsize=$(curl -fsS -H 'Accept-Encoding: gzip' "$go_url" | wc -c)
ngzsize=$(wc -c <"$work/public$path.gz")
echo "== $path: $items items, $size bytes; gzipped $gzsize bytes (bantin), $ngzsize bytes (nginx's .gz, the same level)"

etag() { curl -fsS -o /dev/null -D - -H 'Accept-Encoding: gzip' "$1" | tr -d '\r' | awk 'tolower($1)=="etag:"{print $2}'; }
go_etag=$(etag "$go_url")
nginx_etag=$(etag "$nginx_url")

clk=$(getconf CLK_TCK)
go_pid=${pids[0]}
nginx_pid=${pids[1]}

# cpu_ticks PID... prints the CPU time (user + system, in clock ticks) that
# the processes and their children have used so far.
cpu_ticks() {
	local total=0 p
	for p in "$@" $(ps -o pid= --ppid "$(tr ' ' ',' <<<"$*")" 2>/dev/null); do
		[ -r "/proc/$p/stat" ] || continue
		total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo "$total"
}

# rate PID URL HEADER... runs wrk and prints its requests per second and the
# server's CPU time per request in microseconds, after checking that every
# response had the expected status class. The CPU figure does not depend on
# what else the machine runs; the rate does.
rate() {
	local pid=$1 url=$2
	shift 2
	local args=(-t2 -c50 -d"${duration}s")
	for h in "$@"; do args+=(-H "$h"); done
	local out before after
	before=$(cpu_ticks "$pid")
	out=$(wrk "${args[@]}" "$url")
	after=$(cpu_ticks "$pid")
	if grep -q "Non-2xx or 3xx" <<<"$out"; then
		echo "feeds.sh: errors from $url:" >&2
		echo "$out" >&2
		exit 1
	fi
	local rps reqs
	rps=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
	reqs=$(awk '/requests in/{print $1}' <<<"$out")
	awk -v r="$rps" -v t=$((after - before)) -v n="$reqs" -v c="$clk" 'BEGIN{printf "%s %.1f\n", r, t * 1e6 / c / n}'
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# scenario NAME GO_HEADERS NGINX_HEADERS runs wrk against both servers
# (headers newline-separated), back to back, ROUNDS times, alternating
# which goes first, and prints the medians of the rates, of the ratios of
# each back-to-back pair (on a shared machine a pair sees about the same
# background load; separate bests would not) and of the CPU per request.
scenario() {
	local name=$1 go_extra=$2 nginx_extra=$3
	local gs=() ns=() rs=() gcs=() ncs=() g n gc nc
	for round in $(seq "$rounds"); do
		local order=(nginx go)
		[ $((round % 2)) -eq 0 ] && order=(go nginx)
		for who in "${order[@]}"; do
			if [ "$who" = go ]; then
				mapfile -t hs <<<"$go_extra"
				read -r g gc < <(rate "$go_pid" "$go_url" "${hs[@]}")
			else
				mapfile -t hs <<<"$nginx_extra"
				read -r n nc < <(rate "$nginx_pid" "$nginx_url" "${hs[@]}")
			fi
		done
		gs+=("$g") ns+=("$n") gcs+=("$gc") ncs+=("$nc")
		rs+=("$(awk -v a="$g" -v b="$n" 'BEGIN{print a/b}')")
	done
	printf "%-18s bantin %8.0f req/s  nginx %8.0f req/s  ratio %.2f   CPU/request: bantin %5.1f us, nginx %5.1f us\n" "$name" \
		"$(printf '%s\n' "${gs[@]}" | median)" "$(printf '%s\n' "${ns[@]}" | median)" "$(printf '%s\n' "${rs[@]}" | median)" \
		"$(printf '%s\n' "${gcs[@]}" | median)" "$(printf '%s\n' "${ncs[@]}" | median)"
}

echo "== wrk -t2 -c50 -d${duration}s, $rounds round(s), $(nproc) CPUs"
scenario "200 gzip" "Accept-Encoding: gzip" "Accept-Encoding: gzip"
scenario "200 identity" "Accept-Encoding: identity" "Accept-Encoding: identity"
scenario "304 If-None-Match" "Accept-Encoding: gzip
If-None-Match: $go_etag" "Accept-Encoding: gzip
If-None-Match: $nginx_etag"
