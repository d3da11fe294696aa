/* SPDX-License-Identifier: GPL-2.0-or-later */
/* evpack.c - see evpack.h for the byte format. */
#include "evpack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t zz(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t unzz(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static inline uint8_t *put(uint8_t *o, uint64_t v)
{
	while (v >= 0x80) {
		*o++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*o++ = (uint8_t)v;
	return o;
}

void evpack_init(struct evpack *p)
{
	memset(p, 0, sizeof(*p));
}

/* 6 header varints + one per column, 10 bytes at most each */
#define EVPACK_MAX_EVENT	((6 + FT_C__COUNT) * 10)

/* a version-2 run's length is written in 2 bytes */
_Static_assert(EVPACK_SUB * EVPACK_MAX_EVENT < 65536, "a run's length must fit 16 bits");
_Static_assert((1u << EVPACK_SUB_SHIFT) == EVPACK_SUB, "EVPACK_SUB_SHIFT");

void evpack_release(struct evpack *p)
{
	free(p->buf);
	free(p->run_end);
	memset(p, 0, sizeof(*p));
}

void evpack_reset(struct evpack *p)
{
	p->len = 0;
	p->n = 0;
	p->nrun = 0;
	p->finished = 0;
	p->prev_ts = 0;
	memset(p->prev_v, 0, sizeof(p->prev_v));
}

static int reserve(struct evpack *p, size_t more)
{
	size_t cap = p->cap ? p->cap : 64 * 1024;
	uint8_t *b;

	if (p->len + more <= p->cap)
		return 0;
	while (cap < p->len + more)
		cap *= 2;
	b = realloc(p->buf, cap);
	if (!b)
		return -ENOMEM;
	p->buf = b;
	p->cap = cap;
	return 0;
}

int evpack_add(struct evpack *p, int64_t trace_id, int64_t id, int64_t type_id,
	       const struct ft_event *ev)
{
	uint8_t *o;

	if (p->finished || (p->n && (id != p->first_id + p->n || trace_id != p->trace_id)))
		return -EINVAL;
	if (reserve(p, EVPACK_MAX_EVENT + 2) < 0)
		return -ENOMEM;
	if (!p->n) {
		p->first_id = id;
		p->trace_id = trace_id;
		if (!p->v1) {
			p->buf[0] = 0x80;	/* the version-2 marker */
			p->buf[1] = 0x00;
			p->len = 2;
		}
	} else if (!p->v1 && p->n % EVPACK_SUB == 0) {
		/* a new run: its deltas start from 0 */
		if (p->nrun == p->run_cap) {
			uint32_t cap = p->run_cap ? p->run_cap * 2 : 16;
			uint32_t *r = realloc(p->run_end, cap * sizeof(*r));

			if (!r)
				return -ENOMEM;
			p->run_end = r;
			p->run_cap = cap;
		}
		p->run_end[p->nrun++] = (uint32_t)p->len;
		p->prev_ts = 0;
		memset(p->prev_v, 0, sizeof(p->prev_v));
	}
	o = p->buf + p->len;
	o = put(o, zz((int64_t)(ev->ts - p->prev_ts)));
	o = put(o, zz(ev->cpu));
	o = put(o, zz(ev->pid));
	o = put(o, ev->kind);
	o = put(o, (uint64_t)type_id);
	o = put(o, ev->present);
	for (int c = 0; c < FT_C__COUNT; c++) {
		if (!ft_event_has(ev, c))
			continue;
		o = put(o, zz((int64_t)((uint64_t)ev->v[c] - (uint64_t)p->prev_v[c])));
		p->prev_v[c] = ev->v[c];
	}
	p->prev_ts = ev->ts;
	p->len = (size_t)(o - p->buf);
	p->n++;
	return 0;
}

int evpack_finish(struct evpack *p)
{
	uint32_t start = 2;

	if (p->finished)
		return 0;
	if (!p->v1 && p->nrun) {
		if (reserve(p, 2 * (size_t)p->nrun) < 0)
			return -ENOMEM;
		for (uint32_t i = 0; i < p->nrun; i++) {
			uint32_t len = p->run_end[i] - start;

			p->buf[p->len++] = (uint8_t)len;
			p->buf[p->len++] = (uint8_t)(len >> 8);
			start = p->run_end[i];
		}
	}
	p->finished = 1;
	return 0;
}

/* Run i's byte length (version 2, i < nrun - 1). */
static inline uint32_t run_len(const struct evpack_reader *r, uint32_t i)
{
	return (uint32_t)r->lens[2 * i] | (uint32_t)r->lens[2 * i + 1] << 8;
}

/* Enters run j, whose bytes start at `at`: deltas from 0 again. */
static void enter_run(struct evpack_reader *r, uint32_t j, const uint8_t *at)
{
	r->run = j;
	r->p = at;
	r->end = j + 1 < r->nrun ? at + run_len(r, j) : r->lens;
	r->next_id = r->first_id + (int64_t)j * r->run_size;
	r->left = r->n - j * r->run_size;
	r->run_left = r->left < r->run_size ? r->left : r->run_size;
	r->ts = 0;
	memset(r->prev_v, 0, sizeof(r->prev_v));
}

void evpack_reader_init(struct evpack_reader *r, const void *data, size_t len,
			int64_t first_id, uint32_t n)
{
	const uint8_t *b = data;

	memset(r, 0, sizeof(*r));
	r->first_id = first_id;
	r->n = n;
	if (len >= 2 && b[0] == 0x80 && b[1] == 0x00) {
		size_t tail, sum = 0;

		r->run_size = EVPACK_SUB;
		r->nrun = (uint32_t)(((uint64_t)n + EVPACK_SUB - 1) / EVPACK_SUB);
		tail = r->nrun > 1 ? 2 * (size_t)(r->nrun - 1) : 0;
		r->body = b + 2;
		if (len - 2 < tail) {
			r->bad = 1;
			r->lens = r->p = r->end = r->body;
			return;
		}
		r->lens = b + len - tail;
		/* every run holds a byte at least, the last one too */
		for (uint32_t i = 0; i + 1 < r->nrun; i++) {
			uint32_t l = run_len(r, i);

			if (!l)
				r->bad = 1;
			sum += l;
		}
		if (r->nrun && sum >= (size_t)(r->lens - r->body))
			r->bad = 1;
		if (r->bad || !r->nrun) {
			/* bad: every call fails; no events: only the end is checked */
			r->p = r->body;
			r->end = r->lens;
			r->next_id = first_id;
			return;
		}
	} else {
		r->run_size = n ? n : 1;
		r->nrun = 1;
		r->body = b;
		r->lens = b + len;
	}
	enter_run(r, 0, r->body);
}

int evpack_reader_run(struct evpack_reader *r, uint32_t j)
{
	const uint8_t *at;

	if (r->bad || j >= r->nrun)
		return -EINVAL;
	at = r->body;
	for (uint32_t i = 0; i < j; i++)
		at += run_len(r, i);
	enter_run(r, j, at);
	return 0;
}

int evpack_run_end(const struct evpack_reader *r)
{
	return !r->bad && r->p == r->end ? 0 : -EINVAL;
}

/* One varint, or -1 on truncation or more than 10 bytes. */
static inline int get(struct evpack_reader *r, uint64_t *out)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 70; shift += 7) {
		uint8_t b;

		if (r->p >= r->end)
			return -1;
		b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/*
 * The same without the bounds check, for when at least EVPACK_MAX_EVENT
 * bytes are left (no event is longer): returns the byte after the varint,
 * or NULL on more than 10 bytes (what get() accepts, it accepts).  The
 * first three bytes unrolled: most varints here are 1 to 3 bytes.
 */
static inline const uint8_t *get_fast(const uint8_t *p, uint64_t *out)
{
	uint64_t v, b = p[0];

	if (b < 0x80) {
		*out = b;
		return p + 1;
	}
	v = b & 0x7f;
	b = p[1];
	v |= (b & 0x7f) << 7;
	if (b < 0x80) {
		*out = v;
		return p + 2;
	}
	b = p[2];
	v |= (b & 0x7f) << 14;
	if (b < 0x80) {
		*out = v;
		return p + 3;
	}
	p += 3;
	for (int shift = 21; shift < 70; shift += 7) {
		b = *p++;
		v |= (b & 0x7f) << shift;
		if (b < 0x80) {
			*out = v;
			return p;
		}
	}
	return NULL;
}

/* Decodes the event at r->p when EVPACK_MAX_EVENT bytes are left. */
static int next_fast(struct evpack_reader *r, uint64_t h[6], struct ft_event *ev)
{
	const uint8_t *p = r->p;
	uint64_t d;

	for (int k = 0; k < 6; k++)
		if (!(p = get_fast(p, &h[k])))
			return -EINVAL;
	if (h[5] >> FT_C__COUNT)
		return -EINVAL;
	/* absent columns read 0 (a loop: memset's rep stos costs more here) */
	for (unsigned m = ~(unsigned)h[5] & ((1u << FT_C__COUNT) - 1); m; m &= m - 1)
		ev->v[__builtin_ctz(m)] = 0;
	for (unsigned m = (unsigned)h[5]; m; m &= m - 1) {
		int c = __builtin_ctz(m);

		if (!(p = get_fast(p, &d)))
			return -EINVAL;
		r->prev_v[c] = (int64_t)((uint64_t)r->prev_v[c] + (uint64_t)unzz(d));
		ev->v[c] = r->prev_v[c];
	}
	r->p = p;
	return 0;
}

/* The same with every byte bounds-checked (a block's last events). */
static int next_slow(struct evpack_reader *r, uint64_t h[6], struct ft_event *ev)
{
	uint64_t d;

	for (int k = 0; k < 6; k++)
		if (get(r, &h[k]))
			return -EINVAL;
	if (h[5] >> FT_C__COUNT)
		return -EINVAL;
	for (int c = 0; c < FT_C__COUNT; c++) {
		if (!((h[5] >> c) & 1)) {
			ev->v[c] = 0;
			continue;
		}
		if (get(r, &d))
			return -EINVAL;
		r->prev_v[c] = (int64_t)((uint64_t)r->prev_v[c] + (uint64_t)unzz(d));
		ev->v[c] = r->prev_v[c];
	}
	return 0;
}

int evpack_next(struct evpack_reader *r, int64_t *id, int64_t *type_id,
		struct ft_event *ev)
{
	/* d, cpu, pid, kind, type, present */
	uint64_t h[6];
	int ret;

	if (r->bad)
		return -EINVAL;
	if (!r->left)
		return r->p == r->end ? 0 : -EINVAL;
	if (!r->run_left) {
		/* the run ends exactly here, and the next one starts */
		if (r->p != r->end)
			return -EINVAL;
		enter_run(r, r->run + 1, r->p);
	}
	if (r->end - r->p >= EVPACK_MAX_EVENT)
		ret = next_fast(r, h, ev);
	else
		ret = next_slow(r, h, ev);
	if (ret || h[3] > UINT16_MAX || h[4] > INT64_MAX)
		return -EINVAL;
	r->ts += (uint64_t)unzz(h[0]);
	ev->ts = r->ts;
	ev->cpu = (int32_t)unzz(h[1]);
	ev->pid = (int32_t)unzz(h[2]);
	ev->type = 0;
	ev->kind = (uint16_t)h[3];
	ev->present = (uint16_t)h[5];
	ev->payload = NULL;
	ev->payload_len = 0;
	*id = r->next_id++;
	*type_id = (int64_t)h[4];
	r->left--;
	r->run_left--;
	return 1;
}
