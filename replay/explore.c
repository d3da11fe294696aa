/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * explore.c - every interleaving of a model's tasks, up to the order of
 * independent steps: dynamic partial-order reduction with source sets and
 * sleep sets; the naive enumeration that counts traces, for the tests.
 *
 * Design
 *   Terms. An event is one step of one task; E is the sequence of events on
 *   the depth-first stack, e_i its i-th event, pre(E, i) the state before it.
 *   Two events of different tasks are dependent iff their footprints
 *   conflict (one writes an object the other reads or writes; model_impl.h).
 *   A step's footprint includes what its need() read (the lock it takes or
 *   checks), so a step that makes another task's step block or unblock
 *   conflicts with it, and independent steps commute: run in either order
 *   from a state they reach the same state, and each runs identically.
 *   Schedules that differ only by swapping adjacent independent events form
 *   one Mazurkiewicz trace and reach the same final state with the same
 *   outcome hits (each step's invariant checks read only its footprint).
 *   Happens-before (->) is the transitive closure of program order and of
 *   dependence in E's order, kept as a vector clock per event.
 *
 *   Algorithm: source-set DPOR (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014
 *   and JACM 2017, "Source-DPOR") with sleep sets.  Each node d of the stack
 *   holds the state pre(E, d), the event taken from it (task, footprint,
 *   vector clock), a backtrack set, a done set and a sleep set (task masks)
 *   with the footprints of the sleeping tasks' next steps.  When an event e'
 *   of task p is executed (and, at the end of a run, for the pending step of
 *   each task still blocked: a deadlock's last chance), every earlier event
 *   e = e_i of another task that is dependent with e' and does not happen
 *   before p's previous event is a race candidate, not only the latest one:
 *     v = notdep(e, E).p, the events after e that do not happen after e, in
 *     order, then p's step;
 *   if v is executable from pre(E, i) (checked by running it on a copy of the
 *   stored state: the notdep events always run as before, p's step must be
 *   runnable there) and no task of I(v) (the tasks whose first event in v has
 *   no dependent earlier event in v) is already in backtrack(i), one task of
 *   I(v) is added to backtrack(i), preferring one not asleep at i.  A node
 *   explores its backtrack set, starting with one enabled task not asleep;
 *   after exploring p, p goes to sleep at the node, and a child inherits the
 *   sleeping tasks whose next steps are independent of p's (same next step,
 *   same footprint, since nothing they read changed).
 *
 *   Why considering every earlier dependent event, with the executability
 *   test, matters: the step that made e' dependent last is often a lock
 *   release of the task that had taken the lock e' wants (acquire e0, ...,
 *   release e1, then e').  Reversing (e1, e') is impossible (p cannot take the
 *   lock while the owner holds it: v not executable); the race that yields
 *   new behaviour is (e0, e'), further back.  The old explorer stopped at e1
 *   and missed every run in which p takes the lock first (issue 17: window 36
 *   under prefix lost every writeback_error state).
 *
 *   Soundness (X1 below).  Source-DPOR explores a representative of every
 *   trace of maximal runs provided that, for every explored run E and every
 *   race (e, e') of E that can be reversed, a task of I(notdep(e, E).proc(e'))
 *   is in backtrack(pre(E, e)) (JACM 2017, Thm. 6.2; the proof picks, for an
 *   unexplored maximal run w, the race whose reversal notdep(e,E).p is a
 *   prefix of a run equivalent to w, hence executable).  Our candidate set
 *   contains every dependent pair (e, e') whose reversal is executable, a
 *   superset of the paper's reversible races, and runs pending steps of
 *   tasks blocked at the end as events e' too (a deadlock run whose blocked
 *   task could have gone first), so every backtrack point the proof needs is
 *   added; extra ones cost executions, not soundness.  Sleep sets only skip
 *   a task whose next step, taken here, starts runs equivalent to runs
 *   already explored from this node (Godefroid 1996).
 *   The argument needs one property of the model that the step functions
 *   must keep (model.c): a scan's reads do not stop where a value says.  The
 *   writeback's search for the next dirty folio once read pages only up to
 *   the first dirty one.  In a run where a write dirtied page 1 first, the
 *   scan read pages 0-1 and was independent of a fault dirtying page 3; the
 *   reversal of (write, scan) puts the scan first, where it reads every page
 *   and finds nothing, a step already covered by a sleep set; the run the
 *   model needed (fault, then the scan finding page 3, then the write) comes
 *   only from reversing (scan, fault) in a run where the fault ran before the
 *   scan, and that run was never taken because the two looked independent.
 *   DPOR missed 10 of 117 final states on that model and differed from the
 *   state search on 4 of ~5,800 random models.  Scans now read their whole
 *   range (wb_next_dirty, need_range_folios, wb_cache), so the dependence
 *   does not hinge on the stopping point.
 *   The check is empirical too: tests/unit/test_explore.c compares the final
 *   states and outcome classes with those of the state-space search
 *   (states.c) on thousands of random models.
 *
 *   Invariants of the search
 *   X1 every Mazurkiewicz trace of complete runs (all tasks done, or no task
 *      runnable: a deadlock) is explored at least once;
 *   X2 without wakeup trees, Source-DPOR may explore a trace more than once
 *      or start runs that sleep sets then cut (sleep_blocked): `schedules`
 *      counts complete executions, >= the traces (model_enumerate counts
 *      those; the test prints the ratio);
 *   X3 a node whose enabled tasks are all asleep is abandoned
 *      (sleep_blocked); it is not a schedule.
 *
 *   Costs.  A node keeps one state (struct model) and footprints; successors
 *   are computed when taken (one step each), so a node costs one copy and
 *   one step; the stack grows on demand.  Race detection is O(depth) per
 *   event for candidates, and a candidate that needs checking costs a copy
 *   and at most depth steps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "explore_impl.h"

struct xnode {
	struct model s;				/* pre(E, d) */
	struct mfp rd, wr;			/* footprint of the event taken */
	uint16_t clock[MODEL_MAX_TASKS];	/* its vector clock: 1 + index of the
						 * latest event of each task -> it */
	int16_t last[MODEL_MAX_TASKS];		/* each task's latest event before d */
	int ndef;				/* deferred races before event d */
	uint16_t enabled, backtrack, done, sleep;
	uint8_t task;
	struct mfp srd[MODEL_MAX_TASKS], swr[MODEL_MAX_TASKS];	/* sleepers' next steps */
};

#define XMAX_DEFER 4096

struct xctx {
	struct xnode *node;
	struct {
		int16_t i, j;
		int8_t p;
	} def[XMAX_DEFER];			/* deferred races of the events on the stack */
	int ndef, def_lost;
	size_t cap;
	int ntasks;
	const struct model_explore_opts *o;
	struct model_explore *x;
	struct model scratch;
	struct mfp vrd[MODEL_MAX_RUN + 1], vwr[MODEL_MAX_RUN + 1];
	uint8_t path[MODEL_MAX_RUN];
	struct finals fin;
	uint64_t next_poll;
};

static int conflict(struct mfp ar, struct mfp aw, struct mfp br, struct mfp bw)
{
	return fp_conflict(ar, aw, br, bw);
}

static int grow(struct xctx *c, size_t d)
{
	size_t ncap;
	struct xnode *n;

	if (d < c->cap)
		return 0;
	ncap = c->cap * 2 > d + 1 ? c->cap * 2 : d + 1;
	if (ncap > MODEL_MAX_RUN + 1)
		ncap = MODEL_MAX_RUN + 1;
	n = realloc(c->node, ncap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	c->node = n;
	c->cap = ncap;
	return 0;
}

/* Adds a task of init to backtrack(i) unless one is there. */
static void add_backtrack(struct xctx *c, struct xnode *ni, uint16_t init)
{
	uint16_t pick;

	if (!init || (init & ni->backtrack))
		return;
	pick = init & (uint16_t)~ni->sleep;
	if (!pick) {
		pick = init;
		c->x->woken++;	/* counted: every initial asleep, covered by the sleep set */
	}
	ni->backtrack |= (uint16_t)(pick & -pick);
	c->x->races++;
}

/*
 * The race (e_i, e'): e' is task p's step after E[0..end).  Adds a task of
 * I(notdep(e_i).p) to backtrack(i) unless one is there; when p cannot run
 * after notdep(e_i) (it waits for something a later event gives back), the
 * pair is deferred to the end of the run (extend()).
 */
static void reverse(struct xctx *c, int i, int end, int p)
{
	struct xnode *ni = &c->node[i];
	int q = ni->task, nv = 0;
	uint16_t init = 0, seen = 0;
	struct model *s = &c->scratch;

	/* the initials of notdep(e_i, E), exact from the clocks */
	for (int k = i + 1; k < end; k++) {
		const struct xnode *nk = &c->node[k];
		int r = nk->task, first = 1;

		if (nk->clock[q] >= i + 1)
			continue;	/* e_i -> e_k */
		if (seen & (1u << r))
			continue;
		seen |= (uint16_t)(1u << r);
		for (int t = 0; t < c->ntasks && first; t++)
			if (t != r && nk->clock[t] >= i + 2)
				first = 0;
		if (first)
			init |= (uint16_t)(1u << r);
	}
	if (init & ni->backtrack)
		return;
	/* run v from pre(E, i) */
	model_copy_state(s, &ni->s);
	for (int k = i + 1; k < end; k++) {
		const struct xnode *nk = &c->node[k];

		if (nk->clock[q] >= i + 1)
			continue;
		if (!model_runnable(s, nk->task))
			return;		/* cannot happen: e_k is independent of e_i */
		model_step_raw(s, nk->task);
		c->vrd[nv] = nk->rd;
		c->vwr[nv++] = nk->wr;
		c->x->steps++;
	}
	if (!model_runnable(s, p)) {	/* not executable yet */
		if (c->ndef < XMAX_DEFER) {
			c->def[c->ndef].i = (int16_t)i;
			c->def[c->ndef].j = (int16_t)end;
			c->def[c->ndef].p = (int8_t)p;
			c->ndef++;
		} else {
			c->def_lost = 1;
		}
		return;
	}
	if (!(seen & (1u << p))) {
		int indep = 1;

		model_step_raw(s, p);
		c->x->steps++;
		for (int k = 0; k < nv && indep; k++)
			indep = !fp_conflict(c->vrd[k], c->vwr[k], s->rd, s->wr);
		if (indep)
			init |= (uint16_t)(1u << p);
	}
	add_backtrack(c, ni, init);
}

/*
 * A deferred race (e_i, e_j) at the end of a run of n events: p = task of
 * e_j could not run right after notdep(e_i, E[0..j)).  Runs the events of
 * notdep(e_i, E[0..n)) in order from pre(E, i), and as soon as p can run
 * (after an event past j) takes v = that prefix.p; its initials come from
 * the footprints of the run.
 */
static void extend(struct xctx *c, int i, int j, int p, int n)
{
	struct xnode *ni = &c->node[i];
	int q = ni->task, nv = 0, ok = 0;
	uint8_t vt[MODEL_MAX_RUN + 1];
	uint16_t init = 0, seen = 0;
	struct model *s = &c->scratch;

	model_copy_state(s, &ni->s);
	for (int k = i + 1; k < n && !ok; k++) {
		const struct xnode *nk = &c->node[k];

		if (nk->clock[q] >= i + 1)
			continue;
		if (!model_runnable(s, nk->task))
			return;
		model_step_raw(s, nk->task);
		c->x->steps++;
		vt[nv] = nk->task;
		c->vrd[nv] = nk->rd;
		c->vwr[nv++] = nk->wr;
		if (k > j && model_runnable(s, p))
			ok = 1;
	}
	if (!ok)
		return;
	model_step_raw(s, p);
	c->x->steps++;
	vt[nv] = (uint8_t)p;
	c->vrd[nv] = s->rd;
	c->vwr[nv++] = s->wr;
	for (int k = 0; k < nv; k++) {
		int first = !(seen & (1u << vt[k]));

		seen |= (uint16_t)(1u << vt[k]);
		for (int m = 0; m < k && first; m++)
			if (fp_conflict(c->vrd[m], c->vwr[m], c->vrd[k], c->vwr[k]))
				first = 0;
		if (first)
			init |= (uint16_t)(1u << vt[k]);
	}
	add_backtrack(c, ni, init);
}

/* At the end of a run of n events: the deferred races of its events. */
static void extend_all(struct xctx *c, int n)
{
	for (int k = 0; k < c->ndef; k++)
		if (c->def[k].j < n)
			extend(c, c->def[k].i, c->def[k].j, c->def[k].p, n);
}

/* Race candidates for task p's step (rd/wr) after E[0..end). */
static void races(struct xctx *c, int end, int p, struct mfp rd, struct mfp wr)
{
	int lastp = c->node[end].last[p];

	for (int i = end - 1; i >= 0; i--) {
		const struct xnode *ni = &c->node[i];
		int q = ni->task;

		if (q == p || !conflict(ni->rd, ni->wr, rd, wr))
			continue;
		if (lastp >= 0 && c->node[lastp].clock[q] >= i + 1)
			continue;	/* e_i -> p's previous step */
		reverse(c, i, end, p);
	}
}

/* The pending steps of the unfinished tasks that cannot run at node d. */
static void pending_races(struct xctx *c, int d)
{
	struct xnode *nd = &c->node[d];

	for (int p = 0; p < c->ntasks; p++) {
		int mode, lock;
		struct mfp rd, wr;

		if (nd->s.t[p].done || (nd->enabled & (1u << p)))
			continue;
		nd->s.rd = (struct mfp){ 0 };
		lock = model_need(&nd->s, p, &mode);
		rd = nd->s.rd;
		wr = lock >= 0 ? model_lock_bit(lock) : (struct mfp){ 0 };
		races(c, d, p, rd, wr);
		nd = &c->node[d];
	}
}

static void explore(struct xctx *c, int d)
{
	struct xnode *nd = &c->node[d];
	struct model_explore *x = c->x;
	uint16_t cand;

	x->states++;
	nd->enabled = 0;
	for (int p = 0; p < c->ntasks; p++)
		if (model_runnable(&nd->s, p))
			nd->enabled |= (uint16_t)(1u << p);
	if (!nd->enabled || d == MODEL_MAX_RUN) {
		pending_races(c, d);
		extend_all(c, d);
		nd = &c->node[d];
		if (nd->enabled) {
			x->depth_cut = 1;
		} else {
			int stuck;

			model_outcome_of(&nd->s, &stuck);
			finals_add(&c->fin, &nd->s, c->path, (size_t)d, 1);
			if (c->fin.err)
				x->stopped = MODEL_STOP_NOMEM;
		}
		budget_over(c->o, x, x->schedules + x->sleep_blocked, &c->next_poll);
		return;
	}
	cand = nd->enabled & (uint16_t)~nd->sleep;
	if (!cand) {
		x->sleep_blocked++;
		pending_races(c, d);
		extend_all(c, d);
		budget_over(c->o, x, x->schedules + x->sleep_blocked, &c->next_poll);
		return;
	}
	nd->backtrack = (uint16_t)(cand & -cand);
	nd->done = 0;
	nd->ndef = c->ndef;
	while (!x->stopped) {
		struct xnode *ch;
		int p;

		nd = &c->node[d];
		cand = nd->backtrack & nd->enabled & (uint16_t)~nd->done & (uint16_t)~nd->sleep;
		if (!cand)
			break;
		if (grow(c, (size_t)d + 1) < 0) {
			x->stopped = MODEL_STOP_NOMEM;
			return;
		}
		nd = &c->node[d];
		ch = &c->node[d + 1];
		p = __builtin_ctz(cand);
		nd->done |= (uint16_t)(1u << p);
		nd->task = (uint8_t)p;
		model_copy_state(&ch->s, &nd->s);
		model_step_raw(&ch->s, p);
		x->steps++;
		nd->rd = ch->s.rd;
		nd->wr = ch->s.wr;
		c->ndef = nd->ndef;	/* the deferred races of the events before d */
		/* vector clock of e_d */
		if (nd->last[p] >= 0)
			memcpy(nd->clock, c->node[nd->last[p]].clock, sizeof(nd->clock));
		else
			memset(nd->clock, 0, sizeof(nd->clock));
		for (int i = 0; i < d; i++) {
			const struct xnode *ni = &c->node[i];

			if (ni->task != p && conflict(ni->rd, ni->wr, nd->rd, nd->wr))
				for (int k = 0; k < c->ntasks; k++)
					if (ni->clock[k] > nd->clock[k])
						nd->clock[k] = ni->clock[k];
		}
		nd->clock[p] = (uint16_t)(d + 1);
		races(c, d, p, nd->rd, nd->wr);
		nd = &c->node[d];
		memcpy(ch->last, nd->last, sizeof(ch->last));
		ch->last[p] = (int16_t)d;
		ch->sleep = 0;
		for (int q = 0; q < c->ntasks; q++)
			if ((nd->sleep & (1u << q)) &&
			    !conflict(nd->srd[q], nd->swr[q], nd->rd, nd->wr)) {
				ch->sleep |= (uint16_t)(1u << q);
				ch->srd[q] = nd->srd[q];
				ch->swr[q] = nd->swr[q];
			}
		c->path[d] = (uint8_t)p;
		explore(c, d + 1);
		nd = &c->node[d];
		nd->sleep |= (uint16_t)(1u << p);
		nd->srd[p] = nd->rd;
		nd->swr[p] = nd->wr;
	}
}

int model_explore_opts(const struct model *m, const struct model_explore_opts *o,
		       struct model_explore *x)
{
	struct xctx *c;
	int err = 0;

	if (o && o->mode == MODEL_EXPLORE_STATES)
		return model_states(m, o, x);
	if (o && o->mode == MODEL_EXPLORE_PCT)
		return model_pct(m, o, x);
	memset(x, 0, sizeof(*x));
	x->mode = MODEL_EXPLORE_DPOR;
	x->max_preemptions = -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->ntasks = m->ntasks;
	c->o = o;
	c->x = x;
	c->fin.o = o;
	c->fin.x = x;
	if (grow(c, 32) < 0) {
		free(c);
		return -ENOMEM;
	}
	memset(&c->node[0], 0, sizeof(c->node[0]));
	memcpy(&c->node[0].s, m, sizeof(*m));
	for (int p = 0; p < MODEL_MAX_TASKS; p++)
		c->node[0].last[p] = -1;
	explore(c, 0);
	if (x->stopped == MODEL_STOP_NOMEM)
		err = -ENOMEM;
	x->truncated = x->stopped != MODEL_STOP_NONE || x->depth_cut;
	x->complete = !x->truncated && !c->def_lost;
	finals_done(&c->fin);
	free(c->node);
	free(c);
	return err;
}

int model_explore(const struct model *m, uint64_t max_schedules, struct model_explore *x)
{
	struct model_explore_opts o = { .mode = MODEL_EXPLORE_DPOR,
					.max_executions = max_schedules, .max_preemptions = -1 };

	return model_explore_opts(m, &o, x);
}

/* --- the naive enumeration ------------------------------------------------- */

#define ENUM_MAX_DEPTH 64

struct ectx {
	int ntasks;
	uint64_t max;
	struct model_enum *e;
	struct model st[ENUM_MAX_DEPTH + 1];
	uint8_t task[ENUM_MAX_DEPTH];
	struct mfp rd[ENUM_MAX_DEPTH], wr[ENUM_MAX_DEPTH];
	uint64_t *set;
	size_t cap, used;
	int err;
};

/* The canonical linearization of a run's trace: repeatedly the lowest task
 * whose next event has every dependent earlier event already placed. */
static uint64_t canonical_hash(const struct ectx *c, int n)
{
	uint64_t pred[ENUM_MAX_DEPTH], placed = 0, h = MODEL_FNV_INIT;
	int next[MODEL_MAX_TASKS];

	for (int k = 0; k < n; k++) {
		pred[k] = 0;
		for (int j = 0; j < k; j++)
			if (c->task[j] == c->task[k] ||
			    conflict(c->rd[j], c->wr[j], c->rd[k], c->wr[k]))
				pred[k] |= 1ull << j;
	}
	for (int p = 0; p < c->ntasks; p++) {
		next[p] = -1;
		for (int k = 0; k < n && next[p] < 0; k++)
			if (c->task[k] == p)
				next[p] = k;
	}
	for (int done = 0; done < n; done++) {
		int pick = -1;

		for (int p = 0; p < c->ntasks && pick < 0; p++)
			if (next[p] >= 0 && (pred[next[p]] & ~placed) == 0)
				pick = p;
		if (pick < 0)
			return 0;	/* cannot happen: the run itself is an order */
		placed |= 1ull << next[pick];
		h = model_fnv1a(h, &pick, sizeof(pick));
		{
			int k = next[pick] + 1;

			while (k < n && c->task[k] != pick)
				k++;
			next[pick] = k < n ? k : -1;
		}
	}
	return h ? h : 1;
}

static int set_insert(struct ectx *c, uint64_t h)
{
	size_t i;

	if (2 * (c->used + 1) > c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 1024;
		uint64_t *n = calloc(ncap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (size_t k = 0; k < c->cap; k++)
			if (c->set[k]) {
				for (i = c->set[k] & (ncap - 1); n[i]; i = (i + 1) & (ncap - 1))
					;
				n[i] = c->set[k];
			}
		free(c->set);
		c->set = n;
		c->cap = ncap;
	}
	for (i = h & (c->cap - 1); c->set[i]; i = (i + 1) & (c->cap - 1))
		if (c->set[i] == h)
			return 0;
	c->set[i] = h;
	c->used++;
	return 1;
}

static void enumerate(struct ectx *c, int d)
{
	struct model *s = &c->st[d];
	int any = 0;

	if (c->err || c->e->truncated)
		return;
	for (int p = 0; p < c->ntasks; p++) {
		if (!model_runnable(s, p))
			continue;
		any = 1;
		if (d == ENUM_MAX_DEPTH) {
			c->err = -ENOSPC;
			return;
		}
		memcpy(&c->st[d + 1], s, sizeof(*s));
		model_step_raw(&c->st[d + 1], p);
		c->task[d] = (uint8_t)p;
		c->rd[d] = c->st[d + 1].rd;
		c->wr[d] = c->st[d + 1].wr;
		enumerate(c, d + 1);
	}
	if (!any) {
		int stuck, r;
		enum model_outcome o = model_outcome_of(s, &stuck);

		c->e->interleavings++;
		r = set_insert(c, canonical_hash(c, d));
		if (r < 0)
			c->err = r;
		if (r > 0) {
			c->e->traces++;
			c->e->trace_outcome[o]++;
		}
		if (c->max && c->e->interleavings >= c->max)
			c->e->truncated = 1;
	}
}

int model_enumerate(const struct model *m, uint64_t max_interleavings, struct model_enum *e)
{
	struct ectx *c = calloc(1, sizeof(*c));
	int err;

	memset(e, 0, sizeof(*e));
	if (!c)
		return -ENOMEM;
	c->ntasks = m->ntasks;
	c->max = max_interleavings;
	c->e = e;
	memcpy(&c->st[0], m, sizeof(*m));
	enumerate(c, 0);
	err = c->err;
	free(c->set);
	free(c);
	return err;
}
