#!/bin/bash
# t3002: analyze on real pre-fix traces (Debian 5.10.223 under QEMU, see
# tests/fixtures/PROVENANCE.md) judged against what the guest itself saw:
# - the page the guest found lost at writeback (O_DIRECT read wrong, page
#   cache right: the 198dd8aedee6 race) is a `loss` window whose evidence
#   is that folio written back over a hole, and there are exactly as many
#   such losses as the guest counted;
# - every page the guest found wrong in the page cache too (the failed
#   write's truncate threw the mmap store away) lies in a `dropped` window
#   (or a loss whose folio a later cleanup deleted while dirty), and there
#   are as many dropped windows as such pages;
# - the folios the analysis counts as lost (written back over a hole, or
#   deleted while dirty) are as many as the pages the guest lost in the
#   traced batch (lost_pages), and a window explains each of them;
# - one window per delalloc punch, none protected on this kernel.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
for n in a b; do
	fix=$FT_ROOT/tests/fixtures/xfs-race-5.10-$n
	db=$T_TMP/$n.db
	"$FT" import -q "$fix.dat" -o "$db" || { t_fail "$n: import"; continue; }
	out=$("$FT" analyze "$db")
	t_match "$n: code variant prefix (5.10)" "code variant prefix" "$out"
	q() { "$FT" sql --csv "$db" "$1" | tail -n +2 | tr -d '\r'; }
	kv() { sed -n "s/^$1=//p" "$fix.guest"; }
	ino=$(kv ino)
	t_eq "$n: one window per delalloc punch" \
		"$(q "SELECT count(*) FROM events_v WHERE event = 'xfs_ilock' AND caller =
		      'xfs_bmap_punch_delalloc_range' AND ino = $ino")" \
		"$(q "SELECT count(*) FROM windows WHERE ino = $ino AND family = 'delalloc_punch'")"
	t_eq "$n: lost folios = the pages the guest lost in the batch, each explained by a window" \
		"$(kv lost_pages) $(kv lost_pages) 0" \
		"$(q "SELECT value FROM meta WHERE key LIKE 'analysis:%:lost_folios'")"
	t_eq "$n: nothing protected on a pre-fix kernel" 0 \
		"$(q "SELECT count(*) FROM windows WHERE verdict = 'protected'")"
	race=$(kv race_lost_pages)
	t_check "$n: the guest saw the race ($race page)" test "$race" -gt 0
	for off in $(kv race_offsets); do
		p=$((off / 4096))
		t_eq "$n: race page $p is a loss written back over a hole" 1 \
			"$(q "SELECT count(*) FROM windows WHERE verdict = 'loss' AND first_index <= $p AND
			      last_index >= $p AND evidence LIKE '%folio $p written back over a hole%'")"
	done
	t_eq "$n: as many write-back-over-a-hole losses as the guest saw" "$race" \
		"$(q "SELECT count(*) FROM windows WHERE verdict = 'loss' AND evidence LIKE '%written back over a hole%'")"
	dropped_pages=$(sed -n 's/.*buffered read: page at offset \([0-9]*\) .*/\1/p' "$fix.guest-log")
	nd=0
	for off in $dropped_pages; do
		p=$((off / 4096))
		nd=$((nd + 1))
		t_check "$n: page $p (lost by the truncate) lies in a dropped window" test \
			"$(q "SELECT count(*) FROM windows WHERE first_index <= $p AND last_index >= $p AND
			      (verdict = 'dropped' OR (verdict = 'loss' AND evidence LIKE '%folio $p deleted while dirty%'))")" -gt 0
	done
	t_check "$n: the guest saw truncate losses ($nd)" test "$nd" -gt 0
	if command -v python3 >/dev/null; then
		"$FT" windows --json "$db" > "$T_TMP/w.json"
		t_check "$n: windows --json (with evidence texts) is valid JSON" \
			python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T_TMP/w.json"
	fi
	t_eq "$n: as many dropped windows as pages the truncate lost" "$nd" \
		"$(q "SELECT count(*) FROM windows WHERE verdict = 'dropped'")"
	# $.loss_events names the events where the data went: for a dropped
	# window the writer's deletion of another task's page in its range; for a
	# loss window a writeback lookup over a hole or a deletion of a page in
	# its range, after the window opened.
	t_eq "$n: every dropped window's loss events are its writer's page deletions in its range" 0 \
		"$(q "SELECT count(*) FROM windows w WHERE w.verdict = 'dropped' AND (coalesce(json_array_length(w.evidence,
			'\$.loss_events'), 0) = 0 OR EXISTS (SELECT 1 FROM json_each(w.evidence, '\$.loss_events') j
			WHERE NOT EXISTS (SELECT 1 FROM events e JOIN kinds k ON k.id = e.kind WHERE e.id = j.value
			AND k.name = 'page_delete' AND e.ino = w.ino AND e.pid = json_extract(w.evidence, '\$.writer')
			AND e.findex BETWEEN w.first_index AND w.last_index AND e.id BETWEEN w.start_event AND w.end_event)))")"
	t_eq "$n: every loss window names its loss events (a lookup over a hole or a deletion in its range)" 0 \
		"$(q "SELECT count(*) FROM windows w WHERE w.verdict = 'loss' AND (coalesce(json_array_length(w.evidence,
			'\$.loss_events'), 0) = 0 OR EXISTS (SELECT 1 FROM json_each(w.evidence, '\$.loss_events') j
			WHERE NOT EXISTS (SELECT 1 FROM events e JOIN kinds k ON k.id = e.kind WHERE e.id = j.value
			AND e.ino = w.ino AND e.id > w.start_event AND ((k.name = 'map_blocks_found' AND e.ext_block = -2
			AND e.offset < (w.last_index + 1) * 4096 AND e.offset + e.length > w.first_index * 4096) OR
			(k.name = 'page_delete' AND e.findex BETWEEN w.first_index AND w.last_index)))))")"
done
t_done
