#!/bin/bash
# t0004: make demo's story (scripts/demo.sh) runs without root on the bundled
# traces and shows what the guest of the 5.10 lab run observed: the loss
# window of its lost page, that page's timeline, the window replayed under
# every code variant (data loss under the trace's pre-fix code, none under
# the fixed ones) and a report at the path it prints.  Expected values come
# from the guest's own record (tests/fixtures/xfs-race-5.10-a.guest) and
# from the kernel (docs/kernel-paths.md 1.3, 1.4), not from foliotrace.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
chmod 755 "$T_TMP"
out=$T_TMP/demo
mkdir -p "$out"

guest=$FT_ROOT/tests/fixtures/xfs-race-5.10-a.guest
kv() { sed -n "s/^$1=//p" "$guest" | head -1; }
ino=$(kv ino)
page=$(( $(kv race_offsets | cut -d, -f1) / $(kv page_size) ))
t_check "the guest's record names a lost page" test "$page" -gt 0

# Not root: the demo needs none (as nobody when the suite runs as root).
as_user=()
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || t_skip "setpriv missing to drop root"
	chmod 777 "$out"
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
"${as_user[@]}" "$FT_ROOT/scripts/demo.sh" "$FT" "$out" >"$T_TMP/log" 2>&1
rc=$?
t_eq "scripts/demo.sh exits 0 without root" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/    # /' "$T_TMP/log" | tail -20

log=$(cat "$T_TMP/log")
for step in "import -f -q tests/fixtures/xfs-race-5.10-a.dat" "analyze " "windows --verdict loss" \
	"timeline --window" "replay " "report "; do
	t_match "the demo runs foliotrace $step" "\\\$ foliotrace $step" "$log"
done
t_match "the timeline shown is of the page the guest lost" \
	"the timeline of its page $page \\(inode $ino\\)" "$log"
w=$(sed -n 's/^== 3\. window \([0-9]*\):.*/\1/p' "$T_TMP/log")
t_check "the replay's full output is kept" test -s "$out/replay-$w.txt"
# The outcomes from the replays the demo stored (schema.sql: replays).
outcome() {
	"$FT" sql --csv "$out/race.db" \
		"SELECT outcome FROM replays WHERE window_id = $w AND model = '$1'" 2>/dev/null |
		tr -d '\r' | sed -n 2p
}
# 5.10 runs the prefix code: the store lands in a folio over a hole (1.3)
t_eq "under prefix, the trace's code, the model loses the page" data_loss "$(outcome prefix)"
# with invalidate_lock held over the cleanup, the fault waits and then
# reserves its own block (1.4): nothing is written back over a hole
for v in fix v6.2 upstream; do
	o=$(outcome "$v")
	t_check "under $v the window is replayed, without data loss ($o)" \
		test -n "$o" -a "$o" != data_loss
	t_match "the demo prints the outcome under $v" "under $v: outcome $o" "$log"
done
report=$(sed -n 's/^report: //p' "$T_TMP/log" | tail -1)
t_check "the report's path is printed last, and the report is there" test -s "$report"
t_check "the report is HTML" grep -qi "<html" "$report"
t_done
