#!/bin/bash
# t1006: the one output discipline (core/durable.h) of import, record,
# report and export, case by case: stale SQLite side files beside OUT,
# -f over a WAL database, devices and FIFOs written into or refused (never
# replaced), OUT = the input refused, the same -f rule everywhere, two
# concurrent runs on one new path, SIGINT/SIGTERM leave no temp file, the
# temps of dead runs swept by exact name, -o 'DIR/*' expands nothing.
# tests/README.md ("Outputs (t1006)") says what each case proves.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
fix=$FT_ROOT/tests/fixtures
small=$fix/xfs-shortwrite-v6.dat
big=$fix/xfs-race-5.10-a.dat
root=0
[ "$(id -u)" -eq 0 ] && root=1
q() { "$FT" sql --csv "$1" "$2" | tail -n +2 | tr -d '\r'; }
sum() { sha256sum < "$1" | cut -c1-64; }
leftovers() { ls -a "$1" | grep -E '\.tmp-[0-9]|\.foliotrace-lock' || true; }
# wait_for FILE REGEX: until FILE matches (60 s at most: a loaded machine)
wait_for() {
	local i
	for i in $(seq 1 1200); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
dead_pid() { sh -c 'echo $$'; }
PAUSE=FOLIOTRACE_TEST_PAUSE_BEFORE_COMMIT

# References: a fresh import of each fixture and an analysed database.
"$FT" import -q "$small" -o "$T_TMP/ref-small.db" || t_fail "reference import"
nsmall=$(q "$T_TMP/ref-small.db" "SELECT count(*) FROM events")
db=$T_TMP/a.db
"$FT" import -q "$big" -o "$db" && "$FT" analyze -q "$db" || t_fail "reference import + analyze"
nbig=$(q "$db" "SELECT count(*) FROM events")
t_check "references: $nsmall and $nbig events" [ "$nsmall" -gt 0 -a "$nbig" -gt "$nsmall" ]

# --- 1. a stale journal beside OUT after a killed analyze -------------------------
d=$T_TMP/j
mkdir "$d"
gen=${FT_BUILD:-$FT_ROOT/build}/gen_synth
if [ -x "$gen" ]; then "$gen" 200000 "$d/base.db" > /dev/null; else cp "$db" "$d/base.db"; fi
for delay in 0.03 0.06 0.1 0.02 0.15 0.2 0.01 0.3; do
	cp "$d/base.db" "$d/t.db"
	"$FT" analyze -q "$d/t.db" > /dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ -s "$d/t.db-journal" ] && break
done
if [ ! -s "$d/t.db-journal" ]; then
	# no kill landed inside a transaction: a killed sqlite3 writer leaves one
	echo "# no killed analyze left a journal; using a killed sqlite3 transaction"
	mkfifo "$d/in"
	sqlite3 "$d/t.db" < "$d/in" > /dev/null 2>&1 &
	spid=$!
	exec 9> "$d/in"
	echo "PRAGMA cache_size = 1; BEGIN; DELETE FROM event_blocks;" >&9
	sleep 1
	kill -9 "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	exec 9>&-
fi
t_check "a killed writer left t.db-journal (hot journal of the old database)" test -s "$d/t.db-journal"
jsum=$(sum "$d/t.db-journal")
rm "$d/t.db"
"$FT" import -q "$big" -o "$d/t.db" 2> "$T_TMP/err"; rc=$?
t_eq "rm DB, re-import without -f beside the stale journal: exit 1" 1 "$rc"
t_match "the message names the journal and -f" "t.db-journal: left by an earlier database.*-f" "$(cat "$T_TMP/err")"
t_check "refused import: no database" test ! -e "$d/t.db"
t_eq "refused import: the journal is untouched" "$jsum" "$(sum "$d/t.db-journal")"
"$FT" import -q -f "$big" -o "$d/t.db" 2> "$T_TMP/err"; rc=$?
t_eq "re-import with -f: exit 0" 0 "$rc"
t_check "re-import with -f: the stale journal is gone" test ! -e "$d/t.db-journal"
t_eq "re-imported database opens clean: integrity_check" ok "$(sqlite3 "$d/t.db" "PRAGMA integrity_check" 2>&1)"
t_eq "re-imported database holds the new trace" "$nbig" "$(q "$d/t.db" "SELECT count(*) FROM events")"
"$FT" analyze -q "$d/t.db"; rc=$?
t_eq "analyze of the re-imported database: exit 0" 0 "$rc"
t_eq "after analyze: integrity_check" ok "$(sqlite3 "$d/t.db" "PRAGMA integrity_check" 2>&1)"
t_eq "no temp or lock file left" "" "$(leftovers "$d")"

# --- 2. -f over a WAL database: the new rows, not the old WAL's ----------------------
# (the WAL's rows: a meta row the fixture's database does not have; the
# events table is a read-only virtual table)
w=$T_TMP/w.db
cp "$db" "$w"
walrow="SELECT count(*) || ':' || coalesce(max(value), '') FROM meta WHERE key = 't1006:wal'"
t_eq "the old database has no WAL row yet" "0:" "$(q "$w" "$walrow")"
sqlite3 "$w" ".dbconfig no_ckpt_on_close on" "PRAGMA journal_mode = WAL" \
	"INSERT INTO meta VALUES ('t1006:wal', 10)" > /dev/null
t_check "the old database has a -wal with uncheckpointed rows" test -s "$w-wal"
t_eq "the old database shows the WAL's rows" "1:10" "$(q "$w" "$walrow")"
# open in another process: refused, nothing changed
wsum=$(sum "$w")
mkfifo "$T_TMP/win"
sqlite3 "$w" < "$T_TMP/win" > /dev/null 2>&1 &
spid=$!
exec 9> "$T_TMP/win"
echo "SELECT count(*) FROM meta;" >&9
sleep 0.5
"$FT" import -q -f "$small" -o "$w" 2> "$T_TMP/err"; rc=$?
t_eq "import -f over a WAL database open in another process: exit 1" 1 "$rc"
t_match "the message says it is open" "w.db: open in another process" "$(cat "$T_TMP/err")"
t_eq "the open database is untouched" "$wsum" "$(sum "$w")"
t_check "its -wal and -shm are still there" test -s "$w-wal" -a -e "$w-shm"
exec 9>&-
wait "$spid" 2>/dev/null
sqlite3 "$w" ".dbconfig no_ckpt_on_close on" "UPDATE meta SET value = 5 WHERE key = 't1006:wal'" > /dev/null
t_check "closed again, the -wal remains" test -s "$w-wal"
"$FT" import -q "$small" -o "$w" 2> /dev/null; rc=$?
t_eq "import without -f over it: exit 1" 1 "$rc"
"$FT" import -q -f "$small" -o "$w"; rc=$?
t_eq "import -f over the WAL database: exit 0" 0 "$rc"
t_check "no -wal or -shm left beside it" test ! -e "$w-wal" -a ! -e "$w-shm"
t_eq "the fresh database serves the new rows" "$nsmall" "$(q "$w" "SELECT count(*) FROM events")"
t_eq "the fresh database has none of the old WAL's rows" "0:" "$(q "$w" "$walrow")"
t_eq "integrity_check" ok "$(sqlite3 "$w" "PRAGMA integrity_check")"

# --- 3. devices and FIFOs --------------------------------------------------------------
if [ "$root" -eq 1 ]; then
	mknod "$T_TMP/null" c 1 3
	"$FT" import -q -f "$small" -o "$T_TMP/null" 2> "$T_TMP/err"; rc=$?
	t_eq "import -f -o CHARDEV: exit 1" 1 "$rc"
	t_match "import -o CHARDEV: says why" "null: is a character device" "$(cat "$T_TMP/err")"
	t_check "import -f -o CHARDEV: still a character device" test -c "$T_TMP/null"
	"$FT" record -q -f -o "$T_TMP/null" -d 1 2> "$T_TMP/err"; rc=$?
	t_eq "record -f -o CHARDEV: exit 1 (before any tracing)" 1 "$rc"
	t_check "record -f -o CHARDEV: still a character device" test -c "$T_TMP/null"
	"$FT" record -q -o "$T_TMP/r.db" --dat "$T_TMP/r.db" -d 1 2> "$T_TMP/err"; rc=$?
	t_eq "record with --dat = -o: exit 1" 1 "$rc"
	t_check "record with --dat = -o: nothing written" test ! -e "$T_TMP/r.db"
	"$FT" report --no-replay "$db" -o "$T_TMP/null"; rc=$?
	t_eq "report -o CHARDEV (no -f): written into, exit 0" 0 "$rc"
	t_check "report -o CHARDEV: still a character device" test -c "$T_TMP/null"
	"$FT" export -q "$db" -o "$T_TMP/null"; rc=$?
	t_eq "export -o CHARDEV: exit 0" 0 "$rc"
	t_check "export -o CHARDEV: still a character device" test -c "$T_TMP/null"
	# the real /dev/null, in a private mount namespace where a mistake stays private
	if unshare -m true 2> /dev/null; then
		# (a rename is no mount operation: /dev itself is a private tmpfs there)
		unshare -m bash -c "mount --make-rprivate / && mount -t tmpfs ft-dev /dev &&
			mknod /dev/null c 1 3 && { '$FT' import -q -f '$small' -o /dev/null;
			echo \$? > '$T_TMP/rc'; test -c /dev/null && echo char > '$T_TMP/kind'; }" 2> /dev/null
		t_eq "import -f -o /dev/null (private namespace): exit 1" 1 "$(cat "$T_TMP/rc")"
		t_eq "/dev/null is still a character device" char "$(cat "$T_TMP/kind" 2> /dev/null)"
	fi
else
	echo "# not root: the character-device cases are left out"
fi
t_check "the real /dev/null is a character device" test -c /dev/null
mkfifo "$T_TMP/fifo"
timeout 60 cat "$T_TMP/fifo" > "$T_TMP/fifo.out" &
cpid=$!
timeout 60 "$FT" report --no-replay "$db" -o "$T_TMP/fifo"; rc=$?
wait "$cpid"
t_eq "report -o FIFO: exit 0" 0 "$rc"
t_check "report -o FIFO: still a FIFO" test -p "$T_TMP/fifo"
t_check "report -o FIFO: the reader got the HTML" grep -q "</html>" "$T_TMP/fifo.out"
timeout 60 cat "$T_TMP/fifo" > "$T_TMP/fifo.out" &
cpid=$!
timeout 60 "$FT" export -q "$db" -o "$T_TMP/fifo"; rc=$?
wait "$cpid"
t_eq "export -o FIFO: exit 0" 0 "$rc"
t_check "export -o FIFO: still a FIFO" test -p "$T_TMP/fifo"
t_match "export -o FIFO: the reader got the JSON" '^\{"displayTimeUnit"' "$(head -c 40 "$T_TMP/fifo.out")"
"$FT" import -q -f "$small" -o "$T_TMP/fifo" 2> /dev/null; rc=$?
t_eq "import -f -o FIFO: refused" 1 "$rc"
t_check "import -f -o FIFO: still a FIFO" test -p "$T_TMP/fifo"
# (a link of our own to /proc/self/fd/1, like /dev/stdout: a broken binary
# that renames over it replaces only this link, never the system's)
ln -s /proc/self/fd/1 "$T_TMP/stdout"
"$FT" report --no-replay "$db" -o "$T_TMP/stdout" | grep -c "</html>" > "$T_TMP/n"
t_eq "report -o a link to /proc/self/fd/1 into a pipe" 1 "$(cat "$T_TMP/n")"
t_check "the link is still a link" test -L "$T_TMP/stdout"
ln -s "$T_TMP/target.html" "$T_TMP/link.html"
echo keep > "$T_TMP/target.html"
"$FT" report -f --no-replay "$db" -o "$T_TMP/link.html" 2> "$T_TMP/err"; rc=$?
t_eq "report -f -o SYMLINK: refused" 1 "$rc"
t_check "report -f -o SYMLINK: the link and its target are untouched" \
	bash -c "test -L '$T_TMP/link.html' && [ \"\$(cat '$T_TMP/target.html')\" = keep ]"

# --- 4. OUT is the input -----------------------------------------------------------------
dsum=$(sum "$db")
for cmd in "report --no-replay" "report -f --no-replay" "export -q" "export -q -f" \
	   "export -q -f --format csv --what events"; do
	"$FT" $cmd "$db" -o "$db" 2> "$T_TMP/err"; rc=$?
	t_eq "$cmd DB -o DB: exit 1" 1 "$rc"
	t_match "$cmd DB -o DB: names both" "a.db: is the input .*a.db" "$(cat "$T_TMP/err")"
done
ln "$db" "$T_TMP/hardlink.db"
"$FT" report -f --no-replay "$db" -o "$T_TMP/hardlink.db" 2> /dev/null; rc=$?
t_eq "report -o a hard link of DB: exit 1" 1 "$rc"
"$FT" report --no-replay "$db" -o - >> "$db" 2> /dev/null; rc=$?
t_eq "report -o - appending to DB itself: exit 1" 1 "$rc"
t_eq "DB intact after all of these (checksum)" "$dsum" "$(sum "$db")"
cp "$small" "$T_TMP/in.dat"
isum=$(sum "$T_TMP/in.dat")
"$FT" import -q -f "$T_TMP/in.dat" -o "$T_TMP/in.dat" 2> /dev/null; rc=$?
t_eq "import -f TRACE -o TRACE: exit 1" 1 "$rc"
t_eq "the trace is intact" "$isum" "$(sum "$T_TMP/in.dat")"

# --- 5. the same -f rule everywhere ---------------------------------------------------------
for c in "report --no-replay:x.html" "export -q:x.json" "export -q --format csv --what windows:x.csv" \
	 "import -q:x.db"; do
	cmd=${c%%:*} out=$T_TMP/${c##*:}
	echo old > "$out"
	if [ "${cmd%% *}" = import ]; then in=$small; else in=$db; fi
	"$FT" $cmd "$in" -o "$out" 2> "$T_TMP/err"; rc=$?
	t_eq "$cmd over an existing file without -f: exit 1" 1 "$rc"
	t_match "$cmd: the same message" "already exists \(use -f to replace it\)" "$(cat "$T_TMP/err")"
	t_eq "$cmd: the file is untouched" old "$(cat "$out")"
	"$FT" $cmd -f "$in" -o "$out"; rc=$?
	t_eq "$cmd -f: exit 0" 0 "$rc"
	t_check "$cmd -f: replaced" bash -c "[ \"\$(head -c 3 '$out')\" != old ] && [ -s '$out' ]"
done
echo old > "$T_TMP/p-windows.csv"
"$FT" export -q --format csv "$db" -o "$T_TMP/p" 2> /dev/null; rc=$?
t_eq "export csv prefix, one of the two exists, no -f: exit 1" 1 "$rc"
t_check "export csv prefix: neither file written" \
	bash -c "test ! -e '$T_TMP/p-events.csv' && [ \"\$(cat '$T_TMP/p-windows.csv')\" = old ]"
"$FT" export -q -f --format csv "$db" -o "$T_TMP/p"; rc=$?
t_eq "export csv prefix with -f: exit 0, both written" "0 ok" \
	"$rc $(test -s "$T_TMP/p-events.csv" && grep -q '^id,' "$T_TMP/p-windows.csv" && echo ok)"
t_eq "no temp or lock file left by these" "" "$(leftovers "$T_TMP")"

# --- 6. two concurrent imports to one new path --------------------------------------------
c=$T_TMP/c.db
env $PAUSE=20 "$FT" import -q "$big" -o "$c" 2> "$T_TMP/errA" &
pa=$!
wait_for "$T_TMP/errA" "test pause" || t_fail "the first import never reached its commit"
"$FT" import -q "$small" -o "$c" 2> "$T_TMP/errB"; rb=$?
"$FT" import -q -f "$small" -o "$c" 2> "$T_TMP/errC"; rc=$?
t_eq "second import while the first writes: exit 1" 1 "$rb"
t_match "second import: says another run writes it" "c.db: another foliotrace \(pid $pa\) is writing it" "$(cat "$T_TMP/errB")"
t_eq "second import with -f: exit 1 too" 1 "$rc"
t_check "nothing at the path yet" test ! -e "$c"
wait "$pa"; ra=$?
t_eq "the first import: exit 0" 0 "$ra"
t_eq "the result is the first import, complete" "$nbig 1 ok" \
	"$(q "$c" "SELECT count(*) FROM events") $(q "$c" "SELECT complete FROM traces") $(sqlite3 "$c" 'PRAGMA integrity_check')"
# and without the pause: really at the same time
ok=0
for i in 1 2 3; do
	rm -f "$c"
	"$FT" import -q "$big" -o "$c" 2> "$T_TMP/e1" & p1=$!
	"$FT" import -q "$small" -o "$c" 2> "$T_TMP/e2" & p2=$!
	wait "$p1"; r1=$?
	wait "$p2"; r2=$?
	n=$(q "$c" "SELECT count(*) FROM events")
	if { [ "$r1$r2" = 01 ] && [ "$n" = "$nbig" ]; } ||
	   { [ "$r1$r2" = 10 ] && [ "$n" = "$nsmall" ]; }; then
		grep -qE "another foliotrace|already exists|created by someone else" "$T_TMP/e1" "$T_TMP/e2" &&
			ok=$((ok + 1))
	else
		echo "# round $i: exits $r1 $r2, $n events"
	fi
done
t_eq "3 rounds of two simultaneous imports: one success, one clear failure, the winner's rows" 3 "$ok"
t_eq "no temp or lock file left" "" "$(leftovers "$T_TMP")"

# --- 7. SIGINT and SIGTERM mid-write: no temp file ------------------------------------------
s=$T_TMP/sig
mkdir "$s"
for sig in INT TERM; do
	want=$((128 + $(kill -l "$sig")))
	for c in "report --no-replay $db:r.html" "export -q $db:e.json" \
		 "export -q --format csv $db:csv" "import -q $big:i.db"; do
		cmd=${c%%:*} out=$s/${c##*:}
		env $PAUSE=20 "$FT" $cmd -o "$out" 2> "$T_TMP/err" &
		pid=$!
		wait_for "$T_TMP/err" "test pause" || t_fail "${cmd%% *}: never reached its commit"
		kill -"$sig" "$pid"
		wait "$pid"; rc=$?
		w=$want
		[ "${cmd%% *}" = import ] && w=130	# import ends itself: 130 either way
		t_eq "${cmd%% *} ${c##*:} SIG$sig before the rename: exit $w" "$w" "$rc"
		t_eq "${cmd%% *} ${c##*:} SIG$sig: nothing in the directory" "" "$(ls -A "$s")"
	done
done
# and a real mid-write kill, as soon as the temp file shows
for sig in INT TERM; do
	"$FT" export -q --format csv "$db" -o "$s/m" &
	pid=$!
	for i in $(seq 1 2000); do ls "$s" | grep -q 'tmp-' && break; done
	kill -"$sig" "$pid" 2> /dev/null
	wait "$pid"
	if [ -e "$s/m-events.csv" ]; then
		echo "# SIG$sig came after the export had finished"
		rm -f "$s"/m-*
	fi
	t_eq "export SIG$sig mid-write: no temp or lock file" "" "$(leftovers "$s")"
done

# --- 8. temps of dead runs: swept by exact name --------------------------------------------
z=$T_TMP/z
mkdir "$z"
dp=$(dead_pid)
sleep 30 &
lp=$!
for n in s.db.tmp-$dp s.db.tmp-$dp-journal s.db.tmp-$dp-wal s.db.tmp-$dp.old-shm s.db.cpu1.tmp-$dp \
	 r.html.tmp-$dp; do
	echo dead > "$z/$n"
done
keep="s.db.tmp-${dp}x s.dbx.tmp-$dp s.db.tmp-$lp other.tmp-$dp s.db.tmp- s.db.tmp-$dp.bak x.s.db.tmp-$dp"
for n in $keep; do echo keep > "$z/$n"; done
"$FT" import -q "$small" -o "$z/s.db"; rc=$?
"$FT" report --no-replay "$db" -o "$z/r.html"; rc2=$?
kill "$lp"
wait "$lp" 2> /dev/null
t_eq "import and report next to dead runs' temps: exit 0" "0 0" "$rc $rc2"
t_eq "exactly the dead runs' temps are gone, the look-alikes stay" \
	"$(echo $keep r.html s.db | tr ' ' '\n' | sort | tr '\n' ' ')" "$(ls "$z" | sort | tr '\n' ' ')"

# --- 9. -o 'DIR/*' expands nothing ------------------------------------------------------------
g=$T_TMP/g
mkdir "$g"
for n in a.db b.html c.tmp-$dp "d.db.tmp-$dp" e; do echo keep > "$g/$n"; done
"$FT" import -q "$small" -o "$g/*"; rc=$?
"$FT" report --no-replay "$db" -o "$g/*.html"; rc2=$?
"$FT" export -q "$db" -o "$g/?"; rc3=$?
t_eq "import -o 'DIR/*', report -o 'DIR/*.html', export -o 'DIR/?': exit 0" "0 0 0" "$rc $rc2 $rc3"
t_eq "every other file in DIR survives; the outputs have the literal names" \
	"* *.html ? a.db b.html c.tmp-$dp d.db.tmp-$dp e " "$(ls "$g" | LC_ALL=C sort | tr '\n' ' ')"
t_eq "the survivors are intact" 5 "$(cat "$g"/[a-e]* | grep -c keep)"
t_done
