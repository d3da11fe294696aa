#!/bin/bash
# t1003: record a fresh trace on a real loop-mounted XFS (own tracing
# instance, own loop device), extract it with trace-cmd, import it, and check
# the database against what the workload says it did.  Needs root, tracefs,
# xfs and loop devices; skipped with the reason elsewhere.  Cleans up on any
# exit and leaves other instances and the top-level buffer as found.
. "$FT_ROOT/tests/lib/harness.sh"
command -v gcc >/dev/null || t_skip "gcc not installed"
set +e
# shellcheck source=lib/xfs-lab.sh
. "$FT_ROOT/tests/lib/xfs-lab.sh"
lab_require trace-cmd
rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
before=$(lab_tracing_state)
foreign_before=$(lab_foreign_instances)

ROUNDS=$((5 + RANDOM % 6))
lab_setup_xfs 300 2>/dev/null || { t_fail "lab_setup_xfs"; exit 1; }
gcc -std=c11 -O2 -pthread -o "$LAB_TMP/shortwrite" "$FT_ROOT/tests/workloads/shortwrite.c" ||
	{ t_fail "workload builds"; exit 1; }
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

kv() { sed -n "s/^$1=//p" "$LAB_TMP/w.kv"; }
db=$LAB_TMP/fresh.db
"$FT" import -q "$LAB_TMP/fresh.dat" -o "$db"
t_eq "import of the fresh trace exits 0" 0 "$?"
q() { "$FT" sql --csv "$db" "$1" | tail -n +2 | tr -d '\r'; }
ino=$(kv ino)
dev=$(kv dev_kernel)
t_eq "the workload's inode is the busiest inode" "$dev,$ino" \
	"$(q "SELECT dev, ino FROM events WHERE ino IS NOT NULL AND dev IS NOT NULL GROUP BY dev, ino ORDER BY count(*) DESC LIMIT 1")"
t_eq "buffered writes = full + short writes" "$(( $(kv full_writes) + $(kv short_writes) ))" \
	"$(q "SELECT count(*) FROM events_v WHERE event = 'xfs_file_buffered_write' AND ino = $ino")"
t_eq "short writes whose IOLOCK_EXCL section punches delalloc = short writes" "$(kv short_writes)" \
	"$(q "WITH w AS (SELECT e.id, e.pid, (SELECT min(u.id) FROM events_v u WHERE u.pid = e.pid
	      AND u.id > e.id AND u.event = 'xfs_iunlock' AND u.ino = $ino AND (u.flags & 1)) AS end_id
	      FROM events_v e WHERE e.event = 'xfs_file_buffered_write' AND e.ino = $ino)
	      SELECT count(*) FROM w WHERE EXISTS (SELECT 1 FROM events_v p WHERE p.pid = w.pid
	      AND p.id > w.id AND p.id < w.end_id AND p.event = 'xfs_ilock'
	      AND p.caller = 'xfs_bmap_punch_delalloc_range' AND p.ino = $ino)")"
t_eq "write faults = mmap stores" "$(kv mmap_stores)" \
	"$(q "SELECT count(*) FROM events_v WHERE kind = 'write_fault' AND ino = $ino")"
t_check "hole punches show as at least one xfs_bunmap each" test \
	"$(q "SELECT count(*) FROM events_v WHERE event = 'xfs_bunmap' AND ino = $ino")" -ge "$(kv punches)"
dirty=$(q "SELECT count(DISTINCT findex) FROM events_v WHERE kind = 'dirty' AND ino = $ino")
t_check "folios were dirtied ($dirty distinct indexes)" test "$dirty" -gt 0
t_eq "no lost events recorded" 0 "$(q "SELECT lost_events + lost_unknown FROM traces")"
t_eq "kernel release is this kernel's" "$(uname -r)" "$(q "SELECT kernel_release FROM traces")"

lab_cleanup
t_eq "top-level tracing settings unchanged" "$before" "$(lab_tracing_state)"
t_eq "other tracing instances unchanged" "$foreign_before" "$(lab_foreign_instances)"
t_check "our instance is gone" test ! -e "/sys/kernel/tracing/instances/ft-t1003-$$"
t_done
