#!/usr/bin/env bash
# Measures "bantin import" of N generated articles into a new SQLite
# database, end to end, with its peak RSS. Beside it, in the same run, a
# reference: reading the same files with cat, the I/O floor any importer
# pays. Usage: bench/import.sh [N] (default 10000).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

go build -o "$work/bantin" ./cmd/bantin
go run ./bench/gen-articles -n "$n" -out "$work/articles" -seed 1 -size 8192 >/dev/null
bytes=$(du -sb "$work/articles" | cut -f1)
sync

measure() { # label, command...: prints "label seconds peak_kb"
	local label="$1"; shift
	/usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr"; exit 1; }
	read -r secs kb <"$work/time"
	printf '%-22s %8.2f s %8d KB peak RSS\n' "$label" "$secs" "$kb"
}

echo "articles: $n files, $((bytes / 1024 / 1024)) MiB"
# Warm the page cache for both, so the comparison is CPU and SQLite, not disk.
cat $(find "$work/articles" -type f) >/dev/null
measure "reference: cat" sh -c "find '$work/articles' -type f -print0 | xargs -0 cat >/dev/null"
measure "bantin import" env BANTIN_DATABASE_URL="sqlite://$work/bantin.db" "$work/bantin" import "$work/articles"
measure "bantin import (again)" env BANTIN_DATABASE_URL="sqlite://$work/bantin.db" "$work/bantin" import "$work/articles"
