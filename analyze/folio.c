/* SPDX-License-Identifier: GPL-2.0-or-later */
/* folio.c - see folio.h. */
#include "folio.h"

#include <stdlib.h>
#include <string.h>

#define FDEAD 16384

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

void fmap_free(struct fmap *m)
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
		if (c->f[i].cached || c->f[i].dirty || c->f[i].watch || c->f[i].wb)
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

void fmap_maybe_dead(struct fmap *m, int64_t ino, int64_t idx)
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

struct folio *folio_get(struct fmap *m, int64_t ino, int64_t idx, int create)
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

void fmap_each(struct fmap *m, void (*fn)(void *ctx, int64_t ino, int64_t idx, struct folio *f),
	       void *ctx)
{
	for (uint64_t i = 0; i < m->cap; i++)
		for (int j = 0; m->slot[i] && j < FCHUNK; j++)
			if (m->slot[i]->f[j].used)
				fn(ctx, m->slot[i]->ino, (m->slot[i]->base << FCHUNK_SHIFT) + j,
				   &m->slot[i]->f[j]);
}
