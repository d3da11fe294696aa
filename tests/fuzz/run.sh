#!/bin/bash
# tests/fuzz/run.sh - `make fuzz FUZZ_SECONDS=N`: a libFuzzer campaign of N
# seconds per harness (fork mode: a crash, leak, timeout or OOM is saved and
# the campaign goes on), then a triage of what was found: each saved input's
# crash site, attributed to foliotrace's code or to a system library.
#
# Corpora live in build-fuzz/corpus/<name> (seeded from tests/fuzz/seeds and
# the fixtures; kept between campaigns), findings in build-fuzz/artifacts/
# <name>, the per-campaign log and totals in build-fuzz/campaigns.log.
# FUZZ_JOBS (default 1) runs harnesses in parallel; FUZZ_NICE (default 10).
set -u
cd "$(dirname "$0")/../.." || exit 2
B=build-fuzz
SECS=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
NICE=${FUZZ_NICE:-10}
names=("$@")
names_run=("$@")
# Leaks the system libraries keep are not findings (tests/lsan.supp).
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1
[ ${#names[@]} -gt 0 ] || names=(import stream normalize db)
[ ${#names_run[@]} -gt 0 ] || names_run=("${names[@]}")

seed() {
	local name=$1 c=$B/corpus/$1
	mkdir -p "$c" "$B/artifacts/$name"
	[ -n "$(ls -A "$c" 2>/dev/null)" ] && return
	case $name in
	import) cp tests/fixtures/xfs-shortwrite-v6.dat "$c/" ;;
	*) cp tests/fuzz/seeds/"$name"/* "$c/" ;;
	esac
}

maxlen() {
	case $1 in
	import) echo 200000 ;; stream) echo 200000 ;; db) echo 150000 ;; *) echo 600 ;;
	esac
}

run_one() {
	local name=$1 log=$B/logs/$1.log
	mkdir -p "$B/logs"
	seed "$name"
	/usr/bin/time -f "%U %S" -o "$B/logs/$name.cpu" \
	nice -n "$NICE" "$B/fuzz/fuzz-$name" "$B/corpus/$name" -fork=1 -ignore_crashes=1 \
		-ignore_ooms=1 -ignore_timeouts=1 -timeout=20 -rss_limit_mb=3072 \
		-max_len="$(maxlen "$name")" -max_total_time="$SECS" -print_final_stats=1 \
		-artifact_prefix="$B/artifacts/$name/" > "$log" 2>&1
	echo "$name: done ($(grep -c 'pulse\|NEW' "$log") progress lines)"
}

# The watchdog: a libFuzzer job that passes -rss_limit_mb prints a heap
# profile, and the sanitizer's StopTheWorld for it can deadlock (seen with
# fuzz-import: the job stopped under its tracer, 't', for 16 minutes while
# the campaign waited).  A fuzz job stopped ('t' or 'T') for 60 s is killed
# with its children; the libFuzzer parent counts it as a crash and goes on.
watchdog() {
	# seen: pid -> consecutive 10 s samples in a stopped state.  A job that
	# runs again between samples starts over (LeakSanitizer stops a job
	# briefly at every exit; those stops must not add up).
	local -A seen=() now=()
	local pid comm
	while sleep 10; do
		now=()
		while read -r pid comm; do
			now[$pid]=$((${seen[$pid]:-0} + 1))
			[ "${now[$pid]}" -ge 6 ] || continue
			echo "watchdog: killed $comm $pid, stopped for 60 s ($(date -u +%FT%TZ))" >>"$B/logs/watchdog.log"
			pkill -9 -P "$pid" 2>/dev/null
			kill -9 "$pid" 2>/dev/null
			unset "now[$pid]"
		done < <(ps -eo pid=,stat=,comm= | awk '$2 ~ /^[tT]/ && $3 ~ /^fuzz-/ { print $1, $3 }')
		seen=()
		for pid in "${!now[@]}"; do seen[$pid]=${now[$pid]}; done
	done
}

start=$(date +%s)
mkdir -p "$B/logs"
: >"$B/logs/watchdog.log"
wd=
if [ "$SECS" -gt 0 ]; then
	watchdog &
	wd=$!
fi
pids=()
[ "$SECS" -gt 0 ] || names_run=() # FUZZ_SECONDS=0: triage only
for n in ${names_run[@]+"${names_run[@]}"}; do
	[ -x "$B/fuzz/fuzz-$n" ] || { echo "fuzz: $B/fuzz/fuzz-$n missing (make fuzz-bin)"; exit 1; }
	run_one "$n" &
	pids+=($!)
	if [ ${#pids[@]} -ge "$JOBS" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
# The remaining run_one jobs (all but the watchdog).
for j in $(jobs -p); do [ "$j" = "$wd" ] || wait "$j"; done
[ -z "$wd" ] || kill "$wd" 2>/dev/null
end=$(date +%s)

# Totals and triage.  libFuzzer's fork mode prints "stat::number_of_executed_units"
# per job; its last '#N' status line carries the total.
total_execs=0
{
	echo "== campaign $(date -u +%FT%TZ): ${SECS}s per harness, ${#names[@]} harnesses, wall $((end - start))s"
	for n in "${names[@]}"; do
		log=$B/logs/$n.log
		execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
		execs=${execs:-0}
		total_execs=$((total_execs + execs))
		cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
		found=$(ls "$B/artifacts/$n" 2>/dev/null | wc -l)
		# The last line: time(1) writes "Command exited ..." first for a killed job.
		cpu=$(tail -1 "$B/logs/$n.cpu" 2>/dev/null | awk '{printf "%.0f", $1 + $2}')
		echo "$n: $execs executions, ${cpu:-?} CPU s, ${cov:-cov: ?}, corpus $(ls "$B/corpus/$n" | wc -l), saved findings $found"
		for a in "$B/artifacts/$n"/*; do
			[ -f "$a" ] || continue
			# Re-run the finding alone and look at the first frame of ours
			# or of a library in the report.
			timeout 60 "$B/fuzz/fuzz-$n" "$a" >"$B/logs/triage.out" 2>&1
			rrc=$?
			site=$(grep -E '^ +#[0-9]+ ' "$B/logs/triage.out" |
				grep -vE 'libasan|libubsan|compiler-rt|fuzzer::|LLVMFuzzer|__libc|_start|__interceptor_|__sanitizer|internal_| string/| libio/| stdio-common/| in (malloc|calloc|realloc|free|strdup) ' |
				head -1 | sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ in //')
			case $site in
			*libtracecmd*|*libtraceevent*|*libtracefs*|*libsqlite*|*libzstd*|*libc.so*) who=library ;;
			"") if [ "$rrc" -eq 124 ]; then who="hang: still running after 60 s"
			    else who="no crash on re-run"; fi ;;
			*/work/*|*core/*|*record/*|*analyze/*|*replay/*|*cli/*) who=foliotrace ;;
			*) who="unattributed" ;;
			esac
			echo "  $(basename "$a"): $who: ${site:-?}"
		done
	done
	echo "watchdog kills (jobs stuck stopped for 60 s): $(grep -c . "$B/logs/watchdog.log")"
	echo "total: $total_execs executions"
} | tee -a "$B/campaigns.log"
