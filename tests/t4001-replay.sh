#!/bin/bash
# t4001: foliotrace replay --scenario: per-variant outcomes of the delalloc
# punch race (default schedule and --explore), JSON that parses, byte-identical
# reruns, one-line errors for bad input.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir

# field MODEL KEY FILE: a top-level value of a model's object in --json output
field() {
	python3 -c 'import json,sys
for o in json.load(open(sys.argv[3]))["models"]:
    if o["model"] == sys.argv[1]:
        v = o
        for k in sys.argv[2].split("."):
            v = v[k]
        print(v)' "$1" "$2" "$3"
}

"$FT" replay --list > "$T_TMP/list"; rc=$?
t_eq "--list exits 0" 0 "$rc"
for s in punch-race short-write punch-race-writeback; do
	t_check "--list names $s" grep -q "^$s " "$T_TMP/list"
done

for s in punch-race punch-race-writeback short-write; do
	"$FT" replay --scenario "$s" --explore --json > "$T_TMP/$s.json"; rc=$?
	t_eq "$s --explore --json exits 0" 0 "$rc"
	t_check "$s --json is valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T_TMP/$s.json"
	n=$(python3 -c 'import json,sys; print(",".join(o["model"] for o in json.load(open(sys.argv[1]))["models"]))' "$T_TMP/$s.json")
	t_eq "$s: one object per model" "prefix,fix,v6.2,upstream" "$n"
done

j=$T_TMP/punch-race.json
# The first punch leaves F's folio unbacked; W's second round (5.10
# fs/iomap/buffered-io.c:iomap_file_buffered_write loops iomap_apply after a
# short copy that copied something) reserves the tail again and its
# truncate (xfs_iomap.c:xfs_buffered_write_iomap_end) deletes F's dirty
# folio: dirty_dropped, as window 77 of xfs-race-5.10-a.dat shows.
t_eq "punch-race prefix default schedule: dirty_dropped" dirty_dropped "$(field prefix outcome "$j")"
t_eq "punch-race prefix: on F's page 2" 2 "$(field prefix where.page "$j")"
t_check "punch-race prefix: some explored schedules leave unbacked dirty folios" \
	test "$(field prefix hit_schedules.unbacked_dirty "$j")" -gt 0
t_eq "punch-race fix: no unbacked dirty folio in any schedule" 0 "$(field fix hit_schedules.unbacked_dirty "$j")"
t_check "punch-race fix: some schedules drop F's dirty data" \
	test "$(field fix hit_schedules.dirty_dropped "$j")" -gt 0
j=$T_TMP/punch-race-writeback.json
t_eq "punch-race-writeback prefix: data_loss" data_loss "$(field prefix outcome "$j")"
t_check "punch-race-writeback prefix: explored lost writes" test "$(field prefix outcomes.data_loss "$j")" -gt 0
t_eq "punch-race-writeback fix: no lost write" 0 "$(field fix hit_schedules.data_loss "$j")"
t_eq "punch-race-writeback fix: no writeback error" 0 "$(field fix hit_schedules.writeback_error "$j")"
for s in punch-race punch-race-writeback; do
	for v in v6.2 upstream; do
		t_eq "$s $v: ok" ok "$(field $v outcome "$T_TMP/$s.json")"
		t_eq "$s $v: no bad schedule of $(field $v schedules "$T_TMP/$s.json")" 0 \
			"$(field $v bad_schedules "$T_TMP/$s.json")"
	done
done
t_eq "short-write prefix: race-free" 0 "$(field prefix bad_schedules "$T_TMP/short-write.json")"
t_check "naive count above the explored count" \
	test "$(field prefix naive "$j")" -gt "$(field prefix schedules "$j")"

# text output
out=$("$FT" replay --scenario punch-race --model prefix)
# (dirty_dropped at the second round's truncate: see above)
t_match "text: header line with outcome and digest" "== punch-race under prefix: outcome dirty_dropped, digest [0-9a-f]{16}" "$out"
t_match "text: the punch step trips it" "W +punch_delalloc .*<- unbacked_dirty" "$out"
t_match "text: where" "outcome dirty_dropped: at step [0-9]+ \(W truncate_pagecache\), page 2, dirtied by F; also unbacked_dirty" "$out"
out=$("$FT" replay --scenario punch-race-writeback --model prefix --explore)
t_match "text: explore summary" "explore: [0-9]+ distinct schedules \(naive enumeration: [0-9]+ interleavings\)" "$out"
t_match "text: a shortest counterexample" "shortest data_loss: [WFB0-9,]+ \([0-9]+ steps\)" "$out"

# a given schedule: the fault after the punch is safe under prefix
t_eq "prefix, fault after the punch: ok" ok \
	"$("$FT" replay --scenario punch-race --model prefix --schedule W8,F --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["models"][0]["outcome"])')"

# determinism
"$FT" replay --scenario punch-race-writeback --explore --json > "$T_TMP/a"
"$FT" replay --scenario punch-race-writeback --explore --json > "$T_TMP/b"
t_check "two --json runs are byte-identical" cmp -s "$T_TMP/a" "$T_TMP/b"
"$FT" replay --scenario punch-race-writeback --explore > "$T_TMP/a"
env -i PATH="$PATH" LC_ALL=C "$FT" replay --scenario punch-race-writeback --explore > "$T_TMP/b"
t_check "two text runs (another environment) are byte-identical" cmp -s "$T_TMP/a" "$T_TMP/b"

# bad input: one line on stderr, non-zero exit
bad() {
	local desc=$1 want=$2; shift 2
	local err rc
	err=$("$FT" replay "$@" 2>&1 >/dev/null); rc=$?
	t_eq "$desc exits $want" "$want" "$rc"
	t_match "$desc: says why" "^foliotrace( replay)?: " "$(echo "$err" | head -1)"
	t_eq "$desc: the reason is one line" 1 "$(echo "$err" | grep -vc '^Try ')"
}
bad "unknown scenario" 2 --scenario nope
bad "unknown model" 2 --scenario punch-race --model v9
bad "schedule with an unknown task" 2 --scenario punch-race --schedule W,X
bad "malformed schedule" 2 --scenario punch-race --schedule "W,3"
bad "zero repeat count" 2 --scenario punch-race --schedule W0
bad "no scenario" 2
bad "DB --window" 1 some.db --window 3
# exploration modes: the state search is the reference for DPOR (the same
# final states and outcome classes); budgets say what they covered
j=$T_TMP/modes.json
"$FT" replay --scenario punch-race-writeback --model prefix --explore --json > "$T_TMP/d.json"
"$FT" replay --scenario punch-race-writeback --model prefix --explore=states --json > "$T_TMP/s.json"
t_eq "dpor and states: the same final states and classes" \
	"$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["models"][0]["explore"]; print(e["final_states"], e["classes"])' "$T_TMP/s.json")" \
	"$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["models"][0]["explore"]; print(e["final_states"], e["classes"])' "$T_TMP/d.json")"
t_eq "dpor: complete, exhaustive" "True exhaustive" \
	"$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["models"][0]["explore"]; print(e["complete"], e["guarantee"].split(":")[0])' "$T_TMP/d.json")"
out=$("$FT" replay --scenario punch-race-writeback --model prefix --explore --budget=7)
t_match "--budget=7: partial, says so" "guarantee: partial: DPOR stopped by the budget after 7 executions" "$out"
out=$("$FT" replay --scenario punch-race --model prefix --pct=2 --runs=500 --seed=3)
t_match "--pct: the per-run bound and the miss bound" "pct: a depth-2 bug is hit by one run with probability >= 1/\(n k\^\(d-1\)\) = [0-9.e-]+ \(n 2 tasks, k [0-9]+ steps\); 500 runs miss it" "$out"
out=$("$FT" replay --scenario punch-race --model prefix --preemptions=1)
t_match "--preemptions=1: bounded guarantee" "guarantee: (bounded: every schedule with at most 1 preemption|exhaustive)" "$out"
# six tasks: too many interleavings for DPOR or the full state search in the
# default budget, so --explore falls back to preemption-bounded searches and
# still states a guarantee (never "partial")
cat > "$T_TMP/six.scn" <<'EOS'
name six-tasks
pages 8
task W write 0-3 copied 4096
task F fault 2
task G fault 3
task B writeback 0-3
task R read_fault 1
task X write 5-6 copied 8192
EOS
out=$("$FT" replay --scenario-file "$T_TMP/six.scn" --model prefix --explore --timeout=4)
t_match "six tasks, --explore --timeout=4: a stated guarantee" "guarantee: (bounded: every schedule with at most [0-9]+ preemptions?|exhaustive)" "$out"
bad "bad --explore mode" 2 --scenario punch-race --explore=bfs
bad "bad --budget" 2 --scenario punch-race --explore --budget=x
bad "bad --timeout" 2 --scenario punch-race --explore --timeout=-1
t_done
