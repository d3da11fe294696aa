#!/bin/bash
# t4002: replay DB --window on the real fixtures.  Every window of the two
# pre-fix 5.10 traces and of the 6.18 trace is replayed under the four
# variants; under the variant of the trace's kernel the model must give the
# outcome the trace shows (computed here from each window's verdict and the
# trace's own writeback events, not taken from the program).  The pages the
# guest observed lost must be the pages the model loses under prefix, and
# no other variant may lose them.  Results are stored; runs are identical;
# bad requests are refused.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
fix=$FT_ROOT/tests/fixtures
q() { "$FT" sql --csv "$1" "$2" | tail -n +2 | tr -d '\r'; }

for name in xfs-race-5.10-a xfs-race-5.10-b xfs-shortwrite-v6; do
	db=$T_TMP/$name.db
	"$FT" import -q "$fix/$name.dat" -o "$db" && "$FT" analyze -q "$db" ||
		{ t_fail "$name: import and analyze"; continue; }
	ids=$(q "$db" "SELECT id FROM windows ORDER BY id")
	n=$(echo "$ids" | wc -w)
	t_check "$name: has windows ($n)" [ "$n" -gt 0 ]
	: > "$T_TMP/$name.jsonl"
	bad=0
	for w in $ids; do
		"$FT" replay "$db" --window "$w" --json >> "$T_TMP/$name.jsonl" || bad=$((bad + 1))
	done
	t_eq "$name: every window replays" 0 "$bad"
	t_eq "$name: 4 stored replays per window" "$((4 * n))" \
		"$(q "$db" "SELECT count(*) FROM replays r JOIN windows w ON w.id = r.window_id")"
	# The outcome the trace shows, per window, from the events: a loss
	# whose racing page is written back afterwards is data_loss.
	q "$db" "SELECT w.id, w.verdict, (SELECT count(*) FROM events e WHERE e.ino = w.ino AND
		e.id > w.end_event AND e.kind IN (SELECT id FROM kinds WHERE name IN
		('writeback_folio', 'map_blocks_found', 'map_blocks_alloc')) AND e.offset <= r.findex * 4096
		AND e.offset + e.length > r.findex * 4096) AS wb FROM windows w LEFT JOIN (SELECT x.id AS wid,
		min(e.findex) AS findex FROM windows x JOIN events e ON e.ino = x.ino AND e.findex BETWEEN
		x.first_index AND x.last_index AND e.id > x.start_event AND e.id < x.end_event AND e.kind IN
		(SELECT id FROM kinds WHERE name IN ('page_add', 'dirty')) AND e.pid !=
		json_extract(x.evidence, '$.writer') GROUP BY x.id) r ON r.wid = w.id ORDER BY w.id" \
		> "$T_TMP/$name.expect"
	variant=$(q "$db" "SELECT value FROM meta WHERE key LIKE 'analysis:%:variant'")
	out=$(python3 - "$T_TMP/$name.jsonl" "$T_TMP/$name.expect" "$variant" <<'EOF'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
exp = {}
for line in open(sys.argv[2]):
    wid, verdict, wb = line.strip().split(',')
    exp[int(wid)] = {'loss': 'data_loss' if wb not in ('', '0') else 'unbacked_dirty',
                     'hit': 'unbacked_dirty', 'dropped': 'dirty_dropped',
                     'unsafe': 'ok', 'protected': 'ok'}.get(verdict)
agree = disagree = 0
for r in runs:
    m = {x['model']: x['outcome'] for x in r['models']}
    want = exp[r['window']]
    if want is None:
        continue
    if m[sys.argv[3]] == want and r['matches_trace'] is True:
        agree += 1
    else:
        disagree += 1
        print('window %d: %s under %s, expected %s' % (r['window'], m[sys.argv[3]], sys.argv[3], want), file=sys.stderr)
print(len(runs), agree, disagree)
EOF
)
	read -r nruns agree disagree <<< "$out"
	t_eq "$name: $nruns replays parsed as JSON" "$n" "$nruns"
	t_eq "$name: under $variant every window gives what the trace shows ($agree)" "0/$n" \
		"$disagree/$agree"
done

# The guest's own observations: the pages it found lost after the race.
for name in xfs-race-5.10-a xfs-race-5.10-b; do
	db=$T_TMP/$name.db
	for off in $(sed -n 's/^race_offsets=//p' "$fix/$name.guest"); do
		page=$((off / 4096))
		w=$(q "$db" "SELECT id FROM windows WHERE verdict = 'loss' AND $page BETWEEN
			first_index AND last_index ORDER BY id LIMIT 1")
		t_check "$name: page $page the guest lost is in a loss window ($w)" [ -n "$w" ]
		[ -n "$w" ] || continue
		"$FT" replay "$db" --window "$w" --json > "$T_TMP/g.json"
		res=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
base = d["model_pages"][0]
for m in d["models"]:
    lost = m["where"]["page"] + base if m["outcome"] == "data_loss" else "-"
    print(m["model"], m["outcome"], lost)' "$T_TMP/g.json")
		t_eq "$name: prefix loses page $page at writeback" "prefix data_loss $page" \
			"$(grep '^prefix ' <<< "$res")"
		t_eq "$name: no other variant loses it" 0 "$(grep -v '^prefix ' <<< "$res" | grep -c data_loss)"
	done
done

# Deterministic: the same window twice gives the same bytes.
db=$T_TMP/xfs-race-5.10-a.db
w=$(q "$db" "SELECT min(id) FROM windows WHERE verdict = 'loss'")
a=$("$FT" replay "$db" --window "$w" --explore --json | sha256sum)
b=$("$FT" replay "$db" --window "$w" --explore --json | sha256sum)
t_eq "two replays of window $w are byte-identical" "$a" "$b"
t_check "explored counts are stored" [ "$(q "$db" "SELECT count(*) FROM replays WHERE window_id = $w AND explored > 0")" -eq 4 ]
t_eq "a replay under one model replaces the window's rows" 1 \
	"$("$FT" replay "$db" --window "$w" --model prefix >/dev/null; q "$db" "SELECT count(*) FROM replays WHERE window_id = $w")"

# Refusals.
"$FT" replay "$db" --window 999999 > /dev/null 2> "$T_TMP/err"; rc=$?
t_eq "an unknown window: exit 1" 1 "$rc"
t_match "an unknown window: one line naming it" "no window 999999" "$(cat "$T_TMP/err")"
"$FT" replay "$db" --window x1 > /dev/null 2>&1; rc=$?
t_eq "a malformed window id: usage error" 2 "$rc"
"$FT" replay "$db" > /dev/null 2>&1; rc=$?
t_eq "DB without --window: usage error" 2 "$rc"
"$FT" replay "$db" --window "$w" --scenario punch-race > /dev/null 2>&1; rc=$?
t_eq "--window with --scenario: usage error" 2 "$rc"
sqlite3 "$T_TMP/foreign.db" "CREATE TABLE x(y)"
"$FT" replay "$T_TMP/foreign.db" --window 1 > /dev/null 2> "$T_TMP/err"; rc=$?
t_eq "a foreign database: exit 1" 1 "$rc"
t_match "a foreign database: said so" "not a foliotrace database" "$(cat "$T_TMP/err")"
t_done
