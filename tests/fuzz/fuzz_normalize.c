/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_normalize.c - the normalization of decoded events: records of known
 * and unknown types with any payload (short, absurd values, huge indexes,
 * negative sizes), through record/normalize.c and the emitter's validation
 * as the decoder does it.  Input: 2 bytes choosing the event type, 2 bytes
 * of declared size, then the record bytes.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "../../record/normalize.h"
#include "../unit/norm_formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tep_handle *tep;
static struct norm *norm;

static int64_t sym_cb(void *d, const char *name)
{
	(void)d;
	return (int64_t)strlen(name);
}

static void setup(void)
{
	tep = tep_alloc();
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_page_size(tep, 4096);
	tep_set_long_size(tep, 8);
	tep_parse_event(tep, fmt_ilock, sizeof(fmt_ilock) - 1, "xfs");
	tep_parse_event(tep, fmt_dirty, sizeof(fmt_dirty) - 1, "writeback");
	tep_parse_event(tep, fmt_add, sizeof(fmt_add) - 1, "filemap");
	tep_parse_event(tep, fmt_fault510, sizeof(fmt_fault510) - 1, "xfs");
	tep_parse_event(tep, fmt_other, sizeof(fmt_other) - 1, "misc");
	tep_register_function(tep, (char *)"xfs_bmap_punch_delalloc_range",
			      0xffffffff81000000ull, NULL);
	norm = norm_new(tep, sym_cb, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { 1815, 1009, 600, 700, 900, 1, 65535 };
	struct tep_record r;
	struct ft_event ev;
	uint8_t rec[512];
	size_t n;

	if (!norm)
		setup();
	if (size < 4)
		return 0;
	memset(&r, 0, sizeof(r));
	memset(rec, 0, sizeof(rec));
	n = size - 4 < sizeof(rec) ? size - 4 : sizeof(rec);
	memcpy(rec, data + 4, n);
	/* the common header: the chosen type, the pid from the data */
	memcpy(rec, &types[data[0] % (sizeof(types) / sizeof(types[0]))], 2);
	r.data = rec;
	/* a declared size that may lie about the bytes (never beyond rec) */
	r.size = (int)((data[2] | data[3] << 8) % (sizeof(rec) + 1));
	r.ts = (unsigned long long)data[1] << 40;
	r.cpu = data[1] % 4;
	norm_record(norm, &r, &ev);
	return 0;
}
