#!/bin/bash
# t9005: the out-of-memory sweep (tests/unit/test_oom.c) under ASan+UBSan:
# every 41st allocation failing (every one with make check-long), no
# sanitizer report.  The plain build runs it as a unit test as well.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
bin=$FT_ROOT/build-asan/tests/test_oom
[ -x "$bin" ] || t_skip "$bin missing (make fuzz-regress-bin builds it)"
export LSAN_OPTIONS=suppressions=$FT_ROOT/tests/lsan.supp:print_suppressions=0
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
step=41
[ -n "${FT_LONG:-}" ] && step=1
(cd "$FT_ROOT" && "$bin" "$step") > "$T_TMP/out" 2>&1; rc=$?
sed 's/^/# /' "$T_TMP/out" | grep -v '^# ok' | head -20
t_eq "the sweep under ASan/UBSan exits 0" 0 "$rc"
t_eq "its checks passed" 0 "$(grep -c '^not ok' "$T_TMP/out")"
t_check "its checks ran" [ "$(grep -c '^ok' "$T_TMP/out")" -ge 5 ]
t_eq "no sanitizer report" 0 "$(grep -c 'Sanitizer\|runtime error' "$T_TMP/out")"
t_done
