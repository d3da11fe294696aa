#!/bin/bash
# bench/store.sh - the event store against today's (issue 19), called by
# bench/run.sh; every figure beside its peer measured in this run, on the
# same >= 1M-event trace (bench/data/xfs-1m.dat).
#
# "Today" is the store before issue 19: commit $BENCH_BASE (default
# 763c525, schema 2: a plain events table with three indexes), built in a
# temporary git worktree with its own build/ and removed on exit.  Without
# git, the commit or a successful build, the comparisons with today are
# printed as skipped, with the reason; the absolute figures still are.
#
# Printed, each as "NEW vs TODAY = NEW/TODAY (target)":
#   import time (and the database size per event, raw payloads included:
#   file size / traces.n_events, target <= 30 bytes; bytes per object from
#   SQLite's dbstat);
#   queries, in-process (bench/query_bench.c: process start and schema
#   parse excluded, the best of its runs), then through the sqlite3 CLI
#   (process start included): SELECT count(*) FROM events; the events of
#   the inode with the most events in time order; the events of the busiest
#   and of a quiet folio in time order; a full scan of events_v.  Today's
#   database is read with plain SQLite; the new one with the store's
#   loadable extension (build/foliotrace_sqlite.so) when the events table
#   is virtual, and through `foliotrace sql --csv` (both sides, labelled)
#   while the extension is missing;
#   foliotrace analyze -q (a fresh copy of the imported database per run),
#   foliotrace timeline --window W, the TUI's first frame and keys
#   (bench/tui.sh --db), each with today's binary on today's database.
# Each figure is the best of 3 runs (in-process queries: of 5 rounds of at
# least 0.5 s each, microsecond figures vary by 10-20% between rounds on a
# loaded 2-core machine), today's and the new runs alternating
# (a load from elsewhere on the machine falls on both alike).
# Targets: each ratio <= 1.00x (no slower than today); a missed target is
# printed, not an error.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C
FT=${FT_BIN:-$PWD/build/foliotrace}
B=${FT_BUILD:-$PWD/build}
QB=$B/query_bench
EXT=$B/foliotrace_sqlite.so
BIG=bench/data/xfs-1m.dat
BASE=${BENCH_BASE:-763c525}
# a bound on any one measured command: a hang is reported, not waited for
TO=(timeout "${BENCH_TIMEOUT:-300}")

[ -s "$BIG" ] || { echo "store bench: skipped: $BIG missing"; exit 0; }
[ -x "$QB" ] || { echo "store bench: $QB missing (make $QB)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "store bench: sqlite3 missing (make deps-test)"; exit 1; }

tmp=$(mktemp -d)
wt=
cleanup() {
	if [ -n "$wt" ]; then
		git worktree remove --force "$wt" 2>/dev/null || true
		git worktree prune 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- today's binary ------------------------------------------------------
OLD='' skip=''
if ! command -v git >/dev/null; then
	skip="git missing"
elif ! git rev-parse --git-dir >/dev/null 2>&1; then
	skip="not a git checkout"
elif ! git cat-file -e "$BASE^{commit}" 2>/dev/null; then
	skip="commit $BASE not in this repository"
elif ! git worktree add -q --detach "$tmp/base" "$BASE" >"$tmp/wt.log" 2>&1; then
	skip="git worktree add failed: $(tail -1 "$tmp/wt.log")"
else
	wt=$tmp/base
	if nice make -C "$wt" -j2 >"$tmp/base.log" 2>&1; then
		OLD=$wt/build/foliotrace
	else
		skip="the build of $BASE failed: $(tail -1 "$tmp/base.log")"
	fi
fi
[ -n "$OLD" ] && echo "store: today = $BASE ($(git log -1 --format=%s "$BASE" | cut -c1-60)...), built in a temporary worktree"

# --- helpers -------------------------------------------------------------
# best3 PREP CMD...: the best wall time (s) of 3 runs of CMD, stdout to
# /dev/null; PREP (a command, or :) runs untimed before each.
best3() {
	local prep=$1 best='' t0 t1
	shift
	for _ in 1 2 3; do
		$prep
		t0=$EPOCHREALTIME
		"$@" >/dev/null 2>"$tmp/err" || { echo "store bench: $* failed: $(tail -3 "$tmp/err")" >&2; return 1; }
		t1=$EPOCHREALTIME
		best=$(awk -v a="$t0" -v b="$t1" -v m="$best" 'BEGIN { d = b - a; print (m == "" || d < m) ? d : m }')
	done
	echo "$best"
}

# pair PREP_NEW PREP_OLD: the commands in the arrays NEW_CMD and OLD_CMD run
# alternately, 3 times each (so that a load from elsewhere on the machine
# falls on both alike), stdout to /dev/null, PREP (a command, or :) untimed
# before each; prints the best wall time (s) of each: "NEW OLD".
mintime() { awk -v a="$1" -v b="$EPOCHREALTIME" -v m="$2" 'BEGIN { d = b - a; print (m == "" || d < m) ? d : m }'; }
pair() {
	local bn='' bo='' t0
	for _ in 1 2 3; do
		$1
		t0=$EPOCHREALTIME
		"${NEW_CMD[@]}" >/dev/null 2>"$tmp/err" ||
			{ echo "store bench: ${NEW_CMD[*]} failed: $(tail -3 "$tmp/err")" >&2; return 1; }
		bn=$(mintime "$t0" "$bn")
		$2
		t0=$EPOCHREALTIME
		"${OLD_CMD[@]}" >/dev/null 2>"$tmp/err" ||
			{ echo "store bench: ${OLD_CMD[*]} failed today: $(tail -3 "$tmp/err")" >&2; return 1; }
		bo=$(mintime "$t0" "$bo")
	done
	echo "$bn $bo"
}

# line LABEL NEW OLD UNIT [TARGET]: one figure beside today's, the ratio.
# The targets met and missed, for the summary line at the end.
met=0
missed=()
count() {	# count OUTPUT LABEL
	echo "$1"
	case $1 in
	*MISSED*) missed+=("$2") ;;
	*"(target"*) met=$((met + 1)) ;;
	esac
}
line() {
	[ -n "$2" ] && [ -n "$3" ] || { echo "$1: failed (see above)"; missed+=("$1 (failed)"); return 0; }
	count "$(line_fmt "$@")" "$1"
}
line_fmt() {
	awk -v l="$1" -v n="$2" -v o="$3" -v u="$4" -v tg="${5:-<= 1.00x}" '
		function f(x) {
			if (x >= 100) return sprintf("%.0f", x)
			if (x >= 10) return sprintf("%.1f", x)
			if (x >= 1) return sprintf("%.2f", x)
			if (x >= 0.01) return sprintf("%.3f", x)
			return sprintf("%.4f", x)
		}
		BEGIN {
			r = o > 0 ? n / o : 0
			m = (tg == "<= 1.00x" && r > 1.005) ? "  MISSED" : ""
			printf "%s: %s %s vs %s %s today = %.2fx (target %s)%s\n", l, f(n), u, f(o), u, r, tg, m
		}'
}

# alone LABEL NEW UNIT: a figure without today's peer, and why.
alone() {
	awk -v l="$1" -v n="$2" -v u="$3" -v r="$skip" 'BEGIN {
		printf "%s: %.4g %s (today: skipped: %s)\n", l, n, u, r }'
}

csv1() {	# csv1 FT DB SQL: the first value of the first row
	"${TO[@]}" "$1" sql --csv "$2" "$3" | sed -n 2p | tr -d '\r'
}

# --- import and size -------------------------------------------------------
imp_new() { rm -f "$tmp/new.db"; "${TO[@]}" "$FT" import -q -f "$BIG" -o "$tmp/new.db"; }
imp_old() { rm -f "$tmp/old.db"; "${TO[@]}" "$OLD" import -q -f "$BIG" -o "$tmp/old.db"; }
if [ -n "$OLD" ]; then
	NEW_CMD=(imp_new) OLD_CMD=(imp_old)
	read -r t_new t_old <<<"$(pair : :)"
else
	t_new=$(best3 : imp_new)
fi
events=$(csv1 "$FT" "$tmp/new.db" "SELECT n_events FROM traces")
sz_new=$(stat -c %s "$tmp/new.db")
if [ -n "$OLD" ]; then
	sz_old=$(stat -c %s "$tmp/old.db")
	line "store: import of $BIG ($events events)" "$t_new" "$t_old" s
	count "$(awk -v n="$sz_new" -v o="$sz_old" -v ev="$events" 'BEGIN {
		printf "store: database %.1f bytes per event (%.1f MB) vs %.1f bytes per event today (%.1f MB) = %.2fx (target <= 30 bytes per event, raw payloads included)%s\n",
			n / ev, n / 1e6, o / ev, o / 1e6, n / o, (n / ev > 30 ? "  MISSED" : "") }')" "database bytes per event"
else
	alone "store: import of $BIG ($events events)" "$t_new" s
	count "$(awk -v n="$sz_new" -v ev="$events" -v r="$skip" 'BEGIN {
		printf "store: database %.1f bytes per event (%.1f MB) (target <= 30 bytes per event, raw payloads included)%s; today: skipped: %s\n",
			n / ev, n / 1e6, (n / ev > 30 ? "  MISSED" : ""), r }')" "database bytes per event"
fi
# objects NAME DB: the bytes of each table and index (SQLite's dbstat).
objects() {
	local out
	if out=$("${TO[@]}" sqlite3 "$2" "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC" 2>&1); then
		echo "$out" | awk -F'|' -v name="$1" -v ev="$events" '
			$2 >= 100000 { s = s sprintf("%s%s %.1f MB (%.1f B/event)", n++ ? ", " : "", $1, $2 / 1e6, $2 / ev); next }
			{ rest += $2; nr++ }
			END { printf "store: %s by object: %s; %d others %.2f MB\n", name, s, nr, rest / 1e6 }'
	else
		echo "store: $1 by object: skipped: dbstat unavailable ($(echo "$out" | tail -1))"
	fi
}
objects "new database" "$tmp/new.db"
[ -n "$OLD" ] && objects "today's database" "$tmp/old.db"

# --- queries ---------------------------------------------------------------
# The new database through plain SQLite: with the extension when present,
# without it when events is still a plain table; else through the CLI.
evsql=$(sqlite3 "$tmp/new.db" "SELECT sql FROM sqlite_schema WHERE name = 'events'")
if [[ $evsql != *VIRTUAL* ]]; then
	mode=plain
elif [ -f "$EXT" ]; then
	mode=ext
else
	mode=cli
fi
# pick SQL: the first row, as CSV, from today's database (plain SQLite,
# indexed) when there is one, else from the new one (the same events)
pick() {
	if [ -n "$OLD" ]; then
		"${TO[@]}" sqlite3 -csv "$tmp/old.db" "$1" | head -1
	else
		"${TO[@]}" "$FT" sql --csv "$tmp/new.db" "$1" | sed -n 2p | tr -d '\r'
	fi
}
ino=$(pick "SELECT ino FROM events WHERE ino IS NOT NULL GROUP BY ino ORDER BY count(*) DESC, ino LIMIT 1")
nino=$(pick "SELECT count(*) FROM events WHERE ino = $ino")
IFS=, read -r bino bidx bn <<<"$(pick "SELECT ino, findex, count(*) FROM events
	WHERE findex IS NOT NULL GROUP BY ino, findex ORDER BY 3 DESC, 1, 2 LIMIT 1")"
IFS=, read -r qino qidx qn <<<"$(pick "SELECT ino, findex, count(*) FROM events
	WHERE findex IS NOT NULL GROUP BY ino, findex ORDER BY 3, 1, 2 LIMIT 1")"

# The queries: label, SQL with ? for the integers that follow.
QUERIES=(
	"count(*)|SELECT count(*) FROM events"
	"one inode in time order (ino $ino, $nino events)|SELECT * FROM events WHERE ino = ? ORDER BY ts|$ino"
	"one folio, busy (ino $bino index $bidx, $bn events)|SELECT * FROM events WHERE ino = ? AND findex = ? ORDER BY ts|$bino $bidx"
	"one folio, quiet (ino $qino index $qidx, $qn events)|SELECT * FROM events WHERE ino = ? AND findex = ? ORDER BY ts|$qino $qidx"
	"full scan of events_v|SELECT * FROM events_v"
)
# literal SQL BINDS: the ?s replaced by the integers, in order
literal() {
	local s=$1 b
	for b in $2; do s=${s/\?/$b}; done
	echo "$s"
}
# inproc DB SQL BINDS [EXT]: "best_ms rows checksum" of query_bench
inproc() {
	local args=() b
	for b in $3; do args+=(-i "$b"); done
	[ -n "${4:-}" ] && args+=(-x "$4")
	"${TO[@]}" "$QB" -m 1 -t 0.5 "${args[@]}" "$1" "$2" 2>"$tmp/qerr" | awk '{ print $1, $4, $5 }' ||
		{ echo "store bench: query_bench $1: $(cat "$tmp/qerr")" >&2; return 1; }
}

if [ -z "$OLD" ] && [ "$mode" != cli ]; then
	x=''; [ "$mode" = ext ] && x=$EXT
	for q in "${QUERIES[@]}"; do
		IFS='|' read -r label sql binds <<<"$q"
		r=$(inproc "$tmp/new.db" "$sql" "$binds" "$x") || { echo "query $label: failed"; continue; }
		read -r t _ <<<"$r"
		alone "query $label (in-process)" "$t" ms
	done
elif [ -z "$OLD" ]; then
	echo "store: queries: skipped: $skip, and $EXT missing"
elif [ "$mode" = cli ]; then
	echo "store: queries in-process: skipped: $EXT missing and the new events table is virtual;" \
		"CLI figures instead (foliotrace sql --csv on both sides, process start included)"
	for q in "${QUERIES[@]}"; do
		IFS='|' read -r label sql binds <<<"$q"
		s=$(literal "$sql" "$binds")
		NEW_CMD=("${TO[@]}" "$FT" sql --csv "$tmp/new.db" "$s")
		OLD_CMD=("${TO[@]}" "$OLD" sql --csv "$tmp/old.db" "$s")
		r=$(pair : :) || { echo "query $label: failed"; continue; }
		read -r tn to <<<"$r"
		line "query $label (CLI: foliotrace sql --csv)" "$(awk -v t="$tn" 'BEGIN { print t * 1e3 }')" \
			"$(awk -v t="$to" 'BEGIN { print t * 1e3 }')" ms
	done
else
	x=''; [ "$mode" = ext ] && x=$EXT
	echo "store: queries in-process (bench/query_bench: today's and the new runs alternating, 5 x (>= 0.5 s or 1 run), the best run; today with plain SQLite, new with ${x:-plain SQLite: no virtual table yet})"
	for q in "${QUERIES[@]}"; do
		IFS='|' read -r label sql binds <<<"$q"
		tn='' to=''
		for _ in 1 2 3 4 5; do	# alternately, the best of each
			r=$(inproc "$tmp/new.db" "$sql" "$binds" "$x") || { tn=; break; }
			read -r t rn cn <<<"$r"
			tn=$(awk -v a="$t" -v m="$tn" 'BEGIN { print (m == "" || a < m) ? a : m }')
			r=$(inproc "$tmp/old.db" "$sql" "$binds") || { to=; break; }
			read -r t ro co <<<"$r"
			to=$(awk -v a="$t" -v m="$to" 'BEGIN { print (m == "" || a < m) ? a : m }')
		done
		[ -n "$tn" ] && [ -n "$to" ] || { echo "query $label: failed"; continue; }
		line "query $label" "$tn" "$to" ms
		[ "$rn $cn" = "$ro $co" ] ||
			echo "  WRONG: the new store's answer differs from today's: $rn rows, checksum $cn; today $ro rows, checksum $co"
	done
	echo "store: the same through the sqlite3 CLI (process start included, output to /dev/null)"
	cmdx=(); [ "$mode" = ext ] && cmdx=(-cmd ".load ${EXT%.so}")
	for q in "${QUERIES[@]}"; do
		IFS='|' read -r label sql binds <<<"$q"
		s=$(literal "$sql" "$binds")
		NEW_CMD=("${TO[@]}" sqlite3 "${cmdx[@]}" "$tmp/new.db" "$s")
		OLD_CMD=("${TO[@]}" sqlite3 "$tmp/old.db" "$s")
		r=$(pair : :) || { echo "query $label (sqlite3 CLI): failed"; continue; }
		read -r tn to <<<"$r"
		line "query $label (sqlite3 CLI)" "$(awk -v t="$tn" 'BEGIN { print t * 1e3 }')" \
			"$(awk -v t="$to" 'BEGIN { print t * 1e3 }')" ms
	done
fi

# --- analyze, timeline, tui --------------------------------------------------
fresh_new() { cp "$tmp/new.db" "$tmp/new-a.db"; sync; }
fresh_old() { cp "$tmp/old.db" "$tmp/old-a.db"; sync; }
if [ -n "$OLD" ]; then
	NEW_CMD=("${TO[@]}" "$FT" analyze -q "$tmp/new-a.db")
	OLD_CMD=("${TO[@]}" "$OLD" analyze -q "$tmp/old-a.db")
	read -r a_new a_old <<<"$(pair fresh_new fresh_old)"
	line "analyze -q" "$a_new" "$a_old" s
else
	a_new=$(best3 fresh_new "$FT" analyze -q "$tmp/new-a.db")
	alone "analyze -q" "$a_new" s
fi
rm -f "$tmp/new.db" "$tmp/old.db"
win=$(csv1 "$FT" "$tmp/new-a.db" "SELECT id FROM windows ORDER BY id LIMIT 1")
if [ -z "$win" ]; then
	echo "store: timeline: skipped: no window in the bench trace"
else
	wdesc=$(csv1 "$FT" "$tmp/new-a.db" "SELECT 'ino ' || ino || ' pages ' || first_index || '-' || last_index
		FROM windows WHERE id = $win")
	if [ -n "$OLD" ]; then
		odesc=$(csv1 "$OLD" "$tmp/old-a.db" "SELECT 'ino ' || ino || ' pages ' || first_index || '-' || last_index
			FROM windows WHERE id = $win")
		[ "$odesc" = "$wdesc" ] || echo "store: warning: window $win is $wdesc here, $odesc today"
		NEW_CMD=("${TO[@]}" "$FT" timeline --window "$win" "$tmp/new-a.db")
		OLD_CMD=("${TO[@]}" "$OLD" timeline --window "$win" "$tmp/old-a.db")
		read -r tl_new tl_old <<<"$(pair : :)"
		line "timeline --window $win ($wdesc)" "$tl_new" "$tl_old" s
	else
		tl_new=$(best3 : "$FT" timeline --window "$win" "$tmp/new-a.db")
		alone "timeline --window $win ($wdesc)" "$tl_new" s
	fi
fi
if ! command -v tmux >/dev/null; then
	echo "store: tui: skipped: tmux missing"
else
	if [ -z "$OLD" ]; then
		BENCH_TUI_RUNS=${BENCH_TUI_RUNS:-5} FT_BIN=$FT bench/tui.sh --db "$tmp/new-a.db" --name "new"
		echo "store: tui against today: skipped: $skip"
	else
		BENCH_TUI_RUNS=${BENCH_TUI_RUNS:-5} FT_BIN=$FT bench/tui.sh --db "$tmp/new-a.db" --name "new" \
			--raw "$tmp/tui-new" --vs-bin "$OLD" --vs-db "$tmp/old-a.db" --vs-name today \
			--vs-raw "$tmp/tui-old" || echo "store: tui: failed"
		if [ -s "$tmp/tui-new" ] && [ -s "$tmp/tui-old" ]; then
			read -r ffn kn kwn < "$tmp/tui-new"
			read -r ffo ko kwo < "$tmp/tui-old"
			line "tui first frame (median)" "$ffn" "$ffo" ms
			line "tui per key (median)" "$kn" "$ko" ms
			line "tui per key (worst)" "$kwn" "$kwo" ms
		else
			echo "store: tui: no timings"
		fi
	fi
fi

# --- summary -----------------------------------------------------------------
printf 'store: targets met: %d of %d' "$met" $((met + ${#missed[@]}))
if [ ${#missed[@]} -gt 0 ]; then
	printf '; missed:'
	printf ' %s;' "${missed[@]}" | sed 's/;$//'
fi
echo
