/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * datfile.h - `foliotrace record --dat FILE`: assemble a trace-cmd file from
 * the raw ring-buffer pages the recorder saved, one file per cpu.
 */
#ifndef FT_DATFILE_H
#define FT_DATFILE_H

#include "../core/err.h"
#include "tracing.h"

/* Writes the file tmp (the caller renames it to dat: core/durable.h) from
 * cpu_files[0..ncpu); dat names it in messages; 0 or < 0. */
int datfile_write(const char *tmp, const char *dat, struct tracing *tr, char **cpu_files,
		  int ncpu, struct ft_err *e);

#endif
