#!/bin/bash
# t1010: a damaged database ends every reading command with one error line
# naming the file, never with output that looks complete.  An imported and
# analysed real trace is damaged page by page (the header of one b-tree
# page overwritten, so that SQLite answers SQLITE_CORRUPT when a query
# reaches that page, not when the file is opened): a leaf of event_blocks
# (where the events are stored; schema 3's events table is a virtual table
# over it) in the middle of the trace (the leaf holding the first listed
# window's first event), the second leaf of the windows table, the page of
# the tasks table.  report,
# export (perfetto and csv), timeline, replay --window, windows, info and
# tui (scripted keys, in a pseudo-terminal) must exit non-zero with one
# error line naming the file, and report and export must leave no output
# file.  Each damage is first shown to be real: PRAGMA integrity_check
# fails and a full scan of the table errors.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
q() { "$FT" sql --csv "$1" "$2" | tail -n +2 | tr -d '\r'; }

good=$T_TMP/good.db
"$FT" import -q "$FT_ROOT/tests/fixtures/xfs-race-5.10-a.dat" -o "$good" && "$FT" analyze -q "$good" ||
	{ t_fail "import and analyze the fixture"; exit 1; }
ORDER="ORDER BY CASE verdict WHEN 'loss' THEN 0 WHEN 'hit' THEN 1 WHEN 'dropped' THEN 2
	WHEN 'unsafe' THEN 3 WHEN 'unknown' THEN 4 ELSE 5 END, id"
win=$(q "$good" "SELECT id FROM windows $ORDER LIMIT 1")
start=$(q "$good" "SELECT start_event FROM windows WHERE id = $win")
ino=$(q "$good" "SELECT ino FROM windows WHERE id = $win")
index=$(q "$good" "SELECT first_index FROM windows WHERE id = $win")
psize=$(q "$good" "PRAGMA page_size")
[ -n "$win" ] && [ -n "$start" ] && [ -n "$psize" ] || { t_fail "the fixture's first window"; exit 1; }
# dbstat lists a table's leaves in key order (path); event_blocks rows are
# keyed by their first event id, so the block that holds event $start is
# cell number pos (the blocks whose first id is <= $start) in key order,
# and the running count of cells finds its leaf (not the first leaf).
t_eq "event $start is in a block (first_id <= id < first_id + n_events)" 1 \
	"$(q "$good" "SELECT count(*) FROM event_blocks WHERE first_id <= $start AND
		$start < first_id + n_events")"
pos=$(q "$good" "SELECT count(*) FROM event_blocks WHERE first_id <= $start")
ev_page=$(q "$good" "SELECT pageno FROM (SELECT pageno, ncell, sum(ncell) OVER (ORDER BY path) AS c,
	row_number() OVER (ORDER BY path) AS i FROM dbstat WHERE name = 'event_blocks' AND
	pagetype = 'leaf') WHERE c >= $pos AND c - ncell < $pos AND i > 1")
win_page=$(q "$good" "SELECT pageno FROM dbstat WHERE name = 'windows' AND pagetype = 'leaf'
	ORDER BY path LIMIT 1 OFFSET 1")
task_page=$(q "$good" "SELECT pageno FROM dbstat WHERE name = 'tasks' ORDER BY path LIMIT 1")
[ -n "$ev_page" ] && [ -n "$win_page" ] && [ -n "$task_page" ] ||
	{ t_fail "pages to damage (events '$ev_page', windows '$win_page', tasks '$task_page')"; exit 1; }

# damage NAME PAGE: a copy of the database with PAGE's first 100 bytes
# (the b-tree page header: type 0xff is none) overwritten.
damage() {
	local db=$T_TMP/$1.db
	cp "$good" "$db"
	head -c 100 /dev/zero | tr '\0' '\377' |
		dd of="$db" bs=1 seek=$(( ($2 - 1) * psize )) conv=notrunc status=none
	echo "$db"
}

# fails DESC DB OUT CMD...: exits non-zero, one line on stderr naming DB,
# stdout holds no error, no OUT (or OUT* for csv pairs) left behind.
fails() {
	local d=$1 db=$2 out=$3 rc err lines
	shift 3
	"$@" > "$T_TMP/stdout" 2> "$T_TMP/stderr"; rc=$?
	err=$(cat "$T_TMP/stderr")
	lines=$(grep -c '' "$T_TMP/stderr")
	if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ] && [[ $err == *"$db"* ]]; then
		t_ok "$d: status $rc, one line naming the file"
	else
		t_fail "$d: status $rc, $lines stderr lines: '$err'"
	fi
	if [ -n "$out" ]; then
		t_eq "$d: no output file left" "" "$(ls -d "$out"* 2>/dev/null)"
	fi
}

# tui in a pseudo-terminal (script), keys from --bench-keys; its stderr
# goes to a file of its own.
tui_fails() {
	local d=$1 db=$2 rc err lines
	shift 2
	TERM=xterm LINES=50 COLUMNS=160 script -qec \
		"$(printf '%q ' "$FT" tui "$@" "$db") 2> $(printf '%q' "$T_TMP/tui.err")" \
		/dev/null > /dev/null 2>&1; rc=$?
	err=$(cat "$T_TMP/tui.err")
	lines=$(grep -c '' "$T_TMP/tui.err")
	if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ] && [[ $err == *"$db"* ]]; then
		t_ok "$d: status $rc, one line naming the file"
	else
		t_fail "$d: status $rc, $lines stderr lines: '$err'"
	fi
}

command -v script > /dev/null && have_script=1 || have_script=
[ -n "$have_script" ] || echo "# script (util-linux) missing: tui cases left out"

# --- the undamaged database: every command below succeeds -----------------------------------
out=$T_TMP/out
t_check "undamaged: report" "$FT" report -q "$good" -o "$out.html"
t_check "undamaged: export" "$FT" export -q "$good" -o "$out.json"
t_check "undamaged: timeline" sh -c '"$0" timeline --ino "$1" --index "$2" "$3" > /dev/null' \
	"$FT" "$ino" "$index" "$good"
if [ -n "$have_script" ]; then
	TERM=xterm LINES=50 COLUMNS=160 script -qec "$(printf '%q ' "$FT" tui --bench-keys \
		'n Enter p q q' "$good")" /dev/null > /dev/null 2>&1
	t_eq "undamaged: tui --bench-keys exits 0" 0 "$?"
fi
rm -f "$out"*

# --- the leaf of event_blocks holding window $win's first event --------------------------------
db=$(damage events "$ev_page")
t_match "events: integrity_check fails" "." "$(q "$db" "PRAGMA integrity_check" 2>/dev/null | grep -v '^ok$')"
# (count(payload): every block read, its payloads unpacked)
"$FT" sql "$db" "SELECT count(payload) FROM events" > /dev/null 2>&1
t_check "events: a full scan of the table errors (status != 0)" test $? -ne 0
t_eq "events: the file still opens and other tables read (not an error at open)" "$(q "$good" "SELECT count(*) FROM windows")" \
	"$(q "$db" "SELECT count(*) FROM windows")"
fails "events: report" "$db" "$out.html" "$FT" report -q "$db" -o "$out.html"
fails "events: export perfetto" "$db" "$out.json" "$FT" export -q "$db" -o "$out.json"
fails "events: export csv" "$db" "$out" "$FT" export -q --format csv "$db" -o "$out"
fails "events: timeline of window $win's folio" "$db" "" \
	"$FT" timeline --ino "$ino" --index "$index" "$db"
fails "events: replay --window $win" "$db" "" "$FT" replay "$db" --window "$win"
[ -n "$have_script" ] && tui_fails "events: tui --window $win" "$db" --window "$win" --bench-keys 'q'

# --- the second leaf of the windows table --------------------------------------------------------
db=$(damage windows "$win_page")
t_match "windows: integrity_check fails" "." "$(q "$db" "PRAGMA integrity_check" 2>/dev/null | grep -v '^ok$')"
fails "windows: report" "$db" "$out.html" "$FT" report -q "$db" -o "$out.html"
fails "windows: export csv windows" "$db" "$out" "$FT" export -q --format csv --what windows "$db" -o "$out"
fails "windows: export perfetto" "$db" "$out.json" "$FT" export -q "$db" -o "$out.json"
fails "windows: windows" "$db" "" "$FT" windows "$db"
fails "windows: info" "$db" "" "$FT" info "$db"
[ -n "$have_script" ] && tui_fails "windows: tui (overview)" "$db" --bench-keys 'q'

# --- the tasks table (one page): single-row reads of a task's name ---------------------------------
db=$(damage tasks "$task_page")
t_match "tasks: integrity_check fails" "." "$(q "$db" "PRAGMA integrity_check" 2>/dev/null | grep -v '^ok$')"
fails "tasks: report (lane names)" "$db" "$out.html" "$FT" report -q "$db" -o "$out.html"
fails "tasks: export perfetto (thread names)" "$db" "$out.json" "$FT" export -q "$db" -o "$out.json"
fails "tasks: timeline (lane names)" "$db" "" "$FT" timeline --ino "$ino" --index "$index" "$db"
[ -n "$have_script" ] && tui_fails "tasks: tui --window $win (lane names)" "$db" --window "$win" --bench-keys 'q'

t_done
