#!/bin/bash
# t2002: with a deliberately tiny ring buffer and a syscall storm the kernel
# drops events; foliotrace record counts them (per-page gaps with their time
# range, per-cpu overrun counters), stores them, prints them, and the total
# in traces.lost_events is the per-cpu maximum of the two accounts (they
# count the same losses).  Needs root and tracefs; skipped otherwise.
. "$FT_ROOT/tests/lib/harness.sh"
[ "$(id -u)" -eq 0 ] || t_skip "must run as root"
t_tmpdir
t_tracefs || t_skip "tracefs is not mounted at /sys/kernel/tracing and cannot be mounted"
[ -d /sys/kernel/tracing/events/raw_syscalls ] || t_skip "no raw_syscalls events in tracefs"
db=$T_TMP/lost.db
lost=0
for n in 300000 1000000 3000000; do
	rm -f "$db"
	"$FT" record -b 8 -e raw_syscalls --instance "ft-t2002-$$" -o "$db" -- \
		dd if=/dev/zero of=/dev/null bs=1 count=$n >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
	[ "$rc" -eq 0 ] || break
	lost=$("$FT" sql --csv "$db" "SELECT lost_events FROM traces" | tail -1 | tr -d '\r')
	[ "${lost:-0}" -gt 0 ] && break
done
t_eq "record exits 0" 0 "$rc"
t_check "events were lost and counted ($lost)" test "${lost:-0}" -gt 0
t_match "the summary prints the losses" "lost $lost" "$(cat "$T_TMP/out")"
q() { "$FT" sql --csv "$db" "$1" | tail -1 | tr -d '\r'; }
t_eq "total = sum over cpus of max(page gaps, overrun+dropped)" "$lost" \
	"$(q "SELECT sum(CASE WHEN m > o THEN m ELSE o END) FROM (SELECT buffer_id, cpu,
	      sum(CASE WHEN kind = 'missed' AND count > 0 THEN count ELSE 0 END) AS m,
	      sum(CASE WHEN kind != 'missed' THEN count ELSE 0 END) AS o
	      FROM lost GROUP BY buffer_id, cpu)")"
gaps=$(q "SELECT count(*) FROM lost WHERE kind = 'missed'")
if [ "$gaps" -gt 0 ]; then
	t_eq "every page gap has the time stamp of the event after it" 0 \
		"$(q "SELECT count(*) FROM lost WHERE kind = 'missed' AND ts_after IS NULL")"
	t_eq "gaps lie inside the trace's span" 0 \
		"$(q "SELECT count(*) FROM lost l, traces t WHERE l.kind = 'missed' AND
		      (l.ts_after < t.first_ts OR l.ts_after > t.last_ts)")"
else
	t_check "no page gaps reported: the overrun counters carry the losses" test \
		"$(q "SELECT count(*) FROM lost WHERE kind != 'missed' AND count > 0")" -gt 0
fi
t_match "info shows the lost events" "lost events:" "$("$FT" info "$db")"
t_check "the instance is gone" test ! -e "/sys/kernel/tracing/instances/ft-t2002-$$"
t_done
