#!/bin/bash
# t2001: foliotrace record on a real loop-mounted XFS: record a workload with
# `-- COMMAND` and check the database against the workload's own account;
# --dat writes a trace-cmd file whose import gives the same event counts;
# SIGINT without a command saves a complete database; non-root is refused
# with a clear message; the tracing instance is removed and nothing else in
# tracefs changes.  Needs root, tracefs, xfs, loop; skipped otherwise.
. "$FT_ROOT/tests/lib/harness.sh"
. "$FT_ROOT/tests/lib/workload-checks.sh"
lab_test_begin
W=$LAB_TMP/shortwrite
T=$LAB_TMP
name=ft-t2001-$$

# 1. record -- COMMAND
ROUNDS=$((4 + RANDOM % 6))
"$FT" record -q --instance "$name" --dev "$LAB_DEV" -o "$T/r.db" --dat "$T/r.dat" -- \
	"$W" -q -f "$LAB_MNT/a.dat" -n "$ROUNDS" -o "$T/a.kv" >"$T/out" 2>"$T/err"
t_eq "record -- workload exits 0 ($(head -c 300 "$T/err"))" 0 "$?"
t_check "the instance is gone after recording" test ! -e "/sys/kernel/tracing/instances/$name"
check_workload_db "live" "$T/r.db" "$T/a.kv"
t_eq "live: the trace clock is mono" mono \
	"$("$FT" sql --csv "$T/r.db" "SELECT clock FROM traces" | tail -1 | tr -d '\r')"
t_eq "live: the bdi of the device is mapped" 1 \
	"$("$FT" sql --csv "$T/r.db" "SELECT count(*) FROM bdi_map WHERE bdi = '$LAB_DEV'" | tail -1 | tr -d '\r')"
callers=$("$FT" sql --csv "$T/r.db" "SELECT count(*) FROM events_v WHERE event = 'xfs_ilock' AND caller IS NULL" | tail -1 | tr -d '\r')
t_eq "live: every xfs_ilock caller resolved to a symbol" 0 "$callers"
t_eq "live: no temp files left" "" "$(ls "$T" | grep tmp- || true)"

# 2. --dat: trace-cmd reads it; its import has the live database's counts.
t_check "--dat file is read by trace-cmd report" bash -c "trace-cmd report -i '$T/r.dat' >/dev/null 2>&1"
"$FT" import -q "$T/r.dat" -o "$T/ri.db"
t_eq "--dat file imports" 0 "$?"
q_counts='SELECT name, n_events FROM event_types ORDER BY name'
"$FT" sql --csv "$T/r.db" "$q_counts" > "$T/live.counts"
"$FT" sql --csv "$T/ri.db" "$q_counts" > "$T/dat.counts"
t_check "--dat import has the same event counts as the live database" cmp -s "$T/live.counts" "$T/dat.counts"
t_check "the counts are not empty" test "$(wc -l < "$T/live.counts")" -gt 10

# 3. No command: SIGINT ends the recording and saves a complete database.
"$FT" record --instance "$name" --dev "$LAB_DEV" -o "$T/s.db" >"$T/out" 2>"$T/err" &
pid=$!
# Wait until the recorder says it records: it prints that line after the
# events are enabled and tracing is on.  (The instance's tracing_on is 1 for
# a moment when the instance is created, before any event is enabled, so
# polling it can start the workload too early on a loaded machine.)
for _ in $(seq 1 300); do
	grep -q '^foliotrace: recording' "$T/err" 2>/dev/null && break
	sleep 0.1
done
t_check "SIGINT: the recorder said it records before the workload" \
	grep -q '^foliotrace: recording' "$T/err"
sleep 0.2
"$W" -q -f "$LAB_MNT/b.dat" -n 3 -o "$T/b.kv" >/dev/null
sleep 0.5
kill -INT "$pid"
wait "$pid"
t_eq "SIGINT: record exits 0" 0 "$?"
check_workload_db "after SIGINT" "$T/s.db" "$T/b.kv"

# 4. --duration
"$FT" record -q --instance "$name" -e sched:sched_switch -d 0.5 -o "$T/d.db"
t_eq "--duration: exits 0" 0 "$?"
t_check "--duration: sched_switch events recorded" test \
	"$("$FT" sql --csv "$T/d.db" "SELECT count(*) FROM events" | tail -1 | tr -d '\r')" -gt 0

# 5. Refusals.
mkdir -p "/sys/kernel/tracing/instances/$name"
"$FT" record -q --instance "$name" -d 0.1 -o "$T/x.db" 2>"$T/err"
t_eq "an existing instance is not reused: exit 1" 1 "$?"
t_match "an existing instance is not reused: says so" "exists already" "$(cat "$T/err")"
t_check "the existing instance was left alone" test -d "/sys/kernel/tracing/instances/$name"
rmdir "/sys/kernel/tracing/instances/$name"
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$FT" record -d 0.1 -o /tmp/nobody.db 2>"$T/err"
	t_eq "non-root: exit 1" 1 "$?"
	t_match "non-root: one clear line" "^foliotrace: record: needs root" "$(cat "$T/err")"
fi
"$FT" record -q -e nosuchsystem:nosuchevent -d 0.1 -o "$T/y.db" 2>"$T/err"
t_eq "unknown events only: exit 1" 1 "$?"
t_match "unknown events only: says so" "none of the requested events" "$(cat "$T/err")"

lab_test_end
t_done
