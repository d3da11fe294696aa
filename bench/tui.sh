#!/bin/bash
# bench/tui.sh - the TUI part of `make bench` (called by bench/run.sh).
#
# Time to the first full frame and per-key latency (from reading a key to
# its frame on the terminal), measured inside foliotrace tui
# (FOLIOTRACE_TUI_TIMING) while it runs a scripted key sequence
# (--bench-keys) in a 160x50 tmux pane, on the analysed 10-million-event
# synthetic database and, as the peer, on the 27k-event race fixture.
# Targets: < 200 ms to the first frame, < 50 ms per key on 10 M events.
# Also printed beside them: the time of `sqlite3 DB 'SELECT count(*) FROM
# windows'` (the one full table scan the first frame may need: the windows
# table has no index on verdict).
#
# bench/tui.sh --db DB --name NAME [--raw FILE] [--vs-bin FT2 --vs-db DB2
# --vs-name NAME2 --vs-raw FILE2]: the same scripted sessions of $FT_BIN on
# DB only (analysed already, by the same binary), one line named NAME;
# --raw writes "first_frame_median_ms key_median_ms key_worst_ms" to FILE.
# With --vs-*, the sessions of FT2 on DB2 alternate with them (a load from
# elsewhere falls on both alike) and get their own line: bench/store.sh
# runs today's binary on today's database beside this one, on one trace.
set -euo pipefail
only_db='' only_name='' raw='' vs_bin='' vs_db='' vs_name='' vs_raw=''
while [ $# -gt 0 ]; do
	case $1 in
	--db) only_db=$(realpath "$2"); shift 2 ;;
	--name) only_name=$2; shift 2 ;;
	--raw) raw=$(realpath "$2"); shift 2 ;;
	--vs-bin) vs_bin=$(realpath "$2"); shift 2 ;;
	--vs-db) vs_db=$(realpath "$2"); shift 2 ;;
	--vs-name) vs_name=$2; shift 2 ;;
	--vs-raw) vs_raw=$(realpath "$2"); shift 2 ;;
	*) echo "usage: bench/tui.sh [--db DB --name NAME [--raw FILE] [--vs-bin FT2 --vs-db DB2" \
		"--vs-name NAME2 [--vs-raw FILE2]]]" >&2; exit 2 ;;
	esac
done
cd "$(dirname "$0")/.."
FT=${FT_BIN:-$PWD/build/foliotrace}
DATA=bench/data
SYN=$DATA/synthetic-10m.db
RUNS=${BENCH_TUI_RUNS:-3}
KEYS='n n PgDn Down Down Enter + + - - l l h h PgDn PgUp n N z t t j j k k Home End
      - - - - - - - - - - - - - - - - - - l l h h + + + + + + z p Down q q'

command -v tmux >/dev/null || { echo "tui bench: skipped: tmux missing"; exit 0; }
tmp=$(mktemp -d); [ -n "${BENCH_TUI_KEEP:-}" ] && echo "tui bench: keeping $tmp"
sock=ft-bench-tui-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; [ -n "${BENCH_TUI_KEEP:-}" ] || rm -rf "$tmp"' EXIT

# run DB OUT [FT]: one scripted session; timings appended to OUT.
run() {
	tmux -L "$sock" -f /dev/null new-session -d -x 160 -y 50 -s b \
		"env TERM=xterm-256color LANG=C.UTF-8 FOLIOTRACE_TUI_TIMING=$2 ${3:-$FT} tui --bench-keys '$(echo $KEYS)' $1"
	for _ in $(seq 1 600); do
		tmux -L "$sock" has-session -t b 2>/dev/null || return 0
		sleep 0.1
	done
	echo "tui bench: the session did not end"; exit 1
}

# report NAME DB EVENTS: RUNS sessions, summarized
report() {
	local f=$tmp/$1.timing
	: > "$f"
	for _ in $(seq 1 "$RUNS"); do run "$2" "$f"; done
	summary "$1" "$3" "$f" "$raw"
}

# summary NAME EVENTS TIMINGS RAW: the line of RUNS sessions' timings
summary() {
	[ "$(grep -c '^first_frame_ms' "$3")" -eq "$RUNS" ] || { echo "tui bench: missing timings"; exit 1; }
	awk -v name="$1" -v ev="$2" -v runs="$RUNS" -v raw="$4" '
		/^first_frame_ms/ { ff[nf++] = $2 }
		/^key/ { k[nk++] = $4 }
		function sort(a, n,   i, j, x) { for (i = 1; i < n; i++) { x = a[i];
			for (j = i - 1; j >= 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x } }
		END {
			sort(ff, nf); sort(k, nk)
			printf "tui %-8s (%9d events): first frame %6.1f ms median of %d runs (worst %.1f)", name, ev, ff[int(nf / 2)], runs, ff[nf - 1]
			printf "; per key: median %5.2f ms, worst %6.1f ms over %d keys\n", k[int(nk / 2)], k[nk - 1], nk
			if (raw != "")
				printf "%.2f %.3f %.2f\n", ff[int(nf / 2)], k[int(nk / 2)], k[nk - 1] > raw
		}' "$3"
}
if [ -n "$only_db" ] && [ -n "$vs_db" ]; then
	n=$("$FT" sql --csv "$only_db" "SELECT max(id) FROM events" | tail -1 | tr -d '\r')
	n2=$("$vs_bin" sql --csv "$vs_db" "SELECT max(id) FROM events" | tail -1 | tr -d '\r')
	cp "$only_db" "$tmp/only.db"
	cp "$vs_db" "$tmp/vs.db"
	sync
	: > "$tmp/only.timing"
	: > "$tmp/vs.timing"
	for _ in $(seq 1 "$RUNS"); do
		run "$tmp/only.db" "$tmp/only.timing"
		run "$tmp/vs.db" "$tmp/vs.timing" "$vs_bin"
	done
	summary "$only_name" "$n" "$tmp/only.timing" "$raw"
	summary "$vs_name" "$n2" "$tmp/vs.timing" "$vs_raw"
	exit 0
elif [ -n "$only_db" ]; then
	n=$("$FT" sql --csv "$only_db" "SELECT max(id) FROM events" | tail -1 | tr -d '\r')
	cp "$only_db" "$tmp/only.db"
	sync
	report "$only_name" "$tmp/only.db" "$n"
	exit 0
fi

mkdir -p "$DATA"
# shellcheck source=bench/synth.sh
. bench/synth.sh
synth_db "$SYN"
cp "$SYN" "$tmp/syn.db"
"$FT" analyze -q "$tmp/syn.db"
"$FT" import -q tests/fixtures/xfs-race-5.10-a.dat -o "$tmp/fix.db"
"$FT" analyze -q "$tmp/fix.db"
sync

nsyn=$("$FT" sql --csv "$tmp/syn.db" "SELECT max(id) FROM events" | tail -1 | tr -d '\r')
nfix=$("$FT" sql --csv "$tmp/fix.db" "SELECT max(id) FROM events" | tail -1 | tr -d '\r')
report fixture "$tmp/fix.db" "$nfix"
report 10M "$tmp/syn.db" "$nsyn"
echo "tui targets on 10M events: first frame < 200 ms, per key < 50 ms"
/usr/bin/time -f "%e" -o "$tmp/wt" sqlite3 "$tmp/syn.db" "SELECT count(*) FROM windows" > "$tmp/nw"
echo "tui peer: sqlite3 'SELECT count(*) FROM windows' ($(tr -d '\r\n' < "$tmp/nw") windows) takes $(cat "$tmp/wt") s (process start included)"
