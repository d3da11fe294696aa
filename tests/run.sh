#!/bin/bash
# tests/run.sh - the one test runner.  Runs every unit-test binary in
# $FT_BUILD/tests and every tests/tNNNN-*.sh script (numbered by area:
# 0 cli, 1 import, 2 record, 3 analyze, 4 replay, 5 tui, 6 report,
# 8 lab, 9 reliability).  Tests print lines "ok - ...", "not ok - ..." and
# "skipped: <reason>"; the runner counts them and ends with the line
# "N passed, N failed, N skipped".  Exit status 1 if anything failed.
#
# FT_ONLY="pattern ..." runs only the tests whose file name contains one of
# the patterns.
set -u
cd "$(dirname "$0")/.." || exit 2
: "${FT_BIN:?FT_BIN must name the foliotrace binary}"
: "${FT_BUILD:?FT_BUILD must name the build directory}"
export FT_BIN FT_BUILD
export FT_ROOT="$PWD"

pass=0 fail=0 skip=0
failed_tests=()
tmpout=$(mktemp)
trap 'rm -f "$tmpout"' EXIT

# Whether FT_ONLY lets test file $1 run.
selected() {
	local p
	[ -z "${FT_ONLY:-}" ] && return 0
	for p in $FT_ONLY; do
		[[ $1 == *"$p"* ]] && return 0
	done
	return 1
}

run_one() {
	local name=$1; shift
	local p f s rc
	"$@" >"$tmpout" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$tmpout")
	f=$(grep -c '^not ok ' "$tmpout")
	s=$(grep -c '^skipped: ' "$tmpout")
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$tmpout"
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		f=1
		echo "not ok - $name asserted nothing" >>"$tmpout"
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	if [ "$f" -gt 0 ]; then
		failed_tests+=("$name")
		echo "--- $name: FAILED"
		sed 's/^/    /' "$tmpout"
	else
		printf '%-40s %3d ok' "$name" "$p"
		[ "$s" -gt 0 ] && printf ', %s' "$(grep '^skipped: ' "$tmpout" | head -1)"
		echo
	fi
}

# The suite leaves tracefs mounted or not, as it found it.
tracefs_state() { [ -e /sys/kernel/tracing/trace_clock ] && echo mounted || echo unmounted; }
tracefs_before=$(tracefs_state)

for t in "$FT_BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	selected "$name" || continue
	run_one "$name" "$t"
done
for t in tests/t[0-9][0-9][0-9][0-9]-*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t")
	selected "$name" || continue
	run_one "$name" bash "$t"
done

tracefs_after=$(tracefs_state)
if [ "$tracefs_after" != "$tracefs_before" ]; then
	echo "--- the suite found tracefs $tracefs_before and left it $tracefs_after: FAILED"
	fail=$((fail + 1))
	failed_tests+=("(tracefs left $tracefs_after)")
else
	pass=$((pass + 1))
	echo "tracefs left as found ($tracefs_before)"
fi

echo
[ ${#failed_tests[@]} -gt 0 ] && echo "failed: ${failed_tests[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
