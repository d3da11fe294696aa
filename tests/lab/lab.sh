#!/bin/bash
# lab.sh - record a real trace of the XFS delalloc punch race (pre-198dd8aedee6)
# on Debian bullseye's 5.10 kernel booted under QEMU TCG.
#
# Flow (all scratch under $LAB, default /tmp/lab; results in $LAB/out):
#   1. fetch linux-image-5.10.0-32-amd64 with a private apt config (bullseye,
#      same Debian mirror as the host; host apt state untouched), extract it;
#   2. install qemu-system-x86 and busybox-static from the host's Debian if
#      missing;
#   3. build tests/workloads/shortwrite.c statically;
#   4. build a busybox initramfs with the modules, the workload, trace-cmd and
#      its shared libraries, and tests/lab/guest-init.sh as /init;
#   5. mkfs.xfs (5.10-compatible features) on a sparse image;
#   6. boot QEMU TCG (-smp 2 -m 1024); the guest traces the preset events on
#      the XFS device, runs `shortwrite -t -D -L` in batches until the first
#      lost page or the budget, then runs `trace-cmd extract` into a 9p share;
#   7. check trace.dat with `trace-cmd report` on the host.
#
# Usage: tests/lab/lab.sh [-b BUDGET_S] [-n ROUNDS_PER_BATCH] [-d DELAY_US|LO-HI]
#                         [-s DELAY_STEP_US] [-B BUFFER_KB] [-T QEMU_TIMEOUT_S]
#                         [-P HOST_CPULIST]
# -P pins QEMU to host CPUs (taskset -c): with -P 0 both vCPU threads share one
# host CPU, so the host preempts a vCPU at arbitrary points (a natural widening
# of kernel windows; no kernel change).
# -d LO-HI: the racing store's delay (shortwrite -d) cycles from LO in steps
# of -s per batch. The guest stops at the first batch with a page that the
# page cache still holds but O_DIRECT reads as zeros (the punch race).
#
# Measured on this machine (2 host CPUs; guest -smp 2, all events filtered on the
# XFS device): ~70-85 attempts/s. Unpinned: 0 punch-race losses in 17,250
# attempts (240 s) - but ~9% of attempts lose the store page to the failed
# write's truncate (page cache and disk both wrong; not this race). With -P 0:
# punch-race losses after 250 and after 4,300 attempts (first hit in each run).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB=${LAB:-/tmp/lab}
OUT=${OUT:-$LAB/out}
KVER=5.10.0-32-amd64
KPKG=linux-image-$KVER
BUDGET=240
ROUNDS=50
DELAY=300-1500
DSTEP=50
BUFKB=32768
QTIMEOUT=
PIN=
while getopts b:n:d:s:B:T:P:h opt; do
	case $opt in
	b) BUDGET=$OPTARG ;;
	n) ROUNDS=$OPTARG ;;
	d) DELAY=$OPTARG ;;
	s) DSTEP=$OPTARG ;;
	B) BUFKB=$OPTARG ;;
	T) QTIMEOUT=$OPTARG ;;
	P) PIN=$OPTARG ;;
	*)
		sed -n '2,24p' "$0"
		exit 2
		;;
	esac
done
QTIMEOUT=${QTIMEOUT:-$((BUDGET + 300))}

log() { printf 'lab: %s\n' "$*" >&2; }

[[ $(id -u) -eq 0 ]] || {
	log "needs root (apt-get, mkfs)"
	exit 1
}

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

mkdir -p "$LAB/apt/lists/partial" "$LAB/apt/cache/partial" "$OUT"

# 1. kernel package (private apt state).
mirror=$(grep -rhoE 'https?://deb\.debian\.org/debian/?' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
mirror=${mirror%/}
echo "deb $mirror bullseye main" >"$LAB/apt/sources.list"
APT=(-o Dir::Etc::SourceList="$LAB/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$LAB/apt/lists" -o Dir::Cache::Archives="$LAB/apt/cache")
deb=$(ls "$LAB"/apt/cache/"$KPKG"_*.deb 2>/dev/null | head -1 || true)
if [[ -z $deb ]]; then
	log "fetching $KPKG from $mirror bullseye"
	apt-get "${APT[@]}" update >/dev/null
	(cd "$LAB/apt/cache" && apt-get "${APT[@]}" download "$KPKG" >/dev/null)
	deb=$(ls "$LAB"/apt/cache/"$KPKG"_*.deb | head -1)
fi
KDIR=$LAB/kpkg
if [[ ! -f $KDIR/boot/vmlinuz-$KVER ]]; then
	rm -rf "$KDIR"
	dpkg-deb -x "$deb" "$KDIR"
fi
log "kernel package: $(basename "$deb")"

# 2. host tools.
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[[ -x /bin/busybox ]] && [[ $(/bin/busybox --list 2>/dev/null) == *$'\n'cpio$'\n'* ]] || need+=(busybox-static)
command -v mkfs.xfs >/dev/null || need+=(xfsprogs)
command -v trace-cmd >/dev/null || need+=(trace-cmd)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
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
MODS=$KDIR/lib/modules/$KVER/kernel
for m in drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko drivers/virtio/virtio_pci.ko \
	drivers/block/virtio_blk.ko net/9p/9pnet.ko net/9p/9pnet_virtio.ko fs/fscache/fscache.ko \
	fs/9p/9p.ko crypto/crc32c_generic.ko lib/libcrc32c.ko fs/xfs/xfs.ko; do
	cp "$MODS/$m" "$IR/modules/"
done
# trace-cmd and its libraries at their host paths (no LD_LIBRARY_PATH needed).
cp /usr/bin/trace-cmd "$IR/usr/bin/"
for lib in $(ldd /usr/bin/trace-cmd | grep -oE '/[^ ]+'); do
	mkdir -p "$IR$(dirname "$lib")"
	cp -L "$lib" "$IR$lib"
done
# Event preset from tests/lib/xfs-lab.sh (the guest skips events 5.10 lacks).
(
	# shellcheck source=../lib/xfs-lab.sh
	source "$ROOT/tests/lib/xfs-lab.sh"
	printf '%s\n' "${LAB_PRESET_EVENTS[@]}"
) >"$IR/lab/events"
(cd "$IR" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$WORK/initramfs.cpio.gz"
log "initramfs: $(du -h "$WORK/initramfs.cpio.gz" | cut -f1)"

# 5. XFS image (features a 5.10 kernel mounts).
IMG=$WORK/xfs.img
truncate -s 2G "$IMG"
mkfs.xfs -q -f -m bigtime=0,inobtcount=0 -i nrext64=0 "$IMG"

# 6. boot.
GOUT=$OUT
rm -f "$GOUT"/{trace.dat,dmesg.txt,workload.log,summary.kv,batch.kv,shortwrite-lossy.out,shortwrite-lossy.kv,shortwrite-lossy.err,lossy-batch.kv,guest-env.txt,extract.log,ringbuf-stats.txt,console.log}
log "booting $KVER under QEMU TCG (budget ${BUDGET}s, ${ROUNDS} rounds/batch, delay ${DELAY}us)"
t0=$(date +%s)
PINCMD=()
[[ -n $PIN ]] && PINCMD=(taskset -c "$PIN")
"${PINCMD[@]}" timeout "$QTIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 \
	-nographic -no-reboot -monitor none -serial stdio \
	-kernel "$KDIR/boot/vmlinuz-$KVER" -initrd "$WORK/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 loglevel=4 lab_budget=$BUDGET lab_rounds=$ROUNDS lab_delay=$DELAY lab_dstep=$DSTEP lab_bufkb=$BUFKB lab_pin=${PIN:-none}" \
	-drive file="$IMG",if=virtio,format=raw,cache=unsafe \
	-virtfs local,path="$GOUT",mount_tag=out,security_model=none,id=out \
	</dev/null 2>&1 | tee "$WORK/console.log" | grep --line-buffered -E '^(guest:|batch=|cpu[0-9]|attempts=|lost_pages_total=)' || true
cp "$WORK/console.log" "$OUT/console.log"
t1=$(date +%s)
log "qemu ran $((t1 - t0))s (wall)"

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
ls -la "$OUT"
