#!/bin/bash
# t2003: foliotrace record killed with SIGKILL at various moments of a real
# recording (loop-mounted XFS): the output path afterwards is absent or a
# complete database that passes integrity_check (never a partial one);
# the next record removes what the killed ones left (their temp databases
# and their tracing instances) and finishes its job.  4 kill points here,
# 100 with make check-long.  Needs root, tracefs, xfs, loop.
. "$FT_ROOT/tests/lib/harness.sh"
. "$FT_ROOT/tests/lib/workload-checks.sh"
lab_test_begin
W=$LAB_TMP/shortwrite
T=$LAB_TMP
out=$T/k.db
n=4
[ -n "${FT_LONG:-}" ] && n=100
ok=0 complete=0 killed_pids=()
for i in $(seq 1 "$n"); do
	d=$(awk -v i="$i" -v n="$n" 'BEGIN { printf "%.2f", 0.1 + 2.0 * (i - 1) / n }')
	rm -f "$out"
	"$FT" record -q --dev "$LAB_DEV" -o "$out" -- "$W" -q -f "$LAB_MNT/k$i.dat" -n 4 \
		-o "$T/k.kv" > /dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	killed_pids+=("$pid")
	pkill -f "$LAB_MNT/k$i.dat" 2>/dev/null	# the workload, if still running
	if [ ! -e "$out" ]; then
		ok=$((ok + 1))
	elif [ "$(sqlite3 "$out" 'PRAGMA integrity_check')" = ok ] &&
	     [ "$("$FT" sql --csv "$out" 'SELECT complete FROM traces' | tail -1 | tr -d '\r')" = 1 ]; then
		ok=$((ok + 1)) complete=$((complete + 1))
	else
		t_fail "killed after ${d}s: $out is neither absent nor complete"
	fi
done
t_eq "$n kill points: the output was absent or complete ($complete complete)" "$n" "$ok"
left=$(ls /sys/kernel/tracing/instances | grep -cE "^foliotrace-($(IFS='|'; echo "${killed_pids[*]}"))$")
echo "# the killed recorders left $left tracing instances and $(ls "$T" | grep -c 'tmp-') temp files"

# The next recording cleans up after them and completes.
rm -f "$out"
"$FT" record -q --dev "$LAB_DEV" -o "$out" -- "$W" -q -f "$LAB_MNT/again.dat" -n 3 -o "$T/again.kv" \
	> /dev/null 2> "$T/err"
t_eq "a record after the kills exits 0 ($(head -c 200 "$T/err"))" 0 "$?"
check_workload_db "after the kills" "$out" "$T/again.kv"
t_eq "no instance of a killed recorder is left" 0 \
	"$(ls /sys/kernel/tracing/instances | grep -cE "^foliotrace-($(IFS='|'; echo "${killed_pids[*]}"))$")"
t_eq "no temp file of a killed recorder is left" "" "$(ls "$T" | grep 'k.db.tmp-' || true)"
lab_test_end
t_done
