#!/bin/bash
# t3003: analyze and replay on a real post-fix trace (Debian 6.1.192, which
# has 198dd8aedee6 and the later iomap series, under QEMU; the same lab
# workload as the 5.10 fixtures, see tests/fixtures/PROVENANCE.md), judged
# against what the guest itself saw:
# - the guest lost nothing (O_DIRECT, mmap view, re-read after dropping
#   the cache) and the kernel logged no XFS warning;
# - the code variant is v6.2: the upstream version in the kernel's
#   `uname -v` is 6.1.192 (Debian's release string says 6.1.0; trace-cmd
#   drops the version field, so import takes it with --uname-version), and
#   a 6.1 >= 6.1.92 has the backported series, not prefix; without
#   --uname-version the kernel's symbols say the same (t3005);
# - one window per delalloc punch of the workload's file, every one
#   `protected` (nothing worse);
# - replaying each window under that variant gives `ok`, as the trace shows.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
fix=$FT_ROOT/tests/fixtures/xfs-postfix-6.1
db=$T_TMP/post.db
q() { "$FT" sql --csv "$db" "$1" | tail -n +2 | tr -d '\r'; }
kv() { sed -n "s/^$1=//p" "$fix.guest"; }

for k in lost_pages verify_errors mmap_view_errors reread_lost_pages race_lost_pages_total \
	reread_lost_pages_total xfs_kernel_warnings; do
	t_eq "the guest observed $k = 0" 0 "$(kv "$k")"
done
t_check "the guest ran attempts ($(kv attempts))" test "$(kv attempts)" -gt 0

# trace-cmd does not save `uname -v`; the guest reported it (Debian names the
# upstream version only there).
"$FT" import -q --uname-version "$(kv uname_version)" "$fix.dat" -o "$db" ||
	{ t_fail "import"; t_done; exit; }
out=$("$FT" analyze "$db")

# The expected variant, from the trace's own uname (not from the program).
uname=$(q "SELECT uname FROM traces")
t_match "the trace is from Debian's 6.1 (uname: $uname)" ' Debian 6\.1\.[0-9]+' "$uname"
upstream=$(sed -n 's/.* Debian \(6\.1\.[0-9]*\).*/\1/p' <<<"$uname")
t_check "the upstream version $upstream has the backported series (>= 6.1.92)" \
	test "${upstream##*.}" -ge 92
t_match "code variant v6.2 (the fixed code, not prefix)" "code variant v6\.2" "$out"
t_eq "the stored variant" v6.2 "$(q "SELECT value FROM meta WHERE key LIKE 'analysis:%:variant'")"

"$FT" import -q "$fix.dat" -o "$T_TMP/bare.db" && "$FT" analyze -q "$T_TMP/bare.db"
t_eq "without --uname-version the kernel's symbols give v6.2 too" v6.2 \
	"$("$FT" sql --csv "$T_TMP/bare.db" "SELECT value FROM meta WHERE key LIKE 'analysis:%:variant'" | tail -n +2 | tr -d '\r')"

ino=$(kv ino)
punches=$(q "SELECT count(*) FROM events_v WHERE event = 'xfs_ilock' AND caller =
	'xfs_bmap_punch_delalloc_range' AND ino = $ino")
t_check "the trace has delalloc punches of the workload's file ($punches)" test "$punches" -gt 0
t_eq "one window per delalloc punch" "$punches" "$(q "SELECT count(*) FROM windows WHERE ino = $ino")"
t_eq "no window on another file" 0 "$(q "SELECT count(*) FROM windows WHERE ino != $ino")"
t_eq "every window is protected (nothing worse)" "0" \
	"$(q "SELECT count(*) FROM windows WHERE verdict != 'protected'")"
t_eq "no loss in the analysis" 0 "$(q "SELECT count(*) FROM windows WHERE verdict = 'loss'")"

# Replay: every window under the trace's variant, as the trace shows (ok).
ids=$(q "SELECT id FROM windows ORDER BY id")
: >"$T_TMP/r.jsonl"
bad=0
for w in $ids; do
	"$FT" replay "$db" --window "$w" --json >>"$T_TMP/r.jsonl" || bad=$((bad + 1))
done
t_eq "every window replays" 0 "$bad"
if command -v python3 >/dev/null; then
	res=$(python3 - "$T_TMP/r.jsonl" <<'EOF'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
ok = sum(1 for r in runs if {m['model']: m['outcome'] for m in r['models']}['v6.2'] == 'ok'
         and r['matches_trace'] is True)
print(len(runs), ok)
EOF
)
	read -r nruns nok <<<"$res"
	t_eq "replays parsed" "$punches" "$nruns"
	t_eq "under v6.2 every window gives ok and matches the trace" "$punches" "$nok"
else
	t_fail "python3 missing (needed to read the replay JSON)"
fi
t_done
