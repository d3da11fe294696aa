#!/bin/bash
# t9004: I/O errors.  With libfiu's POSIX preload (fiu-utils) and
# tests/fiu/fiu_nth.c, the Nth POSIX I/O call of each process (read, write,
# pread, pwrite, open, fsync, ...) fails with EIO, for every other N in
# 1..40 here and every N in 1..200 in make check-long.  import and analyze must end with exit 0 or one
# clear error line and exit 1 (never a crash or a hang), and leave either
# the previous state or a complete, intact result.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
shim=${FT_BUILD:-$FT_ROOT/build}/fiu_nth.so
pre=/usr/lib/fiu
[ -e "$pre/fiu_posix_preload.so" ] || t_skip "fiu-utils missing (make deps-test)"
[ -e "$shim" ] || t_skip "$shim missing (make check builds it; needs libfiu-dev)"
points=$(seq 1 2 40)
[ -n "${FT_LONG:-}" ] && points=$(seq 1 200)
max=$(echo $points | wc -w)
fix=$FT_ROOT/tests/fixtures/xfs-shortwrite-v6.dat
q() { "$FT" sql --csv "$1" "$2" | tail -n +2 | tr -d '\r'; }
sig="SELECT count(*) || ':' || coalesce(sum(id * 3 + end_event), 0) AS s FROM windows"

# fault RUN N CMD...: runs CMD with its Nth I/O call failing; sets rc.
fault() {
	local n=$1
	shift
	FT_FIU_NTH=$n FT_FIU_LOG=$T_TMP/fired \
	LD_PRELOAD="$pre/fiu_run_preload.so $pre/fiu_posix_preload.so $shim" \
		timeout 60 "$@" > /dev/null 2> "$T_TMP/err"
	rc=$?
}

clean_end() {	# DESC: exit 0, or 1 with one "foliotrace: " line
	if [ "$rc" -eq 0 ]; then
		return 0
	elif [ "$rc" -eq 1 ] && [ "$(wc -l < "$T_TMP/err")" -eq 1 ] &&
	     grep -q '^foliotrace: ' "$T_TMP/err"; then
		failed=$((failed + 1))
		return 0
	fi
	t_fail "$1: exit $rc: $(head -c 300 "$T_TMP/err")"
	return 1
}

# import
"$FT" import -q "$fix" -o "$T_TMP/ref.db" && "$FT" analyze -q "$T_TMP/ref.db" ||
	t_fail "reference import and analysis"
want=$(q "$T_TMP/ref.db" "$sig")
ok=0 failed=0 : > "$T_TMP/fired"
for n in $points; do
	rm -f "$T_TMP/i.db"
	fault "$n" "$FT" import -q "$fix" -o "$T_TMP/i.db"
	clean_end "import, I/O call $n fails" || continue
	if [ -e "$T_TMP/i.db" ]; then
		if [ "$rc" -ne 0 ] || [ "$(sqlite3 "$T_TMP/i.db" 'PRAGMA integrity_check')" != ok ] ||
		   [ "$(q "$T_TMP/i.db" 'SELECT complete FROM traces')" != 1 ]; then
			t_fail "import, I/O call $n fails: left a database that is not complete"
			continue
		fi
	fi
	[ -z "$(ls "$T_TMP" | grep 'i.db.tmp-')" ] || { t_fail "import, call $n: temp file left"; continue; }
	ok=$((ok + 1))
done
t_eq "import: $max injected I/O errors, each a clean end ($failed reported an error)" "$max" "$ok"
t_check "import: the injected errors fired ($(wc -l < "$T_TMP/fired"))" [ "$(wc -l < "$T_TMP/fired")" -gt 0 ]
t_check "import: some runs failed because of them" [ "$failed" -gt 0 ]

# analyze over a fresh import; the database keeps no analysis or the whole
ok=0 failed=0
"$FT" import -q "$fix" -o "$T_TMP/base.db"
for n in $points; do
	cp "$T_TMP/base.db" "$T_TMP/a.db"
	fault "$n" "$FT" analyze -q "$T_TMP/a.db"
	clean_end "analyze, I/O call $n fails" || continue
	now=$(q "$T_TMP/a.db" "$sig")
	ic=$(sqlite3 "$T_TMP/a.db" "PRAGMA integrity_check")
	if [ "$ic" != ok ] || { [ "$now" != "$want" ] && [ "$now" != "0:0" ]; } ||
	   { [ "$rc" -eq 0 ] && [ "$now" != "$want" ]; }; then
		t_fail "analyze, I/O call $n fails: integrity '$ic', windows '$now' (complete: '$want')"
		continue
	fi
	ok=$((ok + 1))
done
t_eq "analyze: $max injected I/O errors, each a clean end ($failed reported an error)" "$max" "$ok"
t_check "analyze: some runs failed because of them" [ "$failed" -gt 0 ]
t_done
