/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hb.c - see hb.h for the terms and invariants. */
#include "hb.h"

#include <stdlib.h>
#include <string.h>

struct ent {
	uint32_t t, c;
};

struct vc {
	uint32_t n, cap;
	struct ent *e;
};

#define MAX_PENDING 4
#define MAX_REQ 4
#define MAX_OWE 4

struct req {
	struct hb_lock key;
	int excl, trylock;
};

struct owe {
	struct hb_lock key;
	int grantee;
	int64_t grant_ev;
	int64_t armed;		/* the holder's event that had to release it, 0 none yet */
};

struct task {
	int pid;
	struct vc vc;
	int npending;
	struct { int64_t src; enum hb_why why; int implied; } pending[MAX_PENDING];
	int64_t last_id;	/* its last non-scheduler event */
	int nreq, nowe;
	struct req req[MAX_REQ];
	struct owe owe[MAX_OWE];
};

struct waiter {
	int t, excl;
};

#define MAX_SHARED 16

struct lockobj {
	struct hb_lock key;
	int used;
	struct vc rel;		/* clock of the last exclusive release */
	int64_t rel_id;
	int rel_task, rel_implied;
	struct vc shared;	/* join of shared releases since */
	int64_t shared_id;
	int shared_task, shared_implied;
	int excl;		/* exclusive holder, -1 none */
	int nsh;		/* shared holders listed in sh[] */
	int nextra;		/* further shared holders, not listed */
	int sh[MAX_SHARED];
	struct waiter *w;	/* implied acquires waiting for a release */
	int nw, capw;
};

struct hb {
	hb_edge_fn fn;
	hb_conflict_fn cf;
	void *ctx;
	struct task *tasks;
	int ntasks, captasks;
	int *pidmap;		/* open addressing: pid -> task index + 1 */
	uint32_t pidcap;
	struct lockobj *locks;
	uint64_t lockcap, nlocks;
	uint64_t joins, edges, conflicts;
};

static int vc_reserve(struct vc *v, uint32_t n)
{
	if (n <= v->cap)
		return 0;
	uint32_t cap = v->cap ? v->cap : 4;
	while (cap < n)
		cap *= 2;
	struct ent *e = realloc(v->e, cap * sizeof(*e));
	if (!e)
		return -1;
	v->e = e;
	v->cap = cap;
	return 0;
}

/* Position of task t in v, or where it would be inserted. */
static uint32_t vc_find(const struct vc *v, uint32_t t)
{
	uint32_t lo = 0, hi = v->n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (v->e[mid].t < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t vc_get(const struct vc *v, uint32_t t)
{
	uint32_t lo = vc_find(v, t);

	return lo < v->n && v->e[lo].t == t ? v->e[lo].c : 0;
}

static void vc_set(struct vc *v, uint32_t t, uint32_t c)
{
	uint32_t lo = vc_find(v, t);

	if (lo < v->n && v->e[lo].t == t) {
		if (c > v->e[lo].c)
			v->e[lo].c = c;
		return;
	}
	if (vc_reserve(v, v->n + 1) < 0)
		return;
	memmove(&v->e[lo + 1], &v->e[lo], (v->n - lo) * sizeof(*v->e));
	v->e[lo].t = t;
	v->e[lo].c = c;
	v->n++;
}

/* dst = max(dst, src); returns 1 if dst learned something.  Merges in
 * place, from the back, in dst's own (grown) array: no allocation per join. */
static int vc_join(struct vc *dst, const struct vc *src)
{
	uint32_t j, n, k, total;
	int64_t i, jj;
	int changed = 0;
	struct ent *e;

	if (!src->n)
		return 0;
	/* Fast path: nothing new. */
	for (j = 0; j < src->n; j++)
		if (vc_get(dst, src->e[j].t) < src->e[j].c)
			break;
	if (j == src->n)
		return 0;
	total = dst->n + src->n;
	if (vc_reserve(dst, total) < 0)
		return 0;
	e = dst->e;
	i = (int64_t)dst->n - 1;
	jj = (int64_t)src->n - 1;
	k = total;
	while (jj >= 0) {
		if (i >= 0 && e[i].t > src->e[jj].t) {
			e[--k] = e[i--];
		} else if (i >= 0 && e[i].t == src->e[jj].t) {
			struct ent x = e[i--];

			if (src->e[jj].c > x.c) {
				x.c = src->e[jj].c;
				changed = 1;
			}
			jj--;
			e[--k] = x;
		} else {
			e[--k] = src->e[jj--];
			changed = 1;
		}
	}
	/* What is left of dst is already sorted: slide it next to the merge. */
	n = (uint32_t)(i + 1);
	memmove(&e[k - n], &e[0], n * sizeof(*e));
	k -= n;
	memmove(&e[0], &e[k], (total - k) * sizeof(*e));
	dst->n = total - k;
	return changed;
}

static void vc_copy(struct vc *dst, const struct vc *src)
{
	if (vc_reserve(dst, src->n) < 0)
		return;
	memcpy(dst->e, src->e, src->n * sizeof(*src->e));
	dst->n = src->n;
}

struct hb *hb_new(hb_edge_fn fn, hb_conflict_fn cf, void *ctx)
{
	struct hb *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->fn = fn;
	h->cf = cf;
	h->ctx = ctx;
	h->pidcap = 1 << 12;
	h->pidmap = calloc(h->pidcap, sizeof(*h->pidmap));
	h->lockcap = 1 << 12;
	h->locks = calloc(h->lockcap, sizeof(*h->locks));
	if (!h->pidmap || !h->locks) {
		hb_free(h);
		return NULL;
	}
	return h;
}

void hb_free(struct hb *h)
{
	if (!h)
		return;
	for (int i = 0; i < h->ntasks; i++)
		free(h->tasks[i].vc.e);
	for (uint64_t i = 0; h->locks && i < h->lockcap; i++) {
		free(h->locks[i].rel.e);
		free(h->locks[i].shared.e);
		free(h->locks[i].w);
	}
	free(h->tasks);
	free(h->pidmap);
	free(h->locks);
	free(h);
}

static uint32_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint32_t)x;
}

static int pid_rehash(struct hb *h)
{
	uint32_t cap = h->pidcap * 2;
	int *m = calloc(cap, sizeof(*m));

	if (!m)
		return -1;
	for (int i = 0; i < h->ntasks; i++) {
		uint32_t k = mix((uint64_t)(uint32_t)h->tasks[i].pid) & (cap - 1);

		while (m[k])
			k = (k + 1) & (cap - 1);
		m[k] = i + 1;
	}
	free(h->pidmap);
	h->pidmap = m;
	h->pidcap = cap;
	return 0;
}

int hb_task(struct hb *h, int pid)
{
	uint32_t k = mix((uint64_t)(uint32_t)pid) & (h->pidcap - 1);
	struct task *t;

	while (h->pidmap[k]) {
		if (h->tasks[h->pidmap[k] - 1].pid == pid)
			return h->pidmap[k] - 1;
		k = (k + 1) & (h->pidcap - 1);
	}
	if ((uint32_t)(h->ntasks + 1) * 2 > h->pidcap) {
		if (pid_rehash(h) < 0)
			return -1;
		return hb_task(h, pid);
	}
	if (h->ntasks == h->captasks) {
		int cap = h->captasks ? h->captasks * 2 : 64;
		struct task *p = realloc(h->tasks, (size_t)cap * sizeof(*p));

		if (!p)
			return -1;
		h->tasks = p;
		h->captasks = cap;
	}
	t = &h->tasks[h->ntasks];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	vc_set(&t->vc, (uint32_t)h->ntasks, 1);
	h->pidmap[k] = h->ntasks + 1;
	return h->ntasks++;
}

static uint32_t lock_hash(const struct hb_lock *l)
{
	return mix((uint64_t)l->ino * 0x9E3779B97F4A7C15ull ^ mix((uint64_t)l->dev) ^
		   (uint64_t)(uint32_t)l->cls << 40);
}

static int lock_eq(const struct hb_lock *a, const struct hb_lock *b)
{
	return a->ino == b->ino && a->dev == b->dev && a->cls == b->cls;
}

static struct lockobj *lock_get(struct hb *h, const struct hb_lock *key)
{
	uint64_t k;

	if ((h->nlocks + 1) * 2 > h->lockcap) {
		uint64_t cap = h->lockcap * 2;
		struct lockobj *n = calloc(cap, sizeof(*n));

		if (!n)
			return NULL;
		for (uint64_t i = 0; i < h->lockcap; i++) {
			if (!h->locks[i].used)
				continue;
			k = lock_hash(&h->locks[i].key) & (cap - 1);
			while (n[k].used)
				k = (k + 1) & (cap - 1);
			n[k] = h->locks[i];
		}
		free(h->locks);
		h->locks = n;
		h->lockcap = cap;
	}
	k = lock_hash(key) & (h->lockcap - 1);
	while (h->locks[k].used && !lock_eq(&h->locks[k].key, key))
		k = (k + 1) & (h->lockcap - 1);
	if (!h->locks[k].used) {
		memset(&h->locks[k], 0, sizeof(h->locks[k]));
		h->locks[k].used = 1;
		h->locks[k].key = *key;
		h->locks[k].excl = -1;
		h->locks[k].rel_task = -1;
		h->locks[k].shared_task = -1;
		h->nlocks++;
	}
	return &h->locks[k];
}

static void edge(struct hb *h, int64_t src, int64_t dst, enum hb_why why, int implied)
{
	h->edges++;
	if (h->fn)
		h->fn(h->ctx, src, dst, why, implied);
}

static void add_pending(struct task *t, int64_t src, enum hb_why why, int implied)
{
	if (t->npending < MAX_PENDING) {
		t->pending[t->npending].src = src;
		t->pending[t->npending].why = why;
		t->pending[t->npending].implied = implied;
		t->npending++;
	}
}

/* Joins the lock's released clocks into task t (grant).  deferred: the
 * edges attach to t's next event (an implied acquire waited). */
static void grant(struct hb *h, int t, struct lockobj *l, int excl, int64_t dst,
		  int deferred, int implied)
{
	struct task *tk = &h->tasks[t];

	if (l->rel_task >= 0 && l->rel_task != t && vc_join(&tk->vc, &l->rel)) {
		h->joins++;
		if (deferred)
			add_pending(tk, l->rel_id, HB_LOCK, implied || l->rel_implied);
		else
			edge(h, l->rel_id, dst, HB_LOCK, implied || l->rel_implied);
	}
	if (excl) {
		if (l->shared_task >= 0 && vc_join(&tk->vc, &l->shared)) {
			h->joins++;
			if (l->shared_task != t) {
				if (deferred)
					add_pending(tk, l->shared_id, HB_LOCK, implied || l->shared_implied);
				else
					edge(h, l->shared_id, dst, HB_LOCK, implied || l->shared_implied);
			}
		}
		l->shared.n = 0;
		l->shared_task = -1;
		l->excl = t;
		l->nsh = 0;	/* t's own shared hold, if any, becomes exclusive */
	} else if (l->excl == t) {
		/* already held exclusively (lost events): nothing to add */
	} else {
		for (int i = 0; i < l->nsh; i++)
			if (l->sh[i] == t)
				return;
		if (l->nsh < MAX_SHARED)
			l->sh[l->nsh++] = t;
		else
			l->nextra++;
	}
}

static int conflicts(const struct lockobj *l, int t, int excl)
{
	if (l->excl >= 0 && l->excl != t)
		return 1;
	if (excl && l->nextra)
		return 1;
	if (excl)
		for (int i = 0; i < l->nsh; i++)
			if (l->sh[i] != t)
				return 1;
	return 0;
}

/* The lock state of a release by t (not the epoch step). */
static void release_state(struct hb *h, struct lockobj *l, int t, int exclusive, int64_t id,
			  int implied)
{
	struct task *tk = &h->tasks[t];
	int i;

	if (exclusive || l->excl == t) {
		vc_copy(&l->rel, &tk->vc);
		l->rel_id = id;
		l->rel_task = t;
		l->rel_implied = implied;
		l->shared.n = 0;
		l->shared_task = -1;
		if (l->excl == t)
			l->excl = -1;
	} else {
		vc_join(&l->shared, &tk->vc);
		l->shared_id = id;
		l->shared_task = t;
		l->shared_implied = implied;
		for (i = 0; i < l->nsh && l->sh[i] != t; i++)
			;
		if (i < l->nsh)
			l->sh[i] = l->sh[--l->nsh];
		else if (l->nextra)
			l->nextra--;
	}
}

static void epoch_step(struct task *tk, int t)
{
	vc_set(&tk->vc, (uint32_t)t, vc_get(&tk->vc, (uint32_t)t) + 1);
}

/*
 * Holder `ho` of l conflicts with a grant to t at event id: the holder was
 * already out of the lock, its xfs_iunlock still to come.  Its release is
 * placed at its last event, and it owes the traced release next.
 */
static void early_release(struct hb *h, struct lockobj *l, int ho, int t, int64_t id)
{
	struct task *hk = &h->tasks[ho];

	release_state(h, l, ho, l->excl == ho, hk->last_id, 0);
	epoch_step(hk, ho);
	if (hk->nowe < MAX_OWE) {
		hk->owe[hk->nowe].key = l->key;
		hk->owe[hk->nowe].grantee = t;
		hk->owe[hk->nowe].grant_ev = id;
		hk->owe[hk->nowe].armed = 0;
		hk->nowe++;
	}
}

static void report(struct hb *h, const struct hb_lock *l, int holder, int64_t hev, int t,
		   int64_t gev)
{
	h->conflicts++;
	if (h->cf)
		h->cf(h->ctx, l, holder, hev, t, gev);
}

/* Grants t's pending requests at its event id. */
static int grant_requests(struct hb *h, int t, int64_t id)
{
	struct task *tk = &h->tasks[t];
	int granted = 0;

	for (int r = 0; r < tk->nreq; r++) {
		struct req q = tk->req[r];
		struct lockobj *l = lock_get(h, &q.key);

		tk = &h->tasks[t];
		if (!l)
			continue;
		if (conflicts(l, t, q.excl)) {
			if (q.trylock)
				continue;	/* xfs_ilock_nowait failed: t goes on without it */
			if (l->excl >= 0 && l->excl != t)
				early_release(h, l, l->excl, t, id);
			if (q.excl) {
				while (l->nsh && !(l->nsh == 1 && l->sh[0] == t)) {
					int ho = l->sh[0] == t ? l->sh[1] : l->sh[0];

					early_release(h, l, ho, t, id);
				}
				l->nextra = 0;	/* unlisted holders: nothing to name */
			}
		}
		grant(h, t, l, q.excl, id, 0, 0);
		granted = 1;
	}
	tk->nreq = 0;
	return granted;
}

int hb_event(struct hb *h, int t, int64_t id, int sched)
{
	struct task *tk = &h->tasks[t];
	int granted = 0;

	for (int i = 0; i < tk->npending; i++)
		edge(h, tk->pending[i].src, id, tk->pending[i].why, tk->pending[i].implied);
	tk->npending = 0;
	if (sched)
		return 0;
	/* Owed releases armed at its previous event and still owed: that
	 * event was not the release; mutual exclusion is contradicted. */
	for (int i = 0; i < tk->nowe;) {
		struct owe *o = &tk->owe[i];

		if (o->armed) {
			report(h, &o->key, t, o->armed, o->grantee, o->grant_ev);
			*o = tk->owe[--tk->nowe];
			continue;
		}
		o->armed = id;
		i++;
	}
	if (tk->nreq)
		granted = grant_requests(h, t, id);
	h->tasks[t].last_id = id;
	return granted;
}

void hb_request(struct hb *h, int t, const struct hb_lock *l, int exclusive, int64_t id,
		int trylock)
{
	struct task *tk = &h->tasks[t];

	(void)id;
	if (tk->nreq < MAX_REQ) {
		tk->req[tk->nreq].key = *l;
		tk->req[tk->nreq].excl = exclusive;
		tk->req[tk->nreq].trylock = trylock;
		tk->nreq++;
	}
}

void hb_acquire(struct hb *h, int t, const struct hb_lock *key, int exclusive, int64_t id)
{
	struct lockobj *l = lock_get(h, key);

	if (!l)
		return;
	if (conflicts(l, t, exclusive)) {
		/* an implied acquire waits for the holder's release */
		if (l->nw == l->capw) {
			int cap = l->capw ? l->capw * 2 : 4;
			struct waiter *w = realloc(l->w, (size_t)cap * sizeof(*w));

			if (!w)
				return;
			l->w = w;
			l->capw = cap;
		}
		l->w[l->nw].t = t;
		l->w[l->nw].excl = exclusive;
		l->nw++;
		return;
	}
	grant(h, t, l, exclusive, id, 0, 1);
}

void hb_release(struct hb *h, int t, const struct hb_lock *key, int exclusive, int64_t id,
		int implied)
{
	struct lockobj *l = lock_get(h, key);
	struct task *tk = &h->tasks[t];
	int i;

	if (!l)
		return;
	/* The release t owed: its state was settled at the grant it let in. */
	for (i = 0; i < tk->nowe; i++)
		if (lock_eq(&tk->owe[i].key, key)) {
			tk->owe[i] = tk->owe[--tk->nowe];
			return;
		}
	/* A request of t never granted (lost events): drop it. */
	for (i = 0; i < tk->nreq; i++)
		if (lock_eq(&tk->req[i].key, key)) {
			tk->req[i] = tk->req[--tk->nreq];
			break;
		}
	for (i = 0; i < l->nw; i++)
		if (l->w[i].t == t) {
			memmove(&l->w[i], &l->w[i + 1], (size_t)(l->nw - i - 1) * sizeof(*l->w));
			l->nw--;
			break;
		}
	release_state(h, l, t, exclusive, id, implied);
	epoch_step(tk, t);
	/* Grant waiting implied acquires in order while they are compatible. */
	while (l->nw && !conflicts(l, l->w[0].t, l->w[0].excl)) {
		struct waiter w = l->w[0];

		memmove(&l->w[0], &l->w[1], (size_t)(l->nw - 1) * sizeof(*l->w));
		l->nw--;
		grant(h, w.t, l, w.excl, 0, 1, 1);
	}
}

void hb_finish(struct hb *h)
{
	for (int t = 0; t < h->ntasks; t++) {
		struct task *tk = &h->tasks[t];

		for (int i = 0; i < tk->nowe; i++)
			if (tk->owe[i].armed)
				report(h, &tk->owe[i].key, t, tk->owe[i].armed, tk->owe[i].grantee,
				       tk->owe[i].grant_ev);
		tk->nowe = 0;
	}
}

int hb_pid(const struct hb *h, int t)
{
	return t >= 0 && t < h->ntasks ? h->tasks[t].pid : -1;
}

int hb_holds(struct hb *h, int t, const struct hb_lock *key)
{
	struct lockobj *l = lock_get(h, key);

	if (!l)
		return 0;
	if (l->excl == t)
		return 1;
	for (int i = 0; i < l->nsh; i++)
		if (l->sh[i] == t)
			return 1;
	return 0;
}

uint64_t hb_conflicts(const struct hb *h)
{
	return h->conflicts;
}

void hb_wakeup(struct hb *h, int t, int to, int64_t id)
{
	struct task *from = &h->tasks[t], *dst = &h->tasks[to];

	if (t == to)
		return;
	if (vc_join(&dst->vc, &from->vc)) {
		h->joins++;
		add_pending(dst, id, HB_WAKEUP, 0);
	}
	vc_set(&from->vc, (uint32_t)t, vc_get(&from->vc, (uint32_t)t) + 1);
}

uint32_t hb_epoch(struct hb *h, int t)
{
	return vc_get(&h->tasks[t].vc, (uint32_t)t);
}

int hb_ordered(struct hb *h, int t1, uint32_t c1, int t2)
{
	if (t1 == t2)
		return 1;
	return vc_get(&h->tasks[t2].vc, (uint32_t)t1) >= c1;
}

void hb_stats(const struct hb *h, uint64_t *joins, uint64_t *entries, uint64_t *edges)
{
	uint64_t n = 0;

	for (int i = 0; i < h->ntasks; i++)
		n += h->tasks[i].vc.n;
	*joins = h->joins;
	*entries = n;
	*edges = h->edges;
}

int hb_check(const struct hb *h)
{
	for (int i = 0; i < h->ntasks; i++) {
		const struct vc *v = &h->tasks[i].vc;

		for (uint32_t k = 1; k < v->n; k++)
			if (v->e[k - 1].t >= v->e[k].t)
				return -1;		/* H1 */
		if (vc_get(v, (uint32_t)i) == 0)
			return -1;			/* H2: own entry starts at 1 */
		for (int o = 0; o < h->tasks[i].nowe; o++)
			if (hb_holds((struct hb *)h, i, &h->tasks[i].owe[o].key))
				return -1;		/* H4: owes only what it no longer holds */
	}
	for (uint64_t k = 0; k < h->lockcap; k++) {
		const struct lockobj *l = &h->locks[k];

		if (l->used && l->excl >= 0 &&
		    (l->nextra || l->nsh > 1 || (l->nsh == 1 && l->sh[0] != l->excl)))
			return -1;			/* H3 */
	}
	return 0;
}

uint32_t hb_slot_release(struct hb *h, int t)
{
	struct task *tk = &h->tasks[t];
	uint32_t c = vc_get(&tk->vc, (uint32_t)t);

	vc_set(&tk->vc, (uint32_t)t, c + 1);
	return c;
}

void hb_slot_acquire(struct hb *h, int t, int rel_task, uint32_t rel_clock,
		     int64_t rel_id, int64_t dst)
{
	if (rel_task < 0 || rel_task == t || rel_task >= h->ntasks ||
	    hb_ordered(h, rel_task, rel_clock, t))
		return;
	if (vc_join(&h->tasks[t].vc, &h->tasks[rel_task].vc)) {
		h->joins++;
		edge(h, rel_id, dst, HB_SLOT, 0);
	}
}
