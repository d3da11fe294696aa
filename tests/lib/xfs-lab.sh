# shellcheck shell=bash
# xfs-lab.sh - sourceable helpers for foliotrace system tests: a throw-away XFS on a
# loop device and private tracefs instances with the xfs-delalloc event preset.
#
# Usage (from a bash script running with set -euo pipefail):
#
#   . tests/lib/xfs-lab.sh               # installs the cleanup traps (EXIT INT TERM)
#   lab_require trace-cmd || exit $?     # prints "skipped: <reason>", returns 77
#   before=$(lab_tracing_state)          # top-level settings, to compare at the end
#   lab_setup_xfs 300                    # exports LAB_TMP LAB_IMG LAB_LOOP LAB_MNT LAB_DEV
#   lab_instance_create myname 8192      # exports LAB_INSTANCE LAB_INSTANCE_DIR
#   lab_enable_preset "$LAB_DEV"         # optional arg: major:minor device filter
#   lab_trace_on; ...workload...; lab_trace_off
#   (( $(lab_overruns) == 0 ))           # before extracting
#   lab_extract out.dat                  # trace-cmd extract -k -B myname -o out.dat
#   lab_cleanup                          # also runs from the traps
#   [[ $before == "$(lab_tracing_state)" ]]
#
# Several instances can be created (lab_instance_use NAME switches the current one).
# lab_cleanup always, idempotently and at any stage: turns tracing off in and removes
# every instance it created, unmounts, detaches the loop device (only if it still
# serves our image) and removes the temp dir. Nothing here writes to the top-level
# tracing files or to instances it did not create. EXIT runs lab_cleanup; INT and TERM
# run it and exit 130/143. A caller that needs its own EXIT trap must call lab_cleanup
# from it.

LAB_TRACEFS=${LAB_TRACEFS:-/sys/kernel/tracing}
LAB_TMP=${LAB_TMP:-}
LAB_IMG=${LAB_IMG:-}
LAB_LOOP=${LAB_LOOP:-}
LAB_MNT=${LAB_MNT:-}
LAB_DEV=${LAB_DEV:-}
LAB_INSTANCE=${LAB_INSTANCE:-}
LAB_INSTANCE_DIR=${LAB_INSTANCE_DIR:-}
LAB_MOUNTED_TRACEFS=${LAB_MOUNTED_TRACEFS:-}
# Instances this shell created (only these are ever written to or removed).
LAB_INSTANCES=()

# The xfs-delalloc preset (docs: kernel-paths.md), as system:event. Aliases for older
# kernels are listed too; whichever exist on the running kernel get enabled.
LAB_PRESET_EVENTS=(
	xfs:xfs_file_buffered_write
	xfs:xfs_iomap_alloc
	xfs:xfs_iomap_found
	xfs:xfs_iomap_invalid
	xfs:xfs_ilock
	xfs:xfs_ilock_nowait
	xfs:xfs_iunlock
	xfs:xfs_bunmap
	xfs:xfs_iext_insert
	xfs:xfs_iext_remove
	xfs:xfs_bmap_pre_update
	xfs:xfs_bmap_post_update
	xfs:xfs_write_fault
	xfs:xfs_read_fault
	xfs:xfs_filemap_fault
	xfs:xfs_map_blocks_found
	xfs:xfs_map_blocks_alloc
	xfs:xfs_wb_data_iomap_invalid
	xfs:xfs_wb_cow_iomap_invalid
	xfs:xfs_delalloc_enospc
	filemap:mm_filemap_add_to_page_cache
	filemap:mm_filemap_delete_from_page_cache
	filemap:mm_filemap_fault
	writeback:writeback_dirty_folio
	writeback:writeback_dirty_page
	iomap:iomap_iter
	iomap:iomap_iter_dstmap
	iomap:iomap_iter_srcmap
	iomap:iomap_writeback_folio
	iomap:iomap_writepage
	iomap:iomap_invalidate_folio
	iomap:iomap_release_folio
	iomap:iomap_add_to_ioend
	iomap:iomap_apply
	iomap:iomap_apply_dstmap
	iomap:iomap_apply_srcmap
	lock:contention_begin
	lock:contention_end
	sched:sched_switch
	sched:sched_wakeup
	sched:sched_waking
)
# Filled by lab_enable_preset.
LAB_ENABLED_EVENTS=()
LAB_MISSING_EVENTS=()

lab_log() {
	printf 'lab: %s\n' "$*" >&2
}

lab_skip() {
	printf 'skipped: %s\n' "$*"
	return 77
}

# lab_require [COMMAND...]: check that this machine can run the lab. Extra arguments
# are further commands that must be in PATH (e.g. trace-cmd). Returns 77 (skip) with
# "skipped: <reason>" on stdout if not.
lab_require() {
	local cmd
	if [[ $(id -u) -ne 0 ]]; then
		lab_skip "must run as root"
		return
	fi
	for cmd in losetup mkfs.xfs mount umount mountpoint mktemp "$@"; do
		if ! command -v "$cmd" >/dev/null 2>&1; then
			lab_skip "$cmd not found"
			return
		fi
	done
	if [[ ! -e $LAB_TRACEFS/trace_clock ]]; then
		if [[ ! -d $LAB_TRACEFS ]]; then
			lab_skip "$LAB_TRACEFS does not exist"
			return
		fi
		if ! mount -t tracefs nodev "$LAB_TRACEFS" 2>/dev/null; then
			lab_skip "tracefs not mounted at $LAB_TRACEFS and cannot be mounted"
			return
		fi
		LAB_MOUNTED_TRACEFS=1
	fi
	if [[ ! -d $LAB_TRACEFS/instances ]]; then
		lab_skip "no tracing instances in $LAB_TRACEFS"
		return
	fi
	if ! grep -qw xfs /proc/filesystems; then
		modprobe xfs >/dev/null 2>&1 || true
		if ! grep -qw xfs /proc/filesystems; then
			lab_skip "xfs not available (not in /proc/filesystems, modprobe xfs failed)"
			return
		fi
	fi
	if [[ ! -d $LAB_TRACEFS/events/xfs ]]; then
		lab_skip "no xfs trace events in $LAB_TRACEFS/events"
		return
	fi
	return 0
}

# lab_setup_xfs SIZE_MB: sparse image in a temp dir, mkfs.xfs, loop device, mount.
# Exports LAB_TMP LAB_IMG LAB_LOOP LAB_MNT and LAB_DEV (major:minor of the mounted fs).
lab_setup_xfs() {
	local size_mb=${1:-300}
	if [[ ! $size_mb =~ ^[0-9]+$ ]] || ((size_mb < 300)); then
		# mkfs.xfs (xfsprogs >= 5.19) refuses filesystems below 300 MB.
		lab_log "lab_setup_xfs: size '$size_mb' MB: need an integer >= 300"
		return 1
	fi
	if [[ -n $LAB_MNT || -n $LAB_LOOP ]]; then
		lab_log "lab_setup_xfs: already set up ($LAB_LOOP on $LAB_MNT)"
		return 1
	fi
	if [[ -z $LAB_TMP ]]; then
		LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/xfs-lab.XXXXXX")
		export LAB_TMP
	fi
	LAB_IMG=$LAB_TMP/xfs.img
	export LAB_IMG
	truncate -s "${size_mb}M" "$LAB_IMG"
	mkfs.xfs -f -q "$LAB_IMG"
	LAB_LOOP=$(losetup -f --show "$LAB_IMG")
	export LAB_LOOP
	mkdir -p "$LAB_TMP/mnt"
	mount -t xfs "$LAB_LOOP" "$LAB_TMP/mnt"
	LAB_MNT=$LAB_TMP/mnt
	export LAB_MNT
	LAB_DEV=$(mountpoint -d "$LAB_MNT")
	export LAB_DEV
	lab_log "xfs: $LAB_IMG (${size_mb} MB) on $LAB_LOOP mounted at $LAB_MNT, dev $LAB_DEV"
}

# lab_dev_kernel MAJOR:MINOR -> kernel dev_t (major << 20 | minor), as in trace events.
lab_dev_kernel() {
	local maj=${1%%:*} min=${1##*:}
	echo $(((maj << 20) | min))
}

# lab_instance_create NAME [BUFFER_KB]: a new tracing instance (must not exist yet),
# tracing off, trace_clock mono, buffer_size_kb BUFFER_KB (default 4096) per cpu. It
# becomes the current instance (LAB_INSTANCE, LAB_INSTANCE_DIR) that lab_enable_preset,
# lab_trace_on/off, lab_overruns and lab_extract work on. Several may be created;
# lab_instance_use switches between them; lab_cleanup removes all of them.
lab_instance_create() {
	local name=${1:?lab_instance_create: NAME required} kb=${2:-4096}
	if [[ ! $name =~ ^[A-Za-z0-9._-]+$ ]]; then
		lab_log "lab_instance_create: bad instance name '$name'"
		return 1
	fi
	if [[ ! $kb =~ ^[0-9]+$ ]] || ((kb < 4)); then
		lab_log "lab_instance_create: bad buffer size '$kb' KB"
		return 1
	fi
	local dir=$LAB_TRACEFS/instances/$name
	if [[ -e $dir ]]; then
		lab_log "lab_instance_create: instance $name exists already (not ours, not touched)"
		return 1
	fi
	mkdir "$dir"
	LAB_INSTANCES+=("$name")
	LAB_INSTANCE=$name
	LAB_INSTANCE_DIR=$dir
	export LAB_INSTANCE LAB_INSTANCE_DIR
	echo 0 >"$dir/tracing_on"
	echo mono >"$dir/trace_clock"
	echo "$kb" >"$dir/buffer_size_kb"
	: >"$dir/trace"
	lab_log "instance $name: clock mono, buffer_size_kb $kb"
}

# lab_instance_use NAME: make an instance created by lab_instance_create current.
lab_instance_use() {
	local name=${1:?lab_instance_use: NAME required} n
	for n in "${LAB_INSTANCES[@]}"; do
		if [[ $n == "$name" ]]; then
			LAB_INSTANCE=$name
			LAB_INSTANCE_DIR=$LAB_TRACEFS/instances/$name
			export LAB_INSTANCE LAB_INSTANCE_DIR
			return 0
		fi
	done
	lab_log "lab_instance_use: $name was not created by lab_instance_create"
	return 1
}

lab__need_instance() {
	if [[ -z $LAB_INSTANCE_DIR || ! -d $LAB_INSTANCE_DIR ]]; then
		lab_log "${FUNCNAME[1]}: no instance (call lab_instance_create first)"
		return 1
	fi
}

# lab_enable_preset [MAJOR:MINOR]: enable the preset's events that exist, in the
# instance only; print one line per missing event. With a device, xfs/filemap/iomap
# events (and writeback events by bdi name) are filtered to that device.
lab_enable_preset() {
	lab__need_instance || return 1
	local devspec=${1:-} kdev='' spec sys ev edir fmt filter
	if [[ -n $devspec ]]; then
		if [[ ! $devspec =~ ^[0-9]+:[0-9]+$ ]]; then
			lab_log "lab_enable_preset: bad device '$devspec' (want major:minor)"
			return 1
		fi
		kdev=$(lab_dev_kernel "$devspec")
	fi
	LAB_ENABLED_EVENTS=()
	LAB_MISSING_EVENTS=()
	for spec in "${LAB_PRESET_EVENTS[@]}"; do
		sys=${spec%%:*}
		ev=${spec#*:}
		edir=$LAB_INSTANCE_DIR/events/$sys/$ev
		if [[ ! -d $edir ]]; then
			echo "lab: event $spec not available on $(uname -r)"
			LAB_MISSING_EVENTS+=("$spec")
			continue
		fi
		filter=''
		if [[ -n $kdev ]]; then
			fmt=$(<"$edir/format")
			case $sys in
			xfs | filemap | iomap)
				if [[ $fmt == *"dev_t dev;"* ]]; then
					filter="dev == $kdev"
				elif [[ $fmt == *"dev_t s_dev;"* ]]; then
					filter="s_dev == $kdev"
				fi
				;;
			writeback)
				# bdi name of a whole-disk device is "major:minor".
				if [[ $fmt == *" name[32];"* ]]; then
					filter="name == \"$devspec\""
				fi
				;;
			esac
		fi
		if [[ -n $filter ]]; then
			echo "$filter" >"$edir/filter"
		fi
		echo 1 >"$edir/enable"
		LAB_ENABLED_EVENTS+=("$spec")
	done
	lab_log "enabled ${#LAB_ENABLED_EVENTS[@]} events in $LAB_INSTANCE${kdev:+ (device $devspec filter)}, ${#LAB_MISSING_EVENTS[@]} missing"
}

lab_trace_on() {
	lab__need_instance || return 1
	echo 1 >"$LAB_INSTANCE_DIR/tracing_on"
}

lab_trace_off() {
	lab__need_instance || return 1
	echo 0 >"$LAB_INSTANCE_DIR/tracing_on"
}

# lab_overruns: sum of overrun, commit overrun and dropped events over the current
# instance's per-cpu stats (read it before lab_extract).
lab_overruns() {
	lab__need_instance || return 1
	local f total=0 n
	for f in "$LAB_INSTANCE_DIR"/per_cpu/cpu*/stats; do
		n=$(awk -F': *' '$1 == "overrun" || $1 == "commit overrun" || $1 == "dropped events" { s += $2 } END { print s + 0 }' "$f")
		total=$((total + n))
	done
	echo "$total"
}

# lab_extract OUT.dat [extra trace-cmd extract args]: save the current instance.
# Uses -k: without it trace-cmd 3.1.6 extract resets tracing state and removes the
# instance it extracted. To make small uncompressed files, the metadata trace-cmd copies
# into the file can be narrowed: with LAB_EXTRACT_KALLSYMS=FILE and/or
# LAB_EXTRACT_EVENTS_DIR=DIR (see lab_events_subset), extract runs in a private mount
# namespace where FILE is bind-mounted over /proc/kallsyms and DIR over the tracefs
# events directory. Nothing outside that short-lived namespace sees the bind mounts.
lab_extract() {
	lab__need_instance || return 1
	local out=${1:?lab_extract: OUT.dat required}
	shift
	local ks=${LAB_EXTRACT_KALLSYMS:-} evd=${LAB_EXTRACT_EVENTS_DIR:-}
	if [[ -z $ks && -z $evd ]]; then
		trace-cmd extract -k -B "$LAB_INSTANCE" -o "$out" "$@"
		return
	fi
	if ! command -v unshare >/dev/null 2>&1; then
		lab_log "lab_extract: LAB_EXTRACT_KALLSYMS/LAB_EXTRACT_EVENTS_DIR need unshare(1)"
		return 1
	fi
	if [[ -n $ks && ! -f $ks ]] || [[ -n $evd && ! -f $evd/header_page ]]; then
		lab_log "lab_extract: bad LAB_EXTRACT_KALLSYMS '$ks' or LAB_EXTRACT_EVENTS_DIR '$evd'"
		return 1
	fi
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare --mount --propagation private -- /bin/sh -c '
		set -e
		if [ -n "$1" ]; then mount --bind "$1" /proc/kallsyms; fi
		if [ -n "$2" ]; then mount --bind "$2" "$3/events"; fi
		shift 3
		exec trace-cmd "$@"' \
		sh "$ks" "$evd" "$LAB_TRACEFS" extract -k -B "$LAB_INSTANCE" -o "$out" "$@"
}

# lab_events_subset DIR: build DIR as a copy of the tracefs events directory's headers,
# ftrace formats and the formats of the events lab_enable_preset enabled (for
# LAB_EXTRACT_EVENTS_DIR).
lab_events_subset() {
	local dir=${1:?lab_events_subset: DIR required} spec sys ev d
	local src=$LAB_TRACEFS/events
	mkdir -p "$dir"
	cp "$src/header_page" "$src/header_event" "$dir/"
	for d in "$src"/ftrace/*/; do
		d=${d%/}
		mkdir -p "$dir/ftrace/${d##*/}"
		cp "$d/format" "$dir/ftrace/${d##*/}/format"
	done
	for spec in "${LAB_ENABLED_EVENTS[@]}"; do
		sys=${spec%%:*}
		ev=${spec#*:}
		mkdir -p "$dir/$sys/$ev"
		cp "$src/$sys/$ev/format" "$dir/$sys/$ev/format"
	done
}

# lab_tracing_state: the top-level settings that lab_* must never change, one per line.
# buffer_size_kb is normalized: "7 (expanded: 1408)" and "1408" compare equal, since
# the kernel expands the boot-time buffer the first time any instance enables events.
lab_tracing_state() {
	local kb
	kb=$(<"$LAB_TRACEFS/buffer_size_kb")
	if [[ $kb =~ \(expanded:\ ([0-9]+)\) ]]; then
		kb=${BASH_REMATCH[1]}
	fi
	printf 'tracing_on=%s\n' "$(<"$LAB_TRACEFS/tracing_on")"
	printf 'trace_clock=%s\n' "$(<"$LAB_TRACEFS/trace_clock")"
	printf 'current_tracer=%s\n' "$(<"$LAB_TRACEFS/current_tracer")"
	printf 'buffer_size_kb=%s\n' "$kb"
	printf 'set_event:\n'
	sort "$LAB_TRACEFS/set_event"
}

# lab_tracefs_mounted: "yes" when tracefs is mounted at $LAB_TRACEFS, else "no".
lab_tracefs_mounted() {
	if [[ -e $LAB_TRACEFS/trace_clock ]]; then echo yes; else echo no; fi
}

# lab_foreign_instances: instances that lab_* did not create (sorted, one per line).
lab_foreign_instances() {
	local d n mine
	for d in "$LAB_TRACEFS"/instances/*/; do
		[[ -d $d ]] || continue
		d=${d%/}
		d=${d##*/}
		mine=''
		for n in "${LAB_INSTANCES[@]}"; do
			[[ $n == "$d" ]] && mine=1
		done
		[[ -n $mine ]] || printf '%s\n' "$d"
	done | sort
}

# lab_cleanup: idempotent; safe to call at any stage and more than once.
lab_cleanup() {
	local - name dir left=()
	set +e
	for name in "${LAB_INSTANCES[@]}"; do
		dir=$LAB_TRACEFS/instances/$name
		if [[ -d $dir ]]; then
			echo 0 >"$dir/tracing_on" 2>/dev/null
			: >"$dir/set_event" 2>/dev/null
			for _ in 1 2 3 4 5; do
				rmdir "$dir" 2>/dev/null && break
				sleep 0.2
			done
		fi
		if [[ -d $dir ]]; then
			lab_log "cleanup: could not remove instance $dir"
			left+=("$name")
		fi
	done
	LAB_INSTANCES=("${left[@]}")
	if ((${#left[@]} == 0)); then
		LAB_INSTANCE=''
		LAB_INSTANCE_DIR=''
	fi
	if [[ -n $LAB_MNT ]]; then
		if mountpoint -q "$LAB_MNT"; then
			for _ in 1 2 3 4 5; do
				umount "$LAB_MNT" 2>/dev/null && break
				sleep 0.5
			done
			if mountpoint -q "$LAB_MNT"; then
				lab_log "cleanup: $LAB_MNT busy, lazy unmount"
				umount -l "$LAB_MNT"
			fi
		fi
		mountpoint -q "$LAB_MNT" || LAB_MNT=''
	fi
	if [[ -n $LAB_LOOP ]]; then
		# Detach only while the device still serves our image (it may have been reused).
		if [[ -n $LAB_IMG ]] && lab__loop_is_ours; then
			for _ in 1 2 3 4 5; do
				losetup -d "$LAB_LOOP" 2>/dev/null && break
				sleep 0.5
			done
		fi
		if lab__loop_is_ours; then
			lab_log "cleanup: could not detach $LAB_LOOP"
		else
			LAB_LOOP=''
		fi
	fi
	if [[ -n $LAB_TMP && -z $LAB_MNT && -z $LAB_LOOP ]]; then
		rm -rf -- "$LAB_TMP"
		LAB_TMP=''
		LAB_IMG=''
	fi
	if [[ -n $LAB_MOUNTED_TRACEFS && ${#LAB_INSTANCES[@]} -eq 0 ]]; then
		umount "$LAB_TRACEFS" 2>/dev/null && LAB_MOUNTED_TRACEFS=''
	fi
	return 0
}

lab__loop_is_ours() {
	[[ -n $LAB_LOOP && -n $LAB_IMG ]] &&
		losetup -nO BACK-FILE "$LAB_LOOP" 2>/dev/null | grep -qxF "$LAB_IMG"
}

lab__on_signal() {
	local sig=$1 code=$2
	lab_log "caught SIG$sig, cleaning up"
	lab_cleanup
	trap - EXIT "$sig"
	exit "$code"
}

# lab_trap: (re)install the cleanup traps. Done once when this file is sourced.
lab_trap() {
	trap lab_cleanup EXIT
	trap 'lab__on_signal INT 130' INT
	trap 'lab__on_signal TERM 143' TERM
}

lab_trap
