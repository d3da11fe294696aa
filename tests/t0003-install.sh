#!/bin/bash
# t0003: make install puts the binary, man pages and docs under DESTDIR/PREFIX,
# and the installed binary runs; make uninstall removes them.
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
t_check "bash completion installed" test -s "$d/usr/local/share/bash-completion/completions/foliotrace"
make -s -C "$FT_ROOT" uninstall DESTDIR="$d" PREFIX=/usr/local >/dev/null 2>&1
t_check "make uninstall removes the binary" test ! -e "$d/usr/local/bin/foliotrace"
t_check "make uninstall removes the man pages" bash -c "! ls '$d/usr/local/share/man/man1' 2>/dev/null | grep -q foliotrace"
t_done
