/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stale.c - the detector of stale cached mappings in buffered writes
 * (family "stale_iomap", Linux d7b64041164c + 304a68b9c63b; the kernel
 * paths are in docs/family-stale_iomap.md).
 *
 * A buffered write looks a mapping up once per iteration (iomap_apply on
 * 5.10, iomap_iter later, with the write flag, inside the writer's
 * IOLOCK_EXCL section) and uses it for every page it then copies into.
 * Writeback does not take the IOLOCK: another task may write a page of
 * that range back, its I/O completion converting the unwritten (or, at
 * writeback, delalloc) extent under it to written (extent updates with
 * caller xfs_bmap_add_extent_unwritten_real / _delay_real), and reclaim or
 * fadvise may then delete the page.  When the writer reaches that page it
 * creates it again and, trusting its mapping (unwritten or delalloc),
 * fills the bytes it does not overwrite with zeros instead of reading the
 * block the writeback just wrote.  Kernels with the validity check see
 * that the extent changed since the lookup (once the new page is locked)
 * and look the mapping up again before copying: their writer's next event
 * for the page is a new iomap_iter, not the dirtying.
 *
 * Per task, the last lookup of its buffered write (tstate.snap_*) and
 * what other tasks did to its range since; a window is written only when
 * the writer dirties a page that another task converted and then deleted
 * after the lookup, and that the writer added again, all under the same
 * lookup.  Its verdict: loss when the write covers that page in part (the
 * uncovered bytes were zero-filled over written data), hit when it covers
 * it whole.  The window spans the lookup to the dirtying.
 */
#include <stdio.h>
#include <stdlib.h>

#include "an.h"

#define IOMAP_FLAG_WRITE	0x1	/* iomap_apply/iomap_iter flags: IOMAP_WRITE */

/*
 * The tasks holding a lookup are listed (a->snappers), so that another
 * task's conversion or page deletion looks at those few, not at every task
 * of the trace.
 */
static void snap_clear(struct an *a, struct tstate *ts)
{
	if (ts->snap_id) {
		int t = (int)(ts - a->ts);

		for (int k = 0; k < a->nsnappers; k++)
			if (a->snappers[k] == t) {
				a->snappers[k] = a->snappers[--a->nsnappers];
				break;
			}
	}
	ts->snap_id = 0;
	ts->conv_id = 0;
	ts->nstale = 0;
}

static int snap_listed(struct an *a, struct tstate *ts)
{
	if (a->nsnappers == a->capsnappers) {
		int cap = a->capsnappers ? 2 * a->capsnappers : 16;
		int *p = realloc(a->snappers, (size_t)cap * sizeof(*p));

		if (!p) {
			a->err = 1;
			return -1;
		}
		a->snappers = p;
		a->capsnappers = cap;
	}
	a->snappers[a->nsnappers++] = (int)(ts - a->ts);
	return 0;
}

/* Pages [first, last] of byte range [lo, hi). */
static void byte_pages(const struct an *a, int64_t lo, int64_t hi, int64_t *first, int64_t *last)
{
	*first = lo >> a->page_shift;
	*last = (hi - 1) >> a->page_shift;
}

/* Another task's extent conversion on ino, file blocks [off, off + len). */
static void converted(struct an *a, const struct tstate *by, int64_t id, int64_t ino,
		      int64_t off, int64_t len)
{
	int64_t first, last;

	if (off < 0 || len <= 0 || off > (1LL << 40) || len > (1LL << 40))
		return;
	first = (off << a->block_shift) >> a->page_shift;
	last = (((off + len) << a->block_shift) - 1) >> a->page_shift;
	for (int k = 0; k < a->nsnappers; k++) {
		struct tstate *u = &a->ts[a->snappers[k]];
		int64_t sf, sl;

		if (u == by || !u->snap_id || u->snap_ino != ino)
			continue;
		byte_pages(a, u->snap_lo, u->snap_hi, &sf, &sl);
		if (last < sf || first > sl)
			continue;
		if (!u->conv_id || first < u->conv_first)
			u->conv_first = first < sf ? sf : first;
		if (!u->conv_id || last > u->conv_last)
			u->conv_last = last > sl ? sl : last;
		if (!u->conv_id) {
			u->conv_id = id;
			u->conv_pid = by->pid;
		}
	}
}

/* Another task deleted page idx of ino: a converted page of a writer's range? */
static void deleted(struct an *a, const struct tstate *by, int64_t id, int64_t ino, int64_t idx)
{
	for (int k = 0; k < a->nsnappers; k++) {
		struct tstate *u = &a->ts[a->snappers[k]];

		if (u == by || !u->snap_id || !u->conv_id || u->snap_ino != ino ||
		    idx < u->conv_first || idx > u->conv_last || u->nstale >= 8)
			continue;
		u->stale[u->nstale].idx = idx;
		u->stale[u->nstale].del_id = id;
		u->stale[u->nstale].add_id = 0;
		u->stale[u->nstale].del_pid = by->pid;
		u->nstale++;
	}
}

/* The writer dirtied stale page s under its old lookup: write the window. */
static void stale_window(struct an *a, struct tstate *ts, int s, int64_t id,
			 const struct ft_event *ev)
{
	int64_t idx = ts->stale[s].idx, pg = 1LL << a->page_shift;
	int partial = ts->snap_lo > idx * pg || ts->snap_hi < (idx + 1) * pg;
	struct window *w = window_new(a, ft_family_name(FT_FAMILY_STALE_IOMAP), ts->pid,
				      ts->snap_dev, ts->snap_ino, ts->snap_id, ts->snap_ts);
	char txt[RACING_LEN];

	if (!w)
		return;
	w->end_id = id;
	w->end_ts = (int64_t)ev->ts;
	w->granted = 1;		/* no lock request: the window ends where it ends */
	w->first = w->last = idx;
	w->verdict = partial ? V_LOSS : V_HIT;
	a->stale_zeroed += partial;
	w->loss_ids[w->nloss++] = id;
	window_add_racer(w, ts->conv_pid);
	window_add_racer(w, ts->stale[s].del_pid);
	snprintf(txt, sizeof(txt), "mapping looked up at event %lld for bytes %lld..%lld; "
		 "extent under page %lld converted at event %lld (pid %d); page deleted at "
		 "event %lld (pid %d); re-added at event %lld and dirtied at event %lld under "
		 "the old mapping%s", (long long)ts->snap_id, (long long)ts->snap_lo,
		 (long long)ts->snap_hi, (long long)idx, (long long)ts->conv_id, ts->conv_pid,
		 (long long)ts->stale[s].del_id, ts->stale[s].del_pid,
		 (long long)ts->stale[s].add_id, (long long)id,
		 partial ? ": the write covers the page in part, the rest was zero-filled over "
		 "written data" : " (the write covers the page whole)");
	window_evidence(a, w, txt);
	window_write_judged(a, w);
	/* reported once */
	ts->stale[s] = ts->stale[--ts->nstale];
}

void stale_on_event(struct an *a, struct tstate *ts, int t, int64_t id,
		    const struct ft_event *ev, enum role role)
{
	int64_t ino = ft_event_has(ev, FT_C_INO) ? ev->v[FT_C_INO] : -1;
	int64_t idx = ft_event_has(ev, FT_C_FINDEX) ? ev->v[FT_C_FINDEX] : -1;

	(void)t;
	switch (ev->kind) {
	case FT_K_IOMAP_ITER:
		/* a new lookup by this task: the earlier one is done with */
		snap_clear(a, ts);
		if (ts->in_write && ino == ts->write_ino && ft_event_has(ev, FT_C_FLAGS) &&
		    (ev->v[FT_C_FLAGS] & IOMAP_FLAG_WRITE) && ft_event_has(ev, FT_C_OFFSET) &&
		    ft_event_has(ev, FT_C_LENGTH) && ev->v[FT_C_OFFSET] >= 0 &&
		    ev->v[FT_C_LENGTH] > 0 && ev->v[FT_C_LENGTH] < (1LL << 40)) {
			ts->snap_id = id;
			ts->snap_ts = (int64_t)ev->ts;
			ts->snap_ino = ino;
			ts->snap_dev = ft_event_has(ev, FT_C_DEV) ? ev->v[FT_C_DEV] : ts->write_dev;
			ts->snap_lo = ev->v[FT_C_OFFSET];
			ts->snap_hi = ev->v[FT_C_OFFSET] + ev->v[FT_C_LENGTH];
			if (snap_listed(a, ts) < 0)
				ts->snap_id = 0;
		}
		break;
	case FT_K_BMAP_PRE_UPDATE:
	case FT_K_BMAP_POST_UPDATE:
	case FT_K_IEXT_INSERT:
	case FT_K_IEXT_REMOVE:
		if (role == R_CONVERT && ino >= 0 && ft_event_has(ev, FT_C_EXT_OFF) &&
		    ft_event_has(ev, FT_C_EXT_LEN))
			converted(a, ts, id, ino, ev->v[FT_C_EXT_OFF], ev->v[FT_C_EXT_LEN]);
		break;
	case FT_K_PAGE_DELETE:
		if (ino >= 0 && idx >= 0)
			deleted(a, ts, id, ino, idx);
		break;
	case FT_K_PAGE_ADD:
		for (int s = 0; ts->snap_id && s < ts->nstale; s++)
			if (ino == ts->snap_ino && ts->stale[s].idx == idx && !ts->stale[s].add_id)
				ts->stale[s].add_id = id;
		break;
	case FT_K_DIRTY:
		for (int s = 0; ts->snap_id && s < ts->nstale; s++)
			if (ino == ts->snap_ino && ts->stale[s].idx == idx && ts->stale[s].add_id) {
				stale_window(a, ts, s, id, ev);
				break;
			}
		break;
	default:
		break;
	}
	/* the write ended: its lookup with it */
	if (ts->snap_id && !ts->in_write)
		snap_clear(a, ts);
}

/* Nothing stays open: a window is written when it is found.  (The list
 * of tasks is freed with the pass, analyze.c.) */
void stale_on_end(struct an *a)
{
	a->nsnappers = 0;
}
