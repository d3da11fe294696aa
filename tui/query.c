/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * query.c - all SQL of the TUI (see query.h for the rules).
 *
 * Costs, on a 10-million-event database:
 *  - time -> id: ~24 point lookups by rowid (tq_id_at);
 *  - visible events: a rowid range with LIMIT; a pid or inode filter is
 *    handed to the events virtual table, which reads only the blocks that
 *    event_keys lists for that pid or inode (core/evtab.c);
 *  - windows: keyset pages per verdict in id order; a verdict group's
 *    first and last ids are remembered once seen, so a later page reads a
 *    rowid range instead of scanning for a rare verdict again;
 *  - searches and name/field filters read at most a time budget's worth of
 *    rows per call (progress handler, chunks of ids), then say so.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "../core/termsafe.h"
#include "query.h"
#include "../core/store.h"
#include "../core/vocab.h"

#define BUDGET_MS	120		/* per bounded query */
#define SEARCH_CHUNK	200000		/* ids per search step */
#define NCOMM		64
#define HB_IN_SPAN	65536		/* incoming HB edges: sources this close */

enum stmt_id {
	S_IDTS, S_TS, S_WIN_FROM, S_WIN_BEFORE, S_WIN_GET, S_WIN_NEAR, S_NEXT_INO,
	S_COMM, S_COUNT_INO, S_HB_OUT, S_HB_IN, S_REPLAYS, S_STEPS, S_EVRANGE, S_BLOCK_AT,
	S_ID_AT, S__N
};

static const char *const sql_text[S__N] = {
	[S_IDTS] = "SELECT id, ts FROM events WHERE id >= ?1 ORDER BY id LIMIT 1",
	[S_TS] = "SELECT ts FROM events WHERE id = ?1",
#define WIN_COLS "SELECT id, coalesce(dev, 0), coalesce(ino, -1), coalesce(start_event, 0), " \
	"coalesce(end_event, 0), coalesce(start_ns, 0), coalesce(end_ns, 0), " \
	"coalesce(first_index, -1), coalesce(last_index, -1), verdict, family, tasks, " \
	"coalesce(json_extract(evidence, '$.writer'), 0), " \
	"CASE WHEN verdict = 'protected' THEN 'lock ' || json_extract(evidence, '$.lock') " \
	"WHEN json_extract(evidence, '$.racing') != '' THEN json_extract(evidence, '$.racing') " \
	"WHEN verdict = 'unknown' THEN 'events lost in the window, or faults not recorded' " \
	"ELSE 'no lock held across the window excludes page faults' END FROM windows "
	[S_WIN_FROM] = WIN_COLS "WHERE verdict = ?1 AND id >= ?2 AND id <= ?3 ORDER BY id LIMIT ?4",
	[S_WIN_BEFORE] = WIN_COLS "WHERE verdict = ?1 AND id < ?2 AND id >= ?3 ORDER BY id DESC LIMIT 1",
	[S_WIN_GET] = WIN_COLS "WHERE id = ?1",
	[S_WIN_NEAR] = WIN_COLS "WHERE id BETWEEN ?1 - ?2 AND ?1 + ?2 AND end_event >= ?3 "
		"AND start_event <= ?4 ORDER BY id LIMIT ?5",
	[S_NEXT_INO] = "SELECT ino FROM events WHERE ino > ?1 ORDER BY ino LIMIT 1",
	[S_COMM] = "SELECT comm FROM tasks WHERE pid = ?1 AND comm IS NOT NULL LIMIT 1",
	[S_COUNT_INO] = "SELECT ts FROM events WHERE ino = ?1 ORDER BY ino, ts",
	[S_HB_OUT] = "SELECT dst, why FROM hb_edges WHERE src = ?1 LIMIT ?2",
	[S_HB_IN] = "SELECT src, why FROM hb_edges WHERE src BETWEEN ?1 AND ?2 AND dst = ?2 LIMIT ?3",
	[S_REPLAYS] = "SELECT id, model, outcome, coalesce(schedule, ''), coalesce(explored, -1), "
		"coalesce(bad, -1), coalesce(json_extract(detail, '$.where.task') || ' step ' || "
		"json_extract(detail, '$.where.step') || coalesce(' page ' || "
		"json_extract(detail, '$.where.page'), ''), ''), "
		"coalesce(json_array_length(detail, '$.steps'), 0) FROM replays WHERE window_id = ?1 "
		"ORDER BY id",
	[S_EVRANGE] = "SELECT id, ts, pid, cpu, type_id, kind, coalesce(ino, -1), "
		"coalesce(findex, -1), coalesce(forder, 0), coalesce(offset, -1), coalesce(length, -1) "
		"FROM events WHERE id BETWEEN ?1 AND ?2 ORDER BY id LIMIT ?3",
	[S_STEPS] = "SELECT json_extract(j.value, '$.task'), json_extract(j.value, '$.step'), "
		"coalesce(json_extract(j.value, '$.tracepoints'), ''), "
		"coalesce(json_extract(j.value, '$.page'), -1), "
		"coalesce((SELECT group_concat(h.value, ',') FROM json_each(j.value, '$.hits') h), '') "
		", json_type(j.value, '$.events') = 'array', "
		"coalesce((SELECT group_concat(e.value, ' ') FROM json_each(j.value, '$.events') e), ''), "
		"coalesce(json_extract(j.value, '$.events_cut'), 0) "
		"FROM replays r, json_each(r.detail, '$.steps') j WHERE r.id = ?1 ORDER BY j.key",
};

struct tq {
	struct store *s;
	sqlite3 *db;
	sqlite3_stmt *st[S__N];
	int64_t min_id, max_id;
	/* verdict groups: ids bounds once seen (-1 unknown), empty flag */
	int64_t gmin[TQ_SEV_N], gmax[TQ_SEV_N];
	unsigned sev_mask;	/* verdicts the windows list shows (TQ_SEV_ALL) */
	/* incremental inode count */
	int64_t count_ino;
	/* small caches */
	char **types;
	int64_t ntypes;
	char kinds[64][24];
	struct { int pid; char comm[24]; } comm[NCOMM];
	int ncomm_next;
	struct timespec deadline;
	int budget_on, budget_hit;
	/* the first failed read (a damaged file): the TUI ends with it */
	char failure[512];
};

/* The severities are core/vocab.h's verdicts, in their order. */
const char *tq_sev_name(int sev)
{
	return ft_verdict_name(sev);
}

int tq_sev_of(const char *verdict)
{
	int v = ft_verdict_find(verdict);

	return v >= 0 ? v : TQ_SEV_N - 1;
}

const char *tq_errmsg(struct tq *q)
{
	return sqlite3_errmsg(q->db);
}

const char *tq_failure(struct tq *q)
{
	return q->failure[0] ? q->failure : NULL;
}

static void failed(struct tq *q, const char *what)
{
	if (!q->failure[0])
		snprintf(q->failure, sizeof(q->failure), "%s: %s: %s", store_path(q->s), what,
			 sqlite3_errmsg(q->db));
}

/*
 * sqlite3_step, remembering a failure (tq_failure) instead of letting the
 * caller take it for the end of the rows.  Not failures: the work budget
 * running out (the progress handler's SQLITE_INTERRUPT), and a lock held
 * for a moment by the process recording into the file (BUSY, LOCKED: the
 * next frame reads again).
 */
static int step(struct tq *q, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	switch (rc & 0xff) {
	case SQLITE_ROW:
	case SQLITE_DONE:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		break;
	case SQLITE_INTERRUPT:
		if (q->budget_hit)
			break;
		/* fall through */
	default:
		failed(q, what);
	}
	return rc;
}

/*
 * Schema 3 keeps each inode's blocks and event counts in event_keys, where
 * the next inode and an inode's count are one B-tree step; older schemas
 * have rows and an index on ino.
 */
static const char *const sql_text_v3[S__N] = {
	[S_NEXT_INO] = "SELECT k1 FROM event_keys WHERE key_kind = 2 AND k1 > ?1 "
		"ORDER BY k1 LIMIT 1",
	[S_COUNT_INO] = "SELECT coalesce(sum(n), 0) FROM event_keys WHERE key_kind = 2 AND k1 = ?1",
	/* the first block at or after id ?1, before id ?2, that reaches time ?3 */
	[S_BLOCK_AT] = "SELECT first_id, n_events FROM event_blocks WHERE first_id >= "
		"coalesce((SELECT max(first_id) FROM event_blocks WHERE first_id <= ?1), 0) "
		"AND first_id < ?2 AND max_ts >= ?3 ORDER BY first_id LIMIT 1",
	/* in that block: its first event at time ?3 or later (one walk of it) */
	[S_ID_AT] = "SELECT id FROM events WHERE id >= ?1 AND id < ?2 AND ts >= ?3 "
		"ORDER BY id LIMIT 1",
};

static const char *sql_of(const struct tq *q, enum stmt_id i)
{
	return store_schema_version(q->s) >= 3 && sql_text_v3[i] ? sql_text_v3[i] : sql_text[i];
}

static sqlite3_stmt *stmt(struct tq *q, enum stmt_id i)
{
	if (!q->st[i] && sqlite3_prepare_v2(q->db, sql_of(q, i), -1, &q->st[i], NULL) != SQLITE_OK) {
		failed(q, "preparing a query");
		return NULL;
	}
	sqlite3_reset(q->st[i]);
	sqlite3_clear_bindings(q->st[i]);
	return q->st[i];
}

/* --- work budget --------------------------------------------------------- */

static int progress(void *arg)
{
	struct tq *q = arg;
	struct timespec now;

	if (!q->budget_on)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > q->deadline.tv_sec ||
	    (now.tv_sec == q->deadline.tv_sec && now.tv_nsec > q->deadline.tv_nsec)) {
		q->budget_hit = 1;
		return 1;
	}
	return 0;
}

static void budget_start(struct tq *q, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, &q->deadline);
	q->deadline.tv_nsec += (long)ms * 1000000L;
	q->deadline.tv_sec += q->deadline.tv_nsec / 1000000000L;
	q->deadline.tv_nsec %= 1000000000L;
	q->budget_on = 1;
	q->budget_hit = 0;
}

static int budget_stop(struct tq *q)
{
	q->budget_on = 0;
	return q->budget_hit;
}

/* --- open / close ---------------------------------------------------------- */

int tq_open(struct tq **out, const char *path, struct ft_err *e)
{
	struct tq *q = calloc(1, sizeof(*q));
	sqlite3_stmt *st = NULL;

	if (!q)
		return ft_error(e, -ENOMEM, "out of memory");
	if (store_open(&q->s, path, STORE_READONLY, e) < 0) {
		free(q);
		return -EIO;
	}
	q->db = store_db(q->s);
	for (int i = 0; i < TQ_SEV_N; i++)
		q->gmin[i] = q->gmax[i] = -1;
	q->sev_mask = TQ_SEV_ALL;
	q->count_ino = -1;
	sqlite3_progress_handler(q->db, 2000, progress, q);
	/* scans of the windows table read pages in place rather than copying
	 * them through read(): about 3x cheaper for a rare verdict's first page */
	sqlite3_exec(q->db, "PRAGMA mmap_size = 1073741824", NULL, NULL, NULL);
	/* event type names: a small table (one row per type per trace) */
	if (sqlite3_prepare_v2(q->db, "SELECT id, name FROM event_types ORDER BY id LIMIT 65536",
			       -1, &st, NULL) == SQLITE_OK) {
		while (step(q, st, "reading event types") == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(st, 0);
			char **n;

			if (id < 0 || id >= 65536)
				continue;
			if (id >= q->ntypes) {
				n = realloc(q->types, (size_t)(id + 1) * sizeof(*n));
				if (!n)
					break;
				memset(n + q->ntypes, 0, (size_t)(id + 1 - q->ntypes) * sizeof(*n));
				q->types = n;
				q->ntypes = id + 1;
			}
			free(q->types[id]);
			/* every text from the file is made safe for the terminal here */
			q->types[id] = ft_term_dupn((const char *)sqlite3_column_text(st, 1),
						    (size_t)sqlite3_column_bytes(st, 1));
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(q->db, "SELECT id, name FROM kinds WHERE id BETWEEN 0 AND 63",
			       -1, &st, NULL) == SQLITE_OK)
		while (step(q, st, "reading kinds") == SQLITE_ROW)
			ft_term_safe(q->kinds[sqlite3_column_int(st, 0)], sizeof(q->kinds[0]),
				     (const char *)sqlite3_column_text(st, 1), 0);
	sqlite3_finalize(st);
	if (q->failure[0]) {
		ft_error(e, -EIO, "%s", q->failure);
		tq_close(q);
		return -EIO;
	}
	*out = q;
	return 0;
}

void tq_close(struct tq *q)
{
	if (!q)
		return;
	for (int i = 0; i < S__N; i++)
		sqlite3_finalize(q->st[i]);
	for (int64_t i = 0; i < q->ntypes; i++)
		free(q->types[i]);
	free(q->types);
	store_close(q->s);
	free(q);
}

void tq_snapshot(struct tq *q, int on)
{
	if (on && sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL);
	else if (!on && !sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
}

void tq_close_reads(struct tq *q)
{
	for (int i = 0; i < S__N; i++)
		if (q->st[i])
			sqlite3_reset(q->st[i]);
	q->count_ino = -1;
	tq_snapshot(q, 0);
}

/* --- trace, inodes ------------------------------------------------------------ */

/* A text column, made safe for the terminal (hostile files: core/termsafe.h). */
static void col_str(sqlite3_stmt *st, int c, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, c);

	ft_term_safen(buf, len, (const char *)t, t ? (size_t)sqlite3_column_bytes(st, c) : 0, 0,
		      NULL);
}

int tq_trace(struct tq *q, struct tq_trace *t)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = sqlite3_prepare_v2(q->db,
		"SELECT source, kernel_release, host, clock, first_ts, last_ts, n_events, "
		"lost_events, lost_unknown, cpus, complete, (SELECT count(*) FROM traces), "
		"(SELECT id FROM events ORDER BY id LIMIT 1), "
		"(SELECT id FROM events ORDER BY id DESC LIMIT 1) "
		"FROM traces ORDER BY id LIMIT 1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return -EIO;
	if (step(q, st, "reading the trace") == SQLITE_ROW) {
		col_str(st, 0, t->source, sizeof(t->source));
		col_str(st, 1, t->kernel, sizeof(t->kernel));
		col_str(st, 2, t->host, sizeof(t->host));
		col_str(st, 3, t->clock, sizeof(t->clock));
		t->first_ts = sqlite3_column_int64(st, 4);
		t->last_ts = sqlite3_column_int64(st, 5);
		t->n_events = sqlite3_column_int64(st, 6);
		t->lost = sqlite3_column_int64(st, 7);
		t->lost_unknown = sqlite3_column_int64(st, 8);
		t->cpus = sqlite3_column_int64(st, 9);
		t->complete = sqlite3_column_int(st, 10);
		t->n_traces = sqlite3_column_int64(st, 11);
		t->min_id = sqlite3_column_int64(st, 12);
		t->max_id = sqlite3_column_int64(st, 13);
	}
	sqlite3_finalize(st);
	q->min_id = t->min_id;
	q->max_id = t->max_id;
	/* while recording, the traces row is filled only at the end */
	if (t->max_id > 0) {
		if (!t->first_ts)
			t->first_ts = tq_ts_of(q, t->min_id);
		if (!t->complete || !t->last_ts)
			t->last_ts = tq_ts_of(q, t->max_id);
		if (!t->n_events)
			t->n_events = t->max_id - t->min_id + 1;
	}
	return 0;
}

int tq_next_ino(struct tq *q, int64_t after, int64_t *ino)
{
	sqlite3_stmt *st = stmt(q, S_NEXT_INO);
	int found = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, after);
	if (step(q, st, "reading inodes") == SQLITE_ROW) {
		*ino = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_reset(st);
	return found;
}

int tq_count_ino_step(struct tq *q, int64_t ino, int64_t budget, int64_t *count)
{
	sqlite3_stmt *st;

	if (store_schema_version(q->s) >= 3) {	/* one row: the count */
		int rc;

		if (!(st = stmt(q, S_COUNT_INO)))
			return -EIO;
		sqlite3_bind_int64(st, 1, ino);
		rc = step(q, st, "counting an inode's events");
		if (rc == SQLITE_ROW)
			*count += sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		q->count_ino = -1;
		return rc == SQLITE_ROW ? 1 : -EIO;
	}
	/* the statement stays open between calls while it counts one inode */
	if (q->count_ino != ino) {
		if (!(st = stmt(q, S_COUNT_INO)))
			return -EIO;
		sqlite3_bind_int64(st, 1, ino);
		q->count_ino = ino;
	} else {
		st = q->st[S_COUNT_INO];
	}
	while (budget-- > 0) {
		int rc = step(q, st, "counting an inode's events");

		if (rc != SQLITE_ROW) {
			sqlite3_reset(st);
			q->count_ino = -1;
			return rc == SQLITE_DONE ? 1 : -EIO;
		}
		(*count)++;
	}
	return 0;
}

/* --- windows ------------------------------------------------------------- */

static void parse_tasks(const char *s, struct tq_window *w)
{
	w->ntasks = 0;
	while (s && *s && w->ntasks < (int)(sizeof(w->tasks) / sizeof(w->tasks[0]))) {
		char *end;
		long v;

		while (*s && (*s < '0' || *s > '9'))
			s++;
		if (!*s)
			break;
		v = strtol(s, &end, 10);
		w->tasks[w->ntasks++] = (int)v;
		s = end;
	}
}

static void win_row(sqlite3_stmt *st, struct tq_window *w)
{
	char verdict[16];

	memset(w, 0, sizeof(*w));
	w->id = sqlite3_column_int64(st, 0);
	w->dev = sqlite3_column_int64(st, 1);
	w->ino = sqlite3_column_int64(st, 2);
	w->start_event = sqlite3_column_int64(st, 3);
	w->end_event = sqlite3_column_int64(st, 4);
	w->start_ns = sqlite3_column_int64(st, 5);
	w->end_ns = sqlite3_column_int64(st, 6);
	w->first = sqlite3_column_int64(st, 7);
	w->last = sqlite3_column_int64(st, 8);
	col_str(st, 9, verdict, sizeof(verdict));
	w->sev = tq_sev_of(verdict);
	col_str(st, 10, w->family, sizeof(w->family));
	parse_tasks((const char *)sqlite3_column_text(st, 11), w);
	w->writer = sqlite3_column_int(st, 12);
	col_str(st, 13, w->evidence, sizeof(w->evidence));
}

/* Windows of one verdict group from id on, remembering the group's bounds. */
static int group_from(struct tq *q, int sev, int64_t id, struct tq_window *out, int max)
{
	sqlite3_stmt *st = stmt(q, S_WIN_FROM);
	int n = 0, rc;

	if (!st)
		return -EIO;
	if (q->gmin[sev] == 0 && q->gmax[sev] == 0)	/* known empty */
		return 0;
	if (q->gmin[sev] > id)
		id = q->gmin[sev];
	if (q->gmax[sev] >= 0 && id > q->gmax[sev])
		return 0;
	sqlite3_bind_text(st, 1, ft_verdict_name(sev), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, q->gmax[sev] >= 0 ? q->gmax[sev] : INT64_MAX);
	sqlite3_bind_int(st, 4, max);
	while (n < max && (rc = step(q, st, "reading windows")) == SQLITE_ROW)
		win_row(st, &out[n++]);
	sqlite3_reset(st);
	if (id <= 0 || (q->gmin[sev] >= 0 && id <= q->gmin[sev])) {
		if (n == 0 && q->gmax[sev] < 0)
			q->gmin[sev] = q->gmax[sev] = 0;
		else if (n > 0)
			q->gmin[sev] = out[0].id;
	}
	if (n < max && n > 0 && q->gmax[sev] < 0)
		q->gmax[sev] = out[n - 1].id;
	return n;
}

int tq_windows_from(struct tq *q, int sev, int64_t id, struct tq_window *out, int max)
{
	int n = 0;

	for (; sev < TQ_SEV_N && n < max; sev++, id = 0) {
		int k = q->sev_mask & (1u << sev) ? group_from(q, sev, id, out + n, max - n) : 0;

		if (k < 0)
			return k;
		n += k;
	}
	return n;
}

int tq_window_before(struct tq *q, int sev, int64_t id, struct tq_window *out)
{
	for (; sev >= 0; sev--, id = INT64_MAX) {
		sqlite3_stmt *st = stmt(q, S_WIN_BEFORE);
		int found = 0;

		if (!st)
			return -EIO;
		if ((q->gmin[sev] == 0 && q->gmax[sev] == 0) || !(q->sev_mask & (1u << sev)))
			continue;
		if (q->gmax[sev] >= 0 && id > q->gmax[sev] + 1)
			id = q->gmax[sev] + 1;
		sqlite3_bind_text(st, 1, ft_verdict_name(sev), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_bind_int64(st, 3, q->gmin[sev] > 0 ? q->gmin[sev] : 0);
		if (step(q, st, "reading windows") == SQLITE_ROW) {
			win_row(st, out);
			found = 1;
		}
		sqlite3_reset(st);
		if (found)
			return 1;
	}
	return 0;
}

void tq_set_verdicts(struct tq *q, unsigned mask)
{
	q->sev_mask = mask & TQ_SEV_ALL ? mask & TQ_SEV_ALL : TQ_SEV_ALL;
}

unsigned tq_verdicts(const struct tq *q)
{
	return q->sev_mask;
}

int tq_parse_verdicts(const char *text, unsigned *mask, char *err, int errlen)
{
	unsigned m = 0;

	while (*text) {
		size_t l;
		int sev = -1;

		text += strspn(text, " ,");
		l = strcspn(text, " ,");
		if (!l)
			break;
		for (int i = 0; i < TQ_SEV_N; i++)
			if (strlen(ft_verdict_name(i)) == l && !strncmp(text, ft_verdict_name(i), l))
				sev = i;
		if (sev < 0) {
			char all[96];

			tq_verdicts_str(TQ_SEV_ALL & ~1u, all, sizeof(all));	/* every name, not "all" */
			snprintf(err, (size_t)errlen, "no verdict '%.*s': %s,%s (comma-separated; empty: all)",
				 (int)(l > 24 ? 24 : l), text, tq_sev_name(0), all);
			return -EINVAL;
		}
		m |= 1u << sev;
		text += l;
	}
	*mask = m ? m : TQ_SEV_ALL;
	return 0;
}

void tq_verdicts_str(unsigned mask, char *buf, int len)
{
	buf[0] = 0;
	if ((mask & TQ_SEV_ALL) == TQ_SEV_ALL) {
		snprintf(buf, (size_t)len, "all");
		return;
	}
	for (int i = 0; i < TQ_SEV_N; i++)
		if (mask & (1u << i))
			snprintf(buf + strlen(buf), (size_t)len - strlen(buf), "%s%s", buf[0] ? "," : "",
				 ft_verdict_name(i));
}

int tq_window_counts(struct tq *q, int64_t counts[TQ_SEV_N])
{
	sqlite3_stmt *st = NULL;
	int rc;

	for (int i = 0; i < TQ_SEV_N; i++)
		counts[i] = 0;
	if (sqlite3_prepare_v2(q->db, "SELECT verdict, count(*) FROM windows GROUP BY verdict", -1, &st,
			       NULL) != SQLITE_OK) {
		failed(q, "counting windows");
		return -EIO;
	}
	while ((rc = step(q, st, "counting windows")) == SQLITE_ROW)
		counts[tq_sev_of((const char *)sqlite3_column_text(st, 0))] += sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -EIO;
	/* a verdict without windows is known empty: no scan looks for it again */
	for (int i = 0; i < TQ_SEV_N; i++)
		if (!counts[i])
			q->gmin[i] = q->gmax[i] = 0;
	return 0;
}

int64_t tq_window_rank(struct tq *q, int sev, int64_t id, const int64_t counts[TQ_SEV_N])
{
	sqlite3_stmt *st = NULL;
	int64_t rank = 0;

	for (int i = 0; i < sev && i < TQ_SEV_N; i++)
		if (q->sev_mask & (1u << i))
			rank += counts[i];
	if (sqlite3_prepare_v2(q->db, "SELECT count(*) FROM windows WHERE verdict = ?1 AND id <= ?2 "
			       "AND id >= ?3", -1, &st, NULL) != SQLITE_OK) {
		failed(q, "counting windows");
		return -EIO;
	}
	sqlite3_bind_text(st, 1, tq_sev_name(sev), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, sev >= 0 && sev < TQ_SEV_N && q->gmin[sev] > 0 ? q->gmin[sev] : 0);
	if (step(q, st, "counting windows") == SQLITE_ROW)
		rank += sqlite3_column_int64(st, 0);
	else
		rank = -EIO;
	sqlite3_finalize(st);
	return rank;
}

int tq_window_get(struct tq *q, int64_t id, struct tq_window *out)
{
	sqlite3_stmt *st = stmt(q, S_WIN_GET);
	int found = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	if (step(q, st, "reading the window") == SQLITE_ROW) {
		win_row(st, out);
		found = 1;
	}
	sqlite3_reset(st);
	return found;
}

int tq_windows_near(struct tq *q, int64_t around, int64_t span, int64_t lo, int64_t hi,
		    struct tq_window *out, int max)
{
	sqlite3_stmt *st = stmt(q, S_WIN_NEAR);
	int n = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, around);
	sqlite3_bind_int64(st, 2, span);
	sqlite3_bind_int64(st, 3, lo);
	sqlite3_bind_int64(st, 4, hi);
	sqlite3_bind_int(st, 5, max);
	while (n < max && step(q, st, "reading windows") == SQLITE_ROW)
		win_row(st, &out[n++]);
	sqlite3_reset(st);
	return n;
}

/* --- time and ids ---------------------------------------------------------- */

/* The first event with id >= id: its id and ts; 0 if none. */
static int first_from(struct tq *q, int64_t id, int64_t *fid, int64_t *ts)
{
	sqlite3_stmt *st = stmt(q, S_IDTS);
	int found = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	if (step(q, st, "reading events") == SQLITE_ROW) {
		*fid = sqlite3_column_int64(st, 0);
		*ts = sqlite3_column_int64(st, 1);
		found = 1;
	}
	sqlite3_reset(st);
	return found;
}

int64_t tq_ts_of(struct tq *q, int64_t id)
{
	sqlite3_stmt *st = stmt(q, S_TS);
	int64_t ts = -1;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (step(q, st, "reading events") == SQLITE_ROW)
		ts = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return ts;
}

/*
 * Search over ids: f(m) = ts of the first event with id >= m is
 * non-decreasing in m because ids follow ts; find the smallest m in
 * [lo, hi] with f(m) >= ts (hi: none).  Steps alternate between
 * interpolation (ids are close to uniform in time over short spans: a
 * few probes) and bisection (so that bursts cost at most 2 log2(n)
 * probes); each probe is one rowid lookup.
 */
/*
 * Schema 3: the block where time ts is reached, from the blocks' time
 * bounds alone (no event decoded); returns 1 when found.  Ids follow ts, so
 * the events before that block are all earlier than ts, and the answer is
 * the block's first event at ts or later: one statement (S_ID_AT), whose
 * walk decodes the block up to that event, as far as probes by id would
 * (a block decodes from its start), without a statement per probe.
 */
static int narrow_to_block(struct tq *q, int64_t ts, int64_t *lo, int64_t *hi)
{
	sqlite3_stmt *st;
	int found = 0;

	if (store_schema_version(q->s) < 3 || !(st = stmt(q, S_BLOCK_AT)))
		return 0;
	sqlite3_bind_int64(st, 1, *lo);
	sqlite3_bind_int64(st, 2, *hi);
	sqlite3_bind_int64(st, 3, ts);
	if (step(q, st, "reading event blocks") == SQLITE_ROW) {
		int64_t first = sqlite3_column_int64(st, 0), end = first + sqlite3_column_int64(st, 1);

		if (first > *lo)
			*lo = first;
		if (end < *hi && end > *lo)
			*hi = end;
		found = 1;
	}
	sqlite3_reset(st);
	return found;
}

/* The first event in ids [lo, hi) at time ts or later: 1 and *id, or 0. */
static int first_at(struct tq *q, int64_t ts, int64_t lo, int64_t hi, int64_t *id)
{
	sqlite3_stmt *st = stmt(q, S_ID_AT);
	int found = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	sqlite3_bind_int64(st, 3, ts);
	if (step(q, st, "reading events") == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_reset(st);
	return found;
}

int64_t tq_id_at_range(struct tq *q, int64_t ts, int64_t lo, int64_t hi)
{
	int64_t fid, fts, tsl, tsh = INT64_MAX;
	int step = 0;

	if (lo < q->min_id)
		lo = q->min_id;
	if (hi > q->max_id + 1 || hi < lo)
		hi = q->max_id + 1;
	if (narrow_to_block(q, ts, &lo, &hi) && first_at(q, ts, lo, hi, &fid))
		return fid;
	if (!first_from(q, lo, &fid, &fts))
		return q->max_id + 1;
	if (fts >= ts)
		return fid;
	tsl = fts;				/* f(lo) < ts from here on */
	if (hi <= q->max_id && first_from(q, hi, &fid, &fts))
		tsh = fts;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;

		if ((step++ & 1) == 0 && tsh != INT64_MAX && tsh > tsl) {
			mid = lo + (int64_t)((double)(ts - tsl) / (double)(tsh - tsl) * (double)(hi - lo));
			if (mid < lo)
				mid = lo;
			if (mid >= hi)
				mid = hi - 1;
		}
		if (first_from(q, mid, &fid, &fts) && fts < ts) {
			lo = fid + 1;
			tsl = fts;
		} else {
			hi = mid;
			if (fid >= mid && fts >= ts)
				tsh = fts;
		}
	}
	if (lo > q->max_id)
		return q->max_id + 1;
	return first_from(q, lo, &fid, &fts) ? fid : q->max_id + 1;
}

int64_t tq_id_at(struct tq *q, int64_t ts)
{
	return tq_id_at_range(q, ts, q->min_id, q->max_id + 1);
}

/* --- filters ------------------------------------------------------------------ */

/* Normalized columns a filter or search may name (safe to paste into SQL). */
static const char *const num_cols[] = {
	"cpu", "dev", "ino", "offset", "length", "findex", "forder", "lock_class", "lock_mode",
	"flags", "caller_off", "ext_off", "ext_len", "ext_block", "addr", "peer_pid", "id",
	NULL
};

static int is_num_col(const char *n)
{
	for (int i = 0; num_cols[i]; i++)
		if (!strcmp(num_cols[i], n))
			return 1;
	return 0;
}

int tq_filter_parse(const char *text, struct tq_filter *f, char *err, int errlen)
{
	const char *eq;
	char *end;

	memset(f, 0, sizeof(*f));
	while (*text == ' ')
		text++;
	if (!*text)
		return 0;
	eq = strchr(text, '=');
	if (!eq) {
		f->kind = TQ_F_EVENT;
		snprintf(f->name, sizeof(f->name), "%s", text);
		return 0;
	}
	if ((size_t)(eq - text) >= sizeof(f->name) || !eq[1]) {
		snprintf(err, (size_t)errlen, "want NAME, pid=N, ino=N, event=NAME or FIELD=VALUE");
		return -EINVAL;
	}
	snprintf(f->name, sizeof(f->name), "%.*s", (int)(eq - text), text);
	snprintf(f->value, sizeof(f->value), "%s", eq + 1);
	if (!strcmp(f->name, "event") || !strcmp(f->name, "kind")) {
		f->kind = TQ_F_EVENT;
		snprintf(f->name, sizeof(f->name), "%s", eq + 1);
		f->value[0] = 0;
		return 0;
	}
	if (!strcmp(f->name, "pid") || !strcmp(f->name, "ino")) {
		f->num = strtoll(eq + 1, &end, 0);
		if (*end) {
			snprintf(err, (size_t)errlen, "%s wants a number", f->name);
			return -EINVAL;
		}
		f->kind = f->name[0] == 'p' ? TQ_F_PID : TQ_F_INO;
		return 0;
	}
	f->kind = TQ_F_FIELD;
	return 0;
}

/* 1 if the one-row query sql (?1 bound to text or num) finds a row. */
static int exists(struct tq *q, const char *sql, const char *text, int64_t num)
{
	sqlite3_stmt *st = NULL;
	int found;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		failed(q, "checking a filter");
		return -EIO;
	}
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, num);
	found = step(q, st, "checking a filter") == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int tq_filter_check(struct tq *q, const struct tq_filter *f, char *err, int errlen)
{
	char *end;
	int r = 1;

	switch (f->kind) {
	case TQ_F_NONE:
		return 0;
	case TQ_F_PID:
	case TQ_F_INO:
		r = exists(q, f->kind == TQ_F_PID ? "SELECT 1 FROM events WHERE pid = ?1 LIMIT 1" :
			   "SELECT 1 FROM events WHERE ino = ?1 LIMIT 1", NULL, f->num);
		if (!r)
			snprintf(err, (size_t)errlen, "no event has %s %lld in this database",
				 f->kind == TQ_F_PID ? "pid" : "ino", (long long)f->num);
		break;
	case TQ_F_EVENT:
		r = exists(q, "SELECT 1 FROM event_types WHERE name = ?1 OR system || ':' || name = ?1 "
			   "UNION ALL SELECT 1 FROM kinds WHERE name = ?1 LIMIT 1", f->name, 0);
		if (!r)
			snprintf(err, (size_t)errlen, "no event type or kind '%.40s' in this database "
				 "(names as xfs_ilock, xfs:xfs_ilock or a kind as dirty)", f->name);
		break;
	case TQ_F_FIELD:
		if (is_num_col(f->name)) {
			errno = 0;
			(void)strtoll(f->value, &end, 0);
			if (*end || errno) {
				snprintf(err, (size_t)errlen, "%s wants a number, not '%.30s'", f->name,
					 f->value);
				return -EINVAL;
			}
			return 0;
		}
		if (!strcmp(f->name, "comm")) {
			r = exists(q, "SELECT 1 FROM tasks WHERE comm = ?1 LIMIT 1", f->value, 0);
			if (!r)
				snprintf(err, (size_t)errlen, "no task named '%.40s'", f->value);
		} else if (!strcmp(f->name, "caller")) {
			r = exists(q, "SELECT 1 FROM symbols WHERE name = ?1 LIMIT 1", f->value, 0);
			if (!r)
				snprintf(err, (size_t)errlen, "no caller '%.40s' in this database", f->value);
		} else {
			r = exists(q, "SELECT 1 FROM event_fields WHERE name = ?1 LIMIT 1", f->name, 0);
			if (!r)
				snprintf(err, (size_t)errlen, "no column or field '%.30s': pid, ino, event, "
					 "comm, caller, findex, offset, length, cpu, ... or a raw field of "
					 "an event", f->name);
		}
		break;
	}
	if (r < 0) {
		snprintf(err, (size_t)errlen, "cannot check the filter: %s", tq_errmsg(q));
		return -EIO;
	}
	return r ? 0 : -EINVAL;
}

void tq_filter_str(const struct tq_filter *f, char *buf, int len)
{
	switch (f->kind) {
	case TQ_F_NONE: snprintf(buf, (size_t)len, "none"); break;
	case TQ_F_PID: snprintf(buf, (size_t)len, "pid=%lld", (long long)f->num); break;
	case TQ_F_INO: snprintf(buf, (size_t)len, "ino=%lld", (long long)f->num); break;
	case TQ_F_EVENT: snprintf(buf, (size_t)len, "event=%s", f->name); break;
	case TQ_F_FIELD: snprintf(buf, (size_t)len, "%s=%s", f->name, f->value); break;
	}
}

/*
 * The SQL condition of a name or field filter: ?4 is the value (or the
 * event name), ?5 the field name.
 */
static void cond_sql(const struct tq_filter *f, char *buf, size_t len)
{
	if (f->kind == TQ_F_EVENT)
		snprintf(buf, len, "(type_id IN (SELECT id FROM event_types WHERE name = ?4 "
			 "OR system || ':' || name = ?4) OR kind IN (SELECT id FROM kinds WHERE name = ?4))");
	else if (f->kind == TQ_F_FIELD && is_num_col(f->name))
		snprintf(buf, len, "%s = CAST(?4 AS INTEGER)", f->name);
	else if (f->kind == TQ_F_FIELD && !strcmp(f->name, "comm"))
		snprintf(buf, len, "pid IN (SELECT pid FROM tasks WHERE comm = ?4)");
	else if (f->kind == TQ_F_FIELD && !strcmp(f->name, "caller"))
		snprintf(buf, len, "caller_id IN (SELECT id FROM symbols WHERE name = ?4)");
	else if (f->kind == TQ_F_FIELD)
		snprintf(buf, len, "CAST(ft_field(type_id, payload, ?5) AS TEXT) = ?4");
	else
		snprintf(buf, len, "1");
}

static void bind_filter(sqlite3_stmt *st, const struct tq_filter *f)
{
	if (f->kind == TQ_F_EVENT)
		sqlite3_bind_text(st, 4, f->name, -1, SQLITE_TRANSIENT);
	else if (f->kind == TQ_F_FIELD) {
		sqlite3_bind_text(st, 4, f->value, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, f->name, -1, SQLITE_TRANSIENT);
	} else if (f->kind == TQ_F_PID || f->kind == TQ_F_INO)
		sqlite3_bind_int64(st, 4, f->num);
}

#define EV_COLS "SELECT id, ts, pid, cpu, type_id, kind, coalesce(ino, -1), " \
	"coalesce(findex, -1), coalesce(forder, 0), coalesce(offset, -1), coalesce(length, -1) " \
	"FROM events "

static void ev_row(sqlite3_stmt *st, struct tq_event *ev)
{
	ev->id = sqlite3_column_int64(st, 0);
	ev->ts = sqlite3_column_int64(st, 1);
	ev->pid = sqlite3_column_int(st, 2);
	ev->cpu = sqlite3_column_int(st, 3);
	ev->type_id = sqlite3_column_int64(st, 4);
	ev->kind = sqlite3_column_int(st, 5);
	ev->ino = sqlite3_column_int64(st, 6);
	ev->findex = sqlite3_column_int64(st, 7);
	ev->forder = sqlite3_column_int(st, 8);
	ev->offset = sqlite3_column_int64(st, 9);
	ev->length = sqlite3_column_int64(st, 10);
}

int tq_events(struct tq *q, int64_t lo, int64_t hi, const struct tq_filter *f,
	      struct tq_event *out, int max, int *partial)
{
	char sql[768], cond[256];
	sqlite3_stmt *st = NULL;
	int n = 0, rc;

	*partial = 0;
	if (hi < lo || max <= 0)
		return 0;
	if (!f || f->kind == TQ_F_NONE) {
		/* a rowid range: no budget needed, the statement is kept */
		if (!(st = stmt(q, S_EVRANGE)))
			return -EIO;
		sqlite3_bind_int64(st, 1, lo);
		sqlite3_bind_int64(st, 2, hi);
		sqlite3_bind_int(st, 3, max);
		while (n < max && step(q, st, "reading events") == SQLITE_ROW)
			ev_row(st, &out[n++]);
		sqlite3_reset(st);
		return n;
	}
	if (f->kind == TQ_F_PID || f->kind == TQ_F_INO)
		/* index (pid, ts) or (ino, ts): ts range of the id range */
		snprintf(sql, sizeof(sql), EV_COLS "WHERE %s = ?4 AND ts BETWEEN "
			 "(SELECT ts FROM events WHERE id >= ?1 ORDER BY id LIMIT 1) AND "
			 "(SELECT ts FROM events WHERE id <= ?2 ORDER BY id DESC LIMIT 1) "
			 "AND id BETWEEN ?1 AND ?2 ORDER BY ts, id LIMIT ?3",
			 f->kind == TQ_F_PID ? "pid" : "ino");
	else {
		cond_sql(f, cond, sizeof(cond));
		snprintf(sql, sizeof(sql), EV_COLS "WHERE id BETWEEN ?1 AND ?2 AND %s "
			 "ORDER BY id LIMIT ?3", cond);
	}
	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	sqlite3_bind_int(st, 3, max);
	if (f)
		bind_filter(st, f);
	budget_start(q, BUDGET_MS);
	while (n < max && (rc = step(q, st, "reading events")) == SQLITE_ROW)
		ev_row(st, &out[n++]);
	*partial = budget_stop(q);
	sqlite3_finalize(st);
	return n;
}

int tq_search(struct tq *q, int64_t from, int dir, const struct tq_filter *f, int64_t *found)
{
	char sql[768], cond[256];
	sqlite3_stmt *st = NULL;
	int64_t lo, hi, pos = from;
	int ret = 0;
	struct timespec t0, t1;

	if (!f || f->kind == TQ_F_NONE) {
		*found = from + (dir > 0 ? 1 : -1);
		return *found >= q->min_id && *found <= q->max_id;
	}
	if (f->kind == TQ_F_PID || f->kind == TQ_F_INO) {
		const char *col = f->kind == TQ_F_PID ? "pid" : "ino";

		if (dir > 0)
			snprintf(sql, sizeof(sql), "SELECT id FROM events WHERE %s = ?4 AND ts >= "
				 "coalesce((SELECT ts FROM events WHERE id = ?1), 0) AND id > ?1 "
				 "ORDER BY ts, id LIMIT 1", col);
		else
			snprintf(sql, sizeof(sql), "SELECT id FROM events WHERE %s = ?4 AND ts <= "
				 "coalesce((SELECT ts FROM events WHERE id = ?1), 9223372036854775807) "
				 "AND id < ?1 ORDER BY ts DESC, id DESC LIMIT 1", col);
		if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
			return -EIO;
		sqlite3_bind_int64(st, 1, from);
		bind_filter(st, f);
		if (step(q, st, "searching events") == SQLITE_ROW) {
			*found = sqlite3_column_int64(st, 0);
			ret = 1;
		}
		sqlite3_finalize(st);
		return ret;
	}
	/* Name or field: chunks of ids, at most BUDGET_MS * 2 in all. */
	cond_sql(f, cond, sizeof(cond));
	snprintf(sql, sizeof(sql), "SELECT id FROM events WHERE id BETWEEN ?1 AND ?2 AND %s "
		 "ORDER BY id %s LIMIT 1", cond, dir > 0 ? "ASC" : "DESC");
	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (dir > 0) {
			lo = pos + 1;
			hi = lo + SEARCH_CHUNK - 1;
			if (lo > q->max_id)
				break;
		} else {
			hi = pos - 1;
			lo = hi - SEARCH_CHUNK + 1;
			if (hi < q->min_id)
				break;
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, lo);
		sqlite3_bind_int64(st, 2, hi);
		bind_filter(st, f);
		if (step(q, st, "searching events") == SQLITE_ROW) {
			*found = sqlite3_column_int64(st, 0);
			ret = 1;
			break;
		}
		pos = dir > 0 ? hi : lo;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 > 2 * BUDGET_MS) {
			*found = pos;
			ret = 2;
			break;
		}
	}
	sqlite3_finalize(st);
	return ret;
}

/* --- names ------------------------------------------------------------------ */

const char *tq_comm(struct tq *q, int pid)
{
	sqlite3_stmt *st;
	int slot;

	for (int i = 0; i < NCOMM; i++)
		if (q->comm[i].pid == pid && q->comm[i].comm[0])
			return q->comm[i].comm;
	slot = q->ncomm_next++ % NCOMM;
	q->comm[slot].pid = pid;
	snprintf(q->comm[slot].comm, sizeof(q->comm[slot].comm), "?");
	if ((st = stmt(q, S_COMM))) {
		sqlite3_bind_int(st, 1, pid);
		if (step(q, st, "reading tasks") == SQLITE_ROW)
			col_str(st, 0, q->comm[slot].comm, sizeof(q->comm[slot].comm));
		sqlite3_reset(st);
	}
	return q->comm[slot].comm;
}

const char *tq_type_name(struct tq *q, int64_t type_id)
{
	return type_id >= 0 && type_id < q->ntypes && q->types[type_id] ? q->types[type_id] : "?";
}

const char *tq_kind_name(struct tq *q, int kind)
{
	return kind >= 0 && kind < 64 && q->kinds[kind][0] ? q->kinds[kind] : "?";
}

/* --- details and HB edges ---------------------------------------------------- */

int tq_hb_edges(struct tq *q, int64_t id, int64_t src_lo, int64_t *peer, int *out_dir, int max)
{
	sqlite3_stmt *st = stmt(q, S_HB_OUT);
	int n = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, max);
	while (n < max && step(q, st, "reading hb edges") == SQLITE_ROW) {
		peer[n] = sqlite3_column_int64(st, 0);
		out_dir[n++] = 1;
	}
	sqlite3_reset(st);
	/* incoming: the primary key is (src, dst, why), so only a bounded
	 * range of sources can be read cheaply: the visible one, at most
	 * HB_IN_SPAN events before id */
	if (src_lo < id - HB_IN_SPAN)
		src_lo = id - HB_IN_SPAN;
	if (!(st = stmt(q, S_HB_IN)))
		return n;
	sqlite3_bind_int64(st, 1, src_lo);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int(st, 3, max - n);
	budget_start(q, BUDGET_MS / 2);
	while (n < max && step(q, st, "reading hb edges") == SQLITE_ROW) {
		peer[n] = sqlite3_column_int64(st, 0);
		out_dir[n++] = -1;
	}
	budget_stop(q);
	sqlite3_reset(st);
	return n;
}

static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	if (l >= len - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + l, len - l, fmt, ap);
	va_end(ap);
}

static void value_str(sqlite3_stmt *st, int c, char *buf, size_t len)
{
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_NULL: snprintf(buf, len, "NULL"); break;
	case SQLITE_INTEGER: {
		long long v = sqlite3_column_int64(st, c);

		if (v > 65535 || v < -65535)
			snprintf(buf, len, "%lld (0x%llx)", v, (unsigned long long)v);
		else
			snprintf(buf, len, "%lld", v);
		break;
	}
	case SQLITE_BLOB: {
		const unsigned char *b = sqlite3_column_blob(st, c);
		int n = sqlite3_column_bytes(st, c);

		buf[0] = 0;
		for (int i = 0; i < n && i < 16; i++)
			append(buf, len, "%02x", b[i]);
		if (n > 16)
			append(buf, len, "...");
		break;
	}
	default:
		snprintf(buf, len, "\"%s\"", ft_term_s((const char *)sqlite3_column_text(st, c)));
	}
}

int tq_event_detail(struct tq *q, int64_t id, char lines[][256], int max)
{
	static const char *const names[] = {
		"dev", "ino", "offset", "length", "findex", "forder", "lock_class", "lock_mode",
		"flags", "caller", "caller_off", "ext_off", "ext_len", "ext_block", "addr", "peer_pid"
	};
	sqlite3_stmt *st = NULL;
	int n = 0;

	if (max < 3)
		return 0;
	if (sqlite3_prepare_v2(q->db, "SELECT id, ts, cpu, pid, comm, system, event, kind, "
			       "dev, ino, offset, length, findex, forder, lock_class, lock_mode, flags, "
			       "caller, caller_off, ext_off, ext_len, ext_block, addr, peer_pid, type_id "
			       "FROM events_v WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	if (step(q, st, "reading the event") != SQLITE_ROW) {
		sqlite3_finalize(st);
		snprintf(lines[0], 256, "no event %lld", (long long)id);
		return 1;
	}
	snprintf(lines[n++], 256, "event #%lld  %.9f s  cpu %d  pid %d (%s)  %s:%s -> %s",
		 sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1) / 1e9,
		 sqlite3_column_int(st, 2), sqlite3_column_int(st, 3),
		 sqlite3_column_text(st, 4) ? ft_term_s((const char *)sqlite3_column_text(st, 4)) : "?",
		 ft_term_s((const char *)sqlite3_column_text(st, 5)),
		 ft_term_s((const char *)sqlite3_column_text(st, 6)),
		 ft_term_s((const char *)sqlite3_column_text(st, 7)));
	lines[n][0] = 0;
	append(lines[n], 256, "normalized:");
	for (int c = 8; c < 24; c++) {
		char v[64];

		if (sqlite3_column_type(st, c) == SQLITE_NULL)
			continue;
		if (c == 8) {
			int64_t dev = sqlite3_column_int64(st, c);

			snprintf(v, sizeof(v), "%lld:%lld", (long long)(dev >> 20), (long long)(dev & 0xfffff));
		} else if (sqlite3_column_type(st, c) == SQLITE_TEXT)
			col_str(st, c, v, sizeof(v));
		else
			snprintf(v, sizeof(v), "%lld", sqlite3_column_int64(st, c));
		append(lines[n], 256, " %s=%s", names[c - 8], v);
	}
	n++;
	sqlite3_finalize(st);
	st = NULL;
	lines[n][0] = 0;
	append(lines[n], 256, "raw:");
	if (sqlite3_prepare_v2(q->db, "SELECT f.name, ft_field(e.type_id, e.payload, f.name) "
			       "FROM events e JOIN event_fields f ON f.type_id = e.type_id "
			       "WHERE e.id = ?1 AND f.name NOT LIKE 'common_%' ORDER BY f.seq",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		while (step(q, st, "reading the event's fields") == SQLITE_ROW) {
			char v[96];

			value_str(st, 1, v, sizeof(v));
			append(lines[n], 256, " %s=%s",
			       ft_term_s((const char *)sqlite3_column_text(st, 0)), v);
		}
	}
	sqlite3_finalize(st);
	n++;
	return n;
}

/* --- replays ----------------------------------------------------------------- */

int tq_replays(struct tq *q, int64_t window, struct tq_replay *out, int max)
{
	sqlite3_stmt *st = stmt(q, S_REPLAYS);
	int n = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, window);
	while (n < max && step(q, st, "reading replays") == SQLITE_ROW) {
		struct tq_replay *r = &out[n++];

		r->id = sqlite3_column_int64(st, 0);
		col_str(st, 1, r->model, sizeof(r->model));
		col_str(st, 2, r->outcome, sizeof(r->outcome));
		col_str(st, 3, r->schedule, sizeof(r->schedule));
		r->explored = sqlite3_column_int64(st, 4);
		r->bad = sqlite3_column_int64(st, 5);
		col_str(st, 6, r->where, sizeof(r->where));
		r->nsteps = sqlite3_column_int(st, 7);
	}
	sqlite3_reset(st);
	return n;
}

/*
 * The steps of a stored replay with the trace events each stands for: the
 * window replay (replay/window.c) places every model step at its trace
 * events and stores their ids in the step's "events" (at most
 * REPLAY_STEP_EVENTS, then "events_cut"); this reads them, it does not
 * match anything itself.
 */
int tq_replay_steps(struct tq *q, int64_t rid, struct tq_step *out, int max)
{
	sqlite3_stmt *st = stmt(q, S_STEPS);
	int n = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	while (n < max && step(q, st, "reading replay steps") == SQLITE_ROW) {
		struct tq_step *s = &out[n++];
		const char *ev;
		char *end;

		memset(s, 0, sizeof(*s));
		col_str(st, 0, s->task, sizeof(s->task));
		col_str(st, 1, s->step, sizeof(s->step));
		col_str(st, 2, s->tracepoints, sizeof(s->tracepoints));
		s->page = sqlite3_column_int64(st, 3);
		col_str(st, 4, s->hits, sizeof(s->hits));
		s->has_events = sqlite3_column_int(st, 5) == 1;
		ev = (const char *)sqlite3_column_text(st, 6);
		while (ev && *ev && s->nev < TQ_STEP_EVENTS) {
			long long id = strtoll(ev, &end, 10);

			if (end == ev)
				break;
			s->events[s->nev++] = id;
			ev = end;
		}
		s->events_cut = sqlite3_column_int(st, 7) != 0 || (ev && *ev);
	}
	sqlite3_reset(st);
	return n;
}
