#!/bin/bash
# t1004: an import killed with SIGKILL at various moments leaves the output
# path as it was (absent, or the previous complete database), never a partial
# database; rerunning finishes the job and removes the dead run's temp file.
# SIGINT ends an import cleanly with exit status 130.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
src=$FT_ROOT/bench/data/xfs-1m.dat
[ -s "$src" ] || src=$FT_ROOT/tests/fixtures/xfs-shortwrite-v7.dat
delays="0.01 0.03 0.06 0.1 0.15 0.2 0.3"
[ -n "${FT_LONG:-}" ] && delays=$(seq 0.01 0.02 1.2)
out=$T_TMP/k.db

check_state() {	# DESC: the output is absent or complete and intact
	if [ ! -e "$out" ]; then
		t_ok "$1: output absent"
		return
	fi
	local ic c
	ic=$(sqlite3 "$out" "PRAGMA integrity_check" 2>&1)
	c=$("$FT" sql --csv "$out" "SELECT complete FROM traces" 2>&1 | tail -1 | tr -d '\r')
	t_eq "$1: output passes integrity_check" ok "$ic"
	t_eq "$1: output marked complete" 1 "$c"
}

for d in $delays; do
	"$FT" import -q "$src" -o "$out" >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	check_state "killed after ${d}s"
done
"$FT" import -q -f "$src" -o "$out"
t_eq "rerun after kills succeeds" 0 "$?"
check_state "after the rerun"
t_check "temp files of killed runs are removed" bash -c "! ls '$T_TMP' | grep -q 'tmp-'"
sleep 0.2
t_check "no decoder process outlives a killed import" bash -c "! pgrep -f '[f]oliotrace import -q $src -o $out' >/dev/null"

# A previous complete database survives a killed --force replacement.
sum0=$(sha256sum < "$out")
"$FT" import -q -f "$src" -o "$out" >/dev/null 2>&1 &
pid=$!
sleep 0.05
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [ "$(sha256sum < "$out")" = "$sum0" ]; then
	t_ok "killed --force import left the previous database untouched"
else
	check_state "killed --force import replaced it with a complete one"
fi

# SIGINT: clean stop, exit 130, output untouched.
rm -f "$out"
"$FT" import -q "$src" -o "$out" >/dev/null 2>"$T_TMP/err" &
pid=$!
sleep 0.05
kill -INT "$pid"
wait "$pid"
rc=$?
if [ "$rc" -eq 0 ]; then
	t_ok "SIGINT arrived after the import finished (fast machine)"
	check_state "after SIGINT"
else
	t_eq "SIGINT: exit status 130" 130 "$rc"
	t_check "SIGINT: no output" test ! -e "$out"
	t_match "SIGINT: says it was interrupted" "interrupted" "$(cat "$T_TMP/err")"
fi
t_check "SIGINT: no temp file left" bash -c "! ls '$T_TMP' | grep -q 'tmp-'"
t_done
