#!/bin/bash
# t8001: a quick kernel-lab run end to end (tests/lab/README.md): boot a
# Debian kernel package under QEMU TCG, run the racing workload for a short
# budget, bring the trace back, import and analyze it with this build, and
# hold the analysis against what the guest itself observed in the traced
# batch (the ring buffer holds the last batch only):
# - pre-fix (5.10): every page the guest lost to the race (O_DIRECT wrong,
#   page cache right; also wrong when re-read after dropping the cache) is
#   a `loss` window written back over a hole, and prefix replay of that
#   window loses that page; as many such losses as the guest saw; every
#   page the failed write's truncate threw away (page cache wrong too) is
#   a `dropped` window, and there are no other `dropped` windows;
# - post-fix (6.1.92+): the guest lost nothing and every window is
#   `protected`;
# - either way: one window per delalloc punch of the workload's file, and
#   the analysis counts as many lost folios as the guest lost pages in the
#   traced batch, each explained by a window.
# Part of `make check` (and so of CI): runs as root when qemu can be had
# and the kernel package is cached in $LAB or the Debian mirror answers;
# FT_LAB=0 skips it.  FT_LAB_KERNEL (default linux-image-5.10.0-32-amd64),
# FT_LAB_BUDGET (guest seconds, default 120), FT_LAB_PIN (the host CPU both
# vCPUs share, default 0).  The run's output stays in
# $LAB/out/t8001-last.  FT_LAB_OUT=DIR checks an earlier run's output
# directory (lab.sh's OUT) instead of booting.
. "$FT_ROOT/tests/lib/harness.sh"
[ "${FT_LAB:-}" != 0 ] || t_skip "kernel lab disabled (FT_LAB=0)"
kernel=${FT_LAB_KERNEL:-linux-image-5.10.0-32-amd64}
budget=${FT_LAB_BUDGET:-120}
lab=${LAB:-/tmp/lab}
if [ -z "${FT_LAB_OUT:-}" ]; then
	[ "$(id -u)" -eq 0 ] || t_skip "the kernel lab needs root"
	if ! ls "$lab"/apt/*/cache/"$kernel"_*.deb >/dev/null 2>&1 &&
		! timeout 10 bash -c '</dev/tcp/deb.debian.org/80' 2>/dev/null; then
		t_skip "no cached $kernel and deb.debian.org unreachable"
	fi
	command -v qemu-system-x86_64 >/dev/null || command -v apt-get >/dev/null ||
		t_skip "no qemu-system-x86_64 and no apt-get to install it"
fi
t_tmpdir
if [ -n "${FT_LAB_OUT:-}" ]; then
	out=$FT_LAB_OUT
	[ -f "$out/summary.kv" ] || t_skip "FT_LAB_OUT=$out holds no lab run (summary.kv)"
	echo "# checking the earlier run in $out"
	rc=0
	: >"$T_TMP/lab.log"
else
	# The run's output stays for inspection (the last run of this test).
	out=$lab/out/t8001-last
	rm -rf "$out"
	t0=$(date +%s)
	OUT=$out LAB=$lab "$FT_ROOT/tests/lab/lab.sh" -k "$kernel" -b "$budget" -P "${FT_LAB_PIN:-0}" \
		>"$T_TMP/lab.log" 2>&1
	rc=$?
	t1=$(date +%s)
	echo "# lab.sh took $((t1 - t0)) s (rc $rc)"
fi
grep -E '^lab: (qemu ran|events in)|^guest: uptime at mount' "$T_TMP/lab.log" | sed 's/^/# /'
# 3: the kernel package could not be fetched: the environment, not foliotrace.
[ "$rc" -ne 3 ] || t_skip "cannot fetch $kernel from the Debian mirror ($(grep -m1 'cannot fetch' "$T_TMP/lab.log"))"
t_eq "lab.sh brought a trace back" 0 "$rc"
[ "$rc" -eq 0 ] || { sed 's/^/#   /' "$T_TMP/lab.log" | tail -40; t_done; exit; }
kv() { sed -n "s/^$1=//p" "$out/$2" | head -1; }
attempts=$(kv attempts summary.kv)
race=$(kv race_lost_pages_total summary.kv)
echo "# $(kv kernel summary.kv): $attempts attempts in $(kv elapsed_s summary.kv) s, race pages $race," \
	"re-read lost $(kv reread_lost_pages_total summary.kv), XFS warnings $(kv xfs_kernel_warnings summary.kv)"
t_check "the guest ran attempts ($attempts)" test "${attempts:-0}" -gt 0

db=$T_TMP/lab.db
"$FT" import -q --uname-version "$(kv uname_version summary.kv)" "$out/trace.dat" -o "$db" &&
	"$FT" analyze -q "$db" || { t_fail "import and analyze"; t_done; exit; }
q() { "$FT" sql --csv "$db" "$1" | tail -n +2 | tr -d '\r'; }
variant=$(q "SELECT value FROM meta WHERE key LIKE 'analysis:%:variant'")
ino=$(kv ino batch.kv)
t_eq "one window per delalloc punch of the workload's file" \
	"$(q "SELECT count(*) FROM events_v WHERE event = 'xfs_ilock' AND caller =
	      'xfs_bmap_punch_delalloc_range' AND ino = $ino")" \
	"$(q "SELECT count(*) FROM windows WHERE ino = $ino AND family = 'delalloc_punch'")"
# Every page the guest lost in the traced batch (race and truncate alike) is
# a lost folio of the analysis, and a window explains each.
t_eq "lost folios = pages the guest lost in the traced batch ($(kv lost_pages batch.kv)), all explained" \
	"$(kv lost_pages batch.kv) $(kv lost_pages batch.kv) 0" \
	"$(q "SELECT value FROM meta WHERE key LIKE 'analysis:%:lost_folios'")"

# The upstream version from the guest's `uname -v` (Debian) or release.
ver=$(kv uname_version summary.kv | sed -n 's/.* Debian \([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p')
[ -n "$ver" ] || ver=$(kv kernel summary.kv)
IFS=. read -r maj min pat <<<"${ver%%-*}"
if [ "$maj" -lt 6 ] || { [ "$maj" -eq 6 ] && [ "$min" -lt 1 ]; } ||
	{ [ "$maj" -eq 6 ] && [ "$min" -eq 1 ] && [ "$pat" -lt 92 ]; }; then
	t_eq "pre-fix $ver: code variant prefix" prefix "$variant"
	t_eq "pre-fix: nothing protected" 0 "$(q "SELECT count(*) FROM windows WHERE verdict = 'protected'")"
	t_eq "as many written-back-over-a-hole losses as race pages the guest saw" "${race:-0}" \
		"$(q "SELECT count(*) FROM windows WHERE verdict = 'loss' AND evidence LIKE '%written back over a hole%'")"
	# Pages the failed write's truncate threw away: wrong in the page cache
	# as well (a buffered-read mismatch) in the traced batch.
	dropped_pages=$(sed -n 's/^shortwrite: buffered read: page at offset \([0-9]*\) .*/\1/p' \
		"$out/batch.err" | sort -un)
	t_eq "one dropped window per page the truncate threw away" \
		"$(echo "$dropped_pages" | grep -c .)" \
		"$(q "SELECT count(*) FROM windows WHERE verdict = 'dropped' AND ino = $ino")"
	for off in $dropped_pages; do
		p=$((off / 4096))
		t_eq "truncated page $p is in a dropped window" 1 \
			"$(q "SELECT count(*) > 0 FROM windows WHERE verdict = 'dropped' AND ino = $ino
			      AND $p BETWEEN first_index AND last_index")"
	done
	if [ "${race:-0}" -eq 0 ]; then
		echo "# no race hit in $attempts attempts (the natural rate is low: tests/lab/README.md)"
	fi
	for off in $([ -f "$out/lossy-batch.kv" ] && kv race_offsets lossy-batch.kv); do
		p=$((off / 4096))
		t_check "race page $p: also lost when re-read after dropping the cache" \
			grep -q "re-read after dropping the cache: page at offset $off " "$out/shortwrite-lossy.err"
		w=$(q "SELECT id FROM windows WHERE verdict = 'loss' AND $p BETWEEN first_index AND
			last_index AND evidence LIKE '%folio $p written back over a hole%' ORDER BY id LIMIT 1")
		t_check "race page $p is a loss window ($w)" [ -n "$w" ]
		[ -n "$w" ] || continue
		res=$("$FT" replay "$db" --window "$w" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
m = {x["model"]: x for x in d["models"]}["prefix"]
print(m["window_outcome"], m["where"]["page"] if m["window_outcome"] == "data_loss" else "-")')
		t_eq "prefix replay of window $w loses page $p" "data_loss $p" "$res"
	done
else
	t_eq "post-fix $ver: code variant v6.2" v6.2 "$variant"
	for k in race_lost_pages_total reread_lost_pages_total lost_pages_total xfs_kernel_warnings; do
		t_eq "the guest observed $k = 0" 0 "$(kv "$k" summary.kv)"
	done
	t_eq "every window is protected" 0 "$(q "SELECT count(*) FROM windows WHERE verdict != 'protected'")"
fi
# A run the analysis got wrong is kept for study (the next run replaces
# t8001-last).
if [ "$T_FAILS" -gt 0 ] && [ -z "${FT_LAB_OUT:-}" ]; then
	keep=$lab/out/t8001-miss-$(date +%Y%m%d-%H%M%S)
	cp -a "$out" "$keep" && echo "# this run is kept in $keep (FT_LAB_OUT=$keep re-checks it)"
fi
t_done
