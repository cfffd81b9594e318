#!/usr/bin/env bash
# What PostgreSQL spends on the delivery queue alone, per 50,000 messages,
# with no mail sent and no bantin process: pgbench replays one worker's
# turn (100 deliveries) 500 times from CLIENTS concurrent sessions, for
#   rowclaims  the queue before migration 8 (rows claimed one at a time);
#   batches    migration 8 as it first landed (a batch claimed, outcomes
#              written once, a round trip per statement);
#   pipelined  migration 8 at its last: the claim one statement, each group
#              of outcomes one pipeline (one round trip), recipients read
#              again every 20;
#   watched    migration 9: pipelined, with the recipients read once per
#              batch and room on the subscribers' pages;
#   derived    the queue now (migration 10): watched, with each recipient's
#              window read from their deliveries and no subscriber row
#              written;
#   floor      the least a durable per-recipient queue does: pipelined
#              without the recipients' reads and the subscriber update.
# Each variant starts from a fresh copy of the same tables (queuefloor/
# schema.sql). The server's CPU is the postmaster's reaped children
# (pgbench's sessions and any autovacuum) between start and end, so the
# server must run on this machine. Results are ratios to rowclaims.
#
# Usage: bench/queue-floor.sh [ROUNDS]   (as root, or a user who can read
#   the postmaster's /proc entry)
# Environment: PGURL (default postgres://postgres@127.0.0.1:5432/test?sslmode=disable),
#   CLIENTS (4; 500 must divide by it), VARIANTS (all of the above, in
#   that order; rowclaims, the reference, is always run).
set -euo pipefail
cd "$(dirname "$0")/queuefloor"
rounds="${1:-3}"
clients="${CLIENTS:-4}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
variants="rowclaims ${VARIANTS:-batches pipelined watched derived floor}"
[ $((500 % clients)) = 0 ] || { echo "CLIENTS must divide 500" >&2; exit 1; }
for tool in psql pgbench; do command -v "$tool" >/dev/null || { echo "$tool missing (postgresql-client)" >&2; exit 1; }; done
pq() { PGOPTIONS='--client-min-messages=warning' psql -X -q -v ON_ERROR_STOP=1 "$pgurl" "$@"; }
postmaster=$(ps -C postgres -o pid=,ppid= | awk '{ parent[$1] = $2 } END { for (p in parent) if (!(parent[p] in parent)) { print p; exit } }')
[ -n "$postmaster" ] || { echo "cannot find the PostgreSQL postmaster (the server must run here)" >&2; exit 1; }
hz=$(getconf CLK_TCK)
reaped() { local line f; read -r line <"/proc/$postmaster/stat"; read -ra f <<<"${line##*) }"; echo $((f[13] + f[14])); }
trap 'pq -c "DROP SCHEMA IF EXISTS queuefloor CASCADE" >/dev/null 2>&1 || true' EXIT

declare -A total
for r in $(seq "$rounds"); do
	for v in $variants; do
		pq -f schema.sql >/dev/null
		[ "$v" = rowclaims ] && pq -f rowclaims-index.sql >/dev/null
		[ "$v" = watched ] || [ "$v" = derived ] && pq -f watched-schema.sql >/dev/null
		[ "$v" = derived ] && pq -f derived-schema.sql >/dev/null
		pq -c "VACUUM (ANALYZE) queuefloor.subscribers" -c "VACUUM (ANALYZE) queuefloor.deliveries" -c "VACUUM (ANALYZE) queuefloor.delivery_batches" -c CHECKPOINT >/dev/null
		t0=$(reaped)
		pgbench -n -M prepared -c "$clients" -j 2 -t $((500 / clients)) -f "$v.sql" "$pgurl" >"/tmp/queuefloor.$$" 2>&1 ||
			{ cat "/tmp/queuefloor.$$" >&2; exit 1; }
		sleep 0.5 # the sessions' exits are reaped
		t1=$(reaped)
		left=$(pq -At -c "SELECT count(*) FROM queuefloor.deliveries WHERE edition_id = 3 AND status <> 'sent'")
		ms=$(( (t1 - t0) * 1000 / hz ))
		total[$v]=$(( ${total[$v]:-0} + ms ))
		printf 'round %d %-9s server CPU %5d ms for 50,000 deliveries (%d not sent), %s\n' "$r" "$v" "$ms" "$left" \
			"$(grep -o 'tps = [0-9.]*' "/tmp/queuefloor.$$")"
	done
done
rm -f "/tmp/queuefloor.$$"
echo
for v in $variants; do
	awk -v v="$v" -v t="${total[$v]}" -v ref="${total[rowclaims]}" -v n="$rounds" \
		'BEGIN { printf "%-9s mean %5.0f ms, %4.1f µs a delivery, %.2f of rowclaims\n", v, t / n, t / n / 50, t / ref }'
done
