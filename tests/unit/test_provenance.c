/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_provenance.c - what an import skipped or found out of order is in
 * the database, not only on stderr: the loader stores the decoder's count of
 * records of undescribed event types (meta 'trace:<id>:undescribed') and
 * counts events whose timestamp goes backwards ('trace:<id>:ts_backwards'),
 * which info shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../core/kinds.h"
#include "../../core/store.h"
#include "../../core/wire.h"
#include "../../record/loader.h"

struct feed {
	struct loader *l;
	struct ft_err *e;
	int ret;
};

static int one(void *ctx, const struct wire_frame *f)
{
	struct feed *fd = ctx;

	fd->ret = loader_frame(fd->l, f, fd->e);
	return fd->ret;
}

static int sink(void *ctx, const uint8_t *buf, size_t len)
{
	return wire_each_frame(buf, len, one, ctx) < 0 ? -1 : 0;
}

static long long meta(struct store *s, const char *key)
{
	sqlite3_stmt *q = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(store_db(s), "SELECT value FROM meta WHERE key = ?1", -1, &q,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			v = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	return v;
}

int main(void)
{
	static const uint64_t ts[] = { 100, 200, 150, 300, 120, 400 };	/* 2 go back */
	struct ft_err e = FT_ERR_INIT;
	struct store *s = NULL;
	struct import_stats st;
	struct wire_writer w;
	struct feed fd = { NULL, &e, 0 };

	memset(&st, 0, sizeof(st));
	if (store_create(&s, ":memory:", &e) < 0 ||
	    loader_new(&fd.l, s, "t.dat", 1, "test", &st, &e) < 0 || wire_writer_init(&w, -1) < 0) {
		CHECK(0, "set up: %s", e.msg);
		return tap_done();
	}
	w.sink = sink;
	w.sink_ctx = &fd;
	wire_send_hello(&w);
	wire_begin(&w, WIRE_BUFFER);
	wire_put_u32(&w, 0);
	wire_put_u32(&w, 1);
	wire_put_str(&w, "");
	wire_put_str(&w, "mono");
	wire_end(&w);
	wire_begin(&w, WIRE_TYPE);
	wire_put_u32(&w, 1);
	wire_put_u16(&w, FT_K_OTHER);
	wire_put_str(&w, "sched");
	wire_put_str(&w, "sched_switch");
	wire_put_u32(&w, 0);
	wire_end(&w);
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		struct ft_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.ts = ts[i];
		ev.type = 1;
		ev.kind = FT_K_OTHER;
		ev.pid = 1;
		wire_send_event(&w, 0, &ev);
	}
	wire_begin(&w, WIRE_META);
	wire_put_str(&w, "bad_records");
	wire_put_str(&w, "7");
	wire_end(&w);
	wire_begin(&w, WIRE_DONE);
	wire_put_u64(&w, 6);
	wire_end(&w);
	CHECK(wire_flush(&w) == 0 && fd.ret == 0, "the loader takes the frames: %s", e.msg);
	CHECK(loader_finish(fd.l, &e) == 0, "the load finishes: %s", e.msg);
	CHECK_EQ_INT(st.events, 6, "6 events loaded");
	CHECK_EQ_INT(meta(s, "trace:1:undescribed"), 7,
		     "the decoder's 7 records of undescribed types are in meta trace:1:undescribed");
	CHECK_EQ_INT(meta(s, "trace:1:ts_backwards"), 2,
		     "2 events earlier than one before them are in meta trace:1:ts_backwards");
	loader_free(fd.l);
	wire_writer_release(&w);
	store_close(s);
	return tap_done();
}
