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


/* Output (writing a trace.dat), for `foliotrace record --dat`. */
struct tracecmd_output;
struct tracecmd_event_list;
struct tracecmd_option;
struct tracecmd_output *tracecmd_output_create(const char *output_file);
int tracecmd_output_set_version(struct tracecmd_output *handle, int file_version);
int tracecmd_output_set_compression(struct tracecmd_output *handle, const char *compression);
int tracecmd_output_write_headers(struct tracecmd_output *handle,
				  struct tracecmd_event_list *list);
struct tracecmd_option *tracecmd_add_option(struct tracecmd_output *handle,
					    unsigned short id, int size, const void *data);
void tracecmd_set_out_clock(struct tracecmd_output *handle, const char *clock);
void tracecmd_set_quiet(struct tracecmd_output *handle, bool set_quiet);
int tracecmd_write_cmdlines(struct tracecmd_output *handle);
int tracecmd_write_cpus(struct tracecmd_output *handle, int cpus);
int tracecmd_write_buffer_info(struct tracecmd_output *handle);
int tracecmd_write_options(struct tracecmd_output *handle);
int tracecmd_write_cpu_data(struct tracecmd_output *handle, int cpus,
			    char * const *cpu_data_files, const char *buff_name);
void tracecmd_output_close(struct tracecmd_output *handle);

/* Option ids of the trace.dat format (trace-cmd.dat(5)). */
#define FT_TRACECMD_OPTION_TRACECLOCK	4
#define FT_TRACECMD_OPTION_UNAME	5

#endif
