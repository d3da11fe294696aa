#!/bin/bash
# t2005: readers during a recording.  While `foliotrace record` writes its
# database (WAL), `foliotrace sql` and `foliotrace windows` read it in a
# loop: every read succeeds (no "database is locked"), sees whole batches
# only (the event blocks and their keys always agree: they are written in
# one transaction, and every event has one pid, so the pid postings of
# event_keys count the blocks' events), counts never go backwards, and the
# writer is not stalled into losing events.  Needs root, tracefs, xfs, loop.
. "$FT_ROOT/tests/lib/harness.sh"
. "$FT_ROOT/tests/lib/workload-checks.sh"
lab_test_begin
W=$LAB_TMP/shortwrite
T=$LAB_TMP
out=$T/live.db
"$FT" record -q --dev "$LAB_DEV" -o "$out" -- "$W" -q -f "$LAB_MNT/r.dat" -n 12 -s 2 \
	-o "$T/r.kv" > /dev/null 2> "$T/err" &
pid=$!
reads=0 bad=0 prev=0 backwards=0 failed=0
running() { local st; st=$(ps -o stat= -p "$pid" 2>/dev/null); [ -n "$st" ] && [ "${st#Z}" = "$st" ]; }
while running; do
	live=$(ls "$out".tmp-* 2>/dev/null | grep -vE -- '-(wal|shm)$' | head -1)
	if [ -z "$live" ]; then sleep 0.02; continue; fi
	r=$("$FT" sql --csv "$live" "SELECT (SELECT count(*) FROM events) || ':' ||
		((SELECT count(*) FROM events) = (SELECT coalesce(sum(n), 0) FROM event_keys
		 WHERE key_kind = 1)) AS r" \
		2> "$T/rerr" | tail -1 | tr -d '\r')
	if [ -z "$r" ]; then
		# gone: the recorder renamed it into place between our ls and our read
		[ -e "$live" ] && running && { failed=$((failed + 1)); echo "# read failed: $(cat "$T/rerr")"; }
		continue
	fi
	"$FT" windows "$live" > /dev/null 2>> "$T/werr" || { [ -e "$live" ] && running && failed=$((failed + 1)); }
	reads=$((reads + 1))
	[ "${r#*:}" = 1 ] || bad=$((bad + 1))
	[ "${r%%:*}" -ge "$prev" ] || backwards=$((backwards + 1))
	prev=${r%%:*}
	:
done
wait "$pid"
rc=$?
t_eq "record with readers exits 0 ($(head -c 200 "$T/err"))" 0 "$rc"
t_check "readers read the live database ($reads reads, last saw $prev events)" [ "$reads" -ge 2 ]
t_eq "every read succeeded" 0 "$failed"
t_eq "every read saw whole batches (events and their pid keys agree)" 0 "$bad"
t_eq "counts never went backwards" 0 "$backwards"
check_workload_db "with readers" "$out" "$T/r.kv"
t_eq "the writer lost no events" 0 \
	"$("$FT" sql --csv "$out" "SELECT lost_events FROM traces" | tail -1 | tr -d '\r')"
lab_test_end
t_done
