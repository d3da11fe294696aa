/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.c - see store.h.
 *
 * Invariants:
 *  S1. A database this code created has application_id FT_APPLICATION_ID and
 *      user_version FT_SCHEMA_VERSION before anything else is written to it.
 *  S2. While loading, events are written only inside an open transaction;
 *      the block being filled and the batched keys are written before any
 *      commit.
 *  S3. traces.complete is set to 1 in the same transaction that writes the
 *      last event, so a reader never sees complete = 1 with missing events.
 *  S4. Every committed event is in exactly one event_blocks row of its
 *      trace, and every key of a block (its pids, inodes, folios) is in
 *      event_keys, written in the same transaction, so the blocks of a
 *      trace cover ids without gaps and a key finds every block it is in.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "evpack.h"
#include "evtab.h"
#include "sqlfn.h"
#include "kinds.h"

extern const char ft_schema_sql[];

#define BATCH_EVENTS	200000	/* events per transaction */
#define STORE_PAGE_SIZE	16384
#define BLOCK_EVENTS	1024	/* events per event_blocks row */
#define KEY_SLOTS	4096	/* > 3 keys per event of a block, a power of 2 */
#define KEY_BATCH	65536	/* block keys sorted and inserted at once */
#define PAYLOAD_ZLEVEL	1	/* zstd level of the payload frames */

/* One key of a block: kind 1 pid, 2 inode, 3 folio (schema.sql, event_keys). */
struct bkey {
	int64_t k1, k2, first_id;
	int32_t kind, n;
};

struct store {
	sqlite3 *db;
	char *path;
	int in_tx;
	sqlite3_stmt *ins_type, *ins_field, *ins_sym, *ins_task, *ins_lost;
	sqlite3_stmt *ins_buffer, *ins_bdi;
	uint64_t since_commit;
	int64_t version;	/* schema version of the open database */
	int64_t next_id;	/* id of the next event; 0 until read */
	/* The block being filled: columns, payloads, keys. */
	struct evpack pk;
	int64_t min_ts, max_ts;	/* as SQLite stores ts: signed */
	uint8_t *pay;		/* per event: varint length, raw bytes */
	size_t pay_len, pay_cap;
	struct bkey keys[KEY_SLOTS];
	uint16_t key_used[KEY_SLOTS];
	size_t nkey_used;
	/* Keys of written blocks, not yet inserted. */
	struct bkey *batch;
	size_t nbatch, batch_cap;
	ZSTD_CCtx *zctx;
	uint8_t *zbuf;
	size_t zcap;
	sqlite3_stmt *ins_block, *ins_key;
};

/* An SQLite result code as a negative errno. */
static int rc_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_NOMEM: return -ENOMEM;
	default: return -EIO;
	}
}

static int sql_fail(struct store *s, struct ft_err *e, int rc, const char *what)
{
	return ft_error(e, rc_code(rc), "%s: %s: %s", s->path, what,
			s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
}

static int exec(struct store *s, const char *sql, struct ft_err *e)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		int code = rc_code(rc);

		ft_error(e, code, "%s: %s", s->path, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return code;
	}
	return 0;
}

static int prep(struct store *s, sqlite3_stmt **st, const char *sql,
		struct ft_err *e)
{
	int rc;

	if (*st)
		return 0;
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	if (rc != SQLITE_OK)
		return sql_fail(s, e, rc, "prepare");
	return 0;
}

static int step_done(struct store *s, sqlite3_stmt *st, struct ft_err *e,
		     const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	/* Key INSERTs bind every parameter each time: no clearing needed. */
	if (st != s->ins_key)
		sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sql_fail(s, e, rc, what);
	return 0;
}

static struct store *store_alloc(const char *path)
{
	struct store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->path = strdup(path);
	if (!s->path) {
		free(s);
		return NULL;
	}
	return s;
}

int store_probe_file(const char *path, struct ft_err *e)
{
	static const char magic[16] = "SQLite format 3";
	char hdr[16];
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(path, &st) < 0)
		return ft_error(e, -errno, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return ft_error(e, -EISDIR, "%s: is a directory, not a database", path);
	if (!S_ISREG(st.st_mode))
		return ft_error(e, -EINVAL, "%s: not a regular file", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ft_error(e, -errno, "%s: %s", path, strerror(errno));
	n = read(fd, hdr, sizeof(hdr));
	close(fd);
	if (n == 0)
		return ft_error(e, -EINVAL, "%s: empty file, not a foliotrace database", path);
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr, magic, sizeof(magic)))
		return ft_error(e, -EINVAL, "%s: not a foliotrace database (not an SQLite file)", path);
	return 0;
}

static int pragma_int(struct store *s, const char *sql, int64_t *out,
		      struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return sql_fail(s, e, rc, "reading the database header");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return sql_fail(s, e, rc, "reading the database header");
	}
	*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int check_identity(struct store *s, int64_t *version, struct ft_err *e)
{
	int64_t app = 0, ver = 0;
	int ret;

	ret = pragma_int(s, "PRAGMA application_id", &app, e);
	if (ret < 0) {
		/* SQLite's "file is not a database" and friends. */
		ft_err_clear(e);
		return ft_error(e, -EINVAL, "%s: not a foliotrace database (%s)",
				s->path, sqlite3_errmsg(s->db));
	}
	if (app != FT_APPLICATION_ID)
		return ft_error(e, -EINVAL,
				"%s: not a foliotrace database (SQLite application_id 0x%llx)",
				s->path, (unsigned long long)app);
	ret = pragma_int(s, "PRAGMA user_version", &ver, e);
	if (ret < 0)
		return ret;
	if (ver > FT_SCHEMA_VERSION)
		return ft_error(e, -EINVAL,
				"%s: written by a newer foliotrace (schema %lld, this build reads up to %d); not modified",
				s->path, (long long)ver, FT_SCHEMA_VERSION);
	if (ver < 1)
		return ft_error(e, -EINVAL, "%s: foliotrace database with unknown schema %lld",
				s->path, (long long)ver);
	*version = ver;
	return 0;
}

/*
 * Migrations.  An older database is brought to FT_SCHEMA_VERSION when it is
 * opened for writing, in one transaction: a failure or a kill leaves it as
 * it was.  Read-only opens read older schemas as they are.  The objects a
 * migration creates are taken from the current schema.sql by name, so the
 * definitions live in one place.
 */
static int flush_block(struct store *s, struct ft_err *e);
static int flush_keys(struct store *s, struct ft_err *e);
static void block_reset(struct store *s);
static int pack_event(struct store *s, int64_t trace_id, int64_t id, int64_t type_id,
		      const struct ft_event *ev, struct ft_err *e);

static int schema_stmt(struct store *s, const char *head, char *out, size_t n, struct ft_err *e)
{
	const char *p = strstr(ft_schema_sql, head), *end = p ? strstr(p, ";\n") : NULL;

	if (!end || (size_t)(end - p) + 2 > n)
		return ft_error(e, -EINVAL, "%s: migration: \"%s\" missing from the schema",
				s->path, head);
	memcpy(out, p, (size_t)(end - p) + 1);
	out[end - p + 1] = '\0';
	return 0;
}

/* 1 -> 2: folios becomes a view over events, hb_edges a WITHOUT ROWID
 * table.  (Schema 2 also added event_blocks; 2 -> 3 writes them anew.) */
static int migrate_1_to_2(struct store *s, struct ft_err *e)
{
	char sql[2048];
	int ret;

	ret = exec(s, "DROP INDEX IF EXISTS folios_key; DROP TABLE IF EXISTS folios; "
		   "ALTER TABLE hb_edges RENAME TO hb_edges_v1;", e);
	if (ret == 0)
		ret = schema_stmt(s, "CREATE TABLE hb_edges (", sql, sizeof(sql), e);
	if (ret == 0)
		ret = exec(s, sql, e);
	if (ret == 0)
		ret = exec(s, "INSERT INTO hb_edges (src, dst, why, implied) "
			   "SELECT src, dst, why, implied FROM hb_edges_v1; DROP TABLE hb_edges_v1;", e);
	return ret;
}

static int trace_meta(struct store *s, int64_t trace_id, const char *key, const char *text,
		      int64_t val, struct ft_err *e);

/*
 * 2 -> 3: the events rows (and schema 2's copy of their columns in
 * event_blocks) become blocks with payloads and keys, read back through the
 * events virtual table.  The rows are the source: every event keeps its id.
 */
static int migrate_2_to_3(struct store *s, struct ft_err *e)
{
	static const char *const objs[] = {
		"CREATE TABLE event_blocks (", "CREATE TABLE event_keys (",
		"CREATE VIRTUAL TABLE events USING", "CREATE VIEW events_v AS",
		"CREATE VIEW folios AS",
	};
	static const char rows_sql[] =
		"SELECT id, trace_id, ts, cpu, pid, type_id, kind, dev, ino, offset, length, "
		"findex, forder, lock_class, lock_mode, flags, caller_id, caller_off, ext_off, "
		"ext_len, ext_block, addr, peer_pid, payload FROM events_v2 ORDER BY id";
	char sql[4096];
	sqlite3_stmt *st = NULL;
	int64_t cur_tid = -1, backwards = 0, max_ts = 0;	/* as the loader counts */
	int ret, rc = SQLITE_DONE;

	ret = exec(s, "DROP VIEW IF EXISTS events_v; DROP VIEW IF EXISTS folios; "
		   "DROP TABLE IF EXISTS event_blocks; ALTER TABLE events RENAME TO events_v2; "
		   "DELETE FROM meta WHERE key GLOB 'trace:*:ts_backwards';", e);
	for (size_t i = 0; ret == 0 && i < sizeof(objs) / sizeof(objs[0]); i++) {
		ret = schema_stmt(s, objs[i], sql, sizeof(sql), e);
		if (ret == 0)
			ret = exec(s, sql, e);
	}
	if (ret == 0)
		ret = prep(s, &st, rows_sql, e);
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ft_event ev;
		int64_t id = sqlite3_column_int64(st, 0), tid = sqlite3_column_int64(st, 1);
		int64_t ts = sqlite3_column_int64(st, 2);

		/* events earlier than one before them, as the loader counts them
		 * (databases older than that count have no meta row for it) */
		if (tid != cur_tid) {
			if (backwards)
				ret = trace_meta(s, cur_tid, "ts_backwards", NULL, backwards, e);
			cur_tid = tid;
			backwards = 0;
			max_ts = ts;
		} else if (ts < max_ts) {
			backwards++;
		} else {
			max_ts = ts;
		}
		if (ret < 0)
			break;

		memset(&ev, 0, sizeof(ev));
		ev.ts = (uint64_t)sqlite3_column_int64(st, 2);
		ev.cpu = sqlite3_column_int(st, 3);
		ev.pid = sqlite3_column_int(st, 4);
		ev.kind = (uint16_t)sqlite3_column_int(st, 6);
		for (int c = 0; c < FT_C__COUNT; c++)
			if (sqlite3_column_type(st, 7 + c) != SQLITE_NULL)
				ft_event_set(&ev, c, sqlite3_column_int64(st, 7 + c));
		ev.payload = sqlite3_column_blob(st, 7 + FT_C__COUNT);
		ev.payload_len = (uint32_t)sqlite3_column_bytes(st, 7 + FT_C__COUNT);
		ret = pack_event(s, tid, id, sqlite3_column_int64(st, 5), &ev, e);
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = sql_fail(s, e, rc, "reading events");
	sqlite3_finalize(st);
	if (ret == 0 && backwards)
		ret = trace_meta(s, cur_tid, "ts_backwards", NULL, backwards, e);
	if (ret == 0)
		ret = flush_block(s, e);
	if (ret == 0)
		ret = flush_keys(s, e);
	if (ret == 0)
		ret = exec(s, "DROP TABLE events_v2;", e);
	return ret;
}

/*
 * 3 -> 4: schema 4 writes event_blocks.data in runs (evpack version 2); the
 * blocks of schema 3 (one run, version 1, which the reader tells from the
 * bytes) stay as they are and are read as before.  Nothing to rewrite.
 */
static int migrate_3_to_4(struct store *s, struct ft_err *e)
{
	(void)s;
	(void)e;
	return 0;
}

static int migrate(struct store *s, int64_t from, struct ft_err *e)
{
	static int (*const steps[])(struct store *, struct ft_err *) = {
		/* steps[v]: v -> v + 1 */
		NULL, migrate_1_to_2, migrate_2_to_3, migrate_3_to_4,
	};
	char sql[64];
	int ret = exec(s, "BEGIN IMMEDIATE", e);

	s->in_tx = ret == 0;	/* the store's writers join this transaction */
	for (int64_t v = from; ret == 0 && v < FT_SCHEMA_VERSION; v++)
		ret = steps[v](s, e);
	if (ret == 0) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", FT_SCHEMA_VERSION);
		ret = exec(s, sql, e);
	}
	if (ret == 0)
		ret = exec(s, "COMMIT", e);
	s->in_tx = 0;
	if (ret == 0) {
		/* Give back the old rows' pages.  The upgrade is committed: if
		 * this fails (no room for the copy), the file is only larger. */
		sqlite3_exec(s->db, "VACUUM", NULL, NULL, NULL);
		return 0;
	}
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	block_reset(s);
	s->nbatch = 0;
	s->next_id = 0;
	{
		char why[sizeof(e->msg)];
		size_t pl = strlen(s->path);

		snprintf(why, sizeof(why), "%s", !strncmp(e->msg, s->path, pl) &&
			 !strncmp(e->msg + pl, ": ", 2) ? e->msg + pl + 2 : e->msg);
		ft_err_clear(e);
		return ft_error(e, ret, "%s: cannot upgrade from schema %lld to %d (%s); "
				"not modified", s->path, (long long)from, FT_SCHEMA_VERSION, why);
	}
}

/* How long a writer waits for another one (busy timeout, ms). */
#define STORE_BUSY_WRITE_MS	60000

int store_open(struct store **out, const char *path, enum store_mode mode,
	       struct ft_err *e)
{
	struct store *s;
	int flags, rc, ret;

	*out = NULL;
	ret = store_probe_file(path, e);
	if (ret < 0)
		return ret;
	s = store_alloc(path);
	if (!s)
		return ft_error(e, -ENOMEM, "out of memory");
	int64_t ver = 0;

	flags = mode == STORE_READWRITE ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
	/* One connection per thread: no SQLite mutexes. */
	rc = sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ret = sql_fail(s, e, rc, "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	/* A second writer (analyze) waits for the first instead of failing. */
	sqlite3_busy_timeout(s->db, mode == STORE_READWRITE ? STORE_BUSY_WRITE_MS : 5000);
	/* The events virtual table needs its module, a migration too. */
	store_register_functions(s);
	ret = check_identity(s, &ver, e);
	if (ret < 0)
		goto fail;
	if (mode == STORE_READWRITE && ver < FT_SCHEMA_VERSION) {
		ret = migrate(s, ver, e);
		if (ret < 0)
			goto fail;
		ver = FT_SCHEMA_VERSION;
	}
	s->version = ver;
	if (mode == STORE_READONLY) {
		/* Defence in depth: a hostile file cannot make us write. */
		ret = exec(s, "PRAGMA query_only = 1; PRAGMA trusted_schema = 0;", e);
		if (ret < 0)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	store_close(s);
	return ret;
}

int store_create(struct store **out, const char *path, struct ft_err *e)
{
	struct store *s;
	char pragmas[256];
	int rc, ret;

	*out = NULL;
	s = store_alloc(path);
	if (!s)
		return ft_error(e, -ENOMEM, "out of memory");
	s->version = FT_SCHEMA_VERSION;
	if (strcmp(path, ":memory:")) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (fd < 0) {
			ret = ft_error(e, -errno, "%s: cannot create: %s", path, strerror(errno));
			goto fail;
		}
		close(fd);
	}
	/* One connection, used by one thread: no SQLite mutexes. */
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ret = sql_fail(s, e, rc, "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	/* The schema's virtual table needs its module first. */
	if (store_register_functions(s) < 0) {
		ret = sql_fail(s, e, sqlite3_errcode(s->db), "registering SQL functions");
		goto fail;
	}
	/*
	 * The file is private until renamed into place, and an interrupted
	 * load is thrown away: no journal, no syncs while loading.
	 */
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA page_size = %d; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
		 "PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;"
		 "", STORE_PAGE_SIZE);
	ret = exec(s, pragmas, e);
	if (ret < 0)
		goto fail;
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		 FT_APPLICATION_ID, FT_SCHEMA_VERSION);
	ret = exec(s, "BEGIN", e);
	if (ret == 0)
		ret = exec(s, pragmas, e);
	if (ret == 0)
		ret = exec(s, ft_schema_sql, e);
	if (ret == 0)
		ret = exec(s, "INSERT INTO meta VALUES ('application', 'foliotrace')", e);
	if (ret < 0)
		goto fail;
	{
		sqlite3_stmt *st = NULL;

		ret = prep(s, &st, "INSERT INTO kinds (id, name, description) VALUES (?, ?, ?)", e);
		for (int k = 0; ret == 0 && k < FT_K__COUNT; k++) {
			sqlite3_bind_int(st, 1, k);
			sqlite3_bind_text(st, 2, ft_kinds[k].name, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, ft_kinds[k].description, -1, SQLITE_STATIC);
			ret = step_done(s, st, e, "writing kinds");
		}
		sqlite3_finalize(st);
		if (ret < 0)
			goto fail;
	}
	ret = exec(s, "COMMIT", e);
	if (ret < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	store_close(s);
	return ret;
}

int store_set_live(struct store *s, struct ft_err *e)
{
	/* WAL: readers see committed batches while the recorder writes. */
	return exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", e);
}

int store_close(struct store *s)
{
	int rc = SQLITE_OK;

	if (!s)
		return 0;
	sqlite3_finalize(s->ins_type);
	sqlite3_finalize(s->ins_field);
	sqlite3_finalize(s->ins_sym);
	sqlite3_finalize(s->ins_task);
	sqlite3_finalize(s->ins_lost);
	sqlite3_finalize(s->ins_buffer);
	sqlite3_finalize(s->ins_bdi);
	sqlite3_finalize(s->ins_block);
	sqlite3_finalize(s->ins_key);
	evpack_release(&s->pk);
	ZSTD_freeCCtx(s->zctx);
	free(s->zbuf);
	free(s->pay);
	free(s->batch);
	if (s->db)
		rc = sqlite3_close(s->db);
	free(s->path);
	free(s);
	return rc == SQLITE_OK ? 0 : -EIO;
}

sqlite3 *store_db(struct store *s) { return s->db; }
int64_t store_schema_version(const struct store *s) { return s->version; }
const char *store_path(const struct store *s) { return s->path; }

static int ensure_tx(struct store *s, struct ft_err *e)
{
	int ret;

	if (s->in_tx)
		return 0;
	ret = exec(s, "BEGIN", e);
	if (ret == 0)
		s->in_tx = 1;
	return ret;
}

/* Opens the load transaction if needed and prepares *st once. */
static int begin_insert(struct store *s, sqlite3_stmt **st, const char *sql,
			struct ft_err *e)
{
	int ret = ensure_tx(s, e);

	return ret < 0 ? ret : prep(s, st, sql, e);
}

int store_trace_begin(struct store *s, const struct store_trace_info *ti,
		      int64_t *trace_id, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int ret;

	ret = ensure_tx(s, e);
	if (ret < 0)
		return ret;
	ret = prep(s, &st, "INSERT INTO traces (source, source_size, tool, created_at) "
		   "VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_text(st, 1, ti->source, -1, SQLITE_TRANSIENT);
	if (ti->source_size >= 0)
		sqlite3_bind_int64(st, 2, ti->source_size);
	sqlite3_bind_text(st, 3, ti->tool, -1, SQLITE_TRANSIENT);
	ret = step_done(s, st, e, "writing the trace row");
	sqlite3_finalize(st);
	*trace_id = sqlite3_last_insert_rowid(s->db);
	return ret;
}

static int trace_set(struct store *s, int64_t trace_id, const char *col,
		     const char *text, int64_t val, struct ft_err *e)
{
	static const char *const allowed[] = {
		"file_version", "compression", "uname", "host", "kernel_release",
		"clock", "cpus", "page_size", "block_size", "first_ts", "last_ts",
		"n_events", "lost_events", "lost_unknown", NULL
	};
	sqlite3_stmt *st = NULL;
	char sql[128];
	int i, ret;

	for (i = 0; allowed[i] && strcmp(allowed[i], col); i++)
		;
	if (!allowed[i])
		return ft_error(e, -EINVAL, "internal error: no traces column %s", col);
	ret = ensure_tx(s, e);
	if (ret < 0)
		return ret;
	snprintf(sql, sizeof(sql), "UPDATE traces SET %s = ? WHERE id = ?", col);
	ret = prep(s, &st, sql, e);
	if (ret < 0)
		return ret;
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, val);
	sqlite3_bind_int64(st, 2, trace_id);
	ret = step_done(s, st, e, "updating the trace row");
	sqlite3_finalize(st);
	return ret;
}

int store_trace_set_text(struct store *s, int64_t trace_id, const char *col,
			 const char *val, struct ft_err *e)
{
	return trace_set(s, trace_id, col, val ? val : "", 0, e);
}

int store_trace_set_int(struct store *s, int64_t trace_id, const char *col,
			int64_t val, struct ft_err *e)
{
	return trace_set(s, trace_id, col, NULL, val, e);
}

/* meta row 'trace:<id>:<key>' (text when text is not NULL, else val). */
static int trace_meta(struct store *s, int64_t trace_id, const char *key, const char *text,
		      int64_t val, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	char name[96];
	int ret;

	ret = ensure_tx(s, e);
	if (ret < 0)
		return ret;
	ret = prep(s, &st, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", e);
	if (ret < 0)
		return ret;
	snprintf(name, sizeof(name), "trace:%lld:%s", (long long)trace_id, key);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (text)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 2, val);
	ret = step_done(s, st, e, "writing trace metadata");
	sqlite3_finalize(st);
	return ret;
}

int store_trace_set_meta_text(struct store *s, int64_t trace_id, const char *key,
			      const char *val, struct ft_err *e)
{
	return trace_meta(s, trace_id, key, val ? val : "", 0, e);
}

int store_trace_set_meta_int(struct store *s, int64_t trace_id, const char *key,
			     int64_t val, struct ft_err *e)
{
	return trace_meta(s, trace_id, key, NULL, val, e);
}

int store_add_buffer(struct store *s, int64_t trace_id, const char *name,
		     int cpus, const char *clock, int64_t *id, struct ft_err *e)
{
	int ret = begin_insert(s, &s->ins_buffer,
			   "INSERT INTO buffers (trace_id, name, cpus, clock) VALUES (?, ?, ?, ?)", e);

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(s->ins_buffer, 1, trace_id);
	sqlite3_bind_text(s->ins_buffer, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s->ins_buffer, 3, cpus);
	if (clock && *clock)
		sqlite3_bind_text(s->ins_buffer, 4, clock, -1, SQLITE_TRANSIENT);
	ret = step_done(s, s->ins_buffer, e, "writing a buffer");
	*id = sqlite3_last_insert_rowid(s->db);
	return ret;
}

int store_add_type(struct store *s, int64_t trace_id, int format_id,
		   const char *system, const char *name, int kind,
		   int64_t *id, struct ft_err *e)
{
	int ret = begin_insert(s, &s->ins_type,
			   "INSERT INTO event_types (trace_id, format_id, system, name, kind) "
			   "VALUES (?, ?, ?, ?, ?)", e);

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(s->ins_type, 1, trace_id);
	sqlite3_bind_int(s->ins_type, 2, format_id);
	sqlite3_bind_text(s->ins_type, 3, system, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->ins_type, 4, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s->ins_type, 5, kind);
	ret = step_done(s, s->ins_type, e, "writing an event type");
	*id = sqlite3_last_insert_rowid(s->db);
	return ret;
}

int store_add_field(struct store *s, int64_t type_id, int seq,
		    const char *name, const char *ctype, int offset, int size,
		    int elem_size, int flags, struct ft_err *e)
{
	int ret = begin_insert(s, &s->ins_field,
			   "INSERT INTO event_fields (type_id, seq, name, ctype, offset, size, "
			   "elem_size, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", e);

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(s->ins_field, 1, type_id);
	sqlite3_bind_int(s->ins_field, 2, seq);
	sqlite3_bind_text(s->ins_field, 3, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->ins_field, 4, ctype, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s->ins_field, 5, offset);
	sqlite3_bind_int(s->ins_field, 6, size);
	sqlite3_bind_int(s->ins_field, 7, elem_size);
	sqlite3_bind_int(s->ins_field, 8, flags);
	return step_done(s, s->ins_field, e, "writing an event field");
}

int store_add_symbol(struct store *s, const char *name, int64_t *id,
		     struct ft_err *e)
{
	int ret = begin_insert(s, &s->ins_sym,
			   "INSERT INTO symbols (name) VALUES (?) "
			   "ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id", e);

	if (ret < 0)
		return ret;
	sqlite3_bind_text(s->ins_sym, 1, name, -1, SQLITE_TRANSIENT);
	ret = sqlite3_step(s->ins_sym);
	if (ret != SQLITE_ROW) {	/* RETURNING gives a row, or the insert failed */
		sqlite3_reset(s->ins_sym);
		sqlite3_clear_bindings(s->ins_sym);
		return sql_fail(s, e, ret, "writing a symbol");
	}
	*id = sqlite3_column_int64(s->ins_sym, 0);
	return step_done(s, s->ins_sym, e, "writing a symbol");
}

int store_add_task(struct store *s, int64_t trace_id, int pid,
		   const char *comm, struct ft_err *e)
{
	int ret = begin_insert(s, &s->ins_task,
			   "INSERT INTO tasks (trace_id, pid, comm) VALUES (?, ?, ?) "
			   "ON CONFLICT (trace_id, pid) DO UPDATE SET comm = "
			   "coalesce(excluded.comm, comm)", e);

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(s->ins_task, 1, trace_id);
	sqlite3_bind_int(s->ins_task, 2, pid);
	if (comm && *comm)
		sqlite3_bind_text(s->ins_task, 3, comm, -1, SQLITE_TRANSIENT);
	return step_done(s, s->ins_task, e, "writing a task");
}

int store_add_bdi(struct store *s, int64_t trace_id, const char *bdi,
		  int64_t dev, struct ft_err *e)
{
	int ret = begin_insert(s, &s->ins_bdi,
			   "INSERT OR IGNORE INTO bdi_map (trace_id, bdi, dev) VALUES (?, ?, ?)", e);

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(s->ins_bdi, 1, trace_id);
	sqlite3_bind_text(s->ins_bdi, 2, bdi, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s->ins_bdi, 3, dev);
	return step_done(s, s->ins_bdi, e, "writing the bdi map");
}

int store_add_lost(struct store *s, int64_t trace_id, int64_t buffer_id,
		   int cpu, const char *kind, int64_t count, int64_t ts_before,
		   int64_t ts_after, struct ft_err *e)
{
	int ret = begin_insert(s, &s->ins_lost,
			   "INSERT INTO lost (trace_id, buffer_id, cpu, kind, count, ts_before, "
			   "ts_after) VALUES (?, ?, ?, ?, ?, ?, ?)", e);

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(s->ins_lost, 1, trace_id);
	sqlite3_bind_int64(s->ins_lost, 2, buffer_id);
	sqlite3_bind_int(s->ins_lost, 3, cpu);
	sqlite3_bind_text(s->ins_lost, 4, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s->ins_lost, 5, count);
	if (ts_before >= 0)
		sqlite3_bind_int64(s->ins_lost, 6, ts_before);
	if (ts_after >= 0)
		sqlite3_bind_int64(s->ins_lost, 7, ts_after);
	return step_done(s, s->ins_lost, e, "writing lost events");
}

/* --- events ------------------------------------------------------------ */

/*
 * Events are stored once, in blocks (schema.sql, event_blocks): the
 * normalized columns packed by core/evpack.h, the raw payloads as one zstd
 * frame, and the block's keys (pid, inode, folio) in event_keys so that a
 * query on one of them reads only the blocks that hold it.  The events table
 * is a virtual table over the blocks (core/evtab.c).
 *
 * A block's keys are counted in a small open-addressing table while the
 * block fills; when it is written they go to a batch that is sorted and
 * inserted before every commit, so event_keys grows by ordered runs.
 */
static inline uint64_t key_hash(int kind, int64_t k1, int64_t k2)
{
	uint64_t h = (uint64_t)k1 * 0x9e3779b97f4a7c15ull ^ (uint64_t)k2 * 0xc2b2ae3d27d4eb4full ^
		     (uint64_t)kind;

	return h ^ (h >> 29);
}

static void key_note(struct store *s, int kind, int64_t k1, int64_t k2)
{
	size_t mask = KEY_SLOTS - 1, i = (size_t)key_hash(kind, k1, k2) & mask;

	for (;; i = (i + 1) & mask) {
		struct bkey *k = &s->keys[i];

		if (!k->n) {
			k->kind = kind;
			k->k1 = k1;
			k->k2 = k2;
			k->n = 1;
			s->key_used[s->nkey_used++] = (uint16_t)i;
			return;
		}
		if (k->kind == kind && k->k1 == k1 && k->k2 == k2) {
			k->n++;
			return;
		}
	}
}

static int key_cmp(const void *a, const void *b)
{
	const struct bkey *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->k1 != y->k1)
		return x->k1 < y->k1 ? -1 : 1;
	if (x->k2 != y->k2)
		return x->k2 < y->k2 ? -1 : 1;
	return x->first_id < y->first_id ? -1 : x->first_id > y->first_id;
}

/* Inserts the batched keys of written blocks, in key order. */
static int flush_keys(struct store *s, struct ft_err *e)
{
	int ret;

	if (!s->nbatch)
		return 0;
	ret = prep(s, &s->ins_key, "INSERT INTO event_keys (key_kind, k1, k2, first_id, n) "
		   "VALUES (?, ?, ?, ?, ?)", e);
	if (ret < 0)
		return ret;
	qsort(s->batch, s->nbatch, sizeof(*s->batch), key_cmp);
	for (size_t i = 0; i < s->nbatch && ret == 0; i++) {
		const struct bkey *k = &s->batch[i];

		sqlite3_bind_int(s->ins_key, 1, k->kind);
		sqlite3_bind_int64(s->ins_key, 2, k->k1);
		sqlite3_bind_int64(s->ins_key, 3, k->k2);
		sqlite3_bind_int64(s->ins_key, 4, k->first_id);
		sqlite3_bind_int64(s->ins_key, 5, k->n);
		ret = step_done(s, s->ins_key, e, "writing event keys");
	}
	s->nbatch = 0;
	return ret;
}

static void block_reset(struct store *s)
{
	evpack_reset(&s->pk);
	s->pay_len = 0;
	for (size_t i = 0; i < s->nkey_used; i++)
		s->keys[s->key_used[i]].n = 0;
	s->nkey_used = 0;
}

/* Writes the block being filled (S4) and batches its keys. */
static int flush_block(struct store *s, struct ft_err *e)
{
	size_t bound, zlen;
	int ret;

	if (!s->pk.n)
		return 0;
	ret = prep(s, &s->ins_block, "INSERT INTO event_blocks (first_id, trace_id, n_events, "
		   "min_ts, max_ts, data, payloads) VALUES (?, ?, ?, ?, ?, ?, ?)", e);
	if (ret < 0)
		return ret;
	if (!s->zctx && !(s->zctx = ZSTD_createCCtx()))
		return ft_error(e, -ENOMEM, "out of memory");
	bound = ZSTD_compressBound(s->pay_len);
	if (bound > s->zcap) {
		uint8_t *z = realloc(s->zbuf, bound);

		if (!z)
			return ft_error(e, -ENOMEM, "out of memory");
		s->zbuf = z;
		s->zcap = bound;
	}
	zlen = ZSTD_compressCCtx(s->zctx, s->zbuf, s->zcap, s->pay, s->pay_len, PAYLOAD_ZLEVEL);
	if (ZSTD_isError(zlen))
		return ft_error(e, -EIO, "compressing event payloads: %s", ZSTD_getErrorName(zlen));
	if (s->nbatch + s->nkey_used > s->batch_cap) {
		size_t cap = s->batch_cap ? s->batch_cap * 2 : 4096;
		struct bkey *b;

		while (cap < s->nbatch + s->nkey_used)
			cap *= 2;
		b = realloc(s->batch, cap * sizeof(*b));
		if (!b)
			return ft_error(e, -ENOMEM, "out of memory");
		s->batch = b;
		s->batch_cap = cap;
	}
	for (size_t i = 0; i < s->nkey_used; i++) {
		struct bkey *k = &s->batch[s->nbatch++];

		*k = s->keys[s->key_used[i]];
		k->first_id = s->pk.first_id;
	}
	if (evpack_finish(&s->pk) < 0)
		return ft_error(e, -ENOMEM, "out of memory");
	sqlite3_bind_int64(s->ins_block, 1, s->pk.first_id);
	sqlite3_bind_int64(s->ins_block, 2, s->pk.trace_id);
	sqlite3_bind_int64(s->ins_block, 3, s->pk.n);
	sqlite3_bind_int64(s->ins_block, 4, s->min_ts);
	sqlite3_bind_int64(s->ins_block, 5, s->max_ts);
	sqlite3_bind_blob(s->ins_block, 6, s->pk.buf, (int)s->pk.len, SQLITE_STATIC);
	sqlite3_bind_blob(s->ins_block, 7, s->zbuf, (int)zlen, SQLITE_STATIC);
	ret = step_done(s, s->ins_block, e, "writing event blocks");
	block_reset(s);
	if (ret == 0 && s->nbatch >= KEY_BATCH)
		ret = flush_keys(s, e);
	return ret;
}

/* Adds an event with a known id to the block being filled. */
static int pack_event(struct store *s, int64_t trace_id, int64_t id, int64_t type_id,
		      const struct ft_event *ev, struct ft_err *e)
{
	uint8_t *o;
	int ret;

	if (ev->payload_len > FT_MAX_PAYLOAD)
		return ft_error(e, -EINVAL, "event payload of %u bytes is too large",
				ev->payload_len);
	if (s->pk.n && (s->pk.n >= BLOCK_EVENTS || id != s->pk.first_id + s->pk.n ||
			trace_id != s->pk.trace_id)) {
		ret = flush_block(s, e);
		if (ret < 0)
			return ret;
	}
	if (s->pay_len + ev->payload_len + 10 > s->pay_cap) {
		size_t cap = s->pay_cap ? s->pay_cap * 2 : 256 * 1024;
		uint8_t *p;

		while (cap < s->pay_len + ev->payload_len + 10)
			cap *= 2;
		p = realloc(s->pay, cap);
		if (!p)
			return ft_error(e, -ENOMEM, "out of memory");
		s->pay = p;
		s->pay_cap = cap;
	}
	ret = evpack_add(&s->pk, trace_id, id, type_id, ev);
	if (ret < 0)
		return ft_error(e, ret, "out of memory");
	if (s->pk.n == 1 || (int64_t)ev->ts < s->min_ts)
		s->min_ts = (int64_t)ev->ts;
	if (s->pk.n == 1 || (int64_t)ev->ts > s->max_ts)
		s->max_ts = (int64_t)ev->ts;
	o = s->pay + s->pay_len;
	for (uint32_t v = ev->payload_len; ; v >>= 7) {
		*o++ = (uint8_t)(v | (v >= 0x80 ? 0x80 : 0));
		if (v < 0x80)
			break;
	}
	if (ev->payload_len)
		memcpy(o, ev->payload, ev->payload_len);
	s->pay_len = (size_t)(o - s->pay) + ev->payload_len;
	key_note(s, 1, ev->pid, 0);
	if (ft_event_has(ev, FT_C_INO)) {
		key_note(s, 2, ev->v[FT_C_INO], 0);
		if (ft_event_has(ev, FT_C_FINDEX))
			key_note(s, 3, ev->v[FT_C_INO], ev->v[FT_C_FINDEX]);
	}
	return 0;
}

/* The id the next event gets: one past the last stored one. */
static int next_event_id(struct store *s, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc, ret;

	if (s->next_id > 0)
		return 0;
	ret = prep(s, &st, "SELECT coalesce(max(first_id + n_events), 1) FROM event_blocks", e);
	if (ret < 0)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		s->next_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : sql_fail(s, e, rc, "reading event blocks");
}

int store_add_event(struct store *s, int64_t trace_id, int64_t type_id,
		    const struct ft_event *ev, struct ft_err *e)
{
	int ret = ensure_tx(s, e);

	if (ret == 0)
		ret = next_event_id(s, e);
	if (ret == 0)
		ret = pack_event(s, trace_id, s->next_id, type_id, ev, e);
	if (ret < 0)
		return ret;
	s->next_id++;
	if (++s->since_commit >= BATCH_EVENTS)
		return store_checkpoint(s, e);
	return 0;
}

int store_checkpoint(struct store *s, struct ft_err *e)
{
	int ret = flush_block(s, e);

	if (ret == 0)
		ret = flush_keys(s, e);
	if (ret < 0)
		return ret;
	s->since_commit = 0;
	if (!s->in_tx)
		return 0;
	ret = exec(s, "COMMIT", e);
	s->in_tx = 0;
	return ret;
}

int store_set_type_count(struct store *s, int64_t type_id, int64_t n,
			 struct ft_err *e)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "UPDATE event_types SET n_events = %lld WHERE id = %lld",
		 (long long)n, (long long)type_id);
	return exec(s, sql, e);
}

/*
 * Back to a rollback journal, so that the finished file stands alone (no
 * -wal beside it) when it is renamed.  A live database may have readers
 * (sql, windows, the TUI): leaving WAL needs them gone, and they only hold
 * the file for a query, so wait for them (up to 30 s) rather than fail.
 */
static int leave_wal(struct store *s, struct ft_err *e)
{
	for (int tries = 0; tries < 3000; tries++) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = DELETE", -1, &st, NULL);
		const unsigned char *mode = NULL;

		if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
			mode = sqlite3_column_text(st, 0);
		/* "delete", or "memory" for an in-memory database: not WAL */
		if (mode && strcmp((const char *)mode, "wal")) {
			sqlite3_finalize(st);
			return 0;
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			return sql_fail(s, e, rc, "finishing the database");
		usleep(10000);
	}
	return ft_error(e, -EBUSY, "%s: still open by readers after 30 s: cannot finish it",
			s->path);
}

int store_trace_finish(struct store *s, int64_t trace_id, struct ft_err *e)
{
	char sql[512];
	int ret;

	ret = ensure_tx(s, e);
	if (ret == 0)
		ret = flush_block(s, e);
	if (ret == 0)
		ret = flush_keys(s, e);
	if (ret < 0)
		return ret;
	snprintf(sql, sizeof(sql), "UPDATE traces SET complete = 1 WHERE id = %lld",
		 (long long)trace_id);
	ret = exec(s, sql, e);
	if (ret == 0)
		ret = exec(s, "COMMIT", e);
	s->in_tx = 0;
	if (ret == 0)
		ret = leave_wal(s, e);
	if (ret == 0)
		ret = exec(s, "PRAGMA optimize;", e);
	return ret;
}

/* --- SQL functions ---------------------------------------------------- */

int store_register_functions(struct store *s)
{
	return sqlfn_register(s->db) < 0 || evtab_register(s->db) < 0 ? -1 : 0;
}

/* --- reading events ---------------------------------------------------- */

struct store_iter {
	sqlite3_stmt *st;
	struct store *s;
	int lean;	/* only the columns lean_cols[] lists */
	/* Block mode (S4): st walks event_blocks, rd decodes the current one. */
	int packed;
	struct evpack_reader rd;
	int64_t block_id, next_first;
	int64_t ino;		/* >= 0: only this inode's events (blocks from event_keys) */
	uint64_t kind_mask[(FT_K__COUNT + 63) / 64 + 1];
};

/* The columns an analysis pass reads (store_iter_open_kinds). */
static const enum ft_col lean_cols[] = {
	FT_C_DEV, FT_C_INO, FT_C_OFFSET, FT_C_LENGTH, FT_C_FINDEX, FT_C_FORDER, FT_C_FLAGS,
	FT_C_CALLER, FT_C_EXT_OFF, FT_C_EXT_LEN, FT_C_EXT_BLOCK, FT_C_PEER_PID,
};

/* NULLs come back as INT64_MIN: one API call per column instead of two. */
#define N(c) "coalesce(" c ", -9223372036854775807 - 1)"
static const char iter_cols[] =
	"SELECT id, ts, cpu, pid, type_id, kind, " N("dev") ", " N("ino") ", " N("offset") ", "
	N("length") ", " N("findex") ", " N("forder") ", " N("lock_class") ", " N("lock_mode") ", "
	N("flags") ", " N("caller_id") ", " N("caller_off") ", " N("ext_off") ", " N("ext_len") ", "
	N("ext_block") ", " N("addr") ", " N("peer_pid") " FROM events ";
static const char iter_lean_cols[] =
	"SELECT id, ts, pid, kind, " N("dev") ", " N("ino") ", " N("offset") ", " N("length") ", "
	N("findex") ", " N("forder") ", " N("flags") ", " N("caller_id") ", " N("ext_off") ", "
	N("ext_len") ", " N("ext_block") ", " N("peer_pid") " FROM events ";
#undef N

int store_iter_open(struct store *s, int64_t trace_id, int64_t ino,
		    struct store_iter **out, struct ft_err *e)
{
	return store_iter_open_kinds(s, trace_id, ino, NULL, out, e);
}

/*
 * The blocks of a trace are usable when they cover exactly its n_events
 * (S4); a database written before blocks existed, or damaged, is read row
 * by row instead.
 */
/*
 * The trace's event count and completeness, and the events its blocks
 * hold: 1, 0 when the database has no event_blocks (schema 1) or no such
 * trace, or an error.
 */
static int count_blocks(struct store *s, int64_t trace_id, int64_t *want, int64_t *have,
			int *complete, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT n_events, complete, (SELECT coalesce(sum(n_events), "
			       "0) FROM event_blocks WHERE trace_id = ?1) FROM traces WHERE id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, trace_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*want = sqlite3_column_int64(st, 0);
		*complete = sqlite3_column_int(st, 1);
		*have = sqlite3_column_int64(st, 2);
		ret = 1;
	} else if (rc != SQLITE_DONE) {	/* a damaged file, not "no blocks" */
		ret = sql_fail(s, e, rc, "counting the events of the event blocks");
	}
	sqlite3_finalize(st);
	return ret;
}

static int blocks_usable(struct store *s, int64_t trace_id, struct ft_err *e)
{
	int64_t want = 0, have = 0;
	int complete, ret = count_blocks(s, trace_id, &want, &have, &complete, e);

	return ret <= 0 ? ret : want == have;
}

/*
 * Schema 3: the blocks are the events.  For a whole complete trace, their
 * counts must add up to traces.n_events (S4): a missing block is a damaged
 * database, not a shorter trace.  Returns 1, or an error.
 */
static int blocks_cover(struct store *s, int64_t trace_id, int64_t ino, struct ft_err *e)
{
	int64_t want = 0, have = 0;
	int complete = 0, ret = ino >= 0 ? 0 : count_blocks(s, trace_id, &want, &have, &complete, e);

	if (ret < 0)
		return ret;
	if (ret && complete && want != have)
		return ft_error(e, -EINVAL, "%s: damaged database: the event blocks of trace %lld "
				"hold %lld events, the trace has %lld", s->path, (long long)trace_id,
				(long long)have, (long long)want);
	return 1;
}

/* Sets the kind filter of a block reader from a comma-separated list (NULL: all). */
static int kind_mask_set(struct store_iter *it, const char *kinds, struct ft_err *e)
{
	if (!kinds) {
		memset(it->kind_mask, 0xff, sizeof(it->kind_mask));
		return 0;
	}
	for (const char *k = kinds; *k; ) {
		char *end;
		long v = strtol(k, &end, 10);

		if (end == k || v < 0 || v >= FT_K__COUNT)
			return ft_error(e, -EINVAL, "bad kind list \"%s\"", kinds);
		it->kind_mask[v / 64] |= 1ull << (v % 64);
		k = *end == ',' ? end + 1 : end;
	}
	return 0;
}

int store_iter_open_kinds(struct store *s, int64_t trace_id, int64_t ino,
			  const char *kinds, struct store_iter **out, struct ft_err *e)
{
	struct store_iter *it = calloc(1, sizeof(*it));
	char sql[1400];
	int rc;

	*out = NULL;
	if (!it)
		return ft_error(e, -ENOMEM, "out of memory");
	it->s = s;
	it->lean = kinds != NULL;
	it->ino = -1;
	/*
	 * Schema 3 keeps the events only in blocks; an older database (read
	 * only, not migrated) has rows, and blocks of its columns when they
	 * cover the trace (schema 2).
	 */
	rc = s->version >= 3 ? blocks_cover(s, trace_id, ino, e) :
	     kinds && ino < 0 ? blocks_usable(s, trace_id, e) : 0;
	if (rc != 0) {
		if (rc < 0 || (rc = kind_mask_set(it, kinds, e)) < 0) {
			free(it);
			return rc;
		}
		it->packed = 1;
		it->next_first = -1;
		it->ino = ino;
		rc = sqlite3_prepare_v2(s->db, ino >= 0 ?
					"SELECT b.first_id, b.n_events, b.data FROM event_keys k "
					"JOIN event_blocks b ON b.first_id = k.first_id "
					"WHERE k.key_kind = 2 AND k.k1 = ?2 AND k.k2 = 0 AND "
					"b.trace_id = ?1 ORDER BY k.first_id" :
					"SELECT first_id, n_events, data FROM event_blocks "
					"WHERE trace_id = ?1 ORDER BY first_id", -1, &it->st, NULL);
		if (rc != SQLITE_OK) {
			free(it);
			return sql_fail(s, e, rc, "reading event blocks");
		}
		sqlite3_bind_int64(it->st, 1, trace_id);
		if (ino >= 0)
			sqlite3_bind_int64(it->st, 2, ino);
		*out = it;
		return 0;
	}
	snprintf(sql, sizeof(sql), "%s WHERE trace_id = %lld%s%s%s%s ORDER BY id",
		 it->lean ? iter_lean_cols : iter_cols,
		 (long long)trace_id, ino >= 0 ? " AND ino = ?" : "",
		 kinds ? " AND kind IN (" : "", kinds ? kinds : "", kinds ? ")" : "");
	rc = sqlite3_prepare_v2(s->db, sql, -1, &it->st, NULL);
	if (rc != SQLITE_OK) {
		free(it);
		return sql_fail(s, e, rc, "reading events");
	}
	if (ino >= 0)
		sqlite3_bind_int64(it->st, 1, ino);
	*out = it;
	return 0;
}

int store_iter_packed(const struct store_iter *it)
{
	return it->packed;
}

static int packed_next(struct store_iter *it, struct store_event *out, struct ft_err *e)
{
	for (;;) {
		int ret = evpack_next(&it->rd, &out->id, &out->type_id, &out->ev);

		if (ret > 0) {
			uint16_t k = out->ev.kind;

			if (k < FT_K__COUNT && (it->kind_mask[k / 64] >> (k % 64) & 1) &&
			    (it->ino < 0 || (ft_event_has(&out->ev, FT_C_INO) &&
					     out->ev.v[FT_C_INO] == it->ino)))
				return 1;
			continue;
		}
		if (ret < 0)
			return ft_error(e, -EINVAL, "%s: event block %lld is corrupt", it->s->path,
					(long long)it->block_id);
		ret = sqlite3_step(it->st);
		if (ret == SQLITE_DONE)
			return 0;
		if (ret != SQLITE_ROW)
			return sql_fail(it->s, e, ret, "reading event blocks");
		it->block_id = sqlite3_column_int64(it->st, 0);
		{
			int64_t n = sqlite3_column_int64(it->st, 1);
			const void *data = sqlite3_column_blob(it->st, 2);
			int len = sqlite3_column_bytes(it->st, 2);

			/* Blocks follow each other without gaps or overlaps (S4);
			 * one inode's blocks are a subset, in order. */
			if (n <= 0 || n > UINT32_MAX || (it->next_first >= 0 &&
			    (it->ino < 0 ? it->block_id != it->next_first :
					   it->block_id < it->next_first)))
				return ft_error(e, -EINVAL, "%s: event block %lld is corrupt "
						"(does not follow the previous one)", it->s->path,
						(long long)it->block_id);
			it->next_first = it->block_id + n;
			evpack_reader_init(&it->rd, data, (size_t)len, it->block_id, (uint32_t)n);
		}
	}
}

int store_iter_next(struct store_iter *it, struct store_event *out, struct ft_err *e)
{
	int rc;

	if (it->packed)
		return packed_next(it, out, e);
	rc = sqlite3_step(it->st);

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return sql_fail(it->s, e, rc, "reading events");
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(it->st, 0);
	if (it->lean) {
		out->ev.ts = (uint64_t)sqlite3_column_int64(it->st, 1);
		out->ev.pid = sqlite3_column_int(it->st, 2);
		out->ev.kind = (uint16_t)sqlite3_column_int(it->st, 3);
		for (size_t c = 0; c < sizeof(lean_cols) / sizeof(lean_cols[0]); c++) {
			int64_t v = sqlite3_column_int64(it->st, 4 + (int)c);

			if (v != INT64_MIN)
				ft_event_set(&out->ev, lean_cols[c], v);
		}
		return 1;
	}
	out->ev.ts = (uint64_t)sqlite3_column_int64(it->st, 1);
	out->ev.cpu = sqlite3_column_int(it->st, 2);
	out->ev.pid = sqlite3_column_int(it->st, 3);
	out->type_id = sqlite3_column_int64(it->st, 4);
	out->ev.kind = (uint16_t)sqlite3_column_int(it->st, 5);
	for (int c = 0; c < FT_C__COUNT; c++) {
		int64_t v = sqlite3_column_int64(it->st, 6 + c);

		if (v != INT64_MIN)
			ft_event_set(&out->ev, c, v);
	}
	return 1;
}

void store_iter_close(struct store_iter *it)
{
	if (!it)
		return;
	sqlite3_finalize(it->st);
	free(it);
}

int store_symbols(struct store *s, char ***names, int64_t *n, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int64_t max = 0;
	int rc;

	*names = NULL;
	*n = 0;
	rc = sqlite3_prepare_v2(s->db, "SELECT id, name FROM symbols ORDER BY id", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_fail(s, e, rc, "reading symbols");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);

		if (!name && sqlite3_column_type(st, 1) != SQLITE_NULL) {
			rc = SQLITE_NOMEM;	/* the text conversion failed */
			break;
		}
		/* A hostile file: NULL names, repeated or absurd ids. */
		if (id < 0 || id > (1 << 24) || !name || (id < max && (*names)[id]))
			continue;
		if (id >= max) {
			int64_t nmax = id + 256;
			char **p = realloc(*names, (size_t)nmax * sizeof(*p));

			if (!p) {
				sqlite3_finalize(st);
				return ft_error(e, -ENOMEM, "out of memory");
			}
			memset(p + max, 0, (size_t)(nmax - max) * sizeof(*p));
			*names = p;
			max = nmax;
		}
		(*names)[id] = strdup(name);
		if (!(*names)[id]) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (id + 1 > *n)
			*n = id + 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_symbols_free(*names, max);
		*names = NULL;
		*n = 0;
		return rc == SQLITE_NOMEM ? ft_error(e, -ENOMEM, "out of memory") :
			sql_fail(s, e, rc, "reading symbols");
	}
	return 0;
}

void store_symbols_free(char **names, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int store_exec(struct store *s, const char *sql, struct ft_err *e)
{
	return exec(s, sql, e);
}

int store_begin(struct store *s, struct ft_err *e)
{
	int ret;

	/*
	 * IMMEDIATE: the write lock is taken now, under the busy timeout.  A
	 * deferred BEGIN that reads and then writes gets SQLITE_BUSY at once
	 * (no waiting: deadlock avoidance) when another writer holds it.
	 */
	if (s->in_tx)
		return 0;
	ret = exec(s, "BEGIN IMMEDIATE", e);
	if (ret == 0)
		s->in_tx = 1;
	else if ((sqlite3_errcode(s->db) & 0xff) == SQLITE_BUSY) {
		ft_err_clear(e);
		ret = ft_error(e, ret, "%s: database is locked: another writer (analyze, record) "
			       "held it for more than %d s", s->path, STORE_BUSY_WRITE_MS / 1000);
	}
	return ret;
}

int store_commit(struct store *s, struct ft_err *e)
{
	int ret;

	if (!s->in_tx)
		return 0;
	ret = exec(s, "COMMIT", e);
	s->in_tx = 0;
	return ret;
}

void store_rollback(struct store *s)
{
	if (s && s->in_tx) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_tx = 0;
	}
}
