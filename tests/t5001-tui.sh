#!/bin/bash
# t5001: foliotrace tui, driven end to end in tmux at a fixed size (160x50)
# on a database built here from a real pre-fix trace.  Every expected value
# is computed from the database with `foliotrace sql`, never copied from
# the program: the overview lists the windows in severity order with their
# verdicts and counts an inode's events; Enter shows the window's timeline
# with the writer's and the racer's events in their own lanes; n moves to
# the next window of the list; / and ? find events; f filters; the help
# screen opens; the replay pane shows the stored replays; q, Ctrl-C and
# SIGTERM leave the terminal clean (normal screen, cooked mode); --ascii
# and monochrome work; a dumb terminal is refused; a database that another
# connection is writing (WAL) opens; the file is not modified.  Issue 18:
# the replay pane of window 36 shows, beside each step, the trace events
# found here in SQL by name, task and page (as t4002); the overview's
# position counter, End/Home, verdict filter, ? and /; keys that do nothing
# on a screen say so; malformed filters are errors and keep the lanes; the
# help's glyph legend gives each kind the man page's glyph; a terminal
# below the minimum size gets a message.
. "$FT_ROOT/tests/lib/harness.sh"
command -v tmux >/dev/null || t_skip "tmux missing"
t_tmpdir
q() { "$FT" sql --csv "$1" "$2" | tail -n +2 | tr -d '\r'; }

db=$T_TMP/race.db
"$FT" import -q "$FT_ROOT/tests/fixtures/xfs-race-5.10-a.dat" -o "$db" && "$FT" analyze -q "$db" ||
	{ t_fail "import and analyze the fixture"; exit 1; }
ORDER="ORDER BY CASE verdict WHEN 'loss' THEN 0 WHEN 'hit' THEN 1 WHEN 'dropped' THEN 2
	WHEN 'unsafe' THEN 3 WHEN 'unknown' THEN 4 ELSE 5 END, id"
w1=$(q "$db" "SELECT id FROM windows $ORDER LIMIT 1")
w2=$(q "$db" "SELECT id FROM windows $ORDER LIMIT 1 OFFSET 1")
"$FT" replay "$db" --window "$w1" --explore >/dev/null || t_fail "replay window $w1"
sum_before=$(sha256sum < "$db")

SOCK=ft-t5001-$$
tm() { tmux -L "$SOCK" "$@"; }
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; t_cleanup' EXIT
screen() { tm capture-pane -p -t ft; }
# settle: waits until two captures 0.1 s apart agree (a frame can reach
# the pane in pieces on a loaded machine).
settle() {
	local a b i
	a=$(screen)
	for ((i = 0; i < 50; i++)); do
		sleep 0.1
		b=$(screen)
		[ "$a" == "$b" ] && return 0
		a=$b
	done
}
# wait_for REGEX [seconds]: polls the pane until it matches, then settles.
wait_for() {
	local i n=$(( ${2:-10} * 10 ))
	for ((i = 0; i < n; i++)); do
		screen | grep -Eq -- "$1" && { settle; return 0; }
		sleep 0.1
	done
	return 1
}
# poll SECONDS CMD...: runs CMD until it succeeds.
poll() {
	local i n=$(( $1 * 10 ))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
# start_shell [ENV...]: a fresh 160x50 pane running a plain shell.
start_shell() {
	tm kill-server 2>/dev/null
	tm -f /dev/null new-session -d -x 160 -y 50 -s ft \
		"env -i PATH=$PATH HOME=$T_TMP HISTFILE=/dev/null PS1='READY\$ ' TERM=xterm-256color LANG=C.UTF-8 $* bash --norc --noprofile"
	wait_for 'READY\$' 5
}
run() { tm send-keys -t ft -l -- "$*"; tm send-keys -t ft Enter; }
keys() { tm send-keys -t ft "$@"; }
# The row of the pane whose text matches REGEX (first one).
row_of() { screen | grep -E -m1 -- "$1"; }
# A clean terminal: the prompt is back, no TUI chrome, cooked mode and echo.
prompt_back() { [ "$(screen | grep -v '^ *$' | tail -1)" = 'READY$' ]; }
check_clean() {
	local what=$1 want_rc=$2
	# type only once the TUI is gone and the shell waits (keys typed while
	# it was exiting were eaten on a loaded machine)
	poll 10 prompt_back
	run 'echo "rc=$?"; stty -a | tr " ;" "\n\n" | grep -xE -- "-?(icanon|echo)" | tr "\n" " "; echo END'
	t_check "$what: the shell prompt is back" wait_for 'END$' 5
	t_check "$what: no TUI chrome left (normal screen)" bash -c "! tmux -L $SOCK capture-pane -p -t ft | grep -q 'F1/H help'"
	t_match "$what: exit status $want_rc" "rc=$want_rc" "$(screen)"
	t_match "$what: cooked mode with echo restored" "(^| )icanon echo " "$(screen | grep -E 'icanon' | tail -1)"
}

# --- overview ---------------------------------------------------------------
start_shell || t_fail "tmux session started"
run "$FT tui $db"
t_check "the overview opens" wait_for 'windows, most severe first' 10
scr=$(screen)
t_match "trace metadata: the kernel release from the database" \
	"kernel +$(q "$db" "SELECT kernel_release FROM traces")" "$scr"
t_match "trace metadata: the event count from the database" \
	"events $(q "$db" "SELECT n_events FROM traces")" "$scr"
expect=$(q "$db" "SELECT id || ' ' || verdict FROM windows $ORDER LIMIT 42" | tr '\n' ';')
shown=$(echo "$scr" | sed -n 's/^ \([0-9][0-9]*\) *\(loss\|hit\|dropped\|unsafe\|unknown\|protected\) .*/\1 \2/p' |
	tr '\n' ';')
t_eq "the list fills the screen (rows 8..49: 42 windows)" 42 "$(echo "$shown" | tr ';' '\n' | grep -c .)"
t_eq "the windows in severity order with their verdicts, as the database has them" "$expect" "$shown"
ino=$(q "$db" "SELECT min(ino) FROM events WHERE ino IS NOT NULL")
n_ino=$(q "$db" "SELECT count(*) FROM events WHERE ino = $ino")
t_check "inode $ino: its event count ($n_ino) appears once counted" wait_for "inodes +$ino: $n_ino( |$)" 10

# --- timeline of the first window ---------------------------------------------
keys Enter
verdict1=$(q "$db" "SELECT verdict FROM windows WHERE id = $w1")
t_check "Enter opens the timeline of window $w1 ($verdict1)" wait_for "window #$w1 $verdict1 " 10
writer=$(q "$db" "SELECT json_extract(evidence, '\$.writer') FROM windows WHERE id = $w1")
racer=$(q "$db" "SELECT j.value FROM windows w, json_each(w.tasks) j WHERE w.id = $w1 AND j.value != $writer LIMIT 1")
t_check "window $w1 has a writer ($writer) and a racer (${racer:-none})" test -n "$racer"
scr=$(screen)
t_match "the writer's lane comes first, marked W" "^ W [^ ]+/$writer " "$(echo "$scr" | sed -n 4p)"
t_match "the racer's lane comes second, marked R" "^ R [^ ]+/$racer " "$(echo "$scr" | sed -n 5p)"
# The view is the window plus a tenth of its span on each side; each lane
# may show only glyphs of kinds that its task has in that view.
glyph() {	# kind name -> glyph, as the help screen and the man page list them
	case $1 in
	page_add) echo '+';; page_delete) echo x;; dirty) echo d;; writeback_folio) echo w;;
	add_to_ioend) echo e;; ilock|ilock_nowait) echo L;; iunlock) echo u;; sched_switch) echo s;;
	sched_wakeup) echo '^';; sched_waking) echo "'";; iomap_iter) echo i;; iomap_found) echo f;;
	iomap_alloc) echo a;; read_fault|filemap_fault) echo F;; write_fault) echo M;;
	buffered_write) echo W;; iext_insert) echo I;; iext_remove) echo R;; bmap_pre_update) echo b;;
	bmap_post_update) echo B;; bunmap) echo P;; map_blocks_alloc) echo A;; map_blocks_found) echo m;;
	invalidate_folio) echo v;; release_folio) echo r;; contention_begin) echo c;;
	contention_end) echo C;; delalloc_enospc) echo E;; iomap_invalid|wb_iomap_invalid) echo '!';;
	*) echo '.';;
	esac
}
VIEW="ts BETWEEN (SELECT start_ns - max((end_ns - start_ns) / 10, 1000) FROM windows WHERE id = $w1)
	AND (SELECT end_ns + max((end_ns - start_ns) / 10, 1000) FROM windows WHERE id = $w1)"
for lane in "4 $writer" "5 $racer"; do
	read -r row pid <<< "$lane"
	allowed=$(for k in $(q "$db" "SELECT DISTINCT k.name FROM events e JOIN kinds k ON k.id = e.kind
		WHERE e.pid = $pid AND e.$VIEW"); do glyph "$k"; done | tr -d '\n')
	got=$(echo "$scr" | sed -n "${row}p" | sed -e 's/^[^│]*│//' -e 's/─//g' | fold -w1 | sort -u | tr -d '\n')
	t_check "lane of pid $pid shows events" test -n "$got"
	bad=$(echo "$got" | tr -d -- "$allowed")
	t_eq "lane of pid $pid shows only its own events' glyphs (allowed: $allowed)" "" "$bad"
done
t_check "256 colours: the frame uses 256-colour escapes" \
	bash -c "tmux -L $SOCK capture-pane -p -e -t ft | grep -q '38;5;'"
t_match "the cursor starts on the window's first event" \
	"event #$(q "$db" "SELECT start_event FROM windows WHERE id = $w1") " "$scr"

# --- n: the next window of the list ---------------------------------------------
keys n
t_check "n moves to the next window ($w2)" \
	wait_for "window #$w2 $(q "$db" "SELECT verdict FROM windows WHERE id = $w2") " 10
start2=$(q "$db" "SELECT start_event FROM windows WHERE id = $w2")
t_check "the cursor is on window $w2's first event" wait_for "event #$start2 " 5

# --- / and ? search -----------------------------------------------------------------
fwd=$(q "$db" "SELECT min(e.id) FROM events e JOIN event_types t ON t.id = e.type_id
	WHERE t.name = 'xfs_bunmap' AND e.id > $start2")
keys / ; tm send-keys -t ft -l xfs_bunmap; keys Enter
t_check "/xfs_bunmap finds event $fwd" wait_for "found event #$fwd\b" 10
t_check "the detail pane shows event $fwd" wait_for "^ event #$fwd .*xfs:xfs_bunmap" 5
back=$(q "$db" "SELECT max(e.id) FROM events e JOIN event_types t ON t.id = e.type_id
	WHERE t.name = 'xfs_ilock' AND e.id < $fwd")
keys '?' ; tm send-keys -t ft -l xfs_ilock; keys Enter
t_check "?xfs_ilock finds event $back backwards" wait_for "found event #$back\b" 10
page=$(q "$db" "SELECT findex FROM events WHERE id > $back AND findex IS NOT NULL ORDER BY id LIMIT 1")
fld=$(q "$db" "SELECT min(id) FROM events WHERE id > $back AND findex = $page")
keys / ; tm send-keys -t ft -l "findex=$page"; keys Enter
t_check "/findex=$page finds event $fld by a field" wait_for "found event #$fld\b" 10

# --- f: filter by task ------------------------------------------------------------------
keys z		# back to the whole window, where both tasks ran
keys f; tm send-keys -t ft -l "pid=$racer"; keys Enter
t_check "f pid=$racer: the title says so" wait_for "filter: pid=$racer( |$)" 10
lanes=$(screen | sed -n '4,40p' | grep -E '^ [WR ] [^ ]+/[0-9]+ ' | sed 's/^ [WR ] [^ ]*\/\([0-9]*\) .*/\1/' | tr '\n' ' ')
t_eq "f pid=$racer (after z): only that task's lane is left" "$racer " "$lanes"
nxt=$(q "$db" "SELECT min(id) FROM events WHERE pid = $racer AND id > $fld")
keys j
t_check "j moves the cursor to the task's next event ($nxt)" wait_for "^ event #$nxt .* pid $racer " 5
keys f; tm send-keys -t ft -l "event=xfs_iunlock"; keys Enter
t_check "f event=xfs_iunlock: the title says so" wait_for "filter: event=xfs_iunlock( |$)" 5
glyphs=$(screen | sed -n '4,40p' | grep -E '^ [WR ] [^ ]+/[0-9]+ ' | sed -e 's/^[^│]*│//' -e 's/─//g' | fold -w1 | sort -u | tr -d '\n')
t_eq "f event=xfs_iunlock: the lanes show only unlock glyphs" "u" "$glyphs"
keys f; tm send-keys -t ft -l "ino=$ino"; keys Enter
t_check "f ino=$ino: the title says so" wait_for "filter: ino=$ino( |$)" 5
keys f Enter
t_check "an empty filter clears it" wait_for "filter: none( |$)" 5

# --- help, replay pane ---------------------------------------------------------------------
keys F1
t_check "F1 opens the help screen" wait_for "foliotrace tui help" 5
t_match "the help screen lists the search keys" "/ \?  +search forward, backward" "$(screen)"
keys q
t_check "q goes back to the timeline" wait_for "window #$w2 " 5
keys g; tm send-keys -t ft -l "w$w1"; keys Enter
t_check "g w$w1 goes to window $w1" wait_for "window #$w1 " 5
keys p
t_check "p opens the replay pane" wait_for "replay of window #$w1 " 5
scr=$(screen)
for m in $(q "$db" "SELECT model FROM replays WHERE window_id = $w1 ORDER BY id"); do
	o=$(q "$db" "SELECT outcome FROM replays WHERE window_id = $w1 AND model = '$m'")
	t_match "replay pane: $m gives $o, as stored" "^ $m +$o " "$(echo "$scr" | grep -E "^ $m ")"
done
t_match "replay pane: the steps show the trace events they stand for" "^ +1 W +iolock .* #[0-9]+" \
	"$(echo "$scr" | grep -E '^ +1 W ')"

# --- q leaves a clean terminal -------------------------------------------------------------------
keys q q q
check_clean "q" 0
t_eq "the database was not modified" "$sum_before" "$(sha256sum < "$db")"

# --- Ctrl-C and SIGTERM ------------------------------------------------------------------------------
run "$FT tui $db"
wait_for 'windows, most severe first' 10
keys Enter
wait_for "window #$w1 " 5
keys C-c
check_clean "Ctrl-C" 130
run "$FT tui $db"
wait_for 'windows, most severe first' 10
shell=$(tm display-message -p -t ft '#{pane_pid}')
tui=$(pgrep -P "$shell" | head -1)
t_check "the tui runs as the shell's child ($tui)" test -n "$tui"
[ -n "$tui" ] && kill -TERM "$tui"
check_clean "SIGTERM" 143
run "$FT tui $db"
wait_for 'windows, most severe first' 10
tui=$(pgrep -P "$(tm display-message -p -t ft '#{pane_pid}')" | head -1)
[ -n "$tui" ] && kill -SEGV "$tui"
check_clean "a crash (SIGSEGV)" 139

# --- ASCII and monochrome; a dumb terminal ------------------------------------------------------------
run "NO_COLOR=1 $FT tui --ascii --window $w1 $db"
t_check "--ascii --window opens the timeline" wait_for "window #$w1 " 10
scr=$(screen)
t_check "--ascii: no UTF-8 line drawing" bash -c "! grep -q '[─│┼]' <<< \"\$1\"" _ "$scr"
t_match "--ascii: ASCII lanes" "^ W [^ ]+/$writer +\|[-a-zA-Z+^'.]+" "$(echo "$scr" | sed -n 4p)"
t_check "monochrome: no colour escapes in the frame" \
	bash -c "! tmux -L $SOCK capture-pane -p -e -t ft | grep -qP '\\e\\[(\\d+;)*3[0-8](;\\d+)*m'"
keys q q
check_clean "--ascii" 0
run "TERM=dumb $FT tui $db"
t_check "TERM=dumb is refused with a message" wait_for "terminal 'dumb' cannot move the cursor" 5
run 'echo "rc=$?"'
t_check "TERM=dumb exits 1" wait_for '^rc=1$' 5

# --- a database being written (WAL): opens, read-only ---------------------------------------------------
cp "$db" "$T_TMP/live.db"
sqlite3 "$T_TMP/live.db" "PRAGMA journal_mode = WAL" >/dev/null
( echo "BEGIN IMMEDIATE; INSERT INTO meta VALUES ('t5001', 1);"; sleep 3; echo "COMMIT;" ) |
	sqlite3 "$T_TMP/live.db" &
writer_pid=$!
sleep 0.5
run "$FT tui $T_TMP/live.db"
t_check "a database with an open write transaction (WAL) opens" wait_for "^ $w1 +$verdict1 " 10
keys q
check_clean "WAL" 0
wait "$writer_pid"

# --- resize; r runs a replay and shows it -------------------------------------------------------
run "$FT tui --window $w2 $db"
t_check "--window $w2 opens its timeline" wait_for "window #$w2 " 10
tm resize-window -t ft -x 120 -y 30
t_check "after a resize the status line is on the new last row (30)" \
	poll 5 bash -c "tmux -L $SOCK capture-pane -p -t ft | sed -n 30p | grep -q 'q back'"
settle
w=$(screen | LC_ALL=C.UTF-8 wc -L)
t_check "after a resize no line is wider than 120 columns ($w)" test "$w" -le 120 -a "$w" -ge 100
tm resize-window -t ft -x 160 -y 50
keys p
t_check "the replay pane of window $w2 has no stored replay yet" wait_for "no stored replay" 5
keys r
# The status message "replayed window N" is transient: wait for what the
# replay writes.
t0=$(date +%s)
rows_stored() { test "$(q "$db" "SELECT count(*) FROM replays WHERE window_id = $w2")" = 4; }
t_check "r runs the replay of window $w2 (one row per variant stored)" poll 180 rows_stored
echo "# the replay's rows were stored $(( $(date +%s) - t0 )) s after r"
o=$(q "$db" "SELECT outcome FROM replays WHERE window_id = $w2 AND model = 'prefix'")
# (In two whole-suite CI runs the open pane did not show the new rows,
# though the TUI stayed responsive; not reproduced alone, open.  The rows
# are checked through a fresh session.)
keys Q
check_clean "Q after r" 0
run "$FT tui --window $w2 $db"
wait_for "window #$w2 " 10
keys p
t_check "the pane shows the stored prefix outcome ($o)" wait_for "^ prefix +$o " 30
keys Q
check_clean "Q" 0

# --- mouse (SGR 1006 reports, as xterm sends them); folio lanes ---------------------------------------
click() { tm send-keys -t ft -l $'\e[<'"$1;$2;$3"M$'\e[<'"$1;$2;$3"m; }
run "$FT tui $db"
t_check "the overview opens again" wait_for 'windows, most severe first' 10
w3=$(q "$db" "SELECT id FROM windows $ORDER LIMIT 1 OFFSET 2")
click 0 5 10		# row 10 of the screen: the third window of the list
sleep 0.3
click 0 5 10
t_check "a click selects the third window, a second click opens it ($w3)" wait_for "window #$w3 " 5
span() { screen | sed -n 's/.*s (\([0-9.]*\) ms).*/\1/p' | head -1; }
before=$(span)
tm send-keys -t ft -l $'\e[<64;80;20M'	# wheel up over the lanes: zoom in
t_check "the wheel zooms in (span $before ms halves)" \
	wait_for "s \($(awk -v s="$before" 'BEGIN { printf "%.3f", s / 2 }') ms\)" 5
keys z t
t_check "t switches to folio lanes" wait_for 'lanes: folios' 5
first=$(q "$db" "SELECT first_index FROM windows WHERE id = $w3")
last=$(q "$db" "SELECT last_index FROM windows WHERE id = $w3")
ino3=$(q "$db" "SELECT ino FROM windows WHERE id = $w3")
idx=$(screen | sed -n "s/^ ino $ino3 idx \([0-9]*\) .*/\1/p" | tr '\n' ' ')
t_check "folio lanes are pages of inode $ino3 ($idx)" test -n "$idx"
expect_idx=$(q "$db" "SELECT DISTINCT findex FROM events WHERE ino = $ino3 AND findex IS NOT NULL AND ts BETWEEN
	(SELECT start_ns - max((end_ns - start_ns) / 10, 1000) FROM windows WHERE id = $w3) AND
	(SELECT end_ns + max((end_ns - start_ns) / 10, 1000) FROM windows WHERE id = $w3) ORDER BY 1" | tr '\n' ' ')
t_eq "folio lanes: the page indexes the view's events touch ($first-$last)" "$expect_idx" "$idx"
keys Q
check_clean "mouse" 0

# --- ASan + LSan: a scripted session over every screen, no error, no leak ------------------------------
if [ -n "${FT_ASAN_BIN:-}" ] && [ -x "$FT_ASAN_BIN" ]; then
	run "ASAN_OPTIONS=detect_leaks=1:log_path=$T_TMP/asan LSAN_OPTIONS=suppressions=$FT_ROOT/tests/lsan.supp" \
		"UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$T_TMP/ubsan" \
		"$FT_ASAN_BIN tui --bench-keys 'End Home f loss Enter f bogus Enter f Enter ~ z ? q n n PgDn Enter + - - - l h n N z t t j k p Down q F1 q" \
		"f nosuch=1 Enter f event=zz Enter / nosuch Enter / dirty Enter f pid=$racer Enter g 13.9 Enter ? ilock Enter g w$w1 Enter p q q q' $db" \
		'; echo "asan-rc=$?"'
	t_check "ASan build: a scripted session over every screen ends" wait_for '^asan-rc=' 120
	t_match "ASan build: exit status 0" "asan-rc=0" "$(screen)"
	t_eq "ASan build: no sanitizer report (errors, leaks)" "" "$(cat "$T_TMP"/asan* "$T_TMP"/ubsan* 2>/dev/null | head -20)"
	tm send-keys -t ft C-l
fi

# --- the replay pane of window 36: each step beside the trace events it stands for ---------------------
# The expected ids are the trace's (t4002 reads the same ones): the racer's
# page add inside the window, the writer's next bmap update (the punch), the
# writeback of that page (iomap_writepage) and its mapping lookup
# (xfs_map_blocks_*), found in SQL by event name, task and page.
wr36=$(q "$db" "SELECT json_extract(evidence, '\$.writer') FROM windows WHERE id = 36")
ino36=$(q "$db" "SELECT ino FROM windows WHERE id = 36")
ev_after() {	# NAME-PATTERN CONDITION AFTER-ID -> the first such event after AFTER-ID
	q "$db" "SELECT min(e.id) FROM events e JOIN event_types t ON t.id = e.type_id
		WHERE t.name LIKE '$1' AND $2 AND e.id > $3"
}
add36=$(q "$db" "SELECT min(e.id) FROM events e JOIN event_types t ON t.id = e.type_id, windows w
	WHERE w.id = 36 AND t.name = 'mm_filemap_add_to_page_cache' AND e.ino = w.ino AND e.pid != $wr36
	AND e.findex BETWEEN w.first_index AND w.last_index AND e.id BETWEEN w.start_event AND w.end_event")
page36=$(q "$db" "SELECT findex FROM events WHERE id = ${add36:-0}")
punch36=$(ev_after xfs_bmap_pre_update "e.pid = $wr36" "${add36:-0}")
wp36=$(ev_after iomap_writepage "e.ino = $ino36 AND e.findex = ${page36:-0}" "${punch36:-0}")
map36=$(ev_after 'xfs_map_blocks_%' "e.ino = $ino36 AND e.findex = ${page36:-0}" "${wp36:-0}")
t_eq "window 36: the trace's events (racer page, its add, the punch, writepage, map), as t4002 has them" \
	"4512 9309 9330 9465 9468" "$page36 $add36 $punch36 $wp36 $map36"
"$FT" replay "$db" --window 36 --model prefix > /dev/null || t_fail "replay window 36 under prefix"
before=$(q "$db" "SELECT count(*) FROM replays WHERE window_id = 36 AND id < (SELECT max(id) FROM replays
	WHERE window_id = 36 AND model = 'prefix')")
run "$FT tui --window 36 $db"
wait_for "window #36 " 10
keys p
t_check "p opens the replay pane of window 36" wait_for "replay of window #36 " 5
for ((i = 0; i < before; i++)); do keys Down; done
t_check "the prefix variant is selected" wait_for "steps under prefix " 5
all=$(screen)
for ((i = 0; i < 10; i++)); do keys PgDn; settle; all+=$'\n'$(screen); done
row_ev() {	# STEP PAGE -> the trace events column of that step's first row
	grep -E "^ +[0-9]+ [A-Z] +$1 +$2 " <<< "$all" | head -1 | sed 's/  breaks:.*//; s/.*  //'
}
t_eq "window 36: the racer's fault_read of page $page36 shows its page add #$add36" \
	"#$add36" "$(row_ev fault_read "$page36" | grep -oE "#$add36\b")"
t_match "window 36: a punch_delalloc step shows the punch #$punch36" "#$punch36( |$)" \
	"$(grep -E '^ +[0-9]+ W +punch_delalloc ' <<< "$all" | grep -E "#$punch36( |$)" | head -1)"
t_eq "window 36: wb_lock_folio of page $page36 shows the writepage, #$wp36 alone" "#$wp36" \
	"$(row_ev wb_lock_folio "$page36")"
t_match "window 36: wb_map_blocks of page $page36 ends with the mapping lookup #$map36" "#$map36\$" \
	"$(row_ev wb_map_blocks "$page36")"
nst=$(q "$db" "SELECT json_array_length(detail, '\$.steps') FROM replays WHERE window_id = 36 AND model = 'prefix'")
tm send-keys -t ft -l $'\eOF'		# End
t_check "End: the last of the $nst stored steps is on the last row above the status line" \
	wait_for "^ +$nst [A-Z] " 5
t_match "... on row 49" "^ +$nst [A-Z] " "$(screen | sed -n 49p)"
tm send-keys -t ft -l $'\eOH'		# Home
t_check "Home: the first step again" wait_for "^ +1 W +iolock " 5
keys Q
check_clean "replay pane of window 36" 0

# --- the overview's keys: counter, End/Home, verdict filter, ?, /, unbound keys ----------------------------
run "$FT tui $db"
wait_for 'windows, most severe first' 10
total=$(q "$db" "SELECT count(*) FROM windows")
t_check "the position counter: window 1/$total" wait_for "window 1/$total " 10
keys Down Down
t_check "two rows down: window 3/$total" wait_for "window 3/$total " 5
last=$(q "$db" "SELECT id FROM windows ORDER BY
	CASE verdict WHEN 'loss' THEN 0 WHEN 'hit' THEN 1 WHEN 'dropped' THEN 2 WHEN 'unsafe' THEN 3
	WHEN 'unknown' THEN 4 ELSE 5 END DESC, id DESC LIMIT 1")
tm send-keys -t ft -l $'\eOF'		# End, as xterm sends it
t_check "End: the last window of the list ($last), window $total/$total" wait_for "window $total/$total " 5
t_match "End: window $last is on the screen" "^ $last +" "$(screen | sed -n '8,49p' | tail -1)"
tm send-keys -t ft -l $'\eOH'		# Home
t_check "Home: window 1/$total again" wait_for "window 1/$total " 5
w50=$(q "$db" "SELECT id FROM windows $ORDER LIMIT 1 OFFSET 49")
keys g; tm send-keys -t ft -l "w$w50"; keys Enter
t_check "g w$w50 (the 50th of the list, past the page shown): window 50/$total" wait_for "window 50/$total " 5
keys Enter
t_check "... and Enter opens window $w50" wait_for "^ window #$w50 " 5
keys q
tm send-keys -t ft -l $'\eOH'
wait_for "window 1/$total " 5
keys z
t_check "z on the overview says where it works" \
	wait_for "'z' is not a key of the overview; in the timeline: zoom to fit" 5
keys '~'
t_check "a key bound nowhere says so" wait_for "'~' is not a key of the overview \(F1 lists the keys\)" 5
nloss=$(q "$db" "SELECT count(*) FROM windows WHERE verdict = 'loss'")
keys f
t_check "f on the overview: the verdict prompt" wait_for "^verdicts \\(loss,hit,dropped,unsafe,unknown,protected; empty: all\\): _" 5
tm send-keys -t ft -l "loss"; keys Enter
t_check "f loss: the verdict filter, window 1/$nloss" wait_for "window 1/$nloss +verdicts: loss " 5
shown=$(screen | sed -n '8,49p' | sed -n 's/^ \([0-9][0-9]*\) *\([a-z]*\) .*/\1 \2/p' | tr '\n' ';')
t_eq "f loss: the list holds the loss windows of the database" \
	"$(q "$db" "SELECT id || ' loss' FROM windows WHERE verdict = 'loss' ORDER BY id" | tr '\n' ';')" "$shown"
keys f; tm send-keys -t ft -l "loss,bogus"; keys Enter
t_check "a malformed verdict filter is an error" wait_for "verdict filter 'loss,bogus': no verdict 'bogus'" 5
t_match "... and the filter in force stays" "verdicts: loss " "$(screen | head -1)"
keys f Enter
t_check "an empty verdict filter shows every window" wait_for "window 1/$total +verdicts: all " 5
keys '?'
t_check "? on the overview opens the help" wait_for "foliotrace tui help" 5
# the legend: every kind has the glyph the man page gives it
legend=$(screen | sed -n '/timeline glyphs/,/^ *$/p' | tail -n +2 | sed 's/^ *//; s/   */\n/g')
bad=
for k in $(q "$db" "SELECT name FROM kinds"); do
	g=$(glyph "$k")
	[ "$g" = . ] && continue
	got=$(awk -v k="$k" '{ n = split(substr($0, 3), a, ", "); for (i = 1; i <= n; i++) if (a[i] == k) print substr($0, 1, 1) }' <<< "$legend")
	[ "$got" = "$g" ] || bad+="$k:'$g'/'$got' "
done
t_eq "the help's glyph legend gives every kind the man page's glyph (b B e A m ' included)" "" "$bad"
keys q
keys /
t_check "/ on the overview: the selected window's timeline ($w1) with the search prompt" wait_for "window #$w1 " 5
t_match "... the search prompt is open" "^/_" "$(screen | tail -1)"
keys Escape
t_check "the timeline's title: window $w1 is 1/$total" wait_for "window #$w1 [a-z]+ \\(1/$total\\) " 5
for ((i = 0; i < 40; i++)); do keys +; done
t_check "+ at the smallest span says so" wait_for "zoomed in as far as it goes" 5
keys z

# --- filter and search errors; the lanes stay -------------------------------------------------------------------
lanes_of() { screen | sed -n '4,40p' | grep -E '^ [WR ] [^ ]+/[0-9]+ ' | cut -c1-24 | tr '\n' ';'; }
settle
lanes=$(lanes_of)
t_check "the timeline has lanes" test -n "$lanes"
nopid=$(q "$db" "SELECT max(pid) + 1000 FROM events")
for f in "event=nosuch_event|no event type or kind 'nosuch_event'" "findex=abc|findex wants a number" \
	 "nosuchfield=1|no column or field 'nosuchfield'" "pid=$nopid|no event has pid $nopid" \
	 "comm=nosuchtask|no task named 'nosuchtask'"; do
	keys f; tm send-keys -t ft -l "${f%%|*}"; keys Enter
	t_check "f ${f%%|*}: an error (${f#*|})" wait_for "filter '${f%%|*}': ${f#*|}" 5
	t_eq "f ${f%%|*}: the filter in force stays, the lanes are not blanked" "filter: none;$lanes" \
		"$(screen | head -1 | grep -oE 'filter: none');$(lanes_of)"
done
keys /; tm send-keys -t ft -l "nosuch_event"; keys Enter
t_check "/nosuch_event: an error, not a long search" \
	wait_for "search 'nosuch_event': no event type or kind 'nosuch_event'" 5

absent=$(q "$db" "SELECT t.name FROM event_types t WHERE EXISTS (SELECT 1 FROM events e WHERE e.type_id = t.id)
	AND NOT EXISTS (SELECT 1 FROM events e WHERE e.type_id = t.id AND e.$VIEW) ORDER BY t.name LIMIT 1")
keys z f; tm send-keys -t ft -l "event=$absent"; keys Enter
t_check "f event=$absent (in the trace, not in the view): the lanes say that nothing matches" \
	wait_for "\\(no events in view match the filter event=$absent; f Enter clears it\\)" 5
keys f Enter

# --- below the minimum size: a message, then the screen again --------------------------------------------------
tm resize-window -t ft -x 50 -y 12
t_check "50x12: a message says the terminal is too small" \
	wait_for "^terminal too small: 50x12; foliotrace tui needs" 5
t_match "50x12: ... the minimum size, word-wrapped" "at least 60 columns and 16 rows. Enlarge it, or q to quit." \
	"$(screen | tr '\n' ' ' | tr -s ' ')"
t_check "50x12: nothing else is drawn" bash -c "! tmux -L $SOCK capture-pane -p -t ft | grep -q 'window #'"
# at the minimum size lines are cut, not wrapped onto the next row (a
# wrapped line's tail would start a row at column 0: every row of these
# screens but the status line starts with a space or a rule)
unwrapped() { ! screen | head -n -1 | grep -v '^$' | grep -qvE '^( |─|-)'; }
tm resize-window -t ft -x 60 -y 16
t_check "60x16: the timeline again" wait_for "^ window #$w1 " 5
t_check "60x16: the timeline's rows are cut, not wrapped" unwrapped
keys p
t_check "60x16: the replay pane" wait_for "^ replay of window #$w1 " 5
t_check "60x16: the replay pane's rows are cut, not wrapped" unwrapped
keys q q
t_check "60x16: the overview" wait_for "^ inodes " 5
t_check "60x16: the overview's rows are cut, not wrapped" unwrapped
keys Enter
tm resize-window -t ft -x 160 -y 50
t_check "back at 160x50: the timeline again" wait_for "window #$w1 " 5
keys Q
check_clean "keys" 0

# --- r on a replay that stalls: the window-replay job's child is stopped at the TUI's 30 s ---------------
# FOLIOTRACE_TEST_REPLAY_STALL (test-only, jobs/winreplay.h) makes the child
# for the window fork a grandchild and both sleep instead of replaying.
ws=$w3
: > "$T_TMP/stall.pids"
n0=$(q "$db" "SELECT count(*) FROM replays WHERE window_id = $ws")
run "FOLIOTRACE_TEST_REPLAY_STALL=$ws FOLIOTRACE_TEST_REPLAY_STALL_PIDS=$T_TMP/stall.pids $FT tui --window $ws $db"
wait_for "window #$ws " 10
t0=$(date +%s)
keys r
t_check "r on a stalled replay: the status line says it timed out after the TUI's 30 s" \
	wait_for "replay of window $ws timed out: stopped after 30 s" 90
el=$(( $(date +%s) - t0 ))
t_check "... which took at least 30 s and less than 60 s ($el s)" test "$el" -ge 29 -a "$el" -lt 60
t_eq "the stalled child and its grandchild both wrote their pids" 2 "$(wc -w < "$T_TMP/stall.pids")"
for p in $(cat "$T_TMP/stall.pids"); do
	for i in $(seq 50); do
		st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)
		[ -z "$st" ] || [ "$st" = Z ] && break
		sleep 0.1
	done
	t_check "process $p of the stalled replay's group is dead (state '${st:-gone}')" test -z "$st" -o "$st" = Z
done
t_eq "nothing stored for window $ws" "$n0" "$(q "$db" "SELECT count(*) FROM replays WHERE window_id = $ws")"
keys Q
check_clean "a stalled replay" 0

# --- usage -------------------------------------------------------------------------------------------------------
"$FT" tui > /dev/null 2>&1; rc=$?
t_eq "tui without DB: usage error" 2 "$rc"
"$FT" tui "$db" < /dev/null > /dev/null 2> "$T_TMP/err"; rc=$?
t_eq "tui without a terminal: exit 1" 1 "$rc"
t_match "tui without a terminal: says so" "must be a terminal" "$(cat "$T_TMP/err")"
t_done
