#!/bin/bash
# t1011: the conventions every command shares (cli/cmd.c, cli/main.c):
# -V/--version, -v/--verbose, one-line usage errors with suggestions,
# --json on every command that prints results (one JSON document each),
# devices as MAJOR:MINOR, times in seconds with units, the -f overwrite
# rule, the database mode from the command table (read-only databases),
# text tables that fit a terminal and are complete when piped, timeline
# --window with event ids and window marks, and the bash completion.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
db=$T_TMP/race.db
"$FT" import -q "$FT_ROOT/tests/fixtures/xfs-race-5.10-a.dat" -o "$db" ||
	{ t_fail "import the fixture"; exit 1; }
q() { "$FT" sql --csv "$db" "$1" | tail -n +2 | tr -d '\r"'; }
# count_lines TEXT: lines in TEXT (0 for none)
count_lines() { [ -z "$1" ] && echo 0 || printf '%s\n' "$1" | wc -l; }
lacks() { ! grep -qF -- "$1" <<< "$2"; }
jsonok() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1"; }

# --- the dispatcher ----------------------------------------------------------
t_eq "-V prints what --version prints" "$("$FT" --version)" "$("$FT" -V)"
help=$("$FT" --help)
t_match "--help documents -V, -h and -v" "-V, --version.*-h, --help.*-v, --verbose" \
	"$(echo "$help" | tr '\n' ' ')"
t_check "no command is a stub any more" lacks 'not implemented' "$help"
cmds=$(echo "$help" | awk '/^commands:/{c=1; next} /^$/{c=0} c && /^   [a-z]/ {print $1}')
err=$("$FT" 2>&1 >/dev/null); rc=$?
t_eq "no command: exit 2, one line" "2 1" "$rc $(count_lines "$err")"
t_match "no command: says so and where the list is" "a command is missing.*see 'foliotrace --help'" "$err"
err=$("$FT" improt x 2>&1 >/dev/null); rc=$?
t_eq "a near-miss command exits 2" 2 "$rc"
t_eq "a near-miss command: one line" 1 "$(count_lines "$err")"
t_match "a near-miss command: did you mean" "'improt' is not a foliotrace command \(did you mean 'import'\?\)" "$err"
err=$("$FT" --versoin 2>&1 >/dev/null); rc=$?
t_eq "a near-miss global option: exit 2, one line" "2 1" "$rc $(count_lines "$err")"
t_match "a near-miss global option: did you mean" "did you mean '--version'" "$err"
out=$("$FT" -v info "$db" 2>&1 >/dev/null); rc=$?
t_eq "-v before the command: exit 0" 0 "$rc"
t_match "-v: how the database is opened (info reads: read-only)" "info: .*race.db: opening read-only" "$out"
t_match "-v: the time taken and the exit status" "info: done in [0-9.]+ s, exit status 0" "$out"
out=$("$FT" analyze -q -v "$db" 2>&1 >/dev/null)
t_match "-v after the command; analyze changes its database: read-write" "opening read-write" "$out"
t_eq "without -v nothing on stderr" "" "$("$FT" info "$db" 2>&1 >/dev/null)"

# --- every command: -v documented, one line per usage error --------------------
for c in $cmds; do
	h=$("$FT" "$c" --help)
	t_match "$c --help documents -v, --verbose" "-v, --verbose" "$h"
	# record checks for root before its options
	[ "$c" = record ] && [ "$(id -u)" != 0 ] && continue
	err=$("$FT" "$c" --no-such-option DB 2>&1 >/dev/null); rc=$?
	t_eq "$c: an unknown option exits 2 with one line" "2 1" "$rc $(count_lines "$err")"
	t_match "$c: the line names the option and the help" \
		"^foliotrace $c: unknown option '--no-such-option'; see 'foliotrace $c --help'$" "$err"
	err=$("$FT" "$c" --hepl 2>&1 >/dev/null)
	t_match "$c: --hepl suggests --help" "did you mean '--help'" "$err"
done
err=$("$FT" import -o 2>&1 >/dev/null); rc=$?
t_eq "import -o without its argument: exit 2, one line" "2 1" "$rc $(count_lines "$err")"
t_match "import -o: the line says what is missing" "option '-o' requires an argument" "$err"
t_check "import -o: no second, wrong line" lacks 'unknown option' "$err"
err=$("$FT" export --outptu x "$db" 2>&1 >/dev/null)
t_match "export --outptu: did you mean --output" "unknown option '--outptu' \(did you mean '--output'\?\)" "$err"

# --- --json on every command that prints results --------------------------------
"$FT" import -f --json "$FT_ROOT/tests/fixtures/xfs-race-5.10-a.dat" -o "$db" > "$T_TMP/import.json"
t_check "import --json is one JSON document" jsonok "$T_TMP/import.json"
t_eq "import --json: events as stored" "$(q "SELECT count(*) FROM events")" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$T_TMP/import.json")"
"$FT" analyze --json "$db" > "$T_TMP/analyze.json"
t_check "analyze --json is one JSON document" jsonok "$T_TMP/analyze.json"
t_eq "analyze --json: windows as stored, by_verdict sums to them" \
	"$(q "SELECT count(*) FROM windows") $(q "SELECT count(*) FROM windows")" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["windows"], sum(d["by_verdict"].values()))' "$T_TMP/analyze.json")"
t_eq "analyze --json: the loss windows as stored" "$(q "SELECT count(*) FROM windows WHERE verdict = 'loss'")" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["by_verdict"]["loss"])' "$T_TMP/analyze.json")"
for c in "info --json $db" "windows --json $db" "sql --json $db|SELECT 1 AS one" \
	 "replay --scenario punch-race --model prefix --json" \
	 "timeline --json --window 1 $db"; do
	IFS='|' read -r args query <<< "$c"
	# shellcheck disable=SC2086
	if [ -n "$query" ]; then "$FT" $args "$query"; else "$FT" $args; fi > "$T_TMP/c.json"
	t_check "$args: one JSON document" jsonok "$T_TMP/c.json"
done
if [ "$(id -u)" = 0 ] && t_tracefs; then
	"$FT" record --json -o "$T_TMP/rec.db" -- sh -c 'exit 3' > "$T_TMP/rec.json" 2>/dev/null
	t_eq "record --json: one object, the command's exit status, events as stored" \
		"3 $("$FT" sql --csv "$T_TMP/rec.db" "SELECT count(*) FROM events" | tail -1 | tr -d '\r')" \
		"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["command_exit"], d["events"])' "$T_TMP/rec.json")"
else
	echo "skipped: record --json needs root and tracefs"
fi
"$FT" replay --scenario punch-race --json > "$T_TMP/r.json"
t_eq "replay --json (a scenario): one object with a models array" "dict punch-race 4" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(type(d).__name__, d["scenario"], len(d["models"]))' "$T_TMP/r.json")"

# --- devices as MAJOR:MINOR, times in seconds -----------------------------------
devs=$(q "SELECT DISTINCT major || ':' || minor FROM events_v WHERE dev IS NOT NULL ORDER BY 1")
"$FT" export -q --format csv --what events -o "$T_TMP/ev.csv" "$db"
t_eq "export csv: the devices are MAJOR:MINOR, as events_v gives them" "$devs" \
	"$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1], newline=""))); print("\n".join(sorted({x["dev"] for x in r if x["dev"]})))' "$T_TMP/ev.csv")"
"$FT" export -q --format csv --what windows -o "$T_TMP/w.csv" "$db"
t_eq "export csv windows: the device of window 1" "$(q "SELECT (dev >> 20) || ':' || (dev & 1048575) FROM windows WHERE id = 1")" \
	"$(python3 -c 'import csv,sys; print([x["dev"] for x in csv.DictReader(open(sys.argv[1], newline="")) if x["id"] == "1"][0])' "$T_TMP/w.csv")"
read -r lo hi <<< "$(q "SELECT first_ts + (last_ts - first_ts) / 3, first_ts + (last_ts - first_ts) / 2 FROM traces" | tr ',' ' ')"
want=$(q "SELECT count(*) FROM events WHERE ts BETWEEN $lo AND $hi")
s_lo=$(python3 -c "print('%d.%09d' % divmod($lo, 10**9))")
s_hi=$(python3 -c "print('%d.%09d' % divmod($hi, 10**9))")
ms_lo=$(python3 -c "print('%d.%06dms' % divmod($lo, 10**6))")
n() { python3 -c 'import json,sys; print(sum(1 for e in json.load(open(sys.argv[1]))["traceEvents"] if e.get("ph") == "i"))' "$1"; }
"$FT" export -q --from "$s_lo" --to "$s_hi" -o "$T_TMP/s.json" "$db"
t_eq "export --from/--to in seconds: the events in the range" "$want" "$(n "$T_TMP/s.json")"
"$FT" export -q --from "$ms_lo" --to "${hi}ns" -o "$T_TMP/ms.json" "$db"
t_eq "export --from in ms, --to in ns: the same events" "$want" "$(n "$T_TMP/ms.json")"
err=$("$FT" export -q --from 5parsecs -o "$T_TMP/x.json" "$db" 2>&1); rc=$?
t_eq "export --from 5parsecs: exit 2, one line" "2 1" "$rc $(count_lines "$err")"
"$FT" sql --timeout 1.5s "$db" "SELECT 1" > /dev/null; rc=$?
t_eq "sql --timeout 1.5s: a time with a unit" 0 "$rc"
"$FT" replay --scenario punch-race --model prefix --explore --timeout 500ms > /dev/null; rc=$?
t_eq "replay --timeout 500ms: a time with a unit" 0 "$rc"

# --- one overwrite rule: -f ----------------------------------------------------------
for c in "export -q" "report --no-replay -q"; do
	echo keep > "$T_TMP/out"
	# shellcheck disable=SC2086
	"$FT" $c -o "$T_TMP/out" "$db" 2>/dev/null; rc=$?
	t_eq "$c: an existing file without -f: exit 1, unchanged" "1 keep" "$rc $(cat "$T_TMP/out")"
	# shellcheck disable=SC2086
	"$FT" $c -f -o "$T_TMP/out" "$db" 2>/dev/null; rc=$?
	t_check "$c -f: replaced" test "$rc" = 0 -a "$(head -c 4 "$T_TMP/out")" != keep
done
echo keep > "$T_TMP/out.db"
"$FT" import -q "$FT_ROOT/tests/fixtures/xfs-race-5.10-a.dat" -o "$T_TMP/out.db" 2>/dev/null; rc=$?
t_eq "import: an existing file without -f: exit 1, unchanged" "1 keep" "$rc $(cat "$T_TMP/out.db")"

# --- the database mode: read-only databases --------------------------------------
ro=$T_TMP/ro
mkdir "$ro" && cp "$db" "$ro/race.db" && chmod 755 "$T_TMP" "$ro" && chmod 444 "$ro/race.db"
loss=$(q "SELECT id FROM windows WHERE verdict = 'loss' ORDER BY id LIMIT 1")
as_nobody() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi; }
out=$(as_nobody "$FT" replay "$ro/race.db" --window "$loss" 2>"$T_TMP/err"); rc=$?
t_eq "replay --window on a read-only DB: exit 1, nothing printed" "1 " "$rc $out"
t_eq "replay --window on a read-only DB: one line" 1 "$(count_lines "$(cat "$T_TMP/err")")"
t_match "replay --window on a read-only DB: says so first" "race.db: read-only database" "$(cat "$T_TMP/err")"
out=$(as_nobody "$FT" analyze "$ro/race.db" 2>"$T_TMP/err"); rc=$?
t_eq "analyze on a read-only DB: exit 1, nothing printed" "1 " "$rc $out"
t_eq "windows on a read-only DB: read, exit 0" 0 "$(as_nobody "$FT" windows "$ro/race.db" > /dev/null; echo $?)"
mkdir "$T_TMP/rep" && chmod 777 "$T_TMP/rep"
as_nobody "$FT" report --max-detail 1 -o "$T_TMP/rep/p.html" "$ro/race.db" 2>"$T_TMP/err"; rc=$?
t_eq "report on a read-only DB: written, exit 0" "0 1" "$rc $(test -s "$T_TMP/rep/p.html" && echo 1)"
t_match "report on a read-only DB: one warning, no replays run" "warning: .*read-only: no replays are run" "$(cat "$T_TMP/err")"

# --- tables: complete when piped, cut to a terminal's width ----------------------
# --family: only that family's windows (the stored family column is the reference)
ids_of() { python3 -c 'import json,sys; print(",".join(str(w["id"]) for w in sorted(json.load(sys.stdin), key=lambda w: w["id"])))'; }
t_check "the fixture has delalloc_punch windows" [ "$(q "SELECT count(*) FROM windows WHERE family = 'delalloc_punch'")" -gt 0 ]
for fam in delalloc_punch folio_loss; do
	t_eq "windows --family $fam: that family's windows, as stored" \
		"$(q "SELECT coalesce(group_concat(id), '') FROM (SELECT id FROM windows WHERE family = '$fam' ORDER BY id)")" \
		"$("$FT" windows --family "$fam" --json "$db" | ids_of)"
done
err=$("$FT" windows --family bogus "$db" 2>&1 >/dev/null); rc=$?
t_eq "windows --family bogus: exit 2, one line" "2 1" "$rc $(count_lines "$err")"
known=$(sed -n "s/.*unknown family 'bogus' (\(.*\)).*/\1/p" <<< "$err")
t_check "the error lists the known families" [ -n "$known" ]
for fam in ${known//,/}; do
	t_check "windows --help describes the family $fam" grep -q -- "$fam" <<< "$("$FT" windows --help)"
	t_check "foliotrace-windows(1) describes the family $fam" grep -q -- "$fam" "$FT_ROOT/docs/man/foliotrace-windows.1"
	t_check "docs/families.md describes the family $fam" grep -q -- "## $fam" "$FT_ROOT/docs/families.md"
done
ev=$(q "SELECT json_extract(evidence, '\$.racing') FROM windows WHERE id = $loss")
"$FT" windows "$db" > "$T_TMP/w.txt"
t_check "windows piped: the evidence of window $loss is whole" grep -qF -- "$ev" "$T_TMP/w.txt"
t_check "windows piped: no line is cut" bash -c "! grep -q '…' '$T_TMP/w.txt'"
if command -v script >/dev/null; then
	for cols in 80 120; do
		script -qc "stty cols $cols; '$FT' windows '$db'" /dev/null > "$T_TMP/tty.txt" 2>&1
		widest=$(python3 -c 'import sys; print(max(len(l.rstrip("\r\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$T_TMP/tty.txt")
		t_check "windows on a $cols-column terminal: no line is wider ($widest)" test "$widest" -le "$cols"
		t_eq "windows on a $cols-column terminal: one line per window (and the heading)" \
			"$(( $(q "SELECT count(*) FROM windows") + 1 ))" "$(grep -cE '^ *[0-9]+ |^ *id ' "$T_TMP/tty.txt")"
		t_check "windows on a $cols-column terminal: the cut is marked and said" \
			grep -q "lines cut to $cols columns" "$T_TMP/tty.txt"
	done
	script -qc "stty cols 60; '$FT' sql '$db' 'SELECT id, evidence FROM windows'" /dev/null > "$T_TMP/tty.txt" 2>&1
	widest=$(python3 -c 'import sys; print(max(len(l.rstrip("\r\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$T_TMP/tty.txt")
	t_check "sql's table on a 60-column terminal: no line is wider ($widest)" test "$widest" -le 60
	t_check "sql's table on a 60-column terminal: the cut is said" grep -q "lines cut to 60 columns" "$T_TMP/tty.txt"
	"$FT" sql "$db" "SELECT evidence FROM windows WHERE id = $loss" > "$T_TMP/sql.txt"
	t_check "sql's table piped: the evidence is whole" grep -qF -- "$ev" "$T_TMP/sql.txt"
else
	echo "skipped: no script(1) for a terminal"
fi

# --- timeline --window: ids, marks, whole names ------------------------------------
read -r wino wfirst wlast wstart wend <<< "$(q "SELECT ino, first_index, last_index, start_event, end_event FROM windows WHERE id = $loss" | tr ',' ' ')"
cited=$(sed -n 's/.*at event \([0-9]*\).*/\1/p' <<< "$ev")
"$FT" timeline --window "$loss" "$db" > "$T_TMP/tl.txt"; rc=$?
t_eq "timeline --window $loss exits 0" 0 "$rc"
t_check "timeline --window $loss: the event the evidence cites (#$cited) is shown" \
	grep -qE "#$cited( |$)" "$T_TMP/tl.txt"
t_check "timeline --window $loss: a line where the window opens (#$wstart)" \
	grep -qF -- "---- window $loss (loss) opens at event #$wstart ----" "$T_TMP/tl.txt"
t_check "timeline --window $loss: a line where it closes (#$wend)" \
	grep -qF -- "---- window $loss (loss) closes at event #$wend ----" "$T_TMP/tl.txt"
"$FT" timeline --json --window "$loss" "$db" > "$T_TMP/tl.json"
t_eq "timeline --window --json: the events marked are those inside the window, on its inode's pages" "ok" \
	"$(python3 -c '
import json, sys
lo, hi, first, last, w = map(int, sys.argv[2:])
rows = json.load(open(sys.argv[1]))
bad = [r["id"] for r in rows if (w in r["windows"]) != (lo <= r["id"] <= hi)
       or r["last"] < first or r["first"] > last]
print("ok" if rows and not bad else "bad %s" % bad[:5])' "$T_TMP/tl.json" "$wstart" "$wend" "$wfirst" "$wlast" "$loss")"
"$FT" timeline --json --ino "$wino" "$db" > "$T_TMP/tl-all.json"
t_eq "timeline --window: the events of --ino (every page) that touch the window's pages" \
	"$(python3 -c 'import json,sys; f, l = int(sys.argv[2]), int(sys.argv[3]); print([r["id"] for r in json.load(open(sys.argv[1])) if r["first"] <= l and f <= r["last"]])' "$T_TMP/tl-all.json" "$wfirst" "$wlast")" \
	"$(python3 -c 'import json,sys; print([r["id"] for r in json.load(open(sys.argv[1]))])' "$T_TMP/tl.json")"
"$FT" timeline --ino "$wino" "$db" > "$T_TMP/tl-all.txt"
longest=$(python3 -c 'import json,sys; print(max((r["event"] for r in json.load(open(sys.argv[1]))), key=len))' "$T_TMP/tl-all.json")
t_check "timeline piped: the longest event name of the inode ($longest) is whole" \
	grep -qE "(^| )$longest( |$)" "$T_TMP/tl-all.txt"
t_check "timeline piped: nothing is cut" bash -c "! grep -q '…' '$T_TMP/tl-all.txt'"
err=$("$FT" timeline --window 999999 "$db" 2>&1); rc=$?
t_eq "timeline --window of no window: exit 1" 1 "$rc"
t_match "timeline --window of no window: says so" "no window 999999" "$err"

# --- bash completion ------------------------------------------------------------------
comp=$FT_ROOT/scripts/foliotrace-completion.bash
complete_words() {	# WORDS...: what completing the last word offers
	PATH=$(dirname "$FT"):$PATH bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		_foliotrace; echo "${COMPREPLY[*]}"' _ "$comp" foliotrace "$@"
}
t_eq "completion: the commands of --help" "$(echo $cmds help version)" "$(complete_words "")"
t_eq "completion: im -> import" "import" "$(complete_words im)"
t_eq "completion: export --f" "--force --format --from" "$(complete_words export --f)"
t_eq "completion: export --format values" "perfetto csv" "$(complete_words export --format "")"
t_eq "completion: --verdict offers the verdicts analyze counts" \
	"$(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["by_verdict"])))' "$T_TMP/analyze.json")" \
	"$(complete_words windows --verdict "" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
t_eq "completion: --variant offers the variants replay runs" \
	"$(python3 -c 'import json,sys; print(" ".join(sorted(m["model"] for m in json.load(open(sys.argv[1]))["models"])))' "$T_TMP/r.json")" \
	"$(complete_words analyze --variant "" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
t_eq "completion: --family offers the families the binary names" \
	"$(echo ${known//,/})" "$(complete_words windows --family "")"
t_eq "completion: timeline --w (the new --window)" "--window" "$(complete_words timeline --w)"
t_eq "completion: replay --scenario p" "$("$FT" replay --list | awk '$1 ~ /^p/ {print $1}' | tr '\n' ' ' | sed 's/ $//')" \
	"$(complete_words replay --scenario p)"
missing="" nopts=0
for c in $cmds; do
	for o in $("$FT" "$c" --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+$'); do
		nopts=$((nopts + 1))
		got=$(complete_words "$c" "$o")
		[[ " $got " == *" $o "* ]] || missing="$missing $c:$o"
	done
done
t_check "completion: options read from the commands' --help ($nopts)" [ "$nopts" -gt 40 ]
t_eq "completion: every long option of every --help is offered" "" "$missing"
t_done
