/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * windows.c - the life of a window (open -> end at the grant -> closed and
 * judged -> pending while it watches folios -> written), and the fates of
 * folios that turn windows into losses.  The life cycle and the verdict
 * rules are drawn in analyze.c's design block.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"

/* --- pending windows by wid ------------------------------------------------ */

static struct window **wmap_pos(struct wmap *m, int64_t wid)
{
	uint64_t k = ((uint64_t)wid * 0x9E3779B97F4A7C15ull >> 20) & (m->cap - 1);

	while (m->slot[k] && m->slot[k]->wid != wid)
		k = (k + 1) & (m->cap - 1);
	return &m->slot[k];
}

struct window *window_get(struct an *a, int64_t wid)
{
	return a->pend.cap && wid > 0 ? *wmap_pos(&a->pend, wid) : NULL;
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

/* The evidence text of w; out of memory fails the analysis (a->err). */
char *window_racing(struct an *a, struct window *w)
{
	if (!w->racing && !(w->racing = calloc(1, RACING_LEN)))
		a->err = 1;
	return w->racing;
}

/* Appends to w's evidence (cut at RACING_LEN). */
static void evidence(struct an *a, struct window *w, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void evidence(struct an *a, struct window *w, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!window_racing(a, w))
		return;
	n = strlen(w->racing);
	va_start(ap, fmt);
	vsnprintf(w->racing + n, RACING_LEN - n, fmt, ap);
	va_end(ap);
}

static void add_racer(struct window *w, int pid)
{
	for (int i = 0; i < w->nracers; i++)
		if (w->racers[i] == pid)
			return;
	if (w->nracers < 8 && pid != w->pid)
		w->racers[w->nracers++] = pid;
}

/* --- writing ------------------------------------------------------------------ */

static void json_text(char *out, size_t n, const char *s)
{
	size_t k = 0;

	for (; s && *s && k + 7 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			k += (size_t)snprintf(out + k, n - k, "\\%c", c);
		else if (c < 0x20)
			k += (size_t)snprintf(out + k, n - k, "\\u%04x", c);
		else
			out[k++] = (char)c;
	}
	out[k] = '\0';
}

/* Writes a judged window (its id: wid_base + wid). */
static void write_window(struct an *a, struct window *w)
{
	sqlite3_stmt *st = a->ins_window;
	char tasks[160], ev[RACING_LEN * 2 + 640], racing[RACING_LEN * 2], loss[96];
	size_t n, nl;

	n = (size_t)snprintf(tasks, sizeof(tasks), "[%d", w->pid);
	for (int k = 0; k < w->nracers && n < sizeof(tasks) - 16; k++)
		if (w->racers[k] != w->pid)
			n += (size_t)snprintf(tasks + n, sizeof(tasks) - n, ",%d", w->racers[k]);
	snprintf(tasks + n, sizeof(tasks) - n, "]");
	json_text(racing, sizeof(racing), w->racing ? w->racing : "");
	nl = (size_t)snprintf(loss, sizeof(loss), "[");
	for (int k = 0; k < w->nloss; k++)
		nl += (size_t)snprintf(loss + nl, sizeof(loss) - nl, "%s%lld", k ? "," : "",
				       (long long)w->loss_ids[k]);
	snprintf(loss + nl, sizeof(loss) - nl, "]");
	snprintf(ev, sizeof(ev),
		 "{\"writer\":%d,\"lock\":\"%s\",\"implied\":%s,\"range_inferred\":%s,"
		 "\"racing\":\"%s\",\"variant\":\"%s\",\"end\":\"%s\",\"loss_events\":%s}",
		 w->pid, w->lock ? w->lock : "", w->lock && strstr(w->lock, "implied") ? "true" : "false",
		 w->range_inferred ? "true" : "false", racing, variant_name(a->caps.var),
		 w->granted ? "grant" : "request", loss);
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
	/* every folio its cleanup dropped was stored again after a retried
	 * fault: the trace cannot say whether data was lost */
	if (w->verdict == V_DROPPED && w->drops && w->retried == w->drops)
		w->verdict = V_UNKNOWN;
	write_window(a, w);
	wmap_del(&a->pend, w->wid);
	free(w->racing);
	free(w);
}

void folio_unwatch(struct an *a, struct folio *f)
{
	struct window *w = window_get(a, f->watch);

	f->watch = 0;
	if (w && --w->watchers == 0 && w->closed)
		window_done(a, w);
}

/* --- opening ------------------------------------------------------------------ */

/*
 * A window from start_id to start_id, verdict unsafe, no pages yet: in the
 * pending map until judged (window_close, or window_write_judged for a
 * detector that judges its own, stale.c).
 */
struct window *window_new(struct an *a, const char *family, int pid, int64_t dev, int64_t ino,
			  int64_t start_id, int64_t start_ts)
{
	struct window *w = calloc(1, sizeof(*w));

	if (!w || (w->wid = ++a->nw, wmap_put(&a->pend, w) < 0)) {
		free(w);
		a->err = 1;
		return NULL;
	}
	w->family = family;
	w->pid = pid;
	w->dev = dev;
	w->ino = ino;
	w->start_id = w->end_id = start_id;
	w->start_ts = w->end_ts = start_ts;
	w->first = w->last = -1;
	w->verdict = V_UNSAFE;
	return w;
}

void window_write_judged(struct an *a, struct window *w)
{
	w->closed = 1;
	window_done(a, w);
}

void window_evidence(struct an *a, struct window *w, const char *text)
{
	evidence(a, w, "%s", text);
}

void window_add_racer(struct window *w, int pid)
{
	add_racer(w, pid);
}

struct window *window_open(struct an *a, struct tstate *t, const char *family, int64_t id,
			   const struct ft_event *ev)
{
	/*
	 * The cleanup (truncate_pagecache_range, the release scan) has no
	 * tracepoint and may start right after the writer's last progress: the
	 * window is everything after that event (exclusive) up to the punch.
	 */
	struct window *w = window_new(a, family, t->pid, ev->v[FT_C_DEV], ev->v[FT_C_INO],
				      t->last_progress ? t->last_progress : id,
				      t->last_progress ? t->last_progress_ts : (int64_t)ev->ts);

	if (!w)
		return NULL;
	w->end_id = id;
	w->end_ts = (int64_t)ev->ts;
	if (t->mmap_excl)
		w->lock = "invalidate_lock (MMAPLOCK) exclusive, traced";
	else if (a->caps.punch_holds_inval)
		w->lock = a->implied_lock;
	/* the cleanup's deletions of other tasks' dirty folios are this
	 * window's to judge, once their dirtiers show whether a store landed */
	for (int i = 0; i < a->npdrop; i++)
		if (a->pdrop[i].writer == t->pid && a->pdrop[i].wid == 0) {
			a->pdrop[i].wid = w->wid;
			w->drops++;
			w->watchers++;
		}
	return w;
}

/* --- judging -------------------------------------------------------------------- */

static int in_gap(struct an *a, int64_t t0, int64_t t1)
{
	if (a->unlocalized_loss)
		return 1;
	for (int i = 0; i < a->ngaps; i++)
		if (a->gaps[i].a <= t1 && a->gaps[i].b >= t0)
			return 1;
	return 0;
}

/* A contradiction of mutual exclusion on w's inode inside w? */
static const struct contra *contradicted(struct an *a, const struct window *w)
{
	for (int i = 0; i < a->ncontra; i++) {
		const struct contra *c = &a->contra[i];

		if (c->ino == w->ino && c->dev == w->dev &&
		    ((c->grant_ev >= w->start_id && c->grant_ev <= w->end_id) ||
		     (c->holder_ev >= w->start_id && c->holder_ev <= w->end_id)))
			return c;
	}
	return NULL;
}

/* Decides a window's verdict from the history between its ends. */
static void judge(struct an *a, struct window *w)
{
	struct { int64_t first, last; } dels[64];
	int ndels = 0, dropped_by = 0, before_lock = 0, nlisted = 0, ndrop = 0;
	int64_t drop_ids[4];
	const struct contra *c;

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
			if (h->was_dirty_by && h->was_dirty_by != w->pid) {
				dropped_by = h->was_dirty_by;
				if (ndrop < 4)
					drop_ids[ndrop++] = h->id;	/* newest first */
			}
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
		if (nlisted++ < 8) {
			static const char *const kn[] = { "page_add", "mkwrite_lookup", "dirty", "" };

			evidence(a, w, "%s%s@%lld(pid %d, index %lld)", nlisted > 1 ? ", " : "",
				 kn[h->kind], (long long)h->id, h->pid, (long long)h->first);
		}
		add_racer(w, h->pid);
		w->verdict = V_HIT;
	}
	if (w->verdict == V_HIT)
		return;
	if (dropped_by) {
		w->verdict = V_DROPPED;
		/* the deletions of the other tasks' dirty folios, oldest first */
		for (int k = ndrop - 1; k >= 0 && w->nloss < 4; k--)
			w->loss_ids[w->nloss++] = drop_ids[k];
		evidence(a, w, "cleanup deleted a folio dirtied by pid %d", dropped_by);
		add_racer(w, dropped_by);
		return;
	}
	if (!a->fault_events_recorded || in_gap(a, w->start_ts, w->end_ts)) {
		w->verdict = V_UNKNOWN;
		evidence(a, w, "%s", !a->fault_events_recorded ? "faults are not in the trace" :
			 "events were lost inside the window");
		return;
	}
	if (w->lock && (w->doubt || (c = contradicted(a, w)))) {
		w->verdict = V_UNKNOWN;
		if (!w->doubt)
			evidence(a, w, "the trace contradicts mutual exclusion on the inode's locks "
				 "(event %lld of pid %d under a lock granted to pid %d at event %lld)",
				 (long long)c->holder_ev, c->holder, c->task, (long long)c->grant_ev);
		return;
	}
	w->verdict = w->lock ? V_PROTECTED : V_UNSAFE;
	if (before_lock)
		evidence(a, w, "%d page-cache event(s) of other tasks on the range before the "
			 "cleanup took the lock", before_lock);
}

/*
 * A folio of the punched range that is dirty when the punch ends was
 * dirtied by another task after the cleanup (the cleanup removes or keeps
 * every folio of the range first).  If that task's fault mapped it before
 * the punch removed the extent (or, with no mapping traced, dirtied it
 * before), it is dirty over no extent and no reservation; a fault that
 * mapped it after the removal found the hole and reserved a block of its
 * own.  Only a range the punch's own extent events gave can say so.
 */
static void watch_unbacked(struct an *a, struct window *w)
{
	int hit = w->verdict == V_HIT;

	for (int64_t i = w->first; i <= w->last && i - w->first < 4096; i++) {
		struct folio *f = folio_get(&a->fm, w->ino, i, 0);

		if (!f || !f->dirty || f->dirtied_by == w->pid || f->watch == w->wid)
			continue;
		if (w->removed_id && (f->lookup_id ? f->lookup_id : f->dirty_id) > w->removed_id)
			continue;	/* mapped after the removal: its own reservation */
		if (!w->range_inferred) {
			if (w->verdict != V_HIT)
				evidence(a, w, "%sfolio %lld dirty (pid %d, event %lld) when the punch "
					 "removed its extent%s", w->racing && w->racing[0] ? "; " : "",
					 (long long)i, f->dirtied_by, (long long)f->dirty_id,
					 w->lock ? ", although the code holds the lock" : "");
			add_racer(w, f->dirtied_by);
			w->verdict = V_HIT;
		} else if (!hit) {
			continue;
		}
		folio_unwatch(a, f);
		f->watch = (int32_t)w->wid;
		w->watchers++;
	}
}

/* The punch of task state t finished: judge its window, watch hit folios. */
void window_close(struct an *a, struct tstate *t)
{
	struct window *w = window_get(a, t->punching);

	t->punching = 0;
	t->punch_wait = 0;
	if (!w)
		return;
	if (w->first < 0) {		/* no extent events: use the reservation */
		w->first = t->alloc_first;
		w->last = t->alloc_first + (t->alloc_count > 0 ? t->alloc_count : 1) - 1;
		w->range_inferred = 1;
	}
	judge(a, w);
	watch_unbacked(a, w);
	w->closed = 1;
	a->recent[a->nrecent % 256] = (struct recent){ w->wid, w->ino, w->first, w->last };
	a->nrecent++;
	if (!w->watchers)
		window_done(a, w);
}

/* What is still pending is final now: the trace ended. */
void window_flush(struct an *a)
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

void window_free_all(struct an *a)
{
	for (uint64_t i = 0; i < a->pend.cap; i++)
		if (a->pend.slot[i]) {
			free(a->pend.slot[i]->racing);
			free(a->pend.slot[i]);
		}
	free(a->pend.slot);
	memset(&a->pend, 0, sizeof(a->pend));
}

/* The trace contradicts a lock of (dev, ino): open windows there that a
 * lock protects can no longer say protected. */
void window_doubt_lock(struct an *a, int64_t dev, int64_t ino, const char *why)
{
	for (uint64_t i = 0; i < a->pend.cap; i++) {
		struct window *w = a->pend.slot[i];

		if (w && !w->closed && w->ino == ino && w->dev == dev && w->lock && !w->doubt) {
			w->doubt = 1;
			evidence(a, w, "%s", why);
		}
	}
}

/* --- the fates of folios ------------------------------------------------------- */

/* A window (pending, or already written) explains a lost folio. */
static void attribute(struct an *a, int64_t wid, int64_t idx, const char *how, int64_t id)
{
	struct window *w = window_get(a, wid);
	sqlite3_stmt *st = NULL;
	char txt[128];
	int old;

	a->r->lost_explained++;
	if (w) {
		w->verdict = V_LOSS;
		evidence(a, w, "; folio %lld %s at event %lld", (long long)idx, how, (long long)id);
		if (w->nloss < (int)(sizeof(w->loss_ids) / sizeof(w->loss_ids[0])))
			w->loss_ids[w->nloss++] = id;
		return;
	}
	/* Written already (judged before the folio's fate showed): amend its row. */
	snprintf(txt, sizeof(txt), "; folio %lld %s at event %lld", (long long)idx, how,
		 (long long)id);
	if (sqlite3_prepare_v2(store_db(a->s), "SELECT verdict FROM windows WHERE id = ?1",
			       -1, &st, NULL) != SQLITE_OK) {
		a->err = 1;
		return;
	}
	sqlite3_bind_int64(st, 1, a->wid_base + wid);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		old = verdict_from_name((const char *)sqlite3_column_text(st, 0));
		break;
	case SQLITE_DONE:
		old = -1;	/* not written: cannot happen, the window was closed */
		break;
	default:
		old = -1;
		a->err = 1;	/* the analysis fails with the database's message */
		break;
	}
	sqlite3_finalize(st);
	if (old < 0)
		return;
	if (sqlite3_prepare_v2(store_db(a->s), "UPDATE windows SET verdict = ?3, evidence = "
			       "json_set(evidence, '$.racing', json_extract(evidence, '$.racing') "
			       "|| ?2, '$.loss_events[#]', ?4) WHERE id = ?1", -1, &st, NULL) != SQLITE_OK) {
		a->err = 1;
		return;
	}
	sqlite3_bind_text(st, 3, verdict_name(V_LOSS), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 1, a->wid_base + wid);
	sqlite3_bind_text(st, 2, txt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		a->err = 1;
	sqlite3_finalize(st);
	a->r->by_verdict[old]--;
	a->r->by_verdict[V_LOSS]++;
}

/* The last closed window of the inode whose range holds idx, or 0. */
static int64_t recent_window(struct an *a, int64_t ino, int64_t idx)
{
	for (uint64_t k = 0; k < a->nrecent && k < 256; k++) {
		const struct recent *r = &a->recent[(a->nrecent - 1 - k) % 256];

		if (r->ino == ino && idx >= r->first && idx <= r->last)
			return r->wid;
	}
	return 0;
}

/* No window explains a lost folio: it is reported in a row of its own. */
void loss_unexplained(struct an *a, int64_t dev, int64_t ino, int64_t idx, int by, int64_t from,
		      int64_t id, int64_t ts, const char *how)
{
	struct window w = { 0 };
	char txt[RACING_LEN];

	a->r->lost_unexplained++;
	w.family = ft_family_name(FT_FAMILY_FOLIO_LOSS);
	w.dev = dev;
	w.ino = ino;
	w.first = w.last = idx;
	w.pid = by;
	w.start_id = from > 0 ? from : id;
	w.end_id = id;
	w.start_ts = w.end_ts = ts;
	w.verdict = V_LOSS;
	w.wid = ++a->nw;
	w.granted = 1;
	snprintf(txt, sizeof(txt), "folio %lld dirtied by pid %d at event %lld, %s at event %lld; "
		 "no window of a known race explains it", (long long)idx, by, (long long)from, how,
		 (long long)id);
	w.racing = txt;
	write_window(a, &w);
}

void folio_lost_over_hole(struct an *a, struct folio *f, int64_t ino, int64_t dev,
			  int64_t idx, int64_t id, int64_t ts)
{
	int64_t wid = f->watch ? f->watch : recent_window(a, ino, idx);

	a->r->lost_folios++;
	if (wid)
		attribute(a, wid, idx, "written back over a hole", id);
	else
		loss_unexplained(a, dev, ino, idx, f->dirtied_by, f->dirty_id, id, ts,
			    "written back over a hole");
	if (f->watch)
		folio_unwatch(a, f);
}

/*
 * Decides pending drop i: its dirtier's store had landed (lost, as counted)
 * or was retried into a new folio (retried: not counted, its window may
 * become unknown).
 */
static void pdrop_resolve(struct an *a, int i, int retried)
{
	struct pdrop d = a->pdrop[i];
	struct window *w = d.wid > 0 ? window_get(a, d.wid) : NULL;

	a->pdrop[i] = a->pdrop[--a->npdrop];
	if (retried) {
		a->r->lost_folios--;
		a->r->lost_explained--;
		if (w) {
			w->retried++;
			evidence(a, w, "; folio %lld: pid %d faulted on it again after the cleanup "
				 "deleted it and stored into the new folio (its store was retried)",
				 (long long)d.idx, d.by);
		}
	} else if (d.wid <= 0) {
		a->r->lost_explained--;
		loss_unexplained(a, d.dev, d.ino, d.idx, d.by, 0, d.id, d.ts, "deleted while dirty "
				 "by the cleanup of a write that no punch window judged");
	}
	if (w && --w->watchers == 0 && w->closed)
		window_done(a, w);
}

void pdrop_on_dirty(struct an *a, int pid, int64_t ino, int64_t idx)
{
	for (int i = a->npdrop - 1; i >= 0; i--)
		if (a->pdrop[i].by == pid)
			pdrop_resolve(a, i, a->pdrop[i].ino == ino && a->pdrop[i].idx == idx);
}

void pdrop_write_ended(struct an *a, int writer)
{
	for (int i = 0; i < a->npdrop; i++)
		if (a->pdrop[i].writer == writer && a->pdrop[i].wid == 0)
			a->pdrop[i].wid = -1;
}

void pdrop_finish(struct an *a)
{
	while (a->npdrop)
		pdrop_resolve(a, a->npdrop - 1, 0);
}

void folio_deleted_dirty(struct an *a, struct tstate *t, struct folio *f, int64_t ino,
			 int64_t dev, int64_t idx, int64_t id, int64_t ts)
{
	a->r->lost_folios++;
	if (f->watch) {
		attribute(a, f->watch, idx, "deleted while dirty", id);
		folio_unwatch(a, f);
		return;
	}
	if (t->in_write && f->dirtied_by != t->pid) {
		/* the failed write's cleanup: its window judges it (dropped),
		 * once the dirtier shows whether its store had landed */
		if (a->npdrop == (int)(sizeof(a->pdrop) / sizeof(a->pdrop[0])))
			pdrop_resolve(a, 0, 0);
		a->pdrop[a->npdrop++] = (struct pdrop){ dev, ino, idx, id, ts, 0, f->dirtied_by,
							t->pid };
		a->r->lost_explained++;
		return;
	}
	loss_unexplained(a, dev, ino, idx, f->dirtied_by, f->dirty_id, id, ts,
		    "deleted from the page cache while dirty, not by a truncate or hole punch");
}

/* --- debug checks ------------------------------------------------------------------ */

/*
 * W1. A pending window is open (not closed) or watches at least one folio.
 * W2. A closed window's range is known (first <= last) and its start
 *     precedes its end.
 * W3. The pending map counts exactly its windows.
 */
int window_check(struct an *a)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < a->pend.cap; i++) {
		const struct window *w = a->pend.slot[i];

		if (!w)
			continue;
		n++;
		if (w->closed && w->watchers <= 0)
			return -1;		/* W1 */
		if (w->closed && (w->first < 0 || w->first > w->last || w->start_id > w->end_id))
			return -1;		/* W2 */
	}
	return n == a->pend.n ? 0 : -1;	/* W3 */
}
