#!/bin/bash
# t2004: lost events and verdicts.  The XFS workload is recorded with a
# deliberately tiny ring buffer while a reader is slowed down, so the
# kernel overwrites events; the losses are counted and stored, and after
# analysis no window that overlaps a loss (in time, or any window when a
# loss has no time range) is judged protected or unsafe.  Needs root,
# tracefs, xfs, loop.
. "$FT_ROOT/tests/lib/harness.sh"
. "$FT_ROOT/tests/lib/workload-checks.sh"
lab_test_begin
W=$LAB_TMP/shortwrite
T=$LAB_TMP
db=$T/lost.db
q() { "$FT" sql --csv "$db" "$1" | tail -n +2 | tr -d '\r'; }
lost=0 n=0
# Losses are random: try until a recording both lost events and kept some
# of the writer's punches (too many losses can take every window away).
for rounds in 40 120 40 400 120 40; do
	rm -f "$db"
	# 4 KB per cpu holds a few dozen events: a burst of writes overflows it
	# between two reads of the recorder.
	"$FT" record -q -b 4 --dev "$LAB_DEV" -o "$db" -- \
		"$W" -q -f "$LAB_MNT/l$rounds.dat" -n "$rounds" -o "$T/l.kv" > /dev/null 2> "$T/err" ||
		{ t_fail "record: $(head -c 300 "$T/err")"; break; }
	lost=$(q "SELECT lost_events FROM traces")
	"$FT" analyze -q "$db" || { t_fail "analyze"; break; }
	n=$(q "SELECT count(*) FROM windows")
	rm -f "$LAB_MNT/l$rounds.dat"
	[ "${lost:-0}" -gt 0 ] && [ "$n" -gt 0 ] && break
done
t_check "the tiny buffer lost events (${lost:-0}, $rounds rounds)" [ "${lost:-0}" -gt 0 ]
t_check "the losses are stored per cpu" [ "$(q "SELECT count(*) FROM lost")" -gt 0 ]
t_check "the workload's punches gave windows despite the losses ($n)" [ "$n" -gt 0 ]
unplaced=$(q "SELECT count(*) FROM lost WHERE kind != 'missed' AND count > 0")
placed=$(q "SELECT count(*) FROM lost WHERE kind = 'missed' AND count > 0 AND ts_after IS NOT NULL")
overlap=$(q "SELECT count(*) FROM windows w WHERE EXISTS (SELECT 1 FROM lost l WHERE l.kind = 'missed'
	AND l.count > 0 AND coalesce(l.ts_before, 0) <= w.end_ns AND l.ts_after >= w.start_ns)")
echo "# $n windows, $overlap overlap a placed gap; $placed placed gaps, $unplaced unplaced counts"
t_eq "no window overlapping a lost-event gap is protected or unsafe" 0 \
	"$(q "SELECT count(*) FROM windows w WHERE verdict IN ('protected', 'unsafe') AND EXISTS
	    (SELECT 1 FROM lost l WHERE l.kind = 'missed' AND l.count > 0 AND coalesce(l.ts_before, 0)
	     <= w.end_ns AND l.ts_after >= w.start_ns)")"
# Overrun counters without a gap in time: every window must be in doubt.
if [ "$(q "SELECT coalesce(sum(CASE WHEN o > m THEN 1 ELSE 0 END), 0) FROM (SELECT
	sum(CASE WHEN kind = 'missed' AND count > 0 THEN count ELSE 0 END) AS m,
	sum(CASE WHEN kind != 'missed' THEN count ELSE 0 END) AS o FROM lost GROUP BY buffer_id, cpu)")" -gt 0 ]; then
	t_eq "losses no gap places in time: no window is protected or unsafe" 0 \
		"$(q "SELECT count(*) FROM windows WHERE verdict IN ('protected', 'unsafe')")"
	t_match "and the analysis says why" "no gap places in time" \
		"$(q "SELECT value FROM meta WHERE key LIKE 'analysis:%:notes'")"
fi
t_eq "windows in doubt are unknown (not dropped: that verdict means a cleanup dropped data)" 0 \
	"$(q "SELECT count(*) FROM windows WHERE verdict = 'dropped'")"
lab_test_end
t_done
