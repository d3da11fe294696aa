#!/bin/bash
# t3007: the stale_iomap evidence corpus (tests/corpus-stale/README.md:
# batches of tests/workloads/staleiomap.c on Debian 5.10.223 and 6.1.192
# under QEMU, each trace.dat with the guest's own record, guest.kv).
# Expected values come from guest.kv only:
# - every entry imports and analyzes;
# - the trace holds the guest's files: events of every inode in `inos`;
# - for every page the guest found corrupted (`cache_bad`, ino:offset), the
#   trace shows what the stale_iomap family's detector will stand on
#   (docs/family-stale_iomap.md): another task wrote the page back and the
#   page left the page cache, and then the writer (another pid) added it
#   again;
# - every such page lies in a `loss` window of family stale_iomap on the
#   guest's file (ino) with that page between first_index and last_index;
#   a stale_iomap `loss` window that covers no such page is a false alarm
#   (none allowed); on the fixed kernel (6.1) and in the control batches there
#   is no stale_iomap window at all;
# - a batch whose write covers page X whole (mode=full) corrupts nothing,
#   though the page was evicted under the writer: on the pre-fix kernel
#   (5.10: no validity check) the stale mapping is still used, one `hit`
#   window per attempt whose page was evicted (`evicted`), none `loss`;
# - no false alarm across families: the guest saw no page lost over a hole
#   or dropped, so no window of delalloc_punch or folio_loss is `hit`,
#   `loss` or `dropped` (the race here is another family's).
# The last line sums the corpus up.
. "$FT_ROOT/tests/lib/harness.sh"
corpus=$FT_ROOT/tests/corpus-stale
ls "$corpus"/*/guest.kv >/dev/null 2>&1 || t_skip "no entries in $corpus"
t_tmpdir
# the workload that made the corpus still builds (the lab builds it static)
gcc -std=gnu11 -Wall -Wextra -Werror -O2 -pthread -o "$T_TMP/staleiomap" \
	"$FT_ROOT/tests/workloads/staleiomap.c" 2> "$T_TMP/cc.err"; rc=$?
t_eq "tests/workloads/staleiomap.c builds without a warning" "0 " "$rc $(head -c 200 "$T_TMP/cc.err")"
"$T_TMP/staleiomap" > /dev/null 2> "$T_TMP/usage"; rc=$?
t_check "staleiomap without -f: a usage error (exit $rc)" [ "$rc" -ne 0 ]
t_check "staleiomap's usage names its options" grep -q -- "-m tail|head|full" "$T_TMP/usage"
kv() { sed -n "s/^$1=//p" "$2" | head -1; }
entries=0 bad_pages=0 evidenced=0 found=0 false_alarms=0
for e in "$corpus"/*/; do
	e=${e%/}
	n=${e##*/}
	db=$T_TMP/$n.db
	entries=$((entries + 1))
	"$FT" import -q "$e/trace.dat" -o "$db"; rc=$?
	t_eq "$n: import exits 0" 0 "$rc"
	"$FT" analyze -q "$db"; rc=$?
	t_eq "$n: analyze exits 0" 0 "$rc"
	q() { "$FT" sql --csv "$db" "$1" | tail -n +2 | tr -d '\r"'; }
	inos=$(kv inos "$e/guest.kv")
	t_check "$n: the guest's record lists its files" [ -n "$inos" ]
	missing=""
	for i in $inos; do
		[ "$(q "SELECT count(*) FROM events WHERE ino = $i")" -gt 0 ] || missing="$missing $i"
	done
	t_eq "$n: the trace has events of every file the guest used" "" "$missing"
	t_eq "$n: no delalloc_punch or folio_loss window is hit, loss or dropped" 0 \
		"$(q "SELECT count(*) FROM windows WHERE family != 'stale_iomap' AND
		      verdict IN ('hit', 'loss', 'dropped')")"
	bad=$(kv cache_bad "$e/guest.kv")
	nbad=$(echo $bad | wc -w)
	zeroed=$(q "SELECT value FROM meta WHERE key LIKE 'analysis:%:notes'" |
		sed -n 's/.*\b\([0-9][0-9]*\) page(s) zero-filled under a stale mapping.*/\1/p')
	t_eq "$n: the analysis notes as many zero-filled pages as the guest found corrupted" \
		"$nbad" "${zeroed:-0}"
	prefix_kernel=0
	case $(kv kernel "$e/guest.kv") in 5.10.*) prefix_kernel=1 ;; esac
	if [ -n "$bad" ]; then
		:
	elif [ "$prefix_kernel" = 1 ] && [ "$(kv mode "$e/guest.kv")" = full ] &&
	     [ "$(kv racer "$e/guest.kv")" = 1 ]; then
		t_eq "$n: whole pages, nothing corrupted (guest): one stale_iomap hit per evicted page, no loss" \
			"$(kv evicted "$e/guest.kv") 0" \
			"$(q "SELECT count(*) FROM windows WHERE family = 'stale_iomap' AND verdict = 'hit'") $(q "SELECT count(*) FROM windows WHERE family = 'stale_iomap' AND verdict != 'hit'")"
	else
		t_eq "$n: no page corrupted (guest), no stale_iomap window" 0 \
			"$(q "SELECT count(*) FROM windows WHERE family = 'stale_iomap'")"
	fi
	# stale_iomap loss windows that cover no page the guest found corrupted
	cover="0"
	for p in $bad; do
		cover="$cover OR (ino = ${p%%:*} AND $(( ${p##*:} / 4096 )) BETWEEN first_index AND last_index)"
	done
	fa=$(q "SELECT count(*) FROM windows WHERE family = 'stale_iomap' AND verdict = 'loss' AND NOT ($cover)")
	false_alarms=$((false_alarms + fa))
	for p in $(kv cache_bad "$e/guest.kv"); do
		ino=${p%%:*} idx=$(( ${p##*:} / 4096 ))
		bad_pages=$((bad_pages + 1))
		# an add of the page by a writer (a task in a buffered write of the
		# file), after another task wrote the page back and deleted it
		got=$(q "SELECT count(*) FROM events_v a WHERE a.kind = 'page_add' AND a.ino = $ino
			AND a.findex = $idx
			AND EXISTS (SELECT 1 FROM events_v b WHERE b.kind = 'buffered_write'
			AND b.ino = $ino AND b.pid = a.pid AND b.id < a.id)
			AND EXISTS (SELECT 1 FROM events_v d WHERE d.kind = 'page_delete'
			AND d.ino = $ino AND d.findex = $idx AND d.id < a.id AND d.pid != a.pid)
			AND EXISTS (SELECT 1 FROM events_v w WHERE w.event = 'iomap_writepage'
			AND w.ino = $ino AND w.findex = $idx AND w.id < a.id AND w.pid != a.pid)")
		[ "${got:-0}" -ge 1 ] && evidenced=$((evidenced + 1))
		w=$(q "SELECT count(*) FROM windows WHERE family = 'stale_iomap' AND verdict = 'loss'
			AND ino = $ino AND $idx BETWEEN first_index AND last_index")
		[ "${w:-0}" -ge 1 ] && found=$((found + 1))
	done
done
t_eq "every corrupted page is re-added by the writer after another task wrote it back and it left the cache ($bad_pages pages)" \
	"$bad_pages" "$evidenced"
t_check "the corpus has corrupted pages" [ "$bad_pages" -gt 0 ]
t_eq "every corrupted page is in a stale_iomap loss window on its file and page" "$bad_pages" "$found"
t_eq "no stale_iomap loss window covers a page the guest found right (false alarms)" 0 "$false_alarms"
echo "# corpus-stale: $entries entries, $bad_pages pages the guest found corrupted, $found in a stale_iomap loss window, $false_alarms false alarms"
t_done
