# tests/lib/harness.sh - assertions for shell tests (source it).
# Prints "ok - desc" / "not ok - desc" lines that tests/run.sh counts.
# Every assertion can fail; a test that ends without any assertion is
# reported as a failure by the runner.

: "${FT_BIN:?run through tests/run.sh (make check)}"
FT=$FT_BIN
T_FAILS=0

t_ok()   { echo "ok - $*"; }
t_fail() { echo "not ok - $*"; T_FAILS=$((T_FAILS + 1)); }

# t_check DESC CMD...: passes when CMD exits 0.
t_check() {
	local d=$1; shift
	if "$@"; then t_ok "$d"; else t_fail "$d (command: $*)"; fi
}

# t_eq DESC EXPECTED ACTUAL
t_eq() {
	if [ "$2" == "$3" ]; then t_ok "$1"; else t_fail "$1: expected '$2', got '$3'"; fi
}

# t_match DESC REGEX TEXT
t_match() {
	if [[ $3 =~ $2 ]]; then t_ok "$1"; else t_fail "$1: '$3' does not match /$2/"; fi
}

# t_skip REASON: the whole test is skipped (exit 77).
t_skip() { echo "skipped: $*"; exit 77; }

t_tmpdir() {
	T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ft-test.XXXXXX")
	trap 't_cleanup' EXIT
}
t_cleanup() {
	[ -n "${T_TMP:-}" ] && rm -rf "$T_TMP"
	[ -n "${T_MOUNTED_TRACEFS:-}" ] && umount /sys/kernel/tracing 2>/dev/null
	return 0
}

# t_tracefs: tracefs at /sys/kernel/tracing, mounted for this test when it
# is not (and unmounted again at exit: call t_tmpdir first); returns 1 when
# it cannot be had.
t_tracefs() {
	[ -e /sys/kernel/tracing/trace_clock ] && return 0
	[ -d /sys/kernel/tracing ] && mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		return 1
	T_MOUNTED_TRACEFS=1
}

# t_sqlite3 [OPTION...] DB SQL...: the stock sqlite3 CLI with foliotrace's
# loadable extension (the events virtual table, ft_field) loaded, as a user
# would open a database (README.md); for queries on events, events_v or
# folios.  Other tables read with plain sqlite3.  A missing sqlite3 is the
# caller's skip; a missing extension (make builds it beside the binary) is a
# failure, said once, and the status is 1.
T_EXT=${FT_BUILD:-$(dirname "$FT")}/foliotrace_sqlite
T_EXT_SAID=
t_sqlite3() {
	if [ ! -f "$T_EXT.so" ]; then
		[ -n "$T_EXT_SAID" ] || t_fail "the sqlite3 extension $T_EXT.so is missing (make builds it)"
		T_EXT_SAID=1
		return 1
	fi
	sqlite3 -bail -cmd ".load '$T_EXT'" "$@"
}

t_done() { [ "$T_FAILS" -eq 0 ]; }
