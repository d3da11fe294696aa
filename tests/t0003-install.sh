#!/bin/bash
# t0003: make install puts the binary, man pages, docs, bash completion and
# the sqlite3 extension under DESTDIR/PREFIX, the installed binary runs and
# the installed extension loads in the stock sqlite3 and reads the events
# of a database; make uninstall removes them.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
d=$T_TMP/dest
make -s -C "$FT_ROOT" install DESTDIR="$d" PREFIX=/usr/local >/dev/null 2>&1
t_eq "make install exits 0" 0 "$?"
t_check "binary installed and executable" test -x "$d/usr/local/bin/foliotrace"
t_match "installed binary runs" "^foliotrace " "$("$d/usr/local/bin/foliotrace" --version)"
for m in "$FT_ROOT"/docs/man/*.1; do
	t_check "man page $(basename "$m") installed" test -s "$d/usr/local/share/man/man1/$(basename "$m")"
done
t_check "schema.sql installed with the docs" test -s "$d/usr/local/share/doc/foliotrace/schema.sql"
for m in "$FT_ROOT"/docs/*.md; do
	t_check "$(basename "$m") installed with the docs" \
		test -s "$d/usr/local/share/doc/foliotrace/$(basename "$m")"
done
comp=$d/usr/local/share/bash-completion/completions/foliotrace
t_check "bash completion installed" test -s "$comp"
t_check "the installed completion loads in bash" bash -c ". '$comp' && complete -p foliotrace >/dev/null"
t_check "the installed man page renders" \
	bash -c "MANWIDTH=80 man -l '$d/usr/local/share/man/man1/foliotrace.1' | grep -q COMMANDS"
t_check "bash completion installed" test -s "$d/usr/local/share/bash-completion/completions/foliotrace"
ext=$d/usr/local/lib/foliotrace/foliotrace_sqlite.so
t_check "sqlite3 extension installed" test -s "$ext"
if command -v sqlite3 >/dev/null; then
	"$FT" import -q "$FT_ROOT/tests/fixtures/xfs-shortwrite-v7.dat" -o "$T_TMP/t.db"
	n=$("$FT" sql --csv "$T_TMP/t.db" "SELECT n_events FROM traces" | tail -1 | tr -d '\r')
	t_eq "the installed extension reads the events in the stock sqlite3 ($n, traces.n_events)" "$n" \
		"$(sqlite3 -bail -cmd ".load '${ext%.so}'" "$T_TMP/t.db" "SELECT count(*) FROM events" 2>&1)"
else
	t_fail "sqlite3 missing (make deps-test installs it)"
fi
make -s -C "$FT_ROOT" uninstall DESTDIR="$d" PREFIX=/usr/local >/dev/null 2>&1
t_check "make uninstall removes the binary" test ! -e "$d/usr/local/bin/foliotrace"
t_check "make uninstall removes the man pages" bash -c "! ls '$d/usr/local/share/man/man1' 2>/dev/null | grep -q foliotrace"
t_check "make uninstall removes the docs" test ! -e "$d/usr/local/share/doc/foliotrace"
t_check "make uninstall removes the completion" test ! -e "$comp"
t_check "make uninstall removes the extension" test ! -e "$ext"
t_done
