# tests/lib/workload-checks.sh - check a foliotrace database against what
# tests/workloads/shortwrite.c says it did (its -o key=value file).
# Source after harness.sh.  check_workload_db PREFIX DB KVFILE

check_workload_db() {
	local p=$1 db=$2 kvf=$3 ino dev
	kv() { sed -n "s/^$1=//p" "$kvf"; }
	q() { "$FT" sql --csv "$db" "$1" | tail -n +2 | tr -d '\r'; }
	ino=$(kv ino)
	dev=$(kv dev_kernel)
	t_eq "$p: the workload's file is among the inodes" 1 \
		"$(q "SELECT count(*) > 0 FROM events WHERE dev = $dev AND ino = $ino")"
	t_eq "$p: buffered writes = full + short writes" "$(( $(kv full_writes) + $(kv short_writes) ))" \
		"$(q "SELECT count(*) FROM events_v WHERE event = 'xfs_file_buffered_write' AND ino = $ino")"
	t_eq "$p: buffered writes whose IOLOCK_EXCL section punches delalloc = short writes" \
		"$(kv short_writes)" \
		"$(q "WITH w AS (SELECT e.id, e.pid, (SELECT min(u.id) FROM events_v u WHERE u.pid = e.pid
		      AND u.id > e.id AND u.event = 'xfs_iunlock' AND u.ino = $ino AND (u.flags & 1)) AS end_id
		      FROM events_v e WHERE e.event = 'xfs_file_buffered_write' AND e.ino = $ino)
		      SELECT count(*) FROM w WHERE EXISTS (SELECT 1 FROM events_v p WHERE p.pid = w.pid
		      AND p.id > w.id AND p.id < w.end_id AND p.event = 'xfs_ilock'
		      AND p.caller = 'xfs_bmap_punch_delalloc_range' AND p.ino = $ino)")"
	t_eq "$p: write faults = mmap stores" "$(kv mmap_stores)" \
		"$(q "SELECT count(*) FROM events_v WHERE kind = 'write_fault' AND ino = $ino")"
	t_check "$p: at least one xfs_bunmap per hole punch" test \
		"$(q "SELECT count(*) FROM events_v WHERE event = 'xfs_bunmap' AND ino = $ino")" -ge "$(kv punches)"
	local dirty
	dirty=$(q "SELECT count(DISTINCT findex) FROM events_v WHERE kind = 'dirty' AND ino = $ino")
	t_check "$p: folios were dirtied ($dirty distinct indexes)" test "${dirty:-0}" -gt 0
	t_eq "$p: events are in time order" 0 \
		"$(q "SELECT count(*) FROM events a JOIN events b ON b.id = a.id + 1 WHERE b.ts < a.ts")"
	t_eq "$p: kernel release is this kernel's" "$(uname -r)" "$(q "SELECT kernel_release FROM traces")"
	t_eq "$p: trace complete" 1 "$(q "SELECT complete FROM traces")"
}
