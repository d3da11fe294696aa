/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kfingerprint.h - the kernel function names that tell code variants apart.
 *
 * Customer kernels backport fixes without changing their version, so the
 * code a kernel runs is read from its own symbols: which functions its
 * kallsyms list.  This is the vocabulary: the names looked up in a trace's
 * kallsyms (record/ does it, at import and while recording) and stored with
 * the trace; analyze/variant.c holds the rows that combine them into
 * variants, docs/variants.md the evidence for each name.
 *
 * Append only: databases store the names (not their numbers), and a name
 * this build does not know is ignored when read back.
 */
#ifndef FT_KFINGERPRINT_H
#define FT_KFINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

enum kfp_sym {
	KFP_IOMAP_WRITE_DELALLOC_RELEASE,	/* exported by 6.12+ (static before) */
	KFP_IOMAP_PUNCH_DELALLOC,		/* iomap_file_buffered_write_punch_delalloc: 6.2-6.11 */
	KFP_XFS_DELALLOC_PUNCH,			/* xfs_buffered_write_delalloc_punch: b71f889c18ad+ */
	KFP_XFS_IOMAP_VALID,			/* xfs_iomap_valid: 304a68b9c63b+ (6.2) */
	KFP_XFS_WRITE_IOMAP_END,		/* xfs_buffered_write_iomap_end: 5.5+ */
	KFP_XFS_BMAP_PUNCH_DELALLOC,		/* xfs_bmap_punch_delalloc_range */
	KFP_INVALIDATE_LOCK_TWO,		/* filemap_invalidate_lock_two: 5.15+ */
	KFP__COUNT
};

/* Bit of a name in a set of present names. */
#define KFP_BIT(sym)	(1u << (sym))

/* The name of a symbol, or "?" out of range. */
const char *kfp_name(int sym);
/* The symbol named name[0..len), or -1. */
int kfp_lookup(const char *name, size_t len);

/*
 * Marks in *present the names of a symbol listing: one symbol a line, the
 * name the field-th whitespace-separated field (counting from 0):
 * /proc/kallsyms ("ADDR TYPE NAME [MOD]") is 2, tep_print_funcs() ("ADDR
 * NAME [MOD]") is 1.  Any text is safe: lines that do not fit are skipped.
 */
void kfp_scan(uint32_t *present, const char *text, size_t len, int field);

/* The present names, space-separated, into buf (truncated to n); returns
 * the length the whole list needs. */
size_t kfp_format(uint32_t present, char *buf, size_t n);

/*
 * Parses a space-separated list of names into *present.  strict: a name
 * not in the table, or a list that is not plain names, is an error (-1);
 * otherwise unknown names are skipped (a database from a newer build).
 */
int kfp_parse(const char *list, uint32_t *present, int strict);

#endif
