/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * punch.c - the detector of the delalloc punch race (family
 * "delalloc_punch", Linux 198dd8aedee6).  A buffered write is the span of a
 * task's xfs_ilock(IOLOCK_EXCL, caller xfs_file_buffered_write) ..
 * xfs_iunlock(IOLOCK_EXCL).  Inside it, a delalloc punch's request
 * (xfs_ilock(ILOCK_EXCL, caller xfs_bmap_punch_delalloc_range)) opens a
 * window that starts at the writer's last progress (reservation, folio add,
 * dirtying): the cleanup (truncate_pagecache_range on pre-fix kernels, the
 * release scan later) has no tracepoint and starts there.  The window ends
 * where the punch gets its lock: the writer's first non-scheduler event
 * after the request (a request is not a grant: the writer may be preempted
 * in between while another task takes the lock and dirties a folio).  The
 * punch's release (xfs_iunlock ILOCK_EXCL) closes and judges it.  The
 * punched range comes from the extent updates with caller
 * xfs_bmap_del_extent_delay, or from the write's reservation when those
 * were not recorded.
 */
#include "an.h"

static void extent_range(struct an *a, struct window *w, int64_t off, int64_t len)
{
	int64_t first, last;

	if (!w || off < 0 || len <= 0 || len > (1LL << 40) || off > (1LL << 40))
		return;
	/* file blocks -> pages */
	first = (off << a->block_shift) >> a->page_shift;
	last = (((off + len) << a->block_shift) - 1) >> a->page_shift;
	if (w->first < 0 || first < w->first)
		w->first = first;
	if (last > w->last)
		w->last = last;
}

/*
 * Removed blocks.  xfs_bmap_del_extent_delay either removes a whole extent
 * (xfs_iext_remove), or updates it (xfs_bmap_pre_update: the extent before;
 * xfs_bmap_post_update: what stays of it) and, when it punched the middle,
 * inserts the right part that stays (xfs_iext_insert).  So a removal
 * found from the update is pending until the insert that may trim it, the
 * next update, or the punch's release.
 */
static void punch_flush(struct an *a, struct tstate *ts)
{
	if (ts->rem_len > 0)
		extent_range(a, window_get(a, ts->punching), ts->rem_off, ts->rem_len);
	ts->rem_len = 0;
}

static void punch_extent(struct an *a, struct tstate *ts, int64_t id, const struct ft_event *ev)
{
	int64_t off = ev->v[FT_C_EXT_OFF], len = ev->v[FT_C_EXT_LEN];
	struct window *w = window_get(a, ts->punching);

	if (w && !w->removed_id && (ev->kind == FT_K_IEXT_REMOVE || ev->kind == FT_K_BMAP_PRE_UPDATE))
		w->removed_id = id;

	switch (ev->kind) {
	case FT_K_IEXT_REMOVE:
		punch_flush(a, ts);
		extent_range(a, window_get(a, ts->punching), off, len);
		break;
	case FT_K_BMAP_PRE_UPDATE:
		punch_flush(a, ts);
		ts->pre_off = off;
		ts->pre_len = len;
		break;
	case FT_K_BMAP_POST_UPDATE:
		if (ts->pre_len > 0) {
			int64_t pre_end = ts->pre_off + ts->pre_len;

			if (off == ts->pre_off && off + len < pre_end) {	/* head stays */
				ts->rem_off = off + len;
				ts->rem_len = pre_end - (off + len);
			} else if (off > ts->pre_off) {			/* tail stays */
				ts->rem_off = ts->pre_off;
				ts->rem_len = off - ts->pre_off;
			}
			ts->pre_len = 0;
		}
		break;
	case FT_K_IEXT_INSERT:
		/* the right part of a punched middle stays */
		if (ts->rem_len > 0 && off > ts->rem_off && off < ts->rem_off + ts->rem_len)
			ts->rem_len = off - ts->rem_off;
		punch_flush(a, ts);
		break;
	default:
		break;
	}
}

void punch_on_event(struct an *a, struct tstate *ts, int t, int64_t id,
		    const struct ft_event *ev, enum role role)
{
	int f = ft_event_has(ev, FT_C_FLAGS) ? (int)ev->v[FT_C_FLAGS] : 0;
	int64_t ino = ft_event_has(ev, FT_C_INO) ? ev->v[FT_C_INO] : -1;
	int has_dev = ft_event_has(ev, FT_C_DEV);

	/* The first event of the writer after its punch request: the grant. */
	if (ts->punch_wait && ev->kind != FT_K_SCHED_WAKEUP && ev->kind != FT_K_SCHED_WAKING) {
		struct window *w = window_get(a, ts->punching);

		ts->punch_wait = 0;
		if (w) {
			w->end_id = id;
			w->end_ts = (int64_t)ev->ts;
			w->granted = 1;
		}
	}
	switch (ev->kind) {
	case FT_K_ILOCK:
		/* the punch of a buffered write's failed tail: a window opens */
		if ((f & 0x04) && role == R_PUNCH && ts->in_write && ino == ts->write_ino &&
		    !ts->punching && has_dev) {
			struct window *w;

			if (a->caps.punch_holds_inval && !ts->mmap_excl) {
				struct hb_lock l = lock_id(ev->v[FT_C_DEV], ino, FT_LOCK_MMAPLOCK);

				hb_acquire(a->hb, t, &l, 1, id);
			}
			w = window_open(a, ts, ft_family_name(FT_FAMILY_DELALLOC_PUNCH), id, ev);
			if (w) {
				ts->punching = w->wid;
				ts->punch_wait = 1;
			}
		}
		break;
	case FT_K_IUNLOCK:
		if ((f & 0x04) && role == R_PUNCH && ts->punching && has_dev) {
			punch_flush(a, ts);
			if (a->caps.punch_holds_inval && !ts->mmap_excl) {
				struct hb_lock l = lock_id(ev->v[FT_C_DEV], ino, FT_LOCK_MMAPLOCK);

				hb_release(a->hb, t, &l, 1, id, 1);
			}
			window_close(a, ts);
			ts->last_progress = id;
			ts->last_progress_ts = (int64_t)ev->ts;
		}
		if ((f & 0x01) && ts->in_write && ino == ts->write_ino && ts->punching) {
			punch_flush(a, ts);
			window_close(a, ts);
		}
		break;
	case FT_K_IEXT_REMOVE:
	case FT_K_BMAP_PRE_UPDATE:
	case FT_K_BMAP_POST_UPDATE:
	case FT_K_IEXT_INSERT:
		if (ts->punching && role == R_DEL_DELAY)
			punch_extent(a, ts, id, ev);
		break;
	default:
		break;
	}
}

void punch_on_end(struct an *a)
{
	for (int t = 0; t < a->nts; t++)
		if (a->ts[t].punching) {
			punch_flush(a, &a->ts[t]);
			window_close(a, &a->ts[t]);
		}
}
