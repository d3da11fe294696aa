/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * states.c - the full state-space search of a model (`replay --explore=states`),
 * the reference the DPOR explorer is tested against; the semantic state key;
 * the hash sets, final-state classes and budget the three searches share.
 *
 * Design
 *   Key.  model_state_key hashes a copy of struct model up to its scratch
 *   section (MODEL_STATE_BYTES: the fields from rd on, the step being run's
 *   footprint, events and text, are not state), with every other field that
 *   is not part of the semantics zeroed: the step counters (nsteps,
 *   t[].nsteps), where each outcome was first hit (first[]: which of two
 *   independent steps hit first depends on their order, not on the state)
 *   and the waiter sets (lk[].wait_s/wait_x, t[].wait_lock: derived from the
 *   state by model_refresh_waiters, stale between refreshes).  Everything
 *   else, hits included, is semantic.  NOTE for model_impl.h: a new field that
 *   is history (not read by any step's need() or run()) must go after rd or
 *   be zeroed in model_state_key too, or equivalent runs reach "different"
 *   final states and tests/unit/test_explore.c reports DPOR missing them
 *   (a field that only names trace events, such as W's iter_open, is
 *   harmless only if it is equal on every order of the same trace).  The key is two
 *   independent 64-bit multiply-xorshift hashes of the words of that copy
 *   (128 bits: with 10^7 states a collision has probability < 10^-24).
 *
 *   Search.  Depth-first over states, each state expanded once: the
 *   successors of a state are its runnable tasks each run one step
 *   (model_step_raw); a successor whose key is in the visited set is not
 *   expanded again.  A state with no runnable task is final (its class is its
 *   hits mask, deadlock added when a task is unfinished).  Because the model
 *   is deterministic per (state, task), the set of final states reached is
 *   exactly the set of final states of all complete runs: it is the
 *   reference for explore.c.  Runs cut at MODEL_MAX_RUN steps are reported as
 *   depth_cut (the key has no depth, so a state first reached deep is
 *   expanded from there; the cut applies to the DFS path only).
 *
 *   Preemption bounding (max_preemptions K >= 0).  A preemption is a step of
 *   a task other than the previous step's task while that task is still
 *   runnable.  The search runs over (state, previous task) pairs, keeping per
 *   pair the fewest preemptions it was reached with, and expands a pair again
 *   when it is reached with fewer: every final state that some schedule with
 *   at most K preemptions reaches is reported (Musuvathi and Qadeer, PLDI 2007,
 *   iterative context bounding), nothing about schedules with more.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "explore_impl.h"

/* --- the state key -------------------------------------------------------- */

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

void model_state_key(const struct model *m, uint64_t key[2])
{
	struct model c;
	uint64_t w, h1 = 0x9e3779b97f4a7c15ull, h2 = 0x7f4a7c159e3779b9ull;
	const unsigned char *p = (const unsigned char *)&c;
	size_t i, len = MODEL_STATE_BYTES;

	memcpy(&c, m, len);
	c.nsteps = 0;
	memset(c.first, 0, sizeof(c.first));
	for (i = 0; i < MODEL_MAX_TASKS; i++) {
		c.t[i].nsteps = 0;
		c.t[i].wait_lock = 0;
	}
	for (i = 0; i < LK_COUNT; i++)
		c.lk[i].wait_s = c.lk[i].wait_x = 0;
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h1 = (h1 ^ w) * 0x100000001b3ull;
		h1 ^= h1 >> 29;
		h2 = (h2 + w) * 0xc2b2ae3d27d4eb4full;
		h2 = (h2 << 31) | (h2 >> 33);
	}
	for (; i < len; i++) {
		h1 = (h1 ^ p[i]) * 0x100000001b3ull;
		h2 = (h2 + p[i]) * 0xc2b2ae3d27d4eb4full;
	}
	key[0] = mix(h1);
	key[1] = mix(h2 ^ h1);
	if (!key[0] && !key[1])
		key[1] = 1;	/* (0, 0) marks an empty slot */
}

/* --- hash sets -------------------------------------------------------------- */

int kset_put(struct kset *s, const uint64_t key[2], uint32_t v, uint32_t **val)
{
	size_t i;

	if (2 * (s->used + 1) > s->cap) {
		size_t ncap = s->cap ? 2 * s->cap : 1024;
		uint64_t *nk = calloc(2 * ncap, sizeof(*nk));
		uint32_t *nv = malloc(ncap * sizeof(*nv));

		if (!nk || !nv) {
			free(nk);
			free(nv);
			return -ENOMEM;
		}
		for (size_t k = 0; k < s->cap; k++) {
			if (!s->key[2 * k] && !s->key[2 * k + 1])
				continue;
			for (i = s->key[2 * k] & (ncap - 1); nk[2 * i] || nk[2 * i + 1];
			     i = (i + 1) & (ncap - 1))
				;
			nk[2 * i] = s->key[2 * k];
			nk[2 * i + 1] = s->key[2 * k + 1];
			nv[i] = s->val[k];
		}
		free(s->key);
		free(s->val);
		s->key = nk;
		s->val = nv;
		s->cap = ncap;
	}
	for (i = key[0] & (s->cap - 1); s->key[2 * i] || s->key[2 * i + 1];
	     i = (i + 1) & (s->cap - 1))
		if (s->key[2 * i] == key[0] && s->key[2 * i + 1] == key[1]) {
			if (val)
				*val = &s->val[i];
			return 0;
		}
	s->key[2 * i] = key[0];
	s->key[2 * i + 1] = key[1];
	s->val[i] = v;
	s->used++;
	if (val)
		*val = &s->val[i];
	return 1;
}

void kset_free(struct kset *s)
{
	free(s->key);
	free(s->val);
	memset(s, 0, sizeof(*s));
}

/* --- final states, classes, budget ------------------------------------------ */

void finals_add(struct finals *f, const struct model *m, const uint8_t *task, size_t n,
		int count_execution)
{
	struct model_explore *x = f->x;
	uint64_t key[2];
	int o = MODEL_OK, r;

	for (int k = 1; k < MODEL_OUTCOMES && o == MODEL_OK; k++)
		if (m->hits & (1u << k))
			o = k;	/* the most severe: enum model_outcome's order */
	model_state_key(m, key);
	r = kset_put(&f->set, key, m->hits, NULL);
	if (r < 0) {
		f->err = r;
		return;
	}
	if (r > 0)
		x->final_states++;
	if (!count_execution && r == 0)
		return;
	if (f->o && f->o->on_final)
		f->o->on_final(f->o->final_arg, key, m->hits);
	x->schedules++;
	x->outcome[o]++;
	if (o != MODEL_OK)
		x->bad++;
	for (int k = 1; k < MODEL_OUTCOMES; k++)
		if (m->hits & (1u << k))
			x->hit[k]++;
	if (!x->shortest[o].n || n < x->shortest[o].n) {
		x->shortest[o].n = n;
		memcpy(x->shortest[o].task, task, n);
	}
}

void finals_done(struct finals *f)
{
	struct model_explore *x = f->x;
	uint64_t count[MODEL_MAX_CLASSES] = { 0 };

	for (size_t i = 0; i < f->set.cap; i++)
		if (f->set.key[2 * i] || f->set.key[2 * i + 1])
			count[(f->set.val[i] >> 1) & (MODEL_MAX_CLASSES - 1)]++;
	x->nclasses = 0;
	for (unsigned h = 0; h < MODEL_MAX_CLASSES; h++)
		if (count[h]) {
			x->klass[x->nclasses].hits = h << 1;
			x->klass[x->nclasses].final_states = count[h];
			x->nclasses++;
		}
	kset_free(&f->set);
}

int budget_over(const struct model_explore_opts *o, struct model_explore *x, uint64_t count,
		uint64_t *next_poll)
{
	if (x->stopped)
		return 1;
	if (!o)
		return 0;
	if (o->max_executions && count >= o->max_executions) {
		x->stopped = MODEL_STOP_BUDGET;
		return 1;
	}
	if (o->stop && count >= *next_poll) {
		*next_poll = count + (o->poll_every ? o->poll_every : 64);
		if (o->stop(o->stop_arg)) {
			x->stopped = MODEL_STOP_CALLBACK;
			return 1;
		}
	}
	return 0;
}

/* --- the search --------------------------------------------------------------- */

struct sframe {
	struct model s;
	uint16_t todo;		/* runnable tasks not yet tried */
	int8_t last;		/* task of the step that led here, -1 at the root */
	uint8_t pre;		/* preemptions so far */
	uint8_t task;		/* task tried from here */
};

struct sctx {
	const struct model_explore_opts *o;
	struct model_explore *x;
	struct sframe *fr;
	size_t cap;
	struct kset seen;
	struct finals fin;
	uint8_t path[MODEL_MAX_RUN];
	uint64_t next_poll;
	int bound;
};

static uint16_t runnable_mask(struct model *s)
{
	uint16_t r = 0;

	for (int p = 0; p < s->ntasks; p++)
		if (model_runnable(s, p))
			r |= (uint16_t)(1u << p);
	return r;
}

/* Visits a state reached at depth d; returns 1 when it must be expanded. */
static int visit(struct sctx *c, struct model *s, int last, unsigned pre)
{
	uint64_t key[2];
	uint32_t *v;
	int r;

	model_state_key(s, key);
	if (c->bound >= 0) {	/* the pair (state, last task) */
		key[0] = mix(key[0] ^ (uint64_t)(last + 2) * 0x9e3779b97f4a7c15ull);
		if (!key[0] && !key[1])
			key[1] = 1;
	}
	r = kset_put(&c->seen, key, pre, &v);
	if (r < 0) {
		c->x->stopped = MODEL_STOP_NOMEM;
		return 0;
	}
	if (r == 0) {
		if (c->bound < 0 || *v <= pre)
			return 0;
		*v = pre;	/* reached with fewer preemptions: again */
		return 1;
	}
	c->x->states++;
	return 1;
}

static int grow(struct sctx *c, size_t d)
{
	if (d < c->cap)
		return 0;
	{
		size_t ncap = c->cap * 2 > d + 1 ? c->cap * 2 : d + 1;
		struct sframe *n;

		if (ncap > MODEL_MAX_RUN + 1)
			ncap = MODEL_MAX_RUN + 1;
		n = realloc(c->fr, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		c->fr = n;
		c->cap = ncap;
	}
	return 0;
}

static void search(struct sctx *c)
{
	struct model_explore *x = c->x;
	size_t d = 0;

	c->fr[0].todo = runnable_mask(&c->fr[0].s);
	c->fr[0].last = -1;
	c->fr[0].pre = 0;
	if (!visit(c, &c->fr[0].s, -1, 0))
		return;
	if (!c->fr[0].todo) {
		int stuck;

		model_outcome_of(&c->fr[0].s, &stuck);
		finals_add(&c->fin, &c->fr[0].s, c->path, 0, 0);
	}
	for (;;) {
		struct sframe *f = &c->fr[d], *ch;
		unsigned pre;
		int p;

		if (!f->todo || x->stopped) {
			if (d == 0)
				return;
			d--;
			continue;
		}
		p = __builtin_ctz(f->todo);
		f->todo &= (uint16_t)~(1u << p);
		pre = f->pre;
		if (f->last >= 0 && p != f->last && model_runnable(&f->s, f->last))
			pre++;
		if (c->bound >= 0 && pre > (unsigned)c->bound) {
			x->bound_hit = 1;
			continue;
		}
		if (d + 1 > MODEL_MAX_RUN) {
			x->depth_cut = 1;
			continue;
		}
		if (grow(c, d + 1) < 0) {
			x->stopped = MODEL_STOP_NOMEM;
			return;
		}
		f = &c->fr[d];
		ch = &c->fr[d + 1];
		model_copy_state(&ch->s, &f->s);
		model_step_raw(&ch->s, p);
		x->steps++;
		x->transitions++;
		f->task = (uint8_t)p;
		c->path[d] = (uint8_t)p;
		if (!visit(c, &ch->s, p, pre))
			continue;
		ch->last = (int8_t)p;
		ch->pre = (uint8_t)pre;
		ch->todo = runnable_mask(&ch->s);
		if (!ch->todo) {
			int stuck;

			model_outcome_of(&ch->s, &stuck);
			finals_add(&c->fin, &ch->s, c->path, d + 1, 0);
			if (c->fin.err) {
				x->stopped = MODEL_STOP_NOMEM;
				return;
			}
			continue;
		}
		if (budget_over(c->o, x, x->states, &c->next_poll))
			return;
		d++;
	}
}

int model_states(const struct model *m, const struct model_explore_opts *o,
		 struct model_explore *x)
{
	struct sctx c = { .o = o, .x = x, .bound = o ? o->max_preemptions : -1 };
	int err = 0;

	memset(x, 0, sizeof(*x));
	x->mode = MODEL_EXPLORE_STATES;
	x->max_preemptions = c.bound;
	c.fin.o = o;
	c.fin.x = x;
	if (grow(&c, 16) < 0)
		return -ENOMEM;
	memcpy(&c.fr[0].s, m, sizeof(*m));
	search(&c);
	if (x->stopped == MODEL_STOP_NOMEM)
		err = -ENOMEM;
	x->truncated = x->stopped != MODEL_STOP_NONE || x->depth_cut;
	x->complete = !x->truncated && !x->bound_hit;
	finals_done(&c.fin);
	kset_free(&c.seen);
	free(c.fr);
	return err;
}
