#!/bin/bash
# t1012: the loadable SQLite extension (ext/foliotrace_sqlite.c): the stock
# sqlite3 CLI reads a foliotrace database after `.load`.  Per-event-type
# counts through the extension's events table and events_v equal trace-cmd
# report's own decoding of the fixture (computed here), and the events'
# total equals traces.n_events; ft_field decodes payloads; ids and folio
# lookups agree with `foliotrace sql`; without the extension the CLI names
# the missing module; writes are refused.
. "$FT_ROOT/tests/lib/harness.sh"
command -v sqlite3 >/dev/null || t_skip "the sqlite3 CLI is not installed (make deps-test)"
command -v trace-cmd >/dev/null || t_skip "trace-cmd not installed (make deps-test)"
EXT=$FT_BUILD/foliotrace_sqlite.so
[ -f "$EXT" ] || { t_fail "the extension was built ($EXT)"; exit 1; }
t_tmpdir
dat=$FT_ROOT/tests/fixtures/xfs-shortwrite-v7.dat
db=$T_TMP/v7.db
"$FT" import -q "$dat" -o "$db" || { t_fail "import the fixture"; exit 1; }
# The README's command: .load with the path, without the .so suffix.
cli() { sqlite3 -batch -bail -cmd ".load ${EXT%.so}" "$db" "$@" 2>&1; }
ft() { "$FT" sql --csv "$db" "$1" | tail -n +2 | tr -d '\r"'; }

trace-cmd report -R -i "$dat" 2>/dev/null | awk -v want= -f "$FT_ROOT/tests/lib/report.awk" |
	sort | uniq -c | awk '{print $2, $1}' > "$T_TMP/tc"
n_tc=$(awk '{s += $2} END {print s + 0}' "$T_TMP/tc")
t_check "trace-cmd report lists events ($n_tc)" test "$n_tc" -gt 100
t_eq "count(*) FROM events in the sqlite3 CLI = trace-cmd's events" "$n_tc" \
	"$(cli 'SELECT count(*) FROM events')"
t_eq "... = traces.n_events" "$(cli 'SELECT sum(n_events) FROM traces')" \
	"$(cli 'SELECT count(*) FROM events')"
cli "SELECT event, count(*) FROM events_v GROUP BY event ORDER BY event" | tr '|' ' ' |
	sort > "$T_TMP/cli"
t_check "events_v per event type in the sqlite3 CLI = trace-cmd report's counts" \
	diff "$T_TMP/tc" "$T_TMP/cli"

# The same answers as foliotrace's own connection, for lookups that push down.
for q in "SELECT min(id), max(id), count(DISTINCT pid) FROM events" \
	 "SELECT id, ts, kind, ino, findex FROM events WHERE id IN (1, 2, 700, 1024, 1025)" \
	 "SELECT ino, findex, count(*) FROM events WHERE findex IS NOT NULL GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5" \
	 "SELECT max(id) FROM events WHERE id <= 1000 AND pid = (SELECT pid FROM events WHERE id = 900)"; do
	t_eq "sqlite3 CLI = foliotrace sql: $q" "$(ft "$q" | tr ',' '|')" "$(cli "$q")"
done
ino=$(cli "SELECT ino FROM events WHERE findex IS NOT NULL GROUP BY ino ORDER BY count(*) DESC LIMIT 1")
t_eq "one inode's events: by ino = (pushed down) and by a full scan" \
	"$(cli "SELECT count(*) FROM events WHERE +ino = $ino")" \
	"$(cli "SELECT count(*) FROM events WHERE ino = $ino")"
t_match "the plan pushes ino = down" "VIRTUAL TABLE INDEX 0:n" \
	"$(cli "EXPLAIN QUERY PLAN SELECT ts FROM events WHERE ino = $ino")"

# ft_field: the payload's own ino field of xfs_ilock events is the ino column.
n_ilock=$(awk '$1 == "xfs_ilock" {print $2}' "$T_TMP/tc")
t_eq "ft_field(type_id, payload, 'ino') = ino for every xfs_ilock event ($n_ilock)" "$n_ilock" \
	"$(cli "SELECT count(*) FROM events_v WHERE event = 'xfs_ilock' AND ft_field(type_id, payload, 'ino') = ino")"

out=$(sqlite3 -batch "$db" 'SELECT count(*) FROM events' 2>&1)
t_match "without .load the CLI names the missing module" "no such module: foliotrace_events" "$out"
out=$(cli 'DELETE FROM events WHERE id = 1')
t_match "writing events through the extension is refused" "may not be modified" "$out"
t_eq "... and changed nothing" "$n_tc" "$(cli 'SELECT count(*) FROM events')"
t_done
