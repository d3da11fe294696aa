#!/bin/bash
# lab.sh - record a real trace of the XFS delalloc punch race (198dd8aedee6)
# on a Debian kernel package booted under QEMU TCG.
#
# Flow (all scratch under $LAB, default /tmp/lab; results in $LAB/out/$KVER):
#   1. fetch the kernel package (-k, default linux-image-5.10.0-32-amd64)
#      with a private apt configuration for its Debian suite (5.10 bullseye,
#      6.1 bookworm, 6.12 trixie; suite, -updates and -security; same mirror
#      as the host; host apt state untouched), cache the .deb in
#      $LAB/apt/SUITE/cache and unpack it once into $LAB/kernel/$KVER;
#   2. install qemu-system-x86 and busybox-static from the host's Debian if
#      missing;
#   3. build tests/workloads/shortwrite.c statically;
#   4. build a busybox initramfs with the modules this kernel needs (those
#      built in are skipped; dependencies from each module's .modinfo, loaded
#      in dependency order), the workload, trace-cmd and its shared
#      libraries, and tests/lab/guest-init.sh as /init;
#   5. mkfs.xfs (features every kernel here mounts) on a sparse image;
#   6. boot QEMU TCG (-smp 2 -m 1024); the guest traces the preset events on
#      the XFS device, runs `shortwrite -t -D -C -L` in batches until the
#      first lost page or the budget, then runs `trace-cmd extract` into a
#      9p share;
#   7. check trace.dat with `trace-cmd report` on the host.
#
# Usage: tests/lab/lab.sh [-k KERNEL_PACKAGE] [-b BUDGET_S] [-n ROUNDS_PER_BATCH]
#                         [-d DELAY_US|LO-HI] [-s DELAY_STEP_US] [-B BUFFER_KB]
#                         [-T QEMU_TIMEOUT_S] [-P HOST_CPULIST] [-c] [-K N [-E M]]
#                         [-p PAGES] [-r READABLE] [-m STORE] [-g GAP]
#                         [-R REGION] [-H PUNCH] [-A GUEST_CPULIST]
# -k also comes from $KERNEL; $LAB_SUITE overrides the Debian suite.
# -c: keep going after a lost page (until the budget; the trace then holds
# the last batch only).
# -K N: keep up to N batches with a race loss, each in $OUT/loss-NNN
# (trace.dat of that batch alone, guest.kv: the guest's record of it,
# shortwrite.kv/.err), and go on until the budget or N kept; the guest then
# saves a slim kallsyms (xfs module and iomap code) in every trace.dat.
# -E M (with -K): also keep every M-th batch, lossy or not, in $OUT/sample-NNN
# (the post-fix kernel's batches; NNN counts all kept batches).
# Workload shape (shortwrite options; defaults as before): -p pages per
# short write (64), -r its readable pages (shortwrite -k, 32), -m store
# into that page of the unwritten tail (0), -g hole pages before the short
# write (= -p), -R region pages (2 * -p + full write + gap), -H pages
# punched at the region's start (the whole region); -A runs the workload
# under taskset -c in the guest (vCPU pinning; default none).
# -P pins QEMU to host CPUs (taskset -c): with -P 0 both vCPU threads share one
# host CPU, so the host preempts a vCPU at arbitrary points (a natural widening
# of kernel windows; no kernel change).
# -d LO-HI: the racing store's delay (shortwrite -d) cycles from LO in steps
# of -s per batch. The guest stops at the first batch with a page that the
# page cache still holds but O_DIRECT reads as zeros (the punch race).
# Exit status: 0 when trace.dat came back and parses (whether or not the race
# was hit: see $OUT/summary.kv), 3 when the kernel package cannot be fetched
# (mirror unreachable, package gone), 2 on bad usage, 1 otherwise.
#
# Measured figures: tests/lab/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB=${LAB:-/tmp/lab}
KPKG=${KERNEL:-linux-image-5.10.0-32-amd64}
BUDGET=240
ROUNDS=50
DELAY=300-1500
DSTEP=50
BUFKB=32768
QTIMEOUT=
PIN=
CONT=0
KEEP=0
EVERY=0
PAGES=64
READABLE=32
STORE=0
GAP=
REGION=
PUNCH=
GPIN=none
while getopts k:b:n:d:s:B:T:P:cK:p:r:m:g:R:H:A:E:h opt; do
	case $opt in
	k) KPKG=$OPTARG ;;
	b) BUDGET=$OPTARG ;;
	n) ROUNDS=$OPTARG ;;
	d) DELAY=$OPTARG ;;
	s) DSTEP=$OPTARG ;;
	B) BUFKB=$OPTARG ;;
	T) QTIMEOUT=$OPTARG ;;
	P) PIN=$OPTARG ;;
	c) CONT=1 ;;
	K) KEEP=$OPTARG ;;
	E) EVERY=$OPTARG ;;
	p) PAGES=$OPTARG ;;
	r) READABLE=$OPTARG ;;
	m) STORE=$OPTARG ;;
	g) GAP=$OPTARG ;;
	R) REGION=$OPTARG ;;
	H) PUNCH=$OPTARG ;;
	A) GPIN=$OPTARG ;;
	*)
		sed -n '2,53p' "$0"
		exit 2
		;;
	esac
done
QTIMEOUT=${QTIMEOUT:-$((BUDGET + 300))}
# shortwrite's region: full write (W = P) + gap + short write + P spare.
REGION=${REGION:-$((PAGES + ${GAP:-$PAGES} + 2 * PAGES))}
PUNCH=${PUNCH:-$REGION}
SW="-p,$PAGES,-k,$READABLE,-H,$PUNCH"
[[ $STORE == 0 ]] || SW+=",-m,$STORE"
[[ -z $GAP ]] || SW+=",-g,$GAP"
[[ $REGION == $((PAGES + ${GAP:-$PAGES} + 2 * PAGES)) ]] || SW+=",-r,$REGION"

log() { printf 'lab: %s\n' "$*" >&2; }

[[ $KPKG =~ ^linux-image-([0-9]+\.[0-9]+)\.[0-9]+-[0-9]+-amd64$ ]] || {
	log "-k: want a Debian kernel image package like linux-image-5.10.0-32-amd64, not '$KPKG'"
	exit 2
}
KVER=${KPKG#linux-image-}
case ${BASH_REMATCH[1]} in
4.19) suite=buster ;;
5.10) suite=bullseye ;;
6.1) suite=bookworm ;;
6.12) suite=trixie ;;
*) suite= ;;
esac
SUITE=${LAB_SUITE:-$suite}
[[ -n $SUITE ]] || {
	log "no Debian suite known for $KPKG: set LAB_SUITE"
	exit 2
}
OUT=${OUT:-$LAB/out/$KVER}

[[ $(id -u) -eq 0 ]] || {
	log "needs root (apt-get, mkfs)"
	exit 1
}

mkdir -p "$LAB"
WORK=$(mktemp -d "$LAB/work.XXXXXX")
QPID=
cleanup() {
	if [[ -n $QPID ]] && kill -0 "$QPID" 2>/dev/null; then
		kill "$QPID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. kernel package (private apt state per suite).
A=$LAB/apt/$SUITE
mkdir -p "$A/lists/partial" "$A/cache/partial" "$OUT"
mirror=$(grep -rhoE 'https?://deb\.debian\.org/debian/?' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
mirror=${mirror%/}
{
	echo "deb $mirror $SUITE main"
	echo "deb $mirror $SUITE-updates main"
	echo "deb ${mirror%/debian}/debian-security $SUITE-security main"
} >"$A/sources.list"
APT=(-o Dir::Etc::SourceList="$A/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$A/lists" -o Dir::Cache::Archives="$A/cache")
deb=$(ls "$A"/cache/"$KPKG"_*.deb 2>/dev/null | head -1 || true)
if [[ -z $deb ]]; then
	log "fetching $KPKG from $mirror $SUITE"
	apt-get "${APT[@]}" update >/dev/null 2>"$WORK/apt.err" || {
		cat "$WORK/apt.err" >&2
		log "cannot fetch $KPKG: apt-get update of $mirror $SUITE failed"
		exit 3
	}
	(cd "$A/cache" && apt-get "${APT[@]}" download "$KPKG" >/dev/null 2>"$WORK/apt.err") || {
		cat "$WORK/apt.err" >&2
		log "cannot fetch $KPKG; available: $(apt-cache "${APT[@]}" search --names-only '^linux-image-[0-9.]+-[0-9]+-amd64$' | cut -d' ' -f1 | sort -V | tail -3 | tr '\n' ' ')"
		exit 3
	}
	deb=$(ls "$A"/cache/"$KPKG"_*.deb | head -1)
fi
KDIR=$LAB/kernel/$KVER
if [[ ! -f $KDIR/boot/vmlinuz-$KVER ]]; then
	rm -rf "$KDIR"
	mkdir -p "$KDIR"
	dpkg-deb -x "$deb" "$KDIR"
fi
KDEBVER=$(dpkg-deb -f "$deb" Version)
log "kernel package: $(basename "$deb") ($SUITE)"

# 2. host tools.
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[[ -x /bin/busybox ]] && [[ $(/bin/busybox --list 2>/dev/null) == *$'\n'cpio$'\n'* ]] || need+=(busybox-static)
command -v mkfs.xfs >/dev/null || need+=(xfsprogs)
command -v trace-cmd >/dev/null || need+=(trace-cmd)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v objcopy >/dev/null || need+=(binutils)
if ((${#need[@]})); then
	log "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null
fi

# 3. workload.
gcc -static -O2 -pthread -o "$WORK/shortwrite" "$ROOT/tests/workloads/shortwrite.c"

# 4. initramfs.
IR=$WORK/initramfs
mkdir -p "$IR"/{bin,sbin,dev,proc,sys,tmp,out,mnt,modules,lab,usr/bin}
cp /bin/busybox "$IR/bin/busybox"
ln -s busybox "$IR/bin/sh"
cp "$HERE/guest-init.sh" "$IR/init"
chmod 755 "$IR/init"
cp "$WORK/shortwrite" "$IR/lab/shortwrite"
# Modules: the roots below and what they depend on (each module's .modinfo
# "depends="), minus what this kernel has built in, dependencies first.
MDIR=$KDIR/lib/modules/$KVER
declare -A mpath=() mseen=()
while IFS= read -r f; do
	n=${f##*/}
	n=${n%%.ko*}
	mpath[${n//-/_}]=$f
done < <(find "$MDIR/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst')
builtin() { grep -qE "/${1//_/[-_]}\.ko\$" "$MDIR/modules.builtin" 2>/dev/null; }
modinfo_depends() {
	local f=$1
	case $f in
	*.xz) xz -dc "$f" >"$WORK/mod.ko" && f=$WORK/mod.ko ;;
	*.zst) zstd -qdc "$f" >"$WORK/mod.ko" && f=$WORK/mod.ko ;;
	esac
	objcopy -O binary --only-section=.modinfo "$f" "$WORK/modinfo"
	tr '\0' '\n' <"$WORK/modinfo" | sed -n 's/^depends=//p' | tr ',' ' '
}
MORDER=()
add_module() {
	local m=${1//-/_} d
	[[ -n ${mseen[$m]:-} ]] && return 0
	mseen[$m]=1
	if [[ -z ${mpath[$m]:-} ]]; then
		builtin "$m" && return 0
		log "module $m: neither a .ko nor built into $KVER"
		exit 1
	fi
	for d in $(modinfo_depends "${mpath[$m]}"); do add_module "$d"; done
	MORDER+=("$m")
}
for m in virtio_pci virtio_blk 9pnet_virtio 9p crc32c_generic xfs; do add_module "$m"; done
for m in "${MORDER[@]}"; do
	case ${mpath[$m]} in
	*.xz) xz -dc "${mpath[$m]}" >"$IR/modules/$m.ko" ;;
	*.zst) zstd -qdc "${mpath[$m]}" >"$IR/modules/$m.ko" ;;
	*) cp "${mpath[$m]}" "$IR/modules/$m.ko" ;;
	esac
done
printf '%s\n' "${MORDER[@]}" >"$IR/modules/order"
log "modules: ${MORDER[*]}"
# trace-cmd and its libraries at their host paths (no LD_LIBRARY_PATH needed).
cp /usr/bin/trace-cmd "$IR/usr/bin/"
for lib in $(ldd /usr/bin/trace-cmd | grep -oE '/[^ ]+'); do
	mkdir -p "$IR$(dirname "$lib")"
	cp -L "$lib" "$IR$lib"
done
# Event preset from tests/lib/xfs-lab.sh (the guest skips events the kernel lacks).
(
	# shellcheck source=../lib/xfs-lab.sh
	source "$ROOT/tests/lib/xfs-lab.sh"
	printf '%s\n' "${LAB_PRESET_EVENTS[@]}"
) >"$IR/lab/events"
(cd "$IR" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$WORK/initramfs.cpio.gz"
log "initramfs: $(du -h "$WORK/initramfs.cpio.gz" | cut -f1)"

# 5. XFS image (features a 5.10 kernel mounts; the same image for every kernel).
IMG=$WORK/xfs.img
truncate -s 2G "$IMG"
mkfs.xfs -q -f -m bigtime=0,inobtcount=0 -i nrext64=0 "$IMG"

# 6. boot.
GOUT=$OUT
rm -f "$GOUT"/{trace.dat,dmesg.txt,workload.log,summary.kv,batch.kv,batch.err,shortwrite-lossy.out,shortwrite-lossy.kv,shortwrite-lossy.err,lossy-batch.kv,guest-env.txt,extract.log,ringbuf-stats.txt,console.log,run.kv,guest.kv,shortwrite.kv,shortwrite.err}
rm -rf "$GOUT"/{loss,sample}-[0-9][0-9][0-9]
log "booting $KVER under QEMU TCG (budget ${BUDGET}s, ${ROUNDS} rounds/batch, delay ${DELAY}us, shortwrite ${SW//,/ }, guest pin $GPIN, keep $KEEP)"
t0=$(date +%s)
PINCMD=()
[[ -n $PIN ]] && PINCMD=(taskset -c "$PIN")
"${PINCMD[@]}" timeout "$QTIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 \
	-nographic -no-reboot -monitor none -serial stdio \
	-kernel "$KDIR/boot/vmlinuz-$KVER" -initrd "$WORK/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 loglevel=4 lab_budget=$BUDGET lab_rounds=$ROUNDS lab_delay=$DELAY lab_dstep=$DSTEP lab_bufkb=$BUFKB lab_pin=${PIN:-none} lab_cont=$CONT lab_keep=$KEEP lab_every=$EVERY lab_sw=$SW lab_gpin=$GPIN" \
	-drive file="$IMG",if=virtio,format=raw,cache=unsafe \
	-virtfs local,path="$GOUT",mount_tag=out,security_model=none,id=out \
	</dev/null 2>&1 | tee "$WORK/console.log" | grep --line-buffered -E '^(guest:|batch=|cpu[0-9]|attempts=|lost_pages_total=|kept_batches=)' || true
cp "$WORK/console.log" "$OUT/console.log"
t1=$(date +%s)
log "qemu ran $((t1 - t0))s (wall)"
{
	echo "kernel_package=$KPKG"
	echo "kernel_package_version=$KDEBVER"
	echo "suite=$SUITE"
	echo "budget_s=$BUDGET"
	echo "rounds_per_batch=$ROUNDS"
	echo "delay_us=$DELAY"
	echo "delay_step_us=$DSTEP"
	echo "buffer_kb=$BUFKB"
	echo "host_pin=${PIN:-none}"
	echo "continue_after_loss=$CONT"
	echo "keep_lossy_batches=$KEEP"
	echo "keep_every_nth_batch=$EVERY"
	echo "shortwrite_shape=${SW//,/ }"
	echo "guest_pin=$GPIN"
	echo "qemu_wall_s=$((t1 - t0))"
	echo "guest_uptime_at_mount_s=$(sed -n 's/^guest: uptime at mount: //p' "$OUT/console.log" | tr -d '\r')"
} >"$OUT/run.kv"

# 7. check.
if [[ ! -s $OUT/trace.dat ]]; then
	log "no trace.dat; see $OUT/console.log and $OUT/extract.log"
	exit 1
fi
trace-cmd report -i "$OUT/trace.dat" >"$WORK/report.txt" 2>"$WORK/report.err" || {
	log "trace-cmd report failed:"
	cat "$WORK/report.err" >&2
	exit 1
}
head -20 "$WORK/report.txt"
log "events in trace.dat: $(grep -c ': ' "$WORK/report.txt" || true)"
cat "$OUT/summary.kv"
if [[ -f $OUT/lossy-batch.kv ]]; then
	cat "$OUT/lossy-batch.kv"
	grep -E '^(rounds|verify_errors|lost_pages)=' "$OUT/shortwrite-lossy.kv"
fi
for d in "$OUT"/{loss,sample}-[0-9][0-9][0-9]; do
	[[ -d $d ]] || continue
	if trace-cmd report -i "$d/trace.dat" >/dev/null 2>"$WORK/report.err"; then
		log "${d##*/}: $(stat -c %s "$d/trace.dat") bytes, $(grep '^race_offsets=' "$d/guest.kv")"
	else
		log "${d##*/}: trace-cmd report failed: $(head -3 "$WORK/report.err")"
	fi
done
ls -la "$OUT"
