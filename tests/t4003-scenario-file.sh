#!/bin/bash
# t4003: foliotrace replay --scenario-file: the built-in scenarios written as
# files (replay/scenarios/*.scn) give byte-identical output under every model;
# presets reach the model; a file's models line; one-line FILE:LINE errors for
# every kind of bad content, and no crash on hostile input (binary bytes,
# truncated lines, huge numbers, very long lines, escape sequences).
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
S=$FT_ROOT/replay/scenarios

# --- the built-ins as files ----------------------------------------------------
names=$("$FT" replay --list | awk '{print $1}')
t_check "replay --list names the built-ins" test -n "$names"
for s in $names; do
	t_check "built-in $s has a file $s.scn" test -s "$S/$s.scn"
	[ -s "$S/$s.scn" ] || continue
	for m in all prefix fix v6.2 upstream; do
		"$FT" replay --scenario "$s" --model "$m" --json > "$T_TMP/a"; ra=$?
		"$FT" replay --scenario-file "$S/$s.scn" --model "$m" --json > "$T_TMP/b"; rb=$?
		t_eq "$s --model $m: both exit 0" "0 0" "$ra $rb"
		t_check "$s --model $m --json: the file's output is byte-identical" cmp -s "$T_TMP/a" "$T_TMP/b"
	done
	"$FT" replay --scenario "$s" --explore --json > "$T_TMP/a"
	"$FT" replay --scenario-file "$S/$s.scn" --explore --json > "$T_TMP/b"
	t_check "$s --explore --json: byte-identical" cmp -s "$T_TMP/a" "$T_TMP/b"
	"$FT" replay --scenario "$s" --model prefix > "$T_TMP/a"
	"$FT" replay --scenario-file "$S/$s.scn" --model prefix > "$T_TMP/b"
	t_check "$s text output: byte-identical" cmp -s "$T_TMP/a" "$T_TMP/b"
	"$FT" replay --scenario "$s" --schedule W2,F --model prefix --json > "$T_TMP/a" 2>/dev/null
	ra=$?
	"$FT" replay --scenario-file "$S/$s.scn" --schedule W2,F --model prefix --json > "$T_TMP/b" 2>/dev/null
	rb=$?
	t_eq "$s --schedule W2,F: same exit status" "$ra" "$rb"
	t_check "$s --schedule W2,F: byte-identical" cmp -s "$T_TMP/a" "$T_TMP/b"
done
"$FT" replay --scenario punch-race --json > "$T_TMP/a"
"$FT" replay --scenario-file - --json < "$S/punch-race.scn" > "$T_TMP/b"
t_check "--scenario-file - reads standard input: byte-identical" cmp -s "$T_TMP/a" "$T_TMP/b"
err=$(printf 'pages 8\ntask F faul 2\n' | "$FT" replay --scenario-file - 2>&1 >/dev/null)
t_match "--scenario-file -: errors name '-' and the line" "^foliotrace: -:2: task F: unknown kind 'faul'" "$err"
# CRLF line ends, blanks and comments do not change the scenario
sed 's/^\(task .*\)/  \1   # a comment/; s/$/\r/' "$S/punch-race.scn" > "$T_TMP/punch-race.scn"
"$FT" replay --scenario punch-race --json > "$T_TMP/a"
"$FT" replay --scenario-file "$T_TMP/punch-race.scn" --json > "$T_TMP/b"
t_check "CRLF line ends, indents and trailing comments: byte-identical" cmp -s "$T_TMP/a" "$T_TMP/b"

# a tab in the schedule separates like a blank (model_schedule_parse takes ' ' and ',')
sed '/^schedule /{s/^schedule */schedule\t/; s/,/,\t/g}' "$S/punch-race.scn" > "$T_TMP/tab.scn"
"$FT" replay --scenario punch-race --json > "$T_TMP/a"
"$FT" replay --scenario-file "$T_TMP/tab.scn" --json > "$T_TMP/b"; rc=$?
t_eq "a schedule with tabs: exit 0" 0 "$rc"
steps_of() { python3 -c 'import json,sys; print(json.dumps([o["steps"] for o in json.load(open(sys.argv[1]))["models"]]))' "$1"; }
sa=$(steps_of "$T_TMP/a") sb=$(steps_of "$T_TMP/b")
t_check "a schedule with tabs runs the same steps as the built-in's" test -n "$sa" -a "$sa" = "$sb"

# --- defaults, models, kernel, presets -------------------------------------------
# kernel: the buffered write's iomap loop is iomap_apply in 5.10
# (fs/iomap/apply.c:iomap_apply) and iomap_iter from 5.15 on (fs/iomap/iter.c,
# 6.12); prefix's own kernel is 5.10, so "kernel 5.10" changes nothing there.
tps() {
	"$FT" replay --scenario-file "$1" --model prefix --json | python3 -c '
import json,sys
print(" ".join(s["tracepoints"] or "-" for s in json.load(sys.stdin)["models"][0]["steps"]))'
}
for k in 5.10 6.12; do
	sed "s/^models .*/kernel    $k/" "$S/punch-race.scn" > "$T_TMP/k$k.scn"
done
t_match "kernel 5.10: the write's steps name iomap_apply" "iomap_apply" "$(tps "$T_TMP/k5.10.scn")"
got=$(tps "$T_TMP/k6.12.scn")
t_match "kernel 6.12: the write's steps name iomap_iter" "iomap_iter" "$got"
t_check "kernel 6.12: and never iomap_apply" test "${got/iomap_apply/}" = "$got"
"$FT" replay --scenario punch-race --model prefix --json > "$T_TMP/a"
"$FT" replay --scenario-file "$T_TMP/k5.10.scn" --model prefix --json > "$T_TMP/b"
t_check "kernel 5.10 under prefix (its own kernel): byte-identical to the built-in" cmp -s "$T_TMP/a" "$T_TMP/b"

cat > "$T_TMP/mine.scn" <<'EOF'
pages 8
task W write 0-3 copied 4096
task F fault 2
models upstream prefix
EOF
got=$("$FT" replay --scenario-file "$T_TMP/mine.scn" --json |
	python3 -c 'import json,sys; print(" ".join(o["model"]+":"+o["scenario"]+":"+o["schedule"] for o in json.load(sys.stdin)["models"]))')
t_eq "models line (in the order of --list's models), the file's base name, the first task as schedule" \
	"prefix:mine:W upstream:mine:W" "$got"
got=$("$FT" replay --scenario-file "$T_TMP/mine.scn" --model fix --json |
	python3 -c 'import json,sys; print(" ".join(o["model"] for o in json.load(sys.stdin)["models"]))')
t_eq "--model overrides the models line" fix "$got"
got=$("$FT" replay --scenario-file "$T_TMP/mine.scn" --model all --json |
	python3 -c 'import json,sys; print(" ".join(o["model"] for o in json.load(sys.stdin)["models"]))')
t_eq "--model all overrides the models line" "prefix fix v6.2 upstream" "$got"

# A preset dirty folio over a delalloc extent is what writeback converts
# (fs/xfs/xfs_aops.c:xfs_map_blocks -> xfs_bmapi_convert_delalloc, 5.10 and
# 6.1); a clean one is not written at all (write_cache_pages visits folios
# tagged dirty only, mm/page-writeback.c).
steps() {
	"$FT" replay --scenario-file "$1" --model prefix --json | python3 -c '
import json,sys
print(" ".join("%s@%s" % (s["step"], s["page"]) for s in json.load(sys.stdin)["models"][0]["steps"]))'
}
for st in dirty clean; do
	printf 'pages 8\nextent 2 delalloc\nfolio 2 %s\ntask B writeback 0-3\n' "$st" > "$T_TMP/wb-$st.scn"
done
t_match "preset dirty folio over delalloc: B converts the delalloc of page 2" "wb_convert_delalloc@2" \
	"$(steps "$T_TMP/wb-dirty.scn")"
got=$(steps "$T_TMP/wb-clean.scn")
t_check "preset clean folio: B converts nothing ($got)" test -n "$got" -a "${got/convert/}" = "$got"

# The same scenario 100 pages further into the file (base 100): the same run,
# every page printed as the file's page index, 100 more.
sed -e 's/^name .*/name      punch-race/' -e 's/^base .*/base      100/' \
	-e 's/^task      W write 0-3/task      W write 100-103/' -e 's/^task      F fault 2/task      F fault 102/' \
	"$S/punch-race.scn" > "$T_TMP/shifted.scn"
"$FT" replay --scenario punch-race --explore --json > "$T_TMP/a"
"$FT" replay --scenario-file "$T_TMP/shifted.scn" --explore --json > "$T_TMP/b"; rc=$?
t_eq "base 100: exit 0" 0 "$rc"
t_check "base 100: the built-in's output with every page 100 more" python3 -c '
import json, sys
def shift(v):
    if isinstance(v, dict):
        return {k: (x + 100 if k == "page" and x is not None else shift(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [shift(x) for x in v]
    return v
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
sys.exit(not (a and shift(a) == b and a != b))' "$T_TMP/a" "$T_TMP/b"

# --- errors: exit 1, one line, FILE:LINE: and what is wrong ---------------------
mkdir "$T_TMP/keep"
nkeep=0
no_cntrl() { ! printf '%s' "$1" | LC_ALL=C grep -q '[[:cntrl:]]'; }
# badfile DESC LINE REGEX CONTENT (printf format)
badfile() {
	local desc=$1 line=$2 re=$3 err rc
	printf "$4" > "$T_TMP/bad.scn"
	cp "$T_TMP/bad.scn" "$T_TMP/keep/bad-$((++nkeep)).scn"	# again under ASan below
	err=$("$FT" replay --scenario-file "$T_TMP/bad.scn" 2>&1 >/dev/null); rc=$?
	t_eq "$desc: exits 1" 1 "$rc"
	t_eq "$desc: one line" 1 "$(printf '%s\n' "$err" | wc -l)"
	if [ "$line" = 0 ]; then
		t_match "$desc: names the file" "^foliotrace: [^ ]*/bad\.scn: (.*: )?$re" "$err"
	else
		t_match "$desc: names file:$line" "^foliotrace: [^ ]*/bad\.scn:$line: (.*: )?$re" "$err"
	fi
	t_check "$desc: no control byte in the message" no_cntrl "$err"
}
T='task W write 0-3 copied 4096\n'
badfile "unknown key" 3 "unknown key 'size'" "pages 8\n$T""size 9\n"
badfile "a key's prefix is not the key" 1 "unknown key 'pagesx'" "pagesx 8\n"
badfile "bad number" 1 "pages: '8x' is not a number" "pages 8x\n"
badfile "negative number" 1 "pages: '-8' is not a number" "pages -8\n"
badfile "pages above MODEL_MAX_PAGES" 1 "pages: 65 is out of range 1\.\.64" "pages 65\n$T"
badfile "pages 0" 1 "pages: 0 is out of range" "pages 0\n$T"
badfile "a 2^64 number" 2 "ino: 18446744073709551616 is out of range" "pages 8\nino 18446744073709551616\n$T"
badfile "a 40-digit number" 2 "free: 1234567890123456789012345678901234567890 is out of range" \
	"pages 8\nfree 1234567890123456789012345678901234567890\n$T"
badfile "free above the model's bound" 2 "free: 1048577 is out of range 0\.\.1048576" "pages 8\nfree 1048577\n$T"
badfile "ino 0" 2 "ino: 0 is out of range" "pages 8\nino 0\n$T"
badfile "duplicate key" 3 "duplicate 'pages' \(first at line 1\)" "pages 8\n$T""pages 8\n"
badfile "duplicate letter" 3 "letter W already used at line 2" "pages 8\n$T""task W fault 2\n"
badfile "letter not A..Z" 2 "letter 'w' is not one of A\.\.Z" "pages 8\ntask w write 0\n"
badfile "unknown task kind" 2 "unknown kind 'mmap'" "pages 8\ntask F mmap 2\n"
badfile "truncated task line" 2 "'task' wants LETTER KIND PAGES" "pages 8\ntask W wri"
badfile "truncated kind" 2 "unknown kind 'wri'" "pages 8\ntask W wri 0"
badfile "bad range" 2 "'3-' is not a page range" "pages 8\ntask F fault 3-\n"
badfile "reversed range" 2 "range 3-1 ends before it starts" "pages 8\ntask P punch 3-1\n"
badfile "task outside the window" 2 "task F: pages 8-8 outside the window \(pages 0-7\)" "pages 8\ntask F fault 8\n"
badfile "task outside a based window" 4 "task F: pages 99-99 outside the window \(pages 100-107\)" \
	"base 100\npages 8\ntask W write 100-103\ntask F fault 99\n"
badfile "truncate beyond the window" 2 "truncate size 9 outside the window \(0\.\.8\)" "pages 8\ntask T truncate 9\n"
badfile "copied more than the write" 2 "copied bytes: 16385 is out of range 0\.\.16384" \
	"pages 8\ntask W write 0-3 copied 16385\n"
badfile "copied on a fault" 2 "only a write takes 'copied BYTES'" "pages 8\ntask F fault 2 copied 1\n"
badfile "isize beyond the window" 1 "isize 9 is beyond the window's 8 pages" "isize 9\npages 8\n$T"
badfile "window beyond a 64-bit offset" 1 "base: the window's last page [0-9]+ is beyond" \
	"base 4503599627370495\npages 8\ntask F fault 4503599627370495\n"
badfile "unknown kernel" 2 "kernel: unknown kernel '4\.19' \(5\.10, 6\.1, 6\.12\)" "pages 8\nkernel 4.19\n$T"
badfile "kernel twice" 3 "duplicate 'kernel' \(first at line 2\)" "pages 8\nkernel 6.1\nkernel 6.1\n$T"
badfile "unknown model" 2 "unknown model 'v9'" "pages 8\nmodels prefix v9\n$T"
badfile "test-only model" 2 "unknown model 'broken-leak'" "pages 8\nmodels broken-leak\n$T"
badfile "models all with others" 2 "'all' stands alone" "pages 8\nmodels all fix\n$T"
badfile "model twice" 2 "'fix' listed twice" "pages 8\nmodels fix fix\n$T"
badfile "name with a slash" 1 "name: '\.\./x' is not" "name ../x\npages 8\n$T"
badfile "name too long" 1 "name: '.*' is not 1\.\.64" "name $(printf 'n%.0s' {1..65})\npages 8\n$T"
badfile "empty summary" 1 "'summary' wants a value" "summary   # nothing\npages 8\n$T"
badfile "schedule: unknown letter" 3 "schedule: no task 'X' \(tasks: W\)" "pages 8\n$T""schedule W,X\n"
badfile "schedule: stray character" 3 "schedule: ';' is not a task letter" "pages 8\n$T""schedule W;F\n"
badfile "schedule: repeat count above MODEL_MAX_RUN" 3 "repeat count of 'W' must be 1\.\.512" \
	"pages 8\n$T""schedule W513\n"
badfile "schedule: a 30-digit repeat count" 3 "repeat count of 'W' must be 1\.\.512" \
	"pages 8\n$T""schedule W999999999999999999999999999999\n"
badfile "extent type" 2 "unknown type 'allocated'" "pages 8\nextent 0-3 allocated\n$T"
badfile "overlapping extents" 3 "page 2 already has an extent \(line 2\)" \
	"pages 8\nextent 0-3 delalloc\nextent 2 real\n$T"
badfile "extents beyond the free blocks" 3 "no free block left for page 3 \(free 3\)" \
	"pages 8\nfree 3\nextent 0-3 delalloc\n$T"
badfile "dirty folio over a hole" 2 "dirty page 2 has no delalloc, unwritten or real extent" \
	"pages 8\nfolio 2 dirty\n$T"
badfile "folio preset twice" 3 "page 2 already preset \(line 2\)" \
	"pages 8\nfolio 2 clean\nfolio 1-3 clean\n$T"
badfile "folio state" 2 "unknown state 'uptodate'" "pages 8\nfolio 2 uptodate\n$T"
badfile "no pages line" 0 "no 'pages' line" "$T"
badfile "no task line" 0 "no 'task' line" "pages 8\n"
badfile "an empty file" 0 "no 'pages' line" ""
tasks=""
for l in A B C D E F G H I J K L M N O P Q; do tasks="${tasks}task $l fault 0\n"; done
badfile "17 tasks (MODEL_MAX_TASKS 16)" 18 "too many tasks: the model takes at most 16" "pages 8\n$tasks"
badfile "NUL byte" 2 "NUL byte in column 6" "pages 8\ntask \0W fault 0\n"
badfile "control byte" 1 "control character 0x01 in column 7" "pages \001\n"
badfile "an escape sequence" 1 "control character 0x1b in column 9" "summary \033]0;pwned\007\npages 8\n$T"
badfile "a byte that is not UTF-8" 1 "byte 0xff in column 7 is not UTF-8" "pages \377\n"
badfile "a C1 control in UTF-8" 1 "control character U\+009B" "summary a\302\233b\npages 8\n$T"
badfile "a bidi control in UTF-8" 1 "control character U\+202E" "summary a\342\200\256b\npages 8\n$T"
head -c 5000 /dev/zero | tr '\0' x > "$T_TMP/long"
badfile "a line of 5000 bytes" 2 "line longer than 4096 bytes" "pages 8\n$(cat "$T_TMP/long")\n"
badfile "too many values" 1 "'pages': too many values" "pages 1 2 3 4 5 6 7 8 9 10\n"

# a UTF-8 summary is fine
printf 'summary caf\303\251 \342\200\224 ok\npages 8\n%b' "$T" > "$T_TMP/utf8.scn"
"$FT" replay --scenario-file "$T_TMP/utf8.scn" --model prefix > /dev/null; rc=$?
t_eq "a UTF-8 summary loads" 0 "$rc"

# files that are not scenario files
for f in /dev/zero "$T_TMP" "$T_TMP/no-such-file" "$FT"; do
	err=$("$FT" replay --scenario-file "$f" 2>&1 >/dev/null); rc=$?
	t_eq "--scenario-file $f: exits 1" 1 "$rc"
	t_eq "--scenario-file $f: one line" 1 "$(printf '%s\n' "$err" | wc -l)"
	t_match "--scenario-file $f: names the file" "^foliotrace: $f(:[0-9]+)?: " "$err"
done
# random bytes and a mangled built-in: exit 1 with one line, never a signal
for seed in 1 2 3 4 5 6 7 8; do
	python3 -c 'import random,sys; random.seed(int(sys.argv[1])); sys.stdout.buffer.write(bytes(random.randrange(256) for _ in range(2000)))' \
		"$seed" > "$T_TMP/rand.scn"
	"$FT" replay --scenario-file "$T_TMP/rand.scn" > /dev/null 2> "$T_TMP/err"; rc=$?
	t_eq "random bytes (seed $seed): exits 1" 1 "$rc"
	python3 -c 'import random,sys
random.seed(int(sys.argv[1])); d = bytearray(open(sys.argv[2], "rb").read())
for _ in range(6):
    i = random.randrange(len(d)); d[i:i + random.randint(0, 3)] = random.choice(
        [b"", b"\n", b"-", b"99999999999999999999999", b"\xff", b"#", b" task Z fault 1\n", b"4096"])
sys.stdout.buffer.write(d)' "$seed" "$S/punch-race-writeback.scn" > "$T_TMP/mangled.scn"
	cp "$T_TMP/rand.scn" "$T_TMP/keep/rand-$seed.scn"
	cp "$T_TMP/mangled.scn" "$T_TMP/keep/mangled-$seed.scn"
	"$FT" replay --scenario-file "$T_TMP/mangled.scn" --model prefix > /dev/null 2> "$T_TMP/err"; rc=$?
	t_check "mangled punch-race-writeback (seed $seed): exits 0 or 1 ($rc)" test "$rc" -le 1
	t_check "mangled (seed $seed): at most one line on stderr" test "$(wc -l < "$T_TMP/err")" -le 1
done

# The same files under ASan+UBSan (make check builds it): the same exit
# status, no sanitizer report.
if [ -n "${FT_ASAN_BIN:-}" ] && [ -x "$FT_ASAN_BIN" ]; then
	cp "$S"/*.scn "$T_TMP/keep/"
	n=0 same=0 clean=0
	for f in "$T_TMP"/keep/*.scn; do
		"$FT" replay --scenario-file "$f" --model prefix > /dev/null 2>&1; ra=$?
		"$FT_ASAN_BIN" replay --scenario-file "$f" --model prefix > /dev/null 2> "$T_TMP/asan.log"; rb=$?
		n=$((n + 1))
		[ "$ra" = "$rb" ] && same=$((same + 1))
		grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error' -e 'LeakSanitizer' "$T_TMP/asan.log" ||
			clean=$((clean + 1))
	done
	t_eq "ASan build: the same exit status on all $n files" "$n" "$same"
	t_eq "ASan build: no sanitizer report on all $n files" "$n" "$clean"
fi

# --- usage errors ------------------------------------------------------------------
"$FT" replay --scenario punch-race --scenario-file "$S/punch-race.scn" > /dev/null 2>&1; rc=$?
t_eq "--scenario with --scenario-file: usage error" 2 "$rc"
"$FT" replay some.db --window 1 --scenario-file "$S/punch-race.scn" > /dev/null 2>&1; rc=$?
t_eq "DB --window with --scenario-file: usage error" 2 "$rc"
"$FT" replay --scenario-file "$S/punch-race.scn" --schedule W,X > /dev/null 2>&1; rc=$?
t_eq "--schedule with a letter the file has no task for: usage error" 2 "$rc"
h=$("$FT" replay --help)
t_match "--help documents --scenario-file" "--scenario-file=FILE" "$h"
t_check "the man page documents --scenario-file" grep -q 'scenario\\-file' "$FT_ROOT/docs/man/foliotrace-replay.1"
t_check "replay/README.md documents the format" grep -q '^## Scenario files' "$FT_ROOT/replay/README.md"
t_done
