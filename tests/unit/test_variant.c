/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of core/kfingerprint.c (name lookup in symbol listings) and
 * analyze/variant.c (the fingerprint table, the fallbacks, the override),
 * on stores written the way the loader writes them.  The real traces are
 * checked by tests/t3005-variant.sh.
 */
#include <errno.h>
#include <string.h>

#include "../../analyze/variant.h"
#include "../../core/kfingerprint.h"
#include "../../record/loader.h"
#include "tap.h"

static void test_names(void)
{
	/* /proc/kallsyms lines (names in field 2), module suffixes, CRLF,
	 * near misses and junk. */
	static const char kallsyms[] =
		"0000000000000000 A fixed_percpu_data\n"
		"ffffffffb7df42b0 T iomap_file_buffered_write_punch_delalloc\n"
		"ffffffffc0441b90 t xfs_bmap_punch_delalloc_range\t[xfs]\n"
		"ffffffffc0441b90 t xfs_iomap_valid.cold\t[xfs]\n"
		"ffffffffc0441b90 t __pfx_xfs_buffered_write_iomap_end\t[xfs]\n"
		"ffffffffb7c807b0 T filemap_invalidate_lock_two\r\n"
		"garbage\n\n   \n"
		"ffffffff00000000 T\n"
		"iomap_write_delalloc_release";
	/* tep_print_funcs() lines (names in field 1) */
	static const char funcs[] =
		"ffffffff817860a0 iomap_write_delalloc_release\n"
		"ffffffffc0456ca0 xfs_buffered_write_delalloc_punch [xfs]\n";
	uint32_t p = 0, q;
	char buf[512];
	size_t n;

	kfp_scan(&p, kallsyms, sizeof(kallsyms) - 1, 2);
	CHECK_EQ_INT(p, KFP_BIT(KFP_IOMAP_PUNCH_DELALLOC) | KFP_BIT(KFP_XFS_BMAP_PUNCH_DELALLOC) |
		     KFP_BIT(KFP_INVALIDATE_LOCK_TWO), "kallsyms text: exact names only");
	p = 0;
	kfp_scan(&p, funcs, sizeof(funcs) - 1, 1);
	CHECK_EQ_INT(p, KFP_BIT(KFP_IOMAP_WRITE_DELALLOC_RELEASE) |
		     KFP_BIT(KFP_XFS_DELALLOC_PUNCH), "tep_print_funcs text");
	n = kfp_format(p, buf, sizeof(buf));
	CHECK(!strcmp(buf, "iomap_write_delalloc_release xfs_buffered_write_delalloc_punch") &&
	      n == strlen(buf), "format: '%s'", buf);
	CHECK(kfp_parse(buf, &q, 1) == 0 && q == p, "parse gives back what format wrote");
	n = kfp_format(p, buf, 10);
	CHECK(strlen(buf) == 9 && n > 10, "format truncates and says the length needed");
	CHECK(kfp_parse("", &q, 1) == 0 && q == 0, "an empty list is no name");
	CHECK(kfp_parse("xfs_iomap_valid some_new_name", &q, 1) < 0, "strict: unknown name refused");
	CHECK(kfp_parse("xfs_iomap_valid some_new_name", &q, 0) == 0 &&
	      q == KFP_BIT(KFP_XFS_IOMAP_VALID), "lenient: unknown name skipped");
	CHECK(kfp_parse("xfs_iomap_valid\tx", &q, 1) < 0, "strict: not plain names refused");
	for (int i = 0; i < KFP__COUNT; i++)
		CHECK(kfp_lookup(kfp_name(i), strlen(kfp_name(i))) == i, "lookup %s", kfp_name(i));
}

/* A store with one trace as the loader leaves it: release, uname, and
 * (entries >= 0) the kallsyms rows. */
static struct store *trace_db(const char *release, const char *uname, long long entries,
			      const char *names, int64_t *tid)
{
	struct store_trace_info ti = { "test", -1, "test" };
	struct ft_err e = FT_ERR_INIT;
	struct store *s = NULL;

	if (store_create(&s, ":memory:", &e) < 0 || store_trace_begin(s, &ti, tid, &e) < 0)
		return NULL;
	if (release)
		store_trace_set_text(s, *tid, "kernel_release", release, &e);
	if (uname)
		store_trace_set_text(s, *tid, "uname", uname, &e);
	if (entries >= 0) {
		store_trace_set_meta_int(s, *tid, "kallsyms", entries, &e);
		if (names)
			store_trace_set_meta_text(s, *tid, "ksyms", names, &e);
	}
	return s;
}

static void detect(const char *what, const char *release, long long entries, const char *names,
		   const char *override, const char *want, int want_inval, const char *why)
{
	struct ft_err e = FT_ERR_INIT;
	struct caps c;
	int64_t tid = 0;
	struct store *s = trace_db(release, NULL, entries, names, &tid);
	int ret = s ? variant_detect(s, tid, override, &c, &e) : -1;

	CHECK(ret == 0 && !strcmp(variant_name(c.var), want) && c.has_inval == want_inval &&
	      strstr(c.why, why), "%s: %s%s (got %s, inval %d: %s)", what, want,
	      want_inval ? " with invalidate_lock" : "", ret == 0 ? variant_name(c.var) : "error",
	      c.has_inval, ret == 0 ? c.why : e.msg);
	store_close(s);
}

static void test_detect(void)
{
	const long long full = 104109;

	/* The rows, on the names the fixtures' kallsyms list. */
	detect("Debian 5.10.223 (release 5.10.0-32-amd64)", "5.10.0-32-amd64", 113632,
	       "xfs_buffered_write_iomap_end xfs_bmap_punch_delalloc_range", NULL, "prefix", 0,
	       "variant prefix from the kernel's symbols: xfs_buffered_write_iomap_end, "
	       "xfs_bmap_punch_delalloc_range present; ");
	detect("Debian 6.1.192 (release 6.1.0-56-amd64)", "6.1.0-56-amd64", full,
	       "iomap_file_buffered_write_punch_delalloc xfs_buffered_write_delalloc_punch "
	       "xfs_iomap_valid xfs_buffered_write_iomap_end xfs_bmap_punch_delalloc_range "
	       "filemap_invalidate_lock_two", NULL, "v6.2", 1,
	       "variant v6.2 from the kernel's symbols: iomap_file_buffered_write_punch_delalloc "
	       "present");
	detect("6.18", "6.18.44", 122166,
	       "iomap_write_delalloc_release xfs_buffered_write_delalloc_punch xfs_iomap_valid "
	       "xfs_buffered_write_iomap_end xfs_bmap_punch_delalloc_range filemap_invalidate_lock_two",
	       NULL, "upstream", 1, "iomap_file_buffered_write_punch_delalloc absent");
	detect("a 6.2-6.11 kernel that kept the static release helper out of line", "6.6.0", full,
	       "iomap_write_delalloc_release iomap_file_buffered_write_punch_delalloc "
	       "filemap_invalidate_lock_two", NULL, "v6.2", 1, "from the kernel's symbols");
	detect("198dd8aedee6 + b71f889c18ad alone, helper out of line", "6.1.0-9-amd64", full,
	       "xfs_buffered_write_delalloc_punch xfs_buffered_write_iomap_end "
	       "xfs_bmap_punch_delalloc_range filemap_invalidate_lock_two", NULL, "fix", 1,
	       "variant fix from the kernel's symbols");
	detect("a 6.1 before the backport (release says nothing)", "6.1.0-9-amd64", full,
	       "xfs_buffered_write_iomap_end xfs_bmap_punch_delalloc_range filemap_invalidate_lock_two",
	       NULL, "prefix", 1, "MMAPLOCK is invalidate_lock (filemap_invalidate_lock_two present)");
	detect("a backport on an old version number", "5.10.0-99", full,
	       "iomap_file_buffered_write_punch_delalloc filemap_invalidate_lock_two", NULL, "v6.2", 1,
	       "from the kernel's symbols");

	/* Fallbacks to the version, saying why. */
	detect("no kallsyms in the trace", "6.1.0-56-amd64", 0, NULL, NULL, "prefix", 1,
	       "the trace has no kallsyms: variant prefix from the kernel version 6.1.0");
	detect("no kallsyms, 6.18", "6.18.44", 0, NULL, NULL, "upstream", 1,
	       "the trace has no kallsyms: variant upstream from the kernel version 6.18.44");
	detect("a database from before kallsyms were stored", "5.10.0-32-amd64", -1, NULL, NULL,
	       "prefix", 0, "does not record the trace's kernel symbols");
	detect("xfs not loaded: no xfs names, no iomap helper", "5.10.0-32-amd64", 113000, "",
	       NULL, "prefix", 0, "no fingerprint matches the trace's kallsyms (113000 entries; "
	       "present: none of the names looked for): variant prefix from the kernel version");
	detect("a reduced list: absence proves nothing", "6.18.44", 96,
	       "xfs_buffered_write_iomap_end xfs_bmap_punch_delalloc_range", NULL, "upstream", 1,
	       "96 entries, a reduced list; present: xfs_buffered_write_iomap_end, "
	       "xfs_bmap_punch_delalloc_range): variant upstream from the kernel version 6.18.44");
	detect("a reduced list still matches on presence alone", "5.10.0", 96,
	       "iomap_file_buffered_write_punch_delalloc", NULL, "v6.2", 1, "from the kernel's symbols");
	detect("a name of a newer build is skipped", "5.10.0-32-amd64", 113632,
	       "xfs_buffered_write_iomap_end some_later_name xfs_bmap_punch_delalloc_range", NULL,
	       "prefix", 0, "from the kernel's symbols");
	detect("no release and no kallsyms", NULL, 0, NULL, NULL, "prefix", 0,
	       "the kernel release is unknown");

	/* The user's word wins, and the notes say what the symbols said. */
	detect("--variant prefix on 6.1.192", "6.1.0-56-amd64", full,
	       "iomap_file_buffered_write_punch_delalloc filemap_invalidate_lock_two", "prefix",
	       "prefix", 1, "variant prefix given by the user (the kernel's symbols say v6.2)");
	detect("--variant v6.2 where the symbols agree", "6.1.0-56-amd64", full,
	       "iomap_file_buffered_write_punch_delalloc", "v6.2", "v6.2", 1, "given by the user");
	{
		struct ft_err e = FT_ERR_INIT;
		struct caps c;
		int64_t tid = 0;
		struct store *s = trace_db("6.1.0", NULL, 0, NULL, &tid);

		CHECK(variant_detect(s, tid, "6.2", &c, &e) == -EINVAL && strstr(e.msg, "'6.2'"),
		      "an unknown variant name is an error: %s", e.msg);
		store_close(s);
	}
	{
		/* Debian's uname -v names the upstream version (--uname-version). */
		struct ft_err e = FT_ERR_INIT;
		struct caps c;
		int64_t tid = 0;
		struct store *s = trace_db("6.1.0-56-amd64", "Linux h 6.1.0-56-amd64 #1 SMP "
					   "PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16) x86_64",
					   0, NULL, &tid);

		CHECK(variant_detect(s, tid, NULL, &c, &e) == 0 && c.var == VAR_V62 &&
		      strstr(c.why, "no kallsyms: variant v6.2 from the kernel version 6.1.192"),
		      "no kallsyms, Debian uname -v: %s", c.why);
		store_close(s);
	}
}

/* The loader takes the decoder's kallsyms frames into meta rows and
 * refuses names that are not in the table. */
static int meta_frame(struct loader *l, const char *key, const char *val, struct ft_err *e)
{
	uint8_t body[256];
	size_t kl = strlen(key) + 1, vl = strlen(val) + 1;
	struct wire_frame f = { WIRE_META, body, (uint32_t)(kl + vl) };

	memcpy(body, key, kl);
	memcpy(body + kl, val, vl);
	return loader_frame(l, &f, e);
}

static void test_loader(void)
{
	struct store *s = NULL;
	struct loader *l = NULL;
	struct import_stats st;
	struct ft_err e = FT_ERR_INIT;
	uint32_t hello = WIRE_VERSION;
	struct wire_frame f = { WIRE_HELLO, (const uint8_t *)&hello, sizeof(hello) };
	sqlite3_stmt *q = NULL;
	int rows = 0;

	CHECK(store_create(&s, ":memory:", &e) == 0 &&
	      loader_new(&l, s, "t.dat", 1, "test", &st, &e) == 0 && loader_frame(l, &f, &e) == 0,
	      "a loader: %s", e.msg);
	CHECK(meta_frame(l, "kallsyms", "104109", &e) == 0 &&
	      meta_frame(l, "ksyms", "iomap_file_buffered_write_punch_delalloc xfs_iomap_valid", &e) == 0,
	      "kallsyms frames are taken: %s", e.msg);
	if (sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM meta WHERE (key = 'trace:1:kallsyms' "
			       "AND value = 104109) OR (key = 'trace:1:ksyms' AND value = "
			       "'iomap_file_buffered_write_punch_delalloc xfs_iomap_valid')", -1, &q,
			       NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		rows = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	CHECK_EQ_INT(rows, 2, "stored as meta rows trace:1:kallsyms and trace:1:ksyms");
	ft_err_clear(&e);
	CHECK(meta_frame(l, "ksyms", "xfs_iomap_valid rm_-rf", &e) == -EPROTO &&
	      strstr(e.msg, "kernel symbol names"), "a name not in the table is refused: %s", e.msg);
	ft_err_clear(&e);
	CHECK(meta_frame(l, "kallsyms", "-3", &e) < 0, "a negative count is refused: %s", e.msg);
	loader_free(l);
	store_close(s);
}

int main(void)
{
	test_names();
	test_detect();
	test_loader();
	return tap_done();
}
