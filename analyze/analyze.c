/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * analyze.c - one pass over a trace's events in time order.
 *
 * For every event: (1) happens-before (hb.c): xfs_ilock/xfs_iunlock per
 * (dev, ino, lock class) with rw-semaphore semantics, sched_wakeup, and
 * page-cache slot edges; locks the kernel takes without a tracepoint are
 * added as *implied* operations from the code variant (variant_of());
 * (2) folio state: cached / dirty (and by whom) / written back, per
 * (ino, page index); folio lifetimes go to the folios table; (3) the race
 * detectors (detectors[] below) see the event with that context.
 *
 * Delalloc punch detector (family "delalloc_punch").  A buffered write is
 * the span of a task's xfs_ilock(IOLOCK_EXCL, caller xfs_file_buffered_write)
 * .. xfs_iunlock(IOLOCK_EXCL).  Inside it, every delalloc punch
 * (xfs_ilock(ILOCK_EXCL, caller xfs_bmap_punch_delalloc_range)) closes a
 * window that opened at the writer's first event after its last progress
 * (reservation, folio add, dirtying): that is where the cleanup starts
 * (truncate_pagecache_range on pre-fix kernels; the release scan later).
 * The range comes from the punch's extent updates (caller
 * xfs_bmap_del_extent_delay), or the write's reservation when those were
 * not recorded.  Verdicts, first that applies:
 *   hit      another task added, looked up (page_mkwrite) or dirtied a folio
 *            of the range inside the window;
 *   loss     a hit whose folio was later written back over a hole or
 *            dropped while dirty (updated after the window closes);
 *   dropped  the cleanup deleted a folio of the range that another task had
 *            dirtied (what 198dd8aedee6 alone still allowed);
 *   unknown  events were lost in the window's time range, or the trace
 *            lacks the events that would show a fault;
 *   protected the writer held invalidate_lock (MMAPLOCK) exclusively across
 *            the window: traced, or implied by the code variant;
 *   unsafe   nothing excluded faults.
 * Adding a race family: write its hooks and add a row to detectors[].
 */
#include "analyze.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "../core/event.h"
#include "../core/kinds.h"
#include "hb.h"
#include "variant.h"

static const char *const verdict_names[V__COUNT] = {
	"loss", "hit", "dropped", "unsafe", "unknown", "protected",
};

const char *verdict_name(int v)
{
	return v >= 0 && v < V__COUNT ? verdict_names[v] : "?";
}

int verdict_from_name(const char *name)
{
	for (int v = 0; v < V__COUNT; v++)
		if (!strcmp(verdict_names[v], name))
			return v;
	return -1;
}

/* --- symbols of interest -------------------------------------------------- */

enum role {
	R_NONE,
	R_WRITE,		/* xfs_file_buffered_write (IOLOCK_EXCL) */
	R_PUNCH,		/* xfs_bmap_punch_delalloc_range */
	R_DEL_DELAY,		/* xfs_bmap_del_extent_delay */
	R_FAULT,		/* __xfs_write_fault, __xfs_filemap_fault */
};

static enum role role_of(const char *sym)
{
	if (!sym)
		return R_NONE;
	/* 5.10 names the write path xfs_file_buffered_aio_write */
	if (!strcmp(sym, "xfs_file_buffered_write") || !strcmp(sym, "xfs_file_buffered_aio_write") ||
	    !strcmp(sym, "xfs_ilock_iocb") || !strcmp(sym, "xfs_ilock_iocb_for_write"))
		return R_WRITE;
	if (!strcmp(sym, "xfs_bmap_punch_delalloc_range"))
		return R_PUNCH;
	if (!strcmp(sym, "xfs_bmap_del_extent_delay"))
		return R_DEL_DELAY;
	if (!strcmp(sym, "__xfs_write_fault") || !strcmp(sym, "__xfs_filemap_fault"))
		return R_FAULT;
	return R_NONE;
}

/* --- folio state ---------------------------------------------------------- */

/* One page-cache index of one inode (32 bytes: millions stay cached). */
struct folio {
	int64_t slot_id;	/* event of the slot's last add/delete */
	int32_t dirtied_by;	/* pid */
	int32_t watch;		/* window index + 1 whose hit this folio is */
	int32_t slot_task;	/* task of that event (hb index), -1 none */
	uint32_t slot_clock;	/* its epoch */
	uint8_t used, cached, dirty, order;
	uint8_t live;		/* a lifetime (add .. delete) is open */
};

/*
 * Folios live in chunks of FCHUNK consecutive indexes of one inode, found
 * through an open-addressing table of chunk pointers keyed by (ino, index /
 * FCHUNK): the events of a write or a writeback walk neighbouring indexes,
 * which then share a chunk (one lookup, cached in `last`, and one region of
 * memory) instead of one random probe each into a table of all folios.
 */
#define FCHUNK_SHIFT 4
#define FCHUNK (1 << FCHUNK_SHIFT)

struct fchunk {
	int64_t ino, base;	/* base = index >> FCHUNK_SHIFT */
	int queued;		/* in the dead ring */
	struct folio f[FCHUNK];
};

/*
 * A chunk none of whose folios is cached, dirty or watched is dead: it only
 * remembers its slots' last add/delete (for slot happens-before edges).  The
 * last FDEAD dead chunks are kept in a ring; older ones are freed, so memory
 * follows the folios that are still open, plus a bounded tail.  A folio
 * re-added after its chunk was freed gets no slot edge from its old delete.
 */
#define FDEAD 16384

struct fmap {
	struct fchunk **slot;
	uint64_t cap, n;	/* slots (a power of two), chunks */
	struct fchunk *last;	/* the chunk of the previous lookup */
	struct fchunk **dead;	/* ring of FDEAD */
	uint64_t dhead, dn;
	uint64_t freed;		/* chunks freed */
};

static uint32_t fmix(int64_t ino, int64_t base)
{
	uint64_t x = (uint64_t)ino * 0x9E3779B97F4A7C15ull ^ (uint64_t)base * 0xC2B2AE3D27D4EB4Full;

	x ^= x >> 31;
	return (uint32_t)(x * 0x94D049BB133111EBull >> 32);
}

static int fmap_grow(struct fmap *m)
{
	uint64_t cap = m->cap ? m->cap * 2 : 1 << 10;
	struct fchunk **n = calloc(cap, sizeof(*n));

	if (!n)
		return -1;
	for (uint64_t i = 0; i < m->cap; i++) {
		struct fchunk *c = m->slot[i];
		uint64_t k;

		if (!c)
			continue;
		k = fmix(c->ino, c->base) & (cap - 1);
		while (n[k])
			k = (k + 1) & (cap - 1);
		n[k] = c;
	}
	free(m->slot);
	m->slot = n;
	m->cap = cap;
	return 0;
}

static void fmap_free(struct fmap *m)
{
	for (uint64_t i = 0; i < m->cap; i++)
		free(m->slot[i]);
	free(m->slot);
	free(m->dead);
	memset(m, 0, sizeof(*m));
}

static struct fchunk **fmap_pos(struct fmap *m, int64_t ino, int64_t base)
{
	uint64_t k = fmix(ino, base) & (m->cap - 1);

	while (m->slot[k] && (m->slot[k]->ino != ino || m->slot[k]->base != base))
		k = (k + 1) & (m->cap - 1);
	return &m->slot[k];
}

static int chunk_dead(const struct fchunk *c)
{
	for (int i = 0; i < FCHUNK; i++)
		if (c->f[i].cached || c->f[i].dirty || c->f[i].watch)
			return 0;
	return 1;
}

/* Frees a chunk (linear probing: re-place the rest of its cluster). */
static void fmap_drop(struct fmap *m, struct fchunk *c)
{
	struct fchunk **p = fmap_pos(m, c->ino, c->base);
	uint64_t k = (uint64_t)(p - m->slot);

	*p = NULL;
	m->n--;
	for (k = (k + 1) & (m->cap - 1); m->slot[k]; k = (k + 1) & (m->cap - 1)) {
		struct fchunk *x = m->slot[k];

		m->slot[k] = NULL;
		*fmap_pos(m, x->ino, x->base) = x;
	}
	if (m->last == c)
		m->last = NULL;
	free(c);
	m->freed++;
}

/* The folio at (ino, idx) may have left its chunk dead: queue the chunk. */
static void fmap_maybe_dead(struct fmap *m, int64_t ino, int64_t idx)
{
	struct fchunk *c;

	if (!m->cap || !(c = *fmap_pos(m, ino, idx >> FCHUNK_SHIFT)) || c->queued || !chunk_dead(c))
		return;
	if (!m->dead && !(m->dead = calloc(FDEAD, sizeof(*m->dead))))
		return;		/* kept: only memory is lost */
	if (m->dn == FDEAD) {
		struct fchunk *old = m->dead[m->dhead];

		m->dhead = (m->dhead + 1) % FDEAD;
		m->dn--;
		old->queued = 0;
		if (chunk_dead(old))
			fmap_drop(m, old);
	}
	m->dead[(m->dhead + m->dn++) % FDEAD] = c;
	c->queued = 1;
}

static struct folio *folio_get(struct fmap *m, int64_t ino, int64_t idx, int create)
{
	int64_t base = idx >> FCHUNK_SHIFT;
	struct fchunk *c = m->last;
	struct folio *f;

	if (!c || c->ino != ino || c->base != base) {
		c = m->cap ? *fmap_pos(m, ino, base) : NULL;
		if (!c) {
			if (!create)
				return NULL;
			if ((m->n + 1) * 2 > m->cap && fmap_grow(m) < 0)
				return NULL;
			c = calloc(1, sizeof(*c));
			if (!c)
				return NULL;
			c->ino = ino;
			c->base = base;
			*fmap_pos(m, ino, base) = c;
			m->n++;
		}
		m->last = c;
	}
	f = &c->f[idx & (FCHUNK - 1)];
	if (!f->used) {
		if (!create)
			return NULL;
		f->used = 1;
	}
	return f;
}

/* --- history of recent events that can race a window ------------------- */

enum hkind { H_ADD, H_LOOKUP, H_DIRTY, H_DELETE };

struct hrec {
	int64_t id, ino, first, count;	/* page range */
	int pid;
	enum hkind kind;
	int was_dirty_by;		/* H_DELETE: dirtier of the deleted folio, or 0 */
};

#define HIST 65536

/* --- windows ---------------------------------------------------------------- */

struct window {
	const char *family;
	int64_t dev, ino, start_id, end_id, start_ts, end_ts;
	int64_t first, last;		/* page range, inclusive */
	int pid;
	int verdict;
	int range_inferred;
	const char *lock;		/* what protects it (static text), or NULL */
	char *racing;			/* evidence text, allocated when needed */
	int racers[8], nracers;
	int64_t wid;			/* 1, 2, ... in opening order */
	int closed;			/* judged */
	int watchers;			/* folios whose fate may still turn it to loss */
};

/*
 * Windows in memory are the pending ones: open, or judged `hit` while a
 * folio they watch may still be lost.  The others are written as soon as
 * they are judged, so memory follows the open state, not the trace length.
 * Pending windows are found by wid (tasks and folios hold wids).
 */
struct wmap {
	struct window **slot;
	uint64_t cap, n;
};

static struct window **wmap_pos(struct wmap *m, int64_t wid)
{
	uint64_t k = ((uint64_t)wid * 0x9E3779B97F4A7C15ull >> 20) & (m->cap - 1);

	while (m->slot[k] && m->slot[k]->wid != wid)
		k = (k + 1) & (m->cap - 1);
	return &m->slot[k];
}

static struct window *wmap_get(struct wmap *m, int64_t wid)
{
	return m->cap && wid > 0 ? *wmap_pos(m, wid) : NULL;
}

static int wmap_put(struct wmap *m, struct window *w)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct wmap g = { calloc(m->cap ? m->cap * 2 : 64, sizeof(*g.slot)),
				  m->cap ? m->cap * 2 : 64, m->n };

		if (!g.slot)
			return -1;
		for (uint64_t i = 0; i < m->cap; i++)
			if (m->slot[i])
				*wmap_pos(&g, m->slot[i]->wid) = m->slot[i];
		free(m->slot);
		*m = g;
	}
	*wmap_pos(m, w->wid) = w;
	m->n++;
	return 0;
}

/* Removes wid (linear probing: re-place the rest of its cluster). */
static void wmap_del(struct wmap *m, int64_t wid)
{
	struct window **p = wmap_pos(m, wid);
	uint64_t k = (uint64_t)(p - m->slot);

	if (!*p)
		return;
	*p = NULL;
	m->n--;
	for (k = (k + 1) & (m->cap - 1); m->slot[k]; k = (k + 1) & (m->cap - 1)) {
		struct window *w = m->slot[k];

		m->slot[k] = NULL;
		*wmap_pos(m, w->wid) = w;
	}
}

#define RACING_LEN 512


/* Per-task state for the detector. */
struct tstate {
	int pid, used;
	int in_write;
	int64_t write_ino;
	int64_t alloc_first, alloc_count;	/* last reservation (pages) */
	int64_t last_progress;			/* id */
	int64_t last_progress_ts;
	int mmap_excl;				/* traced MMAPLOCK_EXCL holds */
	int io_excl;				/* traced IOLOCK_EXCL holds */
	int in_fault;
	int64_t punching;			/* wid of the open window, 0 none */
	int64_t pre_off, pre_len;		/* last bmap pre-update of the punch */
};

struct an {
	struct store *s;
	struct analyze_result *r;
	struct ft_err *e;
	struct caps caps;
	struct hb *hb;
	struct fmap fm;
	char **syms;
	int64_t nsyms;
	unsigned char *roles;		/* enum role per symbol id */
	int64_t trace_id;
	int page_shift, block_shift;
	struct hrec *hist;
	uint64_t hn;
	struct wmap pend;		/* pending windows */
	int64_t nw;			/* windows opened */
	int64_t wid_base;		/* windows.id = wid_base + wid */
	sqlite3_stmt *ins_window;
	int qerr;			/* a setup query failed */
	struct tstate *ts;
	int nts;
	int fault_events_recorded;
	/* losses with a time range, and whether some have none */
	struct { int64_t a, b; } *gaps;
	int ngaps;
	int unlocalized_loss;
	char implied_lock[160];
	sqlite3_stmt *ins_edge;
	int err;
};

/* The evidence text of w; out of memory fails the analysis (a->err). */
static char *racing_of(struct an *a, struct window *w)
{
	if (!w->racing && !(w->racing = calloc(1, RACING_LEN)))
		a->err = 1;
	return w->racing;
}

static struct tstate *tstate_of(struct an *a, int t)
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

static uint64_t lock_key(int64_t dev, int64_t ino, int cls)
{
	return ((uint64_t)ino << 8) ^ ((uint64_t)dev << 40) ^ (uint64_t)cls;
}

static void hist_add(struct an *a, int64_t id, int pid, enum hkind k, int64_t ino,
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

static int in_gap(struct an *a, int64_t t0, int64_t t1)
{
	if (a->unlocalized_loss)
		return 1;
	for (int i = 0; i < a->ngaps; i++)
		if (a->gaps[i].a <= t1 && a->gaps[i].b >= t0)
			return 1;
	return 0;
}

/* Decides a window's verdict from the history between its ends. */
static void judge(struct an *a, struct window *w)
{
	struct { int64_t first, last; } dels[64];
	int ndels = 0, dropped_by = 0, before_lock = 0;
	char *p = NULL;
	size_t left = 0;

	/*
	 * The history is in event order: walk back from the newest entry to
	 * the window's start.  A folio another task touched and the writer's
	 * cleanup later deleted is not left behind unbacked: its data was
	 * dropped instead (a delete seen first in this backward walk covers
	 * the earlier events of its index).
	 */
	for (uint64_t back = 0; back < a->hn && back < HIST; back++) {
		struct hrec *h = &a->hist[(a->hn - 1 - back) % HIST];
		int64_t hl = h->first + h->count - 1;
		int covered = 0;

		if (h->id <= w->start_id)
			break;
		if (h->id >= w->end_id || h->ino != w->ino || hl < w->first || h->first > w->last)
			continue;
		if (h->kind == H_DELETE && h->pid == w->pid) {
			if (ndels < 64) {
				dels[ndels].first = h->first;
				dels[ndels].last = hl;
				ndels++;
			}
			if (h->was_dirty_by && h->was_dirty_by != w->pid)
				dropped_by = h->was_dirty_by;
			continue;
		}
		if (h->pid == w->pid || h->kind == H_DELETE)
			continue;
		for (int d = 0; d < ndels; d++)
			covered |= h->first <= dels[d].last && hl >= dels[d].first;
		if (covered)
			continue;
		/*
		 * A lock held across the cleanup (traced, or implied by the
		 * code) excludes faults and page-cache inserts while it is held;
		 * the window starts at the writer's last traced event, before
		 * that lock is taken (untraced), so another task's event seen
		 * here came before the lock: the cleanup saw its folio.
		 */
		if (w->lock) {
			before_lock++;
			continue;
		}
		if (!p && racing_of(a, w)) {
			p = w->racing;
			left = RACING_LEN;
		}
		if (p) {
			static const char *const kn[] = { "page_add", "mkwrite_lookup", "dirty", "" };
			int n = snprintf(p, left, "%s%s@%lld(pid %d, index %lld)",
					 p == w->racing ? "" : ", ", kn[h->kind], (long long)h->id,
					 h->pid, (long long)h->first);

			if (n > 0 && (size_t)n < left) {
				p += n;
				left -= (size_t)n;
			}
		}
		if (w->nracers < 8)
			w->racers[w->nracers++] = h->pid;
		w->verdict = V_HIT;
	}
	if (w->verdict == V_HIT)
		return;
	if (dropped_by) {
		w->verdict = V_DROPPED;
		if (racing_of(a, w))
			snprintf(w->racing, RACING_LEN,
				 "cleanup deleted a folio dirtied by pid %d", dropped_by);
		return;
	}
	if (!a->fault_events_recorded || in_gap(a, w->start_ts, w->end_ts)) {
		w->verdict = V_UNKNOWN;
		return;
	}
	w->verdict = w->lock ? V_PROTECTED : V_UNSAFE;
	if (before_lock && racing_of(a, w))
		snprintf(w->racing, RACING_LEN, "%d page-cache event(s) of other tasks on the range "
			 "before the cleanup took the lock", before_lock);
}

/* Writes a judged window (its id: wid_base + wid). */
static void write_window(struct an *a, struct window *w)
{
	sqlite3_stmt *st = a->ins_window;
	char tasks[160], ev[1200];
	size_t n;

	n = (size_t)snprintf(tasks, sizeof(tasks), "[%d", w->pid);
	for (int k = 0; k < w->nracers && n < sizeof(tasks) - 16; k++) {
		int dup = 0;

		for (int j = 0; j < k; j++)
			dup |= w->racers[j] == w->racers[k];
		if (!dup && w->racers[k] != w->pid)
			n += (size_t)snprintf(tasks + n, sizeof(tasks) - n, ",%d", w->racers[k]);
	}
	snprintf(tasks + n, sizeof(tasks) - n, "]");
	snprintf(ev, sizeof(ev),
		 "{\"writer\":%d,\"lock\":\"%s\",\"implied\":%s,\"range_inferred\":%s,"
		 "\"racing\":\"%s\",\"variant\":\"%s\"}",
		 w->pid, w->lock ? w->lock : "", w->lock && strstr(w->lock, "implied") ? "true" : "false",
		 w->range_inferred ? "true" : "false", w->racing ? w->racing : "",
		 variant_name(a->caps.var));
	sqlite3_bind_int64(st, 1, a->trace_id);
	sqlite3_bind_text(st, 2, verdict_name(w->verdict), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, w->dev);
	sqlite3_bind_int64(st, 4, w->ino);
	sqlite3_bind_int64(st, 5, w->start_id);
	sqlite3_bind_int64(st, 6, w->end_id);
	sqlite3_bind_int64(st, 7, w->start_ts);
	sqlite3_bind_int64(st, 8, w->end_ts);
	sqlite3_bind_int64(st, 9, w->first);
	sqlite3_bind_int64(st, 10, w->last);
	sqlite3_bind_text(st, 11, tasks, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 12, ev, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 13, w->family, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, a->wid_base + w->wid);
	if (sqlite3_step(st) != SQLITE_DONE)
		a->err = 1;
	sqlite3_reset(st);
	a->r->by_verdict[w->verdict]++;
	a->r->windows++;
}

/* A window's verdict is final: write it and forget it. */
static void window_done(struct an *a, struct window *w)
{
	write_window(a, w);
	wmap_del(&a->pend, w->wid);
	free(w->racing);
	free(w);
}

/* The folio no longer decides its window's fate. */
static void unwatch(struct an *a, struct folio *f)
{
	struct window *w = wmap_get(&a->pend, f->watch);

	f->watch = 0;
	if (w && --w->watchers == 0 && w->closed)
		window_done(a, w);
}

/* The punch of task state t finished: judge its window, watch hit folios. */
static void close_window(struct an *a, struct tstate *t)
{
	struct window *w = wmap_get(&a->pend, t->punching);

	t->punching = 0;
	if (!w)
		return;
	if (w->first < 0) {		/* no extent events: use the reservation */
		w->first = t->alloc_first;
		w->last = t->alloc_first + (t->alloc_count > 0 ? t->alloc_count : 1) - 1;
		w->range_inferred = 1;
	}
	judge(a, w);
	if (w->verdict == V_HIT) {
		for (int64_t i = w->first; i <= w->last && i - w->first < 4096; i++) {
			struct folio *f = folio_get(&a->fm, w->ino, i, 0);

			if (f && f->dirty && f->dirtied_by != w->pid && f->watch != w->wid) {
				unwatch(a, f);
				f->watch = w->wid;
				w->watchers++;
			}
		}
	}
	w->closed = 1;
	if (!w->watchers)
		window_done(a, w);
}

/* The writer's last progress: where its next window (cleanup) may start. */
static void mark_progress(struct tstate *t, int64_t id, const struct ft_event *ev)
{
	t->last_progress = id;
	t->last_progress_ts = (int64_t)ev->ts;
}

static void open_window(struct an *a, struct tstate *t, int64_t id, const struct ft_event *ev)
{
	struct window *w = calloc(1, sizeof(*w));

	if (!w || (w->wid = ++a->nw, wmap_put(&a->pend, w) < 0)) {
		free(w);
		a->err = 1;
		return;
	}
	w->family = "delalloc_punch";
	w->dev = ev->v[FT_C_DEV];
	w->ino = ev->v[FT_C_INO];
	w->pid = t->pid;
	w->end_id = id;
	w->end_ts = (int64_t)ev->ts;
	/*
	 * The cleanup (truncate_pagecache_range, the release scan) has no
	 * tracepoint and may start right after the writer's last progress: the
	 * window is everything after that event (exclusive) up to the punch.
	 */
	w->start_id = t->last_progress ? t->last_progress : id;
	w->start_ts = t->last_progress ? t->last_progress_ts : (int64_t)ev->ts;
	w->first = w->last = -1;
	w->verdict = V_UNSAFE;
	if (t->mmap_excl)
		w->lock = "invalidate_lock (MMAPLOCK) exclusive, traced";
	else if (a->caps.punch_holds_inval)
		w->lock = a->implied_lock;
	t->punching = w->wid;
}

static void extent_range(struct an *a, struct window *w, int64_t off, int64_t len)
{
	int64_t first, last;

	if (off < 0 || len <= 0 || len > (1LL << 40) || off > (1LL << 40))
		return;
	/* file blocks -> pages */
	first = (off << a->block_shift) >> a->page_shift;
	last = (((off + len) << a->block_shift) - 1) >> a->page_shift;
	if (w->first < 0 || first < w->first)
		w->first = first;
	if (last > w->last)
		w->last = last;
}

static int64_t range_pages(struct an *a, const struct ft_event *ev, int64_t *count)
{
	int64_t first = ev->v[FT_C_OFFSET] >> a->page_shift;
	int64_t len = ft_event_has(ev, FT_C_LENGTH) ? ev->v[FT_C_LENGTH] : 1;
	int64_t last = (ev->v[FT_C_OFFSET] + (len > 0 ? len : 1) - 1) >> a->page_shift;

	*count = last - first + 1;
	return first;
}

/* A hit's folio met its fate: the window's verdict becomes loss. */
static void mark_loss(struct an *a, struct folio *f, int64_t idx, const char *how, int64_t id)
{
	struct window *w = wmap_get(&a->pend, f->watch);

	if (!w)
		return;

	w->verdict = V_LOSS;
	if (racing_of(a, w))
		snprintf(w->racing + strlen(w->racing), RACING_LEN - strlen(w->racing),
			 "; folio %lld %s at event %lld", (long long)idx, how, (long long)id);
}

/* A lifetime ended (or the trace did): count it.  Lifetimes are not stored:
 * the folios view computes them from the events when asked. */
static void folio_lifetime_end(struct an *a, struct folio *f)
{
	if (!f->live)
		return;
	f->live = 0;
	a->r->folios++;
}

static void lock_ops(struct an *a, int t, const struct ft_event *ev, int64_t id, int release)
{
	static const struct { int mask, excl, cls; } classes[] = {
		{ 0x03, 0x01, FT_LOCK_IOLOCK },
		{ 0x0c, 0x04, FT_LOCK_ILOCK },
		{ 0x30, 0x10, FT_LOCK_MMAPLOCK },
	};
	int f = ft_event_has(ev, FT_C_FLAGS) ? (int)ev->v[FT_C_FLAGS] : 0;

	for (int i = 0; i < 3; i++) {
		uint64_t key;

		if (!(f & classes[i].mask))
			continue;
		key = lock_key(ev->v[FT_C_DEV], ev->v[FT_C_INO], classes[i].cls);
		if (release)
			hb_release(a->hb, t, key, !!(f & classes[i].excl), id, 0);
		else
			hb_acquire(a->hb, t, key, !!(f & classes[i].excl), id, 0);
	}
}

/* --- detectors -------------------------------------------------------------
 *
 * A race family is one row of detectors[]: on_event sees every event in
 * order (after happens-before, before the shared task and folio state are
 * updated for it) and opens, extends and closes that family's windows;
 * on_end closes what the trace left open.  Windows are judged with judge()
 * or a family's own rules and written by window_done() once final.
 */

static void punch_on_event(struct an *a, struct tstate *ts, int t, int64_t id,
			   const struct ft_event *ev, enum role role)
{
	int f = ft_event_has(ev, FT_C_FLAGS) ? (int)ev->v[FT_C_FLAGS] : 0;
	int64_t ino = ft_event_has(ev, FT_C_INO) ? ev->v[FT_C_INO] : -1;

	switch (ev->kind) {
	case FT_K_ILOCK:
		/* the punch of a buffered write's failed tail: the window closes */
		if ((f & 0x04) && role == R_PUNCH && ts->in_write && ino == ts->write_ino &&
		    !ts->punching && ft_event_has(ev, FT_C_DEV)) {
			if (a->caps.punch_holds_inval && !ts->mmap_excl)
				hb_acquire(a->hb, t, lock_key(ev->v[FT_C_DEV], ino, FT_LOCK_MMAPLOCK),
					   1, id, 1);
			open_window(a, ts, id, ev);
		}
		break;
	case FT_K_IUNLOCK:
		if ((f & 0x04) && role == R_PUNCH && ts->punching && ft_event_has(ev, FT_C_DEV)) {
			if (a->caps.punch_holds_inval && !ts->mmap_excl)
				hb_release(a->hb, t, lock_key(ev->v[FT_C_DEV], ino, FT_LOCK_MMAPLOCK),
					   1, id, 1);
			close_window(a, ts);
			mark_progress(ts, id, ev);
		}
		if ((f & 0x01) && ts->in_write && ino == ts->write_ino && ts->punching)
			close_window(a, ts);
		break;
	case FT_K_IEXT_REMOVE:
	case FT_K_BMAP_PRE_UPDATE:
	case FT_K_BMAP_POST_UPDATE:
	case FT_K_IEXT_INSERT:
		if (ts->punching && role == R_DEL_DELAY) {
			struct window *w = wmap_get(&a->pend, ts->punching);

			/* Removed blocks: a whole removal, or the pre-update extent
			 * minus what the post-update keeps. */
			if (ev->kind == FT_K_IEXT_REMOVE) {
				extent_range(a, w, ev->v[FT_C_EXT_OFF], ev->v[FT_C_EXT_LEN]);
			} else if (ev->kind == FT_K_BMAP_PRE_UPDATE) {
				ts->pre_off = ev->v[FT_C_EXT_OFF];
				ts->pre_len = ev->v[FT_C_EXT_LEN];
			} else if (ev->kind == FT_K_BMAP_POST_UPDATE && ts->pre_len > 0) {
				int64_t po = ev->v[FT_C_EXT_OFF], pl = ev->v[FT_C_EXT_LEN];
				int64_t pre_end = ts->pre_off + ts->pre_len;

				if (po == ts->pre_off && po + pl < pre_end)	/* tail removed */
					extent_range(a, w, po + pl, pre_end - (po + pl));
				else if (po > ts->pre_off)			/* head removed */
					extent_range(a, w, ts->pre_off, po - ts->pre_off);
				ts->pre_len = 0;
			}
		}
		break;
	default:
		break;
	}
}

static void punch_on_end(struct an *a)
{
	for (int t = 0; t < a->nts; t++)
		if (a->ts[t].punching)
			close_window(a, &a->ts[t]);
}

static const struct detector {
	const char *family;
	void (*on_event)(struct an *a, struct tstate *ts, int t, int64_t id,
			 const struct ft_event *ev, enum role role);
	void (*on_end)(struct an *a);
} detectors[] = {
	{ "delalloc_punch", punch_on_event, punch_on_end },
};

#define NDETECTORS (sizeof(detectors) / sizeof(detectors[0]))

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
	hb_event(a->hb, t, id);
	s = sym(a, ev);
	role = s ? (enum role)a->roles[ev->v[FT_C_CALLER]] : R_NONE;
	/* Detectors see the event with the task state from before it. */
	for (size_t d = 0; d < NDETECTORS; d++)
		detectors[d].on_event(a, ts, t, id, ev, role);

	switch (ev->kind) {
	case FT_K_ILOCK:
	case FT_K_ILOCK_NOWAIT:
		if (!has_ino)
			break;
		lock_ops(a, t, ev, id, 0);
		if (ft_event_has(ev, FT_C_FLAGS)) {
			int f = (int)ev->v[FT_C_FLAGS];

			if ((f & 0x01) && role == R_WRITE && !ts->in_write) {
				ts->in_write = 1;
				ts->write_ino = ino;
				ts->alloc_count = 0;
				mark_progress(ts, id, ev);
			}
			if (f & 0x10)
				ts->mmap_excl++;
			if (f & 0x01)
				ts->io_excl++;
		}
		break;
	case FT_K_IUNLOCK:
		if (!has_ino)
			break;
		lock_ops(a, t, ev, id, 1);
		if (ft_event_has(ev, FT_C_FLAGS)) {
			int f = (int)ev->v[FT_C_FLAGS];

			if ((f & 0x10) && ts->mmap_excl)
				ts->mmap_excl--;
			if ((f & 0x01) && ts->io_excl)
				ts->io_excl--;
			if ((f & 0x20) && ts->in_fault)
				ts->in_fault = 0;
			if ((f & 0x01) && ts->in_write && ino == ts->write_ino)
				ts->in_write = 0;
		}
		break;
	case FT_K_SCHED_WAKEUP:
		if (ft_event_has(ev, FT_C_PEER_PID)) {
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
		} else if (ts->in_write && ino == ts->write_ino) {
			if (ev->kind == FT_K_IOMAP_ALLOC)
				ts->alloc_first = range_pages(a, ev, &ts->alloc_count);
			progress = 1;
		}
		break;
	case FT_K_PAGE_ADD:
	case FT_K_PAGE_DELETE:
	case FT_K_DIRTY:
		if (!has_ino || !ft_event_has(ev, FT_C_FINDEX)) {
			if (ev->kind != FT_K_DIRTY || !ft_event_has(ev, FT_C_INO))
				break;
			ino = ev->v[FT_C_INO];	/* dirty events name the bdi, not always a dev */
			if (!ft_event_has(ev, FT_C_FINDEX))
				break;
		}
		{
			int64_t idx = ev->v[FT_C_FINDEX];
			struct folio *f = folio_get(&a->fm, ino, idx, 1);
			int order = ft_event_has(ev, FT_C_FORDER) ? (int)ev->v[FT_C_FORDER] : 0;

			if (!f) {
				a->err = 1;
				break;
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
			if (ev->kind == FT_K_PAGE_ADD) {
				f->cached = 1;
				f->dirty = 0;
				f->order = (uint8_t)(order < 0 || order > 20 ? 0 : order);
				folio_lifetime_end(a, f);	/* a re-add ends the old one */
				f->live = 1;
				hist_add(a, id, ev->pid, H_ADD, ino, idx, 1LL << f->order, 0);
				if (a->caps.has_inval && !(ts->in_write && ino == ts->write_ino)) {
					/* filemap_fault/readahead insert under invalidate_lock S */
					uint64_t key = lock_key(ev->v[FT_C_DEV], ino, FT_LOCK_MMAPLOCK);

					hb_acquire(a->hb, t, key, 0, id, 1);
					hb_release(a->hb, t, key, 0, id, 1);
				}
				if (ts->in_write && ino == ts->write_ino)
					progress = 1;
			} else if (ev->kind == FT_K_PAGE_DELETE) {
				hist_add(a, id, ev->pid, H_DELETE, ino, idx, 1LL << f->order,
					 f->dirty ? f->dirtied_by : 0);
				/* A truncate or hole punch owns its range (IOLOCK and
				 * MMAPLOCK exclusive): discarding dirty data there is
				 * what the user asked for, not a loss. */
				if (f->dirty && f->watch && !(ts->io_excl && ts->mmap_excl))
					mark_loss(a, f, idx, "deleted while dirty", id);
				folio_lifetime_end(a, f);
				f->cached = f->dirty = 0;
				if (f->watch)
					unwatch(a, f);
				fmap_maybe_dead(&a->fm, ino, idx);
			} else {
				f->dirty = 1;
				f->dirtied_by = ev->pid;
				hist_add(a, id, ev->pid, H_DIRTY, ino, idx, 1LL << f->order, 0);
				if (ts->in_write && ino == ts->write_ino)
					progress = 1;
			}
		}
		break;
	case FT_K_WRITEBACK_FOLIO:
		if (has_ino && ft_event_has(ev, FT_C_OFFSET)) {
			int64_t n, first = range_pages(a, ev, &n);

			for (int64_t i = 0; i < n && i < 4096; i++) {
				struct folio *f = folio_get(&a->fm, ino, first + i, 0);

				if (f && f->dirty) {
					f->dirty = 0;
					/* keep watch: the mapping decides below */
				}
			}
		}
		break;
	case FT_K_MAP_BLOCKS_FOUND:
	case FT_K_MAP_BLOCKS_ALLOC:
		if (has_ino && ft_event_has(ev, FT_C_OFFSET) && ft_event_has(ev, FT_C_EXT_BLOCK) &&
		    ev->v[FT_C_EXT_BLOCK] == -2) {
			int64_t n, first = range_pages(a, ev, &n);

			for (int64_t i = 0; i < n && i < 4096; i++) {
				struct folio *f = folio_get(&a->fm, ino, first + i, 0);

				if (f && f->watch) {
					mark_loss(a, f, first + i, "written back over a hole", id);
					unwatch(a, f);
				}
			}
		}
		break;
	default:
		break;
	}
	/* The window opens at the writer's first event after its last progress. */
	if (ts->in_write && progress)
		mark_progress(ts, id, ev);
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


int analyze_run_opts(struct store *s, const struct analyze_opts *o, struct analyze_result *r,
		     struct ft_err *e)
{
	struct an an = { .s = s, .r = r, .e = e }, *a = &an;
	struct store_iter *it = NULL;
	struct store_event se;
	char sql[512];
	int64_t bs, ps;
	int ret;

	memset(r, 0, sizeof(*r));
	a->trace_id = q_int(a, "SELECT id FROM traces WHERE complete = 1 ORDER BY id DESC LIMIT 1");
	if (a->qerr)
		return ft_error(e, -EIO, "%s: reading the database: %s", store_path(s),
				sqlite3_errmsg(store_db(s)));
	if (a->trace_id <= 0)
		return ft_error(e, -EINVAL, "%s: no complete trace to analyse (an interrupted "
				"import or recording?)", store_path(s));
	snprintf(sql, sizeof(sql), "SELECT n_events FROM traces WHERE id = %lld",
		 (long long)a->trace_id);
	r->events = (uint64_t)q_int(a, sql);
	if (variant_detect(s, a->trace_id, o ? o->variant : NULL, &a->caps, e) < 0)
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
	if (!has_event(a, "sched_wakeup"))
		note(r, "sched_wakeup not recorded: no wakeup happens-before edges");
	if (!has_event(a, "xfs_map_blocks_found") && !has_event(a, "xfs_map_blocks_alloc"))
		note(r, "no xfs_map_blocks_* events in the trace (not recorded, or no writeback): "
		     "writeback over holes (loss) cannot be seen");
	if (store_symbols(s, &a->syms, &a->nsyms, e) < 0)
		return -1;
	a->roles = calloc((size_t)a->nsyms + 1, 1);
	for (int64_t i = 0; a->roles && i < a->nsyms; i++)
		a->roles[i] = (unsigned char)role_of(a->syms[i]);
	a->hist = calloc(HIST, sizeof(*a->hist));
	a->hb = hb_new(on_edge, a);
	if (!a->hist || !a->hb || !a->roles || load_gaps(a) < 0 || a->qerr) {
		ret = a->qerr ? ft_error(e, -EIO, "%s: reading the database: %s", store_path(s),
					 sqlite3_errmsg(store_db(s))) :
			ft_error(e, -ENOMEM, "out of memory");
		goto out;
	}
	if (a->unlocalized_loss)
		note(r, "the ring buffer lost events that no gap places in time: every window "
		     "without a hit is unknown");
	ret = store_begin(s, e);
	if (ret < 0)
		goto out;
	/* Previous results of this trace go (hb_edges has no trace column: with
	 * one trace in the database they all go, which SQLite does at once). */
	snprintf(sql, sizeof(sql), "DELETE FROM windows WHERE trace_id = %lld; "
		 "%s DELETE FROM meta WHERE key LIKE 'analysis:%lld:%%';", (long long)a->trace_id,
		 q_int(a, "SELECT count(*) FROM traces") == 1 ? "DELETE FROM hb_edges;" :
		 "DELETE FROM hb_edges WHERE src IN (SELECT id FROM events WHERE trace_id = "
		 "(SELECT max(id) FROM traces WHERE complete = 1));", (long long)a->trace_id);
	ret = store_exec(s, sql, e);
	if (ret == 0)
		ret = store_exec(s, "PRAGMA cache_size = -65536;", e);
	a->wid_base = q_int(a, "SELECT coalesce(max(id), 0) FROM windows");
	if (ret == 0 && a->qerr)
		ret = ft_error(e, -EIO, "%s: reading the database: %s", store_path(s),
			       sqlite3_errmsg(store_db(s)));
	if (ret < 0)
		goto out;
	if (sqlite3_prepare_v2(store_db(s), "INSERT OR IGNORE INTO hb_edges (src, dst, why, implied) "
			       "VALUES (?, ?, ?, ?)", -1, &a->ins_edge, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_db(s), "INSERT INTO windows (trace_id, family, verdict, dev, ino, "
			       "start_event, end_event, start_ns, end_ns, first_index, last_index, tasks, "
			       "evidence, id) VALUES (?1, ?13, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
			       "?14)", -1, &a->ins_window, NULL) != SQLITE_OK) {
		ret = ft_error(e, -EIO, "%s: %s", store_path(s), sqlite3_errmsg(store_db(s)));
		goto out;
	}
	{
		/* Only the kinds a step or a detector looks at. */
		static const int used[] = {
			FT_K_ILOCK, FT_K_ILOCK_NOWAIT, FT_K_IUNLOCK, FT_K_SCHED_WAKEUP,
			FT_K_WRITE_FAULT, FT_K_IOMAP_ALLOC, FT_K_IOMAP_FOUND, FT_K_PAGE_ADD,
			FT_K_PAGE_DELETE, FT_K_DIRTY, FT_K_WRITEBACK_FOLIO, FT_K_MAP_BLOCKS_FOUND,
			FT_K_MAP_BLOCKS_ALLOC, FT_K_IEXT_REMOVE, FT_K_IEXT_INSERT,
			FT_K_BMAP_PRE_UPDATE, FT_K_BMAP_POST_UPDATE,
		};
		char kinds[256] = "";
		size_t n = 0;

		for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++)
			n += (size_t)snprintf(kinds + n, sizeof(kinds) - n, "%s%d", i ? "," : "", used[i]);
		ret = store_iter_open_kinds(s, a->trace_id, -1, kinds, &it, e);
	}
	if (ret < 0)
		goto out;
	if (!store_iter_packed(it))
		note(r, "no complete event blocks for this trace (a damaged database?): events "
		     "read row by row, which is slower");
	while ((ret = store_iter_next(it, &se, e)) > 0) {
		step(a, se.id, &se.ev);
		r->relevant++;
		if (a->err)
			break;
	}
	if (ret < 0)
		goto out;
	for (size_t d = 0; d < NDETECTORS; d++)
		detectors[d].on_end(a);
	for (uint64_t i = 0; i < a->fm.cap; i++)
		for (int j = 0; a->fm.slot[i] && j < FCHUNK; j++)
			folio_lifetime_end(a, &a->fm.slot[i]->f[j]);
	/* What is still pending is final now: the trace ended. */
	{
		struct window **left = calloc(a->pend.n + 1, sizeof(*left));
		uint64_t nl = 0;

		for (uint64_t i = 0; left && i < a->pend.cap; i++)
			if (a->pend.slot[i])
				left[nl++] = a->pend.slot[i];
		for (uint64_t i = 0; i < nl; i++)
			window_done(a, left[i]);
		if (!left)
			a->err = 1;
		free(left);
	}
	if (a->err) {
		ret = ft_error(e, -EIO, "%s: writing the analysis failed: %s", store_path(s),
			       sqlite3_errmsg(store_db(s)));
		goto out;
	}
	hb_stats(a->hb, &r->hb_joins, &r->hb_entries, &r->hb_edges);
	{
		sqlite3_stmt *st = NULL;
		int ok = sqlite3_prepare_v2(store_db(s), "INSERT OR REPLACE INTO meta VALUES (?, ?)", -1,
					    &st, NULL) == SQLITE_OK;
		char key[64];

		snprintf(key, sizeof(key), "analysis:%lld:notes", (long long)a->trace_id);
		if (ok) {
			sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 2, r->notes, -1, SQLITE_STATIC);
			ok = sqlite3_step(st) == SQLITE_DONE;
			sqlite3_reset(st);
		}
		snprintf(key, sizeof(key), "analysis:%lld:variant", (long long)a->trace_id);
		if (ok) {
			sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 2, r->variant, -1, SQLITE_STATIC);
			ok = sqlite3_step(st) == SQLITE_DONE;
		}
		sqlite3_finalize(st);
		if (!ok) {
			ret = ft_error(e, -EIO, "%s: writing the analysis failed: %s", store_path(s),
				       sqlite3_errmsg(store_db(s)));
			goto out;
		}
	}
	ret = store_commit(s, e);
out:
	store_iter_close(it);
	sqlite3_finalize(a->ins_edge);
	if (ret < 0)
		store_rollback(s);	/* previous results stay as they were */
	hb_free(a->hb);
	store_symbols_free(a->syms, a->nsyms);
	free(a->roles);
	free(a->hist);
	sqlite3_finalize(a->ins_window);
	for (uint64_t i = 0; i < a->pend.cap; i++)
		if (a->pend.slot[i]) {
			free(a->pend.slot[i]->racing);
			free(a->pend.slot[i]);
		}
	free(a->pend.slot);
	free(a->ts);
	fmap_free(&a->fm);
	free(a->gaps);
	return ret < 0 ? ret : 0;
}

int analyze_run(struct store *s, struct analyze_result *r, struct ft_err *e)
{
	return analyze_run_opts(s, NULL, r, e);
}
