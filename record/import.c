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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/durable.h"
#include "../core/wire.h"
#include "decode.h"
#include "loader.h"
#include "sandbox.h"

volatile int import_interrupted;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void show_progress(const char *label, const struct import_stats *st,
			  double *last_print, int final)
{
	double t = now();

	if (!final && t - *last_print < 0.25)
		return;
	*last_print = t;
	fprintf(stderr, "\r\033[Kimporting %s: %llu events, %.1f MB read, lost %llu%s",
		label, (unsigned long long)st->events, (double)st->bytes / 1e6,
		(unsigned long long)st->lost, final ? "\n" : "");
}

/* Whether the import went past a limit (the database size costs a stat:
 * checked every 4096 frames and at the end, frames 0). */
static int over_limit(struct store *s, const char *label, const struct import_limits *lim,
		      const struct import_stats *st, uint64_t frames, struct ft_err *e)
{
	sqlite3_stmt *st_pc = NULL;
	uint64_t bytes = 0;
	int rc;

	if (!lim)
		return 0;
	if (lim->max_events && st->events > lim->max_events)
		return ft_error(e, -EFBIG, "%s: the trace holds more than %llu events (--max-events; "
				"raise it to import the whole trace)", label,
				(unsigned long long)lim->max_events);
	if (!lim->max_db_bytes || (frames & 0xfff) != 0)
		return 0;
	/* pages of the database as this transaction sees it (the file itself
	 * grows only when a transaction commits or the cache spills) */
	rc = sqlite3_prepare_v2(store_db(s), "SELECT page_count * page_size FROM pragma_page_count(), "
				"pragma_page_size()", -1, &st_pc, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st_pc);
	if (rc != SQLITE_ROW) {		/* the limit unchecked is no answer */
		rc = ft_error(e, -EIO, "%s: measuring the database: %s", store_path(s),
			      sqlite3_errmsg(store_db(s)));
		sqlite3_finalize(st_pc);
		return rc;
	}
	bytes = (uint64_t)sqlite3_column_int64(st_pc, 0);
	sqlite3_finalize(st_pc);
	if (bytes > lim->max_db_bytes) {
		uint64_t m = lim->max_db_bytes;
		const char *unit = !(m & ((1u << 20) - 1)) ? "MB" : !(m & 1023) ? "KB" : "bytes";

		m >>= unit[0] == 'M' ? 20 : unit[0] == 'K' ? 10 : 0;
		return ft_error(e, -EFBIG, "%s: the database grew past %llu %s after %llu events "
				"(--max-db-size; raise it to import the whole trace)", label,
				(unsigned long long)m, unit, (unsigned long long)st->events);
	}
	return 0;
}

int import_stream(struct store *s, int fd, const char *label,
		  int64_t source_size, int progress, const struct import_limits *lim,
		  struct import_stats *st, struct ft_err *e)
{
	struct loader *l = NULL;
	struct wire_reader r;
	struct wire_frame f;
	double last_print = 0;
	uint64_t frames = 0;
	int ret;

	ret = loader_new(&l, s, label, source_size, "foliotrace import " FT_VERSION, st, e);
	if (ret < 0)
		return ret;
	if (wire_reader_init(&r, fd) < 0) {
		loader_free(l);
		return ft_error(e, -ENOMEM, "out of memory");
	}
	while ((ret = wire_next(&r, &f, e)) > 0) {
		if (import_interrupted) {
			ret = ft_error(e, -EINTR, "%s: import interrupted", label);
			break;
		}
		ret = loader_frame(l, &f, e);
		if (ret == 0)
			ret = over_limit(s, label, lim, st, ++frames, e);
		if (ret < 0)
			break;
		if (progress && (frames & 0xffff) == 0)
			show_progress(label, st, &last_print, 0);
	}
	if (progress)
		show_progress(label, st, &last_print, 1);
	if (ret == 0 && st->done)
		ret = loader_finish(l, e);
	if (ret == 0)
		ret = over_limit(s, label, lim, st, 0, e);
	wire_reader_release(&r);
	loader_free(l);
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

int import_trace(const struct import_opts *o, struct import_stats *st,
		 struct ft_err *e)
{
	struct sandbox_limits lim = { .mem_bytes = o->mem_limit, .cpu_seconds = o->cpu_limit,
				      .wall_seconds = o->wall_limit };
	struct sandbox sb = { .fd = -1 };
	struct store *s = NULL;
	struct durable_out out = { .fd = -1, .lock_fd = -1, .slot = -1 };
	const char *inputs[] = { o->input, NULL };
	struct stat in_st;
	char *tmp = NULL, desc[160];
	int in_fd = -1, ret, status;
	double t_start = now();

	memset(st, 0, sizeof(*st));
	ret = check_input(o->input, &in_st, e);
	if (ret < 0)
		return ret;
	/* OUT: checked, locked, stale temps swept (core/durable.h) */
	ret = durable_begin(&out, o->output, DURABLE_SQLITE | (o->force ? DURABLE_FORCE : 0),
			    "import", inputs, e);
	if (ret < 0)
		return ret;
	tmp = out.tmp;
	in_fd = open(o->input, O_RDONLY | O_CLOEXEC);
	if (in_fd < 0) {
		ret = ft_error(e, -errno, "%s: %s", o->input, strerror(errno));
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
		ret = import_stream(s, mfd, o->input, in_st.st_size, o->progress, &o->lim, st, e);
		close(mfd);
		status = 0;
	} else {
		ret = sandbox_start(&sb, &lim, decoder_main, NULL, in_fd, e);
		if (ret < 0)
			goto out;
		if (sb.refused && !o->quiet) {
			/* A container or a kernel without user namespaces: the
			 * rest of the sandbox still applies (sandbox.h). */
			char words[160];
			const char *r = sandbox_refused_str(sb.refused, words, sizeof(words));

			fprintf(stderr, "foliotrace: warning: decoder sandbox without: %s\n",
				r ? r : "(the decoder did not report)");
		}
		ret = import_stream(s, sb.fd, o->input, in_st.st_size, o->progress, &o->lim, st, e);
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
	if (o->uname_version) {
		/*
		 * trace-cmd saves "sysname nodename release machine": the version
		 * field (`uname -v`), where Debian names the upstream version, is
		 * lost.  Insert it where the recorder's own uname has it.
		 */
		sqlite3_stmt *q = NULL;

		if (sqlite3_prepare_v2(store_db(s), "UPDATE traces SET uname = CASE WHEN uname IS NULL "
				       "THEN ?1 WHEN instr(uname, ' x86_64') > 0 THEN substr(uname, 1, "
				       "instr(uname, ' x86_64')) || ?1 || substr(uname, instr(uname, "
				       "' x86_64')) ELSE uname || ' ' || ?1 END WHERE id = ?2",
				       -1, &q, NULL) != SQLITE_OK ||
		    sqlite3_bind_text(q, 1, o->uname_version, -1, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(q, 2, st->trace_id) != SQLITE_OK ||
		    sqlite3_step(q) != SQLITE_DONE) {
			ret = ft_error(e, -EIO, "%s: storing the uname version: %s", tmp,
				       sqlite3_errmsg(store_db(s)));
			sqlite3_finalize(q);
			goto out;
		}
		sqlite3_finalize(q);
	}
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
	if (import_interrupted) {
		ret = ft_error(e, -EINTR, "%s: import interrupted; %s left unchanged",
			       o->input, o->output);
		goto out;
	}
	/* fsync, OUT's stale side files, rename (no-replace without -f), fsync(dir) */
	ret = durable_commit(&out, e);
	tmp = NULL;
out:
	if (sb.pid > 0)
		sandbox_kill(&sb);
	store_close(s);
	if (tmp) {
		size_t tl = strlen(tmp);

		/* The user knows the output path, not our temp file. */
		if (ret < 0 && !strncmp(e->msg, tmp, tl) && e->msg[tl] == ':') {
			char why[sizeof(e->msg)];

			snprintf(why, sizeof(why), "%s", e->msg + tl + 1);
			ft_err_clear(e);
			ft_error(e, ret, "%s:%s (nothing written)", o->output, why);
		}
	}
	durable_abort(&out);
	if (in_fd >= 0)
		close(in_fd);
	return ret;
}
