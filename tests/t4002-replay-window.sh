#!/bin/bash
# t4002: replay DB --window on real traces: the fixtures (two pre-fix 5.10
# traces, a 6.18 one) and every race loss and dropped page of the real-kernel
# corpus (tests/corpus, 5.10.223).  The expected values come from the trace
# and the guest, never from the program:
# - the outcome a window shows, from its verdict and the trace's own events
#   (a loss whose racing page is written back afterwards is data_loss, else
#   unbacked_dirty; a hit is unbacked_dirty when a racer dirtied its page
#   inside the window without reserving its own block first, else ok;
#   dropped: dirty_dropped; unsafe,
#   protected: ok), computed here in SQL;
# - the pages the guest observed lost (guest.kv / *.guest race_offsets) and
#   the pages the failed write's truncate threw away (dropped_offsets);
# - the events each step must stand for, read from the trace in SQL: the
#   racer's page add, the writer's delete of that page, the window's punch
#   (its end_event), the writeback of the page (iomap_writepage) and its
#   mapping lookup (xfs_map_blocks_*); their order in the trace must be the
#   order of their steps in the replay.
# Under the variant of the trace's kernel every window must give what the
# trace shows, and the replay must follow the trace (no divergence).
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
fix=$FT_ROOT/tests/fixtures
command -v python3 >/dev/null || t_skip "python3 missing (needed to read the replay JSON)"

# facts DB WINDOW: the trace's events a loss or dropped window's steps stand
# for, as JSON (null where the trace has none).
facts() {
	"$FT" sql --csv "$1" "WITH w AS (SELECT * FROM windows WHERE id = $2),
	k AS (SELECT id, name FROM kinds),
	r AS (SELECT e.id, e.pid, e.findex FROM events e, w WHERE e.ino = w.ino AND e.findex
	      BETWEEN w.first_index AND w.last_index AND e.pid != json_extract(w.evidence, '\$.writer')
	      AND e.kind IN (SELECT id FROM k WHERE name IN ('page_add', 'dirty')) AND e.id < (SELECT
	      min(id) FROM events x WHERE x.pid = json_extract(w.evidence, '\$.writer') AND x.id >
	      w.end_event AND x.kind = (SELECT id FROM k WHERE name = 'iunlock') AND (x.flags & 1))
	      AND e.id > w.start_event - 2000 ORDER BY e.id DESC LIMIT 1),
	pa AS (SELECT e.id FROM events e, r, w WHERE e.ino = w.ino AND e.findex = r.findex AND
	       e.pid = r.pid AND e.kind = (SELECT id FROM k WHERE name = 'page_add') AND e.id <= r.id
	       ORDER BY e.id DESC LIMIT 1),
	del AS (SELECT e.id FROM events e, r, w WHERE e.ino = w.ino AND e.findex = r.findex AND
	        e.pid = json_extract(w.evidence, '\$.writer') AND e.id > r.id AND e.id <= w.end_event
	        AND e.kind = (SELECT id FROM k WHERE name = 'page_delete') ORDER BY e.id LIMIT 1),
	wb AS (SELECT e.id, e.pid FROM events e, r, w WHERE e.ino = w.ino AND e.findex = r.findex
	       AND e.id > w.end_event AND e.kind = (SELECT id FROM k WHERE name = 'writeback_folio')
	       ORDER BY e.id LIMIT 1),
	mb AS (SELECT e.id FROM events e, wb WHERE e.pid = wb.pid AND e.id > wb.id AND e.kind IN
	       (SELECT id FROM k WHERE name IN ('map_blocks_found', 'map_blocks_alloc')) ORDER BY
	       e.id LIMIT 1)
	SELECT json_object('page', (SELECT findex FROM r), 'page_add', (SELECT id FROM pa),
	       'delete', (SELECT id FROM del), 'punch', (SELECT end_event FROM w),
	       'writepage', (SELECT id FROM wb), 'map', (SELECT id FROM mb)) AS facts" | tail -n +2 |
		tr -d '\r' | sed 's/^"//; s/"$//; s/""/"/g'
}

# check.py JSON FACTS VARIANT EXPECTED [GUEST_PAGE]: prints one line per
# failed condition, or "ok".
cat > "$T_TMP/check.py" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
f = json.loads(sys.argv[2]) if sys.argv[2] else {}
variant, want = sys.argv[3], sys.argv[4]
guest = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5] else None
m = {x['model']: x for x in d['models']}[variant]
bad = []
if m['window_outcome'] != want:
    bad.append('outcome %s, expected %s' % (m['window_outcome'], want))
if d['matches_trace'] is not True:
    bad.append('matches_trace %s' % d['matches_trace'])
if d['divergence'] is not None or m['divergence'] is not None:
    bad.append('divergence: %s' % json.dumps(d['divergence']))
steps = m['steps']
def step_of(ev):
    for i, s in enumerate(steps):
        if ev in s.get('events', []):
            return i
    return None
page = f.get('page')
want_steps = {'page_add': lambda s: s['task'] not in ('W', 'B') and s['page'] == page,
              'delete': lambda s: s['task'] == 'W' and s['step'] == 'truncate_pagecache',
              'punch': lambda s: s['task'] == 'W' and s['step'].startswith('punch'),
              'writepage': lambda s: s['step'] == 'wb_lock_folio' and s['page'] == page,
              'map': lambda s: s['step'] == 'wb_map_blocks' and s['page'] == page}
placed = {}
for k, ok in want_steps.items():
    ev = f.get(k)
    if ev is None or (k in ('writepage', 'map') and want != 'data_loss'):
        continue
    i = step_of(ev)
    if i is None or not ok(steps[i]):
        bad.append('event #%d (%s) is not on its step (%s)' % (ev, k, 'none' if i is None else
                   '%d %s %s page %s' % (i + 1, steps[i]['task'], steps[i]['step'], steps[i]['page'])))
    else:
        placed[k] = (ev, i)
for a, (ea, ia) in placed.items():
    for b, (eb, ib) in placed.items():
        if ea < eb and ia > ib:
            bad.append('trace: %s #%d before %s #%d; replay: step %d after step %d' % (a, ea, b, eb, ia + 1, ib + 1))
if guest is not None and want == 'data_loss':
    if m['where'] is None or m['where']['page'] != guest:
        bad.append('data_loss on page %s, the guest lost %d' % (m['where'] and m['where']['page'], guest))
print('; '.join(bad) if bad else 'ok')
EOF

# The outcome each window shows, from its verdict and the trace's events.
expect_sql="SELECT w.id, CASE w.verdict
	WHEN 'loss' THEN CASE WHEN (SELECT count(*) FROM events e WHERE e.ino = w.ino AND e.id > w.end_event
		AND e.kind IN (SELECT id FROM kinds WHERE name IN ('writeback_folio', 'map_blocks_found',
		'map_blocks_alloc')) AND e.offset <= r.findex * 4096 AND e.offset + e.length > r.findex * 4096)
		> 0 THEN 'data_loss' ELSE 'unbacked_dirty' END
	WHEN 'hit' THEN CASE WHEN EXISTS (SELECT 1 FROM events d WHERE d.ino = w.ino AND d.findex = r.findex
		AND d.pid = r.pid AND d.id > w.start_event AND d.id < w.end_event AND d.kind = (SELECT id
		FROM kinds WHERE name = 'dirty') AND NOT EXISTS (SELECT 1 FROM events a WHERE a.pid = r.pid AND a.ino = w.ino AND
		a.id > w.start_event AND a.id < d.id AND a.kind = (SELECT id FROM kinds WHERE name =
		'iomap_alloc') AND a.offset <= r.findex * 4096 AND a.offset + a.length > r.findex * 4096))
		THEN 'unbacked_dirty' ELSE 'ok' END
	WHEN 'dropped' THEN 'dirty_dropped' WHEN 'unsafe' THEN 'ok' WHEN 'protected' THEN 'ok' ELSE '' END
	FROM windows w LEFT JOIN (SELECT x.id AS wid, min(e.findex) AS findex, min(e.pid) AS pid FROM
	windows x JOIN events e ON e.ino = x.ino AND e.findex BETWEEN x.first_index AND x.last_index AND
	e.id > x.start_event AND e.id < x.end_event AND e.kind IN (SELECT id FROM kinds WHERE name IN
	('page_add', 'dirty')) AND e.pid != json_extract(x.evidence, '$.writer') GROUP BY x.id) r ON
	r.wid = w.id ORDER BY w.id"
q() { "$FT" sql --csv "$1" "$2" | tail -n +2 | tr -d '\r'; }

for name in xfs-race-5.10-a xfs-race-5.10-b xfs-shortwrite-v6; do
	db=$T_TMP/$name.db
	"$FT" import -q "$fix/$name.dat" -o "$db" && "$FT" analyze -q "$db" ||
		{ t_fail "$name: import and analyze"; continue; }
	ids=$(q "$db" "SELECT id FROM windows ORDER BY id")
	n=$(echo "$ids" | wc -w)
	t_check "$name: has windows ($n)" [ "$n" -gt 0 ]
	variant=$(q "$db" "SELECT value FROM meta WHERE key LIKE 'analysis:%:variant'")
	q "$db" "$expect_sql" > "$T_TMP/$name.expect"
	bad=0 failed=0 agree=0 loss=0
	for w in $ids; do
		if ! "$FT" replay "$db" --window "$w" --json > "$T_TMP/r.json"; then
			bad=$((bad + 1))
			continue
		fi
		want=$(sed -n "s/^$w,//p" "$T_TMP/$name.expect")
		fx=""
		case $(q "$db" "SELECT verdict FROM windows WHERE id = $w") in
		loss|dropped) fx=$(facts "$db" "$w"); loss=$((loss + 1)) ;;
		esac
		res=$(python3 "$T_TMP/check.py" "$T_TMP/r.json" "$fx" "$variant" "$want")
		if [ "$res" = ok ]; then
			agree=$((agree + 1))
		else
			failed=$((failed + 1))
			[ "$failed" -le 5 ] && echo "# $name window $w: $res"
		fi
	done
	t_eq "$name: every window replays" 0 "$bad"
	t_eq "$name: 4 stored replays per window" "$((4 * n))" \
		"$(q "$db" "SELECT count(*) FROM replays r JOIN windows w ON w.id = r.window_id")"
	t_eq "$name: under $variant every window gives what the trace shows, follows the trace, and its loss/dropped steps stand for the trace's events in their order ($agree, $loss loss or dropped)" \
		"0/$n" "$failed/$agree"
done

# Window 36 of 5.10-a (issue 18): the stored replay under prefix carries the
# events of the fault (its page add), the punch and the writeback that
# finds the hole, as the trace shows them.
db=$T_TMP/xfs-race-5.10-a.db
fx=$(facts "$db" 36)
t_eq "5.10-a window 36: the trace's events (racer page, its add, the punch, writepage, map)" \
	"4512 9309 9330 9465 9468" "$(python3 -c 'import json,sys; f=json.loads(sys.argv[1]);
print(f["page"], f["page_add"], f["punch"], f["writepage"], f["map"])' "$fx")"
"$FT" replay "$db" --window 36 --model prefix > /dev/null
stored=$(q "$db" "SELECT group_concat(e.value, ' ') FROM replays r, json_each(r.detail, '\$.steps') s,
	json_each(s.value, '\$.events') e WHERE r.window_id = 36 AND r.model = 'prefix' AND e.value IN
	(9309, 9330, 9465, 9468)")
t_eq "5.10-a window 36: the stored prefix replay's steps carry #9309, #9330, #9465, #9468" \
	"9309 9330 9465 9468" "$(tr ' ' '\n' <<< "$stored" | sort -n | tr '\n' ' ' | sed 's/ $//')"
out=$("$FT" replay "$db" --window 36 --model prefix)
t_match "the agreement line comes first" "^window 36: the trace shows loss; under prefix" \
	"$(head -1 <<< "$out")"
t_match "steps print file page indexes and their events" \
	"wb_map_blocks +4512 .*#9468" "$(grep -E '^ *[0-9]+ +B +wb_map_blocks' <<< "$out" | tail -1)"

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
for m in d["models"]:
    lost = m["where"]["page"] if m["window_outcome"] == "data_loss" else "-"
    print(m["model"], m["window_outcome"], lost)' "$T_TMP/g.json")
		t_eq "$name: prefix loses page $page at writeback" "prefix data_loss $page" \
			"$(grep '^prefix ' <<< "$res")"
		t_eq "$name: no other variant loses it" 0 "$(grep -v '^prefix ' <<< "$res" | grep -c data_loss)"
	done
done

# --schedule with --window: the user's schedule; the recorded one gives the
# same run, an order the trace contradicts is a divergence.
db=$T_TMP/xfs-race-5.10-a.db
"$FT" replay "$db" --window 36 --model prefix --json > "$T_TMP/rec.json"
sched=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["models"][0]["schedule"])' "$T_TMP/rec.json")
"$FT" replay "$db" --window 36 --model prefix --schedule "$sched" --json > "$T_TMP/user.json"
t_eq "--schedule with the recorded schedule: the same digest, no divergence" \
	"$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["models"][0]; print(m["digest"], m["divergence"])' "$T_TMP/rec.json")" \
	"$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["models"][0]; print(m["digest"], m["divergence"])' "$T_TMP/user.json")"
# The fault first: the trace shows W's 32 copied pages and its first punch
# (#9294) before the fault's page add (#9309).
"$FT" replay "$db" --window 36 --model prefix --schedule F8,W --json > "$T_TMP/user.json"
t_eq "--schedule F8,W: a divergence of kind order" "order" \
	"$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["models"][0]; print((m["divergence"] or {}).get("kind"))' "$T_TMP/user.json")"
# --strict: under fix, W holds invalidate_lock across its cleanup
# (198dd8aedee6) and the fault's read half needs it shared (filemap_fault).
"$FT" replay "$db" --window 36 --model fix --schedule W37,F --strict > /dev/null 2> "$T_TMP/err"; rc=$?
t_eq "--strict with a blocked entry: exit 1" 1 "$rc"
t_match "--strict names the entry, the step and the lock" \
	"schedule entry 38 \(F\) is blocked: F's step fault_read waits for invalidate_lock.*held exclusively by W" \
	"$(cat "$T_TMP/err")"
"$FT" replay "$db" --window 36 --model fix --schedule W37,F > /dev/null; rc=$?
t_eq "without --strict the entry waits" 0 "$rc"

# Deterministic: the same window twice gives the same bytes.
w=$(q "$db" "SELECT min(id) FROM windows WHERE verdict = 'loss'")
a=$("$FT" replay "$db" --window "$w" --json | sha256sum)
b=$("$FT" replay "$db" --window "$w" --json | sha256sum)
t_eq "two replays of window $w are byte-identical" "$a" "$b"
# --explore on a window whose only task is W (a loss window's three tasks
# over 64 pages are beyond an unbudgeted exploration)
u=$(q "$db" "SELECT min(id) FROM windows WHERE verdict = 'unsafe'")
"$FT" replay "$db" --window "$u" --explore --json > "$T_TMP/x.json"
t_eq "window $u: one task, one schedule per model" "1 1 1 1 1" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["tasks"]), *[m["schedules"] for m in d["models"]])' "$T_TMP/x.json")"
t_check "explored counts are stored" [ "$(q "$db" "SELECT count(*) FROM replays WHERE window_id = $u AND explored > 0")" -eq 4 ]
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
"$FT" replay "$db" --window "$w" --schedule Q3 > /dev/null 2>&1; rc=$?
t_eq "--window with a schedule naming no task: usage error" 2 "$rc"
"$FT" replay --scenario punch-race --strict > /dev/null 2>&1; rc=$?
t_eq "--strict without --window: usage error" 2 "$rc"
sqlite3 "$T_TMP/foreign.db" "CREATE TABLE x(y)"
"$FT" replay "$T_TMP/foreign.db" --window 1 > /dev/null 2> "$T_TMP/err"; rc=$?
t_eq "a foreign database: exit 1" 1 "$rc"
t_match "a foreign database: said so" "not a foliotrace database" "$(cat "$T_TMP/err")"

# The real-kernel corpus: every 5.10.223 page the guest lost to the race is
# a loss window that replays, under prefix, as data_loss of that page, and
# every page the failed write's truncate threw away a dropped window that
# replays as dirty_dropped; both follow the trace.
corpus=$FT_ROOT/tests/corpus
entries=0 lost=0 lost_ok=0 dropped=0 dropped_ok=0
for e in "$corpus"/5.10*/; do
	e=${e%/}
	n=${e##*/}
	[ -f "$e/guest.kv" ] || continue
	entries=$((entries + 1))
	kv() { sed -n "s/^$1=//p" "$e/guest.kv" | head -1; }
	trace=$e/trace.dat
	if [ -f "$e/trace.dat.xz" ]; then
		trace=$T_TMP/$n.dat
		xz -dc "$e/trace.dat.xz" > "$trace" || { t_fail "$n: xz -d"; continue; }
	fi
	db=$T_TMP/$n.db
	"$FT" import -q --uname-version "$(kv uname_version)" "$trace" -o "$db" && "$FT" analyze -q "$db" ||
		{ t_fail "$n: import and analyze"; continue; }
	file="dev = $(kv dev_kernel) AND ino = $(kv ino)"
	for kind in race dropped; do
		for off in $(kv ${kind}_offsets); do
			p=$((off / 4096))
			if [ $kind = race ]; then
				want=data_loss; lost=$((lost + 1))
				w=$(q "$db" "SELECT id FROM windows WHERE verdict = 'loss' AND $file AND $p BETWEEN
					first_index AND last_index ORDER BY id LIMIT 1")
			else
				want=dirty_dropped; dropped=$((dropped + 1))
				w=$(q "$db" "SELECT id FROM windows WHERE verdict = 'dropped' AND $file AND $p BETWEEN
					first_index AND last_index ORDER BY id LIMIT 1")
			fi
			if [ -z "$w" ]; then
				echo "# $n: page $p ($kind): no window"
				continue
			fi
			"$FT" replay "$db" --window "$w" --model prefix --json > "$T_TMP/c.json" ||
				{ echo "# $n: window $w: replay failed"; continue; }
			res=$(python3 "$T_TMP/check.py" "$T_TMP/c.json" "$(facts "$db" "$w")" prefix "$want" \
				"$([ $kind = race ] && echo $p)")
			if [ "$res" = ok ]; then
				[ $kind = race ] && lost_ok=$((lost_ok + 1)) || dropped_ok=$((dropped_ok + 1))
			else
				echo "# $n window $w (page $p, $kind): $res"
			fi
		done
	done
	rm -f "$T_TMP/$n.dat"
done
if [ "$entries" -gt 0 ]; then
	t_check "the corpus has race losses ($lost)" [ "$lost" -gt 0 ]
	t_eq "corpus: every race page the guest lost replays under prefix as data_loss of that page, following the trace ($lost_ok of $lost)" \
		"$lost" "$lost_ok"
	t_eq "corpus: every page the truncate threw away replays as dirty_dropped, following the trace ($dropped_ok of $dropped)" \
		"$dropped" "$dropped_ok"
fi
t_done
