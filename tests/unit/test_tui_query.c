/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of tui/query.c (compiled in here: the TUI's objects are not in
 * the library, and query.c needs no curses) on a small database written by
 * this test (the trace and its two events through the store's load protocol,
 * the windows and replays as rows):
 * - the replay pane's steps carry the event ids stored in the replay's
 *   detail ($.steps[i].events, the format jobs/winreplay.c writes), cut
 *   and missing ids included;
 * - the verdict filter's parser and the windows list under a filter, against
 *   an independent ordering here (the list order the man page documents:
 *   loss, hit, dropped, unsafe, unknown, protected, then id), and the
 *   position counter (tq_window_counts, tq_window_rank) against it;
 * - filters that name nothing in the database are errors (tq_filter_check),
 *   the ones that name something are not.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tui/query.c"
#include "../../core/kinds.h"
#include "tap.h"

static char dir[] = "/tmp/ft-unit-tuiq.XXXXXX";

/* The list order of a verdict, as foliotrace-tui(1) documents it. */
static int doc_rank(const char *v)
{
	static const char *const order[] = { "loss", "hit", "dropped", "unsafe", "unknown", "protected" };

	for (int i = 0; i < 6; i++)
		if (!strcmp(order[i], v))
			return i;
	return 6;
}

/* Windows of the test database: id, verdict. */
static const struct { int id; const char *verdict; } wins[] = {
	{ 1, "unsafe" }, { 2, "loss" }, { 3, "protected" }, { 4, "dropped" }, { 5, "unsafe" },
	{ 6, "loss" }, { 7, "unknown" }, { 8, "dropped" }, { 9, "unsafe" }, { 10, "hit" },
	{ 11, "protected" }, { 12, "dropped" },
};
#define NWINS ((int)(sizeof(wins) / sizeof(wins[0])))

static int cmp_doc(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	int rx = doc_rank(wins[x].verdict), ry = doc_rank(wins[y].verdict);

	return rx != ry ? rx - ry : wins[x].id - wins[y].id;
}

/*
 * The trace: two event types, a field, a symbol, two tasks and two events,
 * written through the store's load protocol (store.h), as import writes
 * them; the events get ids 1 and 2 (consecutive from 1, in add order).
 */
static int load_trace(const char *p, int64_t *trace_id)
{
	static const struct store_trace_info ti = { .source = "unit", .tool = "unit" };
	struct ft_err e = FT_ERR_INIT;
	struct store *s = NULL;
	struct ft_event ev;
	int64_t ilock, add, sym;
	int ret;

	ret = store_create(&s, p, &e);
	if (ret == 0)
		ret = store_trace_begin(s, &ti, trace_id, &e);
	if (ret == 0)
		ret = store_add_type(s, *trace_id, 100, "xfs", "xfs_ilock", FT_K_ILOCK, &ilock, &e);
	if (ret == 0)
		ret = store_add_type(s, *trace_id, 101, "filemap", "mm_filemap_add_to_page_cache",
				     FT_K_PAGE_ADD, &add, &e);
	if (ret == 0)
		ret = store_add_field(s, ilock, 0, "lock_flags", "int", 8, 4, 4, 0, &e);
	if (ret == 0)
		ret = store_add_symbol(s, "xfs_file_buffered_write", &sym, &e);
	if (ret == 0)
		ret = store_add_task(s, *trace_id, 171, "writer", &e);
	if (ret == 0)
		ret = store_add_task(s, *trace_id, 172, "racer", &e);
	/* event 1: the writer's xfs_ilock on inode 131 */
	memset(&ev, 0, sizeof(ev));
	ev.ts = 1000;
	ev.cpu = 0;
	ev.pid = 171;
	ev.kind = FT_K_ILOCK;
	ft_event_set(&ev, FT_C_INO, 131);
	if (ret == 0)
		ret = store_add_event(s, *trace_id, ilock, &ev, &e);
	/* event 2: the racer adds page 4512 of inode 131 */
	memset(&ev, 0, sizeof(ev));
	ev.ts = 2000;
	ev.cpu = 1;
	ev.pid = 172;
	ev.kind = FT_K_PAGE_ADD;
	ft_event_set(&ev, FT_C_INO, 131);
	ft_event_set(&ev, FT_C_FINDEX, 4512);
	if (ret == 0)
		ret = store_add_event(s, *trace_id, add, &ev, &e);
	if (ret == 0)
		ret = store_trace_set_int(s, *trace_id, "n_events", 2, &e);
	if (ret == 0)
		ret = store_trace_finish(s, *trace_id, &e);
	if (ret < 0)
		CHECK(0, "loading the test trace: %s", e.msg);
	if (store_close(s) < 0 && ret == 0) {
		CHECK(0, "closing the test store");
		ret = -1;
	}
	return ret;
}

static int make_db(const char *p)
{
	int64_t trace_id;
	sqlite3 *db;
	char sql[512];
	int ret;

	if (load_trace(p, &trace_id) < 0)
		return -1;
	if (sqlite3_open(p, &db) != SQLITE_OK)
		return -1;
	ret = SQLITE_OK;
	for (int i = 0; i < NWINS && ret == SQLITE_OK; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO windows (id, trace_id, family, verdict, ino, "
			 "start_event, end_event, start_ns, end_ns, tasks, evidence) VALUES (%d, %lld, "
			 "'delalloc_punch', '%s', 131, 1, 2, 1000, 2000, '[171,172]', "
			 "'{\"writer\":171}')", wins[i].id, (long long)trace_id, wins[i].verdict);
		ret = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	/* a stored window replay as jobs/winreplay.c writes its detail: a step
	 * with events, one without a page, one cut, one with none, and a replay
	 * stored before the ids existed (no "events" key) */
	if (ret == SQLITE_OK)
		ret = sqlite3_exec(db,
			"INSERT INTO replays (id, window_id, model, outcome, digest, detail) VALUES "
			"(1, 2, 'prefix', 'data_loss', 'x', '{\"steps\":["
			"{\"task\":\"W\",\"step\":\"punch_delalloc\",\"tracepoints\":\"xfs_ilock(ILOCK_EXCL), "
			"xfs_bmap_pre_update\",\"page\":null,\"extra\":false,\"hits\":[\"unbacked_dirty\"],"
			"\"events\":[9329,9330]},"
			"{\"task\":\"B\",\"step\":\"wb_lock_folio\",\"tracepoints\":\"iomap_writepage\","
			"\"page\":4512,\"extra\":false,\"hits\":[],\"events\":[9465]},"
			"{\"task\":\"B\",\"step\":\"wb_map_blocks\",\"tracepoints\":\"a, b, c, d, e, f, g\","
			"\"page\":4512,\"extra\":false,\"hits\":[\"data_loss\"],"
			"\"events\":[1,2,3,4,5,6],\"events_cut\":true},"
			"{\"task\":\"F\",\"step\":\"user_store\",\"tracepoints\":\"\",\"page\":4512,"
			"\"extra\":false,\"hits\":[],\"events\":[]}]}'),"
			"(2, 2, 'fix', 'ok', 'y', '{\"steps\":[{\"task\":\"W\",\"step\":\"iolock\","
			"\"tracepoints\":\"xfs_ilock\",\"page\":null,\"hits\":[]}]}');",
			NULL, NULL, NULL);
	if (ret != SQLITE_OK)
		CHECK(0, "filling the test database: %s", sqlite3_errmsg(db));
	sqlite3_close(db);
	return ret == SQLITE_OK ? 0 : -1;
}

static void test_steps(struct tq *q)
{
	struct tq_step st[8];
	int n = tq_replay_steps(q, 1, st, 8);

	CHECK_EQ_INT(n, 4, "stored steps read");
	if (n != 4)
		return;
	CHECK(st[0].has_events && st[0].nev == 2 && st[0].events[0] == 9329 && st[0].events[1] == 9330 &&
	      !st[0].events_cut && st[0].page == -1 && !strcmp(st[0].hits, "unbacked_dirty"),
	      "punch_delalloc: events #9329 #9330, no page, breaks unbacked_dirty (nev %d, page %lld, "
	      "hits '%s')", st[0].nev, (long long)st[0].page, st[0].hits);
	CHECK(st[1].nev == 1 && st[1].events[0] == 9465 && st[1].page == 4512 &&
	      !strcmp(st[1].step, "wb_lock_folio") && !strcmp(st[1].task, "B"),
	      "wb_lock_folio of page 4512: #9465 alone");
	CHECK(st[2].nev == 6 && st[2].events[5] == 6 && st[2].events_cut,
	      "six stored ids and events_cut: all six read, marked cut (nev %d, cut %d)", st[2].nev,
	      st[2].events_cut);
	CHECK(st[3].has_events && st[3].nev == 0 && !st[3].events_cut, "an empty list: no events, stored");
	n = tq_replay_steps(q, 2, st, 8);
	CHECK(n == 1 && !st[0].has_events && st[0].nev == 0,
	      "a replay stored without event ids says so (has_events 0)");
}

static void test_verdicts(struct tq *q)
{
	struct tq_window w[NWINS + 1], last;
	int order[NWINS], n, k, ok;
	unsigned mask = 0;
	int64_t counts[TQ_SEV_N];
	char err[160], buf[96];

	CHECK(tq_parse_verdicts("loss,hit", &mask, err, sizeof(err)) == 0 &&
	      mask == ((1u << tq_sev_of("loss")) | (1u << tq_sev_of("hit"))), "'loss,hit' parses");
	CHECK(tq_parse_verdicts(" dropped  unsafe ", &mask, err, sizeof(err)) == 0 &&
	      mask == ((1u << tq_sev_of("dropped")) | (1u << tq_sev_of("unsafe"))), "spaces separate too");
	CHECK(tq_parse_verdicts("", &mask, err, sizeof(err)) == 0 && mask == TQ_SEV_ALL, "empty: all");
	CHECK(tq_parse_verdicts("loss,bogus", &mask, err, sizeof(err)) == -EINVAL &&
	      strstr(err, "'bogus'"), "an unknown verdict is an error naming it: %s", err);
	tq_verdicts_str((1u << tq_sev_of("loss")) | (1u << tq_sev_of("unsafe")), buf, sizeof(buf));
	CHECK(!strcmp(buf, "loss,unsafe"), "the mask as text: %s", buf);

	/* the reference order */
	for (int i = 0; i < NWINS; i++)
		order[i] = i;
	qsort(order, NWINS, sizeof(order[0]), cmp_doc);

	CHECK(tq_window_counts(q, counts) == 0, "windows counted");
	for (unsigned m = 1; m <= TQ_SEV_ALL; m += 7) {	/* a spread of masks */
		tq_set_verdicts(q, m);
		n = tq_windows_from(q, 0, 0, w, NWINS + 1);
		k = 0;
		ok = 1;
		for (int i = 0; i < NWINS; i++) {
			int r = order[i];

			if (!(m & (1u << doc_rank(wins[r].verdict))))
				continue;
			if (k >= n || w[k].id != wins[r].id)
				ok = 0;
			/* the counter's position of this window: k + 1 */
			else if (tq_window_rank(q, w[k].sev, w[k].id, counts) != k + 1)
				ok = 0;
			k++;
		}
		CHECK(ok && n == k, "mask %#x: the list holds the filtered windows in the documented "
		      "order, each at its position (%d of %d)", m, n, k);
		if (k)
			CHECK(tq_window_before(q, TQ_SEV_N - 1, INT64_MAX, &last) == 1 &&
			      last.id == w[k - 1].id, "mask %#x: End finds the last window (%lld)", m,
			      (long long)w[k - 1].id);
		else
			CHECK(tq_window_before(q, TQ_SEV_N - 1, INT64_MAX, &last) == 0,
			      "mask %#x: no window, End finds none", m);
	}
	tq_set_verdicts(q, TQ_SEV_ALL);
}

static void test_filters(struct tq *q)
{
	static const struct { const char *text; int ok; const char *says; } cases[] = {
		{ "xfs_ilock", 1, NULL },
		{ "event=xfs:xfs_ilock", 1, NULL },
		{ "event=page_add", 1, NULL },		/* a kind */
		{ "event=xfs_nosuch", 0, "'xfs_nosuch'" },
		{ "nosuch", 0, "'nosuch'" },
		{ "pid=172", 1, NULL },
		{ "pid=999", 0, "pid 999" },
		{ "ino=131", 1, NULL },
		{ "ino=7", 0, "ino 7" },
		{ "findex=4512", 1, NULL },
		{ "findex=abc", 0, "wants a number" },
		{ "comm=racer", 1, NULL },
		{ "comm=nobody", 0, "'nobody'" },
		{ "caller=xfs_file_buffered_write", 1, NULL },
		{ "caller=nowhere", 0, "'nowhere'" },
		{ "lock_flags=4", 1, NULL },		/* a raw field of xfs_ilock */
		{ "nofield=4", 0, "'nofield'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tq_filter f;
		char err[160] = "";
		int r = tq_filter_parse(cases[i].text, &f, err, sizeof(err));

		if (r == 0)
			r = tq_filter_check(q, &f, err, sizeof(err));
		if (cases[i].ok)
			CHECK(r == 0, "filter %s is accepted (%s)", cases[i].text, err);
		else
			CHECK(r == -EINVAL && strstr(err, cases[i].says), "filter %s is an error naming %s: %s",
			      cases[i].text, cases[i].says, err);
	}
}

/* The inode list of the TUI's header: the trace's one inode (131, both
 * events), then none; its count is its two events. */
static void test_inodes(struct tq *q)
{
	int64_t ino = -1, count = 0;
	int r;

	CHECK(tq_next_ino(q, -1, &ino) == 1 && ino == 131, "first inode: 131 (got %lld)",
	      (long long)ino);
	CHECK(tq_next_ino(q, 131, &ino) == 0, "no inode after 131");
	r = 0;
	for (int i = 0; i < 10 && r == 0; i++)
		r = tq_count_ino_step(q, 131, 1, &count);
	CHECK(r == 1 && count == 2, "inode 131 has its 2 events (got %lld, status %d)",
	      (long long)count, r);
	count = 0;
	r = 0;
	for (int i = 0; i < 10 && r == 0; i++)
		r = tq_count_ino_step(q, 7, 1, &count);
	CHECK(r == 1 && count == 0, "an inode without events counts 0 (got %lld)", (long long)count);
}

int main(void)
{
	struct ft_err e = FT_ERR_INIT;
	struct tq *q = NULL;
	char p[256];

	if (!mkdtemp(dir))
		return 1;
	snprintf(p, sizeof(p), "%s/t.db", dir);
	if (make_db(p) == 0 && tq_open(&q, p, &e) == 0) {
		test_steps(q);
		test_verdicts(q);
		test_filters(q);
		test_inodes(q);
		CHECK(!tq_failure(q), "no read failed: %s", tq_failure(q) ? tq_failure(q) : "");
		tq_close(q);
	} else
		CHECK(0, "the test database opens: %s", e.msg);
	unlink(p);
	rmdir(dir);
	return tap_done();
}
