/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * analyze.c - one pass over a trace's events in time order.
 *
 * Modules.  analyze.c (this file) owns the pass: setup, step() per event,
 * the lock wiring to hb.c, the folio state machine, and the results.
 * hb.c: happens-before (vector clocks, lock requests and grants).
 * folio.c: the folio map.  windows.c: the life cycle and verdicts of
 * windows and the fates of folios.  punch.c: the delalloc punch detector.
 * variant.c: which code the kernel runs.
 *
 * Terms.
 *   request   an xfs_ilock/xfs_ilock_nowait event: fired before the lock is
 *             taken (docs/kernel-paths.md); the task may sleep or be
 *             preempted before the grant.
 *   grant     placed at the task's first later non-scheduler event.
 *   release   an xfs_iunlock event: fired after the lock is dropped.
 *   implied   a lock the code takes without a tracepoint (invalidate_lock
 *             of the fixed write cleanup; its shared side in filemap_fault's
 *             page-cache insert from 5.15 on), from the code variant.
 *   window    the stretch of one failed buffered write's cleanup in which a
 *             racing task can re-create and dirty a folio of the range that
 *             the punch then strips of its delalloc extent.
 *   unbacked  a folio that is dirty while no extent or reservation lies
 *             under it.
 *   lost      an unbacked folio written back over a hole, or a dirty folio
 *             deleted from the page cache by anything but a user's truncate
 *             or hole punch (IOLOCK_EXCL + MMAPLOCK_EXCL held).
 *
 * Window life cycle (functions of windows.c and punch.c):
 *
 *   punch request --window_open--> OPEN --writer's next event--> GRANTED
 *   GRANTED --punch release: window_close (judge, watch_unbacked)--> CLOSED
 *   CLOSED, no folio watched --window_done--> WRITTEN
 *   CLOSED, folios watched --each folio's fate (folio_lost_over_hole,
 *          folio_deleted_dirty, a clean writeback: folio_unwatch)--> WRITTEN
 *   end of trace: punch_on_end closes OPEN ones, window_flush writes all.
 *   A loss seen after its window was written amends that row (attribute).
 *
 * Verdicts, first that applies:
 *   loss      a folio the window left unbacked was later written back over
 *             a hole or dropped while dirty;
 *   hit       another task added, looked up (page_mkwrite) or dirtied a
 *             folio of the range inside the window, or a folio of the
 *             punched range is dirty (by another task) when the punch ends;
 *   dropped   the cleanup deleted a folio of the range that another task had
 *             dirtied (what 198dd8aedee6 alone still allowed) and whose
 *             store had landed: the dirtier's next dirtying is elsewhere
 *             (if it dirties the same index again, its fault was retried
 *             after the truncate zapped the page and the store went to the
 *             new folio, or was cut: unknown, and not a lost folio);
 *   unknown   events were lost in the window's time range, the trace lacks
 *             the events that would show a fault, or the trace contradicts
 *             the lock that would protect it;
 *   protected the writer held invalidate_lock (MMAPLOCK) exclusively across
 *             the window: traced, or implied by the code variant;
 *   unsafe    nothing excluded faults.
 * A lost folio that no window explains is written as a window of family
 * "folio_loss" with verdict loss and the events that show it.
 *
 * Invariants (checked after every event by `make debug` builds and by
 * analyze_opts.debug):
 *   A1. hb_check(): H1-H4 of hb.h.
 *   A2. window_check(): W1-W3 of windows.c.
 *   A3. A folio under writeback (wb) is not dirty, and a folio that is dirty
 *       or under writeback is cached.
 *   A4. Lost folios = explained + unexplained.
 *
 * Adding a race family: its row in core/vocab.c's ft_families[], its hooks
 * and a row of detectors[] here.
 */
#include "analyze.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/kinds.h"
#include "an.h"

const char *verdict_name(int v)
{
	return ft_verdict_name(v);
}

int verdict_from_name(const char *name)
{
	return ft_verdict_find(name);
}


/* --- symbols of interest -------------------------------------------------- */

static enum role role_of(const char *sym)
{
	if (!sym)
		return R_NONE;
	sym = ft_event_canonical(sym);	/* 5.10: xfs_file_buffered_aio_write (core/vocab.h) */
	if (!strcmp(sym, "xfs_file_buffered_write") ||
	    !strcmp(sym, "xfs_ilock_iocb") || !strcmp(sym, "xfs_ilock_iocb_for_write"))
		return R_WRITE;
	if (!strcmp(sym, "xfs_bmap_punch_delalloc_range"))
		return R_PUNCH;
	if (!strcmp(sym, "xfs_bmap_del_extent_delay"))
		return R_DEL_DELAY;
	if (!strcmp(sym, "__xfs_write_fault") || !strcmp(sym, "__xfs_filemap_fault"))
		return R_FAULT;
	if (!strcmp(sym, "xfs_bmap_add_extent_unwritten_real") ||
	    !strcmp(sym, "xfs_bmap_add_extent_delay_real"))
		return R_CONVERT;
	return R_NONE;
}


/* --- per task, symbols, history ---------------------------------------------- */

struct tstate *tstate_of(struct an *a, int t)
{
	if (t >= a->nts) {
		int n = t + 64;
		struct tstate *p = realloc(a->ts, (size_t)n * sizeof(*p));

		if (!p)
			return NULL;
		memset(p + a->nts, 0, (size_t)(n - a->nts) * sizeof(*p));
		a->ts = p;
		a->nts = n;
	}
	return &a->ts[t];
}

static const char *sym(struct an *a, const struct ft_event *ev)
{
	int64_t id;

	if (!ft_event_has(ev, FT_C_CALLER))
		return NULL;
	id = ev->v[FT_C_CALLER];
	return id >= 0 && id < a->nsyms ? a->syms[id] : NULL;
}

void hist_add(struct an *a, int64_t id, int pid, enum hkind k, int64_t ino,
	      int64_t first, int64_t count, int was_dirty_by)
{
	struct hrec *h = &a->hist[a->hn++ % HIST];

	h->id = id;
	h->pid = pid;
	h->kind = k;
	h->ino = ino;
	h->first = first;
	h->count = count > 0 ? count : 1;
	h->was_dirty_by = was_dirty_by;
}

/* --- locks ---------------------------------------------------------------------- */

struct hb_lock lock_id(int64_t dev, int64_t ino, int cls)
{
	return (struct hb_lock){ dev, ino, cls };
}

static void on_edge(void *ctx, int64_t src, int64_t dst, enum hb_why why, int implied)
{
	static const char *const whys[] = { "lock", "wakeup", "slot" };
	struct an *a = ctx;
	sqlite3_stmt *st = a->ins_edge;

	if (!st || a->err || src <= 0 || dst <= 0)
		return;
	sqlite3_bind_int64(st, 1, src);
	sqlite3_bind_int64(st, 2, dst);
	sqlite3_bind_text(st, 3, whys[why], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, implied);
	if (sqlite3_step(st) != SQLITE_DONE)
		a->err = 1;
	sqlite3_reset(st);
}

static const char *class_name(int cls)
{
	return ft_lock_class_name(cls);
}

static void note(struct analyze_result *r, const char *msg);

/* The trace contradicts mutual exclusion (hb.h): say so, with the events. */
static void on_conflict(void *ctx, const struct hb_lock *l, int holder, int64_t holder_ev,
			int task, int64_t grant_ev)
{
	struct an *a = ctx;
	char why[256];

	a->r->lock_conflicts++;
	if (a->ncontra == a->capcontra) {
		int cap = a->capcontra ? a->capcontra * 2 : 16;
		void *p = realloc(a->contra, (size_t)cap * sizeof(*a->contra));

		if (!p) {
			a->err = 1;
			return;
		}
		a->contra = p;
		a->capcontra = cap;
	}
	a->contra[a->ncontra++] = (struct contra){ l->dev, l->ino, holder_ev, grant_ev, l->cls,
						   hb_pid(a->hb, holder), hb_pid(a->hb, task) };
	snprintf(why, sizeof(why), "%s of inode %lld: pid %d showed event %lld under it after "
		 "pid %d was granted it at event %lld (lost events, or a tracepoint placed "
		 "otherwise than expected)", class_name(l->cls), (long long)l->ino,
		 hb_pid(a->hb, holder), (long long)holder_ev, hb_pid(a->hb, task),
		 (long long)grant_ev);
	window_doubt_lock(a, l->dev, l->ino, why);
	if (a->r->lock_conflicts <= 5) {
		char msg[300];

		snprintf(msg, sizeof(msg), "mutual exclusion contradicted: %s", why);
		note(a->r, msg);
	}
}

/* Requests (xfs_ilock*) and releases (xfs_iunlock) of the classes in flags. */
static void lock_ops(struct an *a, int t, const struct ft_event *ev, int64_t id)
{
	static const int classes[] = { FT_LOCK_IOLOCK, FT_LOCK_ILOCK, FT_LOCK_MMAPLOCK };
	unsigned f = ft_event_has(ev, FT_C_FLAGS) ? (unsigned)ev->v[FT_C_FLAGS] : 0;

	for (int i = 0; i < 3; i++) {
		/* the lock_flags bits of the class (core/vocab.h) */
		unsigned excl = ft_lockflags_of(classes[i], FT_LOCK_EXCL);
		struct hb_lock l;

		if (!(f & ft_lockflags_of(classes[i], 0)))
			continue;
		l = lock_id(ev->v[FT_C_DEV], ev->v[FT_C_INO], classes[i]);
		if (ev->kind == FT_K_IUNLOCK)
			hb_release(a->hb, t, &l, !!(f & excl), id, 0);
		else
			hb_request(a->hb, t, &l, !!(f & excl), id,
				   ev->kind == FT_K_ILOCK_NOWAIT);
	}
}

/* --- detectors -------------------------------------------------------------
 *
 * A race family is a row of core/vocab.h's ft_families[] (its name, fixing
 * commits, affected variants, window events, invariant and verdict rules)
 * and, when the analysis detects it, a row of detectors[] with its hooks:
 * on_event sees every event in order (after happens-before, before the
 * shared task and folio state are updated for it) and opens, extends and
 * closes that family's windows; on_end closes what the trace left open.
 * Windows are judged and written by windows.c once final.
 */

static const struct detector {
	enum ft_family family;
	void (*on_event)(struct an *a, struct tstate *ts, int t, int64_t id,
			 const struct ft_event *ev, enum role role);
	void (*on_end)(struct an *a);
} detectors[] = {
	{ FT_FAMILY_DELALLOC_PUNCH, punch_on_event, punch_on_end },
	{ FT_FAMILY_STALE_IOMAP, stale_on_event, stale_on_end },
};

#define NDETECTORS (sizeof(detectors) / sizeof(detectors[0]))

/* --- folio state ------------------------------------------------------------------ */

/* A lifetime ended (or the trace did): count it.  Lifetimes are not stored:
 * the folios view computes them from the events when asked. */
static void folio_lifetime_end(struct an *a, struct folio *f)
{
	if (!f->live)
		return;
	f->live = 0;
	a->r->folios++;
}

/*
 * Writeback of task t took folios dirty; the mapping xfs_map_blocks finds
 * decides their fate.  xfs_map_blocks caches its last mapping and fires
 * only when it looks a new one up, so a folio is decided by the next
 * lookup of the task, or by the cached one at the task's next writeback
 * folio (or the trace's end).
 */
static void wb_decide(struct an *a, struct tstate *ts, int final, int64_t id, int64_t tsns)
{
	int keep = 0;

	for (int i = 0; i < ts->nwb; i++) {
		struct folio *f = folio_get(&a->fm, ts->wb[i].ino, ts->wb[i].idx, 0);
		int covered = ts->map_valid && ts->map_ino == ts->wb[i].ino &&
			ts->wb[i].idx >= ts->map_first && ts->wb[i].idx <= ts->map_last;

		if (!f || !f->wb)
			continue;
		if (!covered && !final) {
			ts->wb[keep++] = ts->wb[i];
			continue;
		}
		f->wb = 0;
		if (covered && ts->map_hole)
			folio_lost_over_hole(a, f, ts->wb[i].ino, ts->map_dev, ts->wb[i].idx, id, tsns);
		else if (f->watch)
			folio_unwatch(a, f);	/* written to real blocks: no longer at risk */
		fmap_maybe_dead(&a->fm, ts->wb[i].ino, ts->wb[i].idx);
	}
	ts->nwb = keep;
}

static int64_t range_pages(struct an *a, const struct ft_event *ev, int64_t *count)
{
	int64_t first = ev->v[FT_C_OFFSET] >> a->page_shift;
	int64_t len = ft_event_has(ev, FT_C_LENGTH) ? ev->v[FT_C_LENGTH] : 1;
	int64_t last = (ev->v[FT_C_OFFSET] + (len > 0 ? len : 1) - 1) >> a->page_shift;

	*count = last - first + 1;
	return first;
}

/* Page-cache add, delete and dirtying of (ino, idx). */
static void folio_event(struct an *a, struct tstate *ts, int t, int64_t id,
			const struct ft_event *ev, int64_t ino, int *progress)
{
	int64_t idx = ev->v[FT_C_FINDEX];
	int64_t dev = ft_event_has(ev, FT_C_DEV) ? ev->v[FT_C_DEV] : 0;
	struct folio *f = folio_get(&a->fm, ino, idx, 1);
	int order = ft_event_has(ev, FT_C_FORDER) ? (int)ev->v[FT_C_FORDER] : 0;
	int own = ts->in_write && ino == ts->write_ino;

	if (!f) {
		a->err = 1;
		return;
	}
	if (ev->kind != FT_K_DIRTY) {
		/* page-cache slot: the previous add/delete of the index
		 * happens before this one */
		if (f->slot_id)
			hb_slot_acquire(a->hb, t, f->slot_task, f->slot_clock, f->slot_id, id);
		f->slot_task = t;
		f->slot_clock = hb_slot_release(a->hb, t);
		f->slot_id = id;
	}
	switch (ev->kind) {
	case FT_K_PAGE_ADD:
		f->cached = 1;
		f->dirty = 0;
		f->wb = 0;
		f->lookup_id = 0;
		f->order = (uint8_t)(order < 0 || order > 20 ? 0 : order);
		folio_lifetime_end(a, f);	/* a re-add ends the old one */
		f->live = 1;
		hist_add(a, id, ev->pid, H_ADD, ino, idx, 1LL << f->order, 0);
		if (a->caps.has_inval && !own && dev) {
			/* filemap_fault/readahead insert under invalidate_lock S */
			struct hb_lock l = lock_id(dev, ino, FT_LOCK_MMAPLOCK);

			hb_acquire(a->hb, t, &l, 0, id);
			hb_release(a->hb, t, &l, 0, id, 1);
		}
		*progress |= own;
		break;
	case FT_K_PAGE_DELETE:
		hist_add(a, id, ev->pid, H_DELETE, ino, idx, 1LL << f->order,
			 f->dirty ? f->dirtied_by : 0);
		/* A truncate or hole punch owns its range (IOLOCK and MMAPLOCK
		 * exclusive): discarding dirty data there is what the user asked
		 * for, not a loss. */
		if (f->dirty && !(ts->io_excl && ts->mmap_excl))
			folio_deleted_dirty(a, ts, f, ino, dev, idx, id, (int64_t)ev->ts);
		folio_lifetime_end(a, f);
		f->cached = f->dirty = f->wb = 0;
		if (f->watch)
			folio_unwatch(a, f);
		fmap_maybe_dead(&a->fm, ino, idx);
		break;
	default:	/* FT_K_DIRTY: clean -> dirty */
		f->dirty = 1;
		f->wb = 0;
		f->dirtied_by = ev->pid;
		f->dirty_id = id;
		pdrop_on_dirty(a, ev->pid, ino, idx);
		f->cached = 1;	/* a dirty folio is cached, even if its add was not traced */
		hist_add(a, id, ev->pid, H_DIRTY, ino, idx, 1LL << f->order, 0);
		*progress |= own;
		break;
	}
}

/* A write ended: deletions of its cleanup no window claimed stay unexplained. */
static void write_ended(struct an *a, struct tstate *ts)
{
	ts->in_write = 0;
	pdrop_write_ended(a, ts->pid);
}

/* xfs_ilock / xfs_ilock_nowait / xfs_iunlock of task t: happens-before, and
 * what the task holds (a buffered write, MMAPLOCK/IOLOCK exclusive, a fault). */
static void lock_event(struct an *a, struct tstate *ts, int t, int64_t id,
		       const struct ft_event *ev, enum role role, int *progress)
{
	int64_t ino = ev->v[FT_C_INO];
	int f = ft_event_has(ev, FT_C_FLAGS) ? (int)ev->v[FT_C_FLAGS] : 0;

	lock_ops(a, t, ev, id);
	if (ev->kind != FT_K_IUNLOCK) {
		if ((f & 0x01) && role == R_WRITE && !ts->in_write) {
			ts->in_write = 1;
			ts->write_ino = ino;
			ts->write_dev = ev->v[FT_C_DEV];
			ts->alloc_count = 0;
			*progress = 1;
		}
		if (f & 0x10)
			ts->mmap_excl++;
		if (f & 0x01)
			ts->io_excl++;
		return;
	}
	if ((f & 0x10) && ts->mmap_excl)
		ts->mmap_excl--;
	if ((f & 0x01) && ts->io_excl)
		ts->io_excl--;
	if ((f & 0x20) && ts->in_fault)
		ts->in_fault = 0;
	if ((f & 0x01) && ts->in_write && ino == ts->write_ino)
		write_ended(a, ts);
}

/* Writeback of a folio started (iomap_writepage / iomap_writeback_folio):
 * what it takes dirty waits for the mapping that decides its fate. */
static void writeback_folio(struct an *a, struct tstate *ts, int64_t id, const struct ft_event *ev)
{
	int64_t n, first, ino;

	wb_decide(a, ts, 1, id, (int64_t)ev->ts);
	if (!ft_event_has(ev, FT_C_INO) || !ft_event_has(ev, FT_C_DEV) ||
	    !ft_event_has(ev, FT_C_OFFSET))
		return;
	ino = ev->v[FT_C_INO];
	first = range_pages(a, ev, &n);
	for (int64_t i = 0; i < n && i < 4096; i++) {
		struct folio *f = folio_get(&a->fm, ino, first + i, 0);

		if (!f || !f->dirty)
			continue;
		f->dirty = 0;
		f->wb = 1;
		if (ts->nwb < WB_PEND) {
			ts->wb[ts->nwb].ino = ino;
			ts->wb[ts->nwb].idx = first + i;
			ts->nwb++;
		}
	}
	ts->map_dev = ev->v[FT_C_DEV];
}

/* xfs_map_blocks looked a mapping up: it decides the folios taken. */
static void map_blocks(struct an *a, struct tstate *ts, int64_t id, const struct ft_event *ev)
{
	int64_t off, len;

	if (!ft_event_has(ev, FT_C_EXT_OFF) || !ft_event_has(ev, FT_C_EXT_LEN) ||
	    !ft_event_has(ev, FT_C_EXT_BLOCK))
		return;
	off = ev->v[FT_C_EXT_OFF];
	len = ev->v[FT_C_EXT_LEN];
	if (len <= 0 || off < 0 || off >= (1LL << 40) || len >= (1LL << 40))
		return;
	ts->map_valid = 1;
	ts->map_ino = ev->v[FT_C_INO];
	ts->map_dev = ev->v[FT_C_DEV];
	ts->map_first = (off << a->block_shift) >> a->page_shift;
	ts->map_last = (((off + len) << a->block_shift) - 1) >> a->page_shift;
	ts->map_hole = ev->v[FT_C_EXT_BLOCK] == -2;	/* HOLESTARTBLOCK */
	wb_decide(a, ts, 0, id, (int64_t)ev->ts);
}

static void debug_check(struct an *a, int64_t id);

static void step(struct an *a, int64_t id, const struct ft_event *ev)
{
	int t = hb_task(a->hb, ev->pid);
	struct tstate *ts;
	const char *s;
	enum role role;
	int has_ino = ft_event_has(ev, FT_C_INO) && ft_event_has(ev, FT_C_DEV);
	int64_t ino = has_ino ? ev->v[FT_C_INO] : -1;
	int progress = 0;

	if (t < 0 || !(ts = tstate_of(a, t))) {
		a->err = 1;
		return;
	}
	ts->pid = ev->pid;
	hb_event(a->hb, t, id, ev->kind == FT_K_SCHED_WAKEUP || ev->kind == FT_K_SCHED_WAKING);
	s = sym(a, ev);
	role = s ? (enum role)a->roles[ev->v[FT_C_CALLER]] : R_NONE;
	/* Detectors see the event with the task state from before it. */
	for (size_t d = 0; d < NDETECTORS; d++)
		detectors[d].on_event(a, ts, t, id, ev, role);

	switch (ev->kind) {
	case FT_K_ILOCK:
	case FT_K_ILOCK_NOWAIT:
	case FT_K_IUNLOCK:
		if (has_ino)
			lock_event(a, ts, t, id, ev, role, &progress);
		break;
	case FT_K_SCHED_WAKEUP:
	case FT_K_SCHED_WAKING:
		/* sched_waking fires in the waker's context; sched_wakeup may
		 * fire on the wakee's cpu under whatever task runs there (a
		 * remote wakeup): it names the waker only when nothing better
		 * was recorded. */
		if (ft_event_has(ev, FT_C_PEER_PID) &&
		    (ev->kind == FT_K_SCHED_WAKING) == a->waking_recorded) {
			int to = hb_task(a->hb, (int)ev->v[FT_C_PEER_PID]);

			if (to >= 0 && tstate_of(a, to))
				hb_wakeup(a->hb, t, to, id);
		}
		break;
	case FT_K_WRITE_FAULT:
		ts->in_fault = 1;
		break;
	case FT_K_IOMAP_ALLOC:
	case FT_K_IOMAP_FOUND:
		if (!has_ino || !ft_event_has(ev, FT_C_OFFSET))
			break;
		if (ts->in_fault) {
			int64_t n, first = range_pages(a, ev, &n);

			hist_add(a, id, ev->pid, H_LOOKUP, ino, first, n, 0);
			for (int64_t i = 0; i < n && i < 64; i++) {
				struct folio *f = folio_get(&a->fm, ino, first + i, 0);

				if (f)
					f->lookup_id = id;
			}
		} else if (ts->in_write && ino == ts->write_ino) {
			if (ev->kind == FT_K_IOMAP_ALLOC)
				ts->alloc_first = range_pages(a, ev, &ts->alloc_count);
			progress = 1;
		}
		break;
	case FT_K_PAGE_ADD:
	case FT_K_PAGE_DELETE:
	case FT_K_DIRTY:
		/* dirty events name the bdi, not always a dev */
		if (!ft_event_has(ev, FT_C_INO) || !ft_event_has(ev, FT_C_FINDEX) ||
		    (!has_ino && ev->kind != FT_K_DIRTY))
			break;
		folio_event(a, ts, t, id, ev, ev->v[FT_C_INO], &progress);
		break;
	case FT_K_WRITEBACK_FOLIO:
		writeback_folio(a, ts, id, ev);
		break;
	case FT_K_MAP_BLOCKS_FOUND:
	case FT_K_MAP_BLOCKS_ALLOC:
		if (has_ino)
			map_blocks(a, ts, id, ev);
		break;
	default:
		break;
	}
	/* The window opens at the writer's first event after its last progress. */
	if (ts->in_write && progress) {
		ts->last_progress = id;
		ts->last_progress_ts = (int64_t)ev->ts;
	}
	if (a->debug)
		debug_check(a, id);
}

static void check_folio(void *ctx, int64_t ino, int64_t idx, struct folio *f)
{
	int *bad = ctx;

	(void)ino;
	(void)idx;
	if ((f->wb && f->dirty) || ((f->dirty || f->wb) && !f->cached))
		*bad = 1;
}

/* A1-A4 of the design block. */
static void debug_check(struct an *a, int64_t id)
{
	int bad = 0;
	const char *what = NULL;

	if (hb_check(a->hb) < 0)
		what = "A1 (hb_check)";
	else if (window_check(a) < 0)
		what = "A2 (window_check)";
	else if ((id & 1023) == 0 && (fmap_each(&a->fm, check_folio, &bad), bad))
		what = "A3 (folio state)";
	else if (a->r->lost_folios != a->r->lost_explained + a->r->lost_unexplained)
		what = "A4 (lost folio counts)";
	if (what) {
		fprintf(stderr, "foliotrace: analysis invariant %s broken after event %lld\n", what,
			(long long)id);
		abort();
	}
}

static void lifetime_end_cb(void *ctx, int64_t ino, int64_t idx, struct folio *f)
{
	(void)ino;
	(void)idx;
	folio_lifetime_end(ctx, f);
}

/* --- the job --------------------------------------------------------------- */

/*
 * One-value queries of the setup.  No row is an answer (-1 / ""); a failing
 * query (out of memory, I/O) is not: it sets a->qerr, and the analysis
 * stops with that error rather than run on a wrong premise.
 */
static int q_text(struct an *a, const char *sql, char *out, size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;

	out[0] = '\0';
	if (sqlite3_prepare_v2(store_db(a->s), sql, -1, &st, NULL) != SQLITE_OK) {
		a->qerr = 1;
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		if (!t && sqlite3_column_type(st, 0) != SQLITE_NULL)
			a->qerr = 1;	/* the conversion ran out of memory */
		snprintf(out, n, "%s", t ? (const char *)t : "");
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		a->qerr = 1;
	}
	sqlite3_finalize(st);
	return ret;
}

static int64_t q_int(struct an *a, const char *sql)
{
	char buf[64];

	return q_text(a, sql, buf, sizeof(buf)) == 0 ? strtoll(buf, NULL, 10) : -1;
}

static void note(struct analyze_result *r, const char *msg)
{
	size_t n = strlen(r->notes);

	snprintf(r->notes + n, sizeof(r->notes) - n, "%s%s", n ? "\n" : "", msg);
}

static int has_event(struct an *a, const char *name)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM event_types WHERE name = '%s'", name);
	return q_int(a, sql) > 0;
}

static int load_gaps(struct an *a)
{
	sqlite3_stmt *st = NULL;
	char sql[400];
	int64_t unlocalized;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT coalesce(ts_before, 0), ts_after FROM lost WHERE "
		 "trace_id = %lld AND kind = 'missed'", (long long)a->trace_id);
	if (sqlite3_prepare_v2(store_db(a->s), sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	/* Every gap or none: a window must not look complete for want of one. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		void *p = realloc(a->gaps, (size_t)(a->ngaps + 1) * sizeof(*a->gaps));

		if (!p)
			break;
		a->gaps = p;
		a->gaps[a->ngaps].a = sqlite3_column_int64(st, 0);
		a->gaps[a->ngaps].b = sqlite3_column_int64(st, 1);
		a->ngaps++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	/* Losses counted by the ring buffer but not placed in time by a gap. */
	snprintf(sql, sizeof(sql), "SELECT coalesce(sum(CASE WHEN o > m THEN 1 ELSE 0 END), 0) FROM "
		 "(SELECT sum(CASE WHEN kind = 'missed' AND count > 0 THEN count ELSE 0 END) AS m, "
		 "sum(CASE WHEN kind != 'missed' THEN count ELSE 0 END) AS o FROM lost "
		 "WHERE trace_id = %lld GROUP BY buffer_id, cpu)", (long long)a->trace_id);
	unlocalized = q_int(a, sql);
	a->unlocalized_loss = unlocalized > 0;
	return a->qerr ? -1 : 0;
}


/* Phase 1: what the trace is (kernel variant, sizes, what it lacks), and
 * the state of the pass.  Returns 0 or a negative error code. */
static int pass_setup(struct an *a, const struct analyze_opts *o)
{
	struct analyze_result *r = a->r;
	struct store *s = a->s;
	char sql[512];
	int64_t bs, ps;

	a->trace_id = q_int(a, "SELECT id FROM traces WHERE complete = 1 ORDER BY id DESC LIMIT 1");
	if (a->qerr)
		return ft_error(a->e, -EIO, "%s: reading the database: %s", store_path(s),
				sqlite3_errmsg(store_db(s)));
	if (a->trace_id <= 0)
		return ft_error(a->e, -EINVAL, "%s: no complete trace to analyse (an interrupted "
				"import or recording?)", store_path(s));
	snprintf(sql, sizeof(sql), "SELECT n_events FROM traces WHERE id = %lld",
		 (long long)a->trace_id);
	r->events = (uint64_t)q_int(a, sql);
	if (variant_detect(s, a->trace_id, o ? o->variant : NULL, &a->caps, a->e) < 0)
		return -1;
	snprintf(r->variant, sizeof(r->variant), "%s", variant_name(a->caps.var));
	note(r, a->caps.why);
	snprintf(a->implied_lock, sizeof(a->implied_lock),
		 "invalidate_lock exclusive, implied by the %s code (kernel has 198dd8aedee6)",
		 variant_name(a->caps.var));
	snprintf(sql, sizeof(sql), "SELECT coalesce(page_size, 4096) FROM traces WHERE id = %lld",
		 (long long)a->trace_id);
	ps = q_int(a, sql);
	snprintf(sql, sizeof(sql), "SELECT coalesce(block_size, 4096) FROM traces WHERE id = %lld",
		 (long long)a->trace_id);
	bs = q_int(a, sql);
	a->page_shift = ps > 0 && (ps & (ps - 1)) == 0 ? __builtin_ctzll((unsigned long long)ps) : 12;
	a->block_shift = bs > 0 && (bs & (bs - 1)) == 0 ? __builtin_ctzll((unsigned long long)bs) : 12;
	a->fault_events_recorded = has_event(a, "mm_filemap_add_to_page_cache") ||
		has_event(a, "xfs_write_fault") || has_event(a, "xfs_filemap_fault");
	if (!a->fault_events_recorded)
		note(r, "no page-cache or fault events recorded (filemap:mm_filemap_add_to_page_cache, "
		     "xfs:xfs_write_fault): faults cannot be seen, windows are unknown");
	if (!has_event(a, "xfs_bmap_pre_update") && !has_event(a, "xfs_iext_remove"))
		note(r, "no xfs_bmap_pre_update/xfs_iext_remove events in the trace: punch ranges "
		     "inferred from the write's reservation");
	if (!has_event(a, "xfs_ilock"))
		note(r, "xfs_ilock/xfs_iunlock not recorded: no writes or punches can be found");
	a->waking_recorded = has_event(a, "sched_waking");
	if (!a->waking_recorded && !has_event(a, "sched_wakeup"))
		note(r, "sched_waking/sched_wakeup not recorded: no wakeup happens-before edges");
	if (!has_event(a, "xfs_map_blocks_found") && !has_event(a, "xfs_map_blocks_alloc"))
		note(r, "no xfs_map_blocks_* events in the trace (not recorded, or no writeback): "
		     "writeback over holes (loss) cannot be seen");
	if (store_symbols(s, &a->syms, &a->nsyms, a->e) < 0)
		return -1;
	a->roles = calloc((size_t)a->nsyms + 1, 1);
	for (int64_t i = 0; a->roles && i < a->nsyms; i++)
		a->roles[i] = (unsigned char)role_of(a->syms[i]);
	a->hist = calloc(HIST, sizeof(*a->hist));
	a->hb = hb_new(on_edge, on_conflict, a);
	if (!a->hist || !a->hb || !a->roles || load_gaps(a) < 0 || a->qerr)
		return a->qerr ? ft_error(a->e, -EIO, "%s: reading the database: %s", store_path(s),
					  sqlite3_errmsg(store_db(s))) :
			ft_error(a->e, -ENOMEM, "out of memory");
	if (a->unlocalized_loss)
		note(r, "the ring buffer lost events that no gap places in time: every window "
		     "without a hit is unknown");
	return 0;
}

/* Phase 2 (in the transaction): previous results go; statements for the
 * new ones. */
static int results_begin(struct an *a)
{
	struct store *s = a->s;
	char sql[512];
	int ret;

	/* hb_edges has no trace column: with one trace in the database they
	 * all go, which SQLite does at once. */
	snprintf(sql, sizeof(sql), "DELETE FROM windows WHERE trace_id = %lld; "
		 "%s DELETE FROM meta WHERE key LIKE 'analysis:%lld:%%';", (long long)a->trace_id,
		 q_int(a, "SELECT count(*) FROM traces") == 1 ? "DELETE FROM hb_edges;" :
		 "DELETE FROM hb_edges WHERE src IN (SELECT id FROM events WHERE trace_id = "
		 "(SELECT max(id) FROM traces WHERE complete = 1));", (long long)a->trace_id);
	ret = store_exec(s, sql, a->e);
	if (ret == 0)
		ret = store_exec(s, "PRAGMA cache_size = -65536;", a->e);
	a->wid_base = q_int(a, "SELECT coalesce(max(id), 0) FROM windows");
	if (ret == 0 && a->qerr)
		ret = ft_error(a->e, -EIO, "%s: reading the database: %s", store_path(s),
			       sqlite3_errmsg(store_db(s)));
	if (ret < 0)
		return ret;
	if (sqlite3_prepare_v2(store_db(s), "INSERT OR IGNORE INTO hb_edges (src, dst, why, implied) "
			       "VALUES (?, ?, ?, ?)", -1, &a->ins_edge, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_db(s), "INSERT INTO windows (trace_id, family, verdict, dev, ino, "
			       "start_event, end_event, start_ns, end_ns, first_index, last_index, tasks, "
			       "evidence, id) VALUES (?1, ?13, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
			       "?14)", -1, &a->ins_window, NULL) != SQLITE_OK)
		return ft_error(a->e, -EIO, "%s: %s", store_path(s), sqlite3_errmsg(store_db(s)));
	return 0;
}

/* Phase 3: every event the pass looks at, then the end of the trace. */
static int pass_run(struct an *a)
{
	/* Only the kinds a step or a detector looks at. */
	static const int used[] = {
		FT_K_ILOCK, FT_K_ILOCK_NOWAIT, FT_K_IUNLOCK, FT_K_SCHED_WAKEUP, FT_K_SCHED_WAKING,
		FT_K_WRITE_FAULT, FT_K_IOMAP_ALLOC, FT_K_IOMAP_FOUND, FT_K_PAGE_ADD,
		FT_K_PAGE_DELETE, FT_K_DIRTY, FT_K_WRITEBACK_FOLIO, FT_K_MAP_BLOCKS_FOUND,
		FT_K_MAP_BLOCKS_ALLOC, FT_K_IEXT_REMOVE, FT_K_IEXT_INSERT,
		FT_K_BMAP_PRE_UPDATE, FT_K_BMAP_POST_UPDATE,
		FT_K_IOMAP_ITER,	/* stale.c: a write's mapping lookups */
	};
	struct analyze_result *r = a->r;
	struct store_iter *it = NULL;
	struct store_event se;
	char kinds[256] = "";
	size_t n = 0;
	int ret;

	for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++)
		n += (size_t)snprintf(kinds + n, sizeof(kinds) - n, "%s%d", i ? "," : "", used[i]);
	ret = store_iter_open_kinds(a->s, a->trace_id, -1, kinds, &it, a->e);
	if (ret < 0)
		return ret;
	if (!store_iter_packed(it))
		note(r, "no complete event blocks for this trace (a damaged database?): events "
		     "read row by row, which is slower");
	while ((ret = store_iter_next(it, &se, a->e)) > 0) {
		step(a, se.id, &se.ev);
		r->relevant++;
		if (a->err)
			break;
	}
	store_iter_close(it);
	if (ret < 0)
		return ret;
	for (size_t d = 0; d < NDETECTORS; d++)
		detectors[d].on_end(a);
	for (int t = 0; t < a->nts; t++)
		wb_decide(a, &a->ts[t], 1, 0, 0);
	pdrop_finish(a);
	hb_finish(a->hb);
	fmap_each(&a->fm, lifetime_end_cb, a);
	window_flush(a);	/* what is still pending is final now: the trace ended */
	if (a->debug)
		debug_check(a, 0);
	if (r->lock_conflicts > 5) {
		char msg[160];

		snprintf(msg, sizeof(msg), "mutual exclusion contradicted %llu times in all "
			 "(the first 5 are named above)", (unsigned long long)r->lock_conflicts);
		note(r, msg);
	}
	if (a->stale_zeroed) {
		char msg[240];

		snprintf(msg, sizeof(msg), "%llu page(s) zero-filled under a stale mapping "
			 "(windows of family stale_iomap, verdict loss): their data is wrong in the "
			 "page cache and on disk; not among the lost folios (written over a hole or "
			 "dropped)", (unsigned long long)a->stale_zeroed);
		note(r, msg);
	}
	if (r->lost_unexplained) {
		char msg[200];

		snprintf(msg, sizeof(msg), "%llu lost folio(s) that no window of a known race "
			 "explains: windows of family folio_loss", (unsigned long long)r->lost_unexplained);
		note(r, msg);
	}
	if (a->err)
		return ft_error(a->e, -EIO, "%s: writing the analysis failed: %s", store_path(a->s),
				sqlite3_errmsg(store_db(a->s)));
	hb_stats(a->hb, &r->hb_joins, &r->hb_entries, &r->hb_edges);
	return 0;
}

/* Phase 4: notes, variant and lost-folio counts into meta. */
static int results_meta(struct an *a)
{
	struct analyze_result *r = a->r;
	char lost[96];
	const struct { const char *key, *val; } rows[] = {
		{ "notes", r->notes }, { "variant", r->variant }, { "lost_folios", lost },
	};
	sqlite3_stmt *st = NULL;
	int ok = sqlite3_prepare_v2(store_db(a->s), "INSERT OR REPLACE INTO meta VALUES (?, ?)", -1,
				    &st, NULL) == SQLITE_OK;

	snprintf(lost, sizeof(lost), "%llu %llu %llu", (unsigned long long)r->lost_folios,
		 (unsigned long long)r->lost_explained, (unsigned long long)r->lost_unexplained);
	for (size_t i = 0; ok && i < sizeof(rows) / sizeof(rows[0]); i++) {
		char key[64];

		snprintf(key, sizeof(key), "analysis:%lld:%s", (long long)a->trace_id, rows[i].key);
		sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, rows[i].val, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return ok ? 0 : ft_error(a->e, -EIO, "%s: writing the analysis failed: %s",
				 store_path(a->s), sqlite3_errmsg(store_db(a->s)));
}

int analyze_run_opts(struct store *s, const struct analyze_opts *o, struct analyze_result *r,
		     struct ft_err *e)
{
	struct an an = { .s = s, .r = r, .e = e }, *a = &an;
	int ret, begun = 0;

	memset(r, 0, sizeof(*r));
#ifdef FT_DEBUG
	a->debug = 1;		/* `make debug`: A1-A4 after every event */
#endif
	if (getenv("FOLIOTRACE_CHECK_INVARIANTS"))
		a->debug = 1;
	ret = pass_setup(a, o);
	if (ret == 0 && (ret = store_begin(s, e)) == 0)
		begun = 1;
	if (ret == 0)
		ret = results_begin(a);
	if (ret == 0)
		ret = pass_run(a);
	if (ret == 0)
		ret = results_meta(a);
	if (ret == 0)
		ret = store_commit(s, e);
	if (ret < 0 && begun)
		store_rollback(s);	/* previous results stay as they were */
	sqlite3_finalize(a->ins_edge);
	sqlite3_finalize(a->ins_window);
	hb_free(a->hb);
	free(a->contra);
	store_symbols_free(a->syms, a->nsyms);
	free(a->roles);
	free(a->snappers);
	free(a->hist);
	window_free_all(a);
	free(a->ts);
	fmap_free(&a->fm);
	free(a->gaps);
	return ret < 0 ? ret : 0;
}

int analyze_run(struct store *s, struct analyze_result *r, struct ft_err *e)
{
	return analyze_run_opts(s, NULL, r, e);
}
