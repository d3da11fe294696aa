#!/bin/bash
# t1009: what one import may cost.  A small compressed trace can expand to
# millions of events: import stops with one error line naming the limit
# (--max-events, --max-db-size), exit 1, and leaves no database (an
# earlier one at OUT stays as it was); under the limits the import is
# whole; 0 lifts a limit; a malformed limit is a usage error.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
fix=$FT_ROOT/tests/fixtures/xfs-race-5.10-a.dat
db=$T_TMP/t.db
"$FT" import -q "$fix" -o "$T_TMP/full.db" || { t_fail "import"; t_done; exit; }
n=$("$FT" sql --csv "$T_TMP/full.db" "SELECT n_events FROM traces" | tail -1 | tr -d '\r')
t_check "the fixture has events ($n)" test "${n:-0}" -gt 1000

"$FT" import -q --max-events 1000 "$fix" -o "$db" 2>"$T_TMP/err"
t_eq "--max-events 1000: exit 1" 1 "$?"
t_match "the error names the file and the limit" "xfs-race-5.10-a.dat: the trace holds more than 1000 events \(--max-events" "$(cat "$T_TMP/err")"
t_eq "one line" 1 "$(wc -l <"$T_TMP/err")"
t_check "no database written" test ! -e "$db"
t_eq "no temp file left" "" "$(ls "$T_TMP" | grep -v -e '^full.db$' -e '^err$')"

"$FT" import -q --max-events "$n" "$fix" -o "$db"
t_eq "--max-events = the trace's events: imported" "0 $n" \
	"$? $("$FT" sql --csv "$db" "SELECT n_events FROM traces" | tail -1 | tr -d '\r')"
sum=$(md5sum <"$db")
full=$(stat -c %s "$T_TMP/full.db")
t_check "the whole database ($full bytes) is larger than the limit below (512 KB)" test "$full" -gt 524288
"$FT" import -q -f --max-db-size 512K "$fix" -o "$db" 2>"$T_TMP/err"
t_eq "--max-db-size 512K: exit 1" 1 "$?"
t_match "the error names the limit" "the database grew past 512 KB after [0-9]+ events \(--max-db-size" "$(cat "$T_TMP/err")"
t_eq "the earlier database at OUT is intact" "$sum" "$(md5sum <"$db")"
"$FT" import -q -f --max-db-size 0 --max-events 0 "$fix" -o "$db"
t_eq "0 lifts both limits" 0 "$?"
for bad in "--max-events=-1" "--max-events=x" "--max-db-size=12Q" "--max-db-size=-5"; do
	"$FT" import -q "$bad" "$fix" -o "$T_TMP/u.db" 2>/dev/null
	t_eq "$bad is a usage error" 2 "$?"
done
t_done
