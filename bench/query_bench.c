// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/query_bench.c - time one SQL query in-process (part of `make bench`).
 *
 *   query_bench [-x EXTENSION] [-n MAXREPS] [-m MINREPS] [-t SECONDS] [-i INT]... DB SQL
 *
 * Opens DB read-only with plain SQLite (optionally loading a loadable
 * extension first, e.g. build/foliotrace_sqlite.so for the store's virtual
 * table), binds the -i integers to the query's parameters in order, and runs
 * the query repeatedly: prepare, step through every row reading every column
 * (text and blobs by their bytes, as a client writing them out would), then
 * finalize.  It repeats until SECONDS have passed (default 1) or MAXREPS
 * runs (default 1000), and at least MINREPS times (default 3).
 *
 * Design: the process start, the open and the schema parse are outside the
 * timed region, so a query of microseconds is not hidden behind the
 * milliseconds of a CLI start; the first run warms the page cache like the
 * runs after it, and the best run is the figure (the least disturbed by the
 * other processes on the machine), the median printed beside it.
 *
 * After the timed runs, one more untimed run sums a hash of every value
 * with its column number: the checksum does not depend on the row order,
 * so two stores answering the same query can be checked to give the same
 * rows (ties in an ORDER BY may come in any order).
 *
 * Output, one line: "best_ms median_ms runs rows checksum".
 * Exit status: 0, or 1 with one line on stderr naming DB and the problem.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_BINDS 8
#define MAX_RUNS 100000

/* what the runs read, so that the compiler cannot drop the reads */
static volatile uint64_t sink;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr, "usage: query_bench [-x EXTENSION] [-n MAXREPS] [-m MINREPS] [-t SECONDS] [-i INT]... "
		"DB SQL\n");
	exit(2);
}

/* FNV-1a over n bytes, from h */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

/* The hash of column i of the current row (NULL, integer, real, bytes). */
static uint64_t value_hash(sqlite3_stmt *st, int i)
{
	uint64_t h = fnv(0xcbf29ce484222325ULL, &i, sizeof(i));
	int t = sqlite3_column_type(st, i);
	long long v;
	double d;

	h = fnv(h, &t, sizeof(t));
	switch (t) {
	case SQLITE_INTEGER:
		v = sqlite3_column_int64(st, i);
		return fnv(h, &v, sizeof(v));
	case SQLITE_FLOAT:
		d = sqlite3_column_double(st, i);
		return fnv(h, &d, sizeof(d));
	case SQLITE_TEXT:
	case SQLITE_BLOB: {
		const void *b = sqlite3_column_blob(st, i);

		return fnv(h, b, (size_t)sqlite3_column_bytes(st, i));
	}
	default:
		return h;
	}
}

/*
 * One run of the query: returns the rows, or -1 (message on stderr).
 * With sum, adds the hash of every value to *sum.
 */
static long run_once(sqlite3 *db, const char *path, const char *sql, const long long *binds,
		     int nbinds, uint64_t *sum)
{
	sqlite3_stmt *st;
	long rows = 0;
	int rc, i, ncol;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "query_bench: %s: %s\n", path, sqlite3_errmsg(db));
		return -1;
	}
	for (i = 0; i < nbinds; i++)
		sqlite3_bind_int64(st, i + 1, binds[i]);
	ncol = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; sum && i < ncol; i++)
			*sum += value_hash(st, i);
		for (i = 0; !sum && i < ncol; i++) {
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				sink += (uint64_t)sqlite3_column_int64(st, i);
				break;
			case SQLITE_FLOAT:
				sink += (uint64_t)sqlite3_column_double(st, i);
				break;
			case SQLITE_TEXT:
				sink += sqlite3_column_text(st, i)[0];
				sink += (uint64_t)sqlite3_column_bytes(st, i);
				break;
			case SQLITE_BLOB: {
				const unsigned char *b = sqlite3_column_blob(st, i);
				int n = sqlite3_column_bytes(st, i);

				sink += (uint64_t)n + (n ? b[n - 1] : 0);
				break;
			}
			default:
				break;
			}
		}
		rows++;
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "query_bench: %s: %s\n", path, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return rows;
}

int main(int argc, char **argv)
{
	const char *ext = NULL, *path, *sql;
	long long binds[MAX_BINDS];
	int nbinds = 0, maxreps = 1000, minreps = 3, opt, n = 0;
	double limit_ms = 1000, start, *runs;
	uint64_t sum = 0;
	long rows = 0;
	sqlite3 *db;
	char *err = NULL;

	while ((opt = getopt(argc, argv, "x:n:m:t:i:")) != -1) {
		switch (opt) {
		case 'x': ext = optarg; break;
		case 'n': maxreps = atoi(optarg); break;
		case 'm': minreps = atoi(optarg); break;
		case 't': limit_ms = atof(optarg) * 1e3; break;
		case 'i':
			if (nbinds == MAX_BINDS)
				usage();
			binds[nbinds++] = strtoll(optarg, NULL, 0);
			break;
		default: usage();
		}
	}
	if (argc - optind != 2 || maxreps < 1)
		usage();
	if (maxreps > MAX_RUNS)
		maxreps = MAX_RUNS;
	path = argv[optind];
	sql = argv[optind + 1];
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "query_bench: %s: %s\n", path, sqlite3_errmsg(db));
		return 1;
	}
	if (ext) {
		sqlite3_enable_load_extension(db, 1);
		if (sqlite3_load_extension(db, ext, NULL, &err) != SQLITE_OK) {
			fprintf(stderr, "query_bench: %s: cannot load %s: %s\n", path, ext,
				err ? err : "unknown error");
			return 1;
		}
	}
	/* the schema parse, outside the timed runs */
	if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "query_bench: %s: %s\n", path, err);
		return 1;
	}
	runs = calloc((size_t)maxreps, sizeof(*runs));
	if (!runs)
		return 1;
	start = now_ms();
	while (n < maxreps && (n < minreps || now_ms() - start < limit_ms)) {
		double t0 = now_ms();

		rows = run_once(db, path, sql, binds, nbinds, NULL);
		if (rows < 0)
			return 1;
		runs[n++] = now_ms() - t0;
	}
	if (run_once(db, path, sql, binds, nbinds, &sum) != rows) {
		fprintf(stderr, "query_bench: %s: the checksum run gave another row count\n", path);
		return 1;
	}
	qsort(runs, (size_t)n, sizeof(*runs), cmp_double);
	printf("%.4f %.4f %d %ld %016llx\n", runs[0], runs[n / 2], n, rows, (unsigned long long)sum);
	sqlite3_close(db);
	free(runs);
	return 0;
}
