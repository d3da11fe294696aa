/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * import.c - see import.h.
 *
 * States of an import (each failure edge unlinks the temporary file):
 *
 *   CHECK_INPUT --stat ok--> CREATE_TMP --store_create--> DECODING
 *   DECODING --DONE frame + child exit 0--> FINISHING
 *   FINISHING --indexes, complete=1, fsync--> RENAMED (output in place)
 *
 * Invariant I1: the output path only ever receives a database whose trace
 * row has complete = 1 (rename happens after store_trace_finish()).
 * Invariant I2: a decoder crash, limit or FAIL frame is reported as one
 * message naming the input file and the decoder's last phase.
 */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/kinds.h"
#include "../core/wire.h"
#include "decode.h"
#include "sandbox.h"

volatile int import_interrupted;

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
	int64_t *syms;		/* wire symbol -> symbols.id */
	uint32_t nsyms;
	int64_t bufs[MAX_BUFS];
	uint32_t buf_cpus[MAX_BUFS];
	char buf_clock[MAX_BUFS][32];
	uint64_t buf_events[MAX_BUFS];
	int nbufs;
	int progress;
	double t0, last_print;
	struct import_stats *st;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bad(struct loader *l, struct ft_err *e, const char *what)
{
	return ft_error(e, -EPROTO, "%s: corrupt trace: decoder sent malformed data (%s) while %s",
			l->label, what, l->st->phase[0] ? l->st->phase : "starting");
}

static void show_progress(struct loader *l, int final)
{
	double t = now();

	if (!l->progress || (!final && t - l->last_print < 0.25))
		return;
	l->last_print = t;
	fprintf(stderr, "\r\033[Kimporting %s: %llu events, %.1f MB read, lost %llu%s",
		l->label, (unsigned long long)l->st->events,
		(double)l->st->bytes / 1e6, (unsigned long long)l->st->lost,
		final ? "\n" : "");
}

static int on_meta(struct loader *l, struct wire_cur *c, struct ft_err *e)
{
	static const struct { const char *key; int is_int; } keys[] = {
		{ "file_version", 1 }, { "compression", 0 }, { "uname", 0 },
		{ "host", 0 }, { "kernel_release", 0 }, { "clock", 0 },
		{ "cpus", 1 }, { "page_size", 1 },
	};
	const char *key = wire_get_str(c), *val = wire_get_str(c);

	if (!wire_cur_done(c))
		return bad(l, e, "metadata");
	if (!strcmp(key, "bad_records")) {
		ft_warn("%s: %s records of event types the trace does not describe were skipped",
			l->label, val);
		return 0;
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
			return store_trace_set_int(l->s, l->trace_id, key, v, e);
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
	if (!l->st->events || ev.ts < l->st->first_ts)
		l->st->first_ts = ev.ts;
	if (ev.ts > l->st->last_ts)
		l->st->last_ts = ev.ts;
	l->st->events++;
	l->buf_events[b]++;
	l->type_counts[ev.type]++;
	return store_add_event(l->s, l->trace_id, l->types[ev.type], &ev, e);
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
	if (count > 0)
		l->st->lost += (uint64_t)count;
	else
		l->st->lost_gaps++;
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
	l->st->lost += count;
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

int import_stream(struct store *s, int fd, const char *label,
		  int64_t source_size, int progress, struct import_stats *st,
		  struct ft_err *e)
{
	struct store_trace_info ti = { label, source_size, "foliotrace import " FT_VERSION };
	struct loader l = { .s = s, .label = label, .progress = progress, .st = st };
	struct wire_reader r;
	struct wire_frame f;
	int ret, hello = 0;

	memset(st, 0, sizeof(*st));
	l.types = calloc(MAX_WIRE_TYPES, sizeof(*l.types));
	l.type_counts = calloc(MAX_WIRE_TYPES, sizeof(*l.type_counts));
	if (!l.types || !l.type_counts || wire_reader_init(&r, fd) < 0) {
		free(l.types);
		free(l.type_counts);
		return ft_error(e, -ENOMEM, "out of memory");
	}
	l.t0 = l.last_print = now();
	ret = store_trace_begin(s, &ti, &l.trace_id, e);
	st->trace_id = l.trace_id;
	while (ret == 0 && (ret = wire_next(&r, &f, e)) > 0) {
		struct wire_cur c;

		ret = 0;
		if (import_interrupted) {
			ret = ft_error(e, -EINTR, "%s: import interrupted", label);
			break;
		}
		wire_cur_init(&c, &f);
		if (!hello && f.type != WIRE_HELLO) {
			ret = bad(&l, e, "no greeting");
			break;
		}
		if (st->done) {
			ret = bad(&l, e, "data after the end");
			break;
		}
		switch (f.type) {
		case WIRE_HELLO:
			if (hello || wire_get_u32(&c) != WIRE_VERSION || !wire_cur_done(&c))
				ret = bad(&l, e, "greeting");
			hello = 1;
			break;
		case WIRE_PHASE:
			snprintf(st->phase, sizeof(st->phase), "%s", wire_get_str(&c));
			break;
		case WIRE_META:
			ret = on_meta(&l, &c, e);
			break;
		case WIRE_BUFFER:
			ret = on_buffer(&l, &c, e);
			break;
		case WIRE_TYPE:
			ret = on_type(&l, &c, e);
			break;
		case WIRE_SYMBOL:
			ret = on_symbol(&l, &c, e);
			break;
		case WIRE_TASK: {
			uint32_t pid = wire_get_u32(&c);
			const char *comm = wire_get_str(&c);

			if (!wire_cur_done(&c) || pid > (1u << 22))
				ret = bad(&l, e, "task");
			else
				ret = store_add_task(s, l.trace_id, (int)pid, comm, e);
			break;
		}
		case WIRE_EVENT:
			ret = on_event(&l, &c, e);
			if ((st->events & 0xffff) == 0)
				show_progress(&l, 0);
			break;
		case WIRE_LOST:
			ret = on_lost(&l, &c, e);
			break;
		case WIRE_STAT:
			ret = on_stat(&l, &c, e);
			break;
		case WIRE_DONE:
			if (wire_get_u64(&c) != st->events || !wire_cur_done(&c))
				ret = bad(&l, e, "event count");
			st->done = 1;
			break;
		case WIRE_FAIL:
			snprintf(st->fail, sizeof(st->fail), "%s", wire_get_str(&c));
			break;
		default:
			ret = bad(&l, e, "frame type");
		}
	}
	st->bytes = r.bytes;
	if (progress)
		show_progress(&l, 1);
	if (ret == 0 && st->done) {
		for (uint32_t t = 0; ret == 0 && t < MAX_WIRE_TYPES; t++)
			if (l.types[t])
				ret = store_set_type_count(s, l.types[t], (int64_t)l.type_counts[t], e);
		if (ret == 0)
			ret = store_trace_set_int(s, l.trace_id, "n_events", (int64_t)st->events, e);
		if (ret == 0 && st->events) {
			ret = store_trace_set_int(s, l.trace_id, "first_ts", (int64_t)st->first_ts, e);
			if (ret == 0)
				ret = store_trace_set_int(s, l.trace_id, "last_ts",
							  (int64_t)st->last_ts, e);
		}
		if (ret == 0)
			ret = store_trace_set_int(s, l.trace_id, "lost_events", (int64_t)st->lost, e);
		if (ret == 0 && l.nbufs) {
			/* The trace's clock is that of the buffer holding its events. */
			int busiest = 0;

			for (int b = 1; b < l.nbufs; b++)
				if (l.buf_events[b] > l.buf_events[busiest])
					busiest = b;
			if (l.buf_clock[busiest][0])
				ret = store_trace_set_text(s, l.trace_id, "clock",
							   l.buf_clock[busiest], e);
		}
		if (ret == 0)
			ret = store_trace_set_int(s, l.trace_id, "lost_unknown",
						  (int64_t)st->lost_gaps, e);
	}
	wire_reader_release(&r);
	free(l.types);
	free(l.type_counts);
	free(l.syms);
	return ret < 0 ? ret : 0;
}

/* --- the whole job ---------------------------------------------------- */

static int decoder_main(void *arg, int in_fd, int out_fd)
{
	struct wire_writer w;
	int ret;

	(void)arg;
	if (wire_writer_init(&w, out_fd) < 0)
		return 2;
	ret = decode_trace_fd(in_fd, &w);
	wire_flush(&w);
	wire_writer_release(&w);
	return ret;
}

static int check_input(const char *path, struct stat *st, struct ft_err *e)
{
	if (stat(path, st) < 0)
		return ft_error(e, -errno, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st->st_mode))
		return ft_error(e, -EISDIR, "%s: is a directory, not a trace file", path);
	if (!S_ISREG(st->st_mode))
		return ft_error(e, -EINVAL, "%s: not a regular file", path);
	if (st->st_size == 0)
		return ft_error(e, -EINVAL, "%s: empty file, not a trace", path);
	return 0;
}

static int fsync_path(const char *path, int dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Removes "<output>.tmp-<pid>" files left by imports that were killed
 * (kill -9, power loss): only those whose process no longer exists.
 */
static void remove_stale_temps(const char *output)
{
	char *pattern = NULL;
	glob_t g;

	if (asprintf(&pattern, "%s.tmp-*", output) < 0)
		return;
	if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			const char *p = strrchr(g.gl_pathv[i], '-');
			char *end;
			long pid = p ? strtol(p + 1, &end, 10) : 0;

			if (pid > 0 && !*end && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
				unlink(g.gl_pathv[i]);
		}
		globfree(&g);
	}
	free(pattern);
}

int import_trace(const struct import_opts *o, struct import_stats *st,
		 struct ft_err *e)
{
	struct sandbox_limits lim = { o->mem_limit, o->cpu_limit };
	struct sandbox sb = { .fd = -1 };
	struct store *s = NULL;
	struct stat in_st, out_st;
	char *tmp = NULL, desc[160];
	int in_fd = -1, ret, status;
	double t_start = now();

	memset(st, 0, sizeof(*st));
	ret = check_input(o->input, &in_st, e);
	if (ret < 0)
		return ret;
	if (stat(o->output, &out_st) == 0) {
		if (!o->force)
			return ft_error(e, -EEXIST, "%s: already exists (use --force to replace it)",
					o->output);
		if (S_ISDIR(out_st.st_mode))
			return ft_error(e, -EISDIR, "%s: is a directory", o->output);
	}
	in_fd = open(o->input, O_RDONLY | O_CLOEXEC);
	if (in_fd < 0)
		return ft_error(e, -errno, "%s: %s", o->input, strerror(errno));
	remove_stale_temps(o->output);
	if (asprintf(&tmp, "%s.tmp-%d", o->output, (int)getpid()) < 0) {
		tmp = NULL;
		ret = ft_error(e, -ENOMEM, "out of memory");
		goto out;
	}
	ret = store_create(&s, tmp, e);
	if (ret < 0)
		goto out;
	if (o->no_sandbox) {
		/* Decode into an anonymous file first, then load it. */
		int mfd = memfd_create("foliotrace-stream", MFD_CLOEXEC);

		if (mfd < 0) {
			ret = ft_error(e, -errno, "memfd_create: %s", strerror(errno));
			goto out;
		}
		decoder_main(NULL, in_fd, mfd);
		lseek(mfd, 0, SEEK_SET);
		ret = import_stream(s, mfd, o->input, in_st.st_size, o->progress, st, e);
		close(mfd);
		status = 0;
	} else {
		ret = sandbox_start(&sb, &lim, decoder_main, NULL, in_fd, e);
		if (ret < 0)
			goto out;
		ret = import_stream(s, sb.fd, o->input, in_st.st_size, o->progress, st, e);
		if (ret < 0)
			sandbox_kill(&sb);
		status = sandbox_finish(&sb);
	}
	if (import_interrupted) {
		ft_err_clear(e);
		ret = ft_error(e, -EINTR, "%s: import interrupted; %s left unchanged",
			       o->input, o->output);
		goto out;
	}
	if (sandbox_describe(&sb, status, desc, sizeof(desc)) && !st->fail[0]) {
		/* The crash is the root cause of whatever the stream showed. */
		ft_err_clear(e);
		ret = ft_error(e, -EPROTO, "%s: corrupt trace: %s while %s", o->input, desc,
			       st->phase[0] ? st->phase : "starting");
		goto out;
	}
	if (st->fail[0]) {
		ft_err_clear(e);
		ret = ft_error(e, -EINVAL, "%s: %s", o->input, st->fail);
		goto out;
	}
	if (ret < 0)
		goto out;
	if (!st->done) {
		ret = ft_error(e, -EPROTO, "%s: corrupt trace: decoder stopped early while %s",
			       o->input, st->phase[0] ? st->phase : "starting");
		goto out;
	}
	if (getenv("FOLIOTRACE_TIMING"))
		fprintf(stderr, "timing: load done at %.3f s\n", now() - t_start);
	ret = store_trace_finish(s, st->trace_id, e);
	if (getenv("FOLIOTRACE_TIMING")) {
		struct rusage self, kids;

		getrusage(RUSAGE_SELF, &self);
		getrusage(RUSAGE_CHILDREN, &kids);
		fprintf(stderr, "timing: finished at %.3f s; peak RSS: importer %ld KB, decoder %ld KB\n",
			now() - t_start, self.ru_maxrss, kids.ru_maxrss);
	}
	if (ret < 0)
		goto out;
	ret = store_close(s);
	s = NULL;
	if (ret < 0) {
		ret = ft_error(e, ret, "%s: cannot close the database", tmp);
		goto out;
	}
	ret = fsync_path(tmp, 0);
	if (ret < 0) {
		ret = ft_error(e, ret, "%s: fsync: %s", tmp, strerror(-ret));
		goto out;
	}
	if (rename(tmp, o->output) < 0) {
		ret = ft_error(e, -errno, "%s: cannot rename into place: %s", o->output,
			       strerror(errno));
		goto out;
	}
	{
		char *d = strdup(o->output);

		if (d) {
			fsync_path(dirname(d), 1);
			free(d);
		}
	}
	free(tmp);
	tmp = NULL;
out:
	if (sb.pid > 0)
		sandbox_kill(&sb);
	store_close(s);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (in_fd >= 0)
		close(in_fd);
	return ret;
}
