#!/bin/bash
# t1003: record a fresh trace on a real loop-mounted XFS (own tracing
# instance, own loop device), extract it with trace-cmd, import it, and check
# the database against what the workload says it did.  Needs root, tracefs,
# xfs and loop devices; skipped with the reason elsewhere.  Cleans up on any
# exit and leaves other instances and the top-level buffer as found.
. "$FT_ROOT/tests/lib/harness.sh"
. "$FT_ROOT/tests/lib/workload-checks.sh"
lab_test_begin
ROUNDS=$((5 + RANDOM % 6))
lab_instance_create "ft-t1003-$$" 8192 2>/dev/null
lab_enable_preset "$LAB_DEV" >/dev/null 2>&1
lab_trace_on
"$LAB_TMP/shortwrite" -q -f "$LAB_MNT/w.dat" -n "$ROUNDS" -o "$LAB_TMP/w.kv"
wrc=$?
lab_trace_off
t_eq "workload ran ($ROUNDS rounds)" 0 "$wrc"
t_eq "no ring-buffer overruns while recording" 0 "$(lab_overruns)"
lab_extract "$LAB_TMP/fresh.dat" >/dev/null 2>&1
t_check "trace extracted" test -s "$LAB_TMP/fresh.dat"

db=$LAB_TMP/fresh.db
"$FT" import -q "$LAB_TMP/fresh.dat" -o "$db"
t_eq "import of the fresh trace exits 0" 0 "$?"
check_workload_db "imported" "$db" "$LAB_TMP/w.kv"
t_eq "no lost events recorded" 0 \
	"$("$FT" sql --csv "$db" "SELECT lost_events + lost_unknown FROM traces" | tail -1 | tr -d '\r')"

lab_test_end
t_check "our instance is gone" test ! -e "/sys/kernel/tracing/instances/ft-t1003-$$"
t_done
