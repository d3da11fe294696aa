/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_oom.c - out of memory: the Nth allocation fails, counted over
 * SQLite's allocator (SQLITE_CONFIG_MALLOC) and foliotrace's own (malloc,
 * calloc, realloc, strdup wrapped at link time: -Wl,--wrap, see the
 * Makefile).  For every N up to past the last allocation of the job:
 *   - loading a decoder stream into a new database (the importer's side),
 *   - analysing a database file,
 * must return 0 or an error with a message (never crash: the ASan build
 * runs this too), and the database file must pass integrity_check and hold
 * no analysis or the complete one.
 * usage: test_oom [STEP]   (every STEP-th N; default 5, 1 with FT_LONG set)
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../analyze/analyze.h"
#include "../../core/store.h"
#include "../../core/evtab.h"
#include "../../record/import.h"
#include "tap.h"

static long alloc_count, fail_at;	/* fail_at 0: never */

static int should_fail(void)
{
	return fail_at && ++alloc_count == fail_at;
}

/* foliotrace's own allocations (--wrap) */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

void *__wrap_malloc(size_t n) { return should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return should_fail() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { return should_fail() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return should_fail() ? NULL : __real_strdup(s); }

/* SQLite's allocations */
static sqlite3_mem_methods real;

static void *sq_malloc(int n) { return should_fail() ? NULL : real.xMalloc(n); }
static void *sq_realloc(void *p, int n) { return should_fail() ? NULL : real.xRealloc(p, n); }

static void install(void)
{
	sqlite3_mem_methods m;

	sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real);
	m = real;
	m.xMalloc = sq_malloc;
	m.xRealloc = sq_realloc;
	sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
}

static char dir[] = "/tmp/ft-oom.XXXXXX";

static int load(const char *stream, const char *out, struct ft_err *e)
{
	struct store *s = NULL;
	struct import_stats st;
	int fd = open(stream, O_RDONLY), ret;

	if (fd < 0)
		return ft_error(e, -errno, "%s: %s", stream, strerror(errno));
	ret = store_create(&s, out, e);
	if (ret == 0)
		ret = import_stream(s, fd, stream, 0, 0, NULL, &st, e);
	if (ret == 0 && st.done)
		ret = store_trace_finish(s, st.trace_id, e);
	if (store_close(s) < 0 && ret == 0)
		ret = ft_error(e, -EIO, "close");
	close(fd);
	return ret;
}

/* count(windows):sum(ids), with the allocator not failing */
static void signature(const char *db, char *out, size_t n, int *intact)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	long save = fail_at;

	fail_at = 0;
	snprintf(out, n, "?");
	*intact = 0;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT (SELECT count(*) || ':' || coalesce(sum(id * 3 + end_event), 0) "
			       "FROM windows), (SELECT group_concat(integrity_check) FROM "
			       "pragma_integrity_check)", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
		*intact = sqlite3_column_text(st, 1) && !strcmp((const char *)sqlite3_column_text(st, 1), "ok");
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	fail_at = save;
}

/* events stored and marked complete (-1: not a complete trace) */
static long count_events(const char *db)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	long n = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    evtab_register(h) == 0 &&
	    sqlite3_prepare_v2(h, "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM "
			       "event_blocks WHERE n_events > 0) * 0 FROM traces WHERE complete = 1 AND "
			       "n_events = (SELECT count(*) FROM events) AND n_events = (SELECT "
			       "sum(n_events) FROM event_blocks)", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

static void copy(const char *from, const char *to)
{
	long save = fail_at;
	FILE *in, *out;
	char buf[65536];
	size_t n;

	fail_at = 0;
	in = fopen(from, "rb");
	out = fopen(to, "wb");
	while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			printf("# copy: short write\n");
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	fail_at = save;
}

int main(int argc, char **argv)
{
	const char *stream = getenv("FT_ROOT") ? NULL : "tests/fuzz/seeds/stream/v6.stream";
	char path[600], base[300], db[300], want[64], got[64];
	long step = argc > 1 ? atol(argv[1]) : getenv("FT_LONG") ? 1 : 5, total_load, total_an;
	long loaded;
	struct ft_err e = FT_ERR_INIT;
	struct analyze_result r;
	int bad = 0, errs = 0, runs = 0, intact;

	if (!stream) {
		snprintf(path, sizeof(path), "%s/tests/fuzz/seeds/stream/v6.stream", getenv("FT_ROOT"));
		stream = path;
	}
	if (step < 1)
		step = 1;
	install();
	if (!mkdtemp(dir))
		return 1;
	snprintf(base, sizeof(base), "%s/base.db", dir);
	snprintf(db, sizeof(db), "%s/x.db", dir);

	/* Reference runs count the allocations. */
	alloc_count = 0;
	fail_at = -1;		/* count, never fail */
	CHECK(load(stream, base, &e) == 0, "reference load: %s", e.msg);
	total_load = alloc_count;
	fail_at = 0;
	loaded = count_events(base);
	CHECK(loaded > 0, "the reference load stored %ld events, with their blocks", loaded);
	fail_at = -1;
	copy(base, db);
	{
		struct store *s = NULL;

		alloc_count = 0;
		CHECK(store_open(&s, db, STORE_READWRITE, &e) == 0 && analyze_run(s, &r, &e) == 0,
		      "reference analysis: %s", e.msg);
		store_close(s);
		total_an = alloc_count;
	}
	signature(db, want, sizeof(want), &intact);
	CHECK(intact && strcmp(want, "0:0"), "reference analysis found windows (%s); %ld and %ld "
	      "allocations", want, total_load, total_an);

	/* Loading with the Nth allocation failing. */
	for (long n = 1; n <= total_load + 1; n += step) {
		ft_err_clear(&e);
		unlink(db);
		alloc_count = 0;
		fail_at = n;
		if (load(stream, db, &e) < 0) {
			errs++;
			if (!e.msg[0] || strchr(e.msg, '\n'))
				bad++, printf("# load, allocation %ld: message '%s'\n", n, e.msg);
		} else {
			/* success despite a failed allocation: nothing may be missing */
			fail_at = 0;
			if (count_events(db) != loaded)
				bad++, printf("# load, allocation %ld: succeeded with %ld events of %ld\n",
					      n, count_events(db), loaded);
		}
		fail_at = 0;
		runs++;
	}
	CHECK(bad == 0 && errs > 0, "load: %d runs with allocation N failing, %d ended in an error, "
	      "each with one message", runs, errs);

	/* Analysing with the Nth allocation failing. */
	bad = errs = runs = 0;
	for (long n = 1; n <= total_an + 1; n += step) {
		struct store *s = NULL;
		int ret;

		copy(base, db);
		ft_err_clear(&e);
		alloc_count = 0;
		fail_at = n;
		ret = store_open(&s, db, STORE_READWRITE, &e);
		if (ret == 0)
			ret = analyze_run(s, &r, &e);
		store_close(s);
		fail_at = 0;
		runs++;
		if (ret < 0) {
			errs++;
			if (!e.msg[0] || strchr(e.msg, '\n'))
				bad++, printf("# analyze, allocation %ld: message '%s'\n", n, e.msg);
		}
		signature(db, got, sizeof(got), &intact);
		if (!intact || (strcmp(got, want) && strcmp(got, "0:0")) || (ret == 0 && strcmp(got, want)))
			bad++, printf("# analyze, allocation %ld: ret %d, windows %s (want %s), %s\n",
				      n, ret, got, want, intact ? "intact" : "NOT INTACT");
	}
	CHECK(bad == 0 && errs > 0, "analyze: %d runs with allocation N failing, %d ended in an error; "
	      "every database intact with no or the complete analysis", runs, errs);
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return tap_done();
}
