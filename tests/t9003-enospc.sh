#!/bin/bash
# t9003: a full disk (a small tmpfs).  import, analyze and replay each end
# with one clear error and exit 1, leave no partial database or temp file,
# and leave a previous database byte for byte as it was.  Run with the
# ASan+UBSan binary too when present.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
[ "$(id -u)" -eq 0 ] || t_skip "must run as root (mounts a tmpfs)"
mnt=$T_TMP/full
mkdir -p "$mnt"
cleanup() { umount "$mnt" 2>/dev/null; rm -rf "$T_TMP"; }
trap cleanup EXIT
mount -t tmpfs -o size=1m tmpfs "$mnt" || t_skip "cannot mount a tmpfs here"
fix=$FT_ROOT/tests/fixtures
big=$fix/xfs-race-5.10-a.dat		# its database is larger than 1 MiB
small=$fix/xfs-shortwrite-v6.dat

for bin in "$FT" ${FT_ASAN_BIN:+"$FT_ASAN_BIN"}; do
	[ -x "$bin" ] || continue
	tag=$([ "$bin" = "$FT" ] && echo plain || echo asan)
	rm -rf "${mnt:?}"/*
	# import into a full disk: nothing left behind
	"$bin" import -q "$big" -o "$mnt/x.db" > /dev/null 2> "$T_TMP/err"; rc=$?
	t_eq "$tag: import onto a full disk exits 1" 1 "$rc"
	t_eq "$tag: import: one line" 1 "$(wc -l < "$T_TMP/err")"
	t_match "$tag: import: says the disk is full" "full|No space" "$(cat "$T_TMP/err")"
	t_eq "$tag: import: no database, no temp file" "" "$(ls "$mnt")"
	t_eq "$tag: import: no sanitizer report" 0 "$(grep -c 'Sanitizer\|runtime error' "$T_TMP/err")"

	# a previous database survives a failed replacement
	"$bin" import -q "$small" -o "$mnt/x.db" || t_fail "$tag: small import"
	sum=$(sha256sum < "$mnt/x.db")
	"$bin" import -q -f "$big" -o "$mnt/x.db" > /dev/null 2> "$T_TMP/err"; rc=$?
	t_eq "$tag: import -f onto a full disk exits 1" 1 "$rc"
	t_eq "$tag: import -f: the previous database is untouched" "$sum" "$(sha256sum < "$mnt/x.db")"
	t_eq "$tag: import -f: no temp file" "x.db" "$(ls "$mnt")"

	# analyze with no room for its results (fill the disk first)
	head -c $((1024 * 1024)) /dev/zero > "$mnt/filler" 2>/dev/null
	sum=$(sha256sum < "$mnt/x.db")
	"$bin" analyze -q "$mnt/x.db" > /dev/null 2> "$T_TMP/err"; rc=$?
	t_eq "$tag: analyze on a full disk exits 1" 1 "$rc"
	t_eq "$tag: analyze: one line" 1 "$(wc -l < "$T_TMP/err")"
	t_match "$tag: analyze: says the disk is full" "full|No space" "$(cat "$T_TMP/err")"
	t_eq "$tag: analyze: the database is untouched" "$sum" "$(sha256sum < "$mnt/x.db")"
	t_eq "$tag: analyze: integrity" ok "$(sqlite3 "$mnt/x.db" "PRAGMA integrity_check")"
	t_eq "$tag: analyze: no sanitizer report" 0 "$(grep -c 'Sanitizer\|runtime error' "$T_TMP/err")"
	rm -f "$mnt/filler"
	"$bin" analyze -q "$mnt/x.db"
	t_eq "$tag: analyze with room again succeeds" 0 "$?"
done
t_done
