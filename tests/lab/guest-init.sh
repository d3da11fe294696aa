#!/bin/sh
# /init of the lab initramfs (busybox). Runs inside the QEMU guest:
# loads the modules, mounts the XFS test disk (/dev/vda) and the 9p output
# share, enables the preset events (filtered on the XFS device), runs the
# racing workload in batches until the first lost page or the time budget,
# then extracts trace.dat with trace-cmd and powers off.
# Parameters come from the kernel command line: lab_budget=SECONDS
# lab_rounds=ROUNDS_PER_BATCH lab_delay=USEC|LO-HI lab_dstep=USEC lab_bufkb=KB
# lab_cont=1 (go on after a lost page until the budget).
# Progress: one line per batch on the console (and in /out/workload.log).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

budget=240
rounds=100
delay=0
bufkb=32768
dstep=50
cont=0
for a in $(cat /proc/cmdline); do
	case $a in
	lab_budget=*) budget=${a#*=} ;;
	lab_rounds=*) rounds=${a#*=} ;;
	lab_delay=*) delay=${a#*=} ;;
	lab_bufkb=*) bufkb=${a#*=} ;;
	lab_dstep=*) dstep=${a#*=} ;;
	lab_cont=*) cont=${a#*=} ;;
	esac
done

log() { echo "guest: $*"; }
finish() {
	dmesg >/out/dmesg.txt 2>&1
	sync
	log "done"
	poweroff -f
}

# Dependency order, computed by lab.sh for this kernel (built-ins left out).
for m in $(cat /modules/order); do
	insmod /modules/$m.ko || log "insmod $m failed"
done
mkdir -p /out /mnt /sys/kernel/tracing
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /out || {
	log "9p mount failed"
	poweroff -f
}
mount -t tracefs nodev /sys/kernel/tracing
T=/sys/kernel/tracing
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if ! mount -t xfs /dev/vda /mnt; then
	log "xfs mount failed"
	finish
fi
log "uname: $(uname -r)"
log "uptime at mount: $(cut -d' ' -f1 /proc/uptime)"

# Kernel dev_t of the XFS device: major << 20 | minor.
maj=$((0x$(stat -c %t /dev/vda)))
min=$((0x$(stat -c %T /dev/vda)))
kdev=$(((maj << 20) | min))
log "xfs dev=$maj:$min kdev=$kdev"

echo 0 >$T/tracing_on
echo mono >$T/trace_clock
echo "$bufkb" >$T/buffer_size_kb
: >$T/trace
enabled=""
missing=""
for spec in $(cat /lab/events); do
	sys=${spec%%:*}
	ev=${spec#*:}
	d=$T/events/$sys/$ev
	if [ ! -d "$d" ]; then
		missing="$missing $spec"
		continue
	fi
	f=""
	case $sys in
	xfs | filemap | iomap)
		if grep -q 'dev_t dev;' $d/format; then
			f="dev == $kdev"
		elif grep -q 'dev_t s_dev;' $d/format; then
			f="s_dev == $kdev"
		fi
		;;
	writeback)
		if grep -q ' name\[32\];' $d/format; then f="name == \"$maj:$min\""; fi
		;;
	sched)
		case $ev in
		sched_switch) f='prev_comm == "shortwrite" || next_comm == "shortwrite"' ;;
		*) f='comm == "shortwrite"' ;;
		esac
		;;
	esac
	if [ -n "$f" ]; then
		echo "$f" >$d/filter || log "filter failed on $spec: $f"
	fi
	echo 1 >$d/enable && enabled="$enabled $spec"
done
log "enabled:$enabled"
log "missing:$missing"
{
	echo "kernel=$(uname -r)"
	echo "trace_clock=mono"
	echo "xfs_dev=$maj:$min"
	echo "xfs_kdev=$kdev"
	echo "enabled=$enabled"
	echo "missing=$missing"
} >/out/guest-env.txt

echo 1 >$T/tracing_on
start=$(cut -d. -f1 /proc/uptime)
batch=0
attempts=0
lost_total=0
verr_total=0
race_total=0
reread_total=0
: >/out/workload.log
while :; do
	now=$(cut -d. -f1 /proc/uptime)
	if [ $((now - start)) -ge "$budget" ]; then
		log "budget of ${budget}s ended"
		break
	fi
	batch=$((batch + 1))
	# lab_delay=LO-HI: the racer's delay cycles LO, LO+dstep, ... < HI per batch.
	case $delay in
	*-*)
		lo=${delay%-*}
		hi=${delay#*-}
		d=$((lo + ((batch - 1) * dstep) % (hi - lo)))
		;;
	*) d=$delay ;;
	esac
	: >$T/trace # keep only the current batch in the ring buffer
	/lab/shortwrite -f /mnt/race -t -D -C -L -n "$rounds" -p 64 -k 32 -H 256 \
		-d "$d" -o /out/batch.kv >/tmp/sw.out 2>/tmp/sw.err
	rc=$?
	lost=$(sed -n 's/^lost_pages=//p' /out/batch.kv 2>/dev/null)
	verr=$(sed -n 's/^verify_errors=//p' /out/batch.kv 2>/dev/null)
	reread=$(sed -n 's/^reread_lost_pages=//p' /out/batch.kv 2>/dev/null)
	reread=${reread:-0}
	lost=${lost:-0}
	verr=${verr:-0}
	# The punch race leaves the page cache right (no buffered mismatch) and
	# the disk wrong (O_DIRECT mismatch). A page that both reads miss was
	# thrown away by the failed write's truncate (another loss, not this race).
	race=$(awk '/buffered read: page at offset/ { b[$7] = 1 }
		/O_DIRECT read: page at offset/ { d[$7] = 1 }
		END { n = 0; for (o in d) if (!(o in b)) { n++; print o > "/tmp/race.offsets" }; print n }' /tmp/sw.err)
	attempts=$((attempts + rounds))
	lost_total=$((lost_total + lost))
	verr_total=$((verr_total + verr))
	race_total=$((race_total + race))
	reread_total=$((reread_total + reread))
	now=$(cut -d. -f1 /proc/uptime)
	echo "batch=$batch delay_us=$d rc=$rc attempts=$attempts lost_pages=$lost verify_errors=$verr race_lost=$race race_total=$race_total reread_lost=$reread elapsed=$((now - start))" |
		tee -a /out/workload.log
	cp /tmp/sw.err /out/batch.err
	if [ "$rc" -ne 0 ] || { [ "$race" -gt 0 ] && [ "$cont" != 1 ]; }; then
		echo 0 >$T/tracing_on
		cp /tmp/sw.out /out/shortwrite-lossy.out
		cp /tmp/sw.err /out/shortwrite-lossy.err
		cp /out/batch.kv /out/shortwrite-lossy.kv
		{
			echo "batch=$batch"
			echo "delay_us=$d"
			echo "race_lost_pages=$race"
			echo "race_offsets=$(tr '\n' ' ' </tmp/race.offsets)"
		} >/out/lossy-batch.kv
		break
	fi
done
echo 0 >$T/tracing_on
end=$(cut -d. -f1 /proc/uptime)
{
	echo "batches=$batch"
	echo "attempts=$attempts"
	echo "lost_pages_total=$lost_total"
	echo "verify_errors_total=$verr_total"
	echo "race_lost_pages_total=$race_total"
	echo "reread_lost_pages_total=$reread_total"
	echo "elapsed_s=$((end - start))"
	echo "rounds_per_batch=$rounds"
	echo "delay_us=$delay"
	echo "host_pin=$(sed -n "s/.*lab_pin=\([^ ]*\).*/\1/p" /proc/cmdline)"
	echo "kernel=$(uname -r)"
	echo "uname_version=$(uname -v)"
	echo "xfs_kernel_warnings=$(dmesg | grep -ciE 'xfs.*(warn|error|corrupt|assert)|WARNING:|BUG:')"
} >/out/summary.kv
cat /out/summary.kv
for c in $T/per_cpu/cpu*; do
	echo "$(basename $c): $(grep -E 'entries|overrun' $c/stats | tr '\n' ' ')"
done | tee /out/ringbuf-stats.txt
log "extracting trace.dat"
cd /out && /usr/bin/trace-cmd extract -o /out/trace.dat >/out/extract.log 2>&1
log "trace-cmd extract rc=$?"
umount /mnt
finish
