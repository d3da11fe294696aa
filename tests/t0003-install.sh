#!/bin/bash
# t0003: make install puts the binary, man pages, docs and bash completion
# under DESTDIR/PREFIX, and the installed binary runs; make uninstall removes
# them.
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
make -s -C "$FT_ROOT" uninstall DESTDIR="$d" PREFIX=/usr/local >/dev/null 2>&1
t_check "make uninstall removes the binary" test ! -e "$d/usr/local/bin/foliotrace"
t_check "make uninstall removes the man pages" bash -c "! ls '$d/usr/local/share/man/man1' 2>/dev/null | grep -q foliotrace"
t_check "make uninstall removes the docs" test ! -e "$d/usr/local/share/doc/foliotrace"
t_check "make uninstall removes the completion" test ! -e "$comp"
t_done
