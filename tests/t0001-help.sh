#!/bin/bash
# t0001: every implemented command has --help and a man page; stubs say
# "not implemented yet"; usage errors exit 2.
. "$FT_ROOT/tests/lib/harness.sh"

out=$("$FT" --help); rc=$?
t_eq "foliotrace --help exits 0" 0 "$rc"
implemented=$(echo "$out" | awk '/^commands:/{c=1; next} /^$/{c=0} c && /^   [a-z]/ && !/not implemented yet/ {print $1}')
stubs=$(echo "$out" | awk '/^commands:/{c=1; next} /^$/{c=0} c && /not implemented yet/ {print $1}')
t_check "some commands are implemented" test -n "$implemented"
for cmd in $implemented; do
	h=$("$FT" "$cmd" --help); rc=$?
	t_eq "$cmd --help exits 0" 0 "$rc"
	t_match "$cmd --help starts with its usage line" "^usage: foliotrace $cmd" "$h"
	t_match "$cmd --help documents exit status" "exit status" "$h"
	t_check "$cmd has a man page" test -s "$FT_ROOT/docs/man/foliotrace-$cmd.1"
	if [ -s "$FT_ROOT/docs/man/foliotrace-$cmd.1" ]; then
		t_check "man page of $cmd renders without warnings" \
			bash -c "MANWIDTH=80 man --warnings -l '$FT_ROOT/docs/man/foliotrace-$cmd.1' 2>&1 >/dev/null | (! grep -q .)"
	fi
done
t_check "foliotrace has a man page" test -s "$FT_ROOT/docs/man/foliotrace.1"
for cmd in $stubs; do
	err=$("$FT" "$cmd" 2>&1 >/dev/null); rc=$?
	t_eq "stub $cmd exits 1" 1 "$rc"
	t_match "stub $cmd says so" "not implemented yet" "$err"
done
"$FT" no-such-command >/dev/null 2>&1; rc=$?
t_eq "an unknown command exits 2" 2 "$rc"
"$FT" import --no-such-option x >/dev/null 2>&1; rc=$?
t_eq "an unknown option exits 2" 2 "$rc"
"$FT" info >/dev/null 2>&1; rc=$?
t_eq "a missing argument exits 2" 2 "$rc"
v=$("$FT" --version)
t_match "--version prints the version" "^foliotrace [0-9]+\.[0-9]+" "$v"
t_done
