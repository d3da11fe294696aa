#!/bin/bash
# scripts/demo.sh - the whole story on the bundled real traces, no root:
# import, analyze, the windows, the loss window, its timeline, its replay
# under each code variant, the postmortem report.  `make demo` installs the
# build libraries and builds first; tests/t0004-demo.sh runs this script.
#
#   scripts/demo.sh [FOLIOTRACE [OUTDIR]]    (default ./foliotrace, build/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
FT=${1:-./foliotrace}
OUT=${2:-build/demo}
mkdir -p "$OUT"

say() { printf '\n== %s\n' "$*"; }
run() { printf '$ foliotrace %s\n' "$*"; "$FT" "$@"; }

say "1. a fixed kernel: 6.18, short writes, mmap faults, writeback, hole punches (tests/fixtures/PROVENANCE.md)"
run import -f -q tests/fixtures/xfs-shortwrite-v7.dat -o "$OUT/shortwrite.db"
run analyze "$OUT/shortwrite.db"
run windows "$OUT/shortwrite.db"

say "2. the race: Debian's pre-fix 5.10 kernel under QEMU; the guest itself saw page 4512 lost"
run import -f -q tests/fixtures/xfs-race-5.10-a.dat -o "$OUT/race.db"
run info "$OUT/race.db"
run analyze "$OUT/race.db"
run windows --verdict loss "$OUT/race.db"

# The first loss window, its inode and first page, from the database.
row=$("$FT" sql --csv "$OUT/race.db" \
	"SELECT id, ino, first_index FROM windows WHERE verdict = 'loss' ORDER BY id LIMIT 1" |
	tr -d '\r' | sed -n 2p)
IFS=, read -r W INO INDEX <<<"$row"
[ -n "$W" ] || { echo "demo: no loss window in $OUT/race.db" >&2; exit 1; }

say "3. window $W: the timeline of its page $INDEX (inode $INO), one lane per task, the window marked"
run timeline --window "$W" --index "$INDEX" "$OUT/race.db"

say "4. window $W replayed in the kernel-path model under each code variant (prefix, fix, v6.2, upstream)"
run replay "$OUT/race.db" --window "$W" >"$OUT/replay-$W.txt"
# the agreement line, the window, then each variant's outcome
sed -n '1,/^  model:/p' "$OUT/replay-$W.txt" | head -n 20
grep -E '^(== window under|outcome )' "$OUT/replay-$W.txt"
echo "(every step of every variant, with the trace's events: $OUT/replay-$W.txt)"

say "5. the postmortem: verdicts, the windows in detail with figures, replays, provenance"
run report -f "$OUT/race.db" -o "$OUT/postmortem.html"
echo "report: $(realpath "$OUT/postmortem.html")"
