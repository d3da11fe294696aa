#!/bin/bash
# t9001: the fuzzing regression corpus (tests/fuzz/README.md).
#  - tests/fuzz/regress/<harness>/: inputs that once crashed foliotrace's own
#    code; each harness runs them in-process, built with ASan+UBSan, and must
#    finish without a sanitizer report.
#  - tests/fuzz/contained/import/: trace files that crash Debian's
#    libtracecmd/libtraceevent (or make them ask for exabytes, or make
#    libtracecmd read one damaged page forever: loop-*); the sandboxed
#    import must turn each into one clear error, exit 1, and leave no
#    database behind.  Run with the ASan+UBSan binary too when present.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
R=$FT_ROOT/tests/fuzz
ASAN_DIR=$FT_ROOT/build-asan/fuzz
export LSAN_OPTIONS=suppressions=$FT_ROOT/tests/lsan.supp:print_suppressions=0
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for dir in "$R"/regress/*/; do
	name=$(basename "$dir")
	bin=$ASAN_DIR/regress-$name
	files=("$dir"*)
	if [ ! -x "$bin" ]; then
		t_fail "$name: $bin missing (make fuzz-regress-bin)"
		continue
	fi
	"$bin" "${files[@]}" > "$T_TMP/out" 2>&1; rc=$?
	t_eq "$name: ${#files[@]} regression inputs run clean under ASan/UBSan" 0 "$rc"
	t_eq "$name: every input ran" "${#files[@]}" "$(grep -c '^ran ' "$T_TMP/out")"
	t_eq "$name: no sanitizer report" 0 "$(grep -c 'Sanitizer\|runtime error' "$T_TMP/out")"
done
# A record that claims more bytes than its ring-buffer page holds (libtracecmd
# hands it out on a damaged file) is skipped and counted, never read.
for f in "$R"/regress/import/overlong-*; do
	rm -f "$T_TMP/o.db"
	"$FT" import -q "$f" -o "$T_TMP/o.db" > /dev/null 2> "$T_TMP/err"; rc=$?
	t_eq "overlong record: import still succeeds" 0 "$rc"
	t_match "overlong record: skipped and said" "1 corrupt records that claim more bytes than their ring-buffer page holds were skipped" "$(cat "$T_TMP/err")"
done
for bin in "$FT" ${FT_ASAN_BIN:+"$FT_ASAN_BIN"}; do
	[ -x "$bin" ] || continue
	tag=$([ "$bin" = "$FT" ] && echo plain || echo asan)
	for f in "$R"/contained/import/*; do
		id=$(basename "$f" | cut -c1-14)
		rm -f "$T_TMP/c.db"
		# timeout: a decoder that loops (loop-*) must end by itself.
		timeout 120 "$bin" import -q "$f" -o "$T_TMP/c.db" > /dev/null 2> "$T_TMP/err"; rc=$?
		t_eq "$tag: $id: import exits 1" 1 "$rc"
		t_eq "$tag: $id: one line" 1 "$(wc -l < "$T_TMP/err")"
		t_match "$tag: $id: names the file and says it is corrupt" "$(basename "$f"): corrupt trace" "$(cat "$T_TMP/err")"
		t_check "$tag: $id: no database left" [ ! -e "$T_TMP/c.db" ]
		t_eq "$tag: $id: no sanitizer report from foliotrace" 0 "$(grep -c 'Sanitizer\|runtime error' "$T_TMP/err")"
	done
done
t_done
