#!/bin/bash
# t1001: import of the committed real traces (v6 and v7 of one recording):
# per-event-type counts and decoded field values agree with trace-cmd's own
# decoding of the same file (computed here, not pasted in); v6 and v7 give
# the same events; the database is complete and indexed.
. "$FT_ROOT/tests/lib/harness.sh"
command -v trace-cmd >/dev/null || t_skip "trace-cmd not installed (make deps-test)"
t_tmpdir
FIX=$FT_ROOT/tests/fixtures
AWK=$FT_ROOT/tests/lib/report.awk

for v in v7 v6; do
	dat=$FIX/xfs-shortwrite-$v.dat
	db=$T_TMP/$v.db
	out=$("$FT" import -q "$dat" -o "$db" 2>&1); rc=$?
	t_eq "$v: import exits 0 ($out)" 0 "$rc"
	[ -f "$db" ] || continue

	# Event counts: trace-cmd report vs foliotrace.
	trace-cmd report -R -i "$dat" 2>/dev/null | awk -v want= -f "$AWK" | sort | uniq -c |
		awk '{print $2, $1}' > "$T_TMP/$v.tc-counts"
	"$FT" sql --csv "$db" "SELECT name, sum(n_events) FROM event_types GROUP BY name ORDER BY name" |
		tail -n +2 | tr -d '\r' | tr ',' ' ' | sort > "$T_TMP/$v.ft-counts"
	t_check "$v: per-event-type counts equal trace-cmd report's" \
		diff "$T_TMP/$v.tc-counts" "$T_TMP/$v.ft-counts"
	n_tc=$(awk '{s += $2} END {print s + 0}' "$T_TMP/$v.tc-counts")
	t_check "$v: the trace has events ($n_tc)" test "$n_tc" -gt 100
	json=$("$FT" info --json "$db")
	for ev in xfs_ilock xfs_iunlock writeback_dirty_folio xfs_iomap_alloc; do
		c=$(awk -v e="$ev" '$1 == e {print $2}' "$T_TMP/$v.tc-counts")
		t_match "$v: info --json event_counts has $ev = ${c:-?}" "\"$ev\":${c:-x}[,}]" "$json"
	done

	# Field values, every event of these types, against trace-cmd -t -R.
	cmp_fields() {	# NAME KEYS SQL
		trace-cmd report -t -R -i "$dat" 2>/dev/null |
			awk -v want="$1" -v keys="$2" -f "$AWK" > "$T_TMP/$v.$1.tc"
		"$FT" sql --csv "$db" "$3" | tail -n +2 | tr -d '\r' | sed 's/^"//; s/"$//' > "$T_TMP/$v.$1.ft"
		local n
		n=$(wc -l < "$T_TMP/$v.$1.tc")
		t_check "$v: $1: $n events decoded like trace-cmd decodes them" \
			bash -c "test $n -gt 0 && diff '$T_TMP/$v.$1.tc' '$T_TMP/$v.$1.ft'"
	}
	cmp_fields xfs_ilock "dev ino lock_flags caller_ip" \
		"SELECT printf('xfs_ilock %d %d %d dev=%d ino=0x%x lock_flags=%d caller_ip=%s+0x%x',
		 ts, cpu, pid, dev, ino, ft_field(type_id, payload, 'lock_flags'), caller, caller_off) AS line
		 FROM events_v e WHERE event = 'xfs_ilock' ORDER BY id"
	cmp_fields xfs_iext_insert "dev ino startoff startblock blockcount caller_ip" \
		"SELECT printf('xfs_iext_insert %d %d %d dev=%d ino=0x%x startoff=0x%x startblock=0x%x blockcount=0x%x caller_ip=%s+0x%x',
		 ts, cpu, pid, dev, ino, ext_off, ext_block, ext_len, caller, caller_off) AS line
		 FROM events_v e WHERE event = 'xfs_iext_insert' ORDER BY id"
	cmp_fields mm_filemap_add_to_page_cache "pfn i_ino index s_dev order" \
		"SELECT printf('mm_filemap_add_to_page_cache %d %d %d pfn=0x%x i_ino=%x index=0x%x s_dev=%d order=%d',
		 ts, cpu, pid, addr, ino, findex, dev, forder) AS line
		 FROM events_v e WHERE event = 'mm_filemap_add_to_page_cache' ORDER BY id"
	cmp_fields writeback_dirty_folio "name ino index" \
		"SELECT printf('writeback_dirty_folio %d %d %d name=%d:%d ino=%d index=%d',
		 ts, cpu, pid, major, minor, ino, findex) AS line
		 FROM events_v e WHERE event = 'writeback_dirty_folio' ORDER BY id"
	cmp_fields sched_wakeup "pid" \
		"SELECT printf('sched_wakeup %d %d %d pid=%d', ts, cpu, pid, peer_pid) AS line
		 FROM events_v e WHERE event = 'sched_wakeup' ORDER BY id"

	# Normalized byte offsets agree with the raw fields they come from.
	bad=$("$FT" sql --csv "$db" "SELECT count(*) FROM events WHERE type_id IN
		(SELECT id FROM event_types WHERE name = 'xfs_file_buffered_write')
		AND (offset != ft_field(type_id, payload, 'offset') OR length != ft_field(type_id, payload, 'count')
		OR findex != offset / 4096)" | tail -1 | tr -d '\r')
	t_eq "$v: buffered-write offset/length/findex match their raw fields" 0 "$bad"
	c=$("$FT" sql --csv "$db" "SELECT complete FROM traces" | tail -1 | tr -d '\r')
	t_eq "$v: trace marked complete" 1 "$c"
	kr=$("$FT" sql --csv "$db" "SELECT kernel_release FROM traces" | tail -1 | tr -d '\r')
	t_match "$v: kernel release recorded" "^[0-9]+\.[0-9]+" "$kr"
	# The keys of the events (schema 3, event_keys): pid, inode and folio
	# postings, the lookups the dropped indexes on events served.
	keys=$("$FT" sql --csv "$db" "SELECT group_concat(key_kind) FROM (SELECT DISTINCT key_kind
		FROM event_keys ORDER BY key_kind)" | tail -1 | tr -d '\r"')
	t_eq "$v: event keys of every kind exist (pid, inode, folio)" "1,2,3" "$keys"
	# A folio's query is served by the virtual table from its postings: the
	# plan passes both ino = and findex = to the module (idxStr letters n and
	# f, core/evtab.c), not a scan that SQLite filters.
	plan=$("$FT" sql --csv "$db" "EXPLAIN QUERY PLAN SELECT * FROM events WHERE ino = 131 AND findex = 3 AND ts > 0")
	istr=$(sed -n 's/.*SCAN events VIRTUAL TABLE INDEX [0-9]*:\([A-Za-z]*\).*/\1/p' <<< "$plan")
	t_match "$v: per-folio query: the module takes ino and findex (plan: $(tr '\n' ' ' <<< "$plan"))" \
		"^[A-Za-z]*(n[A-Za-z]*f|f[A-Za-z]*n)" "$istr"
done

# The v6 and v7 fixtures were recorded at once into two tracing instances
# (PROVENANCE.md): their file-system events are the same sequence (time
# stamps differ by the nanoseconds between the two buffer writes).
q="SELECT pid, kind, dev, ino, offset, length, findex, forder, flags, ext_off,
   ext_len, ext_block, caller FROM events_v WHERE system IN ('xfs', 'filemap', 'iomap', 'writeback')
   ORDER BY id"
if [ -f "$T_TMP/v6.db" ] && [ -f "$T_TMP/v7.db" ]; then
	"$FT" sql --csv "$T_TMP/v6.db" "$q" > "$T_TMP/v6.all"
	"$FT" sql --csv "$T_TMP/v7.db" "$q" > "$T_TMP/v7.all"
	n6=$(wc -l < "$T_TMP/v6.all")
	t_check "v6 import lists its file-system events ($n6 lines)" test "$n6" -gt 100
	t_check "v6 and v7 imports hold the same file-system events" cmp -s "$T_TMP/v6.all" "$T_TMP/v7.all"
fi

# The output path is refused when it exists, replaced with --force.
"$FT" import -q "$FIX/xfs-shortwrite-v6.dat" -o "$T_TMP/v6.db" 2>"$T_TMP/err"; rc=$?
t_eq "existing output refused" 1 "$rc"
t_match "existing output: message says so" "already exists" "$(cat "$T_TMP/err")"
t_check "existing output: --force replaces it" "$FT" import -q -f "$FIX/xfs-shortwrite-v6.dat" -o "$T_TMP/v6.db"
t_check "no temporary files left behind" bash -c "! ls '$T_TMP' | grep -q tmp-"
t_done
