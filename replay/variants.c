/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * variants.c - one table per kernel code variant: which step runs in each
 * program slot of each task kind, and which slot follows it.
 *
 * Adding a variant is adding its row to core/vocab.h's variant table (name,
 * kernels, fingerprint) and a table here that carries its enum (and, if its
 * code does something new, a step in model.c): no variant tests anywhere
 * else.  tests/unit/test_vocab.c checks that every variant has its table.  The user-facing
 * variants come first; the test-only broken-* ones after them each break one
 * invariant on purpose (tests/unit/test_replay.c).
 *
 *   prefix    5.10 .. 6.1.91: iomap_end truncates the page cache of the
 *             unwritten tail, then punches its delalloc, under IOLOCK only.
 *   fix       198dd8aedee6 alone: the same under invalidate_lock held
 *             exclusively; the truncate still drops others' dirty folios.
 *   v6.2      f43dc4dc3eff + the stale-iomap series (6.2 .. 6.11): no
 *             truncate; a scan keeps the delalloc under dirty folios and
 *             punches the rest; writes check the iomap validity cookie;
 *             page_mkwrite has no ->iomap_end.
 *   upstream  6.12 ..: the steps of v6.2.  XFS takes invalidate_lock itself
 *             around the release (6.12 xfs_buffered_write_iomap_end), the
 *             same lock at the same point as iomap did; page_mkwrite passes
 *             xfs_page_mkwrite_iomap_ops, no ->iomap_end (6.12
 *             xfs_write_fault; from 6.13 the buffered-write ops whose
 *             ->iomap_end returns at once on IOMAP_FAULT: no step either).
 *             It differs from v6.2 in the events it names (kernel 6.12:
 *             xfs_iomap_invalid, mm_filemap_fault, xfs_iomap_alloc before
 *             the ILOCK release, xfs_wb_data_iomap_invalid).
 *
 * Each variant also names its default kernel (struct mvariant.kernel): the
 * tracepoint names its steps use unless model_config.kernel says otherwise.
 */
#include <string.h>

#include "../core/vocab.h"
#include "model_impl.h"

#define S(slot, st, nx) [slot] = { &(st), (int8_t)(nx) }

#define W_COMMON(folio_step)						\
	S(W_IOLOCK, st_w_iolock, W_BEGIN),				\
	S(W_BEGIN, st_w_begin, W_FOLIO),				\
	S(W_FOLIO, folio_step, W_END),					\
	S(W_END, st_w_end, W_CL1),					\
	S(W_IOUNLOCK, st_w_iounlock, NX_DONE)

#define CLEANUP_PREFIX(punch)						\
	S(W_CL1, st_cl_truncate, W_CL2),				\
	S(W_CL2, punch, NX_RESUME)

#define CLEANUP_LOCKED(l, a, b, u)					\
	S(W_CL1, l, W_CL2),						\
	S(W_CL2, a, W_CL3),						\
	S(W_CL3, b, W_CL4),						\
	S(W_CL4, u, NX_RESUME)

#define F_COMMON(rd, mk, fl, begin, unl)				\
	S(F_READ, rd, F_MKLOCK),					\
	S(F_MKLOCK, mk, F_FLOCK),					\
	S(F_FLOCK, fl, F_BEGIN),					\
	S(F_BEGIN, begin, F_DIRTY),					\
	S(F_MKUNLOCK, unl, F_STORE),					\
	S(F_STORE, st_f_store, F_USTORE),				\
	S(F_USTORE, st_f_ustore, NX_DONE)

/* page_mkwrite calls ->iomap_end (prefix, fix: xfs_buffered_write_iomap_ops,
 * before 118e021b4b66, with written == length: a no-op).  6.1.192 and 6.12
 * pass xfs_page_mkwrite_iomap_ops, which has no ->iomap_end
 * (xfs_file.c:__xfs_filemap_fault / xfs_write_fault). */
#define F_END_STEP(st)							\
	S(F_DIRTY, st_f_dirty, F_END),					\
	S(F_END, st, F_MKUNLOCK)
#define F_NO_END							\
	S(F_DIRTY, st_f_dirty, F_MKUNLOCK)

#define F_STD F_COMMON(st_f_read, st_f_mklock, st_f_flock, st_f_begin, st_f_mkunlock)

#define OTHERS								\
	S(B_LOCK, st_b_lock, B_MAP),					\
	S(B_MAP, st_b_map, B_CONVERT),					\
	S(B_CONVERT, st_b_convert, B_SUBMIT),				\
	S(B_SUBMIT, st_b_submit, B_LOCK),				\
	S(P_IOLOCK, st_p_iolock, P_INVAL),				\
	S(P_INVAL, st_p_inval, P_TRUNC),				\
	S(P_TRUNC, st_p_trunc, P_UNMAP),				\
	S(P_UNMAP, st_p_unmap, P_INVUNLOCK),				\
	S(P_SIZE, st_p_size, P_INVUNLOCK),				\
	S(P_INVUNLOCK, st_p_invunlock, P_IOUNLOCK),			\
	S(P_IOUNLOCK, st_p_iounlock, NX_DONE),				\
	S(R_IOLOCK, st_r_iolock, R_FOLIO),				\
	S(R_FOLIO, st_r_folio, R_IOUNLOCK),				\
	S(R_IOUNLOCK, st_r_iounlock, NX_DONE),				\
	S(RF_READ, st_rf_read, NX_DONE)

#define CLEANUP_RELEASE							\
	CLEANUP_LOCKED(st_cl_inval_lock, st_cl_scan, st_cl_punch_clean, st_cl_inval_unlock)

const struct mvariant model_variants[] = {
	{ FT_VARIANT_NAME_PREFIX, "5.10 .. 6.1.91: truncate then punch under IOLOCK only",
	  0, MK_510, {
		W_COMMON(st_w_folio), CLEANUP_PREFIX(st_cl_punch),
		F_STD, F_END_STEP(st_f_end_written), OTHERS }, FT_VARIANT_PREFIX },
	{ FT_VARIANT_NAME_FIX, "198dd8aedee6 alone: truncate + punch under invalidate_lock exclusive",
	  0, MK_61, {
		W_COMMON(st_w_folio),
		CLEANUP_LOCKED(st_cl_inval_lock, st_cl_truncate, st_cl_punch, st_cl_inval_unlock),
		F_STD, F_END_STEP(st_f_end_written), OTHERS }, FT_VARIANT_FIX },
	{ FT_VARIANT_NAME_V62,
	  "6.2 .. 6.11: keep dirty folios, punch clean ranges, iomap validity cookie", 0, MK_61, {
		W_COMMON(st_w_folio_valid), CLEANUP_RELEASE,
		F_STD, F_NO_END, OTHERS }, FT_VARIANT_V62 },
	{ FT_VARIANT_NAME_UPSTREAM,
	  "6.12 ..: the steps of v6.2 (XFS takes invalidate_lock); 6.12 tracepoints", 0, MK_612, {
		W_COMMON(st_w_folio_valid), CLEANUP_RELEASE,
		F_STD, F_NO_END, OTHERS }, FT_VARIANT_UPSTREAM },

	/* test-only: each breaks one invariant on purpose */
	{ "broken-noreserve", "upstream whose page_mkwrite never reserves over a hole", 1, MK_612, {
		W_COMMON(st_w_folio_valid), CLEANUP_RELEASE,
		F_COMMON(st_f_read, st_f_mklock, st_f_flock, st_f_begin_noreserve, st_f_mkunlock),
		F_NO_END, OTHERS }, -1 },
	{ "broken-punch-leak", "prefix whose punch does not give the blocks back", 1, MK_510, {
		W_COMMON(st_w_folio), CLEANUP_PREFIX(st_cl_punch_leak),
		F_STD, F_END_STEP(st_f_end_written), OTHERS }, -1 },
	{ "broken-fault-nolock", "upstream whose faults take no invalidate_lock", 1, MK_612, {
		W_COMMON(st_w_folio_valid), CLEANUP_RELEASE,
		F_COMMON(st_f_read_nolock, st_f_mklock_none, st_f_flock_nomk, st_f_begin,
			 st_f_mkunlock_none),
		F_NO_END, OTHERS }, -1 },
	{ "broken-truncate", "upstream whose release truncates the page cache", 1, MK_612, {
		W_COMMON(st_w_folio_valid),
		CLEANUP_LOCKED(st_cl_inval_lock, st_cl_truncate, st_cl_punch, st_cl_inval_unlock),
		F_STD, F_NO_END, OTHERS }, -1 },
	{ "broken-inval-leak", "upstream that never releases invalidate_lock", 1, MK_612, {
		W_COMMON(st_w_folio_valid),
		CLEANUP_LOCKED(st_cl_inval_lock, st_cl_scan, st_cl_punch_clean,
			       st_cl_inval_unlock_leak),
		F_STD, F_NO_END, OTHERS }, -1 },
	{ "broken-scan-nolock", "upstream whose release scan locks and keeps nothing", 1, MK_612, {
		W_COMMON(st_w_folio_valid),
		CLEANUP_LOCKED(st_cl_inval_lock, st_cl_scan_nolock, st_cl_punch_clean,
			       st_cl_inval_unlock),
		F_STD, F_NO_END, OTHERS }, -1 },
};

const int model_nvariants = (int)(sizeof(model_variants) / sizeof(model_variants[0]));
const int model_nuser_variants = FT_VARIANT__COUNT;	/* the first rows, in vocab order */

int model_variant_count(int with_test_only)
{
	return with_test_only ? model_nvariants : model_nuser_variants;
}

const char *model_variant_name(int i)
{
	return i >= 0 && i < model_nvariants ? model_variants[i].name : NULL;
}

const char *model_variant_summary(int i)
{
	return i >= 0 && i < model_nvariants ? model_variants[i].summary : NULL;
}

int model_variant_vocab(int i)
{
	return i >= 0 && i < model_nvariants ? model_variants[i].vocab : -1;
}

int model_variant_of_vocab(int v)
{
	for (int i = 0; v >= 0 && i < model_nvariants; i++)
		if (model_variants[i].vocab == v)
			return i;
	return -1;
}

int model_variant_find(const char *name)
{
	for (int i = 0; i < model_nvariants; i++)
		if (!strcmp(model_variants[i].name, name))
			return i;
	return -1;
}
