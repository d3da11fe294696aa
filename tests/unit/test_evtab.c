/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_evtab.c - the `events` virtual table (core/evtab.c) against an
 * independent reference.
 *
 * Events are generated here (two traces, ts sometimes going backwards,
 * optional columns, payloads of 0..120 bytes, checkpoints that cut short
 * blocks) and written through the real write path (store_create,
 * store_add_event, store_trace_finish).  The same events are kept in a C
 * array, and copied into a plain SQLite table in a second, in-memory
 * database: the reference.  Every query of the list runs on both, through
 * the virtual table and on the plain table, and must give the same rows:
 * full scan, count(*), id equality and ranges in both orders (also with
 * REAL and TEXT values, compared as SQLite compares an INTEGER column),
 * ts ranges, pid / inode / folio equality alone and combined, kind and
 * trace_id filters, payload bytes, ft_field, min/max(id), joins and
 * correlated subqueries, events_v and folios (views, with trusted_schema
 * off as `foliotrace` opens a database read-only).  The plans are checked
 * to use the module's index for the pushed-down constraints, and the
 * laziness is observed: with every block's data damaged, count(*) still
 * answers (nothing decoded); with payloads damaged, queries without the
 * payload still answer.  Damaged blocks (written through a second
 * connection that has no module) give "event block N is corrupt", never a
 * crash: truncated, extended, n_events off by one, bad zstd frames, a
 * payload length running past the frame, and random byte flips.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "../../core/evpack.h"
#include "../../core/evtab.h"
#include "../../core/kinds.h"
#include "../../core/sqlfn.h"
#include "../../core/store.h"
#include "tap.h"
#include "xorshift.h"

#define N1	5000	/* events of trace 1 */
#define N2	1700	/* events of trace 2 */
#define N	(N1 + N2)
#define NTYPES	4

struct ref {
	int64_t id, trace, type_id;
	struct ft_event ev;
	uint8_t pl[128];
};

static struct ref R[N];
static int64_t types[2][NTYPES];
static int64_t sym_id;
static char dir[] = "/tmp/test_evtab.XXXXXX";
static char dbpath[256];

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	return xorshift64(&rng);
}

static void gen(struct ref *r, int i, uint64_t *ts)
{
	struct ft_event *ev = &r->ev;
	static const int kinds[] = { FT_K_ILOCK, FT_K_IUNLOCK, FT_K_BUFFERED_WRITE, FT_K_OTHER,
				     FT_K_IOMAP_ALLOC, FT_K_BUNMAP };

	memset(ev, 0, sizeof(*ev));
	/* time forward, sometimes a step back (ts is not monotone in id) */
	*ts += rnd() % 3000;
	if (i % 211 == 0)
		*ts -= 100000;
	ev->ts = *ts;
	ev->cpu = (int32_t)(rnd() % 4);
	ev->pid = 100 + (int32_t)(rnd() % 12);
	ev->kind = (uint16_t)kinds[rnd() % 6];
	r->type_id = types[r->trace == 1 ? 0 : 1][rnd() % NTYPES];
	if (rnd() % 10 < 7) {
		ft_event_set(ev, FT_C_DEV, 8388609);
		ft_event_set(ev, FT_C_INO, 128 + (int64_t)(rnd() % 20));
		if (rnd() % 2)
			ft_event_set(ev, FT_C_FINDEX, (int64_t)(rnd() % 40));
	}
	for (int c = FT_C_OFFSET; c < FT_C__COUNT; c++) {
		if (c == FT_C_FINDEX || rnd() % 3)
			continue;
		ft_event_set(ev, c, c == FT_C_CALLER ? sym_id :
			     rnd() % 7 == 0 ? INT64_MIN + (int64_t)(rnd() % 5) :
			     (int64_t)(rnd() % 1000000) - 1000);
	}
	ev->payload_len = (uint32_t)(rnd() % 8 == 0 ? 0 : rnd() % 121);
	for (uint32_t k = 0; k < ev->payload_len; k++)
		r->pl[k] = (uint8_t)rnd();
	ev->payload = ev->payload_len ? r->pl : NULL;
}

/* The database, through the real write path.  Returns 0 or -1. */
static int build(void)
{
	struct ft_err e = FT_ERR_INIT;
	struct store *s;
	struct store_trace_info ti = { "unit", 1, "test_evtab" };
	int64_t tid[2];
	uint64_t ts = 1000000000;
	int ret, i = 0;

	snprintf(dbpath, sizeof(dbpath), "%s/ev.db", dir);
	ret = store_create(&s, dbpath, &e);
	if (ret < 0) {
		printf("# store_create: %s\n", e.msg);
		return -1;
	}
	ret = store_add_symbol(s, "xfs_bmap_punch_delalloc_range", &sym_id, &e);
	for (int t = 0; t < 2 && !ret; t++) {
		ret = store_trace_begin(s, &ti, &tid[t], &e);
		for (int k = 0; k < NTYPES && !ret; k++) {
			char name[32];

			snprintf(name, sizeof(name), "ev%d", k);
			ret = store_add_type(s, tid[t], 10 + k, "xfs", name, FT_K_OTHER,
					     &types[t][k], &e);
			/* a u32 at offset 4 and a signed u16 at 2, for ft_field */
			if (!ret)
				ret = store_add_field(s, types[t][k], 0, "f32", "u32", 4, 4, 4, 0, &e);
			if (!ret)
				ret = store_add_field(s, types[t][k], 1, "s16", "s16", 2, 2, 2, 1, &e);
		}
		for (int n = 0; n < (t ? N2 : N1) && !ret; n++, i++) {
			R[i].trace = tid[t];
			gen(&R[i], i, &ts);
			ret = store_add_event(s, tid[t], R[i].type_id, &R[i].ev, &e);
			/* checkpoints cut blocks short */
			if (!ret && (n == 1500 || n == 1501 || n == 3333))
				ret = store_checkpoint(s, &e);
		}
		if (!ret)
			ret = store_trace_finish(s, tid[t], &e);
	}
	if (ret)
		printf("# building: %s\n", e.msg);
	return store_close(s) || ret ? -1 : 0;
}

/* --- comparing a query on the virtual table with the plain table ----------- */

static void row_text(sqlite3_stmt *st, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = 0;
	for (int c = 0; c < sqlite3_column_count(st) && o + 300 < cap; c++) {
		switch (sqlite3_column_type(st, c)) {
		case SQLITE_NULL:
			o += (size_t)snprintf(out + o, cap - o, "NULL|");
			break;
		case SQLITE_BLOB: {
			const uint8_t *b = sqlite3_column_blob(st, c);
			int n = sqlite3_column_bytes(st, c);

			o += (size_t)snprintf(out + o, cap - o, "x");
			for (int k = 0; k < n && o + 4 < cap; k++)
				o += (size_t)snprintf(out + o, cap - o, "%02x", b[k]);
			o += (size_t)snprintf(out + o, cap - o, "|");
			break;
		}
		default:
			o += (size_t)snprintf(out + o, cap - o, "%s|",
					      (const char *)sqlite3_column_text(st, c));
		}
	}
}

/*
 * Runs sql on both connections; returns the number of rows (equal), or -1
 * with the first difference printed.
 */
static long same_as(sqlite3 *vt, const char *sql, sqlite3 *pl, const char *ref_sql)
{
	sqlite3_stmt *a = NULL, *b = NULL;
	static char ra[8192], rb[8192];
	long n = 0;
	int rca, rcb;

	if (sqlite3_prepare_v2(vt, sql, -1, &a, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(pl, ref_sql, -1, &b, NULL) != SQLITE_OK) {
		printf("# prepare %s: %s / %s\n", sql, sqlite3_errmsg(vt), sqlite3_errmsg(pl));
		sqlite3_finalize(a);
		sqlite3_finalize(b);
		return -1;
	}
	for (;;) {
		rca = sqlite3_step(a);
		rcb = sqlite3_step(b);
		if (rca != rcb) {
			printf("# %s: row %ld: %d (%s) vs %d\n", sql, n, rca, sqlite3_errmsg(vt), rcb);
			n = -1;
			break;
		}
		if (rca != SQLITE_ROW)
			break;
		row_text(a, ra, sizeof(ra));
		row_text(b, rb, sizeof(rb));
		if (strcmp(ra, rb)) {
			printf("# %s: row %ld:\n#  vtab  %.300s\n#  plain %.300s\n", sql, n, ra, rb);
			n = -1;
			break;
		}
		n++;
	}
	if (n >= 0 && rca != SQLITE_DONE)
		n = -1;
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	return n;
}

static long same(sqlite3 *vt, sqlite3 *pl, const char *sql)
{
	return same_as(vt, sql, pl, sql);
}

/* The plain copy: R[0 .. n - 1], with the ids the store gave them. */
static sqlite3 *plain_copy(sqlite3 *vt, int n)
{
	static const char *cols[] = {
		"dev", "ino", "offset", "length", "findex", "forder", "lock_class", "lock_mode",
		"flags", "caller_id", "caller_off", "ext_off", "ext_len", "ext_block", "addr",
		"peer_pid",
	};
	sqlite3 *pl;
	sqlite3_stmt *st;
	char sql[2048];
	size_t o;

	if (sqlite3_open(":memory:", &pl) != SQLITE_OK)
		return NULL;
	o = (size_t)snprintf(sql, sizeof(sql), "CREATE TABLE events (id INTEGER PRIMARY KEY, "
			     "trace_id INTEGER, ts INTEGER, cpu INTEGER, pid INTEGER, "
			     "type_id INTEGER, kind INTEGER");
	for (int c = 0; c < FT_C__COUNT; c++)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, ", %s INTEGER", cols[c]);
	snprintf(sql + o, sizeof(sql) - o, ", payload BLOB) STRICT");
	if (sqlite3_exec(pl, sql, NULL, NULL, NULL) != SQLITE_OK)
		return NULL;
	/* the small tables the views join, copied as they are */
	if (sqlite3_exec(pl, "CREATE TABLE event_types (id INTEGER PRIMARY KEY, system, name);"
			 "CREATE TABLE kinds (id INTEGER PRIMARY KEY, name);"
			 "CREATE TABLE tasks (trace_id, pid, comm);"
			 "CREATE TABLE symbols (id INTEGER PRIMARY KEY, name);"
			 "CREATE TABLE event_fields (type_id, seq, name, ctype, offset, size, "
			 "elem_size, flags)", NULL, NULL, NULL) != SQLITE_OK)
		return NULL;
	{
		static const char *const tabs[][2] = {
			{ "event_types", "SELECT id, system, name FROM event_types" },
			{ "kinds", "SELECT id, name FROM kinds" },
			{ "tasks", "SELECT trace_id, pid, comm FROM tasks" },
			{ "symbols", "SELECT id, name FROM symbols" },
			{ "event_fields", "SELECT type_id, seq, name, ctype, offset, size, "
					  "elem_size, flags FROM event_fields" },
		};
		for (size_t t = 0; t < sizeof(tabs) / sizeof(tabs[0]); t++) {
			sqlite3_stmt *q, *ins;
			int nc;

			if (sqlite3_prepare_v2(vt, tabs[t][1], -1, &q, NULL) != SQLITE_OK)
				return NULL;
			nc = sqlite3_column_count(q);
			o = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (?", tabs[t][0]);
			for (int c = 1; c < nc; c++)
				o += (size_t)snprintf(sql + o, sizeof(sql) - o, ", ?");
			snprintf(sql + o, sizeof(sql) - o, ")");
			if (sqlite3_prepare_v2(pl, sql, -1, &ins, NULL) != SQLITE_OK)
				return NULL;
			while (sqlite3_step(q) == SQLITE_ROW) {
				for (int c = 0; c < nc; c++)
					sqlite3_bind_value(ins, c + 1, sqlite3_column_value(q, c));
				sqlite3_step(ins);
				sqlite3_reset(ins);
			}
			sqlite3_finalize(q);
			sqlite3_finalize(ins);
		}
	}
	/* the views, with the text of the schema */
	if (sqlite3_prepare_v2(vt, "SELECT sql FROM sqlite_schema WHERE type = 'view' AND name "
			       "IN ('events_v', 'folios')", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	while (sqlite3_step(st) == SQLITE_ROW)
		sqlite3_exec(pl, (const char *)sqlite3_column_text(st, 0), NULL, NULL, NULL);
	sqlite3_finalize(st);
	sqlfn_register(pl);
	if (sqlite3_prepare_v2(pl, "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
			       "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_exec(pl, "BEGIN", NULL, NULL, NULL);
	for (int i = 0; i < n; i++) {
		const struct ft_event *ev = &R[i].ev;

		sqlite3_bind_int64(st, 1, R[i].id);
		sqlite3_bind_int64(st, 2, R[i].trace);
		sqlite3_bind_int64(st, 3, (int64_t)ev->ts);
		sqlite3_bind_int(st, 4, ev->cpu);
		sqlite3_bind_int(st, 5, ev->pid);
		sqlite3_bind_int64(st, 6, R[i].type_id);
		sqlite3_bind_int(st, 7, ev->kind);
		for (int c = 0; c < FT_C__COUNT; c++) {
			if (ft_event_has(ev, c))
				sqlite3_bind_int64(st, 8 + c, ev->v[c]);
			else
				sqlite3_bind_null(st, 8 + c);
		}
		if (ev->payload_len)
			sqlite3_bind_blob(st, 24, R[i].pl, (int)ev->payload_len, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 24);
		if (sqlite3_step(st) != SQLITE_DONE)
			return NULL;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_exec(pl, "COMMIT", NULL, NULL, NULL);
	return pl;
}

static int64_t one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = INT64_MIN;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Runs sql; returns the result code of the first failing step (or DONE), msg set. */
static int run(sqlite3 *db, const char *sql, char *msg, size_t cap)
{
	sqlite3_stmt *st;
	int rc;

	msg[0] = 0;
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		snprintf(msg, cap, "%s", sqlite3_errmsg(db));
		return rc;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		snprintf(msg, cap, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

static int plan_has(sqlite3 *db, const char *sql, const char *want)
{
	char q[1024], all[2048] = "";
	sqlite3_stmt *st;
	size_t o = 0;

	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW && o + 200 < sizeof(all))
		o += (size_t)snprintf(all + o, sizeof(all) - o, "%s; ", sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	if (!strstr(all, want) && strcmp(want, "B-TREE"))
		printf("# plan of %s: %s\n", sql, all);
	return strstr(all, want) != NULL;
}

/* --- the tests ------------------------------------------------------------------ */

static void test_queries(sqlite3 *vt, sqlite3 *pl)
{
	int64_t b1 = R[0].id, b2 = R[N1].id, last = R[N - 1].id;
	int pid = R[77].ev.pid;
	int64_t ino = 0, findex = 0;
	uint64_t t0 = R[1200].ev.ts, t1 = R[2900].ev.ts;
	char q[1024];
	long n;

	for (int i = 100; i < N; i++) {
		if (ft_event_has(&R[i].ev, FT_C_FINDEX)) {
			ino = R[i].ev.v[FT_C_INO];
			findex = R[i].ev.v[FT_C_FINDEX];
			break;
		}
	}
	struct {
		const char *what;
		char sql[600];
		long rows;	/* expected row count when >= 0 (from the C array) */
	} qs[64];
	int nq = 0;
#define Q(what_, rows_, ...) do {						\
		qs[nq].what = what_;						\
		snprintf(qs[nq].sql, sizeof(qs[nq].sql), __VA_ARGS__);		\
		qs[nq].rows = rows_;						\
		nq++;								\
	} while (0)
	Q("full scan, every column", N, "SELECT * FROM events");
	Q("full scan by rowid", N, "SELECT rowid, id, ts FROM events");
	Q("count(*)", 1, "SELECT count(*) FROM events");
	Q("full scan backwards", N, "SELECT id, ts, pid FROM events ORDER BY id DESC");
	Q("id = first", 1, "SELECT * FROM events WHERE id = %lld", (long long)b1);
	Q("id = last", 1, "SELECT * FROM events WHERE id = %lld", (long long)last);
	Q("id = a block's last (1024th) and the next block's first", 2,
	  "SELECT * FROM events WHERE id IN (%lld, %lld)", (long long)b1 + 1023, (long long)b1 + 1024);
	Q("id = none (0, after the last)", 0, "SELECT * FROM events WHERE id = 0 OR id = %lld",
	  (long long)last + 1);
	Q("rowid = as id =", 1, "SELECT * FROM events WHERE rowid = %lld", (long long)b1 + 4000);
	Q("id IN list, unordered, with duplicates", 5,
	  "SELECT id, ts, payload FROM events WHERE id IN (%lld, 3, %lld, %lld, 17, 3) ORDER BY id",
	  (long long)last, (long long)b2, (long long)b1 + 2047);
	Q("id BETWEEN across blocks", 2001, "SELECT id, kind FROM events WHERE id BETWEEN %lld AND %lld",
	  (long long)b1 + 1000, (long long)b1 + 3000);
	Q("id > and < across the traces", 1998,
	  "SELECT id, trace_id FROM events WHERE id > %lld AND id < %lld",
	  (long long)b2 - 1000, (long long)b2 + 999);
	Q("id >= ORDER BY id DESC", -1, "SELECT id, ino FROM events WHERE id >= %lld ORDER BY id DESC",
	  (long long)b1 + 5555);
	Q("id <= ORDER BY id DESC LIMIT 1 (tui)", 1,
	  "SELECT ts FROM events WHERE id <= %lld ORDER BY id DESC LIMIT 1", (long long)b1 + 3000);
	Q("id >= ORDER BY id LIMIT 1 (tui)", 1,
	  "SELECT id, ts FROM events WHERE id >= %lld ORDER BY id LIMIT 1", (long long)b1 + 1024);
	Q("id with REAL bounds", 3,
	  "SELECT id FROM events WHERE id > %lld.5 AND id <= %lld.9", (long long)b1 + 9, (long long)b1 + 12);
	Q("id = REAL and id = TEXT (numeric affinity)", 2,
	  "SELECT id FROM events WHERE id = %lld.0 OR id = '%lld'", (long long)b1 + 3, (long long)b1 + 4);
	Q("id = non-integral REAL, id = NULL, id > TEXT: nothing", 0,
	  "SELECT id FROM events WHERE id = 5.5 OR id = NULL OR id > 'abc'");
	Q("id < TEXT: everything", N, "SELECT id FROM events WHERE id < 'abc'");
	Q("id bounds at the int64 limits", N,
	  "SELECT id FROM events WHERE id > -9223372036854775808 AND id <= 9223372036854775807");
	Q("id > 9.3e18 (REAL beyond int64): nothing", 0, "SELECT id FROM events WHERE id > 9.3e18");
	Q("ts range", -1, "SELECT id, ts FROM events WHERE ts BETWEEN %llu AND %llu",
	  (unsigned long long)t0, (unsigned long long)t1);
	Q("ts range, descending ids", -1,
	  "SELECT id FROM events WHERE ts > %llu AND ts < %llu ORDER BY id DESC",
	  (unsigned long long)t0, (unsigned long long)t1);
	Q("ts = one event's", -1, "SELECT id FROM events WHERE ts = %llu", (unsigned long long)t1);
	Q("ts range and id range", -1,
	  "SELECT id FROM events WHERE ts >= %llu AND id <= %lld", (unsigned long long)t0,
	  (long long)b1 + 2500);
	Q("pid =", -1, "SELECT id, pid, ts FROM events WHERE pid = %d", pid);
	Q("pid = ORDER BY id DESC LIMIT 3", 3,
	  "SELECT id FROM events WHERE pid = %d ORDER BY id DESC LIMIT 3", pid);
	Q("pid = and kind = and id range (window.c)", -1,
	  "SELECT offset, length, id FROM events WHERE pid = %d AND kind = %d AND id <= %lld",
	  pid, FT_K_ILOCK, (long long)b1 + 4000);
	Q("max(id) with pid = and id < (window.c)", 1,
	  "SELECT max(id) FROM events WHERE pid = %d AND kind = %d AND id < %lld", pid, FT_K_IUNLOCK,
	  (long long)b2 + 50);
	Q("min(id) with pid = and id > (window.c)", 1,
	  "SELECT min(id) FROM events WHERE pid = %d AND id > %lld", pid, (long long)b1 + 4999);
	Q("ino =", -1, "SELECT id, ino, findex FROM events WHERE ino = %lld", (long long)ino);
	Q("ino = ORDER BY ts (tui S_COUNT_INO)", -1,
	  "SELECT ts FROM events WHERE ino = %lld ORDER BY ino, ts", (long long)ino);
	Q("ino = and findex = (one folio)", -1,
	  "SELECT id, ts, kind FROM events WHERE ino = %lld AND findex = %lld", (long long)ino,
	  (long long)findex);
	Q("folio, ts <= ORDER BY ts DESC (report)", -1,
	  "SELECT ts FROM events WHERE ino = %lld AND findex = %lld AND ts <= %llu "
	  "ORDER BY ts DESC, id DESC LIMIT 1", (long long)ino, (long long)findex,
	  (unsigned long long)t1);
	/* the key walks stop in a block after its event_keys.n events with the key */
	Q("one folio, ORDER BY id DESC", -1,
	  "SELECT id, pid FROM events WHERE ino = %lld AND findex = %lld ORDER BY id DESC",
	  (long long)ino, (long long)findex);
	Q("one folio and a kind", -1,
	  "SELECT id FROM events WHERE ino = %lld AND findex = %lld AND kind = %d", (long long)ino,
	  (long long)findex, FT_K_IUNLOCK);
	Q("one folio, the second half of the ids", -1,
	  "SELECT id FROM events WHERE ino = %lld AND findex = %lld AND id > %lld", (long long)ino,
	  (long long)findex, (long long)b1 + 2500);
	Q("findex = alone", -1, "SELECT id FROM events WHERE findex = %lld", (long long)findex);
	Q("ino = and pid = and trace_id =", -1,
	  "SELECT id FROM events WHERE ino = %lld AND pid = %d AND trace_id = %lld",
	  (long long)ino, pid, (long long)R[N1].trace);
	Q("ino = with an id range, backwards", -1,
	  "SELECT id FROM events WHERE ino = %lld AND id BETWEEN %lld AND %lld ORDER BY id DESC",
	  (long long)ino, (long long)b1 + 700, (long long)b2 + 300);
	Q("ino = a value no event has", 0, "SELECT id FROM events WHERE ino = 99999");
	Q("kind = (a filter)", -1, "SELECT id FROM events WHERE kind = %d", FT_K_BUNMAP);
	Q("kind IN (list) with ino = and ORDER BY id DESC LIMIT 1 (window.c)", 1,
	  "SELECT pid, id, kind FROM events WHERE ino = %lld AND id < %lld AND kind IN (%d, %d) "
	  "ORDER BY id DESC LIMIT 1", (long long)ino, (long long)b2 + 10, FT_K_ILOCK, FT_K_BUNMAP);
	Q("kind IN (list with NULL, a duplicate, a TEXT number) and id range", -1,
	  "SELECT id, kind FROM events WHERE kind IN (NULL, %d, '%d', %d, 99999) AND id BETWEEN "
	  "%lld AND %lld ORDER BY id", FT_K_IUNLOCK, FT_K_OTHER, FT_K_IUNLOCK, (long long)b1 + 100,
	  (long long)b1 + 2100);
	Q("two kind IN lists intersect, and kind =", -1,
	  "SELECT id FROM events WHERE kind IN (%d, %d, %d) AND kind IN (%d, %d) AND pid = %d",
	  FT_K_ILOCK, FT_K_IUNLOCK, FT_K_BUNMAP, FT_K_BUNMAP, FT_K_ILOCK, pid);
	Q("kind IN and kind = disjoint: nothing", 0,
	  "SELECT id FROM events WHERE kind IN (%d, %d) AND kind = %d", FT_K_ILOCK, FT_K_IUNLOCK,
	  FT_K_BUNMAP);
	Q("trace_id =", N2, "SELECT id FROM events WHERE trace_id = %lld", (long long)R[N1].trace);
	Q("payload and ft_field", -1,
	  "SELECT id, payload, ft_field(type_id, payload, 'f32'), ft_field(type_id, payload, 's16') "
	  "FROM events WHERE id BETWEEN %lld AND %lld", (long long)b1 + 990, (long long)b1 + 1100);
	Q("min(id), max(id)", 1, "SELECT min(id), max(id) FROM events");
	Q("max(id) alone, min(id) alone", 1,
	  "SELECT (SELECT max(id) FROM events), (SELECT min(id) FROM events)");
	Q("join on id (export.c's hb_edges shape)", 5,
	  "WITH h(src, dst) AS (VALUES (%lld, %lld), (%lld, %lld), (%lld, %lld), (3, 4000), "
	  "(%lld, 2)) SELECT h.src, a.ts, a.pid, b.ts, b.kind FROM h JOIN events a ON a.id = h.src "
	  "JOIN events b ON b.id = h.dst ORDER BY h.src",
	  (long long)b1 + 10, (long long)b1 + 11, (long long)b1 + 2000, (long long)b1 + 12,
	  (long long)last, (long long)b2, (long long)b1 + 4444);
	Q("correlated subquery: next event of the same pid", 41,
	  "SELECT e.id, (SELECT min(f.id) FROM events f WHERE f.pid = e.pid AND f.id > e.id) "
	  "FROM events e WHERE e.id BETWEEN %lld AND %lld", (long long)b1 + 1010,
	  (long long)b1 + 1050);
	Q("self-join on ts of id (window.c)", -1,
	  "SELECT id FROM events WHERE ino = %lld AND ts >= (SELECT ts FROM events WHERE id = %lld) "
	  "AND id > %lld ORDER BY ts, id LIMIT 5", (long long)ino, (long long)b1 + 3000,
	  (long long)b1 + 3000);
	Q("events_v, every column", N, "SELECT * FROM events_v");
	Q("events_v GROUP BY event", -1, "SELECT event, count(*) FROM events_v GROUP BY 1");
	Q("events_v by id", 1, "SELECT * FROM events_v WHERE id = %lld", (long long)b1 + 77);
	Q("folios of one inode", -1,
	  "SELECT * FROM folios WHERE ino = %lld ORDER BY add_event", (long long)ino);
#undef Q
	for (int k = 0; k < nq; k++) {
		n = same(vt, pl, qs[k].sql);
		if (qs[k].rows >= 0)
			CHECK(n == qs[k].rows, "%s: %ld rows as the plain table gives (%ld expected)",
			      qs[k].what, n, qs[k].rows);
		else
			CHECK(n >= 0, "%s: the plain table's %ld rows", qs[k].what, n);
	}
	snprintf(q, sizeof(q), "SELECT count(*) FROM events WHERE ino = %lld AND findex = %lld",
		 (long long)ino, (long long)findex);
	n = 0;
	for (int i = 0; i < N; i++)
		n += ft_event_has(&R[i].ev, FT_C_FINDEX) && R[i].ev.v[FT_C_INO] == ino &&
		     R[i].ev.v[FT_C_FINDEX] == findex;
	CHECK(n > 0 && one_int(vt, q) == n, "one folio: %ld events, as in the C array", n);
}

static void test_plans(sqlite3 *vt)
{
	CHECK(plan_has(vt, "SELECT ts FROM events WHERE id = 5", "VIRTUAL TABLE INDEX 0:I"),
	      "id = is pushed down");
	CHECK(plan_has(vt, "SELECT ts FROM events WHERE id BETWEEN 5 AND 9", "INDEX 0:gl"),
	      "an id range is pushed down");
	CHECK(plan_has(vt, "SELECT ts FROM events WHERE ino = 5 AND findex = 3", "INDEX 0:nf"),
	      "a folio is pushed down");
	CHECK(plan_has(vt, "SELECT ts FROM events WHERE pid = 5 ORDER BY id DESC LIMIT 1",
		       "INDEX 1:p"), "pid = with ORDER BY id DESC: pushed down, backwards");
	CHECK(!plan_has(vt, "SELECT ts FROM events WHERE id <= 9 ORDER BY id DESC", "B-TREE") &&
	      plan_has(vt, "SELECT ts FROM events WHERE id <= 9 ORDER BY id DESC", "INDEX 1:l"),
	      "ORDER BY id DESC is consumed, no sort");
	CHECK(plan_has(vt, "SELECT id FROM events WHERE ino = 5 AND kind IN (1, 2) ORDER BY id DESC "
		       "LIMIT 1", "INDEX 1:nK") &&
	      !plan_has(vt, "SELECT id FROM events WHERE ino = 5 AND kind IN (1, 2) ORDER BY id DESC "
			"LIMIT 1", "B-TREE"),
	      "kind IN (list) is one filter: the walk stays in id order, no sort");
	CHECK(plan_has(vt, "SELECT max(id) FROM events", "INDEX 1:"),
	      "max(id) walks backwards (first row only)");
	CHECK(plan_has(vt, "SELECT a.ts FROM events b JOIN events a ON a.id = b.id + 1 WHERE b.pid = 3",
		       "INDEX 0:I"), "a join looks events up by id");
}

/* The test's own writer of a block's payloads frame (schema.sql, store3). */
static void *frame(const uint8_t *raw, size_t len, size_t *out)
{
	size_t cap = ZSTD_compressBound(len);
	void *z = malloc(cap);

	*out = ZSTD_compress(z, cap, raw, len, 1);
	return z;
}

/*
 * Damages block first_id (column col set to blob/len, or n_events + dn),
 * runs the queries, restores.  Returns a short verdict string.
 */
static void damaged(sqlite3 *vt, sqlite3 *raw, int64_t first, const char *col, const void *blob,
		    int len, const char *what, const char *sql, int expect_ok)
{
	sqlite3_stmt *save, *put;
	char q[256], msg[512], want[64];
	void *old;
	int oldlen, rc;

	snprintf(q, sizeof(q), "SELECT %s FROM event_blocks WHERE first_id = %lld", col,
		 (long long)first);
	sqlite3_prepare_v2(raw, q, -1, &save, NULL);
	sqlite3_step(save);
	oldlen = sqlite3_column_bytes(save, 0);
	old = malloc((size_t)oldlen + 1);
	memcpy(old, sqlite3_column_blob(save, 0), (size_t)oldlen);
	sqlite3_finalize(save);
	snprintf(q, sizeof(q), "UPDATE event_blocks SET %s = ?1 WHERE first_id = %lld", col,
		 (long long)first);
	sqlite3_prepare_v2(raw, q, -1, &put, NULL);
	sqlite3_bind_blob(put, 1, blob, len, SQLITE_STATIC);
	sqlite3_step(put);
	sqlite3_reset(put);
	rc = run(vt, sql, msg, sizeof(msg));
	snprintf(want, sizeof(want), "event block %lld is corrupt", (long long)first);
	if (expect_ok)
		CHECK(rc == SQLITE_DONE, "%s: %s still answers (%s)", what, sql, msg);
	else
		CHECK(rc == SQLITE_CORRUPT_VTAB && strstr(msg, want),
		      "%s: %s fails: '%s'", what, sql, msg);
	sqlite3_bind_blob(put, 1, old, oldlen, SQLITE_STATIC);
	sqlite3_step(put);
	sqlite3_finalize(put);
	free(old);
}

static void test_corrupt(sqlite3 *vt)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	int64_t first = R[0].id + 1024;	/* the second block of trace 1 */
	static uint8_t bad[1 << 20];
	uint8_t *data, *pl;
	int dlen, plen, n_ev;
	char sql[256], q2[256], msg[512];
	size_t zlen, o;
	void *z;
	int flips_err = 0, flips_ok = 0, flips_bad = 0;

	if (sqlite3_open_v2(dbpath, &raw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		CHECK(0, "second connection");
		return;
	}
	snprintf(sql, sizeof(sql), "SELECT data, payloads, n_events FROM event_blocks "
		 "WHERE first_id = %lld", (long long)first);
	sqlite3_prepare_v2(raw, sql, -1, &st, NULL);
	if (sqlite3_step(st) != SQLITE_ROW) {
		CHECK(0, "block %lld exists", (long long)first);
		sqlite3_finalize(st);
		sqlite3_close(raw);
		return;
	}
	dlen = sqlite3_column_bytes(st, 0);
	data = malloc((size_t)dlen + 16);
	memcpy(data, sqlite3_column_blob(st, 0), (size_t)dlen);
	plen = sqlite3_column_bytes(st, 1);
	pl = malloc((size_t)plen + 16);
	memcpy(pl, sqlite3_column_blob(st, 1), (size_t)plen);
	n_ev = sqlite3_column_int(st, 2);
	sqlite3_finalize(st);

	/* decoding stops at the last event a query needs: this one needs them all */
	snprintf(sql, sizeof(sql), "SELECT sum(ts) FROM events WHERE id BETWEEN %lld AND %lld",
		 (long long)first + 5, (long long)first + n_ev - 1);
	damaged(vt, raw, first, "data", data, dlen - 1, "data cut short", sql, 0);
	memcpy(bad, data, (size_t)dlen);
	bad[dlen] = 0;
	damaged(vt, raw, first, "data", bad, dlen + 1, "data with a byte too many", sql, 0);
	damaged(vt, raw, first, "data", "", 0, "empty data", sql, 0);
	damaged(vt, raw, first, "data", bad, dlen - 1,
		"count(*) decodes nothing", "SELECT count(*) FROM events", 1);
	damaged(vt, raw, first, "data", bad, dlen - 1,
		"a query without decoded columns decodes nothing",
		"SELECT id, trace_id FROM events WHERE id > 10", 1);
	snprintf(msg, sizeof(msg), "UPDATE event_blocks SET n_events = n_events + 1 "
		 "WHERE first_id = %lld", (long long)first);
	sqlite3_exec(raw, msg, NULL, NULL, NULL);
	snprintf(q2, sizeof(q2), "SELECT sum(ts) FROM events WHERE id BETWEEN %lld AND %lld",
		 (long long)first, (long long)first + n_ev);
	CHECK(run(vt, q2, msg, sizeof(msg)) == SQLITE_CORRUPT_VTAB && strstr(msg, "is corrupt"),
	      "n_events one more than data holds: '%s'", msg);
	snprintf(msg, sizeof(msg), "UPDATE event_blocks SET n_events = n_events - 2 "
		 "WHERE first_id = %lld", (long long)first);
	sqlite3_exec(raw, msg, NULL, NULL, NULL);
	CHECK(run(vt, sql, msg, sizeof(msg)) == SQLITE_CORRUPT_VTAB && strstr(msg, "is corrupt"),
	      "n_events one fewer than data holds: '%s'", msg);
	snprintf(msg, sizeof(msg), "UPDATE event_blocks SET n_events = n_events + 1 "
		 "WHERE first_id = %lld", (long long)first);
	sqlite3_exec(raw, msg, NULL, NULL, NULL);
	CHECK(run(vt, sql, msg, sizeof(msg)) == SQLITE_DONE, "restored: %s", msg);

	/* payloads */
	snprintf(sql, sizeof(sql), "SELECT length(payload) FROM events WHERE id = %lld",
		 (long long)first + 3);
	damaged(vt, raw, first, "payloads", pl, plen - 3, "payloads frame cut short", sql, 0);
	memset(bad, 0xa5, sizeof(bad));
	damaged(vt, raw, first, "payloads", bad, 64, "payloads not a zstd frame", sql, 0);
	damaged(vt, raw, first, "payloads", bad, 64, "a query without payloads does not decompress",
		"SELECT sum(ts), count(ino) FROM events", 1);
	/* a valid frame of bad content: n - 1 empty payloads, then a length past the end */
	o = 0;
	for (int k = 0; k < n_ev - 1; k++)
		bad[o++] = 0;
	bad[o++] = 0x05;
	bad[o++] = 1;
	z = frame(bad, o, &zlen);
	damaged(vt, raw, first, "payloads", z, (int)zlen, "a payload length past the frame", sql, 0);
	free(z);
	/* n_ev empty payloads and a byte after them */
	memset(bad, 0, (size_t)n_ev + 1);
	z = frame(bad, (size_t)n_ev + 1, &zlen);
	damaged(vt, raw, first, "payloads", z, (int)zlen, "a byte after the last payload", sql, 0);
	free(z);
	/* fewer length prefixes than events */
	z = frame(bad, (size_t)n_ev - 1, &zlen);
	damaged(vt, raw, first, "payloads", z, (int)zlen, "a payload frame one event short", sql, 0);
	free(z);
	/* ...and the honest all-empty frame reads as NULL payloads */
	z = frame(bad, (size_t)n_ev, &zlen);
	damaged(vt, raw, first, "payloads", z, (int)zlen,
		"a frame of empty payloads (control)", sql, 1);
	free(z);

	/* random byte flips in data and payloads: an error or rows, never a crash */
	for (int round = 0; round < 200; round++) {
		int in_data = round % 2, len = in_data ? dlen : plen, rc;
		uint8_t *src = in_data ? data : pl;
		sqlite3_stmt *put;

		memcpy(bad, src, (size_t)len);
		for (int f = 0; f < 1 + round % 4; f++)
			bad[rnd() % (uint64_t)len] ^= (uint8_t)(1 + rnd() % 255);
		snprintf(msg, sizeof(msg), "UPDATE event_blocks SET %s = ?1 WHERE first_id = %lld",
			 in_data ? "data" : "payloads", (long long)first);
		sqlite3_prepare_v2(raw, msg, -1, &put, NULL);
		sqlite3_bind_blob(put, 1, bad, len, SQLITE_STATIC);
		sqlite3_step(put);
		sqlite3_finalize(put);
		rc = run(vt, "SELECT * FROM events WHERE id BETWEEN 1000 AND 2100", msg, sizeof(msg));
		if (rc == SQLITE_DONE)
			flips_ok++;
		else if (rc == SQLITE_CORRUPT_VTAB && strstr(msg, "is corrupt"))
			flips_err++;
		else {
			flips_bad++;
			printf("# flip round %d: %d %s\n", round, rc, msg);
		}
		/* restore */
		snprintf(msg, sizeof(msg), "UPDATE event_blocks SET %s = ?1 WHERE first_id = %lld",
			 in_data ? "data" : "payloads", (long long)first);
		sqlite3_prepare_v2(raw, msg, -1, &put, NULL);
		sqlite3_bind_blob(put, 1, src, len, SQLITE_STATIC);
		sqlite3_step(put);
		sqlite3_finalize(put);
	}
	CHECK(flips_bad == 0 && flips_err > 0,
	      "200 random byte flips: %d corrupt errors, %d undetected (a varint delta changed), "
	      "%d other outcomes", flips_err, flips_ok, flips_bad);
	free(data);
	free(pl);
	sqlite3_close(raw);
}

/*
 * The table keeps the last decoded block between statements, used only for
 * the same bytes: a block rewritten between two statements (re-encoded with
 * every pid 1000 more, same ids and ts bounds, and a frame of empty
 * payloads) reads as rewritten.
 */
/* pk := block first (n events, R[k0] on) again, every pid plus delta. */
static int repack_pids(struct evpack *pk, int64_t first, int n, int k0, int delta)
{
	evpack_reset(pk);
	for (int i = 0; i < n; i++) {
		struct ft_event ev = R[k0 + i].ev;

		ev.pid += delta;
		if (evpack_add(pk, R[k0 + i].trace, first + i, R[k0 + i].type_id, &ev) < 0)
			return -1;
	}
	return evpack_finish(pk);
}

static void test_cache_stale(sqlite3 *vt)
{
	int64_t first, id = R[0].id + 2500;
	int k = (int)(id - R[0].id), n, k0;
	struct evpack pk;
	sqlite3 *raw;
	sqlite3_stmt *st;
	char q[256], r[256];
	uint8_t zero[1100];
	size_t zlen;
	void *z;
	int ok = 1;

	if (sqlite3_open_v2(dbpath, &raw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return;
	snprintf(q, sizeof(q), "SELECT pid, length(payload) FROM events WHERE id = %lld", (long long)id);
	CHECK(one_int(vt, q) == R[k].ev.pid, "cache: pid of event %lld read (block decoded)",
	      (long long)id);
	snprintf(q, sizeof(q), "SELECT max(first_id) FROM event_blocks WHERE first_id <= %lld",
		 (long long)id);
	first = one_int(raw, q);
	snprintf(q, sizeof(q), "SELECT n_events FROM event_blocks WHERE first_id = %lld",
		 (long long)first);
	n = (int)one_int(raw, q);
	k0 = (int)(first - R[0].id);
	evpack_init(&pk);
	ok = repack_pids(&pk, first, n, k0, 1000) == 0;
	memset(zero, 0, sizeof(zero));
	z = frame(zero, (size_t)n, &zlen);
	snprintf(q, sizeof(q), "UPDATE event_blocks SET data = ?1, payloads = ?2 WHERE first_id = %lld",
		 (long long)first);
	sqlite3_prepare_v2(raw, q, -1, &st, NULL);
	sqlite3_bind_blob(st, 1, pk.buf, (int)pk.len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, z, (int)zlen, SQLITE_STATIC);
	ok = ok && n > id - first && n <= 1024 && sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(raw) == 1;
	sqlite3_finalize(st);
	CHECK(ok, "cache: block %lld rewritten through a second connection", (long long)first);
	snprintf(q, sizeof(q), "SELECT pid FROM events WHERE id = %lld", (long long)id);
	CHECK(one_int(vt, q) == R[k].ev.pid + 1000,
	      "cache: the next statement reads the rewritten pid, not the kept decoding");
	snprintf(q, sizeof(q), "SELECT payload IS NULL FROM events WHERE id = %lld", (long long)id);
	CHECK(one_int(vt, q) == 1, "cache: ... and the rewritten (empty) payload");

	/*
	 * A connection rewrites the block inside a transaction (SQLite's
	 * data version stays until the commit) after its table decoded it:
	 * its table reads it as rewritten inside the transaction, and as
	 * before once it is rolled back.
	 */
	snprintf(q, sizeof(q), "SELECT pid FROM events WHERE id = %lld", (long long)id);
	ok = evtab_register(raw) == 0;
	CHECK(ok && one_int(raw, q) == R[k].ev.pid + 1000,
	      "cache: a writing connection's own table decodes block %lld", (long long)first);
	ok = ok && repack_pids(&pk, first, n, k0, 2000) == 0;
	snprintf(r, sizeof(r), "UPDATE event_blocks SET data = ?1 WHERE first_id = %lld",
		 (long long)first);
	ok = ok && sqlite3_exec(raw, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
	     sqlite3_prepare_v2(raw, r, -1, &st, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_blob(st, 1, pk.buf, (int)pk.len, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(raw) == 1;
		sqlite3_finalize(st);
	}
	CHECK(ok, "cache: block %lld rewritten by that connection, uncommitted", (long long)first);
	CHECK(one_int(raw, q) == R[k].ev.pid + 2000,
	      "cache: inside the transaction, the rewritten pid, not the kept decoding");
	CHECK(sqlite3_exec(raw, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK, "cache: rolled back");
	CHECK(one_int(raw, q) == R[k].ev.pid + 1000,
	      "cache: after the rollback, the committed pid again");
	free(z);
	evpack_release(&pk);
	sqlite3_close(raw);
}

/*
 * Rewrites every block's data in the layout of schema 3 (evpack version 1,
 * one run), through a second connection: a database of schema 3 is read
 * as it is.  Returns the number of blocks rewritten, -1 on a failure.
 */
static int rewrite_v1(void)
{
	sqlite3 *raw;
	sqlite3_stmt *sel = NULL, *up = NULL;
	struct evpack pk;
	int nb = 0;

	if (sqlite3_open_v2(dbpath, &raw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return -1;
	evpack_init(&pk);
	if (sqlite3_exec(raw, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(raw, "SELECT first_id, n_events FROM event_blocks", -1, &sel,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(raw, "UPDATE event_blocks SET data = ?1 WHERE first_id = ?2", -1,
			       &up, NULL) != SQLITE_OK)
		nb = -1;
	while (nb >= 0 && sqlite3_step(sel) == SQLITE_ROW) {
		int64_t first = sqlite3_column_int64(sel, 0);
		int n = sqlite3_column_int(sel, 1), k0 = -1;

		for (int i = 0; i < N && k0 < 0; i++)
			if (R[i].id == first)
				k0 = i;
		evpack_reset(&pk);
		pk.v1 = 1;
		for (int i = 0; i < n && k0 >= 0 && nb >= 0; i++)
			if (k0 + i >= N || evpack_add(&pk, R[k0 + i].trace, first + i,
						      R[k0 + i].type_id, &R[k0 + i].ev) < 0)
				nb = -1;
		if (k0 < 0 || nb < 0 || evpack_finish(&pk) < 0) {
			nb = -1;
			break;
		}
		sqlite3_bind_blob(up, 1, pk.buf, (int)pk.len, SQLITE_STATIC);
		sqlite3_bind_int64(up, 2, first);
		if (sqlite3_step(up) != SQLITE_DONE || sqlite3_changes(raw) != 1)
			nb = -1;
		sqlite3_reset(up);
		nb += nb >= 0;
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(up);
	if (sqlite3_exec(raw, nb >= 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		nb = -1;
	evpack_release(&pk);
	sqlite3_close(raw);
	return nb;
}

static void test_readonly_and_views(sqlite3 *vt)
{
	sqlite3 *rw;
	char msg[512];
	int rc;

	CHECK(one_int(vt, "PRAGMA trusted_schema") == 0,
	      "the store opens read-only databases with trusted_schema off");
	CHECK(one_int(vt, "SELECT count(*) FROM events_v") == N,
	      "events_v (a view over the virtual table) works with trusted_schema off");
	if (sqlite3_open_v2(dbpath, &rw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return;
	evtab_register(rw);
	rc = run(rw, "DELETE FROM events WHERE id = 5", msg, sizeof(msg));
	CHECK(rc != SQLITE_DONE && strstr(msg, "may not be modified"),
	      "writing events fails: '%s'", msg);
	rc = run(rw, "INSERT INTO events (id, ts) VALUES (1, 2)", msg, sizeof(msg));
	CHECK(rc != SQLITE_DONE && strstr(msg, "may not be modified"),
	      "inserting into events fails: '%s'", msg);
	sqlite3_close(rw);
}

/*
 * A reader while a recorder appends (WAL, as `foliotrace record` writes):
 * a statement sees the blocks committed when it started, to its end; the
 * next statement sees the new ones (nothing is cached across statements).
 */
static void test_live(void)
{
	struct ft_err e = FT_ERR_INIT;
	struct store_trace_info ti = { "live", 1, "test_evtab" };
	struct store *s = NULL;
	sqlite3 *rd = NULL;
	sqlite3_stmt *scan = NULL;
	char path[300];
	int64_t tid = 0, ty = 0;
	/* from just below 2^64: ts as SQL sees it (signed) runs from -95000 up through 0 */
	uint64_t ts = 5000;
	long rows = 0;
	int ret, i = 0;

	snprintf(path, sizeof(path), "%s/live.db", dir);
	ret = store_create(&s, path, &e);
	if (!ret)
		ret = store_set_live(s, &e);
	if (!ret)
		ret = store_trace_begin(s, &ti, &tid, &e);
	if (!ret)
		ret = store_add_type(s, tid, 1, "xfs", "ev", FT_K_OTHER, &ty, &e);
	types[0][0] = types[0][1] = types[0][2] = types[0][3] = ty;
	for (; i < 3000 && !ret; i++) {
		R[i].trace = 1;
		gen(&R[i], i, &ts);
		ret = store_add_event(s, tid, ty, &R[i].ev, &e);
	}
	if (!ret)
		ret = store_checkpoint(s, &e);
	CHECK(ret == 0, "live: 3000 events committed (WAL): %s", e.msg);
	if (ret || sqlite3_open_v2(path, &rd, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		store_close(s);
		return;
	}
	evtab_register(rd);
	CHECK(one_int(rd, "SELECT count(*) FROM events") == 3000,
	      "live: a reader counts the 3000 committed events");
	sqlite3_prepare_v2(rd, "SELECT id, ts FROM events ORDER BY id", -1, &scan, NULL);
	while (rows < 10 && sqlite3_step(scan) == SQLITE_ROW)
		rows++;
	for (; i < 5500 && !ret; i++) {
		R[i].trace = 1;
		gen(&R[i], i, &ts);
		ret = store_add_event(s, tid, ty, &R[i].ev, &e);
	}
	if (!ret)
		ret = store_checkpoint(s, &e);
	CHECK(ret == 0, "live: 2500 more committed while the reader's statement is open: %s", e.msg);
	while (sqlite3_step(scan) == SQLITE_ROW)
		rows++;
	sqlite3_finalize(scan);
	CHECK(rows == 3000, "live: the open statement reads the 3000 events of its snapshot (%ld)",
	      rows);
	CHECK(one_int(rd, "SELECT count(*) FROM events") == 5500 &&
	      one_int(rd, "SELECT max(id) FROM events") == one_int(rd, "SELECT min(id) FROM events") + 5499,
	      "live: the next statement sees all 5500");
	CHECK(one_int(rd, "SELECT count(*) FROM events WHERE ts < 0") ==
	      one_int(rd, "SELECT count(*) FROM events WHERE +ts < 0") &&
	      one_int(rd, "SELECT count(*) FROM events WHERE ts < 0") > 0,
	      "live: negative ts (a block's ts straddling 2^63) read and filtered");
	CHECK(one_int(rd, "SELECT count(*) FROM events WHERE pid = 105") ==
	      one_int(rd, "SELECT count(*) FROM events WHERE +pid = 105"),
	      "live: pid = through event_keys finds what a scan finds, new blocks included");
	sqlite3_close(rd);
	if (!ret)
		ret = store_trace_finish(s, tid, &e);
	store_close(s);
}

/* --- ORDER BY ts ------------------------------------------------------------------ */

/*
 * A database of ntr traces of n[t] events, ts monotone in id (with ties)
 * unless back[t] (then now and then 50 us back).  The events earlier than
 * one before them are counted here as the loader counts them (record/
 * loader.c on_event: ts below the largest so far) and written where
 * loader_finish writes them (meta trace:<id>:ts_backwards, absent when 0).
 * R[0 ..] get the events and their ids.  Returns the number of events, or -1.
 */
static int build_ord(const char *path, int ntr, const int *n, const int *back, int64_t *tid)
{
	struct ft_err e = FT_ERR_INIT;
	struct store_trace_info ti = { "ord", 1, "test_evtab" };
	struct store *s;
	sqlite3 *db;
	int ret, i = 0, start[8];

	if (store_create(&s, path, &e))
		return -1;
	ret = store_add_symbol(s, "xfs_bmap_punch_delalloc_range", &sym_id, &e);
	for (int t = 0; t < ntr && !ret; t++) {
		uint64_t ts = 1000000000, dummy = 0, max = 0;
		int64_t ty[NTYPES], backwards = 0;

		ret = store_trace_begin(s, &ti, &tid[t], &e);
		for (int k = 0; k < NTYPES && !ret; k++)
			ret = store_add_type(s, tid[t], 10 + k, "xfs", k ? "ev" : "ev0", FT_K_OTHER,
					     &ty[k], &e);
		start[t] = i;
		for (int k = 0; k < n[t] && !ret; k++, i++) {
			R[i].trace = tid[t];
			gen(&R[i], i, &dummy);
			R[i].type_id = ty[rnd() % NTYPES];
			ts += back[t] ? rnd() % 300 : rnd() % 3;
			if (back[t] && k % 97 == 50)
				ts -= 50000;
			R[i].ev.ts = ts;
			if (k && ts < max)
				backwards++;
			if (ts > max)
				max = ts;
			ret = store_add_event(s, tid[t], R[i].type_id, &R[i].ev, &e);
			if (!ret && k == 700)
				ret = store_checkpoint(s, &e);
		}
		if (!ret && backwards)
			ret = store_trace_set_meta_int(s, tid[t], "ts_backwards", backwards, &e);
		if (!ret)
			ret = store_trace_finish(s, tid[t], &e);
	}
	if (store_close(s) || ret) {
		printf("# building %s: %s\n", path, e.msg);
		return -1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	for (int t = 0; t < ntr; t++) {
		char q[128];
		int64_t base;

		snprintf(q, sizeof(q), "SELECT min(first_id) FROM event_blocks WHERE trace_id = %lld",
			 (long long)tid[t]);
		base = one_int(db, q);
		for (int k = 0; k < n[t]; k++)
			R[start[t] + k].id = base + k;
	}
	sqlite3_close(db);
	return i;
}

/* Steps a (virtual table) and b (reference) to the end: rows compared, or -1. */
static long same_stmt(sqlite3 *vt, sqlite3_stmt *a, sqlite3_stmt *b)
{
	static char ra[8192], rb[8192];
	long n = 0;
	int rca, rcb;

	for (;;) {
		rca = sqlite3_step(a);
		rcb = sqlite3_step(b);
		if (rca != rcb) {
			printf("# row %ld: %d (%s) vs %d\n", n, rca, sqlite3_errmsg(vt), rcb);
			return -1;
		}
		if (rca != SQLITE_ROW)
			return rca == SQLITE_DONE ? n : -1;
		row_text(a, ra, sizeof(ra));
		row_text(b, rb, sizeof(rb));
		if (strcmp(ra, rb)) {
			printf("# row %ld:\n#  vtab  %.300s\n#  plain %.300s\n", n, ra, rb);
			return -1;
		}
		n++;
	}
}

static int open_vt(const char *path, struct store **s)
{
	struct ft_err e = FT_ERR_INIT;

	if (store_open(s, path, STORE_READONLY, &e)) {
		printf("# store_open %s: %s\n", path, e.msg);
		return -1;
	}
	return 0;
}

static void test_ts_order(void)
{
	/* queries that may be served in id order; the reference orders ties by id */
	static const struct { const char *sql, *ref; } mq[] = {
		{ "SELECT * FROM events ORDER BY ts", "SELECT * FROM events ORDER BY ts, id" },
		{ "SELECT * FROM events WHERE ino = 130 ORDER BY ts",
		  "SELECT * FROM events WHERE ino = 130 ORDER BY ts, id" },
		{ "SELECT * FROM events WHERE ino = 130 ORDER BY ts DESC",
		  "SELECT * FROM events WHERE ino = 130 ORDER BY ts DESC, id DESC" },
		{ "SELECT id, ts, kind FROM events WHERE pid = 105 ORDER BY ts, id", NULL },
		{ "SELECT id, ts FROM events WHERE ino = 131 AND findex < 20 ORDER BY ts DESC, id DESC",
		  NULL },
		{ "SELECT id, ts, payload FROM events WHERE ts BETWEEN 1000000500 AND 1000002000 "
		  "ORDER BY ts DESC", "SELECT id, ts, payload FROM events WHERE ts BETWEEN "
		  "1000000500 AND 1000002000 ORDER BY ts DESC, id DESC" },
		{ "SELECT id FROM events WHERE trace_id = 1 ORDER BY ts LIMIT 5",
		  "SELECT id FROM events WHERE trace_id = 1 ORDER BY ts, id LIMIT 5" },
	};
	static const int n_one[] = { 2500 }, mono[] = { 0 }, back[] = { 1 };
	static const int n_multi[] = { 1500, 1200, 800 }, b_multi[] = { 0, 1, 0 };
	char path[300], q[512], r[512], msg[512];
	struct store *s = NULL;
	sqlite3 *vt, *pl, *raw = NULL;
	sqlite3_stmt *a = NULL, *b = NULL;
	int64_t tid[3];
	int nev;
	long rows;

	/* one trace, ts monotone: no sort step, the reference's rows */
	snprintf(path, sizeof(path), "%s/mono.db", dir);
	nev = build_ord(path, 1, n_one, mono, tid);
	CHECK(nev == 2500, "ts order: a database of one trace whose ts never goes back");
	if (nev < 0 || open_vt(path, &s))
		return;
	vt = store_db(s);
	pl = plain_copy(vt, nev);
	for (size_t k = 0; pl && k < sizeof(mq) / sizeof(mq[0]); k++) {
		rows = same_as(vt, mq[k].sql, pl, mq[k].ref ? mq[k].ref : mq[k].sql);
		CHECK(!plan_has(vt, mq[k].sql, "B-TREE") && rows > 0,
		      "monotone ts: %s: no sort step, the reference's %ld rows", mq[k].sql, rows);
	}
	CHECK(pl && same(vt, pl, "SELECT * FROM events ORDER BY ts, id") == nev,
	      "monotone ts: ORDER BY ts, id returns all %d events", nev);
	CHECK(plan_has(vt, "SELECT id FROM events ORDER BY ts, id DESC", "B-TREE") &&
	      pl && same(vt, pl, "SELECT id, ts FROM events ORDER BY ts, id DESC") == nev,
	      "monotone ts: ORDER BY ts, id DESC (ties against id order) is sorted by SQLite");
	CHECK(plan_has(vt, "SELECT id FROM events ORDER BY ts, pid, id", "B-TREE") &&
	      pl && same(vt, pl, "SELECT id, ts, pid FROM events ORDER BY ts, pid, id") == nev,
	      "monotone ts: ORDER BY ts, pid (ties by another column) is sorted by SQLite");
	/*
	 * A ts lower bound in a monotone trace: the walk starts in the run
	 * that reaches it (skip_runs); the reference answers every bound,
	 * from before the first event to after the last.
	 */
	if (pl) {
		int64_t t0 = one_int(pl, "SELECT min(ts) FROM events") - 3;
		int64_t t1 = one_int(pl, "SELECT max(ts) FROM events") + 3;
		int bad = 0, hits = 0;

		for (int k = 0; k <= 200; k++) {
			int64_t lo = t0 + (t1 - t0) * k / 200, hi = lo + (t1 - t0) / 50;
			long got;

			snprintf(q, sizeof(q), "SELECT id, ts FROM events WHERE ts >= %lld ORDER BY id "
				 "LIMIT 3", (long long)lo);
			got = same(vt, pl, q);
			bad += got < 0;
			hits += got > 0;
			snprintf(q, sizeof(q), "SELECT id, pid FROM events WHERE ts >= %lld AND ts < %lld",
				 (long long)lo, (long long)hi);
			bad += same(vt, pl, q) < 0;
			snprintf(q, sizeof(q), "SELECT id FROM events WHERE ino = 130 AND ts > %lld",
				 (long long)lo);
			bad += same(vt, pl, q) < 0;
		}
		CHECK(bad == 0 && hits >= 190, "monotone ts: 201 lower bounds of ts (3 queries each), "
		      "the reference's rows (%d found a first event)", hits);
	}
	/* trace_id = ?: the value comes later; every trace (the one) is monotone */
	if (sqlite3_prepare_v2(vt, "SELECT id, ts FROM events WHERE trace_id = ?1 AND ino = 130 "
			       "ORDER BY ts, id", -1, &a, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(pl, "SELECT id, ts FROM events WHERE trace_id = ?1 AND ino = 130 "
			       "ORDER BY ts, id", -1, &b, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(a, 1, tid[0]);
		sqlite3_bind_int64(b, 1, tid[0]);
		rows = same_stmt(vt, a, b);
		CHECK(rows > 0 && !plan_has(vt, "SELECT id, ts FROM events WHERE trace_id = ?1 AND "
					    "ino = 130 ORDER BY ts, id", "B-TREE"),
		      "monotone ts: trace_id = ?1 (bound later): no sort step, %ld rows", rows);
		sqlite3_reset(a);
		sqlite3_reset(b);
		sqlite3_bind_int64(a, 1, tid[0] + 7);
		sqlite3_bind_int64(b, 1, tid[0] + 7);
		rows = same_stmt(vt, a, b);
		CHECK(rows == 0, "monotone ts: trace_id = ?1 bound to no trace: no rows, no error");
	}
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	a = b = NULL;

	/* the trace becomes incomplete between prepare and step: still in ts order */
	sqlite3_open(path, &raw);
	snprintf(q, sizeof(q), "SELECT * FROM events WHERE ino = 130 ORDER BY ts, id");
	if (pl && sqlite3_prepare_v2(vt, q, -1, &a, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(pl, q, -1, &b, NULL) == SQLITE_OK &&
	    sqlite3_exec(raw, "UPDATE traces SET complete = 0", NULL, NULL, NULL) == SQLITE_OK) {
		rows = same_stmt(vt, a, b);
		CHECK(rows > 0, "a statement prepared while the trace was complete, run after it "
		      "was marked incomplete: the reference's %ld rows", rows);
		CHECK(plan_has(vt, q, "B-TREE"), "an incomplete trace's ts order is not trusted");
	} else {
		CHECK(0, "a statement across a change of traces.complete: %s", sqlite3_errmsg(vt));
	}
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	a = b = NULL;
	sqlite3_close(raw);
	raw = NULL;
	if (pl)
		sqlite3_close(pl);
	store_close(s);

	/* one trace, ts going back: SQLite sorts; a meta row that lies is an error */
	snprintf(path, sizeof(path), "%s/back.db", dir);
	nev = build_ord(path, 1, n_one, back, tid);
	CHECK(nev == 2500, "ts order: a database of one trace whose ts goes back now and then");
	if (nev < 0 || open_vt(path, &s))
		return;
	vt = store_db(s);
	pl = plain_copy(vt, nev);
	CHECK(one_int(vt, "SELECT count(*) FROM meta WHERE key = 'trace:1:ts_backwards' AND "
		      "value > 0") == 1, "ts going back is counted in meta trace:1:ts_backwards");
	for (size_t k = 0; pl && k < sizeof(mq) / sizeof(mq[0]); k++) {
		const char *ref = mq[k].ref ? mq[k].ref : mq[k].sql;

		/* the same tie order on both sides: the reference's query */
		rows = same_as(vt, ref, pl, ref);
		CHECK(plan_has(vt, mq[k].sql, "B-TREE") && rows > 0,
		      "ts going back: %s: sorted by SQLite, the reference's %ld rows", ref, rows);
	}
	sqlite3_open(path, &raw);
	sqlite3_exec(raw, "DELETE FROM meta WHERE key = 'trace:1:ts_backwards'", NULL, NULL, NULL);
	/*
	 * vt reads the change first: a plan may rest on what the connection
	 * last read (the change, unseen, would only make SQLite sort)
	 */
	CHECK(one_int(vt, "SELECT count(*) FROM meta WHERE key = 'trace:1:ts_backwards'") == 0,
	      "the lie (no ts_backwards row) is seen by the table's connection");
	CHECK(run(vt, "SELECT id FROM events ORDER BY ts", msg, sizeof(msg)) != SQLITE_DONE &&
	      strstr(msg, "goes back in ts"),
	      "a meta row denying that ts goes back is found out, not rows out of order: %s", msg);
	/* prepared on the lie, run after the truth is back: re-planned, sorted */
	snprintf(q, sizeof(q), "SELECT * FROM events WHERE ino = 131 ORDER BY ts, id");
	snprintf(r, sizeof(r), "INSERT INTO meta VALUES ('trace:1:ts_backwards', 3)");
	if (pl && !plan_has(vt, q, "B-TREE") && sqlite3_prepare_v2(vt, q, -1, &a, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(pl, q, -1, &b, NULL) == SQLITE_OK &&
	    sqlite3_exec(raw, r, NULL, NULL, NULL) == SQLITE_OK) {
		rows = same_stmt(vt, a, b);
		CHECK(rows > 0, "a statement planned while meta denied ts going back, run after "
		      "the count is back: re-planned, the reference's %ld rows", rows);
	} else {
		CHECK(0, "a statement across a change of ts_backwards: %s", sqlite3_errmsg(vt));
	}
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	a = b = NULL;
	sqlite3_close(raw);
	if (pl)
		sqlite3_close(pl);
	store_close(s);

	/* several traces: only a pinned, monotone trace is served in id order */
	snprintf(path, sizeof(path), "%s/multi.db", dir);
	nev = build_ord(path, 3, n_multi, b_multi, tid);
	CHECK(nev == 3500, "ts order: three traces, the second going back in ts");
	if (nev < 0 || open_vt(path, &s))
		return;
	vt = store_db(s);
	pl = plain_copy(vt, nev);
	CHECK(plan_has(vt, "SELECT id FROM events ORDER BY ts", "B-TREE") && pl &&
	      same(vt, pl, "SELECT id, trace_id, ts FROM events ORDER BY ts, id") == nev,
	      "several traces, none pinned: sorted by SQLite, all %d events", nev);
	for (int t = 0; t < 3 && pl; t++) {
		snprintf(q, sizeof(q), "SELECT * FROM events WHERE trace_id = %lld AND ino = 130 "
			 "ORDER BY ts DESC", (long long)tid[t]);
		snprintf(r, sizeof(r), "SELECT * FROM events WHERE trace_id = %lld AND ino = 130 "
			 "ORDER BY ts DESC, id DESC", (long long)tid[t]);
		rows = same_as(vt, b_multi[t] ? r : q, pl, r);
		CHECK(plan_has(vt, q, "B-TREE") == b_multi[t] && rows > 0,
		      "several traces, trace_id = %lld pinned (ts %s): %s, the reference's %ld rows",
		      (long long)tid[t], b_multi[t] ? "going back" : "monotone",
		      b_multi[t] ? "sorted by SQLite" : "no sort step", rows);
	}
	CHECK(plan_has(vt, "SELECT id FROM events WHERE trace_id = ?1 ORDER BY ts", "B-TREE"),
	      "several traces, trace_id = ?1 (bound later) when one trace goes back: sorted");
	if (pl)
		sqlite3_close(pl);
	store_close(s);
}

int main(void)
{
	struct ft_err e = FT_ERR_INIT;
	struct store *s = NULL;
	sqlite3 *vt, *pl;
	int64_t base[2];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	CHECK(build() == 0, "a database of %d events in two traces, written by the store", N);
	CHECK(store_open(&s, dbpath, STORE_READONLY, &e) == 0, "store_open: %s", e.msg);
	if (!s)
		return tap_done();
	vt = store_db(s);
	/* ids: consecutive per trace from the trace's first block */
	base[0] = one_int(vt, "SELECT min(first_id) FROM event_blocks WHERE trace_id = "
			  "(SELECT min(id) FROM traces)");
	base[1] = one_int(vt, "SELECT min(first_id) FROM event_blocks WHERE trace_id = "
			  "(SELECT max(id) FROM traces)");
	for (int i = 0; i < N; i++)
		R[i].id = i < N1 ? base[0] + i : base[1] + (i - N1);
	CHECK(one_int(vt, "SELECT sum(n_events) FROM event_blocks") == N &&
	      one_int(vt, "SELECT count(*) FROM event_blocks WHERE n_events < 1024") >= 4,
	      "the blocks hold %d events, some blocks short (checkpoints)", N);
	CHECK(one_int(vt, "SELECT count(*) FROM event_blocks WHERE substr(data, 1, 2) <> x'8000'")
	      == 0, "the store writes every block in runs (evpack version 2)");
	pl = plain_copy(vt, N);
	CHECK(pl != NULL, "the plain reference table");
	if (pl) {
		int nb;

		test_queries(vt, pl);
		/* the same queries on blocks of schema 3 (one run each) */
		nb = rewrite_v1();
		CHECK(nb > 0 && one_int(vt, "SELECT count(*) FROM event_blocks WHERE "
					"substr(data, 1, 2) = x'8000'") == 0,
		      "every block (%d) rewritten in the layout of schema 3", nb);
		test_queries(vt, pl);
		sqlite3_close(pl);
	}
	test_plans(vt);
	test_readonly_and_views(vt);
	test_corrupt(vt);
	test_cache_stale(vt);	/* after the others: it rewrites a block */
	store_close(s);
	test_live();	/* reuses R[] */
	test_ts_order();	/* reuses R[] */
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return tap_done();
}
