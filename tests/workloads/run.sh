#!/bin/bash
# tests/workloads/run.sh - build tests/workloads/shortwrite.c and run named
# scenarios of it on a mounted XFS directory.  Records nothing: run it under
# `foliotrace record -- ...` (or with your own tracing instance) to trace it.
# See --help; --list says what each scenario should show in a trace.
set -euo pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
src=$here/shortwrite.c

# name|shortwrite options|what a trace of it should show (N = rounds; checked on 6.18)
SCENARIOS=(
	"shortwrite||N short writes, each with delalloc punches of its unwritten tail (xfs_ilock caller xfs_bmap_punch_delalloc_range, 2 per write) inside its IOLOCK_EXCL section; N xfs_write_fault; N xfs_bunmap (hole punches)"
	"race|-t|N short writes raced by an mmap store into the same folio; 0, 1 or 2 delalloc punches per write as the store's xfs_write_fault (MMAPLOCK_SHARED, not held off by the write's IOLOCK_EXCL) lands before (the write finds its delalloc: xfs_iomap_found), inside or after it"
	"truncate|-T 1|N truncates: down under xfs_ilock MMAPLOCK_EXCL (caller xfs_vn_setattr; no xfs_ilock IOLOCK event) deletes the cut folios from the page cache, xfs_itruncate_extents_start/_end around 1 xfs_bunmap; up: 1 xfs_zero_eof"
	"writeback|-s 1|N sync_file_ranges: every round's folios are written back inside sync_file_range (iomap_writeback_folio, xfs_map_blocks_alloc, iomap_add_to_ioend), none inside the fsync"
)

usage() {
	cat <<EOF
usage: $prog [-n ROUNDS] [-o KVFILE] [-D] SCENARIO DIR [-- SHORTWRITE_OPTIONS...]
       $prog --list
       $prog -h | --help

Builds shortwrite (tests/workloads/shortwrite.c) into \$FT_BUILD/workloads
if FT_BUILD is set, else into a temporary directory, and runs SCENARIO on a
new file DIR/shortwrite-SCENARIO.dat (removed first if it exists; left in
place afterwards). DIR should be on a mounted XFS (a warning otherwise).

scenarios (N = ROUNDS; what a trace should show, as on Linux 6.18):
$(list_scenarios | sed 's/^/  /')
  all         each of the above in turn, each on its own file

options:
  -n ROUNDS   rounds per scenario (shortwrite -n; default 4)
  -o KVFILE   write the workload's key=value results (plus scenario= and
              file=) to KVFILE; with "all", to KVFILE.SCENARIO per scenario
  -D          verify with O_DIRECT reads (shortwrite -D; adds direct-read
              events to a trace)
  -- OPTS     further options for shortwrite (after SCENARIO DIR), e.g.
              -- -p 8 -k 4
  --list      print each scenario and what it should show in a trace
  -h, --help  this help

environment: FT_BUILD (build directory), CC (default cc), CFLAGS.
exit status: 0 all scenarios ok; otherwise the first failing shortwrite
status (1 syscall error, 3 data mismatch), or 2 for usage/build errors.
EOF
}

list_scenarios() {
	local s name desc
	for s in "${SCENARIOS[@]}"; do
		name=${s%%|*}
		desc=${s##*|}
		printf '%-11s %s\n' "$name" "$desc"
	done
}

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 2
}

scenario_args() { # scenario_args NAME: print the scenario's shortwrite options
	local s name rest
	for s in "${SCENARIOS[@]}"; do
		name=${s%%|*}
		rest=${s#*|}
		if [[ $name == "$1" ]]; then
			printf '%s\n' "${rest%%|*}"
			return 0
		fi
	done
	return 1
}

rounds=4
kvfile=''
verify=0
case ${1:-} in
--list)
	list_scenarios
	exit 0
	;;
--help)
	usage
	exit 0
	;;
esac
while getopts ':n:o:Dh' opt; do
	case $opt in
	n)
		[[ $OPTARG =~ ^[1-9][0-9]*$ ]] || die "-n: bad round count '$OPTARG'"
		rounds=$OPTARG
		;;
	o) kvfile=$OPTARG ;;
	D) verify=1 ;;
	h)
		usage
		exit 0
		;;
	:) die "-$OPTARG needs an argument (see --help)" ;;
	*) die "unknown option -$OPTARG (see --help)" ;;
	esac
done
shift $((OPTIND - 1))
if (($# < 2)); then
	usage >&2
	exit 2
fi
scenario=$1
dir=$2
shift 2
if (($# > 0)); then
	[[ $1 == -- ]] || die "unexpected argument '$1' (shortwrite options go after --)"
	shift
fi
extra=("$@")

if [[ $scenario == all ]]; then
	run_list=()
	for s in "${SCENARIOS[@]}"; do
		run_list+=("${s%%|*}")
	done
elif scenario_args "$scenario" >/dev/null; then
	run_list=("$scenario")
else
	die "unknown scenario '$scenario' (see --list)"
fi
[[ -d $dir ]] || die "$dir: not a directory"
[[ -w $dir ]] || die "$dir: not writable"
fstype=$(stat -f -c %T "$dir")
if [[ $fstype != xfs ]]; then
	printf '%s: warning: %s is on %s, not xfs: the trace expectations do not apply\n' \
		"$prog" "$dir" "$fstype" >&2
fi
[[ -f $src ]] || die "$src not found"

# --- build -----------------------------------------------------------------------------
tmp=''
# shellcheck disable=SC2317 # called from the traps
cleanup() {
	if [[ -n $tmp ]]; then
		rm -rf -- "$tmp"
	fi
}
trap cleanup EXIT
trap 'cleanup; trap - INT; kill -INT $$' INT
trap 'cleanup; trap - TERM; kill -TERM $$' TERM

if [[ -n ${FT_BUILD:-} ]]; then
	bindir=$FT_BUILD/workloads
	mkdir -p "$bindir"
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/ft-workload.XXXXXX")
	bindir=$tmp
fi
bin=$bindir/shortwrite
if [[ ! -x $bin || $src -nt $bin ]]; then
	# shellcheck disable=SC2086 # CFLAGS is a list of flags
	${CC:-cc} -std=c11 -O2 -Wall -Wextra ${CFLAGS:-} -pthread -o "$bin.tmp" "$src" ||
		die "building $src failed"
	mv -f "$bin.tmp" "$bin"
fi

# --- run -------------------------------------------------------------------------------
status=0
for name in "${run_list[@]}"; do
	read -r -a sargs <<<"$(scenario_args "$name")"
	file=$dir/shortwrite-$name.dat
	rm -f -- "$file"
	args=(-q -f "$file" -n "$rounds")
	if ((verify)); then
		args+=(-D)
	fi
	args+=("${sargs[@]}")
	if ((${#extra[@]} > 0)); then
		args+=("${extra[@]}")
	fi
	out=''
	if [[ -n $kvfile ]]; then
		out=$kvfile
		if [[ $scenario == all ]]; then
			out=$kvfile.$name
		fi
		args+=(-o "$out")
	fi
	printf '== %s: shortwrite %s\n' "$name" "${args[*]}"
	rc=0
	"$bin" "${args[@]}" || rc=$?
	if ((rc == 0)) && [[ -n $out ]]; then
		printf 'scenario=%s\nfile=%s\n' "$name" "$file" >>"$out"
	fi
	if ((rc != 0)); then
		printf '%s: scenario %s: shortwrite exited with status %d\n' "$prog" "$name" "$rc" >&2
		if ((status == 0)); then
			status=$rc
		fi
	fi
done
exit "$status"
