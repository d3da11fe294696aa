/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_evpack.c - event blocks: encode/decode round trips over random and
 * extreme events, corrupt blocks refused without reading outside them, and
 * through the store: the readers give back exactly the events stored.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/evpack.h"
#include "../../core/store.h"
#include "../../core/kinds.h"
#include "tap.h"
#include "xorshift.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	return xorshift64(&rng);
}

static const int64_t extremes[] = { 0, 1, -1, INT64_MAX, INT64_MIN, INT32_MAX, INT32_MIN, 4096 };

static void random_event(struct ft_event *ev, int i)
{
	memset(ev, 0, sizeof(*ev));
	/* time mostly forward, sometimes backwards or huge */
	ev->ts = i % 97 == 0 ? rnd() : 1000000ull * (uint64_t)i + rnd() % 5000;
	ev->cpu = (int32_t)(rnd() % 8);
	ev->pid = i % 13 == 0 ? INT32_MIN : (int32_t)(rnd() % 70000);
	ev->kind = (uint16_t)(rnd() % FT_K__COUNT);
	for (int c = 0; c < FT_C__COUNT; c++) {
		if (rnd() % 3 == 0)
			continue;
		ev->v[c] = rnd() % 5 == 0 ? extremes[rnd() % 8] : (int64_t)(rnd() % 100000) - 50;
		ev->present |= (uint16_t)(1u << c);
	}
}

static int same_event(const struct ft_event *a, const struct ft_event *b)
{
	if (a->ts != b->ts || a->cpu != b->cpu || a->pid != b->pid || a->kind != b->kind ||
	    a->present != b->present)
		return 0;
	for (int c = 0; c < FT_C__COUNT; c++)
		if (ft_event_has(a, c) && a->v[c] != b->v[c])
			return 0;
	return 1;
}

/*
 * v1: the layout of schema 3 (one run), which the reader still reads;
 * else version 2 (runs of EVPACK_SUB events).
 */
static void test_roundtrip(int v1)
{
	enum { N = 5000 };
	static struct ft_event in[N];
	const char *ver = v1 ? "version 1" : "version 2";
	struct evpack p;
	struct evpack_reader r;
	struct ft_event out;
	int64_t id, type;
	int ok = 1, n = 0, ret;

	evpack_init(&p);
	p.v1 = v1;
	for (int i = 0; i < N; i++) {
		random_event(&in[i], i);
		if (evpack_add(&p, 7, 100 + i, 1 + i % 50, &in[i]) < 0)
			ok = 0;
	}
	CHECK(ok && p.n == N, "%s: %d events packed into %zu bytes", ver, N, p.len);
	CHECK(evpack_add(&p, 7, 100 + N + 1, 1, &in[0]) == -EINVAL,
	      "a non-consecutive id is refused");
	CHECK(evpack_add(&p, 8, 100 + N, 1, &in[0]) == -EINVAL,
	      "another trace's event is refused");
	CHECK(evpack_finish(&p) == 0 && evpack_add(&p, 7, 100 + N, 1, &in[0]) == -EINVAL,
	      "%s: no event is added to a finished block", ver);
	CHECK(v1 ? p.buf[0] != 0x80 || p.buf[1] != 0 : p.buf[0] == 0x80 && p.buf[1] == 0,
	      "%s: the block %s with the version-2 marker 0x80 0x00", ver,
	      v1 ? "does not start" : "starts");
	evpack_reader_init(&r, p.buf, p.len, p.first_id, p.n);
	CHECK(r.nrun == (v1 ? 1u : (N + EVPACK_SUB - 1) / EVPACK_SUB),
	      "%s: %u runs of %u events read from the bytes", ver, r.nrun, r.run_size);
	while ((ret = evpack_next(&r, &id, &type, &out)) > 0) {
		if (id != 100 + n || type != 1 + n % 50 || !same_event(&in[n], &out))
			ok = 0;
		n++;
	}
	CHECK(ret == 0 && n == N && ok, "%s: decoded %d events in order, every field equal", ver, n);

	/* any event, from the start of its run */
	ok = 1;
	for (int t = 0; t < 300 && ok; t++) {
		int k = (int)(rnd() % N), j = v1 ? 0 : k / EVPACK_SUB;

		ok = evpack_reader_run(&r, (uint32_t)j) == 0;
		for (int i = v1 ? 0 : j * EVPACK_SUB; ok && i <= k; i++)
			ok = evpack_next(&r, &id, &type, &out) == 1 && id == 100 + i &&
			     type == 1 + i % 50 && same_event(&in[i], &out);
	}
	CHECK(ok, "%s: 300 random events reached from their run's start, every field equal", ver);
	CHECK(evpack_reader_run(&r, r.nrun) == -EINVAL, "%s: no run %u", ver, r.nrun);
	/* a run ends where its length says, not an event later or earlier */
	ok = evpack_reader_run(&r, 0) == 0;
	for (uint32_t i = 0; ok && i < r.run_size && i < N; i++)
		ok = evpack_next(&r, &id, &type, &out) == 1;
	CHECK(ok && evpack_run_end(&r) == 0, "%s: run 0 ends after its %u events", ver,
	      r.run_size);
	if (!v1) {
		uint8_t *copy = malloc(p.len);
		size_t tail = 2 * (size_t)((N - 1) / EVPACK_SUB);

		/* run 0 one byte longer than written: the runs do not add up */
		memcpy(copy, p.buf, p.len);
		copy[p.len - tail]++;
		evpack_reader_init(&r, copy, p.len, 0, N);
		while ((ret = evpack_next(&r, &id, &type, &out)) > 0)
			;
		CHECK(ret == -EINVAL, "version 2: a run length one too long is corrupt");
		/* a zero run length */
		memcpy(copy, p.buf, p.len);
		copy[p.len - tail] = copy[p.len - tail + 1] = 0;
		evpack_reader_init(&r, copy, p.len, 0, N);
		CHECK(r.bad && evpack_next(&r, &id, &type, &out) == -EINVAL &&
		      evpack_reader_run(&r, 1) == -EINVAL, "version 2: an empty run is corrupt");
		free(copy);
	}

	/* Every truncation of the block is corrupt, never a crash. */
	{
		int bad = 0, cuts = 0;

		for (size_t cut = 0; cut < p.len; cut += 1 + p.len / 500, cuts++) {
			uint8_t *copy = malloc(cut ? cut : 1);

			if (cut)
				memcpy(copy, p.buf, cut);
			evpack_reader_init(&r, copy, cut, 0, p.n);
			while ((ret = evpack_next(&r, &id, &type, &out)) > 0)
				;
			bad += ret == -EINVAL;
			free(copy);
		}
		CHECK(bad == cuts, "%d of %d truncated blocks found corrupt", bad, cuts);
	}
	/* A count larger or smaller than the bytes hold. */
	evpack_reader_init(&r, p.buf, p.len, 0, p.n + 1);
	while ((ret = evpack_next(&r, &id, &type, &out)) > 0)
		;
	CHECK(ret == -EINVAL, "a block holding fewer events than its count is corrupt");
	evpack_reader_init(&r, p.buf, p.len, 0, p.n - 1);
	while ((ret = evpack_next(&r, &id, &type, &out)) > 0)
		;
	CHECK(ret == -EINVAL, "trailing bytes after the counted events are corrupt");
	evpack_release(&p);
}

static void test_hostile_bytes(void)
{
	static const uint8_t overlong[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					    0xff, 0xff, 0x01, 0, 0, 0, 0, 0 };
	/* ts, cpu, pid, kind, type, present = bit 16 (beyond the columns) */
	static const uint8_t badbit[] = { 0, 0, 0, 0, 0, 0x80, 0x80, 0x04 };
	/* kind 70000 does not fit the kind field */
	static const uint8_t badkind[] = { 0, 0, 0, 0xf0, 0xa2, 0x04, 0, 0 };
	struct evpack_reader r;
	struct ft_event ev;
	int64_t id, type;
	int ret, crashes = 0;

	evpack_reader_init(&r, overlong, sizeof(overlong), 0, 1);
	CHECK(evpack_next(&r, &id, &type, &ev) == -EINVAL, "an 11-byte varint is corrupt");
	evpack_reader_init(&r, badbit, sizeof(badbit), 0, 1);
	CHECK(evpack_next(&r, &id, &type, &ev) == -EINVAL, "a column bit beyond the columns is corrupt");
	evpack_reader_init(&r, badkind, sizeof(badkind), 0, 1);
	CHECK(evpack_next(&r, &id, &type, &ev) == -EINVAL, "a kind above 65535 is corrupt");
	/* Random bytes: any answer but a read outside (ASan watches). */
	for (int t = 0; t < 2000; t++) {
		uint8_t *b = malloc(64);
		size_t len = rnd() % 64;

		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)rnd();
		evpack_reader_init(&r, b, len, 0, (uint32_t)(rnd() % 10));
		while ((ret = evpack_next(&r, &id, &type, &ev)) > 0)
			;
		crashes += ret != 0 && ret != -EINVAL;
		free(b);
	}
	CHECK(crashes == 0, "2000 random blocks: every one decoded or refused");
}

/*
 * The decoder reads an event without per-byte bounds checks when a whole
 * worst-case event (6 + 16 varints of 10 bytes) is left, with them at a
 * block's tail: both must refuse and accept the same bytes alike.
 */
static void test_fast_path(void)
{
	/* ts delta a 10-byte varint with bits above 64 in its last byte (dropped:
	 * accepted), cpu 1, pid -1, kind 3, type 7, present ino, ino +5 */
	static const uint8_t ev10[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0x7f, 0x02, 0x01, 0x03, 0x07, 0x02, 0x0a };
	struct evpack_reader r;
	struct ft_event a, b;
	int64_t id, type_a, type_b;
	uint8_t *buf = calloc(1, 512);
	int ra, rb, refused = 0, crashes = 0;

	if (!buf)
		return;
	memset(&a, 0x55, sizeof(a));
	memset(&b, 0xaa, sizeof(b));
	evpack_reader_init(&r, ev10, sizeof(ev10), 0, 1);
	ra = evpack_next(&r, &id, &type_a, &a);
	memcpy(buf, ev10, sizeof(ev10));
	evpack_reader_init(&r, buf, 300, 0, 1);
	rb = evpack_next(&r, &id, &type_b, &b);
	CHECK(ra == 1 && rb == 1 && a.ts == b.ts && a.ts == UINT64_MAX / 2 + 1 && a.cpu == b.cpu &&
	      a.pid == -1 && b.pid == -1 && a.kind == 3 && b.kind == 3 && type_a == 7 &&
	      type_b == 7 && a.present == b.present && !memcmp(a.v, b.v, sizeof(a.v)) &&
	      a.v[FT_C_INO] == 5 && a.v[FT_C_DEV] == 0,
	      "an event with a 10-byte varint decodes alike at a block's tail and with 300 bytes left");
	CHECK(evpack_next(&r, &id, &type_b, &b) == -EINVAL,
	      "the 284 bytes after the block's one event make it corrupt");
	/* an 11-byte varint in each of the event's first 7 varints, 300 bytes left */
	for (int k = 0; k < 7; k++) {
		memset(buf, 0, 512);
		buf[5] = 0x02;	/* present: ino */
		memmove(buf + k + 11, buf + k + 1, 16);
		memset(buf + k, 0xff, 10);
		buf[k + 10] = 0x01;
		evpack_reader_init(&r, buf, 300, 0, 1);
		refused += evpack_next(&r, &id, &type_a, &a) == -EINVAL;
	}
	CHECK(refused == 7, "an 11-byte varint is corrupt with a whole event's bytes left too "
	      "(%d of 7 places)", refused);
	/* random bytes, long enough for the unchecked reads: ASan watches */
	for (int t = 0; t < 2000; t++) {
		size_t len = 200 + rnd() % 300;
		int ret;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)(rnd() % 4 ? rnd() : 0xff);
		evpack_reader_init(&r, buf, len, 0, (uint32_t)(rnd() % 40));
		while ((ret = evpack_next(&r, &id, &type_a, &a)) > 0)
			;
		crashes += ret != 0 && ret != -EINVAL;
	}
	CHECK(crashes == 0, "2000 random blocks of 200-500 bytes: every one decoded or refused");
	free(buf);
}

/*
 * Through the store: the readers give back exactly the events that were
 * stored (kept here in an array, the reference), whole, by kind and by
 * inode, with their ids and types; blocks that do not follow each other
 * are refused.
 */
static void test_store_blocks(void)
{
	struct store *s = NULL;
	struct ft_err e = FT_ERR_INIT;
	struct store_trace_info ti = { "test", -1, "test" };
	int64_t tid = 0, type = 0, ino = -1;
	enum { N = 10000 };
	static struct ft_event in[N];
	struct store_iter *a = NULL;
	struct store_event ea;
	char kinds[512] = "";
	size_t kl = 0;
	int ra, n, ok = 1, used = 0, at;

	CHECK(store_create(&s, ":memory:", &e) == 0, "store created: %s", e.msg);
	store_trace_begin(s, &ti, &tid, &e);
	store_add_type(s, tid, 1, "x", "y", FT_K_OTHER, &type, &e);
	for (int i = 0; i < N; i++) {
		random_event(&in[i], i);
		in[i].ts = 1000ull * (uint64_t)i;
		if (store_add_event(s, tid, type, &in[i], &e) < 0)
			ok = 0;
		if (i == N / 3 && store_checkpoint(s, &e) < 0)	/* a block cut short */
			ok = 0;
		if (ino < 0 && ft_event_has(&in[i], FT_C_INO) && in[i].v[FT_C_INO] > 0)
			ino = in[i].v[FT_C_INO];
	}
	store_trace_set_int(s, tid, "n_events", N, &e);
	CHECK(ok && store_trace_finish(s, tid, &e) == 0, "%d events loaded: %s", N, e.msg);

	/* every event, in order */
	n = 0;
	CHECK(store_iter_open(s, tid, -1, &a, &e) == 0 && store_iter_packed(a),
	      "the whole-trace reader decodes the event blocks");
	while ((ra = store_iter_next(a, &ea, &e)) > 0) {
		if (n >= N || ea.id != n + 1 || ea.type_id != type || !same_event(&ea.ev, &in[n]))
			ok = 0;
		n++;
	}
	CHECK(ok && ra == 0 && n == N, "all %d events come back as stored, ids 1..%d", n, N);
	store_iter_close(a);

	/* every other kind */
	for (int k = 0; k < FT_K__COUNT; k += 2, used++)
		kl += (size_t)snprintf(kinds + kl, sizeof(kinds) - kl, "%s%d", k ? "," : "", k);
	CHECK(store_iter_open_kinds(s, tid, -1, kinds, &a, &e) == 0, "kinds reader opened");
	n = 0;
	at = 0;
	while ((ra = store_iter_next(a, &ea, &e)) > 0) {
		while (at < N && in[at].kind % 2)
			at++;
		if (at >= N || ea.id != at + 1 || !same_event(&ea.ev, &in[at]))
			ok = 0;
		at++;
		n++;
	}
	while (at < N && in[at].kind % 2)
		at++;
	CHECK(ok && ra == 0 && at == N && n > N / 3,
	      "%d events of %d kinds: exactly the stored ones of those kinds", n, used);
	store_iter_close(a);

	/* one inode, through event_keys */
	CHECK(store_iter_open(s, tid, ino, &a, &e) == 0, "inode reader opened");
	n = 0;
	at = 0;
	while ((ra = store_iter_next(a, &ea, &e)) > 0) {
		while (at < N && !(ft_event_has(&in[at], FT_C_INO) && in[at].v[FT_C_INO] == ino))
			at++;
		if (at >= N || ea.id != at + 1 || !same_event(&ea.ev, &in[at]))
			ok = 0;
		at++;
		n++;
	}
	while (at < N && !(ft_event_has(&in[at], FT_C_INO) && in[at].v[FT_C_INO] == ino))
		at++;
	CHECK(ok && ra == 0 && at == N && n > 0, "inode %lld: its %d events, no other",
	      (long long)ino, n);
	store_iter_close(a);
	{
		sqlite3_stmt *st;
		int64_t blocks = 0, sum = 0;

		sqlite3_prepare_v2(store_db(s), "SELECT count(*), sum(n_events) FROM event_blocks",
				   -1, &st, NULL);
		if (sqlite3_step(st) == SQLITE_ROW) {
			blocks = sqlite3_column_int64(st, 0);
			sum = sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
		CHECK(sum == N && blocks >= 3, "%lld blocks cover the %d events", (long long)blocks, N);
	}
	/* A gap between blocks is a damaged database, not fewer events. */
	sqlite3_exec(store_db(s), "DELETE FROM event_blocks WHERE first_id = "
		     "(SELECT min(first_id) FROM event_blocks WHERE first_id > 1)", NULL, NULL, NULL);
	a = NULL;
	ra = store_iter_open(s, tid, -1, &a, &e);
	CHECK(ra < 0 && !a && strstr(e.msg, "damaged database"),
	      "a missing block is reported when the reader opens: %s", e.msg);
	/* A reader that cannot count (a trace still being written) finds the
	 * gap while reading. */
	ft_err_clear(&e);
	sqlite3_exec(store_db(s), "UPDATE traces SET complete = 0", NULL, NULL, NULL);
	CHECK(store_iter_open(s, tid, -1, &a, &e) == 0, "an incomplete trace is read as it is");
	while ((ra = store_iter_next(a, &ea, &e)) > 0)
		;
	CHECK(ra < 0 && strstr(e.msg, "corrupt"), "the gap is reported while reading: %s", e.msg);
	store_iter_close(a);
	store_close(s);
}

int main(void)
{
	test_roundtrip(1);
	test_roundtrip(0);
	test_hostile_bytes();
	test_fast_path();
	test_store_blocks();
	return tap_done();
}
