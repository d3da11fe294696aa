#!/bin/bash
# t3005: the code variant comes from the kernel's own symbols, not from its
# version (customer kernels backport without changing it; docs/variants.md).
# The expected variant of each real trace comes from what its kernel is
# known to run (tests/fixtures/PROVENANCE.md) and from its kallsyms as
# trace-cmd lists them, never from foliotrace's output:
# - Debian 6.1.192 (release 6.1.0-56-amd64: the version says 6.1.0) has the
#   6.2 delalloc series backported (6.1.92+): its kallsyms list
#   iomap_file_buffered_write_punch_delalloc, and imported WITHOUT
#   --uname-version it must give v6.2 and no unsafe, hit or loss window
#   (the guest lost nothing in 3,300 attempts);
# - Debian 5.10.223 is pre-fix: xfs_buffered_write_iomap_end and
#   xfs_bmap_punch_delalloc_range, none of the fix series' functions: prefix;
# - 6.18 exports iomap_write_delalloc_release, and the 6.2 wrapper is gone:
#   upstream;
# - the xfs-shortwrite-v6 fixture keeps 96 symbols (a reduced list, whose
#   absent names prove nothing): the version decides, and the notes say so;
# - a trace whose kallsyms are blanked out falls back to the version, and the
#   notes say the trace has no kallsyms; --uname-version still helps there;
# - analyze --variant V overrides, and the notes say so and what the
#   symbols said;
# - record stores the running kernel's names the same way (root only).
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
# trace-cmd and record mount tracefs when it is not: mount it here, so that the
# harness unmounts it again at exit (the machine is left as found).
[ "$(id -u)" -eq 0 ] && t_tracefs
fix=$FT_ROOT/tests/fixtures
q() { "$FT" sql --csv "$1" "$2" | tail -n +2 | tr -d '\r'; }
variant() { q "$1" "SELECT value FROM meta WHERE key LIKE 'analysis:%:variant'"; }
notes() { q "$1" "SELECT value FROM meta WHERE key LIKE 'analysis:%:notes'"; }
names="iomap_write_delalloc_release iomap_file_buffered_write_punch_delalloc
	xfs_buffered_write_delalloc_punch xfs_iomap_valid xfs_buffered_write_iomap_end
	xfs_bmap_punch_delalloc_range filemap_invalidate_lock_two"
# The fingerprint names trace-cmd's own dump of a file's kallsyms lists
# (module symbols carry a tab and [xfs]), sorted.
tc_names() {
	trace-cmd dump --kallsyms -i "$1" 2>/dev/null | awk -v want="$names" '
		BEGIN { n = split(want, w, /[ \t\n]+/); for (i = 1; i <= n; i++) if (w[i] != "") k[w[i]] = 1 }
		NF >= 3 && ($3 in k) { print $3 }' | sort -u | tr '\n' ' '
}
stored_names() { q "$1" "SELECT value FROM meta WHERE key LIKE 'trace:%:ksyms'" | tr ' ' '\n' |
	sed '/^$/d' | sort -u | tr '\n' ' '; }
command -v trace-cmd >/dev/null || t_skip "trace-cmd not installed (it lists the fixtures' kallsyms)"

# --- Debian 6.1.192, imported without --uname-version --------------------
db=$T_TMP/post.db
"$FT" import -q "$fix/xfs-postfix-6.1.dat" -o "$db" || { t_fail "import 6.1"; t_done; exit; }
t_eq "6.1: no uname -v in the trace (trace-cmd drops it)" "" \
	"$(q "$db" "SELECT uname FROM traces WHERE uname LIKE '%Debian%'")"
t_eq "6.1: the release alone says 6.1.0" "6.1.0-56-amd64" "$(q "$db" "SELECT kernel_release FROM traces")"
tc=$(tc_names "$fix/xfs-postfix-6.1.dat")
t_match "6.1: trace-cmd lists the 6.2 series' exported function in its kallsyms" \
	"iomap_file_buffered_write_punch_delalloc" "$tc"
t_eq "6.1: the stored names are those trace-cmd lists" "$tc" "$(stored_names "$db")"
t_check "6.1: the kallsyms entry count is stored (a full list)" \
	test "$(q "$db" "SELECT value FROM meta WHERE key LIKE 'trace:%:kallsyms'")" -gt 10000
out=$("$FT" analyze "$db")
t_match "6.1: code variant v6.2 from the symbols" "code variant v6\.2" "$out"
t_eq "6.1: the stored variant" v6.2 "$(variant "$db")"
t_match "6.1: the notes name the evidence" \
	"variant v6\.2 from the kernel's symbols: iomap_file_buffered_write_punch_delalloc present" \
	"$(notes "$db")"
t_check "6.1: windows were judged ($(q "$db" "SELECT count(*) FROM windows"))" \
	test "$(q "$db" "SELECT count(*) FROM windows")" -gt 0
t_eq "6.1: no unsafe, hit or loss window (the guest lost nothing)" 0 \
	"$(q "$db" "SELECT count(*) FROM windows WHERE verdict IN ('unsafe', 'hit', 'loss')")"

# --variant overrides the symbols and says so.
out=$("$FT" analyze --variant prefix "$db")
t_match "--variant prefix: code variant prefix" "code variant prefix" "$out"
t_match "--variant prefix: the notes say the user chose it, and what the symbols said" \
	"variant prefix given by the user \(the kernel's symbols say v6\.2\)" "$(notes "$db")"
t_check "--variant prefix: without the implied lock the windows are exposed" \
	test "$(q "$db" "SELECT count(*) FROM windows WHERE verdict = 'unsafe'")" -gt 0
err=$("$FT" analyze --variant 6.2 "$db" 2>&1 >/dev/null); rc=$?
t_eq "--variant with an unknown name fails" 1 "$rc"
t_match "... naming the known ones" "unknown code variant '6\.2' \(prefix, fix, v6\.2, upstream\)" "$err"

# --- Debian 5.10.223 (pre-fix) -------------------------------------------
for x in a b; do
	db=$T_TMP/race-$x.db
	"$FT" import -q "$fix/xfs-race-5.10-$x.dat" -o "$db" && "$FT" analyze -q "$db" ||
		t_fail "import/analyze 5.10-$x"
	tc=$(tc_names "$fix/xfs-race-5.10-$x.dat")
	t_eq "5.10-$x: trace-cmd lists the pre-fix cleanup and none of the fix series" \
		"xfs_bmap_punch_delalloc_range xfs_buffered_write_iomap_end " "$tc"
	t_eq "5.10-$x: the stored names are those trace-cmd lists" "$tc" "$(stored_names "$db")"
	t_eq "5.10-$x: variant prefix" prefix "$(variant "$db")"
	t_match "5.10-$x: from the symbols, MMAPLOCK not invalidate_lock (5.10 < 5.15)" \
		"variant prefix from the kernel's symbols: .*; MMAPLOCK is not invalidate_lock" \
		"$(notes "$db")"
done

# --- 6.18 ------------------------------------------------------------------
db=$T_TMP/v7.db
"$FT" import -q "$fix/xfs-shortwrite-v7.dat" -o "$db" && "$FT" analyze -q "$db" || t_fail "import 6.18"
t_match "6.18: trace-cmd lists iomap_write_delalloc_release as exported (T)" \
	" T iomap_write_delalloc_release$" \
	"$(trace-cmd dump --kallsyms -i "$fix/xfs-shortwrite-v7.dat" 2>/dev/null | grep -w iomap_write_delalloc_release)"
tc=$(tc_names "$fix/xfs-shortwrite-v7.dat")
t_check "6.18: ... and not the 6.2 wrapper" bash -c "! grep -q iomap_file_buffered_write_punch_delalloc <<< '$tc'"
t_eq "6.18: the stored names are those trace-cmd lists" "$tc" "$(stored_names "$db")"
t_eq "6.18: variant upstream" upstream "$(variant "$db")"
t_match "6.18: from the symbols" "variant upstream from the kernel's symbols" "$(notes "$db")"
t_eq "6.18: every window protected" 0 "$(q "$db" "SELECT count(*) FROM windows WHERE verdict != 'protected'")"

# --- a reduced kallsyms (the v6 fixture keeps 96 symbols) --------------------
db=$T_TMP/v6.db
"$FT" import -q "$fix/xfs-shortwrite-v6.dat" -o "$db" && "$FT" analyze -q "$db" || t_fail "import v6"
t_eq "reduced: 96 entries stored" 96 "$(q "$db" "SELECT value FROM meta WHERE key LIKE 'trace:%:kallsyms'")"
t_eq "reduced: the version decides (6.18: upstream)" upstream "$(variant "$db")"
t_match "reduced: the notes say no fingerprint matched, naming what was seen" \
	"no fingerprint matches the trace's kallsyms \(96 entries, a reduced list; present: xfs_bmap_punch_delalloc_range\): variant upstream from the kernel version 6\.18" \
	"$(notes "$db")"

# --- kallsyms blanked out ------------------------------------------------------
# trace-cmd rewrites the 6.1 trace as an uncompressed version-6 file; its
# kallsyms text (a 4-byte size, then the text) becomes blank lines of the
# same size, so every other offset in the file stays valid.
if command -v python3 >/dev/null &&
	trace-cmd convert --file-version 6 --compression none -i "$fix/xfs-postfix-6.1.dat" \
		-o "$T_TMP/p6.dat" >/dev/null 2>&1; then
	python3 - "$T_TMP/p6.dat" "$T_TMP/bare.dat" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
first = b'0000000000000000 A fixed_percpu_data\n'   # the kallsyms' first line
i = d.find(first)
size = int.from_bytes(d[i - 4:i], 'little') if i >= 4 else 0
assert i >= 4 and 0 < size <= len(d) - i, 'kallsyms not found'
d[i:i + size] = b'\n' * size
open(sys.argv[2], 'wb').write(d)
EOF
	t_eq "bare: trace-cmd sees no kallsyms in the blanked file" 0 \
		"$(trace-cmd dump --kallsyms -i "$T_TMP/bare.dat" 2>/dev/null | grep -c ' [TtDdBbRrWw] ')"
	db=$T_TMP/bare.db
	"$FT" import -q "$T_TMP/bare.dat" -o "$db" && "$FT" analyze -q "$db" || t_fail "import bare"
	t_eq "bare: 0 kallsyms entries stored" 0 "$(q "$db" "SELECT value FROM meta WHERE key LIKE 'trace:%:kallsyms'")"
	t_eq "bare: the version decides (6.1.0 reads as prefix)" prefix "$(variant "$db")"
	t_match "bare: the notes say the trace has no kallsyms" \
		"the trace has no kallsyms: variant prefix from the kernel version 6\.1\.0" "$(notes "$db")"
	uv=$(sed -n 's/^uname_version=//p' "$fix/xfs-postfix-6.1.guest")
	"$FT" import -q -f --uname-version "$uv" "$T_TMP/bare.dat" -o "$db" && "$FT" analyze -q "$db" ||
		t_fail "import bare --uname-version"
	t_eq "bare + --uname-version: the upstream version 6.1.192 gives v6.2" v6.2 "$(variant "$db")"
	t_match "bare + --uname-version: the notes say so" \
		"the trace has no kallsyms: variant v6\.2 from the kernel version 6\.1\.192" "$(notes "$db")"
else
	echo "skipped: python3 or trace-cmd convert unavailable (the kallsyms-less trace)"
fi

# --- an older database (no kallsyms rows) ------------------------------------
if command -v sqlite3 >/dev/null; then
	db=$T_TMP/old.db
	cp "$T_TMP/race-a.db" "$db"
	sqlite3 "$db" "DELETE FROM meta WHERE key LIKE 'trace:%'"
	"$FT" analyze -q "$db"
	t_eq "old database: the version decides (5.10: prefix)" prefix "$(variant "$db")"
	t_match "old database: the notes say the symbols are not recorded" \
		"does not record the trace's kernel symbols .*import again" "$(notes "$db")"
else
	echo "skipped: sqlite3 missing (an older database)"
fi

# --- record stores the running kernel's names (root, tracefs) ------------------
if [ "$(id -u)" -eq 0 ] && [ -r /proc/kallsyms ] && t_tracefs &&
	"$FT" record -q -e sched:sched_switch -d 1 -o "$T_TMP/rec.db" >/dev/null 2>&1; then
	want=$(awk -v want="$names" '
		BEGIN { n = split(want, w, /[ \t\n]+/); for (i = 1; i <= n; i++) if (w[i] != "") k[w[i]] = 1 }
		($3 in k) { print $3 }' /proc/kallsyms | sort -u | tr '\n' ' ')
	t_eq "record: the stored names are those /proc/kallsyms lists" "$want" \
		"$(stored_names "$T_TMP/rec.db")"
	n=$(q "$T_TMP/rec.db" "SELECT value FROM meta WHERE key LIKE 'trace:%:kallsyms'")
	t_check "record: the kallsyms entry count is stored ($n)" test "$n" -gt 0
	"$FT" analyze -q "$T_TMP/rec.db"
	t_match "record: analyze reads them" "from the kernel's symbols|no fingerprint matches" \
		"$(notes "$T_TMP/rec.db")"
else
	echo "skipped: record needs root and tracefs (the live kallsyms)"
fi
t_done
