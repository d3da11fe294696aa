/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * explore_impl.h - what the three searches share, private to replay/:
 * explore.c (DPOR), states.c (state-space search, the state key) and pct.c.
 */
#ifndef FT_REPLAY_EXPLORE_IMPL_H
#define FT_REPLAY_EXPLORE_IMPL_H

#include <stddef.h>
#include <string.h>

#include "model_impl.h"

/* The state proper: struct model up to its scratch section (rd and after,
 * written by every step before it is read).  The searches copy only this. */
#define MODEL_STATE_BYTES offsetof(struct model, rd)

static inline void model_copy_state(struct model *to, const struct model *from)
{
	memcpy(to, from, MODEL_STATE_BYTES);
}

/* A hash table of 128-bit keys, each with a 32-bit value. */
struct kset {
	uint64_t *key;		/* 2 words a slot; (0, 0) marks an empty slot */
	uint32_t *val;
	size_t cap, used;
};

/* Finds or inserts key.  Returns 1 when inserted (*val set to v), 0 when
 * present (*val points at its value), -ENOMEM. */
int kset_put(struct kset *s, const uint64_t key[2], uint32_t v, uint32_t **val);
void kset_free(struct kset *s);

/* Final states of complete runs: counts distinct ones and their classes
 * into x (final_states, klass) and calls o->on_final. */
struct finals {
	struct kset set;
	const struct model_explore_opts *o;
	struct model_explore *x;
	int err;
};

/* Records the final state of a complete run (m: its final state, outcome
 * already taken with model_outcome_of) of the task sequence task[0..n). */
void finals_add(struct finals *f, const struct model *m, const uint8_t *task, size_t n,
		int count_execution);
/* Sorts the classes; frees the set. */
void finals_done(struct finals *f);

/* The budget: 1 when the search must stop now (sets x->stopped). */
int budget_over(const struct model_explore_opts *o, struct model_explore *x, uint64_t count,
		uint64_t *next_poll);

#endif
