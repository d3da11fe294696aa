#!/bin/bash
# t9002: analyze (and the schema migration it runs) killed with SIGKILL at
# various moments: the database afterwards passes integrity_check and holds
# exactly the previous analysis (none, or a complete earlier one), never a
# part of the new one; rerunning gives the results of an uninterrupted run.
# make check-long (FT_LONG=1) kills at 100 moments instead of 8.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
gen=${FT_BUILD:-$FT_ROOT/build}/gen_synth
[ -x "$gen" ] || t_skip "$gen missing (make all builds it with the tests)"
base=$T_TMP/base.db
"$gen" 400000 "$base" > /dev/null || { t_fail "gen_synth"; t_done; exit; }
q() { "$FT" sql --csv "$1" "$2" | tail -n +2 | tr -d '\r'; }
sig="SELECT count(*) || ':' || coalesce(sum(id * 7 + start_event), 0) || ':' ||
	coalesce(replace(group_concat(DISTINCT verdict), ',', '/'), '') AS sig FROM windows"
# The reference: an uninterrupted analysis.
cp "$base" "$T_TMP/ref.db"
/usr/bin/time -f %e -o "$T_TMP/t" "$FT" analyze -q "$T_TMP/ref.db" || t_fail "reference analysis"
want=$(q "$T_TMP/ref.db" "$sig")
wedges=$(q "$T_TMP/ref.db" "SELECT count(*) FROM hb_edges")
secs=$(cat "$T_TMP/t")
t_check "the reference analysis found windows ($want, ${secs}s)" [ "${want%%:*}" -gt 0 ]

n=8
[ -n "${FT_LONG:-}" ] && n=100
db=$T_TMP/k.db
survived=0 complete=0 empty=0
for i in $(seq 1 "$n"); do
	# Kill points spread over the run (its length measured above), the
	# first ones on a database never analysed, later ones over a previous
	# complete analysis.
	d=$(awk -v i="$i" -v n="$n" -v s="$secs" 'BEGIN { printf "%.3f", s * 1.1 * i / n }')
	if [ "$i" -eq 1 ] || [ $((i % 2)) -eq 0 ]; then cp "$base" "$db"; fi
	before=$(q "$db" "$sig")
	"$FT" analyze -q "$db" > /dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ic=$(sqlite3 "$db" "PRAGMA integrity_check" 2>&1)
	now=$(q "$db" "$sig")
	if [ "$ic" = ok ] && { [ "$now" = "$before" ] || [ "$now" = "$want" ]; }; then
		survived=$((survived + 1))
		[ "$now" = "$want" ] && complete=$((complete + 1))
		[ "${now%%:*}" = 0 ] && empty=$((empty + 1))
	else
		t_fail "killed after ${d}s: integrity '$ic', windows '$now' (before '$before', complete '$want')"
	fi
done
t_eq "$n kill points: the database held the previous or the complete analysis" "$n" "$survived"
echo "# $complete of $n killed runs had committed, $empty left no analysis"
t_check "some kills landed before the commit" [ "$complete" -lt "$n" ]
cp "$base" "$db"
"$FT" analyze -q "$db" > /dev/null 2>&1 &
pid=$!
sleep "$(awk -v s="$secs" 'BEGIN { printf "%.3f", s / 2 }')"
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
"$FT" analyze -q "$db"
t_eq "rerun after a kill exits 0" 0 "$?"
t_eq "rerun gives the uninterrupted run's windows" "$want" "$(q "$db" "$sig")"
t_eq "rerun gives the uninterrupted run's edges" "$wedges" "$(q "$db" "SELECT count(*) FROM hb_edges")"
t_check "no journal left behind" [ ! -e "$db-journal" ]

# The migration of an old database, killed: schema 1 stays, or 4 is complete.
for d in 0.005 0.02 0.05; do
	zcat "$FT_ROOT/tests/fixtures/schema-v1.db.gz" > "$T_TMP/m.db"
	"$FT" analyze -q "$T_TMP/m.db" > /dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	v=$(sqlite3 "$T_TMP/m.db" "PRAGMA user_version")
	blocks=$(sqlite3 "$T_TMP/m.db" "SELECT count(*) FROM sqlite_master WHERE name = 'event_blocks'")
	rows=$(sqlite3 "$T_TMP/m.db" "SELECT count(*) FROM sqlite_master WHERE name = 'events'
		AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'")
	t_check "migration killed after ${d}s: schema $v, event_blocks table $blocks, events rows $rows, consistent" \
		bash -c "[ '$v' = 1 -a '$blocks' = 0 -a '$rows' = 1 ] || [ '$v' = 4 -a '$blocks' = 1 -a '$rows' = 0 ]"
	t_eq "migration killed after ${d}s: integrity" ok "$(sqlite3 "$T_TMP/m.db" "PRAGMA integrity_check")"
done
t_done
