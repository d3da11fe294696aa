/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * explore.c - every interleaving of a model's tasks, up to the order of
 * independent steps: dynamic partial-order reduction with sleep sets.
 *
 * Design
 *   Terms. A transition is one step of one task.  Two transitions of
 *   different tasks are dependent iff their footprints conflict (one writes
 *   an object the other reads or writes; model_impl.h).  Schedules that differ
 *   only by swapping adjacent independent transitions form one Mazurkiewicz
 *   trace and reach the same state with the same outcome hits (each step's
 *   invariant checks read only its footprint), so the explorer runs one
 *   schedule per trace: those are the "distinct schedules" it counts.
 *
 *   Algorithm: stateless DPOR (Flanagan and Godefroid, POPL 2005) with
 *   sleep sets (Godefroid), on a depth-first stack of nodes.  Each node holds
 *   the state, for every unfinished task the footprint of its next step
 *   (run on a copy of the state when the task can run; the lock it waits
 *   for, written, plus what deciding that read, when it is blocked) and the
 *   successor state, a backtrack set, a done set and a sleep set (task
 *   bitmasks), and the vector clock of the transition taken from it.
 *   At every node, for each task p and its next step t: find the last
 *   transition i on the stack, of another task, dependent with t and not
 *   happening before p (vector clocks); if there is one, add to i's
 *   backtrack set a task enabled at i that leads to p (p itself, or a task
 *   whose later transition happens before p), or every task enabled at i.
 *   Then explore the node's backtrack set (starting with one enabled task not
 *   asleep); after exploring p, p goes to sleep at the node, and a child
 *   inherits the sleeping tasks whose next steps are independent of p's.
 *
 *   Invariants of the search
 *   X1 every Mazurkiewicz trace of complete runs (all tasks done, or no task
 *      runnable: a deadlock) is explored at least once (DPOR);
 *   X2 no two explored complete runs are in the same trace (sleep sets), so
 *      `schedules` counts traces; tests/unit/test_replay.c checks X1+X2
 *      against model_enumerate (every interleaving, traces counted by
 *      canonical form) on small scenarios;
 *   X3 a node whose enabled tasks are all asleep is abandoned
 *      (sleep_blocked); it is not a schedule.
 *   Blocked tasks are conservatively dependent with any step touching the
 *   lock they wait for; co-enabledness is not used to prune.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model_impl.h"

struct xnode {
	struct model s;
	struct mfp frd[MODEL_MAX_TASKS], fwr[MODEL_MAX_TASKS];
	uint16_t enabled, alive, backtrack, done, sleep;
	uint8_t task;
	uint16_t clock[MODEL_MAX_TASKS];			/* of the transition taken */
	uint16_t tc[MODEL_MAX_TASKS][MODEL_MAX_TASKS];	/* per-task clocks here */
	struct model succ[MODEL_MAX_TASKS];
};

struct xctx {
	struct xnode *node;
	int ntasks;
	uint64_t max;
	struct model_explore *x;
};

static int conflict(struct mfp ar, struct mfp aw, struct mfp br, struct mfp bw)
{
	return fp_conflict(ar, aw, br, bw);
}

static void expand(struct xctx *c, struct xnode *nd)
{
	nd->enabled = nd->alive = 0;
	for (int p = 0; p < c->ntasks; p++) {
		if (nd->s.t[p].done)
			continue;
		nd->alive |= (uint16_t)(1u << p);
		if (model_runnable(&nd->s, p)) {
			memcpy(&nd->succ[p], &nd->s, sizeof(nd->s));
			model_step_raw(&nd->succ[p], p);
			nd->frd[p] = nd->succ[p].rd;
			nd->fwr[p] = nd->succ[p].wr;
			nd->enabled |= (uint16_t)(1u << p);
			c->x->steps++;
		} else {
			int mode, lock;

			nd->s.rd = (struct mfp){ 0 };
			lock = model_need(&nd->s, p, &mode);
			nd->frd[p] = nd->s.rd;
			nd->fwr[p] = lock >= 0 ? model_lock_bit(lock) : (struct mfp){ 0 };
		}
	}
}

/* Flanagan-Godefroid backtrack points for every task's next step. */
static void add_backtracks(struct xctx *c, int d)
{
	struct xnode *nd = &c->node[d];

	for (int p = 0; p < c->ntasks; p++) {
		if (!(nd->alive & (1u << p)))
			continue;
		for (int i = d - 1; i >= 0; i--) {
			struct xnode *ni = &c->node[i];
			int q = ni->task;
			uint16_t cand = 0;

			if (q == p || !conflict(ni->frd[q], ni->fwr[q], nd->frd[p], nd->fwr[p]))
				continue;
			if (i + 1 <= nd->tc[p][q])
				continue;	/* i happens before p */
			if (ni->enabled & (1u << p))
				cand |= (uint16_t)(1u << p);
			for (int j = i + 1; j < d; j++) {
				int r = c->node[j].task;

				if ((ni->enabled & (1u << r)) && j + 1 <= nd->tc[p][r])
					cand |= (uint16_t)(1u << r);
			}
			if (!cand)
				ni->backtrack |= ni->enabled;
			else if (!(ni->backtrack & cand))
				ni->backtrack |= (uint16_t)(cand & -cand);
			break;
		}
	}
}

static void leaf(struct xctx *c, int d)
{
	struct model_explore *x = c->x;
	struct xnode *nd = &c->node[d];
	int stuck;
	enum model_outcome o = model_outcome_of(&nd->s, &stuck);

	x->schedules++;
	x->outcome[o]++;
	if (o != MODEL_OK)
		x->bad++;
	for (int k = 1; k < MODEL_OUTCOMES; k++)
		if (nd->s.hits & (1u << k))
			x->hit[k]++;
	if (!x->shortest[o].n || (size_t)d < x->shortest[o].n) {
		x->shortest[o].n = (size_t)d;
		for (int i = 0; i < d; i++)
			x->shortest[o].task[i] = c->node[i].task;
	}
	if (c->max && x->schedules >= c->max)
		x->truncated = 1;
}

static void explore(struct xctx *c, int d)
{
	struct xnode *nd = &c->node[d];
	uint16_t cand;

	expand(c, nd);
	add_backtracks(c, d);
	if (!nd->enabled || d == MODEL_MAX_RUN) {
		if (d == MODEL_MAX_RUN)
			c->x->truncated = 1;
		leaf(c, d);
		return;
	}
	cand = nd->enabled & (uint16_t)~nd->sleep;
	if (!cand) {
		c->x->sleep_blocked++;
		return;
	}
	nd->backtrack = (uint16_t)(cand & -cand);
	nd->done = 0;
	while (!c->x->truncated &&
	       (cand = nd->backtrack & nd->enabled & (uint16_t)~nd->done & (uint16_t)~nd->sleep)) {
		int p = __builtin_ctz(cand);
		struct xnode *ch = &c->node[d + 1];

		nd->done |= (uint16_t)(1u << p);
		nd->task = (uint8_t)p;
		/* vector clock of this transition */
		memcpy(nd->clock, nd->tc[p], sizeof(nd->clock));
		for (int i = 0; i < d; i++) {
			struct xnode *ni = &c->node[i];
			int q = ni->task;

			if (q != p && conflict(ni->frd[q], ni->fwr[q], nd->frd[p], nd->fwr[p]))
				for (int k = 0; k < c->ntasks; k++)
					if (ni->clock[k] > nd->clock[k])
						nd->clock[k] = ni->clock[k];
		}
		nd->clock[p] = (uint16_t)(d + 1);
		memcpy(&ch->s, &nd->succ[p], sizeof(ch->s));
		memcpy(ch->tc, nd->tc, sizeof(ch->tc));
		memcpy(ch->tc[p], nd->clock, sizeof(nd->clock));
		ch->sleep = 0;
		for (int q = 0; q < c->ntasks; q++)
			if ((nd->sleep & (1u << q)) &&
			    !conflict(nd->frd[q], nd->fwr[q], nd->frd[p], nd->fwr[p]))
				ch->sleep |= (uint16_t)(1u << q);
		explore(c, d + 1);
		nd->sleep |= (uint16_t)(1u << p);
	}
}

int model_explore(const struct model *m, uint64_t max_schedules, struct model_explore *x)
{
	struct xctx c = { .ntasks = m->ntasks, .max = max_schedules, .x = x };

	memset(x, 0, sizeof(*x));
	c.node = calloc(MODEL_MAX_RUN + 1, sizeof(*c.node));
	if (!c.node)
		return -ENOMEM;
	memcpy(&c.node[0].s, m, sizeof(*m));
	explore(&c, 0);
	free(c.node);
	return 0;
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
