/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of record/normalize.c: each transform, aliases of older
 * kernels, and hostile records (short, unknown type, absurd values).
 * The event formats are in norm_formats.h (shared with the fuzz harness).
 */
#include <errno.h>
#include <string.h>

#include "../../core/kinds.h"
#include "../../record/normalize.h"
#include "tap.h"

#include "norm_formats.h"

static int64_t sym_cb(void *data, const char *name)
{
	(void)data;
	return !strcmp(name, "xfs_bmap_punch_delalloc_range") ? 7 : 99;
}

static void put(uint8_t *rec, int off, const void *v, size_t n)
{
	memcpy(rec + off, v, n);
}

static struct tep_record mkrec(uint8_t *data, int size, uint16_t type, int32_t pid)
{
	struct tep_record r;

	memset(&r, 0, sizeof(r));
	put(data, 0, &type, 2);
	put(data, 4, &pid, 4);
	r.data = data;
	r.size = size;
	r.ts = 5000;
	r.cpu = 1;
	return r;
}

int main(void)
{
	struct tep_handle *tep = tep_alloc();
	struct ft_event ev;
	struct tep_record r;
	struct norm *n;
	uint8_t d[128];

	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_page_size(tep, 4096);
	tep_set_long_size(tep, 8);
	CHECK(tep_parse_event(tep, fmt_ilock, sizeof(fmt_ilock) - 1, "xfs") == 0, "parse xfs_ilock");
	CHECK(tep_parse_event(tep, fmt_dirty, sizeof(fmt_dirty) - 1, "writeback") == 0, "parse dirty");
	CHECK(tep_parse_event(tep, fmt_add, sizeof(fmt_add) - 1, "filemap") == 0, "parse add");
	CHECK(tep_parse_event(tep, fmt_fault510, sizeof(fmt_fault510) - 1, "xfs") == 0, "parse 5.10 fault");
	CHECK(tep_parse_event(tep, fmt_other, sizeof(fmt_other) - 1, "misc") == 0, "parse other");
	tep_register_function(tep, (char *)"xfs_bmap_punch_delalloc_range",
			      0xffffffff81000000ull, NULL);
	tep_register_function(tep, (char *)"next_function", 0xffffffff81000400ull, NULL);
	n = norm_new(tep, sym_cb, NULL);

	/* xfs_ilock: ILOCK_EXCL | MMAPLOCK_SHARED with lockdep subclass bits */
	memset(d, 0, sizeof(d));
	{
		uint32_t dev = (7u << 20) | 3;
		uint64_t ino = 0x83, caller = 0xffffffff81000042ull;
		int32_t flags = 0x4 | 0x20 | (1 << 8);

		put(d, 8, &dev, 4);
		put(d, 16, &ino, 8);
		put(d, 24, &flags, 4);
		put(d, 32, &caller, 8);
	}
	r = mkrec(d, 40, 1815, 4242);
	CHECK(norm_record(n, &r, &ev) == 0, "xfs_ilock normalizes");
	CHECK(ev.kind == FT_K_ILOCK && ev.pid == 4242 && ev.cpu == 1 && ev.ts == 5000, "header");
	CHECK(ev.v[FT_C_DEV] == ((7 << 20) | 3) && ev.v[FT_C_INO] == 0x83, "dev and ino");
	CHECK(ev.v[FT_C_LOCK_CLASS] == (FT_LOCK_ILOCK | FT_LOCK_MMAPLOCK) &&
	      ev.v[FT_C_LOCK_MODE] == (FT_LOCK_EXCL | FT_LOCK_SHARED) && ev.v[FT_C_FLAGS] == 0x24,
	      "lock class/mode/flags with subclass bits masked (flags %lld)",
	      (long long)ev.v[FT_C_FLAGS]);
	CHECK(ft_event_has(&ev, FT_C_CALLER) && ev.v[FT_C_CALLER] == 7 &&
	      ev.v[FT_C_CALLER_OFF] == 0x42, "caller resolved to symbol+0x42");
	CHECK(!ft_event_has(&ev, FT_C_OFFSET) && !ft_event_has(&ev, FT_C_FINDEX),
	      "no offset on a lock event");
	CHECK(ev.payload == d && ev.payload_len == 40, "raw payload kept");

	/* the same record truncated before caller_ip: that field stays NULL */
	r = mkrec(d, 30, 1815, 4242);
	CHECK(norm_record(n, &r, &ev) == 0 && !ft_event_has(&ev, FT_C_CALLER) &&
	      ft_event_has(&ev, FT_C_LOCK_CLASS), "field beyond a short record is NULL");

	/* writeback_dirty_folio: bdi text -> dev; index -> findex and offset */
	memset(d, 0, sizeof(d));
	{
		uint64_t ino = 131, idx = 9;

		memcpy(d + 8, "7:0", 3);
		put(d, 40, &ino, 8);
		put(d, 48, &idx, 8);
	}
	r = mkrec(d, 56, 1009, 1);
	CHECK(norm_record(n, &r, &ev) == 0 && ev.kind == FT_K_DIRTY, "dirty folio normalizes");
	CHECK(ev.v[FT_C_DEV] == (7 << 20) && ev.v[FT_C_INO] == 131, "bdi 7:0 -> dev");
	CHECK(ev.v[FT_C_FINDEX] == 9 && ev.v[FT_C_OFFSET] == 9 * 4096, "index 9 -> offset 36864");
	memcpy(d + 8, "garbage", 8);
	r = mkrec(d, 56, 1009, 1);
	CHECK(norm_record(n, &r, &ev) == 0 && !ft_event_has(&ev, FT_C_DEV),
	      "unparsable bdi leaves dev NULL");
	memset(d + 8, 'x', 32);	/* no NUL at all inside name[32] */
	r = mkrec(d, 56, 1009, 1);
	CHECK(norm_record(n, &r, &ev) == 0 && !ft_event_has(&ev, FT_C_DEV),
	      "unterminated bdi is not overread");

	/* filemap add: absurd index keeps findex, drops the overflowing offset */
	memset(d, 0, sizeof(d));
	{
		uint64_t pfn = 0x1234, ino = 131, idx = 0x7fffffffffffffffull;
		uint32_t sdev = 7u << 20;
		uint8_t order = 2;

		put(d, 8, &pfn, 8);
		put(d, 16, &ino, 8);
		put(d, 24, &idx, 8);
		put(d, 32, &sdev, 4);
		put(d, 36, &order, 1);
	}
	r = mkrec(d, 40, 600, 1);
	CHECK(norm_record(n, &r, &ev) == 0 && ev.kind == FT_K_PAGE_ADD, "page add normalizes");
	CHECK(ev.v[FT_C_FORDER] == 2 && ev.v[FT_C_ADDR] == 0x1234, "order and pfn");
	CHECK(ft_event_has(&ev, FT_C_FINDEX) && !ft_event_has(&ev, FT_C_OFFSET),
	      "absurd index: no overflowing byte offset");

	/* 5.10 alias: xfs_filemap_fault(write_fault) decides the kind */
	memset(d, 0, sizeof(d));
	d[28] = 1;
	r = mkrec(d, 32, 700, 1);
	CHECK(norm_record(n, &r, &ev) == 0 && ev.kind == FT_K_WRITE_FAULT,
	      "5.10 xfs_filemap_fault write_fault=1 is a write fault");
	d[28] = 0;
	r = mkrec(d, 32, 700, 1);
	CHECK(norm_record(n, &r, &ev) == 0 && ev.kind == FT_K_READ_FAULT,
	      "5.10 xfs_filemap_fault write_fault=0 is a read fault");

	/* events without a rule are kept as "other" */
	memset(d, 0, sizeof(d));
	r = mkrec(d, 12, 900, 1);
	CHECK(norm_record(n, &r, &ev) == 0 && ev.kind == FT_K_OTHER && ev.present == 0,
	      "unknown-to-the-rules event is kind other");

	/* hostile records */
	r = mkrec(d, 12, 31337, 1);
	CHECK(norm_record(n, &r, &ev) == -EINVAL, "record of an undescribed type is refused");
	r = mkrec(d, 4, 1815, 1);
	CHECK(norm_record(n, &r, &ev) == -EINVAL, "record shorter than its header is refused");
	r = mkrec(d, 12, 1815, 1);
	r.size = FT_MAX_PAYLOAD + 1;
	CHECK(norm_record(n, &r, &ev) == -EINVAL, "oversized record is refused");

	CHECK(norm_kind_of("writeback", "writeback_dirty_page") == FT_K_DIRTY,
	      "5.10 writeback_dirty_page alias");
	CHECK(norm_kind_of("iomap", "iomap_writepage") == FT_K_WRITEBACK_FOLIO,
	      "5.10 iomap_writepage alias");
	norm_free(n);
	tep_free(tep);
	return tap_done();
}
