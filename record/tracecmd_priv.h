/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tracecmd_priv.h - libtracecmd functions that Debian's libtracecmd.so.1
 * (3.1.x) exports but whose public header does not declare.  They give the
 * trace file's metadata (uname, clock, cpu count, ring-buffer statistics).
 * Declarations only; keep this list minimal.
 */
#ifndef FT_TRACECMD_PRIV_H
#define FT_TRACECMD_PRIV_H

#include <trace-cmd/trace-cmd.h>

struct tracecmd_input *tracecmd_alloc_fd(int fd, int flags);
int tracecmd_read_headers(struct tracecmd_input *handle, int state);
const char *tracecmd_get_uname(struct tracecmd_input *handle);
const char *tracecmd_get_trace_clock(struct tracecmd_input *handle);
const char *tracecmd_get_cpustats(struct tracecmd_input *handle);
int tracecmd_cpus(struct tracecmd_input *handle);
int tracecmd_page_size(struct tracecmd_input *handle);
unsigned long tracecmd_get_in_file_version(struct tracecmd_input *handle);
int tracecmd_get_file_compress_proto(struct tracecmd_input *handle,
				     const char **name, const char **version);

#endif
