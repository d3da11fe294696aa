#!/bin/bash
# t1008: no silent failure, no unbounded work.  Every reading command fails
# (status 1, "writing the output failed") when its stdout is /dev/full or
# closed, instead of exiting 0 with a truncated output; a damaged database
# is an error naming the file, not "(no windows)" or an empty JSON array;
# a second writer (analyze) waits for the first instead of failing at once
# with "database is locked"; sql stops at its time and memory limits with
# an error naming the option, runs in defensive mode and refuses
# fts3_tokenizer(), ATTACH and the pragmas that would lift its protections.
. "$FT_ROOT/tests/lib/harness.sh"
command -v sqlite3 >/dev/null || t_skip "sqlite3 missing"
t_tmpdir

db=$T_TMP/a.db
"$FT" import -q "$FT_ROOT/tests/fixtures/xfs-race-5.10-a.dat" -o "$db" && "$FT" analyze -q "$db" ||
	{ t_fail "import and analyze the fixture"; exit 1; }
ino=$(sqlite3 "$db" "SELECT ino FROM windows LIMIT 1")

# --- stdout full or closed ----------------------------------------------------
# "ARGS|QUERY": the part after | is one argument
cmds=("windows $db" "windows --json $db" "info $db" "info --json $db"
      "timeline --ino $ino $db" "sql --csv $db|SELECT * FROM events" "sql $db|SELECT 1"
      "sql --json $db|SELECT 1" "replay --list" "windows --help")
set -f
for c in "${cmds[@]}"; do
	# shellcheck disable=SC2086
	set -- ${c%%|*}
	[[ $c == *'|'* ]] && set -- "$@" "${c#*|}"
	"$FT" "$@" > /dev/full 2> "$T_TMP/err"; rc=$?
	t_eq "$c > /dev/full: exit 1" 1 "$rc"
	t_match "$c > /dev/full: says why" "foliotrace $1: writing the output failed: No space left" \
		"$(cat "$T_TMP/err")"
	"$FT" "$@" >&- 2> "$T_TMP/err"; rc=$?
	t_eq "$c >&- (closed stdout): exit 1" 1 "$rc"
	t_match "$c >&-: says why" "writing the output failed: Bad file descriptor" "$(cat "$T_TMP/err")"
done
set +f
# a large output, cut by a full disk at any point, is not a success
"$FT" sql --csv "$db" "SELECT * FROM events" > "$T_TMP/full.csv" || t_fail "sql --csv to a file"
t_check "sql --csv of every event is larger than 1 MB (the case that was cut at 741 KB)" \
	test "$(stat -c %s "$T_TMP/full.csv")" -gt 1000000
t_eq "the csv has a line per event and a heading" "$(( $(t_sqlite3 "$db" "SELECT count(*) FROM events") + 1 ))" \
	"$(wc -l < "$T_TMP/full.csv")"
# with SIGPIPE ignored, a reader that goes away is a failure, not a success
( trap '' PIPE; "$FT" sql --csv "$db" "SELECT * FROM events" 2>"$T_TMP/err" | head -c 100 >/dev/null
  exit "${PIPESTATUS[0]}" ); rc=$?
t_eq "sql --csv into a closed pipe (SIGPIPE ignored): exit 1" 1 "$rc"
t_eq "a closed pipe is not worth a message (EPIPE)" "" "$(cat "$T_TMP/err")"

# --- a damaged database -----------------------------------------------------
bad=$T_TMP/damaged.db
cp "$db" "$bad"
ps=$(sqlite3 "$bad" "PRAGMA page_size")
rp=$(sqlite3 "$bad" "SELECT rootpage FROM sqlite_master WHERE name = 'windows'")
head -c "$ps" /dev/urandom | dd of="$bad" bs="$ps" seek=$((rp - 1)) conv=notrunc 2>/dev/null
for c in "windows" "windows --json" "info" "info --json"; do
	# shellcheck disable=SC2086
	out=$("$FT" $c "$bad" 2> "$T_TMP/err"); rc=$?
	t_eq "$c on a damaged database: exit 1" 1 "$rc"
	t_match "$c on a damaged database: one line naming the file" \
		"^foliotrace: $bad: .*(malformed|not a database|corrupt)" "$(cat "$T_TMP/err")"
	t_eq "$c on a damaged database: one error line" 1 "$(wc -l < "$T_TMP/err")"
	if [[ $c == windows* ]]; then
		t_eq "$c on a damaged database: no empty list printed" "" "$out"
	fi
done

# a window row whose JSON is damaged is marked, not a failed document
cp "$db" "$T_TMP/c.db"
w=$(sqlite3 "$T_TMP/c.db" "SELECT id FROM windows WHERE verdict = 'loss' ORDER BY id LIMIT 1")
sqlite3 "$T_TMP/c.db" "UPDATE windows SET evidence = '{not json' WHERE id = $w"
"$FT" report --no-replay "$T_TMP/c.db" -o "$T_TMP/c.html" 2> "$T_TMP/err"; rc=$?
t_eq "report with a malformed evidence row: exit 0 (the document is written)" 0 "$rc"
t_match "report: the warning names the row" "window $w \(row id $w of table windows\).*not valid JSON" \
	"$(cat "$T_TMP/err")"
t_check "report: the row is marked unreadable" grep -qF '(unreadable evidence)' "$T_TMP/c.html"
t_check "report: the other windows are in the document" \
	grep -qF "Window $(sqlite3 "$T_TMP/c.db" "SELECT id FROM windows WHERE verdict = 'loss' AND id != $w LIMIT 1")" "$T_TMP/c.html"
"$FT" export -q "$T_TMP/c.db" -o "$T_TMP/c.json"; rc=$?
t_eq "export with a malformed evidence row: exit 0" 0 "$rc"
"$FT" windows "$T_TMP/c.db" > /dev/null; rc=$?
t_eq "windows with a malformed evidence row: exit 0" 0 "$rc"

# --- provenance: skipped records and clock order are in the database -------
# (the loader stores them: tests/unit/test_provenance.c; info shows them)
t_eq "a clean trace: info --json counts nothing skipped nor out of order" \
	'"undescribed_records":0,"overlong_records":0,"ts_backwards":0' \
	"$("$FT" info --json "$db" | grep -o '"undescribed_records":[0-9]*,"overlong_records":[0-9]*,"ts_backwards":[0-9]*')"
cp "$db" "$T_TMP/p.db"
sqlite3 "$T_TMP/p.db" "INSERT INTO meta VALUES ('trace:1:undescribed', 12), ('trace:1:ts_backwards', 3)"
out=$("$FT" info "$T_TMP/p.db")
t_match "info shows the skipped records" "skipped   12 records of event types the trace does not describe" "$out"
t_match "info shows the events out of order" "order     3 events have a timestamp earlier" "$out"
t_match "info --json too" '"undescribed_records":12,"overlong_records":0,"ts_backwards":3' \
	"$("$FT" info --json "$T_TMP/p.db")"

# --- concurrent writers wait ----------------------------------------------
cp "$db" "$T_TMP/b.db"
# another writer holds the database for 2 s
( echo "BEGIN IMMEDIATE; UPDATE meta SET value = value WHERE key = 'x';"; sleep 2; echo "COMMIT;" ) |
	sqlite3 "$T_TMP/b.db" &
holder=$!
sleep 0.5
start=$(date +%s.%N)
"$FT" analyze -q "$T_TMP/b.db" 2> "$T_TMP/err"; rc=$?
took=$(echo "$(date +%s.%N) - $start" | bc)
wait "$holder"
t_eq "analyze while another writer holds the database: waits and succeeds" 0 "$rc"
t_check "analyze waited for the other writer (${took}s)" test "$(echo "$took > 1" | bc)" -eq 1
t_eq "no 'database is locked'" "" "$(grep -i locked "$T_TMP/err")"
pids=()
for i in 1 2 3; do
	"$FT" analyze -q "$T_TMP/b.db" 2> "$T_TMP/err.$i" & pids+=($!)
done
rcs=""
for p in "${pids[@]}"; do wait "$p"; rcs+="$? "; done
t_eq "three concurrent analyze runs all succeed" "0 0 0 " "$rcs"
t_eq "none says 'database is locked'" "" "$(cat "$T_TMP"/err.[123])"
t_eq "the windows are those of one analysis" "$(sqlite3 "$db" "SELECT count(*) FROM windows")" \
	"$(sqlite3 "$T_TMP/b.db" "SELECT count(*) FROM windows")"

# --- sql limits and defences ----------------------------------------------
forever="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
start=$(date +%s.%N)
"$FT" sql --timeout 1 "$db" "$forever" > /dev/null 2> "$T_TMP/err"; rc=$?
took=$(echo "$(date +%s.%N) - $start" | bc)
t_eq "sql --timeout 1 on an endless query: exit 1" 1 "$rc"
t_check "sql --timeout 1 stops within 5 s (${took}s)" test "$(echo "$took < 5" | bc)" -eq 1
t_match "sql --timeout: the error names the option" "longer than 1 s \(--timeout\)" "$(cat "$T_TMP/err")"
big="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5000000)
	SELECT length(group_concat(x)) FROM c"
"$FT" sql --max-memory 16M "$db" "$big" > /dev/null 2> "$T_TMP/err"; rc=$?
t_eq "sql --max-memory 16M on a query that needs more: exit 1" 1 "$rc"
t_match "sql --max-memory: the error names the option" "more than 16 MiB of memory \(--max-memory\)" \
	"$(cat "$T_TMP/err")"
t_eq "the same query within the default limit succeeds" "38888895" "$("$FT" sql --csv "$db" "$big" | tail -1 | tr -d '\r')"
"$FT" sql --timeout x "$db" "SELECT 1" > /dev/null 2>&1; rc=$?
t_eq "sql --timeout x: a usage error" 2 "$rc"
"$FT" sql --max-memory 12Q "$db" "SELECT 1" > /dev/null 2>&1; rc=$?
t_eq "sql --max-memory 12Q: a usage error" 2 "$rc"
for q in "SELECT fts3_tokenizer('simple')" "SELECT hex(fts3_tokenizer('porter'))" \
	 "ATTACH '$T_TMP/x.db' AS x" "PRAGMA query_only = 0" "PRAGMA writable_schema = 1" \
	 "SELECT load_extension('/nonexistent')"; do
	"$FT" sql "$db" "$q" > "$T_TMP/out" 2> "$T_TMP/err"; rc=$?
	t_eq "sql refuses: $q" 1 "$rc"
	t_match "sql: $q: not authorized" "not authorized" "$(cat "$T_TMP/err")"
done
t_check "ATTACH created no file" test ! -e "$T_TMP/x.db"
t_done
