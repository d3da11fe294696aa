/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pct.c - probabilistic concurrency testing of a model (`replay --pct=D`).
 *
 * Design
 *   PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).  A run
 *   gives the n tasks distinct random priorities d, d+1, ..., d+n-1 (a random
 *   permutation) and picks d-1 change points k_1..k_{d-1} uniformly among the
 *   steps 1..k; it always runs the runnable task of highest priority, and
 *   when step k_i is reached the running task's priority drops to d-i (below
 *   every initial priority).  A bug of depth d (d ordering constraints
 *   between steps) is hit by one run with probability at least
 *   p = 1/(n k^(d-1)), so N independent runs all miss it with probability at
 *   most (1-p)^N.  The theorem needs k >= the steps of every run: k is taken
 *   as the longest of a few pilot runs (the lowest-first run and 16 runs
 *   choosing a random runnable task at each step), and runs longer than k
 *   are counted (pct_longer); the printed bound holds as stated when that
 *   count is 0.
 *   The random generator is splitmix64 seeded by the caller: the same seed
 *   gives the same runs.  No global state.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "explore_impl.h"

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned below(uint64_t *s, unsigned n)
{
	return n ? (unsigned)(rnd(s) % n) : 0;
}

/* One run; prio NULL: a random runnable task at each step. */
static size_t run(struct model *w, const struct model *m, int *prio, const unsigned *change,
		  unsigned nchange, uint64_t *seed, uint8_t *path)
{
	size_t n = 0;

	model_copy_state(w, m);
	while (n < MODEL_MAX_RUN) {
		int pick = -1, cnt = 0, ready[MODEL_MAX_TASKS];

		for (int p = 0; p < w->ntasks; p++)
			if (model_runnable(w, p))
				ready[cnt++] = p;
		if (!cnt)
			break;
		if (!prio) {
			pick = ready[below(seed, (unsigned)cnt)];
		} else {
			for (int k = 0; k < cnt; k++)
				if (pick < 0 || prio[ready[k]] > prio[pick])
					pick = ready[k];
		}
		model_step_raw(w, pick);
		path[n++] = (uint8_t)pick;
		if (prio)
			for (unsigned i = 0; i < nchange; i++)
				if (change[i] == n)
					prio[pick] = (int)(nchange - i);	/* d-1-i .. 1 */
	}
	return n;
}

int model_pct(const struct model *m, const struct model_explore_opts *o, struct model_explore *x)
{
	struct model *w = malloc(sizeof(*w));
	struct finals fin = { .o = o, .x = x };
	uint64_t seed = o ? o->seed : 0, runs = o && o->pct_runs ? o->pct_runs : 1000,
		 next_poll = 0;
	unsigned d = o && o->pct_depth ? o->pct_depth : 1, k = 1, n = (unsigned)m->ntasks;
	unsigned change[64];
	uint8_t path[MODEL_MAX_RUN];
	int err = 0;

	memset(x, 0, sizeof(*x));
	x->mode = MODEL_EXPLORE_PCT;
	x->max_preemptions = -1;
	if (!w)
		return -ENOMEM;
	if (d > 64)
		d = 64;
	/* pilot runs for k */
	for (int i = 0; i <= 16; i++) {
		int prio[MODEL_MAX_TASKS];
		size_t len;

		for (int p = 0; p < MODEL_MAX_TASKS; p++)
			prio[p] = -p;		/* lowest-numbered first */
		len = run(w, m, i ? NULL : prio, NULL, 0, &seed, path);
		if (len > k)
			k = (unsigned)len;
	}
	x->pct_k = k;
	x->pct_ntasks = n;
	for (uint64_t r = 0; r < runs; r++) {
		int prio[MODEL_MAX_TASKS], stuck;
		size_t len;

		if (budget_over(o, x, x->schedules, &next_poll))
			break;
		for (unsigned p = 0; p < n; p++)
			prio[p] = (int)(d + p);
		for (unsigned p = n; p > 1; p--) {	/* Fisher-Yates */
			unsigned j = below(&seed, p);
			int t = prio[p - 1];

			prio[p - 1] = prio[j];
			prio[j] = t;
		}
		for (unsigned i = 0; i + 1 < d; i++)
			change[i] = 1 + below(&seed, k);
		len = run(w, m, prio, change, d - 1, &seed, path);
		x->steps += len;
		if (len > k)
			x->pct_longer++;
		if (len == MODEL_MAX_RUN && !model_finished(w)) {
			int any = 0;

			for (int p = 0; p < w->ntasks && !any; p++)
				any = model_runnable(w, p);
			if (any) {
				x->depth_cut = 1;
				continue;
			}
		}
		model_outcome_of(w, &stuck);
		finals_add(&fin, w, path, len, 1);
		if (fin.err) {
			err = fin.err;
			break;
		}
	}
	x->pct_p = 1.0 / ((double)n * pow((double)k, (double)(d - 1)));
	x->pct_miss = pow(1.0 - x->pct_p, (double)x->schedules);
	x->truncated = x->stopped != MODEL_STOP_NONE || x->depth_cut;
	x->complete = 0;
	finals_done(&fin);
	free(w);
	return err;
}
