#!/bin/bash
# t9006: the decoder sandbox holds an attacker (record/sandbox.h).  An
# LD_PRELOADed stand-in for an exploit of the trace libraries
# (tests/sandbox/escape.c, build/escape.so) runs inside the decoder, after
# the sandbox is set up, and tries one escape per import: read /etc/shadow,
# create a file, connect over TCP to a listener of ours on loopback, open
# the temporary database read-write, open the importer's /proc/PID/mem, fork
# a process that outlives the import and rewrites the database, become root
# again, kill or ptrace the importer, exec a shell; and burn CPU forever.
#  - With the seccomp filter each attempt kills the decoder (SIGSYS): the
#    import fails with one line naming the file, writes no database, and
#    nothing of the attempt happened.
#  - With the filter off (FOLIOTRACE_SANDBOX_SECCOMP=off, a debugging aid)
#    the layers beneath still refuse each one (namespaces, empty read-only
#    root, uid 65534, NPROC 0, non-dumpable importer): the decoder says
#    "blocked" and the import succeeds.
#  - A normal import succeeds, with the library loaded or not.
. "$FT_ROOT/tests/lib/harness.sh"
[ "$(id -u)" -eq 0 ] || t_skip "needs root (the sandbox drops root to uid 65534; escapes aim at root's files)"
LIB=${FT_BUILD}/escape.so
[ -f "$LIB" ] || t_skip "$LIB missing (make $LIB)"
command -v python3 > /dev/null || t_skip "needs python3 for the loopback listener"
t_tmpdir
chmod 755 "$T_TMP"
FIX=$FT_ROOT/tests/fixtures/xfs-shortwrite-v6.dat
MARK=ft9006-$$-$RANDOM
export FT_ESCAPE_MARKER=$MARK

# The listener: counts connections into $T_TMP/conns.
python3 - "$T_TMP" <<'PY' &
import socket, sys, os
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + "/port.tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + "/port.tmp", sys.argv[1] + "/port")
while True:
    c, _ = s.accept()
    open(sys.argv[1] + "/conns", "a").write("connection\n")
    c.close()
PY
LPID=$!
trap 'kill $LPID 2>/dev/null; t_cleanup' EXIT
for _ in $(seq 50); do [ -s "$T_TMP/port" ] && break; sleep 0.1; done
export FT_ESCAPE_PORT=$(cat "$T_TMP/port")

# imp OUT [env...]: import $FIX to OUT with the library; stderr through a
# pipe (the decoder may not write files: RLIMIT_FSIZE 0) to $T_TMP/err.
imp() {
	local out=$1; shift
	rm -f "$out"
	{ env FOLIOTRACE_DECODER_STDERR=1 FT_ESCAPE_DB="$out" LD_PRELOAD="$LIB" "$@" \
		"$FT" import -q "$FIX" -o "$out"; echo $? > "$T_TMP/rc"; } 2>&1 | cat > "$T_TMP/err"
	rc=$(cat "$T_TMP/rc")
}

# A normal import, without and with the library.
"$FT" import "$FIX" -o "$T_TMP/plain.db" > /dev/null 2> "$T_TMP/err"; rc=$?
t_eq "normal import succeeds" 0 "$rc"
if [ -s "$T_TMP/err" ]; then
	t_ok "this kernel refused parts of the sandbox (the rest applies): $(cat "$T_TMP/err")"
else
	t_ok "no sandbox part refused here (no warning line)"
fi
n_plain=$("$FT" sql --csv "$T_TMP/plain.db" "SELECT count(*) FROM events" | tail -1)
imp "$T_TMP/none.db" FT_ESCAPE=none
t_eq "with the library loaded and no escape: import succeeds" 0 "$rc"
t_eq "and stores the same events" "$n_plain" "$("$FT" sql --csv "$T_TMP/none.db" "SELECT count(*) FROM events" | tail -1)"

ESCAPES="shadow create tcp db mem fork setuid kill ptrace exec"
for e in $ESCAPES; do
	imp "$T_TMP/$e.db" FT_ESCAPE=$e
	t_eq "$e: the import fails (exit 1)" 1 "$rc"
	t_eq "$e: one line on stderr" 1 "$(wc -l < "$T_TMP/err")"
	t_match "$e: the decoder was killed by its seccomp filter, the file named" \
		"^foliotrace: $FIX: corrupt trace: decoder broke its sandbox \(SIGSYS" "$(cat "$T_TMP/err")"
	t_check "$e: no ESCAPED line" bash -c "! grep -q ESCAPED '$T_TMP/err'"
	t_check "$e: no database written" test ! -e "$T_TMP/$e.db"
	t_check "$e: no temporary database left" bash -c "! ls '$T_TMP' | grep -q '^$e.db.tmp-'"
done

# With the filter off: the layers beneath refuse each escape.
for e in $ESCAPES; do
	imp "$T_TMP/$e-nf.db" FT_ESCAPE=$e FOLIOTRACE_SANDBOX_SECCOMP=off
	t_eq "$e without seccomp: the import still succeeds" 0 "$rc"
	t_match "$e without seccomp: refused beneath the filter" "escape $e: blocked \(E[A-Z]+\)" "$(cat "$T_TMP/err")"
	t_check "$e without seccomp: no ESCAPED line" bash -c "! grep -q ESCAPED '$T_TMP/err'"
done
sum=$(sha256sum < "$T_TMP/fork-nf.db")

# A decoder that spins is ended by the wall clock.
rm -f "$T_TMP/spin.db"
{ env FT_ESCAPE=spin LD_PRELOAD="$LIB" "$FT" import -q --decoder-cpu=60 --decoder-timeout=1 "$FIX" -o "$T_TMP/spin.db"; \
  echo $? > "$T_TMP/rc"; } 2>&1 | cat > "$T_TMP/err"
t_eq "spin, --decoder-timeout=1: exit 1" 1 "$(cat "$T_TMP/rc")"
t_match "spin: the wall-clock limit is named" \
	"decoder exceeded its wall-clock time limit \(1 s\)" "$(cat "$T_TMP/err")"

# What the attempts would have left: nothing.
sleep 4	# the forked process would rewrite the database after 3 s
t_check "create: no file was created in /tmp" bash -c "! ls /tmp | grep -q 'ft-escape-$MARK'"
t_check "tcp: the loopback listener saw no connection" test ! -e "$T_TMP/conns"
t_eq "fork: the database was not rewritten afterwards" "$sum" "$(sha256sum < "$T_TMP/fork-nf.db")"
t_check "fork: no process of this test outlived its import" bash -c "! pgrep -f -- '$T_TMP/for[k]'"
t_check "the importer is alive after kill and ptrace attempts (exit statuses above)" true
rm -f "/tmp/ft-escape-$MARK"
t_done
