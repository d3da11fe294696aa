#!/bin/bash
# t3006: the analysis invariants (A1-A4 of analyze/analyze.c: hb_check()'s
# H1-H4, the window life cycle W1-W3, folio states, lost-folio counts) hold
# after every event of every real trace the project carries: the bundled
# fixtures and the real-kernel corpus (tests/corpus).  The debug build
# (FT_DEBUG_BIN, `make debug-bin`) checks them as it goes and aborts on a
# breach; its tables must equal the normal build's.
. "$FT_ROOT/tests/lib/harness.sh"
DBG=${FT_DEBUG_BIN:-}
[ -n "$DBG" ] && [ -x "$DBG" ] || t_skip "no debug build (make debug-bin; FT_DEBUG_BIN)"
t_tmpdir
traces=("$FT_ROOT"/tests/fixtures/*.dat)
for d in "$FT_ROOT"/tests/corpus/*/; do
	for f in "$d"trace.dat "$d"trace.dat.xz; do
		[ -f "$f" ] && traces+=("$f")
	done
done
tables() {
	"$FT" sql --csv "$1" "SELECT family, verdict, dev, ino, start_event, end_event, first_index,
		last_index, tasks, evidence FROM windows ORDER BY id;
		SELECT count(*) FROM hb_edges; SELECT value FROM meta WHERE key LIKE 'analysis:%:lost_folios'"
}
for tr in "${traces[@]}"; do
	name=${tr#"$FT_ROOT"/tests/}
	src=$tr
	if [[ $tr == *.xz ]]; then
		src=$T_TMP/in.dat
		xz -dc "$tr" >"$src" || { t_fail "$name: xz"; continue; }
	fi
	"$FT" import -q -f "$src" -o "$T_TMP/n.db" 2>"$T_TMP/err" || {
		t_fail "$name: import: $(head -1 "$T_TMP/err")"
		continue
	}
	cp "$T_TMP/n.db" "$T_TMP/d.db"
	"$FT" analyze -q "$T_TMP/n.db"
	"$DBG" analyze -q "$T_TMP/d.db" 2>"$T_TMP/derr"
	rc=$?
	t_eq "$name: the debug analysis holds its invariants (exit 0)" 0 "$rc"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T_TMP/derr" | tail -3
	t_check "$name: the debug build's tables equal the normal build's" \
		cmp -s <(tables "$T_TMP/n.db") <(tables "$T_TMP/d.db")
done
t_done
