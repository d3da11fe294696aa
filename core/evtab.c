/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * evtab.c - the "foliotrace_events" virtual table: see evtab.h.
 *
 * Design
 *
 * Storage (schema.sql, versions 3 and 4): event_blocks rows hold runs of
 * consecutive events (first_id, n_events, min_ts/max_ts, the evpack
 * columns in `data`, a zstd frame of length-prefixed raw payloads in
 * `payloads`); event_keys lists, per pid, inode and folio, the blocks that
 * hold events with that key.  A query on `events` is answered by walking
 * candidate blocks in id order (or backwards), through one of two walkers,
 * prepared statements of this module on the same connection:
 *   - the block walker: event_blocks rows whose id range meets the query's
 *     id range [lo, hi] (starting at the block that holds lo);
 *   - the key walker: the same, restricted to the blocks that event_keys
 *     lists for the query's folio, inode or pid (the most selective given).
 * Walkers read only a block's small columns; `data` is copied and decoded
 * (evpack) the first time an event of the block is filtered on or a decoded
 * column is read, and only the run of 128 events that holds that event, as
 * far as it (a run is sequential: deltas from the previous event; a block
 * of schema 3 is one run), `payloads` decompressed the first time a
 * payload is read.  So count(*) decodes nothing, a lookup by id decodes 64
 * events on average, and a query without payloads never decompresses one.
 * An ascending walk from a time in a trace whose ts never goes back starts
 * in the run that reaches that time (skip_runs).  (xBestIndex's colUsed says the same per query, also through views:
 * count(*) over events_v marks only the columns its joins read; reading on
 * demand also spares the blocks whose rows a query never returns.)
 *
 * Caching: the cursor keeps its last block (events decoded, payloads
 * unpacked) across xFilter calls, so a join or a correlated subquery that
 * looks up nearby ids re-filters without a statement or a decode while the
 * ids stay in that block.  What blocks a statement walks is always read in
 * that statement (its snapshot): a recorder appending blocks (WAL) is seen
 * by the next statement, never half.  The decoded events and unpacked
 * payloads of a closing cursor's block go to the table (buffers swapped),
 * and a later statement takes them when SQLite's data version says the
 * database is the one they were read from (struct dbver: no commit by any
 * connection since, and no write transaction of this one then or now), at
 * no cost but the block's row; else only after reading the block's data
 * (or payloads) bytes in its own snapshot and finding them equal (memcmp)
 * to the bytes they were decoded from: a decoding is a function of those
 * bytes and the block's row, so it cannot be stale, and a lookup by an id
 * near the last one costs at most a blob read and a compare, not a decode.
 *
 * Key walks read event_keys.n, the events of the block with the key, and
 * leave the block once they have passed that many: a folio's one event
 * early in a block costs the decoding up to it, not the whole block.  The
 * count is trusted (it is the index; a smaller one hides events, as a
 * damaged index of a plain table would).
 *
 * Order: ORDER BY id (either way) is the walk's order.  ORDER BY ts [, id]
 * (one direction) is consumed too when id order is ts order for every row
 * the query can return (ts_order_plan): the trace it pins with trace_id =,
 * else the database's only trace, must be complete with no event earlier
 * than one before it (meta 'trace:<id>:ts_backwards' absent or 0, written
 * by the loader in the transaction that sets complete = 1).  xBestIndex
 * reads that each time it is asked (cheap indexed reads, only for a query
 * ordered by ts); xFilter reads it again, once per cursor, in the
 * statement's snapshot: when it no longer holds (the database changed
 * since the statement was prepared) xFilter fails with SQLITE_SCHEMA, and
 * sqlite3_step prepares the statement again, now with SQLite's sort (were
 * the table an inner loop of a statement that had already returned rows,
 * the caller would see the restart).  Every row returned in ts order is
 * checked against the one before: a meta row that lies is an error, never
 * rows out of order.
 *
 * Exactness: every constraint the module takes is checked on every event
 * it returns (block bounds, then the decoded columns), so all are omitted
 * from SQLite's own checks.  Values are compared as SQLite compares an
 * INTEGER column with them: numeric affinity first, then NULL matches
 * nothing, a REAL bounds to the integers around it, TEXT and BLOB sort
 * after every integer.
 *
 * Hostile files: a block's row is checked (n_events within bounds, ids not
 * overflowing), `data` must decode to exactly n_events events whose ts lie
 * in [min_ts, max_ts] (checked as far as it is decoded: a damaged tail is
 * found by the queries that reach it), `payloads` must be one zstd frame of a stated size
 * (at most EVTAB_MAX_PAYLOADS) whose length-prefixed records fill it
 * exactly.  Anything else is the SQL error "event block N is corrupt (...)",
 * SQLITE_CORRUPT_VTAB; nothing is read outside a buffer.
 */
#ifdef FT_SQLITE_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
#else
#include <sqlite3.h>
#endif

#include "evtab.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "evpack.h"

#define EVTAB_MAX_BLOCK		65536		/* events in one block, at most */
#define EVTAB_MAX_PAYLOADS	(64u << 20)	/* bytes of one decompressed frame */
#define EVTAB_POOL		4		/* idle statements kept per SQL text */
#define EVTAB_EST_EVENTS	1e6		/* events assumed by the cost model */

/* Columns; COL_V0 + c is evpack's v[c] (enum ft_col). */
enum {
	COL_ID, COL_TRACE, COL_TS, COL_CPU, COL_PID, COL_TYPE, COL_KIND,
	COL_V0,
	COL_PAYLOAD = COL_V0 + FT_C__COUNT,
	COL__COUNT
};
#define COL_INO		(COL_V0 + FT_C_INO)
#define COL_FINDEX	(COL_V0 + FT_C_FINDEX)

static const char evtab_decl[] =
	"CREATE TABLE x(id INTEGER PRIMARY KEY, trace_id INTEGER, ts INTEGER, cpu INTEGER, "
	"pid INTEGER, type_id INTEGER, kind INTEGER, dev INTEGER, ino INTEGER, "
	"offset INTEGER, length INTEGER, findex INTEGER, forder INTEGER, "
	"lock_class INTEGER, lock_mode INTEGER, flags INTEGER, caller_id INTEGER, "
	"caller_off INTEGER, ext_off INTEGER, ext_len INTEGER, ext_block INTEGER, "
	"addr INTEGER, peer_pid INTEGER, payload BLOB)";

/* The module's own statements (%w: the schema holding the table). */
enum { S_WALK_ASC, S_WALK_DESC, S_KEYS_ASC, S_KEYS_DESC, S_DATA, S_PAYLOADS, S__COUNT };
/* Whether id order is ts order (see ts_ordered): a trace, the only trace, every trace. */
enum { T_TRACE, T_ONLY, T_ALL, T__COUNT };

#define BLOCK_COLS	"b.first_id, b.trace_id, b.n_events, b.min_ts, b.max_ts"
/* ?1 lo, ?2 hi: blocks from the one holding lo (or the first after) to hi. */
/* (no lower bound: no lookup, CASE evaluates only the branch it takes) */
#define FROM_LO		"CASE WHEN ?1 = -9223372036854775807 - 1 THEN ?1 ELSE " \
			"coalesce((SELECT first_id FROM \"%w\".event_blocks WHERE first_id <= ?1 " \
			"ORDER BY first_id DESC LIMIT 1), ?1) END"
static const char *const evtab_sql[S__COUNT] = {
	[S_WALK_ASC] = "SELECT " BLOCK_COLS " FROM \"%w\".event_blocks b WHERE b.first_id >= "
		FROM_LO " AND b.first_id <= ?2 ORDER BY b.first_id",
	[S_WALK_DESC] = "SELECT " BLOCK_COLS " FROM \"%w\".event_blocks b WHERE b.first_id >= "
		FROM_LO " AND b.first_id <= ?2 ORDER BY b.first_id DESC",
	/* ?3 key_kind, ?4 k1, ?5 k2 */
	[S_KEYS_ASC] = "SELECT " BLOCK_COLS ", k.n FROM \"%w\".event_keys k CROSS JOIN "
		"\"%w\".event_blocks b ON b.first_id = k.first_id WHERE k.key_kind = ?3 AND "
		"k.k1 = ?4 AND k.k2 = ?5 AND k.first_id >= " FROM_LO " AND k.first_id <= ?2 "
		"ORDER BY k.first_id",
	[S_KEYS_DESC] = "SELECT " BLOCK_COLS ", k.n FROM \"%w\".event_keys k CROSS JOIN "
		"\"%w\".event_blocks b ON b.first_id = k.first_id WHERE k.key_kind = ?3 AND "
		"k.k1 = ?4 AND k.k2 = ?5 AND k.first_id >= " FROM_LO " AND k.first_id <= ?2 "
		"ORDER BY k.first_id DESC",
	[S_DATA] = "SELECT data FROM \"%w\".event_blocks WHERE first_id = ?1",
	[S_PAYLOADS] = "SELECT payloads FROM \"%w\".event_blocks WHERE first_id = ?1",
};

/*
 * A trace's ts is monotone in id when it is complete and its loader counted
 * no event earlier than one before it (record/loader.c on_event: ts below
 * the largest ts so far; written in loader_finish, in the transaction that
 * sets complete = 1; absent means 0).  Each answers one row, 1 or 0; an
 * answer of xBestIndex's must be xFilter's in the same database, else the
 * re-planning (SQLITE_SCHEMA) would repeat.
 */
#define TS_MONOTONE(idexpr) \
	"complete = 1 AND coalesce((SELECT value FROM \"%w\".meta WHERE key = 'trace:' || " \
	idexpr " || ':ts_backwards'), 0) = 0"
static const char *const evtab_trust_sql[T__COUNT] = {
	/* ?1 trace id; no such trace: 1 (no rows, or rows of a damaged file,
	 * which ts_in_order checks), as T_ALL implies for every id */
	[T_TRACE] = "SELECT NOT EXISTS (SELECT 1 FROM \"%w\".traces WHERE id = ?1 AND NOT ("
		TS_MONOTONE("id") "))",
	[T_ONLY] = "SELECT count(*) = 1 AND max(" TS_MONOTONE("id") ") FROM \"%w\".traces",
	[T_ALL] = "SELECT count(*) >= 1 AND min(" TS_MONOTONE("id") ") FROM \"%w\".traces",
};

/*
 * What this connection knows of the database's content: SQLite's data
 * version of the table's schema (SQLITE_FCNTL_DATA_VERSION), which changes
 * when any connection commits a change (seen from the next read
 * transaction).  Two equal readings taken in read transactions mean the
 * same content, so what was read at the first still holds at the second.
 * Not inside the connection's own write transaction: its uncommitted
 * writes, and their rollback, leave the data version alone; a reading
 * taken there is not ok (never equal to any).
 */
struct dbver {
	unsigned dv;
	int ok;
};

/*
 * A block's events, decoded run by run (evpack.h: a run decodes on its
 * own; a block of schema 3 is one run), and the copy of its data they come
 * from.  Of run j, the first rdec[j] events are in ev[] and type[]; rd is
 * in run cur, at its event rdec[cur] (it reads on from there).
 */
struct evdec {
	struct ft_event *ev;
	int64_t *type;
	uint32_t cap;		/* entries of ev and type */
	uint32_t *rdec;
	uint32_t rcap;		/* entries of rdec */
	uint32_t nrun, run_size, cur;
	int any;		/* an event is decoded */
	uint8_t *dat;
	size_t dat_cap, dat_len;
	struct evpack_reader rd;
	int64_t first, min_ts, max_ts;	/* which block (the table's copy is */
	uint32_t n;			/* used only for the same one) */
	struct dbver ver;		/* the content dat was read from */
};

/* A block's payloads, decompressed, and the frame they come from. */
struct evpl {
	uint8_t *pl;
	size_t pl_cap;
	uint32_t *off, *len;	/* per event: its bytes in pl (len 0: NULL) */
	uint32_t n_cap;		/* entries of off, len */
	uint8_t *src;		/* a copy of the frame (the table's copy's key) */
	size_t src_cap, src_len;
	int64_t first;
	uint32_t n;
	struct dbver ver;	/* the content src was read from */
};

struct evtab {
	sqlite3_vtab base;
	sqlite3 *db;
	char *schema;
	/* Idle prepared statements, per SQL text, shared by the cursors. */
	sqlite3_stmt *pool[S__COUNT][EVTAB_POOL];
	int npool[S__COUNT];
	/* One zstd context for every payload frame (a connection runs one
	 * call at a time); made on first use: a context per frame would cost
	 * more than a small frame's decompression. */
	ZSTD_DCtx *zd;
	/*
	 * The last block a closed cursor had decoded, handed over (buffers
	 * swapped, not copied): the next statement that needs that block uses
	 * it when the block's data, read in that statement, is the same bytes
	 * (memcmp), so nothing can be stale; a lookup by id in a new statement
	 * then costs no decoding.
	 */
	struct evdec last;
	int last_ok;
	struct evpl last_pl;	/* the same for payloads (the frame's bytes compared) */
	int last_pl_ok;
	sqlite3_stmt *trust[T__COUNT];	/* made on first use */
	/* each one's last answer, and for what content (and trace) */
	struct {
		struct dbver ver;
		int64_t trace;
		int ok;
	} trust_last[T__COUNT];
};

/* The block the cursor is in (or last was in). */
struct evblk {
	int valid;		/* the fields below describe a block */
	int bad;		/* found corrupt: every later use fails again */
	int loaded;		/* the cursor's evdec is this block's */
	int unpacked;		/* the cursor's evpl is this block's */
	int64_t first, trace, min_ts, max_ts;
	uint32_t n;
};

struct evcur {
	sqlite3_vtab_cursor base;
	struct evblk b;
	struct evdec d;
	struct evpl u;
	sqlite3_stmt *st[S__COUNT];
	sqlite3_stmt *walk;	/* the walker of this xFilter (NULL: only the cached block) */
	/* The plan: constraints as integer intervals and equalities. */
	int desc, eof;
	int64_t lo, hi, tlo, thi;
	int has_trace, has_kind, has_pid, has_ino, has_findex;
	uint64_t *kset;		/* kind IN (...): allowed kinds, a bit each; NULL: any */
	uint64_t *kset_buf;	/* its storage, 65536 bits */
	int64_t trace, kind, pid, ino, findex;
	/*
	 * ORDER BY ts consumed (idxNum bit 1): the rows come in id order, which
	 * is ts order for the trace(s) they can come from (checked once per
	 * cursor: trust_for, trust_ok), and each returned row's ts is checked
	 * against the one before (prev_ts): a database whose meta lies is an
	 * error, never rows out of order.
	 */
	int tsord, trust_known, trust_ok, trust_pinned;
	int64_t trust_for, prev_ts;
	/*
	 * The key walker's key (1 pid, 2 inode, 3 folio; 0: the block
	 * walker) and how many events of the current block have it that the
	 * walk has not passed yet (event_keys.n): at 0 the rest of the block
	 * is skipped.  0 also when unknown.
	 */
	int kkind;
	int64_t kleft;
	int entered;		/* block_enter has positioned; seek not yet */
	/* Position: index i in the block, within [a, z]. */
	int in_blk, ts_check, filt;
	int fast;		/* in a block, ascending, nothing to check per event */
	int64_t i, a, z;
};

/* --- helpers --------------------------------------------------------------- */

static int set_err(struct evcur *c, int rc, const char *fmt, ...)
{
	sqlite3_vtab *vt = c->base.pVtab;
	va_list ap;

	va_start(ap, fmt);
	sqlite3_free(vt->zErrMsg);
	vt->zErrMsg = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	return rc;
}

static int corrupt(struct evcur *c, const char *why)
{
	c->b.bad = 1;
	return set_err(c, SQLITE_CORRUPT_VTAB, "event block %lld is corrupt (%s)",
		       (long long)c->b.first, why);
}

/* A statement of the pool (or a new one), reset and unbound, in c->st[w]. */
static int stmt(struct evcur *c, int w, sqlite3_stmt **out)
{
	struct evtab *t = (struct evtab *)c->base.pVtab;
	char *sql;
	int rc;

	if (c->st[w]) {
		sqlite3_reset(c->st[w]);
		*out = c->st[w];
		return SQLITE_OK;
	}
	if (t->npool[w]) {
		c->st[w] = t->pool[w][--t->npool[w]];
		*out = c->st[w];
		return SQLITE_OK;
	}
	sql = sqlite3_mprintf(evtab_sql[w], t->schema, t->schema, t->schema);
	if (!sql)
		return SQLITE_NOMEM;
	rc = sqlite3_prepare_v3(t->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->st[w], NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return set_err(c, rc, "events: %s", sqlite3_errmsg(t->db));
	*out = c->st[w];
	return SQLITE_OK;
}

static void stmt_release(struct evtab *t, int w, sqlite3_stmt *st)
{
	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (t->npool[w] < EVTAB_POOL)
		t->pool[w][t->npool[w]++] = st;
	else
		sqlite3_finalize(st);
}

/* An error of one of our statements, as the query's error. */
static int step_err(struct evcur *c, int rc)
{
	struct evtab *t = (struct evtab *)c->base.pVtab;

	return set_err(c, rc, "events: %s", sqlite3_errmsg(t->db));
}

/* The content's reading now (see struct dbver). */
static void dbver_now(struct evtab *t, struct dbver *v)
{
	v->dv = 0;
	v->ok = sqlite3_txn_state(t->db, t->schema) != SQLITE_TXN_WRITE &&
		sqlite3_file_control(t->db, t->schema, SQLITE_FCNTL_DATA_VERSION,
				     &v->dv) == SQLITE_OK;
}

static int dbver_same(const struct dbver *a, const struct dbver *b)
{
	return a->ok && b->ok && a->dv == b->dv;
}

/* Is event k of the loaded block decoded? */
static inline int dec_has(const struct evdec *d, int64_t k)
{
	uint32_t j = d->nrun == 1 ? 0 : (uint32_t)k >> EVPACK_SUB_SHIFT;

	return (uint32_t)k - j * d->run_size < d->rdec[j];
}

/* Starts decoding d->dat: the reader at run 0, nothing decoded. */
static int dec_start(struct evdec *d)
{
	evpack_reader_init(&d->rd, d->dat, d->dat_len, d->first, d->n);
	d->nrun = d->rd.nrun;
	d->run_size = d->rd.run_size;
	d->cur = 0;
	d->any = 0;
	if (d->nrun > d->rcap) {
		uint32_t *r = sqlite3_realloc64(d->rdec, (sqlite3_uint64)d->nrun * sizeof(*r));

		if (!r)
			return SQLITE_NOMEM;
		d->rdec = r;
		d->rcap = d->nrun;
	}
	if (d->nrun)
		memset(d->rdec, 0, d->nrun * sizeof(*d->rdec));
	return SQLITE_OK;
}

static int grow_dec(struct evdec *d, uint32_t n)
{
	struct ft_event *ev;
	int64_t *type;

	if (n <= d->cap)
		return SQLITE_OK;
	ev = sqlite3_realloc64(d->ev, (sqlite3_uint64)n * sizeof(*ev));
	if (ev)
		d->ev = ev;
	type = sqlite3_realloc64(d->type, (sqlite3_uint64)n * sizeof(*type));
	if (type)
		d->type = type;
	if (!ev || !type)
		return SQLITE_NOMEM;
	d->cap = n;
	return SQLITE_OK;
}

static int grow_pl(struct evpl *u, uint32_t n)
{
	uint32_t *off, *len;

	if (n <= u->n_cap)
		return SQLITE_OK;
	off = sqlite3_realloc64(u->off, (sqlite3_uint64)n * sizeof(*off));
	if (off)
		u->off = off;
	len = sqlite3_realloc64(u->len, (sqlite3_uint64)n * sizeof(*len));
	if (len)
		u->len = len;
	if (!off || !len)
		return SQLITE_NOMEM;
	u->n_cap = n;
	return SQLITE_OK;
}

/* Makes *buf hold at least n bytes (contents not kept). */
static int reserve(uint8_t **buf, size_t *cap, size_t n)
{
	uint8_t *b;

	if (n <= *cap)
		return SQLITE_OK;
	b = sqlite3_realloc64(*buf, n);
	if (!b)
		return SQLITE_NOMEM;
	*buf = b;
	*cap = n;
	return SQLITE_OK;
}

static void evpl_free(struct evpl *u)
{
	sqlite3_free(u->pl);
	sqlite3_free(u->off);
	sqlite3_free(u->len);
	sqlite3_free(u->src);
	memset(u, 0, sizeof(*u));
}

static void evpl_swap(struct evpl *a, struct evpl *b)
{
	struct evpl x = *a;

	*a = *b;
	*b = x;
}

static void evdec_free(struct evdec *d)
{
	sqlite3_free(d->ev);
	sqlite3_free(d->type);
	sqlite3_free(d->rdec);
	sqlite3_free(d->dat);
	memset(d, 0, sizeof(*d));
}

static void evdec_swap(struct evdec *a, struct evdec *b)
{
	struct evdec x = *a;

	*a = *b;
	*b = x;
}

/* --- decoding a block -------------------------------------------------------- */

/* Fetches one blob column of the current block through statement w. */
static int block_blob(struct evcur *c, int w, sqlite3_stmt **out, const void **p, int *len)
{
	sqlite3_stmt *st;
	int rc = stmt(c, w, &st);

	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, c->b.first);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return corrupt(c, "its row is gone");
	if (rc != SQLITE_ROW)
		return step_err(c, rc);
	if (sqlite3_column_type(st, 0) != SQLITE_BLOB)
		return corrupt(c, w == S_DATA ? "data is not a blob" : "payloads is not a blob");
	*p = sqlite3_column_blob(st, 0);
	*len = sqlite3_column_bytes(st, 0);
	*out = st;
	if (!*p || *len <= 0)
		return corrupt(c, w == S_DATA ? "empty data" : "empty payloads");
	return SQLITE_OK;
}

/* Decodes the block's events up to index k (at least). */
static int block_decode(struct evcur *c, int64_t k)
{
	struct evtab *t = (struct evtab *)c->base.pVtab;
	struct evdec *d = &c->d;
	int64_t id;
	uint32_t j, base, cnt;
	int rc;

	if (c->b.loaded && dec_has(d, k))
		return SQLITE_OK;
	if (c->b.bad)
		return corrupt(c, "found before");
	if (!c->b.loaded) {
		sqlite3_stmt *st = NULL;
		const void *data;
		int len;
		struct dbver now;

		dbver_now(t, &now);
		if (t->last_ok && t->last.first == c->b.first && t->last.n == c->b.n &&
		    t->last.min_ts == c->b.min_ts && t->last.max_ts == c->b.max_ts &&
		    dbver_same(&t->last.ver, &now)) {
			/* the same content as it was decoded from: no read at all */
			evdec_swap(d, &t->last);
			t->last_ok = 0;
			c->b.loaded = 1;
			goto decode;
		}
		rc = block_blob(c, S_DATA, &st, &data, &len);
		if (rc != SQLITE_OK) {
			if (st)
				sqlite3_reset(st);
			return rc;
		}
		if (t->last_ok && t->last.first == c->b.first && t->last.n == c->b.n &&
		    t->last.min_ts == c->b.min_ts && t->last.max_ts == c->b.max_ts &&
		    t->last.dat_len == (size_t)len && !memcmp(t->last.dat, data, (size_t)len)) {
			/* the same bytes: what a closed cursor decoded of them holds */
			evdec_swap(d, &t->last);
			t->last_ok = 0;
			d->ver = now;
		} else {
			rc = grow_dec(d, c->b.n);
			if (rc == SQLITE_OK && (size_t)len > d->dat_cap) {
				uint8_t *b = sqlite3_realloc64(d->dat, (sqlite3_uint64)len);

				if (b) {
					d->dat = b;
					d->dat_cap = (size_t)len;
				} else {
					rc = SQLITE_NOMEM;
				}
			}
			if (rc == SQLITE_OK) {
				memcpy(d->dat, data, (size_t)len);
				d->dat_len = (size_t)len;
				d->first = c->b.first;
				d->n = c->b.n;
				d->min_ts = c->b.min_ts;
				d->max_ts = c->b.max_ts;
				d->ver = now;
				rc = dec_start(d);
			}
		}
		sqlite3_reset(st);
		if (rc != SQLITE_OK)
			return rc;
		c->b.loaded = 1;
	}
decode:
	if (d->rd.bad)
		return corrupt(c, "its runs' lengths do not add up");
	/* the run that holds k, from its start unless the reader is in it */
	j = d->nrun == 1 ? 0 : (uint32_t)k >> EVPACK_SUB_SHIFT;
	base = j * d->run_size;
	if (d->cur != j) {
		if (evpack_reader_run(&d->rd, j) < 0)
			return corrupt(c, "its runs' lengths do not add up");
		d->rdec[j] = 0;		/* decoded again: the same values */
		d->cur = j;
	}
	for (; base + d->rdec[j] <= k; d->rdec[j]++) {
		uint32_t i = base + d->rdec[j];
		struct ft_event *ev = &d->ev[i];

		if (evpack_next(&d->rd, &id, &d->type[i], ev) != 1)
			return corrupt(c, "data holds fewer events than n_events or a bad one");
		if ((int64_t)ev->ts < c->b.min_ts || (int64_t)ev->ts > c->b.max_ts)
			return corrupt(c, "an event's ts is outside min_ts..max_ts");
	}
	d->any = 1;
	cnt = c->b.n - base < d->run_size ? c->b.n - base : d->run_size;
	if (d->rdec[j] == cnt && evpack_run_end(&d->rd) < 0)
		return corrupt(c, "data holds more than n_events events");
	return SQLITE_OK;
}

static int block_unpack(struct evcur *c)
{
	struct evtab *t = (struct evtab *)c->base.pVtab;
	struct evpl *u = &c->u;
	sqlite3_stmt *st = NULL;
	const void *src;
	unsigned long long size;
	size_t got, p = 0;
	int len, rc;
	struct dbver now;

	if (c->b.unpacked)
		return SQLITE_OK;
	if (c->b.bad)
		return corrupt(c, "found before");
	dbver_now(t, &now);
	if (t->last_pl_ok && t->last_pl.first == c->b.first && t->last_pl.n == c->b.n &&
	    dbver_same(&t->last_pl.ver, &now)) {
		/* the same content as it was unpacked from: no read at all */
		evpl_swap(u, &t->last_pl);
		t->last_pl_ok = 0;
		c->b.unpacked = 1;
		return SQLITE_OK;
	}
	rc = block_blob(c, S_PAYLOADS, &st, &src, &len);
	if (rc != SQLITE_OK)
		goto out;
	if (t->last_pl_ok && t->last_pl.first == c->b.first && t->last_pl.n == c->b.n &&
	    t->last_pl.src_len == (size_t)len && !memcmp(t->last_pl.src, src, (size_t)len)) {
		/* the same frame: what a closed cursor unpacked of it holds */
		evpl_swap(u, &t->last_pl);
		t->last_pl_ok = 0;
		u->ver = now;
		c->b.unpacked = 1;
		goto out;
	}
	size = ZSTD_getFrameContentSize(src, (size_t)len);
	if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
		rc = corrupt(c, "payloads is not a zstd frame of known size");
		goto out;
	}
	if (size > EVTAB_MAX_PAYLOADS || size < c->b.n) {
		rc = corrupt(c, "payloads frame size out of bounds");
		goto out;
	}
	rc = grow_pl(u, c->b.n);
	if (rc == SQLITE_OK)
		rc = reserve(&u->pl, &u->pl_cap, (size_t)size);
	if (rc == SQLITE_OK)
		rc = reserve(&u->src, &u->src_cap, (size_t)len);
	if (rc == SQLITE_OK && !t->zd && !(t->zd = ZSTD_createDCtx()))
		rc = SQLITE_NOMEM;
	if (rc != SQLITE_OK)
		goto out;
	u->src_len = 0;		/* not a key until complete */
	got = ZSTD_decompressDCtx(t->zd, u->pl, (size_t)size, src, (size_t)len);
	if (ZSTD_isError(got) || got != size) {
		rc = corrupt(c, "payloads does not decompress");
		goto out;
	}
	for (uint32_t k = 0; k < c->b.n; k++) {
		uint64_t v = 0;
		int shift = 0, done = 0;

		while (p < size && shift < 35) {
			uint8_t x = u->pl[p++];

			v |= (uint64_t)(x & 0x7f) << shift;
			shift += 7;
			if (!(x & 0x80)) {
				done = 1;
				break;
			}
		}
		if (!done || v > size - p) {
			rc = corrupt(c, "a payload length runs past the frame");
			goto out;
		}
		u->off[k] = (uint32_t)p;
		u->len[k] = (uint32_t)v;
		p += v;
	}
	if (p != size) {
		rc = corrupt(c, "payloads holds bytes after the last event's");
		goto out;
	}
	memcpy(u->src, src, (size_t)len);
	u->src_len = (size_t)len;
	u->first = c->b.first;
	u->n = c->b.n;
	u->ver = now;
	c->b.unpacked = 1;
out:
	if (st)
		sqlite3_reset(st);
	return rc;
}

/* --- walking blocks -------------------------------------------------------- */

/*
 * Positions the cursor at the start of the current block (c->b) if it can
 * hold a match: returns 1, or 0 when the block is to be skipped.
 */
static int block_enter(struct evcur *c)
{
	int64_t last = c->b.first + (int64_t)c->b.n - 1;

	if (c->has_trace && c->b.trace != c->trace)
		return 0;
	if (c->b.max_ts < c->tlo || c->b.min_ts > c->thi)
		return 0;
	c->a = (c->lo > c->b.first ? c->lo : c->b.first) - c->b.first;
	c->z = (c->hi < last ? c->hi : last) - c->b.first;
	if (c->a > c->z)
		return 0;
	c->ts_check = c->b.min_ts < c->tlo || c->b.max_ts > c->thi;
	c->i = c->desc ? c->z : c->a;
	c->in_blk = 1;
	c->entered = 1;
	c->fast = !c->desc && !c->filt && !c->ts_check && !c->tsord;
	return 1;
}

/* Steps the walker to the next block that can hold a match; eof at the end. */
static int walk_next(struct evcur *c)
{
	for (;;) {
		int64_t first, n;
		int rc;

		c->in_blk = c->fast = 0;
		if (!c->walk) {
			c->eof = 1;
			return SQLITE_OK;
		}
		rc = sqlite3_step(c->walk);
		if (rc == SQLITE_DONE) {
			sqlite3_reset(c->walk);
			c->walk = NULL;
			c->eof = 1;
			return SQLITE_OK;
		}
		if (rc != SQLITE_ROW)
			return step_err(c, rc);
		first = sqlite3_column_int64(c->walk, 0);
		if (!c->b.valid || first != c->b.first) {
			c->b.valid = c->b.bad = c->b.loaded = c->b.unpacked = 0;
			c->b.first = first;
			c->b.trace = sqlite3_column_int64(c->walk, 1);
			n = sqlite3_column_int64(c->walk, 2);
			c->b.min_ts = sqlite3_column_int64(c->walk, 3);
			c->b.max_ts = sqlite3_column_int64(c->walk, 4);
			if (n < 1 || n > EVTAB_MAX_BLOCK || first > INT64_MAX - n)
				return corrupt(c, "n_events out of bounds");
			/*
			 * ts is compared signed, as SQL compares the column; a
			 * writer that ordered a block's ts unsigned leaves
			 * min_ts > max_ts when they straddle 2^63: no bounds then.
			 */
			if (c->b.min_ts > c->b.max_ts) {
				c->b.min_ts = INT64_MIN;
				c->b.max_ts = INT64_MAX;
			}
			c->b.n = (uint32_t)n;
			c->b.valid = 1;
		}
		c->kleft = c->kkind ? sqlite3_column_int64(c->walk, 5) : 0;
		if (block_enter(c))
			return SQLITE_OK;
	}
}

/* Does event i of the (decoded) block have the key walker's key? */
static int key_match(const struct evcur *c, int64_t i)
{
	const struct ft_event *ev = &c->d.ev[i];

	switch (c->kkind) {
	case 1:
		return ev->pid == c->pid;
	case 2:
		return ft_event_has(ev, FT_C_INO) && ev->v[FT_C_INO] == c->ino;
	case 3:
		return ft_event_has(ev, FT_C_INO) && ev->v[FT_C_INO] == c->ino &&
		       ft_event_has(ev, FT_C_FINDEX) && ev->v[FT_C_FINDEX] == c->findex;
	}
	return 0;
}

/* Does event i of the (decoded) block pass the per-event constraints? */
static int event_ok(const struct evcur *c, int64_t i)
{
	const struct ft_event *ev = &c->d.ev[i];

	if (c->ts_check && ((int64_t)ev->ts < c->tlo || (int64_t)ev->ts > c->thi))
		return 0;
	if (c->has_pid && ev->pid != c->pid)
		return 0;
	if (c->has_kind && ev->kind != c->kind)
		return 0;
	if (c->kset && !(c->kset[ev->kind >> 6] >> (ev->kind & 63) & 1))
		return 0;
	if (c->has_ino && (!ft_event_has(ev, FT_C_INO) || ev->v[FT_C_INO] != c->ino))
		return 0;
	if (c->has_findex && (!ft_event_has(ev, FT_C_FINDEX) || ev->v[FT_C_FINDEX] != c->findex))
		return 0;
	return 1;
}

/* ORDER BY ts served in id order: the current event must not go back in ts. */
static int ts_in_order(struct evcur *c)
{
	int64_t ts = (int64_t)c->d.ev[c->i].ts;

	if (c->desc ? ts > c->prev_ts : ts < c->prev_ts)
		return set_err(c, SQLITE_CORRUPT_VTAB, "events: trace %lld goes back in ts at id "
			       "%lld, which its meta row 'trace:%lld:ts_backwards' denies: cannot "
			       "serve ORDER BY ts", (long long)c->b.trace,
			       (long long)(c->b.first + c->i), (long long)c->b.trace);
	c->prev_ts = ts;
	return SQLITE_OK;
}

/*
 * The next matching event: from the current one when advance is 0 (just
 * positioned), else from the one after it.
 */
static int ts_ordered(struct evtab *t, int which, int64_t trace, int *ok);

/*
 * An ascending walk with a ts lower bound in a block that straddles it,
 * when the block's trace is ts-monotone (ts_ordered): a run whose next
 * run starts before the bound holds only earlier events, so the walk
 * starts in the last run that begins before the bound, and no run before
 * it is decoded (one event of each run after it is).  Leaves c->i at the
 * first event to look at.
 */
static int skip_runs(struct evcur *c)
{
	struct evtab *t = (struct evtab *)c->base.pVtab;
	int ok = 0, rc;

	if (c->desc || !c->ts_check || c->b.min_ts >= c->tlo)
		return SQLITE_OK;
	rc = block_decode(c, c->i);
	if (rc != SQLITE_OK || c->d.nrun <= 1)
		return rc;
	rc = ts_ordered(t, T_TRACE, c->b.trace, &ok);
	if (rc != SQLITE_OK)
		return step_err(c, rc);
	while (ok) {
		int64_t next = ((c->i >> EVPACK_SUB_SHIFT) + 1) << EVPACK_SUB_SHIFT;

		if (next > c->z)
			break;
		rc = block_decode(c, next);
		if (rc != SQLITE_OK)
			return rc;
		if ((int64_t)c->d.ev[next].ts >= c->tlo)
			break;
		c->i = next;
	}
	return SQLITE_OK;
}

static int seek(struct evcur *c, int advance)
{
	for (;;) {
		int rc;

		if (c->in_blk && advance)
			c->i += c->desc ? -1 : 1;
		advance = 1;
		if (!c->in_blk || c->i < c->a || c->i > c->z) {
			rc = walk_next(c);
			if (rc != SQLITE_OK || c->eof)
				return rc;
		}
		if (!c->filt && !c->ts_check && !c->tsord)
			return SQLITE_OK;
		if (c->entered) {
			c->entered = 0;
			rc = skip_runs(c);
			if (rc != SQLITE_OK)
				return rc;
		}
		if (!c->b.loaded || !dec_has(&c->d, c->i)) {
			rc = block_decode(c, c->i);
			if (rc != SQLITE_OK)
				return rc;
		}
		/* the block's last event with the walked key: none after it can match */
		if (c->kleft > 0 && key_match(c, c->i) && --c->kleft == 0) {
			if (c->desc)
				c->a = c->i;
			else
				c->z = c->i;
		}
		if (event_ok(c, c->i))
			return c->tsord ? ts_in_order(c) : SQLITE_OK;
	}
}

/* --- constraint values ------------------------------------------------------ */

/*
 * Narrows [*lo, *hi] by "column op v" for an INTEGER column, comparing as
 * SQLite does.  Returns 0, or 1 when nothing can match.
 */
static int narrow(int op, sqlite3_value *v, int64_t *lo, int64_t *hi)
{
	int64_t x;

	switch (sqlite3_value_numeric_type(v)) {
	case SQLITE_INTEGER:
		x = sqlite3_value_int64(v);
		break;
	case SQLITE_FLOAT: {
		double d = sqlite3_value_double(v);
		const double two63 = 9223372036854775808.0;
		int integral = d == floor(d);

		if (isnan(d))
			return 1;
		if (d >= two63) {
			if (op == SQLITE_INDEX_CONSTRAINT_LT || op == SQLITE_INDEX_CONSTRAINT_LE)
				return 0;
			return 1;
		}
		if (d < -two63) {
			if (op == SQLITE_INDEX_CONSTRAINT_GT || op == SQLITE_INDEX_CONSTRAINT_GE)
				return 0;
			return 1;
		}
		if (integral) {
			x = (int64_t)d;
			break;
		}
		/* between two integers: only the strictness-free forms remain */
		if (op == SQLITE_INDEX_CONSTRAINT_EQ)
			return 1;
		if (op == SQLITE_INDEX_CONSTRAINT_GT || op == SQLITE_INDEX_CONSTRAINT_GE)
			op = SQLITE_INDEX_CONSTRAINT_GE, x = (int64_t)ceil(d);
		else
			op = SQLITE_INDEX_CONSTRAINT_LE, x = (int64_t)floor(d);
		break;
	}
	case SQLITE_NULL:
		return 1;
	default:	/* TEXT, BLOB: greater than every integer */
		return !(op == SQLITE_INDEX_CONSTRAINT_LT || op == SQLITE_INDEX_CONSTRAINT_LE);
	}
	switch (op) {
	case SQLITE_INDEX_CONSTRAINT_EQ:
		if (x > *lo)
			*lo = x;
		if (x < *hi)
			*hi = x;
		break;
	case SQLITE_INDEX_CONSTRAINT_GT:
		if (x == INT64_MAX)
			return 1;
		x++;
		/* fall through */
	case SQLITE_INDEX_CONSTRAINT_GE:
		if (x > *lo)
			*lo = x;
		break;
	case SQLITE_INDEX_CONSTRAINT_LT:
		if (x == INT64_MIN)
			return 1;
		x--;
		/* fall through */
	case SQLITE_INDEX_CONSTRAINT_LE:
		if (x < *hi)
			*hi = x;
		break;
	}
	return *lo > *hi;
}

/* An equality on an INTEGER column: 0 with *out set, 1 when nothing matches. */
static int equal(sqlite3_value *v, int *has, int64_t *out)
{
	int64_t lo = INT64_MIN, hi = INT64_MAX;

	if (narrow(SQLITE_INDEX_CONSTRAINT_EQ, v, &lo, &hi))
		return 1;
	if (*has && *out != lo)
		return 1;
	*has = 1;
	*out = lo;
	return 0;
}

/*
 * Is id order ts order for the rows of trace `trace` (T_TRACE), of the only
 * trace (T_ONLY), of every trace (T_ALL)?  *ok 1 or 0, read now (the
 * caller's statement's snapshot).
 */
static int ts_ordered(struct evtab *t, int which, int64_t trace, int *ok)
{
	sqlite3_stmt *st = t->trust[which];
	struct dbver now;
	int rc;

	*ok = 0;
	dbver_now(t, &now);
	if (dbver_same(&t->trust_last[which].ver, &now) &&
	    (which != T_TRACE || t->trust_last[which].trace == trace)) {
		*ok = t->trust_last[which].ok;
		return SQLITE_OK;
	}
	if (!st) {
		char *sql = sqlite3_mprintf(evtab_trust_sql[which], t->schema, t->schema);

		if (!sql)
			return SQLITE_NOMEM;
		rc = sqlite3_prepare_v3(t->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
		sqlite3_free(sql);
		if (rc != SQLITE_OK)
			return rc;
		t->trust[which] = st;
	}
	if (which == T_TRACE)
		sqlite3_bind_int64(st, 1, trace);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*ok = sqlite3_column_type(st, 0) == SQLITE_INTEGER && sqlite3_column_int64(st, 0) == 1;
		rc = SQLITE_OK;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_OK) {
		/* read after the step: the content the answer came from */
		dbver_now(t, &t->trust_last[which].ver);
		t->trust_last[which].trace = trace;
		t->trust_last[which].ok = *ok;
	}
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* --- the module --------------------------------------------------------------- */

static int ev_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		      sqlite3_vtab **out, char **err)
{
	struct evtab *t;
	int rc;

	(void)aux;
	(void)argc;
	rc = sqlite3_declare_vtab(db, evtab_decl);
	if (rc != SQLITE_OK)
		return rc;
	/* No side effects: usable from views and triggers with trusted_schema off. */
	sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
	t = sqlite3_malloc(sizeof(*t));
	if (!t)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof(*t));
	t->db = db;
	t->schema = sqlite3_mprintf("%s", argv[1]);
	if (!t->schema) {
		sqlite3_free(t);
		*err = sqlite3_mprintf("out of memory");
		return SQLITE_NOMEM;
	}
	*out = &t->base;
	return SQLITE_OK;
}

static int ev_disconnect(sqlite3_vtab *vt)
{
	struct evtab *t = (struct evtab *)vt;

	for (int w = 0; w < S__COUNT; w++)
		for (int k = 0; k < t->npool[w]; k++)
			sqlite3_finalize(t->pool[w][k]);
	for (int w = 0; w < T__COUNT; w++)
		sqlite3_finalize(t->trust[w]);
	ZSTD_freeDCtx(t->zd);
	evdec_free(&t->last);
	evpl_free(&t->last_pl);
	sqlite3_free(t->schema);
	sqlite3_free(t);
	return SQLITE_OK;
}

/*
 * idxStr holds one letter per xFilter argument: which column and operator.
 * id: I = > g >= < l <= (as EQ GT GE LT LE: "IGgLl"), ts: "TUuVv",
 * p pid =, n ino =, f findex =, r trace_id =, k kind =, K kind IN (the
 * whole list in one argument).  idxNum bit 0: DESC; bit 1: ORDER BY ts
 * consumed (rows in id order, which is ts order: see ts_order_plan).
 */
static char arg_letter(int col, int op)
{
	static const char id[] = "IGgLl", ts[] = "TUuVv";
	int k;

	switch (op) {
	case SQLITE_INDEX_CONSTRAINT_EQ: k = 0; break;
	case SQLITE_INDEX_CONSTRAINT_GT: k = 1; break;
	case SQLITE_INDEX_CONSTRAINT_GE: k = 2; break;
	case SQLITE_INDEX_CONSTRAINT_LT: k = 3; break;
	case SQLITE_INDEX_CONSTRAINT_LE: k = 4; break;
	default: return 0;
	}
	if (col == -1 || col == COL_ID)
		return id[k];
	if (col == COL_TS)
		return ts[k];
	if (k)
		return 0;
	switch (col) {
	case COL_PID: return 'p';
	case COL_INO: return 'n';
	case COL_FINDEX: return 'f';
	case COL_TRACE: return 'r';
	case COL_KIND: return 'k';
	}
	return 0;
}

/*
 * ORDER BY ts [, id] (one direction) can be served in id order when id
 * order is ts order for every row the query can return: the trace it pins
 * (trace_id = a value known now; any trace's when the value comes later,
 * xFilter checks that one), else the database's only trace.  Read through
 * ts_ordered, whose answers are kept for the same content (struct dbver):
 * outside a transaction that is the content the connection last read, so
 * a plan may rest on a change it has not seen yet; xFilter reads again in
 * its own snapshot, and a premise that no longer holds re-plans.
 * xFilter checks again in its own snapshot (ev_filter) and every returned
 * row (ts_in_order).  Returns 1 when consumed (*desc set).
 */
static int ts_order_plan(struct evtab *t, sqlite3_index_info *ix, int trace_k, int *desc)
{
	const struct sqlite3_index_orderby *o = ix->aOrderBy;
	sqlite3_value *v = NULL;
	int ok = 0;

	if (ix->nOrderBy < 1 || o[0].iColumn != COL_TS)
		return 0;
	/* a second term orders ts ties: only id in the same direction is id order */
	if (ix->nOrderBy >= 2 && ((o[1].iColumn != -1 && o[1].iColumn != COL_ID) ||
				  o[1].desc != o[0].desc))
		return 0;
	if (trace_k < 0) {
		ts_ordered(t, T_ONLY, 0, &ok);
	} else if (sqlite3_vtab_rhs_value(ix, trace_k, &v) == SQLITE_OK && v) {
		int has = 0;
		int64_t x;

		if (equal(v, &has, &x))
			ok = 1;		/* matches nothing: any order */
		else
			ts_ordered(t, T_TRACE, x, &ok);
	} else {
		ts_ordered(t, T_ALL, 0, &ok);
	}
	*desc = o[0].desc;
	return ok;
}

static int ev_best_index(sqlite3_vtab *vt, sqlite3_index_info *ix)
{
	char *s = sqlite3_malloc(ix->nConstraint + 1);
	int n = 0, id_eq = 0, id_lo = 0, id_hi = 0, ts_lo = 0, ts_hi = 0;
	int pid = 0, ino = 0, findex = 0, trace = 0, kind = 0, trace_k = -1, desc = 0;
	double scan = EVTAB_EST_EVENTS, rows;

	if (!s)
		return SQLITE_NOMEM;
	for (int k = 0; k < ix->nConstraint; k++) {
		const struct sqlite3_index_constraint *ct = &ix->aConstraint[k];
		char l;

		if (!ct->usable || !(l = arg_letter(ct->iColumn, ct->op)))
			continue;
		/*
		 * IN: SQLite runs xFilter once per value, which gives up
		 * ORDER BY id and walks the same blocks again per value; a
		 * kind IN (...) is a filter, taken as a whole instead.
		 */
		if (l == 'k' && sqlite3_vtab_in(ix, k, -1) && sqlite3_vtab_in(ix, k, 1))
			l = 'K';
		s[n++] = l;
		ix->aConstraintUsage[k].argvIndex = n;
		ix->aConstraintUsage[k].omit = 1;
		switch (l) {
		case 'I': id_eq = 1; break;
		case 'G': case 'g': id_lo = 1; break;
		case 'L': case 'l': id_hi = 1; break;
		case 'T': ts_lo = ts_hi = 1; break;
		case 'U': case 'u': ts_lo = 1; break;
		case 'V': case 'v': ts_hi = 1; break;
		case 'p': pid = 1; break;
		case 'n': ino = 1; break;
		case 'f': findex = 1; break;
		case 'r':
			trace = 1;
			if (trace_k < 0)
				trace_k = k;
			break;
		case 'k': case 'K': kind = 1; break;
		}
	}
	s[n] = 0;
	/* cost: events the cursor walks over; rows: events it returns */
	if (id_eq)
		scan = 1;
	else if (id_lo && id_hi)
		scan *= 0.001;
	else if (id_lo || id_hi)
		scan *= 0.3;
	if (ino && findex)
		scan = scan < 2000 ? scan : 2000;
	else if (ino)
		scan = scan < 20000 ? scan : 20000;
	else if (pid)
		scan = scan < 50000 ? scan : 50000;
	if (ts_lo && ts_hi)
		scan *= 0.01;
	else if (ts_lo || ts_hi)
		scan *= 0.3;
	if (trace)
		scan *= 0.9;
	rows = scan;
	if (findex && !ino)
		rows *= 0.01;
	if (kind)
		rows *= 0.1;
	ix->estimatedCost = scan + 1;
	ix->estimatedRows = rows < 1 ? 1 : (sqlite3_int64)rows;
	if (id_eq)
		ix->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
	ix->idxNum = 0;
	if (ix->nOrderBy >= 1 && (ix->aOrderBy[0].iColumn == -1 ||
				  ix->aOrderBy[0].iColumn == COL_ID)) {
		/* id is unique: later ORDER BY terms cannot reorder anything */
		ix->orderByConsumed = 1;
		if (ix->aOrderBy[0].desc)
			ix->idxNum |= 1;
	} else if (ts_order_plan((struct evtab *)vt, ix, trace_k, &desc)) {
		ix->orderByConsumed = 1;
		ix->idxNum |= 2 | desc;
	}
	ix->idxStr = s;
	ix->needToFreeIdxStr = 1;
	return SQLITE_OK;
}

static int ev_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	struct evcur *c = sqlite3_malloc(sizeof(*c));

	(void)vt;
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*out = &c->base;
	return SQLITE_OK;
}

static int ev_close(sqlite3_vtab_cursor *cur)
{
	struct evcur *c = (struct evcur *)cur;
	struct evtab *t = (struct evtab *)cur->pVtab;

	for (int w = 0; w < S__COUNT; w++)
		stmt_release(t, w, c->st[w]);
	/* a healthy decoded block goes to the table for the next statement */
	if (c->b.valid && c->b.loaded && !c->b.bad && c->d.any) {
		evdec_swap(&c->d, &t->last);
		t->last_ok = 1;
	}
	evdec_free(&c->d);
	if (c->b.valid && c->b.unpacked && !c->b.bad) {
		evpl_swap(&c->u, &t->last_pl);
		t->last_pl_ok = 1;
	}
	evpl_free(&c->u);
	sqlite3_free(c->kset_buf);
	sqlite3_free(c);
	return SQLITE_OK;
}

/*
 * kind IN (list): narrows the allowed kinds to the list's (the
 * intersection when there are several lists); *none when none is left.
 */
static int kind_set(struct evcur *c, sqlite3_value *list, int *none)
{
	enum { WORDS = 65536 / 64 };
	uint64_t tmp[WORDS], any = 0;
	sqlite3_value *v;
	int rc;

	if (!c->kset_buf) {
		c->kset_buf = sqlite3_malloc(WORDS * sizeof(uint64_t));
		if (!c->kset_buf)
			return SQLITE_NOMEM;
	}
	memset(tmp, 0, sizeof(tmp));
	for (rc = sqlite3_vtab_in_first(list, &v); rc == SQLITE_OK && v;
	     rc = sqlite3_vtab_in_next(list, &v)) {
		int has = 0;
		int64_t x;

		if (equal(v, &has, &x) || x < 0 || x > UINT16_MAX)
			continue;
		tmp[x >> 6] |= 1ull << (x & 63);
	}
	if (rc != SQLITE_OK && rc != SQLITE_DONE)
		return rc;
	for (int k = 0; k < WORDS; k++) {
		c->kset_buf[k] = c->kset ? c->kset_buf[k] & tmp[k] : tmp[k];
		any |= c->kset_buf[k];
	}
	c->kset = c->kset_buf;
	*none = !any;
	return SQLITE_OK;
}

static int ev_filter(sqlite3_vtab_cursor *cur, int idx_num, const char *idx_str,
		     int argc, sqlite3_value **argv)
{
	struct evcur *c = (struct evcur *)cur;
	int none = 0, rc = SQLITE_OK, w;

	if (c->walk) {
		sqlite3_reset(c->walk);
		c->walk = NULL;
	}
	c->desc = idx_num & 1;
	c->tsord = (idx_num & 2) != 0;
	c->eof = 0;
	c->in_blk = c->fast = 0;
	c->lo = c->tlo = INT64_MIN;
	c->hi = c->thi = INT64_MAX;
	c->has_trace = c->has_kind = c->has_pid = c->has_ino = c->has_findex = 0;
	c->kset = NULL;
	c->kkind = 0;
	c->kleft = 0;
	for (int k = 0; k < argc && idx_str && idx_str[k] && !none; k++) {
		static const int opc[] = {
			SQLITE_INDEX_CONSTRAINT_EQ, SQLITE_INDEX_CONSTRAINT_GT,
			SQLITE_INDEX_CONSTRAINT_GE, SQLITE_INDEX_CONSTRAINT_LT,
			SQLITE_INDEX_CONSTRAINT_LE,
		};
		static const char id_ops[] = "IGgLl", ts_ops[] = "TUuVv";
		const char *p;
		char l = idx_str[k];

		switch (l) {
		case 'p': none = equal(argv[k], &c->has_pid, &c->pid); break;
		case 'n': none = equal(argv[k], &c->has_ino, &c->ino); break;
		case 'f': none = equal(argv[k], &c->has_findex, &c->findex); break;
		case 'r': none = equal(argv[k], &c->has_trace, &c->trace); break;
		case 'k': none = equal(argv[k], &c->has_kind, &c->kind); break;
		case 'K':
			rc = kind_set(c, argv[k], &none);
			if (rc != SQLITE_OK)
				return rc;
			break;
		default:
			if ((p = strchr(id_ops, l)))
				none = narrow(opc[p - id_ops], argv[k], &c->lo, &c->hi);
			else if ((p = strchr(ts_ops, l)))
				none = narrow(opc[p - ts_ops], argv[k], &c->tlo, &c->thi);
			else
				return set_err(c, SQLITE_INTERNAL, "events: bad plan '%s'", idx_str);
		}
	}
	/* pid and kind are 32- and 16-bit: other values match nothing */
	if (!none && c->has_pid && (c->pid < INT32_MIN || c->pid > INT32_MAX))
		none = 1;
	if (!none && c->has_kind && (c->kind < 0 || c->kind > UINT16_MAX))
		none = 1;
	if (none) {
		c->eof = 1;
		return SQLITE_OK;
	}
	if (c->tsord) {
		/* the plan's premise, checked once per cursor in this snapshot */
		int64_t key = c->has_trace ? c->trace : 0;

		if (!c->trust_known || c->trust_pinned != c->has_trace || c->trust_for != key) {
			rc = ts_ordered((struct evtab *)cur->pVtab, c->has_trace ? T_TRACE : T_ONLY,
					key, &c->trust_ok);
			if (rc != SQLITE_OK)
				return step_err(c, rc);
			c->trust_known = 1;
			c->trust_pinned = c->has_trace;
			c->trust_for = key;
		}
		if (!c->trust_ok)
			return set_err(c, SQLITE_SCHEMA, "events: the database changed since the "
				       "statement was prepared: ts order is not id order any more");
		c->prev_ts = c->desc ? INT64_MAX : INT64_MIN;
	}
	c->filt = c->has_pid || c->has_ino || c->has_findex || c->has_kind || c->kset;
	/* the cached block holds the whole id range: no statement at all */
	if (c->b.valid && c->lo >= c->b.first && c->hi <= c->b.first + (int64_t)c->b.n - 1) {
		if (!block_enter(c)) {
			c->eof = 1;
			return SQLITE_OK;
		}
		return seek(c, 0);
	}
	if (c->has_ino || c->has_pid) {
		w = c->desc ? S_KEYS_DESC : S_KEYS_ASC;
		rc = stmt(c, w, &c->walk);
		if (rc != SQLITE_OK)
			return rc;
		c->kkind = c->has_ino ? (c->has_findex ? 3 : 2) : 1;
		if (c->has_ino) {
			sqlite3_bind_int(c->walk, 3, c->has_findex ? 3 : 2);
			sqlite3_bind_int64(c->walk, 4, c->ino);
			sqlite3_bind_int64(c->walk, 5, c->has_findex ? c->findex : 0);
		} else {
			sqlite3_bind_int(c->walk, 3, 1);
			sqlite3_bind_int64(c->walk, 4, c->pid);
			sqlite3_bind_int64(c->walk, 5, 0);
		}
	} else {
		w = c->desc ? S_WALK_DESC : S_WALK_ASC;
		rc = stmt(c, w, &c->walk);
		if (rc != SQLITE_OK)
			return rc;
	}
	sqlite3_bind_int64(c->walk, 1, c->lo);
	sqlite3_bind_int64(c->walk, 2, c->hi);
	return seek(c, 0);
}

static int ev_next(sqlite3_vtab_cursor *cur)
{
	struct evcur *c = (struct evcur *)cur;

	/* count(*) and unfiltered scans: the next event of the block, no more */
	if (c->fast && c->i < c->z) {
		c->i++;
		return SQLITE_OK;
	}
	return seek(c, 1);
}

static int ev_eof(sqlite3_vtab_cursor *cur)
{
	return ((struct evcur *)cur)->eof;
}

static int ev_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	struct evcur *c = (struct evcur *)cur;
	const struct ft_event *ev;
	int rc;

	switch (col) {
	case COL_ID:
		sqlite3_result_int64(ctx, c->b.first + c->i);
		return SQLITE_OK;
	case COL_TRACE:
		sqlite3_result_int64(ctx, c->b.trace);
		return SQLITE_OK;
	case COL_PAYLOAD:
		rc = block_unpack(c);
		if (rc != SQLITE_OK)
			return rc;
		if (c->u.len[c->i])
			sqlite3_result_blob(ctx, c->u.pl + c->u.off[c->i], (int)c->u.len[c->i],
					    SQLITE_TRANSIENT);
		return SQLITE_OK;
	}
	/* decoded already (every column after a row's first): no call */
	if (!c->b.loaded || !dec_has(&c->d, c->i)) {
		rc = block_decode(c, c->i);
		if (rc != SQLITE_OK)
			return rc;
	}
	ev = &c->d.ev[c->i];
	switch (col) {
	case COL_TS:
		sqlite3_result_int64(ctx, (sqlite3_int64)ev->ts);
		break;
	case COL_CPU:
		sqlite3_result_int(ctx, ev->cpu);
		break;
	case COL_PID:
		sqlite3_result_int(ctx, ev->pid);
		break;
	case COL_TYPE:
		sqlite3_result_int64(ctx, c->d.type[c->i]);
		break;
	case COL_KIND:
		sqlite3_result_int(ctx, ev->kind);
		break;
	default:
		if (col >= COL_V0 && col < COL_V0 + FT_C__COUNT &&
		    ft_event_has(ev, col - COL_V0))
			sqlite3_result_int64(ctx, ev->v[col - COL_V0]);
		break;
	}
	return SQLITE_OK;
}

static int ev_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	struct evcur *c = (struct evcur *)cur;

	*rowid = c->b.first + c->i;
	return SQLITE_OK;
}

static const sqlite3_module evtab_module = {
	.iVersion = 1,
	.xCreate = ev_connect,
	.xConnect = ev_connect,
	.xBestIndex = ev_best_index,
	.xDisconnect = ev_disconnect,
	.xDestroy = ev_disconnect,
	.xOpen = ev_open,
	.xClose = ev_close,
	.xFilter = ev_filter,
	.xNext = ev_next,
	.xEof = ev_eof,
	.xColumn = ev_column,
	.xRowid = ev_rowid,
};

int evtab_register(sqlite3 *db)
{
	return sqlite3_create_module_v2(db, "foliotrace_events", &evtab_module, NULL,
					NULL) == SQLITE_OK ? 0 : -1;
}
