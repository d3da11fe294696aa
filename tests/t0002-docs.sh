#!/bin/bash
# t0002: the docs tell the truth.  docs/schema.md is generated from
# schema.sql and current; every table is documented; scripts/check-docs.py
# (its header lists the checks): the repository paths and the source tables
# the docs name exist, every option of each --help is in its man page and
# back with the same argument name, the command lines in the docs use
# options their command has, the README's command list, foliotrace.1 and the
# command table agree, the TUI man page names every key and glyph; the docs
# cite no notes outside the repository.  Each check is also run on altered
# copies of the docs, and must fail there.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
command -v python3 >/dev/null || t_skip "python3 missing (make deps-test)"

"$FT_ROOT/scripts/gen-schema-doc.sh" "$FT_ROOT/schema.sql" > "$T_TMP/schema.md"
t_check "docs/schema.md is up to date (run make docs)" cmp -s "$T_TMP/schema.md" "$FT_ROOT/docs/schema.md"
for t in $(sed -n 's/^CREATE TABLE \([a-z_]*\).*/\1/p' "$FT_ROOT/schema.sql"); do
	t_check "table $t is documented" grep -q "## Table \`$t\`" "$FT_ROOT/docs/schema.md"
done
t_check "ARCHITECTURE.md exists" test -s "$FT_ROOT/docs/ARCHITECTURE.md"

# The checks on the docs as they are: their ok / not ok lines count here.
python3 "$FT_ROOT/scripts/check-docs.py" "$FT_ROOT" "$FT" > "$T_TMP/checks" 2>&1
rc=$?
cat "$T_TMP/checks"
t_eq "check-docs.py exits 0" 0 "$rc"
n=$(grep -c '^ok - ' "$T_TMP/checks")
t_check "check-docs.py ran its checks (paths, options, commands, keys)" test "$n" -ge 40

# The project stands alone: no comment or doc cites notes kept outside it.
out=$(cd "$FT_ROOT" && grep -rn 'shared/docs\|kernel-paths-detail\|\.\./shared\|kernel-paths\*\|the detail file' \
	--include=*.c --include=*.h --include=*.md --include=*.sh --include=*.1 --include=Makefile \
	--exclude-dir='build*' --exclude=t0002-docs.sh . 2>&1)
t_eq "no reference to notes outside the repository" "" "$out"

# Each check fails on docs made wrong on purpose (copies in $T_TMP).
alter() {	# alter NAME: a fresh copy of docs/man and README.md in $T_TMP/NAME
	rm -rf "$T_TMP/$1"; mkdir -p "$T_TMP/$1"
	cp -r "$FT_ROOT/docs/man" "$T_TMP/$1/man"
	cp "$FT_ROOT/README.md" "$T_TMP/$1/README.md"
}
fails_with() {	# fails_with DESC NAME REGEX: check-docs.py on copy NAME fails with REGEX
	local out
	out=$(python3 "$FT_ROOT/scripts/check-docs.py" "$FT_ROOT" "$FT" "$T_TMP/$2/man" \
		"$T_TMP/$2/README.md" 2>&1)
	if [ $? -ne 0 ] && grep -q "^not ok - .*$3" <<<"$out"; then
		t_ok "$1"
	else
		t_fail "$1: no 'not ok' line matching /$3/ among: $(grep '^not ok' <<<"$out" | cut -c1-100 | tr '\n' '|')"
	fi
}

alter optgone	# windows' --json documented nowhere in its man page
sed -i '/^\.TP$/{N;/\\-\\-json/d}' "$T_TMP/optgone/man/foliotrace-windows.1"
fails_with "an option of --help missing from the man page is caught" optgone \
	"every option of foliotrace windows --help is an option of foliotrace-windows.1.*--json"

alter optextra	# an option the command does not have
printf '.TP\n.B \\-\\-no\\-such\\-option\nNothing.\n' > "$T_TMP/optextra/tag"
sed -i "/^\.SH OPTIONS/r $T_TMP/optextra/tag" "$T_TMP/optextra/man/foliotrace-timeline.1"
fails_with "a man page option that --help does not list is caught" optextra \
	"every option foliotrace-timeline.1 lists .* is in foliotrace timeline --help.*--no-such-option"

alter argname	# sql's --timeout documented with another argument
sed -i 's/^\.BI \\-\\-timeout= T$/.BI \\-\\-timeout= SECONDS/' "$T_TMP/argname/man/foliotrace-sql.1"
fails_with "an option argument named differently in the man page is caught" argname \
	"the options of foliotrace sql --help and of foliotrace-sql.1 take the same argument names.*--timeout=T .man: SECONDS."

alter path	# a path that does not exist
echo 'See `docs/no-such-file.md` and tests/no-such-test.sh.' >> "$T_TMP/path/README.md"
fails_with "a repository path that does not exist is caught" path \
	"repository paths .*README.md names exist: missing docs/no-such-file.md, tests/no-such-test.sh"

alter table	# a table that is not in the file named
echo 'An event: one row in `no_such_rules[]` of `record/normalize.c`.' >> "$T_TMP/table/README.md"
fails_with "a table missing from the file the docs name is caught" table \
	"tables .*README.md names are defined in the files it names: not found: no_such_rules"

alter example	# a command line in the README with an option windows lacks
echo '    foliotrace windows --no-such-thing trace.db' >> "$T_TMP/example/README.md"
fails_with "a README command line with an option the command lacks is caught" example \
	"command lines in .*README.md are in the commands' --help: line [0-9]*: windows --no-such-thing"

alter cmd	# a command dropped from the README's table and from foliotrace.1
sed -i '/^| `export` |/d' "$T_TMP/cmd/README.md"
sed -i '/^\.TP$/{N;/^\.TP\n\.B export$/d}' "$T_TMP/cmd/man/foliotrace.1"
fails_with "a command missing from the README's Commands table is caught" cmd \
	"the README's Commands table lists the commands"
fails_with "a command missing from foliotrace.1 is caught" cmd "foliotrace.1's COMMANDS are the commands"

alter key	# the TUI's zoom key no longer in the man page
sed -i 's/^\.B + \\- z$/.B + \\-/' "$T_TMP/key/man/foliotrace-tui.1"
fails_with "a TUI key missing from the man page is caught" key "the KEYS of foliotrace-tui.1 name.*missing z"

alter glyph	# the legend without the ENOSPC glyph
sed -i 's/^\.B E$/.B Z/' "$T_TMP/glyph/man/foliotrace-tui.1"
fails_with "a timeline glyph missing from the man page's legend is caught" glyph \
	"the Timeline legend of foliotrace-tui.1 shows .*missing E"
t_done
