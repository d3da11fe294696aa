#!/bin/bash
# t3004: analyze the real-kernel corpus (tests/corpus/README.md: batches the
# kernel lab kept, each trace.dat with the guest's own record, guest.kv) and
# hold every verdict against what the guest itself observed.  Expected
# values come from guest.kv only:
# - pre-fix (5.10.223): every page the guest lost to the race (page cache
#   right, O_DIRECT and the re-read after dropping the cache wrong:
#   race_offsets) lies in a `loss` window on the guest's file (dev_kernel,
#   ino) with that page between first_index and last_index; `loss` windows
#   that cover no such page (false alarms) are counted and reported;
#   every page the failed write's truncate threw away (dropped_offsets) is
#   a `dropped` window, and there are no other dropped windows;
# - either kernel: the analysis counts as many lost folios as the guest
#   lost pages in the batch (lost_pages), each explained by a window;
# - post-fix (6.1.192): no window is `unsafe`, `hit` or `loss`.
# The last line sums the corpus up (race pages, judged loss, false loss
# windows; post-fix windows, not protected).  In two 5.10 entries
# (p64k32-cpu0-001, p64k32m8-005) the racing fault runs between the punch's
# xfs_ilock event (a request: the tracepoint fires before down_write) and
# the lock's grant: an analysis that takes the event for the grant misses
# those losses (tests/corpus/README.md).
. "$FT_ROOT/tests/lib/harness.sh"
corpus=$FT_ROOT/tests/corpus
ls "$corpus"/*/guest.kv >/dev/null 2>&1 || t_skip "no corpus entries in $corpus"
t_tmpdir
race_pages=0 judged=0 false_loss=0 post_windows=0 post_unprotected=0 entries=0
for e in "$corpus"/*/; do
	e=${e%/}
	n=${e##*/}
	[ -f "$e/guest.kv" ] || continue
	entries=$((entries + 1))
	kv() { sed -n "s/^$1=//p" "$e/guest.kv" | head -1; }
	trace=$e/trace.dat
	if [ -f "$e/trace.dat.xz" ]; then
		trace=$T_TMP/$n.dat
		xz -dc "$e/trace.dat.xz" >"$trace" || { t_fail "$n: xz -d"; continue; }
	fi
	db=$T_TMP/$n.db
	if ! "$FT" import -q --uname-version "$(kv uname_version)" "$trace" -o "$db" ||
		! "$FT" analyze -q "$db"; then
		t_fail "$n: import and analyze"
		continue
	fi
	q() { "$FT" sql --csv "$db" "$1" | tail -n +2 | tr -d '\r'; }
	file="dev = $(kv dev_kernel) AND ino = $(kv ino)"
	ver=$(kv uname_version | sed -n 's/.* Debian \([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p')
	[ -n "$ver" ] || ver=$(kv kernel)
	IFS=. read -r maj min pat <<<"${ver%%-*}"
	# Every page the guest lost in the batch (race and truncate alike) is a
	# lost folio, and a window explains each.
	t_eq "$n: lost folios = pages the guest lost ($(kv lost_pages)), all explained" \
		"$(kv lost_pages) $(kv lost_pages) 0" \
		"$(q "SELECT value FROM meta WHERE key LIKE 'analysis:%:lost_folios'")"
	if [ "$maj" -lt 6 ] || { [ "$maj" -eq 6 ] && [ "$min" -lt 1 ]; } ||
		{ [ "$maj" -eq 6 ] && [ "$min" -eq 1 ] && [ "$pat" -lt 92 ]; }; then
		pages=""
		for off in $(kv race_offsets); do
			p=$((off / 4096))
			pages="$pages $p"
			race_pages=$((race_pages + 1))
			got=$(q "SELECT count(*) > 0 FROM windows WHERE verdict = 'loss' AND $file AND
			          $p BETWEEN first_index AND last_index")
			[ "$got" = 1 ] && judged=$((judged + 1))
			t_eq "$n: race page $p (ino $(kv ino)) is in a loss window" 1 "$got"
		done
		cover=0
		for p in $pages; do cover="$cover OR ($file AND $p BETWEEN first_index AND last_index)"; done
		f=$(q "SELECT count(*) FROM windows WHERE verdict = 'loss' AND NOT ($cover)")
		false_loss=$((false_loss + f))
		# Pages the failed write's truncate threw away (page cache wrong
		# too): each a dropped window (or a loss whose folio a later
		# cleanup deleted), and no other dropped window.
		nd=0
		for off in $(kv dropped_offsets); do
			p=$((off / 4096))
			nd=$((nd + 1))
			t_eq "$n: truncated page $p is in a dropped window" 1 \
				"$(q "SELECT count(*) > 0 FROM windows WHERE $file AND $p BETWEEN first_index
				      AND last_index AND (verdict = 'dropped' OR (verdict = 'loss' AND
				      evidence LIKE '%folio $p deleted while dirty%'))")"
		done
		t_eq "$n: as many dropped windows as pages the truncate threw away" "$nd" \
			"$(q "SELECT count(*) FROM windows WHERE verdict = 'dropped'")"
		echo "# $n: $ver, race pages:${pages:- none}, loss windows $(q "SELECT count(*) FROM
			windows WHERE verdict = 'loss'"), false loss windows $f"
	else
		w=$(q "SELECT count(*) FROM windows")
		bad=$(q "SELECT count(*) FROM windows WHERE verdict IN ('unsafe', 'hit', 'loss')")
		post_windows=$((post_windows + w))
		post_unprotected=$((post_unprotected + $(q "SELECT count(*) FROM windows WHERE verdict != 'protected'")))
		t_check "$n: post-fix $ver: windows on the guest's file" \
			test "$(q "SELECT count(*) FROM windows WHERE $file")" -gt 0
		t_eq "$n: post-fix $ver: no unsafe, hit or loss window (of $w)" 0 "$bad"
	fi
done
t_check "the corpus has entries ($entries)" test "$entries" -gt 0
echo "# corpus: $race_pages race pages, $judged judged loss, $false_loss false loss windows on 5.10;" \
	"6.1: $post_windows windows, $post_unprotected not protected"
t_done
