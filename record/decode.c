/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * decode.c - see decode.h.  Everything here may run on a hostile file:
 * values that come from the file are range-checked before they index
 * anything of ours, and nothing is trusted to be NUL-terminated.
 */
#include "decode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "tracecmd_priv.h"

#define MAX_BUFFERS	64
#define MAX_CPUS	4096
#define PID_LIMIT	(1 << 22)	/* the kernel's PID_MAX_LIMIT */

struct dec {
	struct wire_writer *w;
	struct tep_handle *tep;
	struct norm *norm;
	struct tracecmd_input *handles[MAX_BUFFERS];
	int cpus[MAX_BUFFERS];
	uint64_t *last_ts[MAX_BUFFERS];	/* per cpu, 0 = none yet */
	int nbuf;
	uint8_t *types_sent;		/* bitmap over event ids */
	uint8_t *pids_sent;		/* bitmap over pids */
	int64_t nsyms;
	char **symnames;
	size_t symcap;
	uint64_t events;
	uint64_t bad_records;
};

static void phase(struct dec *d, const char *what)
{
	wire_send_str(d->w, WIRE_PHASE, what);
	wire_flush(d->w);
}

static int fail(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct dec *d, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	wire_send_str(d->w, WIRE_FAIL, msg);
	wire_flush(d->w);
	return 1;
}

static void meta(struct dec *d, const char *key, const char *val)
{
	if (!val)
		return;
	wire_begin(d->w, WIRE_META);
	wire_put_str(d->w, key);
	wire_put_str(d->w, val);
	wire_end(d->w);
}

static void meta_int(struct dec *d, const char *key, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	meta(d, key, buf);
}

/* Symbol ids are dense in the stream; the parent maps them to its own. */
static int64_t sym_cb(void *data, const char *name)
{
	struct dec *d = data;

	for (int64_t i = 0; i < d->nsyms; i++)	/* few distinct callers */
		if (!strcmp(d->symnames[i], name))
			return i;
	if ((size_t)d->nsyms == d->symcap) {
		size_t cap = d->symcap ? d->symcap * 2 : 64;
		char **p = realloc(d->symnames, cap * sizeof(*p));

		if (!p)
			return -1;
		d->symnames = p;
		d->symcap = cap;
	}
	d->symnames[d->nsyms] = strdup(name);
	if (!d->symnames[d->nsyms])
		return -1;
	wire_begin(d->w, WIRE_SYMBOL);
	wire_put_u32(d->w, (uint32_t)d->nsyms);
	wire_put_str(d->w, name);
	wire_end(d->w);
	return d->nsyms++;
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

static void put_fields(struct dec *d, struct tep_format_field *list)
{
	for (struct tep_format_field *f = list; f; f = f->next) {
		wire_put_u32(d->w, (uint32_t)f->offset);
		wire_put_u32(d->w, (uint32_t)f->size);
		wire_put_u32(d->w, f->elementsize);
		wire_put_u32(d->w, field_flags(f->flags));
		wire_put_str(d->w, f->name ? f->name : "");
		wire_put_str(d->w, f->type ? f->type : "");
	}
}

static void send_type(struct dec *d, uint32_t id)
{
	struct tep_event *ev = norm_event_of(d->norm, id);
	uint32_t nf = 0;
	int kind;

	if (!ev)
		return;
	kind = norm_kind_of(ev->system ? ev->system : "", ev->name ? ev->name : "");
	for (struct tep_format_field *f = ev->format.common_fields; f; f = f->next)
		nf++;
	for (struct tep_format_field *f = ev->format.fields; f; f = f->next)
		nf++;
	wire_begin(d->w, WIRE_TYPE);
	wire_put_u32(d->w, id);
	wire_put_u16(d->w, (uint16_t)kind);
	wire_put_str(d->w, ev->system ? ev->system : "");
	wire_put_str(d->w, ev->name ? ev->name : "");
	wire_put_u32(d->w, nf);
	put_fields(d, ev->format.common_fields);
	put_fields(d, ev->format.fields);
	wire_end(d->w);
}

static void send_task(struct dec *d, int pid)
{
	const char *comm;

	if (pid < 0 || pid >= PID_LIMIT || (d->pids_sent[pid >> 3] >> (pid & 7)) & 1)
		return;
	d->pids_sent[pid >> 3] |= (uint8_t)(1 << (pid & 7));
	comm = pid == 0 ? "<idle>" : tep_data_comm_from_pid(d->tep, pid);
	wire_begin(d->w, WIRE_TASK);
	wire_put_u32(d->w, (uint32_t)pid);
	wire_put_str(d->w, comm && strcmp(comm, "<...>") ? comm : "");
	wire_end(d->w);
}

static int buffer_of(struct dec *d, struct tracecmd_input *h)
{
	for (int i = 0; i < d->nbuf; i++)
		if (d->handles[i] == h)
			return i;
	return -1;
}

static int on_record(struct tracecmd_input *h, struct tep_record *rec, int multi_cpu,
		     void *data)
{
	struct dec *d = data;
	struct ft_event ev;
	int b = buffer_of(d, h);
	/* The callback's cpu numbers cpus across all handles; the record's own
	 * cpu is the one within its buffer. */
	int cpu = rec->cpu;

	(void)multi_cpu;
	if (b < 0 || cpu < 0 || cpu >= d->cpus[b]) {
		d->bad_records++;
		return 0;
	}
	if (rec->missed_events) {
		uint64_t before = d->last_ts[b][cpu];

		wire_begin(d->w, WIRE_LOST);
		wire_put_u32(d->w, (uint32_t)b);
		wire_put_u32(d->w, (uint32_t)cpu);
		wire_put_u64(d->w, (uint64_t)(rec->missed_events > 0 ? rec->missed_events : -1));
		wire_put_u64(d->w, before ? before : UINT64_MAX);
		wire_put_u64(d->w, rec->ts);
		wire_end(d->w);
	}
	d->last_ts[b][cpu] = rec->ts ? rec->ts : 1;
	if (norm_record(d->norm, rec, &ev) < 0) {
		/* An event of a type the file does not describe: keep it as such. */
		d->bad_records++;
		return 0;
	}
	if (ev.type < 65536 && !((d->types_sent[ev.type >> 3] >> (ev.type & 7)) & 1)) {
		d->types_sent[ev.type >> 3] |= (uint8_t)(1 << (ev.type & 7));
		send_type(d, ev.type);
	}
	send_task(d, ev.pid);
	wire_send_event(d->w, (uint16_t)b, &ev);
	d->events++;
	return d->w->failed ? -1 : 0;
}

static void parse_stats(struct dec *d, int b, const char *text)
{
	static const struct { const char *prefix; const char *kind; } keys[] = {
		{ "overrun: ", "overrun" },
		{ "commit overrun: ", "commit_overrun" },
		{ "dropped events: ", "dropped" },
	};
	int cpu = -1;

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

			if (cpu >= 0 && cpu < MAX_CPUS && !strncmp(line, keys[k].prefix, pl)) {
				long long v = strtoll(line + pl, NULL, 10);

				if (v < 0)
					continue;
				wire_begin(d->w, WIRE_STAT);
				wire_put_u32(d->w, (uint32_t)b);
				wire_put_u32(d->w, (uint32_t)cpu);
				wire_put_str(d->w, keys[k].kind);
				wire_put_u64(d->w, (uint64_t)v);
				wire_end(d->w);
			}
		}
		text = nl ? nl + 1 : NULL;
	}
}

static void send_meta(struct dec *d, struct tracecmd_input *h)
{
	const char *uname = tracecmd_get_uname(h);
	const char *cname = NULL, *cver = NULL;

	meta_int(d, "file_version", (long long)tracecmd_get_in_file_version(h));
	if (tracecmd_get_file_compress_proto(h, &cname, &cver) == 0 && cname)
		meta(d, "compression", cname);
	if (uname) {
		/* trace-cmd saves "sysname nodename release version machine" */
		char buf[512], *save = NULL, *tok;
		int i = 0;

		snprintf(buf, sizeof(buf), "%s", uname);
		meta(d, "uname", buf);
		for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save), i++) {
			if (i == 1)
				meta(d, "host", tok);
			else if (i == 2)
				meta(d, "kernel_release", tok);
		}
	}
	meta(d, "clock", tracecmd_get_trace_clock(h));
	meta_int(d, "cpus", tracecmd_cpus(h));
	meta_int(d, "page_size", tracecmd_page_size(h));
}

static int add_buffer(struct dec *d, struct tracecmd_input *h, const char *name)
{
	int cpus = tracecmd_cpus(h);

	if (d->nbuf >= MAX_BUFFERS)
		return -1;
	if (cpus < 0 || cpus > MAX_CPUS)
		return -2;
	d->last_ts[d->nbuf] = calloc((size_t)cpus + 1, sizeof(uint64_t));
	if (!d->last_ts[d->nbuf])
		return -1;
	d->handles[d->nbuf] = h;
	d->cpus[d->nbuf] = cpus;
	wire_begin(d->w, WIRE_BUFFER);
	wire_put_u32(d->w, (uint32_t)d->nbuf);
	wire_put_u32(d->w, (uint32_t)cpus);
	wire_put_str(d->w, name);
	wire_put_str(d->w, tracecmd_get_trace_clock(h));
	wire_end(d->w);
	d->nbuf++;
	return 0;
}

int decode_trace_fd(int fd, struct wire_writer *w)
{
	struct dec d = { .w = w };
	struct tracecmd_input *top;
	int ret = 1, n;

	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
	wire_begin(w, WIRE_HELLO);
	wire_put_u32(w, WIRE_VERSION);
	wire_end(w);

	phase(&d, "reading the file header");
	top = tracecmd_alloc_fd(fd, TRACECMD_FL_LOAD_NO_PLUGINS |
				TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!top)
		return fail(&d, "not a trace-cmd trace.dat file (bad magic, version or header)");
	phase(&d, "parsing headers and event formats");
	if (tracecmd_read_headers(top, 0) < 0) {
		tracecmd_close(top);
		return fail(&d, "corrupt trace: cannot parse the headers and event formats");
	}
	phase(&d, "loading the cpu data index");
	if (tracecmd_init_data(top) < 0) {
		tracecmd_close(top);
		return fail(&d, "corrupt trace: cannot load the cpu data");
	}
	d.tep = tracecmd_get_tep(top);
	if (!d.tep) {
		tracecmd_close(top);
		return fail(&d, "corrupt trace: no event descriptions");
	}
	d.norm = norm_new(d.tep, sym_cb, &d);
	d.types_sent = calloc(65536 / 8, 1);
	d.pids_sent = calloc(PID_LIMIT / 8, 1);
	if (!d.norm || !d.types_sent || !d.pids_sent) {
		fail(&d, "decoder out of memory");
		goto out;
	}
	phase(&d, "reading trace metadata");
	send_meta(&d, top);
	if (add_buffer(&d, top, "") < 0) {
		fail(&d, "corrupt trace: absurd cpu count %d", tracecmd_cpus(top));
		goto out;
	}
	n = tracecmd_buffer_instances(top);
	if (n < 0 || n > MAX_BUFFERS - 1) {
		fail(&d, "corrupt trace: %d buffer instances", n);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const char *name = tracecmd_buffer_instance_name(top, i);
		struct tracecmd_input *h;
		char what[128];

		snprintf(what, sizeof(what), "opening buffer instance %d", i);
		phase(&d, what);
		h = tracecmd_buffer_instance_handle(top, i);
		if (!h) {
			fail(&d, "corrupt trace: cannot open buffer instance '%s'",
			     name ? name : "?");
			goto out;
		}
		if (add_buffer(&d, h, name ? name : "?") < 0) {
			tracecmd_close(h);
			fail(&d, "corrupt trace: buffer instance '%s' has an absurd cpu count",
			     name ? name : "?");
			goto out;
		}
	}
	wire_flush(w);
	phase(&d, "decoding events");
	if (tracecmd_iterate_events_multi(d.handles, d.nbuf, on_record, &d) < 0 && w->failed) {
		ret = 1;
		goto out;
	}
	phase(&d, "reading ring-buffer statistics");
	for (int b = 0; b < d.nbuf; b++)
		parse_stats(&d, b, tracecmd_get_cpustats(d.handles[b]));
	if (d.bad_records)
		meta_int(&d, "bad_records", (long long)d.bad_records);
	wire_begin(w, WIRE_DONE);
	wire_put_u64(w, d.events);
	wire_end(w);
	ret = wire_flush(w) < 0;
out:
	wire_flush(w);
	for (int b = 1; b < d.nbuf; b++)
		tracecmd_close(d.handles[b]);
	for (int b = 0; b < d.nbuf; b++)
		free(d.last_ts[b]);
	tracecmd_close(top);
	norm_free(d.norm);
	for (int64_t i = 0; i < d.nsyms; i++)
		free(d.symnames[i]);
	free(d.symnames);
	free(d.types_sent);
	free(d.pids_sent);
	return ret;
}
