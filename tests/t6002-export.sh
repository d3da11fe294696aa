#!/bin/bash
# t6002: foliotrace export.  The Perfetto (Chrome trace-event) JSON is
# validated in Python: an object with traceEvents; every event has ph, ts,
# pid, tid; instants are thread-scoped; X slices have dur >= 0; flows pair
# up (each "s" id has one "f" with "bp":"e"); the counts of instants,
# slices, flows and named threads equal the database's events, windows,
# hb_edges and tasks, counted here with foliotrace sql.  --window and
# --from/--to select what they say.  CSV files parse and have the database's
# rows.  Failures leave no file.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
fix=$FT_ROOT/tests/fixtures
q() { "$FT" sql --csv "$1" "$2" | tail -n +2 | tr -d '\r"'; }

cat > "$T_TMP/validate.py" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
ev = doc['traceEvents']
bad = [e for e in ev if not all(k in e for k in ('ph', 'ts', 'pid', 'tid'))]
bad += [e for e in ev if not isinstance(e.get('ts'), (int, float))]
bad += [e for e in ev if e['ph'] == 'i' and e.get('s') != 't']
bad += [e for e in ev if e['ph'] == 'X' and not (isinstance(e.get('dur'), (int, float)) and e['dur'] >= 0)]
bad += [e for e in ev if e['ph'] not in ('M', 'i', 'X', 's', 'f')]
s = {}
f = {}
for e in ev:
    if e['ph'] == 's':
        s[e['id']] = s.get(e['id'], 0) + 1
    if e['ph'] == 'f':
        f[e['id']] = f.get(e['id'], 0) + 1
        if e.get('bp') != 'e':
            bad.append(e)
paired = s == f and all(n == 1 for n in s.values())
threads = sum(1 for e in ev if e['ph'] == 'M' and e['name'] == 'thread_name')
writers = ','.join('%d:%d' % (e['args']['window'], e['tid']) for e in ev if e['ph'] == 'X')
print(doc.get('displayTimeUnit'), len(bad), int(paired),
      sum(1 for e in ev if e['ph'] == 'i'), sum(1 for e in ev if e['ph'] == 'X'),
      len(s), threads, writers or '-')
EOF

for name in xfs-race-5.10-a xfs-shortwrite-v6; do
	db=$T_TMP/$name.db
	"$FT" import -q "$fix/$name.dat" -o "$db" && "$FT" analyze -q "$db" ||
		t_fail "$name: import and analyze"
	"$FT" export -q "$db" --format perfetto -o "$T_TMP/$name.json"; rc=$?
	t_eq "$name: export exits 0" 0 "$rc"
	out=$(python3 "$T_TMP/validate.py" "$T_TMP/$name.json"); rc=$?
	t_eq "$name: the JSON parses" 0 "$rc"
	read -r unit nbad paired ni nx nflow nthr writers <<< "$out"
	t_eq "$name: displayTimeUnit ns" ns "$unit"
	t_eq "$name: every event has ph, ts, pid, tid (instants t-scoped, dur >= 0, bp e)" 0 "$nbad"
	t_eq "$name: flows pair up" 1 "$paired"
	t_eq "$name: one instant per event" "$(q "$db" "SELECT count(*) FROM events")" "$ni"
	t_eq "$name: one slice per window" "$(q "$db" "SELECT count(*) FROM windows")" "$nx"
	t_eq "$name: one flow per HB edge" "$(q "$db" "SELECT count(*) FROM hb_edges")" "$nflow"
	t_eq "$name: one named thread per task" "$(q "$db" "SELECT count(*) FROM tasks")" "$nthr"
	t_eq "$name: windows on their writer's thread" \
		"$(q "$db" "SELECT group_concat(id || ':' || json_extract(evidence, '\$.writer'), ',') FROM
			(SELECT * FROM windows ORDER BY id)")" "$writers"
done

db=$T_TMP/xfs-race-5.10-a.db
# --window N: that window's events, the window, the edges between them.
w=$(q "$db" "SELECT id FROM windows WHERE verdict = 'loss' ORDER BY id LIMIT 1")
"$FT" export -q "$db" --window "$w" -o "$T_TMP/w.json"
read -r unit nbad paired ni nx nflow nthr writers <<< "$(python3 "$T_TMP/validate.py" "$T_TMP/w.json")"
# The loss the trace shows after the window closes: the first writeback
# lookup over a hole (ext_block -2, xfs_map_blocks found no block) of a page
# of the window's range, found in the events, not in the window's evidence.
loss=$(q "$db" "SELECT min(e.id) FROM events e JOIN kinds k ON k.id = e.kind JOIN windows w ON
	w.id = $w WHERE k.name = 'map_blocks_found' AND e.ino = w.ino AND e.id > w.end_event AND
	e.ext_block = -2 AND e.offset < (w.last_index + 1) * 4096 AND e.offset + e.length > w.first_index * 4096")
t_check "--window $w: the trace has a loss event after the window ($loss)" [ -n "$loss" ]
t_eq "--window $w: its events and on to the loss event" \
	"$(q "$db" "SELECT $loss - start_event + 1 FROM windows WHERE id = $w")" "$ni"
t_check "--window $w: the loss event #$loss is exported" \
	python3 -c 'import json,sys; sys.exit(0 if any(e.get("args", {}).get("id") == int(sys.argv[2]) for e in json.load(open(sys.argv[1]))["traceEvents"]) else 1)' "$T_TMP/w.json" "$loss"
t_eq "--window $w: one slice" 1 "$nx"
t_eq "--window $w: the edges inside it" "$(q "$db" "SELECT count(*) FROM hb_edges, windows w WHERE
	w.id = $w AND src BETWEEN w.start_event AND $loss AND dst BETWEEN w.start_event AND $loss")" "$nflow"
t_eq "--window $w: valid" "0 1" "$nbad $paired"
# --json: the summary as one object on stdout, its counts those of the file
j=$("$FT" export "$db" --window "$w" -f -o "$T_TMP/w.json" --json 2>"$T_TMP/err"); rc=$?
t_eq "--json: exits 0" 0 "$rc"
t_eq "--json: nothing on stderr" "" "$(cat "$T_TMP/err")"
t_eq "--json: the object's counts are the exported file's (events, windows, edges)" \
	"$ni $nx $nflow perfetto" \
	"$(python3 -c 'import json,sys; o=json.loads(sys.argv[1]); print(o["events"], o["windows"], o["hb_edges"], o["format"])' "$j")"
"$FT" export "$db" --json -o - > /dev/null 2>"$T_TMP/err"
t_eq "--json with -o -: usage error" 2 "$?"
# --from/--to: a time range.
read -r from to <<< "$(q "$db" "SELECT first_ts + (last_ts - first_ts) / 3, first_ts + (last_ts - first_ts) / 2 FROM traces" | tr ',' ' ')"
"$FT" export -q "$db" --from "${from}ns" --to "${to}ns" -o "$T_TMP/r.json"
read -r unit nbad paired ni nx nflow nthr writers <<< "$(python3 "$T_TMP/validate.py" "$T_TMP/r.json")"
t_eq "--from/--to: the events in the range" "$(q "$db" "SELECT count(*) FROM events WHERE ts BETWEEN $from AND $to")" "$ni"
t_eq "--from/--to: the windows in the range" "$(q "$db" "SELECT count(*) FROM windows WHERE start_event >=
	(SELECT min(id) FROM events WHERE ts >= $from) AND end_event <= (SELECT max(id) FROM events WHERE ts <= $to)")" "$nx"
t_eq "--from/--to: valid" "0 1" "$nbad $paired"

# --- CSV ------------------------------------------------------------------------
"$FT" export -q "$db" --format csv -o "$T_TMP/x"; rc=$?
t_eq "csv export exits 0" 0 "$rc"
out=$(python3 - "$T_TMP/x-events.csv" "$T_TMP/x-windows.csv" <<'EOF'
import csv, sys
ev = list(csv.reader(open(sys.argv[1], newline='')))
wi = list(csv.reader(open(sys.argv[2], newline='')))
print(len(ev) - 1, len(set(len(r) for r in ev)), ev[0][0], ev[1][0] if len(ev) > 1 else '-',
      len(wi) - 1, len(set(len(r) for r in wi)), ','.join(r[2] for r in wi[1:4]))
EOF
)
read -r nev evw first_col first_id nwin winw verdicts <<< "$out"
t_eq "csv: one row per event" "$(q "$db" "SELECT count(*) FROM events")" "$nev"
t_eq "csv: event rows all have the header's width" 1 "$evw"
t_eq "csv: events start at the first id" "id $(q "$db" "SELECT min(id) FROM events")" "$first_col $first_id"
t_eq "csv: one row per window" "$(q "$db" "SELECT count(*) FROM windows")" "$nwin"
t_eq "csv: window rows (quoted JSON with commas) keep their width" 1 "$winw"
t_eq "csv: verdicts in id order" "$(q "$db" "SELECT group_concat(verdict, ',') FROM (SELECT verdict FROM windows ORDER BY id LIMIT 3)")" "$verdicts"
"$FT" export -q "$db" --format csv --what windows -o "$T_TMP/only.csv"
t_eq "csv --what windows: the one file" "$(($(q "$db" "SELECT count(*) FROM windows") + 1))" "$(wc -l < "$T_TMP/only.csv")"

if [ -n "${FT_ASAN_BIN:-}" ] && [ -x "$FT_ASAN_BIN" ]; then
	"$FT_ASAN_BIN" export -q "$db" -o "$T_TMP/asan.json" 2> "$T_TMP/asan.log"; rc=$?
	t_eq "ASan build: perfetto export exits 0 (log: $(head -c 200 "$T_TMP/asan.log"))" 0 "$rc"
	t_check "ASan build: the same JSON" cmp -s "$T_TMP/xfs-race-5.10-a.json" "$T_TMP/asan.json"
	"$FT_ASAN_BIN" export -q "$db" --format csv -o "$T_TMP/asan" 2>> "$T_TMP/asan.log"; rc=$?
	t_eq "ASan build: csv export exits 0" 0 "$rc"
fi

# --- errors ---------------------------------------------------------------------
"$FT" export -q "$db" --window 999999 -o "$T_TMP/none.json" 2>/dev/null; rc=$?
t_eq "unknown window: exit 1" 1 "$rc"
t_check "unknown window: no file left" test ! -e "$T_TMP/none.json"
t_eq "no temporary file left" "" "$(ls "$T_TMP" | grep '\.tmp[.-]' || true)"
"$FT" export -q "$db" --format xml -o "$T_TMP/x.xml" 2>/dev/null; rc=$?
t_eq "unknown format: exit 2" 2 "$rc"
"$FT" export -q "$db" --what events -o "$T_TMP/x.json" 2>/dev/null; rc=$?
t_eq "--what without csv: exit 2" 2 "$rc"
"$FT" export -q "$db" 2>/dev/null; rc=$?
t_eq "no -o: exit 2" 2 "$rc"
t_done
