#!/bin/bash
# t6001: foliotrace report on the real fixtures.  The expected content is
# computed here from the database (foliotrace sql), never taken from the
# program: which windows get a section (most severe first, up to the cap),
# the verdict counts, the summary's loss count and kernel, each section's
# figure, racing page and its dirtying event, the stored replays per model.
# The HTML must be self-contained (no external reference, no script), escape
# hostile strings, render in headless Chromium without console messages,
# and never be left half-written.  --markdown carries the same sections.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
fix=$FT_ROOT/tests/fixtures
q() { "$FT" sql --csv "$1" "$2" | tail -n +2 | tr -d '\r'; }
sev="CASE verdict WHEN 'loss' THEN 0 WHEN 'hit' THEN 1 WHEN 'dropped' THEN 2 WHEN 'unsafe' THEN 3 END"

db=$T_TMP/a.db
"$FT" import -q "$fix/xfs-race-5.10-a.dat" -o "$db" && "$FT" analyze -q "$db" ||
	t_fail "5.10-a: import and analyze"
# Some windows replayed beforehand (stored), the others by the report.
for w in $(q "$db" "SELECT id FROM windows WHERE verdict = 'loss'"); do
	"$FT" replay "$db" --window "$w" >/dev/null || t_fail "replay window $w"
done

# --- HTML: structure against the database ------------------------------------
"$FT" report "$db" -o "$T_TMP/a.html"; rc=$?
t_eq "report exits 0" 0 "$rc"
t_check "report wrote the file" test -s "$T_TMP/a.html"
t_eq "no temporary file left" "" "$(ls "$T_TMP" | grep '\.tmp[.-]' || true)"

q "$db" "SELECT id FROM windows WHERE verdict IN ('loss','hit','dropped','unsafe')
	ORDER BY $sev, start_ns, id LIMIT 30" > "$T_TMP/detail.expect"
q "$db" "SELECT id FROM windows WHERE verdict IN ('loss','hit','dropped','unsafe')
	ORDER BY $sev, start_ns, id" > "$T_TMP/listed.expect"
q "$db" "SELECT v.name, (SELECT count(*) FROM windows WHERE verdict = v.name) FROM (SELECT 'loss'
	AS name UNION ALL SELECT 'hit' UNION ALL SELECT 'dropped' UNION ALL SELECT 'unsafe' UNION ALL
	SELECT 'unknown' UNION ALL SELECT 'protected') v" > "$T_TMP/counts.expect"
nloss=$(q "$db" "SELECT count(*) FROM windows WHERE verdict = 'loss'")
kernel=$(q "$db" "SELECT kernel_release FROM traces")
nev=$(q "$db" "SELECT n_events FROM traces")
t_check "the fixture has loss windows ($nloss)" [ "$nloss" -gt 0 ]
t_eq "every detailed window has stored replays after the report (the report ran them)" \
	"$(wc -l < "$T_TMP/detail.expect")" \
	"$(q "$db" "SELECT count(DISTINCT window_id) FROM replays")"
# Per loss window: its racing page (another task's page_add/dirty in the
# window), that task's dirtying event, and the cross-task HB edges between
# events of the window's inode (the figure must draw at least one if any).
q "$db" "SELECT r.wid, r.page, (SELECT d.id FROM events d WHERE d.ino = r.ino AND d.findex = r.page
	AND d.kind = (SELECT id FROM kinds WHERE name = 'dirty') AND d.id > r.se AND d.id < r.ee
	ORDER BY d.id LIMIT 1) AS dirty, (SELECT count(*) FROM hb_edges h JOIN events a ON a.id = h.src JOIN
	events b ON b.id = h.dst WHERE h.src BETWEEN r.se AND r.ee AND h.dst BETWEEN r.se AND r.ee AND
	a.ino = r.ino AND b.ino = r.ino) AS nhb FROM (SELECT w.id AS wid, w.ino AS ino, w.start_event AS se,
	w.end_event AS ee, min(e.findex) AS page FROM windows w JOIN events e ON e.ino = w.ino AND
	e.findex BETWEEN w.first_index AND w.last_index AND e.id > w.start_event AND e.id < w.end_event
	AND e.kind IN (SELECT id FROM kinds WHERE name IN ('page_add', 'dirty')) AND e.pid !=
	json_extract(w.evidence, '$.writer') WHERE w.verdict = 'loss' GROUP BY w.id) r" > "$T_TMP/loss.expect"
t_eq "a racing page found in the DB for each loss window" "$nloss" "$(wc -l < "$T_TMP/loss.expect")"
q "$db" "SELECT window_id, model, outcome, schedule FROM replays ORDER BY window_id, id" \
	> "$T_TMP/replays.expect"

cat > "$T_TMP/check.py" <<'EOF'
import sys, re
from html.parser import HTMLParser

html = open(sys.argv[1], encoding='utf-8').read()
d = sys.argv[2]
detail = open(d + '/detail.expect').read().split()
listed = open(d + '/listed.expect').read().split()
counts = dict(l.split(',') for l in open(d + '/counts.expect').read().split())
loss = [l.split(',') for l in open(d + '/loss.expect').read().split()]
replays = {}
for l in open(d + '/replays.expect').read().split('\n'):
    if l:
        w, m, o, s = l.split(',', 3)
        replays.setdefault(w, []).append((m, o, s.strip('"')))

class P(HTMLParser):
    def __init__(s):
        super().__init__()
        s.stack = []; s.sections = []; s.svgs = {}; s.rows = []; s.ext = []
        s.vcell = None; s.verdicts = {}; s.cur = None; s.text = {}; s.tags = []
        s.state_rows = {}; s.page = None; s.td = None
    def handle_starttag(s, tag, attrs):
        a = dict(attrs); s.tags.append(tag)
        for k in ('src', 'href', 'xlink:href', 'action', 'data'):
            v = a.get(k) or ''
            if re.match(r'\s*(https?:|//|ftp:|data:)', v, re.I):
                s.ext.append((tag, k, v))
        if tag == 'link' or tag == 'script' or tag == 'iframe' or tag == 'img':
            s.ext.append((tag, 'tag', ''))
        if tag == 'section' and 'window' in (a.get('class') or ''):
            s.cur = a['id'][1:]; s.sections.append(s.cur); s.text[s.cur] = ''
        if tag == 'svg' and s.cur:
            s.svgs.setdefault(s.cur, []).append({'racing': 0, 'hb': 0})
        if tag == 'g' and s.cur and 'racing' in (a.get('class') or ''):
            s.svgs[s.cur][-1]['racing'] += 1
        if tag == 'line' and s.cur and a.get('class') == 'hb':
            s.svgs[s.cur][-1]['hb'] += 1
        if tag == 'tr' and 'data-window' in a:
            s.rows.append(a['data-window'])
        if tag == 'table' and a.get('class') == 'verdicts':
            s.vcell = []
        if tag == 'table' and 'data-page' in a:
            s.page = (s.cur, a['data-page']); s.state_rows[s.page] = []
        if tag == 'td' and s.page:
            s.td = ''
    def handle_endtag(s, tag):
        if tag == 'section':
            s.cur = None
        if tag == 'table':
            if s.vcell is not None:
                s.vcell = None
            s.page = None
        if tag == 'td' and s.page and s.td is not None:
            s.state_rows[s.page].append(s.td.strip()); s.td = None
    def handle_data(s, data):
        if s.cur:
            s.text[s.cur] += data
        if s.vcell is not None and data.strip():
            s.vcell.append(data.strip())
            if len(s.vcell) >= 2 and s.vcell[-2] in counts and s.vcell[-1].isdigit():
                s.verdicts[s.vcell[-2]] = s.vcell[-1]
        if s.td is not None:
            s.td += data

p = P(); p.feed(html)
out = []
def check(desc, ok):
    out.append(('ok - ' if ok else 'not ok - ') + desc)
check('sections are the %d expected windows, in order' % len(detail), p.sections == detail)
check('one SVG figure per section', all(len(p.svgs.get(w, [])) == 1 for w in detail)
      and len(re.findall(r'<svg\b', html)) == len(detail))
check('window table lists the %d read-worthy windows' % len(listed), p.rows[:len(listed)] == listed)
check('verdict counts match the database', p.verdicts == counts)
check('no external resource, script, link or import', not p.ext and '@import' not in html
      and 'url(http' not in html and '<script' not in html.lower())
for w, page, dirty, nhb in loss:
    t = p.text.get(w, '')
    check('loss window %s is detailed' % w, w in p.sections)
    check('loss window %s: figure marks racing events' % w, p.svgs.get(w, [{}])[0].get('racing', 0) > 0)
    check('loss window %s: figure draws HB edges (%s in the DB)' % (w, nhb),
          (p.svgs.get(w, [{}])[0].get('hb', 0) > 0) == (int(nhb) > 0))
    rows = p.state_rows.get((w, page))
    check('loss window %s: state table of racing page %s' % (w, page), rows is not None)
    check('loss window %s: page %s dirtied by event %s, state dirty' % (w, page, dirty),
          rows is not None and dirty in rows and rows[rows.index(dirty) + 4].startswith('dirty'))
for w in detail:
    t = p.text.get(w, '')
    for m, o, s in replays.get(w, []):
        if not re.search(re.escape(m) + r'( \(this kernel\))?' + re.escape(o) + re.escape(s), t):
            check('window %s: replay %s %s %s shown' % (w, m, o, s), False)
            break
    else:
        check('window %s: its %d stored replays shown' % (w, len(replays.get(w, []))),
              len(replays.get(w, [])) > 0)
print('\n'.join(out))
EOF
python3 "$T_TMP/check.py" "$T_TMP/a.html" "$T_TMP" || t_fail "the HTML checker ran to its end"
summary=$(python3 -c "import sys,re,html; s=open(sys.argv[1]).read(); m=re.search(r'id=\"summary\">(.*?)</p>', s, re.S); print(html.unescape(re.sub('<[^>]+>', '', m.group(1))) if m else '')" "$T_TMP/a.html")
t_match "summary says $nloss windows lost data" "^Summary: $nloss windows? lost data: " "$summary"
t_match "summary names the kernel $kernel and its pre-fix code" "$kernel runs the pre-fix code" "$summary"
t_check "provenance shows the event count $nev" grep -q ">$nev</td>" "$T_TMP/a.html"
t_check "provenance names the trace file" grep -q "xfs-race-5.10-a.dat" "$T_TMP/a.html"
t_check "print stylesheet present" grep -q "@media print" "$T_TMP/a.html"
# each window's family with its fixing commit (the family of the stored row)
fam=$(q "$db" "SELECT family FROM windows WHERE id = $(head -1 "$T_TMP/detail.expect")")
t_eq "the first detailed window is of family delalloc_punch" delalloc_punch "$fam"
t_check "its section names the family and the fixing commit 198dd8aedee6" \
	grep -q "<th>family</th><td>delalloc_punch: .*(fixed by 198dd8aedee6)</td>" "$T_TMP/a.html"

# --- the same DB: Markdown ---------------------------------------------------
"$FT" report --markdown --no-replay "$db" -o "$T_TMP/a.md"; rc=$?
t_eq "report --markdown exits 0" 0 "$rc"
t_eq "markdown: one section per detailed window" "$(tr '\n' ' ' < "$T_TMP/detail.expect")" \
	"$(sed -n 's/^### Window \([0-9]*\): .*/\1/p' "$T_TMP/a.md" | tr '\n' ' ')"
t_check "markdown: summary line" grep -q "^\*\*Summary:\*\* $nloss windows\? lost data" "$T_TMP/a.md"
t_eq "markdown: every detailed window names its family, with the fixing commit" \
	"$(wc -l < "$T_TMP/detail.expect")" "$(grep -c '^- family delalloc\\_punch: .*(fixed by 198dd8aedee6)$' "$T_TMP/a.md")"

# --- output defects of issue 18, against the trace's events -------------------
# Each loss window's loss event, from the events: the first writeback lookup
# of its racing page that found a hole (xfs_map_blocks_found with startblock
# HOLESTARTBLOCK, -2) or the first deletion of that page, after the window's
# start.  The replay's step that stands for it (the stored step -> event ids)
# is where the trace's variant loses the data: the report must name that step
# as `replay` does (1-based), not one more.
variant=$(q "$db" "SELECT json_extract(evidence, '$.variant') FROM windows WHERE verdict = 'loss'
	LIMIT 1")
t_sqlite3 -csv "$db" "SELECT l.wid, l.page, (SELECT min(e.id) FROM events e WHERE e.ino = l.ino AND
	e.findex = l.page AND e.id > l.se AND ((e.kind = (SELECT id FROM kinds WHERE name =
	'map_blocks_found') AND e.ext_block = -2) OR e.kind = (SELECT id FROM kinds WHERE name =
	'page_delete'))) FROM (SELECT w.id AS wid, w.ino AS ino, w.start_event AS se, min(e.findex) AS
	page FROM windows w JOIN events e ON e.ino = w.ino AND e.findex BETWEEN w.first_index AND
	w.last_index AND e.id > w.start_event AND e.id < w.end_event AND e.kind IN (SELECT id FROM kinds
	WHERE name IN ('page_add', 'dirty')) AND e.pid != json_extract(w.evidence, '$.writer') WHERE
	w.verdict = 'loss' GROUP BY w.id) l ORDER BY l.wid" > "$T_TMP/lossev.expect"
t_eq "the loss event of each loss window found in the events (variant $variant)" "$nloss" \
	"$(grep -c ',[0-9][0-9]*$' "$T_TMP/lossev.expect")"
while IFS=, read -r w page lev; do
	step=$(sqlite3 "$db" "SELECT j.key + 1 FROM replays r, json_each(r.detail, '$.steps') j,
		json_each(j.value, '$.events') x WHERE r.window_id = $w AND r.model = '$variant' AND
		x.value = $lev")
	t_check "window $w: the $variant replay has a step standing for loss event $lev ($step)" \
		test -n "$step"
	row=$(awk -v w="### Window $w:" '/^### Window/ { on = index($0, w) == 1 } on' \
		"$T_TMP/a.md" | grep "^| $variant (this kernel) |")
	t_match "window $w: the report's $variant row names step $step (the loss event's), as replay does" \
		"\| step $step \(task " "$row"
done < "$T_TMP/lossev.expect"

# The punch: the writer's first xfs_bmap_pre_update called from
# xfs_bmap_del_extent_delay in the window (its delalloc removal).  Pairs of
# windows with one deletion: a loss window whose loss event is a page
# deletion inside a dropped window's event range on the same inode.
t_sqlite3 -csv "$db" "SELECT w.id, (SELECT min(e.id) FROM events e JOIN symbols y ON y.id =
	e.caller_id WHERE e.pid = json_extract(w.evidence, '$.writer') AND e.id BETWEEN w.start_event
	AND w.end_event + 6 AND e.kind = (SELECT id FROM kinds WHERE name = 'bmap_pre_update') AND
	y.name = 'xfs_bmap_del_extent_delay') FROM windows w WHERE w.id IN ($(paste -sd, \
	"$T_TMP/detail.expect"))" > "$T_TMP/punch.expect"
: > "$T_TMP/pairs.expect"
while IFS=, read -r w page lev; do
	t_sqlite3 -csv "$db" "SELECT $w, d.id, $page, $lev FROM windows d, windows l WHERE l.id = $w AND
		d.verdict = 'dropped' AND d.ino = l.ino AND $lev BETWEEN d.start_event AND d.end_event AND
		(SELECT kind FROM events WHERE id = $lev) = (SELECT id FROM kinds WHERE name =
		'page_delete')" >> "$T_TMP/pairs.expect"
done < "$T_TMP/lossev.expect"
t_eq "5.10-a: windows 77 (loss) and 78 (dropped) are one deletion of page 9888 (event 20572)" \
	"77,78,9888,20572" "$(cat "$T_TMP/pairs.expect")"
t_eq "a punch found for every detailed window" "$(wc -l < "$T_TMP/detail.expect")" \
	"$(grep -c ',[0-9][0-9]*$' "$T_TMP/punch.expect")"
cat > "$T_TMP/defects.py" <<'PYEOF'
import sys, re
doc = open(sys.argv[1], encoding='utf-8').read()
d = sys.argv[2]
lossev = [l.split(',') for l in open(d + '/lossev.expect').read().split()]
punch = [l.split(',') for l in open(d + '/punch.expect').read().split()]
pairs = [l.split(',') for l in open(d + '/pairs.expect').read().split()]
sec = {}
for m in re.finditer(r'<section class="window" id="w(\d+)".*?</section>', doc, re.S):
    sec[m.group(1)] = m.group(0)
out = []
def check(desc, ok):
    out.append(('ok - ' if ok else 'not ok - ') + desc)
def group_of(s, ev):
    for g in re.findall(r'<g class="ev[^"]*">.*?</g>', s, re.S):
        if '<title>event %s at ' % ev in g:
            return g
    return None
for w, page, lev in lossev:
    s = sec.get(w, '')
    g = group_of(s, lev)
    check('window %s: the figure reaches its loss event %s (drawn, not counted at the edge)'
          % (w, lev), g is not None)
    check('window %s: the loss event %s is labelled on the figure' % (w, lev),
          g is not None and 'class="loss"' in g)
    check('window %s: the page text names loss event %s' % (w, lev),
          ('data-loss-event="%s"' % lev) in s)
    t = re.search(r'<table class="states" data-page="%s">(.*?)</table>' % page, s, re.S)
    check('window %s: the page table has an extent column' % w,
          t is not None and '<th>extent after</th>' in t.group(1))
for w, pev in punch:
    g = group_of(sec.get(w, ''), pev) if pev else None
    check('window %s: the punch (event %s) is labelled on the figure' % (w, pev),
          g is not None and 'class="punch"' in g and '>punch</text>' in g)
for l, dr, page, lev in pairs:
    check('window %s names window %s as the same loss of page %s' % (l, dr, page),
          ('data-same-loss="%s"' % dr) in sec.get(l, ''))
    check('window %s names window %s as the same loss of page %s' % (dr, l, page),
          ('data-same-loss="%s"' % l) in sec.get(dr, ''))
check('no other windows are linked (%d pairs)' % len(pairs),
      len(re.findall(r'data-same-loss=', doc)) == 2 * len(pairs))
print('\n'.join(out))
PYEOF
python3 "$T_TMP/defects.py" "$T_TMP/a.html" "$T_TMP" || t_fail "the defects checker ran to its end"
# The extent after a writeback lookup that found a hole: the event's own
# startblock (HOLESTARTBLOCK) says hole; after the punch and before it, the
# punch's event id.
while IFS=, read -r w page lev; do
	[ "$(t_sqlite3 "$db" "SELECT ext_block FROM events WHERE id = $lev")" = -2 ] || continue
	pev=$(sed -n "s/^$w,//p" "$T_TMP/punch.expect")
	wbrow=$(t_sqlite3 "$db" "SELECT max(id) FROM events WHERE ino = (SELECT ino FROM windows WHERE
		id = $w) AND findex = $page AND id > $pev AND id < $lev AND kind = (SELECT id FROM kinds
		WHERE name = 'writeback_folio')")
	rows=$(awk -v w="### Window $w:" '/^### Window/ { on = index($0, w) == 1 } on' "$T_TMP/a.md" |
		awk -v p="Page $page " 'index($0, p) == 1 { on = 1 } on && /^$/ { n++ } on && n < 3')
	t_match "window $w: the extent after loss event $lev (startblock -2) is a hole" \
		"\| $lev \| [^|]* \| [^|]* \| [^|]* \| [^|]* \| hole \|" "$(grep "^| $lev |" <<< "$rows")"
	t_match "window $w: the extent after writeback $wbrow is the hole punched at $pev" \
		"\| $wbrow \| [^|]* \| [^|]* \| [^|]* \| [^|]* \| hole \(punched, \\\\#$pev\) \|" \
		"$(grep "^| $wbrow |" <<< "$rows")"
done < "$T_TMP/lossev.expect"
# The dropped windows are the guest's truncate losses: the guest lost
# lost_pages pages, race_lost_pages of them to the race (the loss windows).
ndropped=$(q "$db" "SELECT count(*) FROM windows WHERE verdict = 'dropped'")
guest=$fix/xfs-race-5.10-a.guest
glost=$(sed -n 's/^lost_pages=//p' "$guest"); grace=$(sed -n 's/^race_lost_pages=//p' "$guest")
t_eq "5.10-a: the dropped windows are the guest's truncate losses ($glost lost, $grace to the race)" \
	"$((glost - grace))" "$ndropped"
t_match "summary: the $ndropped dropped windows lost another task's data" \
	"in $ndropped more windows the failed write's truncate deleted another task's dirty page, losing its data" \
	"$summary"
t_check "summary: the dropped windows are not said to have raced without a loss" \
	bash -c '! grep -q "raced without a loss" <<< "$1"' _ "$summary"

# --- replay timeout: a stalled replay is stopped, named, and the report completes --
# FOLIOTRACE_TEST_REPLAY_STALL (test-only, report/report.h) makes the child of
# the listed windows fork a grandchild and both sleep instead of replaying.
cp "$db" "$T_TMP/to.db"
sqlite3 "$T_TMP/to.db" "DELETE FROM replays"
head -3 "$T_TMP/detail.expect" > "$T_TMP/to.detail"
ws=$(sed -n 1p "$T_TMP/to.detail")
: > "$T_TMP/pids"
t0=$(date +%s.%N)
FOLIOTRACE_TEST_REPLAY_STALL=$ws FOLIOTRACE_TEST_REPLAY_STALL_PIDS=$T_TMP/pids \
	"$FT" report --replay-timeout 1.5 --max-detail 3 "$T_TMP/to.db" -o "$T_TMP/to.html" 2> "$T_TMP/to.err"
rc=$?
el=$(echo "$(date +%s.%N) - $t0" | bc)
t_eq "timeout: report exits 0" 0 "$rc"
t_check "timeout: the report was written" grep -q '</html>' "$T_TMP/to.html"
t_check "timeout: took at least the 1.5 s timeout and less than 60 s ($el s)" \
	test "$(echo "$el >= 1.5 && $el < 60" | bc)" = 1
t_eq "timeout: one stderr line for the stalled window $ws" \
	"foliotrace: warning: $T_TMP/to.db: window $ws: replay 1 of 3 stopped after 1.5 s (--replay-timeout); the report shows no replay for it" \
	"$(cat "$T_TMP/to.err")"
t_eq "timeout: the stalled child and its grandchild both wrote their pids" 2 "$(wc -w < "$T_TMP/pids")"
for p in $(cat "$T_TMP/pids"); do
	for i in $(seq 50); do	# SIGKILL is delivered asynchronously: up to 5 s
		st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)
		[ -z "$st" ] || [ "$st" = Z ] && break
		sleep 0.1
	done
	t_check "timeout: process $p of the stalled replay's group is dead (state '${st:-gone}')" \
		test -z "$st" -o "$st" = Z
done
t_eq "timeout: the other detailed windows were replayed and stored" \
	"$(sed -n '2,3p' "$T_TMP/to.detail" | sort -n | tr '\n' ' ')" \
	"$(q "$T_TMP/to.db" "SELECT DISTINCT window_id FROM replays ORDER BY window_id" | sort -n | tr '\n' ' ')"
t_eq "timeout: nothing stored for window $ws" 0 \
	"$(q "$T_TMP/to.db" "SELECT count(*) FROM replays WHERE window_id = $ws")"
sec=$(python3 -c 'import re,sys; s=open(sys.argv[1]).read(); m=re.search(r"<section class=\"window\" id=\"w%s\".*?</section>" % sys.argv[2], s, re.S); print(m.group(0) if m else "")' "$T_TMP/to.html" "$ws")
t_match "timeout: window $ws's replay section says it timed out" 'Replay timed out: .* 1\.5 s timeout' "$sec"
t_eq "timeout: only window $ws's section says so" 1 "$(grep -c 'data-replay="timeout"' "$T_TMP/to.html")"
t_match "timeout: the report lists the timed-out windows" \
	"1 replay ran over the 1\.5 s replay timeout and was stopped: <a href=\"#w$ws\">window $ws</a>\." \
	"$(grep 'id="replay-timeouts"' "$T_TMP/to.html")"
sqlite3 "$T_TMP/to.db" "DELETE FROM replays"
FOLIOTRACE_TEST_REPLAY_STALL=$ws "$FT" report -q --markdown --replay-timeout 0.5 --max-detail 3 \
	"$T_TMP/to.db" -o "$T_TMP/to.md" 2> "$T_TMP/to.err"; rc=$?
t_eq "timeout, markdown, -q: exit 0, nothing on stderr" "0 " "$rc $(cat "$T_TMP/to.err")"
t_check "timeout, markdown: the timed-out window is listed" \
	grep -qx "1 replay ran over the 0.5 s replay timeout and was stopped: window $ws." "$T_TMP/to.md"
t_eq "timeout, markdown: one section says so" 1 "$(grep -c '^Replay timed out: ' "$T_TMP/to.md")"
for bad in x -1 1e3 nan inf 604801 ""; do
	"$FT" report --replay-timeout "$bad" --no-replay "$db" -o "$T_TMP/x.html" >/dev/null 2>&1; rc=$?
	t_eq "--replay-timeout '$bad': usage error" 2 "$rc"
done
"$FT" report --replay-timeout 0 --no-replay "$db" -o "$T_TMP/x.html"; rc=$?
t_eq "--replay-timeout 0 (no limit): exit 0" 0 "$rc"

# --- hostile strings -----------------------------------------------------------
cp "$db" "$T_TMP/h.db"
sqlite3 "$T_TMP/h.db" "UPDATE tasks SET comm = '<script>alert(1)</script>|x' WHERE pid = (SELECT
	json_extract(evidence, '\$.writer') FROM windows WHERE verdict = 'loss' LIMIT 1);
	UPDATE traces SET source = '\"><img src=http://example.com/x>', host = '<b>&amp;'"
"$FT" report --no-replay "$T_TMP/h.db" -o "$T_TMP/h.html"
"$FT" report --no-replay --markdown "$T_TMP/h.db" -o "$T_TMP/h.md"
t_check "hostile comm escaped in HTML" grep -q '&lt;script&gt;alert(1)&lt;/script&gt;|x' "$T_TMP/h.html"
t_check "no markup injected into HTML" bash -c "! grep -qi -e '<script' -e '<img' -e '<b>' '$T_TMP/h.html'"
t_check "no markup injected into Markdown" bash -c "! grep -qi -e '<script' -e '<img' '$T_TMP/h.md'"
t_check "hostile comm escaped in Markdown tables" grep -q '&lt;/script&gt;\\|x' "$T_TMP/h.md"
# The same under ASan+UBSan (make check builds it): same bytes, no report.
if [ -n "${FT_ASAN_BIN:-}" ] && [ -x "$FT_ASAN_BIN" ]; then
	"$FT_ASAN_BIN" report --no-replay "$T_TMP/h.db" -o "$T_TMP/h-asan.html" 2> "$T_TMP/asan.log"; rc=$?
	t_eq "ASan build: report exits 0 (log: $(head -c 200 "$T_TMP/asan.log"))" 0 "$rc"
	t_check "ASan build: the same HTML" cmp -s "$T_TMP/h.html" "$T_TMP/h-asan.html"
	"$FT_ASAN_BIN" report --markdown --no-replay "$T_TMP/h.db" -o "$T_TMP/h-asan.md" 2>> "$T_TMP/asan.log"; rc=$?
	t_eq "ASan build: markdown exits 0" 0 "$rc"
fi

# --- a trace whose windows are all protected (6.x, upstream code) ---------------
db6=$T_TMP/v6.db
"$FT" import -q "$fix/xfs-shortwrite-v6.dat" -o "$db6" && "$FT" analyze -q "$db6" ||
	t_fail "v6: import and analyze"
np=$(q "$db6" "SELECT count(*) FROM windows WHERE verdict = 'protected'")
nall=$(q "$db6" "SELECT count(*) FROM windows")
"$FT" report "$db6" -o "$T_TMP/v6.html"; rc=$?
t_eq "v6: report exits 0" 0 "$rc"
t_check "v6: all $nall windows protected in the fixture" test "$np" -eq "$nall" -a "$np" -gt 0
t_check "v6: summary says all $np windows protected" grep -q "No race: all $np short-write cleanup windows were protected" "$T_TMP/v6.html"
t_eq "v6: no window detailed, no figure" 0 "$(grep -c '<svg' "$T_TMP/v6.html")"
ex=$((np < 5 ? np : 5))
t_eq "v6: $ex protected examples listed" "$ex" "$(grep -c 'data-verdict="protected"' "$T_TMP/v6.html")"
t_eq "v6: no replay run for protected windows" 0 "$(q "$db6" "SELECT count(*) FROM replays")"

# --- not analysed; failures leave nothing behind ---------------------------------
"$FT" import -q "$fix/xfs-shortwrite-v6.dat" -o "$T_TMP/raw.db"
"$FT" report "$T_TMP/raw.db" -o "$T_TMP/raw.html"; rc=$?
t_eq "unanalysed DB: report exits 0" 0 "$rc"
t_check "unanalysed DB: summary says so" grep -q "Not analysed yet" "$T_TMP/raw.html"
"$FT" report "$T_TMP/none.db" -o "$T_TMP/none.html" 2>/dev/null; rc=$?
t_eq "missing DB: exit 1" 1 "$rc"
t_check "missing DB: no output" test ! -e "$T_TMP/none.html"
mkdir "$T_TMP/isdir.html"
err=$("$FT" report --no-replay "$db" -o "$T_TMP/isdir.html" 2>&1); rc=$?
t_eq "a directory as the output: exit 1" 1 "$rc"
t_match "the message names the output" "isdir.html: is a directory" "$err"
t_eq "no temporary file left after the failure" "" "$(ls "$T_TMP" | grep '\.tmp[.-]' || true)"
"$FT" report --max-detail x "$db" >/dev/null 2>&1; rc=$?
t_eq "bad --max-detail: exit 2" 2 "$rc"

# --- headless Chromium: renders, screenshot, no console message ----------------
if ! command -v chromium >/dev/null; then
	echo "skipped: chromium missing (make deps-test installs it)"
	t_done; exit
fi
shot() {	# shot HTML PNG LOG
	timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --enable-logging=stderr --v=0 \
		--user-data-dir="$T_TMP/chrome" --screenshot="$2" --window-size=1280,2000 \
		"file://$1" > "$3" 2>&1
}
# The detector must see a console error when there is one.
echo '<!DOCTYPE html><html><body><script>no_such_function();</script></body></html>' > "$T_TMP/bad.html"
shot "$T_TMP/bad.html" "$T_TMP/bad.png" "$T_TMP/bad.log"
t_check "control: a page with a script error is caught" grep -q ':CONSOLE.*Uncaught' "$T_TMP/bad.log"
for name in a h; do
	shot "$T_TMP/$name.html" "$T_TMP/$name.png" "$T_TMP/$name.log"; rc=$?
	t_eq "chromium renders $name.html" 0 "$rc"
	size=$(stat -c %s "$T_TMP/$name.png" 2>/dev/null || echo 0)
	t_check "$name.png is a non-trivial PNG ($size bytes)" \
		bash -c "[ $size -gt 20000 ] && head -c 8 '$T_TMP/$name.png' | od -An -tx1 | grep -q '89 50 4e 47'"
	t_eq "no console message for $name.html" "" "$(grep ':CONSOLE' "$T_TMP/$name.log")"
done
t_done
