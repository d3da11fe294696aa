#!/bin/bash
# add-lab-run.sh - add a kernel-lab run and the batches it kept to the corpus.
#
# Usage: tests/corpus/add-lab-run.sh [-s | -l | -r] OUT SHAPE
#   OUT    a lab.sh output directory (run with -K N: loss-NNN/ holds each
#          batch in which the guest saw a race loss);
#   SHAPE  the shape label of the names (e.g. p64k32-cpu0);
#   -s     add the batches kept by lab.sh -E ($OUT/sample-NNN) instead;
#   -l     add the run's last batch ($OUT/trace.dat, $OUT/guest.kv) instead
#          (post-fix runs keep no lossy batch);
#   -r     only record the run (its attempts count in MANIFEST).
# The run's record (lab.sh's run.kv: kernel package, parameters, qemu time;
# then the guest's summary.kv of the whole run) goes to
# tests/corpus/runs/<upstream version>-SHAPE-<date>.kv.  Each batch becomes
# tests/corpus/<upstream version>-SHAPE-NNN/ (numbered on from the entries
# already there): trace.dat as trace-cmd extracted it in the guest,
# guest.kv (the guest's own record of that batch) and run.kv (a copy of the
# run's record).  A batch whose trace.dat trace-cmd cannot read is left out
# (and said so).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
mode=loss
case ${1:-} in
-s) mode=sample; shift ;;
-l) mode=last; shift ;;
-r) mode=run; shift ;;
esac
[[ $# -eq 2 ]] || { sed -n '2,20p' "$0"; exit 2; }
out=$1
shape=$2
version() {
	sed -n 's/^uname_version=.* Debian \([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p' "$1"
}
ver=$(version "$out/summary.kv")
[[ -n $ver ]] || { echo "$out/summary.kv: no Debian upstream version in uname_version" >&2; exit 1; }
mkdir -p "$HERE/runs"
run=$HERE/runs/$ver-$shape-$(date -r "$out/summary.kv" +%Y%m%d-%H%M).kv
cat "$out/run.kv" "$out/summary.kv" >"$run"
echo "$run: $(grep -E '^(attempts|race_lost_pages_total)=' "$run" | tr '\n' ' ')"
case $mode in
run) exit 0 ;;
last) dirs=("$out") ;;
loss) dirs=("$out"/loss-[0-9][0-9][0-9]) ;;
sample) dirs=("$out"/sample-[0-9][0-9][0-9]) ;;
esac
for d in "${dirs[@]}"; do
	[[ -f $d/guest.kv ]] || continue
	if ! trace-cmd report -i "$d/trace.dat" >/dev/null 2>&1; then
		echo "$d: trace-cmd report fails on trace.dat: left out" >&2
		continue
	fi
	n=1
	while [[ -e $HERE/$ver-$shape-$(printf %03d $n) ]]; do n=$((n + 1)); done
	e=$HERE/$ver-$shape-$(printf %03d $n)
	mkdir "$e"
	cp "$d/trace.dat" "$d/guest.kv" "$e/"
	cp "$run" "$e/run.kv"
	echo "$e: $(stat -c %s "$e/trace.dat") bytes, $(grep '^race_offsets=' "$e/guest.kv")"
done
