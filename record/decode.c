/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * decode.c - see decode.h.  Everything here may run on a hostile file:
 * values that come from the file are range-checked (emit.c, normalize.c)
 * before they index anything of ours.
 */
#include "decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/kfingerprint.h"
#include "emit.h"
#include "tracecmd_priv.h"

struct dec {
	struct emitter *em;
	struct tracecmd_input *handles[EMIT_MAX_BUFFERS];
	int cpus[EMIT_MAX_BUFFERS];
	int page_size[EMIT_MAX_BUFFERS];
	/* Per buffer and cpu: the file offset of the last record + 1 (0: none
	 * yet).  A cpu's records are read page after page, so their offsets
	 * only grow; a record at or before the last one means the library is
	 * going round a damaged page (seen: the same 3 records forever, with
	 * timestamps still growing), which would fill the disk. */
	unsigned long long *next_off[EMIT_MAX_BUFFERS];
	int looped_buf, looped_cpu;
	int nbuf;
};

static int fail(struct wire_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct wire_writer *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	wire_send_str(w, WIRE_FAIL, msg);
	wire_flush(w);
	return 1;
}

/* Where record @rec of buffer @b stands: 0 to emit it, 1 to skip it (its
 * data runs past its page), -1 when the cpu went back (a loop). */
static int place_record(struct dec *d, int b, const struct tep_record *rec)
{
	unsigned long long *next, ps = (unsigned long long)d->page_size[b];

	if (rec->cpu < 0 || rec->cpu >= d->cpus[b])
		return 0; /* emitter_record counts it as bad */
	next = &d->next_off[b][rec->cpu];
	if (rec->offset < *next)
		return -1;
	*next = rec->offset + 1;
	/* A record lies inside its page (real traces, v6 and v7 alike: at
	 * most 4092 of 4096).  libtracecmd hands out records whose size runs
	 * past the page on damaged files; reading those would read past the
	 * library's page buffer. */
	if (ps > 0 && rec->size > 0 && rec->offset % ps + (unsigned)rec->size > ps)
		return 1;
	return 0;
}

static int on_record(struct tracecmd_input *h, struct tep_record *rec, int multi_cpu,
		     void *data)
{
	struct dec *d = data;
	int b;

	/* The callback's cpu numbers cpus across all handles; the record's
	 * own cpu is the one within its buffer. */
	(void)multi_cpu;
	for (b = 0; b < d->nbuf && d->handles[b] != h; b++)
		;
	if (b == d->nbuf) {
		emitter_record(d->em, -1, rec); /* counted as bad */
		return 0;
	}
	switch (place_record(d, b, rec)) {
	case -1:
		d->looped_buf = b;
		d->looped_cpu = rec->cpu;
		return -1; /* a negative value stops the iteration */
	case 1:
		emitter_skip_overlong(d->em);
		return 0;
	}
	emitter_record(d->em, b, rec);
	return 0;
}

/*
 * The trace's kallsyms: how many entries libtracecmd loaded (0: the file
 * has none) and which names of core/kfingerprint.h they list, for the
 * code variant (analyze/variant.c).  libtraceevent has no name lookup; its
 * one way to list the functions it holds is tep_print_funcs(), which
 * prints them to stdout, so stdout is a memory stream meanwhile (glibc's
 * stdout is an assignable variable): no file, no descriptor, no system
 * call but malloc's, as the decoder's seccomp filter wants (sandbox.h).
 */
static void send_kallsyms(struct emitter *em, struct tep_handle *tep)
{
	int n = tep_get_function_count(tep);
	uint32_t present = 0;
	char names[512], *text = NULL;
	size_t len = 0;
	FILE *mem, *saved;

	emitter_meta_int(em, "kallsyms", n > 0 ? n : 0);
	if (n <= 0)
		return;
	mem = open_memstream(&text, &len);
	if (!mem)
		return;
	saved = stdout;
	stdout = mem;
	tep_print_funcs(tep);
	stdout = saved;
	if (fclose(mem) == 0 && text && len > 0)
		kfp_scan(&present, text, len, 1); /* "ADDR NAME [MOD]" */
	free(text);
	kfp_format(present, names, sizeof(names));
	emitter_meta(em, "ksyms", names);
}

static void send_meta(struct emitter *em, struct tracecmd_input *h)
{
	const char *uname = tracecmd_get_uname(h);
	const char *cname = NULL, *cver = NULL;

	emitter_meta_int(em, "file_version", (long long)tracecmd_get_in_file_version(h));
	if (tracecmd_get_file_compress_proto(h, &cname, &cver) == 0 && cname)
		emitter_meta(em, "compression", cname);
	if (uname) {
		/* trace-cmd saves "sysname nodename release [version] machine" */
		char buf[512], *save = NULL, *tok;
		int i = 0;

		snprintf(buf, sizeof(buf), "%s", uname);
		emitter_meta(em, "uname", buf);
		for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save), i++) {
			if (i == 1)
				emitter_meta(em, "host", tok);
			else if (i == 2)
				emitter_meta(em, "kernel_release", tok);
		}
	}
	emitter_meta(em, "clock", tracecmd_get_trace_clock(h));
	emitter_meta_int(em, "cpus", tracecmd_cpus(h));
	emitter_meta_int(em, "page_size", tracecmd_page_size(h));
	send_kallsyms(em, tracecmd_get_tep(h));
}

static int add_buffer(struct dec *d, struct tracecmd_input *h, const char *name)
{
	int cpus = tracecmd_cpus(h);

	if (cpus < 0 || cpus > EMIT_MAX_CPUS || d->nbuf >= EMIT_MAX_BUFFERS)
		return -1;
	d->next_off[d->nbuf] = calloc((size_t)cpus + 1, sizeof(unsigned long long));
	if (!d->next_off[d->nbuf])
		return -1;
	if (emitter_add_buffer(d->em, name, cpus, tracecmd_get_trace_clock(h)) < 0) {
		free(d->next_off[d->nbuf]);
		d->next_off[d->nbuf] = NULL;
		return -1;
	}
	d->cpus[d->nbuf] = cpus;
	d->page_size[d->nbuf] = tracecmd_page_size(h);
	d->handles[d->nbuf++] = h;
	return 0;
}

int decode_trace_fd(int fd, struct wire_writer *w)
{
	struct dec d = { .looped_buf = -1 };
	struct tracecmd_input *top;
	int ret = 1, n;

	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
	wire_send_hello(w);
	wire_send_str(w, WIRE_PHASE, "reading the file header");
	wire_flush(w);
	top = tracecmd_alloc_fd(fd, TRACECMD_FL_LOAD_NO_PLUGINS |
				TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!top)
		return fail(w, "not a trace-cmd trace.dat file (bad magic, version or header)");
	wire_send_str(w, WIRE_PHASE, "parsing headers and event formats");
	wire_flush(w);
	if (tracecmd_read_headers(top, 0) < 0) {
		tracecmd_close(top);
		return fail(w, "corrupt trace: cannot parse the headers and event formats");
	}
	wire_send_str(w, WIRE_PHASE, "loading the cpu data index");
	wire_flush(w);
	if (tracecmd_init_data(top) < 0) {
		tracecmd_close(top);
		return fail(w, "corrupt trace: cannot load the cpu data");
	}
	if (!tracecmd_get_tep(top)) {
		tracecmd_close(top);
		return fail(w, "corrupt trace: no event descriptions");
	}
	d.em = emitter_new(w, tracecmd_get_tep(top));
	if (!d.em) {
		tracecmd_close(top);
		return fail(w, "decoder out of memory");
	}
	emitter_phase(d.em, "reading trace metadata");
	send_meta(d.em, top);
	if (add_buffer(&d, top, "") < 0) {
		fail(w, "corrupt trace: absurd cpu count %d", tracecmd_cpus(top));
		goto out;
	}
	n = tracecmd_buffer_instances(top);
	if (n < 0 || n > EMIT_MAX_BUFFERS - 1) {
		fail(w, "corrupt trace: %d buffer instances", n);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const char *name = tracecmd_buffer_instance_name(top, i);
		struct tracecmd_input *h;
		char what[128];

		snprintf(what, sizeof(what), "opening buffer instance %d", i);
		emitter_phase(d.em, what);
		h = tracecmd_buffer_instance_handle(top, i);
		if (!h) {
			fail(w, "corrupt trace: cannot open buffer instance '%s'", name ? name : "?");
			goto out;
		}
		if (add_buffer(&d, h, name ? name : "?") < 0) {
			tracecmd_close(h);
			fail(w, "corrupt trace: buffer instance '%s' has an absurd cpu count",
			     name ? name : "?");
			goto out;
		}
	}
	emitter_phase(d.em, "decoding events");
	tracecmd_iterate_events_multi(d.handles, d.nbuf, on_record, &d);
	if (w->failed)
		goto out;
	if (d.looped_buf >= 0) {
		fail(w, "corrupt trace: the records of cpu %d%s%s go back to an earlier offset "
		     "(a damaged ring-buffer page the decoder would read forever)",
		     d.looped_cpu, d.looped_buf ? " of buffer instance " : "",
		     d.looped_buf ? tracecmd_buffer_instance_name(top, d.looped_buf - 1) ?: "?" : "");
		goto out;
	}
	emitter_phase(d.em, "reading ring-buffer statistics");
	for (int b = 0; b < d.nbuf; b++)
		emitter_stats_text(d.em, b, -1, tracecmd_get_cpustats(d.handles[b]));
	emitter_done(d.em);
	ret = w->failed != 0;
out:
	wire_flush(w);
	for (int b = 1; b < d.nbuf; b++)
		tracecmd_close(d.handles[b]);
	tracecmd_close(top);
	emitter_free(d.em);
	for (int b = 0; b < d.nbuf; b++)
		free(d.next_off[b]);
	return ret;
}
