/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of core/store.c: schema, identity checks, event round trip. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/kinds.h"
#include "../../core/store.h"
#include "tap.h"

static char dir[] = "/tmp/ft-unit-store.XXXXXX";

static char *path(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static int64_t q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -999;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void make_sqlite(const char *p, const char *sql)
{
	sqlite3 *db;

	sqlite3_open(p, &db);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
}

static void test_create_and_roundtrip(void)
{
	struct ft_err e = FT_ERR_INIT;
	struct store *s = NULL;
	struct store_trace_info ti = { "unit", 123, "unit test" };
	int64_t tid = 0, ty = 0, sym = 0, buf = 0;
	struct ft_event ev;
	uint8_t payload[32];
	int ret;

	ret = store_create(&s, path("a.db"), &e);
	CHECK(ret == 0, "store_create: %s", e.msg);
	if (ret)
		return;
	CHECK_EQ_INT(q_int(store_db(s), "PRAGMA user_version"), FT_SCHEMA_VERSION, "user_version");
	CHECK_EQ_INT(q_int(store_db(s), "PRAGMA application_id"), FT_APPLICATION_ID, "application_id");
	CHECK_EQ_INT(q_int(store_db(s), "SELECT count(*) FROM kinds"), FT_K__COUNT, "kinds rows");
	CHECK(store_trace_begin(s, &ti, &tid, &e) == 0, "trace_begin");
	CHECK(store_add_buffer(s, tid, "inst", 2, "mono", &buf, &e) == 0, "add_buffer");
	CHECK(store_add_type(s, tid, 42, "xfs", "xfs_ilock", FT_K_ILOCK, &ty, &e) == 0, "add_type");
	CHECK(store_add_field(s, ty, 0, "ino", "u64", 8, 8, 8, 0, &e) == 0, "add_field");
	CHECK(store_add_field(s, ty, 1, "neg", "int", 16, 4, 4, 1, &e) == 0, "add_field signed");
	CHECK(store_add_symbol(s, "xfs_bmap_punch_delalloc_range", &sym, &e) == 0 && sym > 0,
	      "add_symbol");
	{
		int64_t again = 0;

		CHECK(store_add_symbol(s, "xfs_bmap_punch_delalloc_range", &again, &e) == 0 &&
		      again == sym, "add_symbol is idempotent (%lld == %lld)",
		      (long long)again, (long long)sym);
	}
	memset(payload, 0, sizeof(payload));
	{
		uint64_t ino = 0x83;
		int32_t neg = -5;

		memcpy(payload + 8, &ino, 8);
		memcpy(payload + 16, &neg, 4);
	}
	for (int i = 0; i < 200; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.ts = 1000 + (uint64_t)i;
		ev.cpu = i % 2;
		ev.pid = 7;
		ev.kind = FT_K_ILOCK;
		ft_event_set(&ev, FT_C_INO, 0x83);
		if (i % 3 == 0)
			ft_event_set(&ev, FT_C_CALLER, sym);
		ev.payload = payload;
		ev.payload_len = sizeof(payload);
		ret = store_add_event(s, tid, ty, &ev, &e);
		if (ret)
			break;
	}
	CHECK(ret == 0, "200 events queued: %s", e.msg);
	CHECK(store_add_lost(s, tid, buf, 1, "missed", 5, 1010, 1020, &e) == 0, "add_lost");
	CHECK(store_trace_finish(s, tid, &e) == 0, "trace_finish: %s", e.msg);
	CHECK_EQ_INT(q_int(store_db(s), "SELECT count(*) FROM events"), 200, "events stored");
	CHECK_EQ_INT(q_int(store_db(s), "SELECT count(*) FROM events WHERE offset IS NULL"), 200,
		     "absent columns are NULL");
	CHECK_EQ_INT(q_int(store_db(s), "SELECT count(*) FROM events WHERE caller_id IS NOT NULL"),
		     67, "caller set on every third event");
	CHECK_EQ_INT(q_int(store_db(s), "SELECT complete FROM traces"), 1, "trace complete");
	CHECK_EQ_INT(q_int(store_db(s), "SELECT ft_field(type_id, payload, 'ino') FROM events LIMIT 1"),
		     0x83, "ft_field decodes an unsigned field");
	CHECK_EQ_INT(q_int(store_db(s), "SELECT ft_field(type_id, payload, 'neg') FROM events LIMIT 1"),
		     -5, "ft_field sign-extends a signed field");
	CHECK_EQ_INT(q_int(store_db(s), "SELECT ft_field(type_id, payload, 'nope') IS NULL FROM events LIMIT 1"),
		     1, "ft_field of an unknown field is NULL");
	CHECK_EQ_INT(q_int(store_db(s), "SELECT ft_field(type_id, x'0102', 'ino') IS NULL FROM events LIMIT 1"),
		     1, "ft_field on a short payload is NULL, not an overread");
	CHECK_EQ_INT(q_int(store_db(s), "SELECT sum(n) FROM event_keys WHERE key_kind = 2 AND k1 = 131"),
		     200, "event_keys: the inode's 200 events, by block");
	CHECK_EQ_INT(q_int(store_db(s), "SELECT sum(n) FROM event_keys WHERE key_kind = 1 AND k1 = 7"),
		     200, "event_keys: the pid's 200 events, by block");
	CHECK_EQ_INT(q_int(store_db(s), "SELECT count(*) FROM event_keys WHERE key_kind = 3"),
		     0, "event_keys: no folio key for events without findex");
	CHECK_EQ_INT(q_int(store_db(s), "SELECT sum(n_events) FROM event_blocks"), 200,
		     "event_blocks cover the 200 events");
	store_close(s);

	s = NULL;
	ft_err_clear(&e);
	ret = store_open(&s, path("a.db"), STORE_READONLY, &e);
	CHECK(ret == 0, "reopen read-only: %s", e.msg);
	if (s) {
		CHECK(sqlite3_exec(store_db(s), "DELETE FROM event_blocks", NULL, NULL, NULL) != SQLITE_OK,
		      "read-only store refuses writes");
		CHECK(sqlite3_exec(store_db(s), "DELETE FROM events", NULL, NULL, NULL) != SQLITE_OK,
		      "the events table refuses writes");
		store_close(s);
	}
}

static void expect_refused(const char *file, const char *what, const char *needle)
{
	struct ft_err e = FT_ERR_INIT;
	struct store *s = NULL;
	int ret = store_open(&s, file, STORE_READONLY, &e);

	CHECK(ret < 0 && !s, "%s is refused", what);
	CHECK(strstr(e.msg, needle) && !strchr(e.msg, '\n'),
	      "%s: one-line message mentioning '%s': %s", what, needle, e.msg);
	CHECK(strstr(e.msg, file) != NULL, "%s: message names the file", what);
	store_close(s);
}

static void test_refusals(void)
{
	struct stat st0, st1;
	FILE *f;

	make_sqlite(path("foreign.db"), "CREATE TABLE songs(title TEXT); INSERT INTO songs VALUES ('x');");
	expect_refused(path("foreign.db"), "a foreign SQLite database", "not a foliotrace database");
	make_sqlite(path("newer.db"), "PRAGMA application_id = 1181707369; PRAGMA user_version = 99; CREATE TABLE t(x);");
	stat(path("newer.db"), &st0);
	expect_refused(path("newer.db"), "a newer foliotrace database", "newer foliotrace");
	stat(path("newer.db"), &st1);
	CHECK(st0.st_mtime == st1.st_mtime && st0.st_size == st1.st_size,
	      "the newer database is not modified");
	f = fopen(path("empty.db"), "w");
	if (f)
		fclose(f);
	expect_refused(path("empty.db"), "an empty file", "empty");
	expect_refused(dir, "a directory", "directory");
	f = fopen(path("text.db"), "w");
	if (f) {
		fputs("hello, this is not a database at all, just text\n", f);
		fclose(f);
	}
	expect_refused(path("text.db"), "a text file", "not a foliotrace database");
	expect_refused(path("missing.db"), "a missing file", "No such file");
	/* A damaged header: the right magic, garbage after it. */
	f = fopen(path("garbage.db"), "w");
	if (f) {
		char junk[4096];

		memset(junk, 0x5a, sizeof(junk));
		memcpy(junk, "SQLite format 3", 16);
		fwrite(junk, 1, sizeof(junk), f);
		fclose(f);
	}
	expect_refused(path("garbage.db"), "a damaged SQLite header", "not a foliotrace database");
}

static void test_create_refuses_existing(void)
{
	struct ft_err e = FT_ERR_INIT;
	struct store *s = NULL;

	CHECK(store_create(&s, path("a.db"), &e) == -EEXIST && !s,
	      "store_create refuses an existing path: %s", e.msg);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_create_and_roundtrip();
	test_refusals();
	test_create_refuses_existing();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return tap_done();
}
