#!/bin/bash
# t3001: analyze on the real post-fix traces (6.18): every delalloc punch of
# every short write is found as a window (counted independently here from
# the events, and against the workload's parameters), none is hit or loss,
# each is protected by the implied invalidate_lock; windows/timeline
# outputs; running analyze twice gives the same tables; refusals.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
for v in v7 v6; do
	fix=$FT_ROOT/tests/fixtures/xfs-shortwrite-$v
	db=$T_TMP/$v.db
	"$FT" import -q "$fix.dat" -o "$db" || { t_fail "$v: import"; continue; }
	out=$("$FT" analyze "$db"); rc=$?
	t_eq "$v: analyze exits 0" 0 "$rc"
	t_match "$v: analyze names the code variant" "code variant upstream" "$out"
	q() { "$FT" sql --csv "$db" "$1" | tail -n +2 | tr -d '\r'; }
	ino=$(sed -n 's/^ino=//p' "$fix.workload")
	short=$(sed -n 's/^short_writes=//p' "$fix.workload")
	punches=$(q "SELECT count(*) FROM events_v WHERE event = 'xfs_ilock' AND caller =
		'xfs_bmap_punch_delalloc_range' AND ino = $ino")
	t_eq "$v: one window per delalloc punch ($punches)" "$punches" \
		"$(q "SELECT count(*) FROM windows WHERE ino = $ino")"
	# Each short write's windows share its buffered write: count writes.
	t_eq "$v: the windows belong to short_writes distinct writes" "$short" \
		"$(q "SELECT count(DISTINCT (SELECT max(b.id) FROM events_v b WHERE b.event =
		      'xfs_file_buffered_write' AND b.id < w.start_event)) AS n FROM windows w")"
	t_eq "$v: no window is hit or loss on a post-fix kernel" 0 \
		"$(q "SELECT count(*) FROM windows WHERE verdict IN ('hit', 'loss', 'dropped')")"
	t_eq "$v: every window protected by the implied invalidate_lock" "$punches" \
		"$(q "SELECT count(*) FROM windows WHERE verdict = 'protected' AND evidence LIKE '%implied%'")"
	# The window's range is the short write's unwritten tail: pages
	# [W+G+K, W+G+P) of each region.
	kv() { sed -n "s/^$1=//p" "$fix.workload"; }
	W=$(kv full_pages) G=$(kv gap_pages) K=$(kv pages_copied) P=$(kv pages_per_write) R=$(kv region_pages)
	t_eq "$v: window ranges are the short writes' unwritten tails" 0 \
		"$(q "SELECT count(*) FROM windows WHERE first_index % $R != $((W + G + K)) OR
		      last_index % $R != $((W + G + P - 1))")"
	json=$("$FT" windows --json "$db")
	t_match "$v: windows --json has the documented keys" \
		'"id":[0-9]+,"family":"delalloc_punch","verdict":"protected","dev":"7:0","ino":[0-9]+,"start_ns":[0-9]+,"end_ns":[0-9]+' "$json"
	t_match "$v: windows --verdict filters" "no windows with verdict hit" "$("$FT" windows --verdict hit "$db")"
	# timeline of the first window's first page
	idx=$(q "SELECT first_index FROM windows ORDER BY id LIMIT 1")
	tl=$("$FT" timeline --ino "$ino" --index "$idx" "$db")
	t_match "$v: timeline shows the reservation, the punch and the store" \
		"xfs_iomap_alloc.*delalloc" "$tl"
	t_match "$v: timeline shows the mmap store dirtying the page" "writeback_dirty_folio|xfs_write_fault" "$tl"
	tj=$("$FT" timeline --json --ino "$ino" --index "$idx" "$db")
	t_match "$v: timeline --json" '^\[\{"id":[0-9]+,"ts":[0-9]+,"pid":[0-9]+' "$tj"
	# every --json output parses as JSON
	if command -v python3 >/dev/null; then
		for cmd in "info --json $db" "windows --json $db" "timeline --json --ino $ino $db" \
			   "sql --json $db SELECT\ *\ FROM\ events_v\ LIMIT\ 50"; do
			# shellcheck disable=SC2086
			eval "\"\$FT\" $cmd" > "$T_TMP/out.json"
			t_check "$v: '$cmd' is valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T_TMP/out.json"
		done
	fi
	# idempotent
	before=$(q "SELECT group_concat(id || verdict || start_event || end_event, ',') FROM windows")
	e1=$(q "SELECT count(*) FROM hb_edges") f1=$(q "SELECT count(*) FROM folios")
	"$FT" analyze -q "$db"
	t_eq "$v: analyze twice: same windows" "$before" \
		"$(q "SELECT group_concat(id || verdict || start_event || end_event, ',') FROM windows")"
	t_eq "$v: analyze twice: same edges and folios" "$e1/$f1" \
		"$(q "SELECT count(*) FROM hb_edges")/$(q "SELECT count(*) FROM folios")"
	t_check "$v: folio lifetimes recorded" test "$f1" -gt 0
done
# Refusals: a foreign database, a database without a complete trace.
sqlite3 "$T_TMP/foreign.db" "CREATE TABLE x(y)"
"$FT" analyze "$T_TMP/foreign.db" 2>"$T_TMP/err"; rc=$?
t_eq "analyze of a foreign database: exit 1" 1 "$rc"
t_match "analyze of a foreign database: one clear line" "not a foliotrace database" "$(cat "$T_TMP/err")"
# A damaged event block: a clear error naming the block, the previous
# results untouched.
cp "$T_TMP/v6.db" "$T_TMP/bad.db"
before=$("$FT" sql --csv "$T_TMP/bad.db" "SELECT count(*) || verdict FROM windows GROUP BY verdict")
blk=$("$FT" sql --csv "$T_TMP/bad.db" "SELECT min(first_id) FROM event_blocks" | tail -1 | tr -d '\r')
sqlite3 "$T_TMP/bad.db" "UPDATE event_blocks SET data = substr(data, 1, length(data) / 2) WHERE first_id = $blk"
"$FT" analyze "$T_TMP/bad.db" 2>"$T_TMP/err"; rc=$?
t_eq "analyze of a damaged event block: exit 1" 1 "$rc"
t_match "analyze of a damaged event block: one line naming the block" \
	"^foliotrace: .*bad.db: event block $blk is corrupt$" "$(cat "$T_TMP/err")"
t_eq "analyze of a damaged event block: previous results kept" "$before" \
	"$("$FT" sql --csv "$T_TMP/bad.db" "SELECT count(*) || verdict FROM windows GROUP BY verdict")"
t_done
