/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * emit.c - see emit.h.  May run on hostile input (inside the decoder):
 * values from records are range-checked before they index anything.
 */
#include "emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"

#define PID_LIMIT	(1 << 22)	/* the kernel's PID_MAX_LIMIT */

struct emitter {
	struct wire_writer *w;
	struct tep_handle *tep;
	struct norm *norm;
	int cpus[EMIT_MAX_BUFFERS];
	unsigned long long *last_ts[EMIT_MAX_BUFFERS];	/* per cpu, 0 = none */
	int nbuf;
	uint8_t *types_sent;		/* bitmap over event ids */
	uint8_t *pids_sent;		/* bitmap over pids */
	int64_t nsyms;
	char **symnames;
	size_t symcap;
	unsigned long long events, bad_records, overlong_records;
};

/* Symbol ids are dense in the stream; the loader maps them to its own. */
static int64_t sym_cb(void *data, const char *name)
{
	struct emitter *em = data;

	for (int64_t i = 0; i < em->nsyms; i++)	/* few distinct callers */
		if (!strcmp(em->symnames[i], name))
			return i;
	if ((size_t)em->nsyms == em->symcap) {
		size_t cap = em->symcap ? em->symcap * 2 : 64;
		char **p = realloc(em->symnames, cap * sizeof(*p));

		if (!p)
			return -1;
		em->symnames = p;
		em->symcap = cap;
	}
	em->symnames[em->nsyms] = strdup(name);
	if (!em->symnames[em->nsyms])
		return -1;
	wire_begin(em->w, WIRE_SYMBOL);
	wire_put_u32(em->w, (uint32_t)em->nsyms);
	wire_put_str(em->w, name);
	wire_end(em->w);
	return em->nsyms++;
}

struct emitter *emitter_new(struct wire_writer *w, struct tep_handle *tep)
{
	struct emitter *em = calloc(1, sizeof(*em));

	if (!em)
		return NULL;
	em->w = w;
	em->tep = tep;
	em->norm = norm_new(tep, sym_cb, em);
	em->types_sent = calloc(65536 / 8, 1);
	em->pids_sent = calloc(PID_LIMIT / 8, 1);
	if (!em->norm || !em->types_sent || !em->pids_sent) {
		emitter_free(em);
		return NULL;
	}
	return em;
}

void emitter_free(struct emitter *em)
{
	if (!em)
		return;
	norm_free(em->norm);
	for (int b = 0; b < em->nbuf; b++)
		free(em->last_ts[b]);
	for (int64_t i = 0; i < em->nsyms; i++)
		free(em->symnames[i]);
	free(em->symnames);
	free(em->types_sent);
	free(em->pids_sent);
	free(em);
}

void emitter_phase(struct emitter *em, const char *what)
{
	wire_send_str(em->w, WIRE_PHASE, what);
	wire_flush(em->w);
}

void emitter_meta(struct emitter *em, const char *key, const char *val)
{
	if (!val)
		return;
	wire_begin(em->w, WIRE_META);
	wire_put_str(em->w, key);
	wire_put_str(em->w, val);
	wire_end(em->w);
}

void emitter_meta_int(struct emitter *em, const char *key, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	emitter_meta(em, key, buf);
}

int emitter_add_buffer(struct emitter *em, const char *name, int cpus, const char *clock)
{
	if (em->nbuf >= EMIT_MAX_BUFFERS || cpus < 0 || cpus > EMIT_MAX_CPUS)
		return -1;
	em->last_ts[em->nbuf] = calloc((size_t)cpus + 1, sizeof(unsigned long long));
	if (!em->last_ts[em->nbuf])
		return -1;
	em->cpus[em->nbuf] = cpus;
	wire_begin(em->w, WIRE_BUFFER);
	wire_put_u32(em->w, (uint32_t)em->nbuf);
	wire_put_u32(em->w, (uint32_t)cpus);
	wire_put_str(em->w, name);
	wire_put_str(em->w, clock ? clock : "");
	wire_end(em->w);
	return em->nbuf++;
}

static unsigned field_flags(unsigned long f)
{
	unsigned out = 0;

	if (f & TEP_FIELD_IS_SIGNED) out |= 1;
	if (f & TEP_FIELD_IS_ARRAY) out |= 2;
	if (f & TEP_FIELD_IS_STRING) out |= 4;
	if (f & TEP_FIELD_IS_DYNAMIC) out |= 8;
	if (f & TEP_FIELD_IS_POINTER) out |= 16;
	if (f & TEP_FIELD_IS_LONG) out |= 32;
	if (f & TEP_FIELD_IS_RELATIVE) out |= 64;
	return out;
}

static void put_fields(struct emitter *em, struct tep_format_field *list)
{
	for (struct tep_format_field *f = list; f; f = f->next) {
		wire_put_u32(em->w, (uint32_t)f->offset);
		wire_put_u32(em->w, (uint32_t)f->size);
		wire_put_u32(em->w, f->elementsize);
		wire_put_u32(em->w, field_flags(f->flags));
		wire_put_str(em->w, f->name ? f->name : "");
		wire_put_str(em->w, f->type ? f->type : "");
	}
}

static void send_type(struct emitter *em, uint32_t id)
{
	struct tep_event *ev = norm_event_of(em->norm, id);
	uint32_t nf = 0;
	int kind;

	if (!ev)
		return;
	kind = norm_kind_of(ev->system ? ev->system : "", ev->name ? ev->name : "");
	for (struct tep_format_field *f = ev->format.common_fields; f; f = f->next)
		nf++;
	for (struct tep_format_field *f = ev->format.fields; f; f = f->next)
		nf++;
	wire_begin(em->w, WIRE_TYPE);
	wire_put_u32(em->w, id);
	wire_put_u16(em->w, (uint16_t)kind);
	wire_put_str(em->w, ev->system ? ev->system : "");
	wire_put_str(em->w, ev->name ? ev->name : "");
	wire_put_u32(em->w, nf);
	put_fields(em, ev->format.common_fields);
	put_fields(em, ev->format.fields);
	wire_end(em->w);
}

static void send_task(struct emitter *em, int pid)
{
	const char *comm;

	if (pid < 0 || pid >= PID_LIMIT || (em->pids_sent[pid >> 3] >> (pid & 7)) & 1)
		return;
	em->pids_sent[pid >> 3] |= (uint8_t)(1 << (pid & 7));
	comm = pid == 0 ? "<idle>" : tep_data_comm_from_pid(em->tep, pid);
	wire_begin(em->w, WIRE_TASK);
	wire_put_u32(em->w, (uint32_t)pid);
	wire_put_str(em->w, comm && strcmp(comm, "<...>") ? comm : "");
	wire_end(em->w);
}

void emitter_lost(struct emitter *em, int b, int cpu, long long count,
		  unsigned long long ts_after)
{
	unsigned long long before;

	if (b < 0 || b >= em->nbuf || cpu < 0 || cpu >= em->cpus[b])
		return;
	before = em->last_ts[b][cpu];
	wire_begin(em->w, WIRE_LOST);
	wire_put_u32(em->w, (uint32_t)b);
	wire_put_u32(em->w, (uint32_t)cpu);
	wire_put_u64(em->w, (uint64_t)(count > 0 ? count : -1));
	wire_put_u64(em->w, before ? before : UINT64_MAX);
	wire_put_u64(em->w, ts_after);
	wire_end(em->w);
}

int emitter_record(struct emitter *em, int b, struct tep_record *rec)
{
	struct ft_event ev;
	int cpu = rec->cpu;

	if (b < 0 || b >= em->nbuf || cpu < 0 || cpu >= em->cpus[b]) {
		em->bad_records++;
		return -1;
	}
	if (rec->missed_events)
		emitter_lost(em, b, cpu, rec->missed_events, rec->ts);
	em->last_ts[b][cpu] = rec->ts ? rec->ts : 1;
	if (norm_record(em->norm, rec, &ev) < 0) {
		/* A record of a type the trace does not describe. */
		em->bad_records++;
		return -1;
	}
	if (ev.type < 65536 && !((em->types_sent[ev.type >> 3] >> (ev.type & 7)) & 1)) {
		em->types_sent[ev.type >> 3] |= (uint8_t)(1 << (ev.type & 7));
		send_type(em, ev.type);
	}
	send_task(em, ev.pid);
	wire_send_event(em->w, (uint16_t)b, &ev);
	em->events++;
	return 0;
}

static void send_stat(struct emitter *em, int b, int cpu, const char *kind, long long v)
{
	if (cpu < 0 || cpu >= EMIT_MAX_CPUS || v < 0)
		return;
	wire_begin(em->w, WIRE_STAT);
	wire_put_u32(em->w, (uint32_t)b);
	wire_put_u32(em->w, (uint32_t)cpu);
	wire_put_str(em->w, kind);
	wire_put_u64(em->w, (uint64_t)v);
	wire_end(em->w);
}

void emitter_stats_text(struct emitter *em, int b, int cpu, const char *text)
{
	static const struct { const char *prefix; const char *kind; } keys[] = {
		{ "overrun: ", "overrun" },
		{ "commit overrun: ", "commit_overrun" },
		{ "dropped events: ", "dropped" },
	};

	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		char line[128];

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, text, len);
		line[len] = '\0';
		if (!strncmp(line, "CPU: ", 5))
			cpu = atoi(line + 5);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			size_t pl = strlen(keys[k].prefix);

			if (!strncmp(line, keys[k].prefix, pl))
				send_stat(em, b, cpu, keys[k].kind, strtoll(line + pl, NULL, 10));
		}
		text = nl ? nl + 1 : NULL;
	}
}

void emitter_skip_overlong(struct emitter *em)
{
	em->overlong_records++;
}

void emitter_done(struct emitter *em)
{
	if (em->bad_records)
		emitter_meta_int(em, "bad_records", (long long)em->bad_records);
	if (em->overlong_records)
		emitter_meta_int(em, "overlong_records", (long long)em->overlong_records);
	wire_begin(em->w, WIRE_DONE);
	wire_put_u64(em->w, em->events);
	wire_end(em->w);
	wire_flush(em->w);
}
