#!/bin/bash
# t1007: hostile strings never reach the terminal raw.  A database imported
# from a real trace is given, with sqlite3, the strings a hostile trace or
# file can carry: a task named with an OSC title-set and a CSI screen clear
# (what prctl(PR_SET_NAME) allows), a raw 8-bit CSI (0x9b), a C1 CSI encoded
# in UTF-8 (U+009B), an invalid UTF-8 byte, in tasks.comm, traces.host and
# kernel_release, event_types.name, windows.family/verdict/evidence.  Then
# windows, info, timeline, sql (table), replay --window and the error path
# print no ESC (0x1b) and no 0x9b byte while the escaped text (\x1b]0;...)
# is visible; the JSON outputs are valid JSON with the escapes and keep valid
# UTF-8 as is; sql --csv to a file keeps the bytes exactly; the TUI (tmux)
# shows the escaped text, its window title is not set and the raw stream to
# the terminal holds none of the hostile sequences.
. "$FT_ROOT/tests/lib/harness.sh"
command -v sqlite3 >/dev/null || t_skip "sqlite3 missing"
t_tmpdir
export LC_ALL=C.UTF-8

db=$T_TMP/hostile.db
"$FT" import -q "$FT_ROOT/tests/fixtures/xfs-race-5.10-a.dat" -o "$db" && "$FT" analyze -q "$db" ||
	{ t_fail "import and analyze the fixture"; exit 1; }
ORDER="ORDER BY CASE verdict WHEN 'loss' THEN 0 WHEN 'hit' THEN 1 WHEN 'dropped' THEN 2
	WHEN 'unsafe' THEN 3 WHEN 'unknown' THEN 4 ELSE 5 END, id"
w1=$(sqlite3 "$db" "SELECT id FROM windows $ORDER LIMIT 1")
racer=$(sqlite3 "$db" "SELECT j.value FROM windows w, json_each(w.tasks) j WHERE w.id = $w1
	AND j.value != json_extract(w.evidence, '\$.writer') LIMIT 1")
ino=$(sqlite3 "$db" "SELECT ino FROM windows WHERE id = $w1")
idx=$(sqlite3 "$db" "SELECT first_index FROM windows WHERE id = $w1")
# ESC ] 0 ; pwned BEL  ESC [ 2 J : set the window title, clear the screen
OSC="char(27) || ']0;pwned' || char(7) || char(27) || '[2J'"
sqlite3 "$db" "
	UPDATE tasks SET comm = $OSC || 'evil' WHERE pid = $racer;
	UPDATE traces SET host = $OSC || 'host', kernel_release = 'k' || CAST(x'9b324a' AS TEXT) || 'rel';
	UPDATE event_types SET name = name || char(155) || '2J' WHERE name = 'mm_filemap_add_to_page_cache';
	UPDATE windows SET evidence = json_set(evidence, '\$.racing',
		char(27) || '[2Jracer ' || char(155) || '2J caf' || char(233)) WHERE id = $w1;
	UPDATE windows SET family = family || char(27) || '[31m' WHERE id != $w1;" ||
	{ t_fail "make the database hostile"; exit 1; }

# no ESC, no 8-bit CSI (raw 0x9b, or U+009B encoded c2 9b)
inert() { ! LC_ALL=C grep -q $'\x1b\|\x9b' "$1"; }

"$FT" windows "$db" > "$T_TMP/windows.out" 2>&1; rc=$?
t_eq "windows exits 0" 0 "$rc"
t_check "windows: no ESC or 0x9b reaches the output" inert "$T_TMP/windows.out"
t_check "windows: the evidence is shown escaped" grep -qF '\x1b[2Jracer \u009b2J café' "$T_TMP/windows.out"
t_check "windows: the family is shown escaped" grep -qF '\x1b[31m' "$T_TMP/windows.out"

"$FT" info "$db" > "$T_TMP/info.out" 2>&1; rc=$?
t_eq "info exits 0" 0 "$rc"
t_check "info: no ESC or 0x9b reaches the output" inert "$T_TMP/info.out"
t_check "info: the host is shown escaped" grep -qF 'host      \x1b]0;pwned\x07\x1b[2Jhost' "$T_TMP/info.out"
t_check "info: the raw 8-bit CSI is shown as \\x9b" grep -qF 'kernel    k\x9b2Jrel' "$T_TMP/info.out"
t_check "info: the event name is shown escaped" grep -qF 'mm_filemap_add_to_page_cache\u009b2J' "$T_TMP/info.out"

"$FT" timeline --ino "$ino" --index "$idx" "$db" > "$T_TMP/timeline.out" 2>&1; rc=$?
t_eq "timeline exits 0" 0 "$rc"
t_check "timeline: no ESC or 0x9b reaches the output" inert "$T_TMP/timeline.out"
t_check "timeline: the racer's comm is shown escaped in its lane heading" \
	grep -qF '\x1b]0;pwned' "$T_TMP/timeline.out"
t_check "timeline: a long lane heading is whole when piped (escaped comm, then its pid)" \
	grep -qF "\\x1b]0;pwned\\x07\\x1b[2Jevil/$racer " "$T_TMP/timeline.out"

"$FT" sql "$db" "SELECT pid, comm FROM tasks WHERE pid = $racer UNION ALL
	SELECT 0, kernel_release FROM traces" > "$T_TMP/sql.out" 2>&1; rc=$?
t_eq "sql exits 0" 0 "$rc"
t_check "sql (table): no ESC or 0x9b reaches the output" inert "$T_TMP/sql.out"
t_check "sql (table): the comm is shown escaped" grep -qF '\x1b]0;pwned\x07\x1b[2Jevil' "$T_TMP/sql.out"
"$FT" sql "$db" "SELECT 1 AS \"$(printf '\033[2J')\"" > "$T_TMP/sqlcol.out" 2>&1
t_check "sql (table): a hostile column name is shown escaped" inert "$T_TMP/sqlcol.out"
"$FT" sql "$db" "SELECT * FROM \"$(printf 'x\033]0;pwned\007')\"" > "$T_TMP/sqlerr.out" 2>&1; rc=$?
t_eq "sql: an error quoting hostile text exits 1" 1 "$rc"
t_check "sql: the error message is made safe too" inert "$T_TMP/sqlerr.out"
t_check "sql: the error message shows the escaped name" grep -qF 'x\x1b]0;pwned\x07' "$T_TMP/sqlerr.out"

"$FT" replay "$db" --window "$w1" > "$T_TMP/replay.out" 2>&1
t_check "replay --window: no ESC or 0x9b reaches the output" inert "$T_TMP/replay.out"
t_check "replay --window: the window is replayed" grep -q "^window $w1: " "$T_TMP/replay.out"

# JSON: valid, escaped the JSON way, valid UTF-8 kept as is
for c in "windows --json" "info --json" "timeline --json --ino $ino --index $idx" "sql --json"; do
	set -- $c
	if [ "$1" == sql ]; then
		"$FT" sql --json "$db" "SELECT comm, 'caf' || char(233) AS u FROM tasks WHERE pid = $racer" \
			> "$T_TMP/j.out" 2>&1
	else
		"$FT" $c "$db" > "$T_TMP/j.out" 2>&1
	fi
	t_check "$c: no ESC or 0x9b reaches the output" inert "$T_TMP/j.out"
	t_check "$c: valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T_TMP/j.out"
done
"$FT" windows --json "$db" > "$T_TMP/wj.out"
t_check "windows --json: the evidence escapes ESC and U+009B and keeps é" \
	grep -qF '\u001b[2Jracer \u009b2J café' "$T_TMP/wj.out"
"$FT" sql --json "$db" "SELECT 'caf' || char(233) || ' 中' AS u, CAST(x'ff41' AS TEXT) AS b" > "$T_TMP/u.out"
t_eq "sql --json: valid UTF-8 as is, an invalid byte as \\ufffd" '[{"u":"café 中","b":"\ufffdA"}]' \
	"$(cat "$T_TMP/u.out")"

# CSV to a file: the data, exactly
"$FT" sql --csv "$db" "SELECT comm FROM tasks WHERE pid = $racer" > "$T_TMP/csv.out"
want=$(printf 'comm\r\n\033]0;pwned\007\033[2Jevil\r\n' | od -An -tx1)
t_eq "sql --csv to a file keeps the bytes of the database" "$want" "$(od -An -tx1 < "$T_TMP/csv.out")"
if command -v script >/dev/null; then
	script -qec "$FT sql --csv $db 'SELECT comm FROM tasks WHERE pid = $racer'" /dev/null \
		> "$T_TMP/csvtty.out" 2>&1
	t_check "sql --csv on a terminal: escaped" grep -qF '\x1b]0;pwned' "$T_TMP/csvtty.out"
	t_check "sql --csv on a terminal: no ESC" inert "$T_TMP/csvtty.out"
fi

# HTML report and Perfetto export: valid UTF-8 as is (it was mangled into
# Latin-1 code points / per-byte escapes), no raw ESC or C1
u=$T_TMP/utf8.db
"$FT" import -q "$FT_ROOT/tests/fixtures/xfs-race-5.10-a.dat" -o "$u" && "$FT" analyze -q "$u" ||
	t_fail "import the fixture again"
sqlite3 "$u" "UPDATE tasks SET comm = 'café中' || char(27) || '[2J' || char(155)" ||
	t_fail "give the tasks UTF-8 names"
"$FT" report --no-replay -q "$u" -o "$T_TMP/u.html"; rc=$?
t_eq "report of UTF-8 comms exits 0" 0 "$rc"
t_check "report: UTF-8 comm kept as is in HTML" grep -qF 'café中' "$T_TMP/u.html"
t_check "report: no ESC or 0x9b in the HTML" inert "$T_TMP/u.html"
t_check "report: the C1 control shown as \\u009b" grep -qF '\u009b' "$T_TMP/u.html"
"$FT" export -q "$u" -o "$T_TMP/u.json"; rc=$?
t_eq "export of UTF-8 comms exits 0" 0 "$rc"
t_check "export: UTF-8 comm kept as is in the Perfetto JSON" grep -qF 'café中\u001b[2J\u009b' "$T_TMP/u.json"
t_check "export: valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T_TMP/u.json"

# --- the TUI, in tmux --------------------------------------------------------
if ! command -v tmux >/dev/null; then
	echo "skipped: tmux missing (TUI part)"
	t_done
	exit
fi
SOCK=ft-t1007-$$
tm() { tmux -L "$SOCK" "$@"; }
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; t_cleanup' EXIT
screen() { tm capture-pane -p -t ft; }
wait_for() {
	local i n=$(( ${2:-10} * 10 ))
	for ((i = 0; i < n; i++)); do
		screen | grep -Eq -- "$1" && { sleep 0.3; return 0; }
		sleep 0.1
	done
	return 1
}
tm -f /dev/null new-session -d -x 160 -y 50 -s ft \
	"env -i PATH=$PATH HOME=$T_TMP HISTFILE=/dev/null PS1='READY\$ ' TERM=xterm-256color LANG=C.UTF-8 bash --norc --noprofile"
tm set-option -t ft allow-rename off 2>/dev/null
wait_for 'READY\$' 5 || t_fail "tmux session started"
tm pipe-pane -t ft -o "cat >> $T_TMP/tui.raw"
tm send-keys -t ft -l -- "$FT tui $db"; tm send-keys -t ft Enter
t_check "tui: the overview opens" wait_for 'windows, most severe first' 10
t_check "tui: the host is shown escaped" wait_for 'host \\x1b]0;pwned\\x07' 5
tm send-keys -t ft Enter
t_check "tui: the timeline shows the racer's comm escaped" wait_for '\\x1b]0;pwned' 10
t_eq "tui: the pane's title was not set by the trace" 0 "$(tm display -p -t ft '#{pane_title}' | grep -c pwned)"
tm send-keys -t ft q
wait_for 'READY\$' 5
tm pipe-pane -t ft
t_check "tui: the raw output holds no OSC title-set from the file" \
	bash -c "! LC_ALL=C grep -qF \$'\\033]0;pwned' '$T_TMP/tui.raw'"
t_check "tui: the raw output holds no 8-bit CSI from the file" \
	bash -c "! LC_ALL=C grep -q \$'\\x9b2J\\|\\xc2\\x9b' '$T_TMP/tui.raw'"
t_check "tui: the raw output holds the escaped text" grep -qF '\x1b]0;pwned' "$T_TMP/tui.raw"
t_done
