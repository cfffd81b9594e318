#!/usr/bin/env bash
# Several `bantin serve` instances on one PostgreSQL (issue 6). Run it as
# `bench/scale.sh postgres [N] [CONNS] [ROUNDS]`, which calls this script.
#
# For each round (default 2) and each instance count k (INSTANCES, default
# "1 2 3"; reversed on even rounds, so that a drift of the machine's load
# does not favour one count), on a fresh schema of the database:
#   1. imports 40 articles and seeds N subscribers (default 50,000) with
#      bench/digestseed, straight into PostgreSQL, with HISTORY (default 2)
#      past editions sent to all of them and the tables analyzed, as in a
#      database in service (HISTORY=0: a new database's first edition);
#   2. runs the reference: Postfix's smtp-source sending N messages of the
#      digest's size over k×CONNS connections (default CONNS 4) to the same
#      smtp-sink;
#   3. starts k `bantin serve` on the schema, CONNS SMTP connections and
#      2×CONNS delivery workers each, with newsletter.daily set to fire once,
#      at the first minute boundary at least 25 s away, so that the elected
#      leader cuts the edition as in production and every instance delivers;
#   4. with ANALYZE=1 (the default), delivery is paused (bantin digest
#      pause) before the tick; once the leader has planned the edition, the
#      deliveries table is analyzed and delivery resumed, and the time runs
#      from the resume (including the workers noticing it: they look every
#      2 s) to the last delivery's sent_at (recorded after the SMTP server
#      accepted it). Without the ANALYZE, PostgreSQL plans the queue's
#      statements on statistics that do not know the new edition's rows
#      (see bench/README.md). With ANALYZE=0, nothing is paused and the time
#      runs from editions.created_at (the leader starting to plan) to the
#      last sent_at. Startup and the wait for the tick are never counted;
#   5. measures where the CPU goes over the send, from 1 s before the tick
#      until every delivery is recorded, with perf record -a -F 499 -g (the
#      whole machine: the PostgreSQL server is shared with other work):
#      samples of the k bantin processes, split by stack into the store and
#      database code (frames of store., database/sql., jackc/pgx or
#      jackc/puddle) and the rest (rendering, SMTP, runtime); and samples of
#      the PostgreSQL backends that served bantin, known by their pids: the
#      instances connect with log_disconnections=on, so the server logs
#      each of their sessions when it ends (PGLOG, the server's log file).
#      The queue share is (bantin's store/database samples + its backends'
#      samples) / (bantin's samples + its backends' samples). Beside it:
#      bantin's CPU from /proc (utime+stime), and the whole PostgreSQL
#      server's (live processes plus the postmaster's reaped children),
#      other users included.
#
# Usage: bench/scale.sh postgres [N] [CONNS] [ROUNDS]
# Environment: PGURL (default postgres://postgres@127.0.0.1:5432/test?sslmode=disable),
#   INSTANCES ("1 2 3"), ARTICLES (4, in the edition's window), HISTORY (2), PORT (smtp-sink, 2526),
#   HTTP_PORT (18180: instance i listens on HTTP_PORT+i), KEEP=1 keeps the schemas,
#   PGLOG (/var/log/postgresql/postgresql-15-main.log, readable), PERF_KEEP=DIR keeps
#   each run's perf.data with the pids of bantin and of its backends, for perf report.
# Needs: postfix (smtp-sink, smtp-source), psql, perf; run as root (smtp-sink -u, perf).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-50000}"
conns="${2:-4}"
rounds="${3:-2}"
counts="${INSTANCES:-1 2 3}"
articles="${ARTICLES:-4}"
history="${HISTORY:-2}"
analyze="${ANALYZE:-1}"
port="${PORT:-2526}"
http_base="${HTTP_PORT:-18180}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
pglog="${PGLOG:-/var/log/postgresql/postgresql-15-main.log}"
sep='?'
[[ "$pgurl" == *\?* ]] && sep='&'
work="$(mktemp -d)"
sink_pid=""
perf_pid=""
pids=()
schemas=()

stop_instances() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
}
cleanup() {
	[ -n "$perf_pid" ] && kill -INT "$perf_pid" 2>/dev/null
	stop_instances
	[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
	if [ -z "${KEEP:-}" ]; then
		local s
		for s in "${schemas[@]}"; do pq -c "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true; done
	fi
	rm -rf "$work"
}
trap cleanup EXIT

for tool in smtp-sink smtp-source psql perf; do
	command -v "$tool" >/dev/null || { echo "$tool missing (postfix, postgresql-client, linux-perf)" >&2; exit 1; }
done
pq() { PGOPTIONS='--client-min-messages=warning' psql -X -q -v ON_ERROR_STOP=1 "$pgurl" "$@"; }
pq -c 'SELECT 1' >/dev/null
[ -r "$pglog" ] || { echo "cannot read the PostgreSQL server's log $pglog (set PGLOG)" >&2; exit 1; }

# Another change may be half made in the tree: try again for a few minutes.
for try in 1 2 3 4 5 6; do
	if go build -o "$work/bantin" ./cmd/bantin && go build -o "$work/digestseed" ./bench/digestseed; then break; fi
	[ "$try" = 6 ] && { echo "the tree does not build" >&2; exit 1; }
	echo "build failed; trying again in 60 s" >&2
	sleep 60
done
go run ./bench/gen-articles -n 40 -out "$work/articles" -seed 1 -size 4000 -days 3 >/dev/null

export BANTIN_SITE_URL=https://tinnhanh.vn BANTIN_MAIL_FROM='Tin Nhanh <no-reply@tinnhanh.vn>' \
	BANTIN_LOG_LEVEL=warn BANTIN_ARTICLES_DIR="$work/empty" BANTIN_ARTICLES_WATCH=false \
	BANTIN_ARTICLES_RESCAN_INTERVAL=0 BANTIN_MAIL_TRANSPORT=smtp BANTIN_MAIL_SMTP_HOST=127.0.0.1 \
	BANTIN_MAIL_SMTP_PORT="$port" BANTIN_MAIL_SMTP_TLS=none BANTIN_MAIL_SMTP_CONNECTIONS="$conns" \
	BANTIN_DELIVERY_WORKERS=$((2 * conns))
mkdir -p "$work/empty"

smtp-sink -u nobody "127.0.0.1:$port" 2000 >/dev/null 2>&1 &
sink_pid=$!
sleep 0.5

# CPU time, in clock ticks. Fields after the command's ")", from 0: state
# 0, ppid 1, utime 11, stime 12, cutime 13, cstime 14.
hz=$(getconf CLK_TCK)
proc_ticks() { # PID...: utime+stime of these processes
	local p line f t=0
	for p in "$@"; do
		read -r line 2>/dev/null <"/proc/$p/stat" || continue
		read -ra f <<<"${line##*) }"
		t=$((t + f[11] + f[12]))
	done
	echo "$t"
}
# The postmaster: the postgres process whose parent is not one.
postmaster=$(ps -C postgres -o pid=,ppid= | awk '{ parent[$1] = $2 } END { for (p in parent) if (!(parent[p] in parent)) { print p; exit } }')
[ -n "$postmaster" ] || { echo "cannot find the PostgreSQL postmaster process (the server must run on this machine)" >&2; exit 1; }
pg_ticks() { # the whole server: the postmaster with its reaped children, and its live children
	local line f t s
	read -r line <"/proc/$postmaster/stat"
	read -ra f <<<"${line##*) }"
	t=$((f[11] + f[12] + f[13] + f[14]))
	for s in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$s" || continue
		read -ra f <<<"${line##*) }"
		[ "${f[1]}" = "$postmaster" ] && t=$((t + f[11] + f[12]))
	done
	echo "$t"
}
machine_busy() { # busy and total jiffies of the whole machine
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}
now_s() { date +%s.%N; }
secs() { awk -v t="$1" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }'; }
metric_sum() { # NAME: the sum of a counter over the running instances
	local i total=0 v
	for i in $(seq "${#pids[@]}"); do
		v=$(curl -sf "http://127.0.0.1:$((http_base + i))/metrics" | awk -v m="$1" '$1 == m { print $2 }') || v=0
		total=$(awk -v a="$total" -v b="${v:-0}" 'BEGIN { printf "%d", a + b }')
	done
	echo "$total"
}

body=""
results="$work/results"
: >"$results"
echo "PostgreSQL: ${pgurl%%\?*}; $n subscribers, $history past editions; $conns SMTP connections and $((2 * conns)) workers per instance; $(nproc) cores"
for r in $(seq "$rounds"); do
	order="$counts"
	[ $((r % 2)) = 0 ] && order=$(echo "$counts" | tr ' ' '\n' | tac | tr '\n' ' ')
	for k in $order; do
		schema="bench_inst_$$_${r}_${k}"
		schemas+=("$schema")
		url="$pgurl${sep}search_path=$schema"
		pq -c "DROP SCHEMA IF EXISTS $schema CASCADE" -c "CREATE SCHEMA $schema" >/dev/null
		BANTIN_DATABASE_URL="$url" "$work/bantin" import "$work/articles" >/dev/null
		"$work/digestseed" -db "$url" -subscribers "$n" -articles "$articles" -history "$history" >/dev/null
		if [ -z "$body" ]; then
			BANTIN_DATABASE_URL="$url" "$work/bantin" digest preview --cadence daily --out "$work/digest.eml" >/dev/null 2>&1
			total=$(stat -c %s "$work/digest.eml")
			# smtp-source's -l is the body, without headers: give it ours.
			body=$(awk 'found { n += length($0) + 2 } /^\r?$/ && !found { found = 1 } END { print n }' "$work/digest.eml")
			echo "digest: $total bytes ($body bytes of body)"
		fi

		# The reference.
		/usr/bin/time -f "%e" -o "$work/time" smtp-source -s $((k * conns)) -m "$n" -l "$body" -d "127.0.0.1:$port"
		ref_s=$(cat "$work/time")
		ref_rate=$(awk -v n="$n" -v s="$ref_s" 'BEGIN { printf "%.0f", n / s }')

		# The edition's tick: the first minute boundary at least 25 s away
		# (the leader is elected some 7 s after the start).
		tick=$(( ($(date +%s) + 25 + 59) / 60 * 60 ))
		spec="$(TZ=Asia/Ho_Chi_Minh date -d "@$tick" '+%-M %-H') * * *"
		log_from=$(stat -c %s "$pglog")
		[ "$analyze" = 1 ] && BANTIN_DATABASE_URL="$url" "$work/bantin" digest pause >/dev/null
		for i in $(seq "$k"); do
			BANTIN_DATABASE_URL="$url&application_name=bench-i$i&log_disconnections=on" \
				BANTIN_HTTP_ADDR="127.0.0.1:$((http_base + i))" BANTIN_MAIL_SMTP_HELO="i$i.bench.test" \
				BANTIN_NEWSLETTER_DAILY="$spec" BANTIN_SITE_TIMEZONE=Asia/Ho_Chi_Minh \
				"$work/bantin" serve >"$work/i$i.log" 2>&1 &
			pids+=($!)
		done
		for i in $(seq "$k"); do
			for _ in $(seq 100); do curl -sf "http://127.0.0.1:$((http_base + i))/metrics" >/dev/null && break; sleep 0.1; done
		done
		left=$(awk -v t="$tick" -v now="$(now_s)" 'BEGIN { printf "%.2f", t - now - 1 }')
		if awk -v l="$left" 'BEGIN { exit !(l < 0) }'; then
			echo "round $r, $k instances: not ready before the tick" >&2
			cat "$work"/i*.log >&2
			exit 1
		fi
		sleep "$left"

		# The send, from 1 s before the tick.
		load=$(cut -d' ' -f1 /proc/loadavg)
		b0=$(proc_ticks "${pids[@]}")
		pg0=$(pg_ticks)
		read -r m0busy m0all < <(machine_busy)
		t0=$(now_s)
		perf record -q -a -g -F 499 -o "$work/perf.data" >/dev/null 2>"$work/perf.log" &
		perf_pid=$!
		planned_s=""
		if [ "$analyze" = 1 ]; then
			# Delivery is paused: the leader plans the edition, then the
			# deliveries table is analyzed and delivery resumed.
			for _ in $(seq 1200); do
				st=$(pq -At -c "SELECT status FROM $schema.editions WHERE status IN ('planning', 'sending') ORDER BY id DESC LIMIT 1")
				[ "$st" = sending ] && break
				sleep 0.1
			done
			[ "$st" = sending ] || { echo "round $r, $k instances: no edition planned" >&2; tail -n 20 "$work"/i*.log >&2; exit 1; }
			planned_s=$(awk -v a="$tick" -v b="$(now_s)" 'BEGIN { printf "%.2f", b - a }')
			pq -c "ANALYZE $schema.deliveries"
			BANTIN_DATABASE_URL="$url" "$work/bantin" digest resume >/dev/null
			resumed=$(now_s)
		fi
		deadline=$(( $(date +%s) + 120 + n / 100 ))
		# One curl and one awk a second: on two cores the polling must
		# not compete with what it watches.
		urls=()
		for i in $(seq "$k"); do urls+=("http://127.0.0.1:$((http_base + i))/metrics"); done
		while :; do
			done_n=$(curl -s "${urls[@]}" | awk '$1 ~ /^bantin_digest_(sent|failed|bounced|skipped)_total$/ { t += $2 } END { printf "%d", t }')
			[ "$done_n" -ge "$n" ] && break
			if [ "$(date +%s)" -gt "$deadline" ]; then
				echo "round $r, $k instances: only $done_n of $n handled by the deadline" >&2
				tail -n 20 "$work"/i*.log >&2
				exit 1
			fi
			sleep 1
		done
		# Outcomes are recorded in groups after the SMTP server's answers.
		for _ in $(seq 100); do
			pending=$(pq -At -c "SELECT count(*) FROM $schema.deliveries WHERE status IN ('queued', 'sending')")
			[ "$pending" = 0 ] && break
			sleep 0.1
		done
		b1=$(proc_ticks "${pids[@]}")
		pg1=$(pg_ticks)
		read -r m1busy m1all < <(machine_busy)
		t1=$(now_s)
		kill -INT "$perf_pid"
		wait "$perf_pid" || true
		perf_pid=""

		per=""
		for i in $(seq "$k"); do
			m=$(curl -sf "http://127.0.0.1:$((http_base + i))/metrics")
			s=$(awk '$1 == "bantin_digest_sent_total" { print $2 }' <<<"$m")
			l=$(awk '$1 == "bantin_leader" { print $2 }' <<<"$m")
			per="$per i$i=${s:-?}$([ "$l" = 1 ] && echo '(leader)' || true)"
		done
		lead=$(metric_sum bantin_leader)
		printf '%s\n' "${pids[@]}" >"$work/bantin.pids"
		stop_instances
		warns=$(cat "$work"/i*.log | grep -c . || true)

		# bantin's backends: every session of theirs is logged when it ends.
		sleep 0.5
		tail -c +"$((log_from + 1))" "$pglog" | TZ=UTC awk -v t0="$t0" -v t1="$t1" -v out="$work/pg.pids" '
			/disconnection: session time:/ && match($0, /\[([0-9]+)\]/, p) && match($0, /session time: ([0-9]+):([0-9]+):([0-9.]+)/, d) {
				print p[1] > out; all++
				life = d[1] * 3600 + d[2] * 60 + d[3]
				split($1, ymd, "-"); split($2, hms, ":")
				end = mktime(ymd[1] " " ymd[2] " " ymd[3] " " hms[1] " " hms[2] " " int(hms[3])) + hms[3] - int(hms[3])
				if (end >= t0 && end <= t1) { ended++; if (life < 1) short++ }
			}
			END { print all + 0, ended + 0, short + 0 }' >"$work/sessions"
		read -r sessions ended short <"$work/sessions"
		touch "$work/pg.pids"

		# The edition cut here is the newest; the history's are older.
		read -r editions sent created first last < <(pq -At -F ' ' -c "SELECT
    (SELECT count(*) FROM $schema.editions) - $history,
    count(*) FILTER (WHERE d.status = 'sent'), min(e.created_at), min(d.sent_at), max(d.sent_at)
FROM $schema.editions e JOIN $schema.deliveries d ON d.edition_id = e.id
WHERE e.id = (SELECT max(id) FROM $schema.editions)")
		[ "$editions" = 1 ] || echo "round $r, $k instances: $editions editions cut (want 1)" >&2
		[ "$sent" = "$n" ] || echo "round $r, $k instances: $sent sent (want $n)" >&2
		from="$created"
		[ "$analyze" = 1 ] && from=$(awk -v t="$resumed" 'BEGIN { printf "%.0f", t * 1e6 }')
		our_s=$(awk -v a="$from" -v b="$last" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
		our_rate=$(awk -v n="$sent" -v s="$our_s" 'BEGIN { printf "%.0f", n / s }')
		first_s=$(awk -v a="$from" -v b="$first" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
		steady=$(awk -v n="$sent" -v a="$first" -v b="$last" 'BEGIN { printf "%.0f", (b > a ? n / ((b - a) / 1e6) : 0) }')
		what="from the edition cut"
		[ "$analyze" = 1 ] && what="from delivery resumed (planned $planned_s s after the tick, then analyzed)"

		# Samples by process and, for bantin, by what its stack holds.
		read -r bs st ml nl gc pgs churn pms pgo oth < <(perf script -i "$work/perf.data" -F comm,pid,ip,sym 2>/dev/null | awk \
			-v bf="$work/bantin.pids" -v pf="$work/pg.pids" -v pm="$postmaster" '
			BEGIN { while ((getline x < bf) > 0) b[x] = 1; while ((getline x < pf) > 0) pg[x] = 1; RS = "" }
			{
				split($0, lines, "\n"); nh = split(lines[1], h, " "); pid = h[nh]; comm = h[1]
				if (pid in b) {
					bs++
					if (/github\.com\/bantin\/bantin\/store\.|database\/sql\.|github\.com\/jackc\/(pgx|puddle)/) st++
					else if (/github\.com\/bantin\/bantin\/mailer\./) ml++
					else if (/github\.com\/bantin\/bantin\/newsletter\./) nl++
					else if (/runtime\.gcBgMarkWorker/) gc++
				} else if (pid in pg) {
					pgs++
					if (/InitPostgres|BackendInitialize|PerformAuthentication|ProcessStartupPacket|BackendStartup|ret_from_fork|InitPostmasterChild|proc_exit|do_exit|exit_mmap/) churn++
				}
				else if (pid == pm) pms++
				else if (comm == "postgres") pgo++
				else if (pid != 0) oth++
			}
			END { print bs + 0, st + 0, ml + 0, nl + 0, gc + 0, pgs + 0, churn + 0, pms + 0, pgo + 0, oth + 0 }')
		window=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
		awk -v r="$r" -v k="$k" -v conns="$conns" -v ref_s="$ref_s" -v ref_rate="$ref_rate" -v our_s="$our_s" \
			-v our_rate="$our_rate" -v first_s="$first_s" -v what="$what" -v steady="$steady" -v b="$((b1 - b0))" -v pg="$((pg1 - pg0))" -v hz="$hz" -v w="$window" \
			-v bs="$bs" -v st="$st" -v ml="$ml" -v nl="$nl" -v gc="$gc" -v pgs="$pgs" -v churn="$churn" -v pms="$pms" -v pgo="$pgo" -v oth="$oth" \
			-v per="$per" -v lead="$lead" -v ldavg="$load" -v busy="$((m1busy - m0busy))" -v all="$((m1all - m0all))" \
			-v sessions="$sessions" -v ended="$ended" -v short="$short" -v warns="$warns" -v res="$results" 'BEGIN {
			bc = b / hz; pgc = pg / hz
			share = bs + pgs ? (st + pgs) / (bs + pgs) : 0
			printf "round %d, %d instance%s (load %s)\n", r, k, (k > 1 ? "s" : ""), ldavg
			printf "  smtp-source, %d connections: %s s, %d msg/s\n", k * conns, ref_s, ref_rate
			printf "  bantin: %s s %s to the last delivery recorded, %d msg/s, ratio to smtp-source %.2f\n", our_s, what, our_rate, our_rate / ref_rate
			printf "    first delivery recorded after %s s (from it to the last: %d msg/s); sent per instance:%s; leaders at the end: %d; log lines (warn and up): %d\n", first_s, steady, per, lead, warns
			printf "  CPU over %s s, machine %.0f%% busy: bantin %.2f s (/proc); whole PostgreSQL server %.2f s (others included)\n", w, all ? 100 * busy / all : 0, bc, pgc
			printf "    bantin sessions on PostgreSQL: %d, %d of them ended during the send, %d of those after less than 1 s\n", sessions, ended, short
			printf "  perf samples: bantin %d (%.2f s at 499/s): store/database %d (%.1f%%), mailer %.1f%%, newsletter %.1f%%, GC workers %.1f%%, other %.1f%%\n", bs, bs / 499, st, bs ? 100 * st / bs : 0, bs ? 100 * ml / bs : 0, bs ? 100 * nl / bs : 0, bs ? 100 * gc / bs : 0, bs ? 100 * (bs - st - ml - nl - gc) / bs : 0
			printf "    its PostgreSQL backends %d (%.2f s; %.2f× bantin), %.0f%% of them starting or ending a session; postmaster %d; other PostgreSQL backends %d; everything else %d\n", pgs, pgs / 499, bs ? pgs / bs : 0, pgs ? 100 * churn / pgs : 0, pms, pgo, oth
			printf "  queue share: (store/database %d + backends %d) / (bantin %d + backends %d) = %.1f%%\n", st, pgs, bs, pgs, 100 * share
			printf "%d %d %d %d %.4f %s\n", r, k, our_rate, ref_rate, share, ldavg >> res
		}'
		if [ "$warns" -gt 0 ]; then
			for i in $(seq "$k"); do sed "s/^/    i$i: /" "$work/i$i.log" | head -n 5; done
		fi
		if [ -n "${PERF_KEEP:-}" ]; then
			mkdir -p "$PERF_KEEP"
			for f in perf.data pg.pids bantin.pids; do cp "$work/$f" "$PERF_KEEP/r${r}k${k}.$f"; done
			cp "$work/bantin" "$PERF_KEEP/bantin"
		fi
		rm -f "$work/pg.pids" "$work/perf.data"
		[ -z "${KEEP:-}" ] && pq -c "DROP SCHEMA $schema CASCADE" >/dev/null
	done
done

echo
echo "summary: msg/s; ratio to 1 instance and to smtp-source (same round, k×$conns connections); queue CPU share"
awk '{ key = $1 " " $2; rate[key] = $3; ref[key] = $4; sh[key] = $5; ld[key] = $6; if (!($2 in seen)) { seen[$2] = 1; ks[++nk] = $2 } if ($1 > nr) nr = $1 }
END {
	for (i = 1; i <= nk; i++) {
		k = ks[i]
		for (r = 1; r <= nr; r++) {
			key = r " " k; one = rate[r " 1"]
			printf "round %d, %d instance%s: %5d msg/s, %s of 1 instance, %.2f of smtp-source, queue share %.1f%% (load %s)\n", r, k, (k > 1 ? "s" : " "), rate[key], one ? sprintf("%.2f", rate[key] / one) : "?", rate[key] / ref[key], 100 * sh[key], ld[key]
		}
	}
}' "$results"
