/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * norm_formats.h - event formats for normalizer tests and fuzzing: kernel
 * interface descriptions (6.18; the 5.10 xfs_filemap_fault layout as
 * documented in docs/kernel-paths.md).
 */
#ifndef FT_NORM_FORMATS_H
#define FT_NORM_FORMATS_H

#define COMMON \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

static const char fmt_ilock[] =
	"name: xfs_ilock\nID: 1815\nformat:\n" COMMON
	"\tfield:dev_t dev;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:xfs_ino_t ino;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:int lock_flags;\toffset:24;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned long caller_ip;\toffset:32;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"ino 0x%llx\", REC->ino\n";
static const char fmt_dirty[] =
	"name: writeback_dirty_folio\nID: 1009\nformat:\n" COMMON
	"\tfield:char name[32];\toffset:8;\tsize:32;\tsigned:0;\n"
	"\tfield:ino_t ino;\toffset:40;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long index;\toffset:48;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"bdi %s\", REC->name\n";
static const char fmt_add[] =
	"name: mm_filemap_add_to_page_cache\nID: 600\nformat:\n" COMMON
	"\tfield:unsigned long pfn;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long i_ino;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long index;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:dev_t s_dev;\toffset:32;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned char order;\toffset:36;\tsize:1;\tsigned:0;\n\n"
	"print fmt: \"ino %lx\", REC->i_ino\n";
static const char fmt_fault510[] =
	"name: xfs_filemap_fault\nID: 700\nformat:\n" COMMON
	"\tfield:dev_t dev;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:xfs_ino_t ino;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:enum page_entry_size pe_size;\toffset:24;\tsize:4;\tsigned:0;\n"
	"\tfield:bool write_fault;\toffset:28;\tsize:1;\tsigned:0;\n\n"
	"print fmt: \"ino 0x%llx\", REC->ino\n";
static const char fmt_other[] =
	"name: something_else\nID: 900\nformat:\n" COMMON
	"\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"x %d\", REC->x\n";

#endif
