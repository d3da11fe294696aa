/* SPDX-License-Identifier: GPL-2.0-or-later */
/* loader.c - see loader.h. */
#include "loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/kfingerprint.h"
#include "../core/kinds.h"

#define MAX_WIRE_TYPES	65536
#define MAX_SYMS	(1 << 20)
#define MAX_BUFS	64
#define MAX_CPUS	4096

struct loader {
	struct store *s;
	const char *label;
	int64_t trace_id;
	int64_t *types;		/* wire type -> events.type_id, 0 = unknown */
	uint64_t *type_counts;	/* wire type -> events seen */
	uint64_t ts_backwards;	/* events earlier than one before them */
	int64_t *syms;		/* wire symbol -> symbols.id */
	uint32_t nsyms;
	int64_t bufs[MAX_BUFS];
	uint32_t buf_cpus[MAX_BUFS];
	char buf_clock[MAX_BUFS][32];
	uint64_t *lost_by_cpu[MAX_BUFS];
	uint64_t buf_events[MAX_BUFS];
	int nbufs;
	int hello;
	struct import_stats *st;
};

static int bad(struct loader *l, struct ft_err *e, const char *what)
{
	return ft_error(e, -EPROTO, "%s: corrupt trace: decoder sent malformed data (%s) while %s",
			l->label, what, l->st->phase[0] ? l->st->phase : "starting");
}

static int on_meta(struct loader *l, struct wire_cur *c, struct ft_err *e)
{
	/* in_meta: a meta row 'trace:<id>:<key>', not a traces column. */
	static const struct { const char *key; int is_int, in_meta; } keys[] = {
		{ "file_version", 1, 0 }, { "compression", 0, 0 }, { "uname", 0, 0 },
		{ "host", 0, 0 }, { "kernel_release", 0, 0 }, { "clock", 0, 0 },
		{ "cpus", 1, 0 }, { "page_size", 1, 0 },
		{ "kallsyms", 1, 1 },	/* entries of the trace's kallsyms; 0: none */
		{ "ksyms", 0, 1 },	/* the core/kfingerprint.h names they list */
	};
	const char *key = wire_get_str(c), *val = wire_get_str(c);

	if (!wire_cur_done(c))
		return bad(l, e, "metadata");
	/* Skipped records are counted in the database too (meta rows
	 * 'trace:<id>:undescribed' and ':overlong'; info shows them). */
	if (!strcmp(key, "bad_records") || !strcmp(key, "overlong_records")) {
		char *end;
		long long n = strtoll(val, &end, 10);

		if (*end || n < 0)
			return bad(l, e, "metadata");
		if (key[0] == 'b')
			ft_warn("%s: %s records of event types the trace does not describe were "
				"skipped", l->label, val);
		else
			ft_warn("%s: %s corrupt records that claim more bytes than their ring-buffer "
				"page holds were skipped", l->label, val);
		return store_trace_set_meta_int(l->s, l->trace_id, key[0] == 'b' ? "undescribed" :
						"overlong", n, e);
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].key, key))
			continue;
		if (keys[i].is_int) {
			char *end;
			long long v = strtoll(val, &end, 10);

			if (*end || v < 0 || v > (1LL << 40))
				return ft_error(e, -EINVAL, "%s: corrupt trace: absurd %s '%s'",
						l->label, key, val);
			return keys[i].in_meta ? store_trace_set_meta_int(l->s, l->trace_id, key, v, e) :
				store_trace_set_int(l->s, l->trace_id, key, v, e);
		}
		if (keys[i].in_meta) {
			uint32_t present;

			/* Only names of the table: both ends are the same build. */
			if (kfp_parse(val, &present, 1) < 0)
				return bad(l, e, "kernel symbol names");
			return store_trace_set_meta_text(l->s, l->trace_id, key, val, e);
		}
		return store_trace_set_text(l->s, l->trace_id, key, val, e);
	}
	return 0;	/* unknown keys from a newer decoder are ignored */
}

static int on_type(struct loader *l, struct wire_cur *c, struct ft_err *e)
{
	uint32_t id = wire_get_u32(c), nf;
	uint16_t kind = wire_get_u16(c);
	const char *system = wire_get_str(c), *name = wire_get_str(c);
	int64_t type_id;
	int ret;

	nf = wire_get_u32(c);
	if (!wire_cur_ok(c) || id >= MAX_WIRE_TYPES || kind >= FT_K__COUNT || nf > 4096)
		return bad(l, e, "event type");
	if (l->types[id])
		return bad(l, e, "event type described twice");
	ret = store_add_type(l->s, l->trace_id, (int)id, system, name, kind, &type_id, e);
	if (ret < 0)
		return ret;
	for (uint32_t i = 0; i < nf; i++) {
		uint32_t off = wire_get_u32(c), size = wire_get_u32(c);
		uint32_t elem = wire_get_u32(c), flags = wire_get_u32(c);
		const char *fname = wire_get_str(c), *ctype = wire_get_str(c);

		if (!wire_cur_ok(c) || off > FT_MAX_PAYLOAD || size > FT_MAX_PAYLOAD ||
		    elem > FT_MAX_PAYLOAD || flags > 127)
			return bad(l, e, "event field");
		ret = store_add_field(l->s, type_id, (int)i, fname, ctype, (int)off,
				      (int)size, (int)elem, (int)flags, e);
		if (ret < 0)
			return ret;
	}
	if (!wire_cur_done(c))
		return bad(l, e, "event type");
	l->types[id] = type_id;
	return 0;
}

static int on_symbol(struct loader *l, struct wire_cur *c, struct ft_err *e)
{
	uint32_t id = wire_get_u32(c);
	const char *name = wire_get_str(c);
	int64_t db_id;
	int ret;

	if (!wire_cur_done(c) || id != l->nsyms || id >= MAX_SYMS)
		return bad(l, e, "symbol");
	if (l->nsyms % 1024 == 0) {
		int64_t *p = realloc(l->syms, (l->nsyms + 1024) * sizeof(*p));

		if (!p)
			return ft_error(e, -ENOMEM, "out of memory");
		l->syms = p;
	}
	ret = store_add_symbol(l->s, name, &db_id, e);
	if (ret < 0)
		return ret;
	l->syms[l->nsyms++] = db_id;
	return 0;
}

static int on_event(struct loader *l, struct wire_cur *c, struct ft_err *e)
{
	struct ft_event ev;
	uint16_t b;

	if (wire_get_event(c, &b, &ev) < 0)
		return bad(l, e, "event");
	if (b >= l->nbufs || ev.type >= MAX_WIRE_TYPES || !l->types[ev.type] ||
	    ev.cpu < 0 || (uint32_t)ev.cpu >= l->buf_cpus[b] || ev.kind >= FT_K__COUNT)
		return bad(l, e, "event header");
	if (ft_event_has(&ev, FT_C_CALLER)) {
		if (ev.v[FT_C_CALLER] < 0 || ev.v[FT_C_CALLER] >= l->nsyms)
			return bad(l, e, "caller symbol");
		ev.v[FT_C_CALLER] = l->syms[ev.v[FT_C_CALLER]];
	}
	if (ev.ts > INT64_MAX)
		return ft_error(e, -EINVAL, "%s: corrupt trace: absurd timestamp %llu",
				l->label, (unsigned long long)ev.ts);
	if (l->st->events && ev.ts < l->st->last_ts)
		l->ts_backwards++;	/* stored at the end, shown by info */
	if (!l->st->events || ev.ts < l->st->first_ts)
		l->st->first_ts = ev.ts;
	if (ev.ts > l->st->last_ts)
		l->st->last_ts = ev.ts;
	l->st->events++;
	l->buf_events[b]++;
	l->type_counts[ev.type]++;
	return store_add_event(l->s, l->trace_id, l->types[ev.type], &ev, e);
}

/*
 * Per buffer and cpu: [0] events the page headers said were missed, [1]
 * the ring buffer's overrun + dropped counters.  Both count the same losses
 * when both exist, so a cpu's loss is the larger of the two (loader_finish).
 */
static uint64_t *lost_slot(struct loader *l, uint32_t b, uint32_t cpu, int which)
{
	if (b >= MAX_BUFS || cpu >= MAX_CPUS)
		return NULL;
	if (!l->lost_by_cpu[b]) {
		l->lost_by_cpu[b] = calloc(2 * MAX_CPUS, sizeof(uint64_t));
		if (!l->lost_by_cpu[b])
			return NULL;
	}
	return &l->lost_by_cpu[b][2 * cpu + (uint32_t)which];
}

static int on_lost(struct loader *l, struct wire_cur *c, struct ft_err *e)
{
	uint32_t b = wire_get_u32(c), cpu = wire_get_u32(c);
	int64_t count = (int64_t)wire_get_u64(c);
	uint64_t before = wire_get_u64(c), after = wire_get_u64(c);

	if (!wire_cur_done(c) || b >= (uint32_t)l->nbufs || cpu >= l->buf_cpus[b] ||
	    count < -1 || count == 0 || after > INT64_MAX ||
	    (before != UINT64_MAX && before > INT64_MAX))
		return bad(l, e, "lost events");
	if (count > 0) {
		l->st->lost += (uint64_t)count;
		if (lost_slot(l, b, cpu, 0))
			*lost_slot(l, b, cpu, 0) += (uint64_t)count;
	} else {
		l->st->lost_gaps++;
	}
	return store_add_lost(l->s, l->trace_id, l->bufs[b], (int)cpu, "missed", count,
			      before == UINT64_MAX ? -1 : (int64_t)before, (int64_t)after, e);
}

static int on_stat(struct loader *l, struct wire_cur *c, struct ft_err *e)
{
	uint32_t b = wire_get_u32(c), cpu = wire_get_u32(c);
	const char *kind = wire_get_str(c);
	uint64_t count = wire_get_u64(c);

	if (!wire_cur_done(c) || b >= (uint32_t)l->nbufs || cpu >= MAX_CPUS ||
	    count > INT64_MAX)
		return bad(l, e, "ring-buffer statistics");
	if (!count)
		return 0;
	/* Overruns are events the ring buffer overwrote: they are lost. */
	if (lost_slot(l, b, cpu, 1))
		*lost_slot(l, b, cpu, 1) += count;
	return store_add_lost(l->s, l->trace_id, l->bufs[b], (int)cpu, kind,
			      (int64_t)count, -1, -1, e);
}

static int on_buffer(struct loader *l, struct wire_cur *c, struct ft_err *e)
{
	uint32_t idx = wire_get_u32(c), cpus = wire_get_u32(c);
	const char *name = wire_get_str(c), *clock = wire_get_str(c);

	if (!wire_cur_done(c) || idx != (uint32_t)l->nbufs || idx >= MAX_BUFS ||
	    cpus > MAX_CPUS)
		return bad(l, e, "buffer");
	l->buf_cpus[idx] = cpus;
	snprintf(l->buf_clock[idx], sizeof(l->buf_clock[idx]), "%s", clock);
	l->nbufs++;
	return store_add_buffer(l->s, l->trace_id, name, (int)cpus, clock, &l->bufs[idx], e);
}

int loader_new(struct loader **out, struct store *s, const char *label,
	       int64_t source_size, const char *tool, struct import_stats *st,
	       struct ft_err *e)
{
	struct store_trace_info ti = { label, source_size, tool };
	struct loader *l = calloc(1, sizeof(*l));
	int ret;

	*out = NULL;
	if (!l)
		return ft_error(e, -ENOMEM, "out of memory");
	memset(st, 0, sizeof(*st));
	l->s = s;
	l->label = label;
	l->st = st;
	l->types = calloc(MAX_WIRE_TYPES, sizeof(*l->types));
	l->type_counts = calloc(MAX_WIRE_TYPES, sizeof(*l->type_counts));
	if (!l->types || !l->type_counts) {
		loader_free(l);
		return ft_error(e, -ENOMEM, "out of memory");
	}
	ret = store_trace_begin(s, &ti, &l->trace_id, e);
	if (ret < 0) {
		loader_free(l);
		return ret;
	}
	st->trace_id = l->trace_id;
	*out = l;
	return 0;
}

int loader_frame(struct loader *l, const struct wire_frame *f, struct ft_err *e)
{
	struct wire_cur c;
	int ret = 0;

	wire_cur_init(&c, f);
	l->st->bytes += 5 + f->len;
	if (!l->hello && f->type != WIRE_HELLO)
		return bad(l, e, "no greeting");
	if (l->st->done)
		return bad(l, e, "data after the end");
	switch (f->type) {
	case WIRE_HELLO:
		if (l->hello || wire_get_u32(&c) != WIRE_VERSION || !wire_cur_done(&c))
			ret = bad(l, e, "greeting");
		l->hello = 1;
		break;
	case WIRE_PHASE:
		snprintf(l->st->phase, sizeof(l->st->phase), "%s", wire_get_str(&c));
		break;
	case WIRE_META:
		ret = on_meta(l, &c, e);
		break;
	case WIRE_BUFFER:
		ret = on_buffer(l, &c, e);
		break;
	case WIRE_TYPE:
		ret = on_type(l, &c, e);
		break;
	case WIRE_SYMBOL:
		ret = on_symbol(l, &c, e);
		break;
	case WIRE_TASK: {
		uint32_t pid = wire_get_u32(&c);
		const char *comm = wire_get_str(&c);

		if (!wire_cur_done(&c) || pid > (1u << 22))
			ret = bad(l, e, "task");
		else
			ret = store_add_task(l->s, l->trace_id, (int)pid, comm, e);
		break;
	}
	case WIRE_EVENT:
		ret = on_event(l, &c, e);
		break;
	case WIRE_LOST:
		ret = on_lost(l, &c, e);
		break;
	case WIRE_STAT:
		ret = on_stat(l, &c, e);
		break;
	case WIRE_DONE:
		if (wire_get_u64(&c) != l->st->events || !wire_cur_done(&c))
			ret = bad(l, e, "event count");
		l->st->done = 1;
		break;
	case WIRE_FAIL:
		snprintf(l->st->fail, sizeof(l->st->fail), "%s", wire_get_str(&c));
		break;
	default:
		ret = bad(l, e, "frame type");
	}
	return ret;
}

int loader_finish(struct loader *l, struct ft_err *e)
{
	struct import_stats *st = l->st;
	int ret = 0;

	if (!st->done)
		return ft_error(e, -EPROTO, "%s: stream ended without its end marker", l->label);
	st->lost = 0;
	for (int b = 0; b < MAX_BUFS; b++)
		for (int cpu = 0; l->lost_by_cpu[b] && cpu < MAX_CPUS; cpu++) {
			uint64_t m = l->lost_by_cpu[b][2 * cpu], o = l->lost_by_cpu[b][2 * cpu + 1];

			st->lost += m > o ? m : o;
		}
	for (uint32_t t = 0; ret == 0 && t < MAX_WIRE_TYPES; t++)
		if (l->types[t])
			ret = store_set_type_count(l->s, l->types[t], (int64_t)l->type_counts[t], e);
	if (ret == 0)
		ret = store_trace_set_int(l->s, l->trace_id, "n_events", (int64_t)st->events, e);
	if (ret == 0 && st->events)
		ret = store_trace_set_int(l->s, l->trace_id, "first_ts", (int64_t)st->first_ts, e);
	if (ret == 0 && st->events)
		ret = store_trace_set_int(l->s, l->trace_id, "last_ts", (int64_t)st->last_ts, e);
	if (ret == 0 && l->ts_backwards) {
		ft_warn("%s: %llu events have a timestamp earlier than an event before them",
			l->label, (unsigned long long)l->ts_backwards);
		ret = store_trace_set_meta_int(l->s, l->trace_id, "ts_backwards",
					       (int64_t)l->ts_backwards, e);
	}
	if (ret == 0)
		ret = store_trace_set_int(l->s, l->trace_id, "lost_events", (int64_t)st->lost, e);
	if (ret == 0)
		ret = store_trace_set_int(l->s, l->trace_id, "lost_unknown",
					  (int64_t)st->lost_gaps, e);
	if (ret == 0 && l->nbufs) {
		/* The trace's clock is that of the buffer holding its events. */
		int busiest = 0;

		for (int b = 1; b < l->nbufs; b++)
			if (l->buf_events[b] > l->buf_events[busiest])
				busiest = b;
		if (l->buf_clock[busiest][0])
			ret = store_trace_set_text(l->s, l->trace_id, "clock",
						   l->buf_clock[busiest], e);
	}
	return ret;
}

void loader_free(struct loader *l)
{
	if (!l)
		return;
	free(l->types);
	free(l->type_counts);
	free(l->syms);
	for (int b = 0; b < MAX_BUFS; b++)
		free(l->lost_by_cpu[b]);
	free(l);
}
