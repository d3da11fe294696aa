#!/bin/sh
# /init of the lab initramfs (busybox). Runs inside the QEMU guest:
# loads the modules, mounts the XFS test disk (/dev/vda) and the 9p output
# share, enables the preset events (filtered on the XFS device), runs the
# racing workload in batches until the first lost page or the time budget,
# then extracts trace.dat with trace-cmd and powers off.
# Parameters come from the kernel command line: lab_budget=SECONDS
# lab_rounds=ROUNDS_PER_BATCH lab_delay=USEC|LO-HI lab_dstep=USEC lab_bufkb=KB
# lab_cont=1 (go on after a lost page until the budget), lab_sw=-p,64,-k,32,...
# (the workload's shape: shortwrite options, commas for spaces), lab_gpin=CPUS
# (run the workload under taskset -c CPUS), lab_keep=N (keep up to N batches
# with a race loss, each in /out/loss-NNN: its own trace.dat and guest.kv;
# also slims /proc/kallsyms to the xfs module and the iomap code, the only
# callers the trace's events name, so that each trace stays small);
# lab_every=N (with lab_keep: also keep every N-th batch, in /out/sample-NNN).
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
sw=-p,64,-k,32,-H,256
gpin=none
keep=0
every=0
for a in $(cat /proc/cmdline); do
	case $a in
	lab_budget=*) budget=${a#*=} ;;
	lab_rounds=*) rounds=${a#*=} ;;
	lab_delay=*) delay=${a#*=} ;;
	lab_bufkb=*) bufkb=${a#*=} ;;
	lab_dstep=*) dstep=${a#*=} ;;
	lab_cont=*) cont=${a#*=} ;;
	lab_sw=*) sw=${a#*=} ;;
	lab_gpin=*) gpin=${a#*=} ;;
	lab_keep=*) keep=${a#*=} ;;
	lab_every=*) every=${a#*=} ;;
	esac
done

log() { echo "guest: $*"; }
kv() { sed -n "s/^$1=//p" "$2" | head -1; }
# The guest's own record of the current batch, next to its trace.
record() {
	{
		echo "uname_version=$(uname -v)"
		echo "kernel=$(uname -r)"
		echo "batch=$batch"
		echo "attempts=$rounds"
		echo "rc=$rc"
		echo "ino=$(kv ino /out/batch.kv)"
		echo "dev=$(kv dev /out/batch.kv)"
		echo "dev_kernel=$(kv dev_kernel /out/batch.kv)"
		echo "race_lost_pages=$race"
		echo "race_offsets=$(tr '\n' ' ' </tmp/race.offsets | sed 's/ $//')"
		echo "dropped_offsets=$(tr '\n' ' ' </tmp/dropped.offsets | sed 's/ $//')"
		echo "reread_offsets=$(tr '\n' ' ' </tmp/reread.offsets | sed 's/ $//')"
		for k in lost_pages verify_errors reread_lost_pages mmap_view_errors; do
			echo "$k=$(kv $k /out/batch.kv)"
		done
		echo "shortwrite_args=$swargs -d $d"
		for k in pages_per_write pages_copied full_pages gap_pages region_pages \
			punch_pages store_page sfr_every; do
			echo "$k=$(kv $k /out/batch.kv)"
		done
		echo "delay_us=$d"
		echo "delay_range_us=$delay"
		echo "delay_step_us=$dstep"
		echo "guest_pin=$gpin"
		echo "host_pin=$hpin"
		echo "ring_entries=$(cat $T/per_cpu/cpu*/stats | awk '/^entries:/ { n += $2 } END { print n }')"
		echo "ring_overruns=$(cat $T/per_cpu/cpu*/stats | awk '/^overrun:/ { n += $2 } END { print n }')"
	} >"$1/guest.kv"
	cp /out/batch.kv "$1/shortwrite.kv"
	cp /tmp/sw.err "$1/shortwrite.err"
}
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
# Clock, buffer, the preset's events and their filters; again after each
# kept batch's extract (trace-cmd resets the event settings on exit).
setup_tracing() {
	echo mono >$T/trace_clock
	echo "$bufkb" >$T/buffer_size_kb
	: >$T/trace
	enabled=""
	missing=""
	for spec in $(cat /lab/events); do
		sys=${spec%%:*}
		ev=${spec#*:}
		ed=$T/events/$sys/$ev
		if [ ! -d "$ed" ]; then
			missing="$missing $spec"
			continue
		fi
		f=""
		case $sys in
		xfs | filemap | iomap)
			if grep -q 'dev_t dev;' $ed/format; then
				f="dev == $kdev"
			elif grep -q 'dev_t s_dev;' $ed/format; then
				f="s_dev == $kdev"
			fi
			;;
		writeback)
			if grep -q ' name\[32\];' $ed/format; then f="name == \"$maj:$min\""; fi
			;;
		sched)
			case $ev in
			sched_switch) f='prev_comm == "shortwrite" || next_comm == "shortwrite"' ;;
			*) f='comm == "shortwrite"' ;;
			esac
			;;
		esac
		if [ -n "$f" ]; then
			echo "$f" >$ed/filter || log "filter failed on $spec: $f"
		fi
		echo 1 >$ed/enable && enabled="$enabled $spec"
	done
}
setup_tracing
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

hpin=$(sed -n "s/.*lab_pin=\([^ ]*\).*/\1/p" /proc/cmdline)
swargs="-t -D -C -L -n $rounds $(echo "$sw" | tr , ' ')"
pincmd=""
[ "$gpin" != none ] && pincmd="taskset -c $gpin"
log "workload: $pincmd shortwrite $swargs -d DELAY"
if [ "$keep" -gt 0 ]; then
	# trace-cmd saves /proc/kallsyms (about 1 MB compressed, more than a
	# small batch's events); the events' callers are in xfs and fs/iomap
	# (iomap_apply/iomap_iter callers): keep those symbols, each iomap run
	# ended by the next symbol so that no address resolves past its function.
	awk '$4 == "[xfs]" { print; next }
		$4 == "" { if ($3 ~ /iomap/) { print; k = 1 } else if (k) { print; k = 0 } }' \
		/proc/kallsyms >/tmp/kallsyms
	mount --bind /tmp/kallsyms /proc/kallsyms && log "kallsyms slimmed to $(wc -l </proc/kallsyms) symbols"
fi
kept=0
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
	# shellcheck disable=SC2086
	$pincmd /lab/shortwrite -f /mnt/race $swargs -d "$d" -o /out/batch.kv >/tmp/sw.out 2>/tmp/sw.err
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
	: >/tmp/race.offsets
	: >/tmp/dropped.offsets
	: >/tmp/reread.offsets
	race=$(awk '/buffered read: page at offset/ { b[$7] = 1; print $7 > "/tmp/dropped.offsets" }
		/O_DIRECT read: page at offset/ { d[$7] = 1 }
		/re-read after dropping the cache: page at offset/ { print $10 > "/tmp/reread.offsets" }
		END { n = 0; for (o in d) if (!(o in b)) { n++; print o > "/tmp/race.offsets" }; print n }' /tmp/sw.err)
	sort -n -o /tmp/race.offsets /tmp/race.offsets
	attempts=$((attempts + rounds))
	lost_total=$((lost_total + lost))
	verr_total=$((verr_total + verr))
	race_total=$((race_total + race))
	reread_total=$((reread_total + reread))
	now=$(cut -d. -f1 /proc/uptime)
	echo "batch=$batch delay_us=$d rc=$rc attempts=$attempts lost_pages=$lost verify_errors=$verr race_lost=$race race_total=$race_total reread_lost=$reread elapsed=$((now - start))" |
		tee -a /out/workload.log
	cp /tmp/sw.err /out/batch.err
	kind=""
	[ "$race" -gt 0 ] && kind=loss
	[ -z "$kind" ] && [ "$every" -gt 0 ] && [ $((batch % every)) -eq 0 ] && kind=sample
	if [ "$rc" -eq 0 ] && [ -n "$kind" ] && [ "$keep" -gt 0 ]; then
		# Keep this batch: its own trace and record, then go on.
		echo 0 >$T/tracing_on
		kept=$((kept + 1))
		kd=/out/$kind-$(printf %03d $kept)
		mkdir -p $kd
		record $kd
		(cd $kd && /usr/bin/trace-cmd extract -o $kd/trace.dat >$kd/extract.log 2>&1)
		erc=$?
		log "kept batch $batch in $kd: race_offsets $(kv race_offsets $kd/guest.kv), $(kv ring_entries $kd/guest.kv) events, trace-cmd extract rc=$erc"
		[ "$kept" -ge "$keep" ] && break
		setup_tracing
		echo 1 >$T/tracing_on
		continue
	fi
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
	echo "kept_batches=$kept"
	echo "shortwrite_args=$swargs"
	echo "guest_pin=$gpin"
	echo "elapsed_s=$((end - start))"
	echo "rounds_per_batch=$rounds"
	echo "delay_us=$delay"
	echo "host_pin=$hpin"
	echo "kernel=$(uname -r)"
	echo "uname_version=$(uname -v)"
	echo "xfs_kernel_warnings=$(dmesg | grep -ciE 'xfs.*(warn|error|corrupt|assert)|WARNING:|BUG:')"
} >/out/summary.kv
cat /out/summary.kv
for c in $T/per_cpu/cpu*; do
	echo "$(basename $c): $(grep -E 'entries|overrun' $c/stats | tr '\n' ' ')"
done | tee /out/ringbuf-stats.txt
# The last batch's own record (guest.kv) next to trace.dat.
[ "$batch" -gt 0 ] && record /out
log "extracting trace.dat"
cd /out && /usr/bin/trace-cmd extract -o /out/trace.dat >/out/extract.log 2>&1
log "trace-cmd extract rc=$?"
umount /mnt
finish
