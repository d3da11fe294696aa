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
	# Every page the workload wrote (from its parameters) lies in a folio
	# that the trace shows going dirty; folio sizes come from page_add.
	local r n W G K R S pages="" uncovered
	n=$(kv rounds) W=$(kv full_pages) G=$(kv gap_pages) K=$(kv pages_copied)
	R=$(kv region_pages) S=$(kv store_page)
	for ((r = 0; r < n; r++)); do
		local b=$((r * R)) i
		for ((i = 0; i < W; i++)); do pages+="($((b + i))),"; done
		for ((i = 0; i < K; i++)); do pages+="($((b + W + G + i))),"; done
		pages+="($((b + S))),"
	done
	t_eq "$p: pages written = pages_dirtied from the workload" "$(kv pages_dirtied)" \
		"$(echo -n "$pages" | tr -cd ',' | wc -c)"
	uncovered=$(q "WITH pages(p) AS (VALUES ${pages%,}),
		d AS (SELECT e.findex AS f, (SELECT a.forder FROM events_v a WHERE a.kind = 'page_add'
		      AND a.ino = e.ino AND a.findex = e.findex AND a.id < e.id ORDER BY a.id DESC LIMIT 1) AS o
		      FROM events_v e WHERE e.kind = 'dirty' AND e.ino = $ino)
		SELECT count(*) FROM pages WHERE NOT EXISTS
		      (SELECT 1 FROM d WHERE p >= f AND p < f + (1 << coalesce(o, 0)))")
	t_eq "$p: every written page is in a folio the trace shows dirtied" 0 "$uncovered"
	t_eq "$p: events are in time order" 0 \
		"$(q "SELECT count(*) FROM events a JOIN events b ON b.id = a.id + 1 WHERE b.ts < a.ts")"
	t_eq "$p: kernel release is this kernel's" "$(uname -r)" "$(q "SELECT kernel_release FROM traces")"
	t_eq "$p: trace complete" 1 "$(q "SELECT complete FROM traces")"
	# analyze: one window per delalloc punch, every short write covered,
	# nothing worse than protected on this (post-fix) kernel.
	"$FT" analyze -q "$db"
	t_eq "$p: analyze exits 0" 0 "$?"
	t_eq "$p: one window per delalloc punch" \
		"$(q "SELECT count(*) FROM events_v WHERE event = 'xfs_ilock' AND caller =
		      'xfs_bmap_punch_delalloc_range' AND ino = $ino")" \
		"$(q "SELECT count(*) FROM windows WHERE ino = $ino")"
	t_eq "$p: windows cover every short write" "$(kv short_writes)" \
		"$(q "SELECT count(DISTINCT (SELECT max(b.id) FROM events_v b WHERE b.event =
		      'xfs_file_buffered_write' AND b.id < w.start_event)) AS n FROM windows w WHERE ino = $ino")"
	t_eq "$p: no window is hit, loss or dropped" 0 \
		"$(q "SELECT count(*) FROM windows WHERE verdict IN ('hit', 'loss', 'dropped')")"
}

# lab_test_begin: the common start of a test that records on a real XFS:
# skips (exit 77 with the reason) without root/tracefs/xfs/loop/gcc, snapshots
# the tracing state (LAB_BEFORE, LAB_FOREIGN_BEFORE) to compare at the end,
# sets up a loop XFS and builds the workload as $LAB_TMP/shortwrite.
lab_test_begin() {
	local rc
	command -v gcc >/dev/null || t_skip "gcc not installed"
	set +e
	# shellcheck source=xfs-lab.sh
	. "$FT_ROOT/tests/lib/xfs-lab.sh"
	LAB_MOUNT_BEFORE=$(lab_tracefs_mounted)
	lab_require trace-cmd
	rc=$?
	[ "$rc" -eq 0 ] || exit "$rc"
	LAB_BEFORE=$(lab_tracing_state)
	LAB_FOREIGN_BEFORE=$(lab_foreign_instances)
	lab_setup_xfs 300 2>/dev/null || { t_fail "lab_setup_xfs"; exit 1; }
	gcc -std=c11 -O2 -pthread -o "$LAB_TMP/shortwrite" "$FT_ROOT/tests/workloads/shortwrite.c" ||
		{ t_fail "workload builds"; exit 1; }
}

# lab_test_end: cleans up and checks that tracefs is as it was: settings and
# other instances (read before the cleanup, which unmounts tracefs again when
# the test mounted it), and mounted or not as before.
lab_test_end() {
	local state foreign
	state=$(lab_tracing_state)
	foreign=$(lab_foreign_instances)
	lab_cleanup
	t_eq "top-level tracing settings unchanged" "$LAB_BEFORE" "$state"
	t_eq "other tracing instances unchanged" "$LAB_FOREIGN_BEFORE" "$foreign"
	t_eq "tracefs mounted as before the test" "$LAB_MOUNT_BEFORE" "$(lab_tracefs_mounted)"
}
