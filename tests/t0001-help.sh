#!/bin/bash
# t0001: every command has --help (its usage line first, the exit status
# documented), `foliotrace help CMD` is the same text, and a man page that
# renders without warnings; -V and --version print the version; a usage
# error is one line on stderr (none on stdout), exit status 2, naming the
# command, with a suggestion for a near-miss command or option.
. "$FT_ROOT/tests/lib/harness.sh"

out=$("$FT" --help); rc=$?
t_eq "foliotrace --help exits 0" 0 "$rc"
cmds=$(echo "$out" | awk '/^commands:/{c=1; next} /^$/{c=0} c && /^   [a-z]/ {print $1}')
t_check "--help lists commands" test -n "$cmds"
for cmd in $cmds; do
	h=$("$FT" "$cmd" --help); rc=$?
	t_eq "$cmd --help exits 0" 0 "$rc"
	t_match "$cmd --help starts with its usage line" "^usage: foliotrace $cmd" "$h"
	t_match "$cmd --help documents exit status" "exit status" "$h"
	t_eq "foliotrace help $cmd is $cmd --help" "$h" "$("$FT" help "$cmd" 2>&1)"
	t_check "$cmd has a man page" test -s "$FT_ROOT/docs/man/foliotrace-$cmd.1"
	if [ -s "$FT_ROOT/docs/man/foliotrace-$cmd.1" ]; then
		t_check "man page of $cmd renders without warnings" \
			bash -c "MANWIDTH=80 man --warnings -l '$FT_ROOT/docs/man/foliotrace-$cmd.1' 2>&1 >/dev/null | (! grep -q .)"
	fi
	# an option no command has: one line naming the command, exit 2
	err=$("$FT" "$cmd" --no-such-option 2>&1 >/dev/null); rc=$?
	t_eq "$cmd: an unknown option exits 2" 2 "$rc"
	t_eq "$cmd: an unknown option is one line on stderr" 1 "$(printf '%s\n' "$err" | grep -c .)"
	t_match "$cmd: the line names the command and the option" \
		"^foliotrace $cmd: .*--no-such-option" "$err"
done
t_check "foliotrace has a man page" test -s "$FT_ROOT/docs/man/foliotrace.1"
t_check "foliotrace.1 renders without warnings" \
	bash -c "MANWIDTH=80 man --warnings -l '$FT_ROOT/docs/man/foliotrace.1' 2>&1 >/dev/null | (! grep -q .)"

# usage errors: exit 2, one line on stderr, nothing on stdout
usage_error() {	# usage_error DESC REGEX ARGS...: one line matching REGEX, exit 2
	local d=$1 re=$2 so se rc
	shift 2
	so=$("$FT" "$@" 2>"$T_TMP/err"); rc=$?
	se=$(cat "$T_TMP/err")
	t_eq "$d: exit status 2" 2 "$rc"
	t_eq "$d: nothing on stdout" "" "$so"
	t_eq "$d: one line on stderr" 1 "$(grep -c . "$T_TMP/err")"
	t_match "$d: the line says so" "$re" "$se"
}
t_tmpdir
usage_error "an unknown command" "'no-such-command'" no-such-command
usage_error "a near-miss command" "did you mean 'import'" imprt
usage_error "a near-miss option" "did you mean '--output'" import --outptu x.db x.dat
usage_error "a missing argument" "^foliotrace info: " info
usage_error "an option without its value" "^foliotrace windows: .*verdict" windows --verdict

v=$("$FT" --version)
t_match "--version prints the version" "^foliotrace [0-9]+\.[0-9]+" "$v"
t_eq "-V is --version" "$v" "$("$FT" -V)"
t_done
