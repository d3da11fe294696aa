/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * datfile.c - `foliotrace record --dat FILE`: a trace-cmd compatible file
 * made from the raw ring-buffer pages the recorder saved per cpu, written
 * with libtracecmd's output functions (exported by Debian's libtracecmd.so.1
 * but not in its public header, see tracecmd_priv.h).  The events are
 * stored as the file's top-level buffer; the TRACECLOCK option carries the
 * instance's clock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "datfile.h"
#include "tracecmd_priv.h"

int datfile_write(const char *tmp, const char *dat, struct tracing *tr, char **cpu_files,
		  int ncpu, struct ft_err *e)
{
	struct tracecmd_output *h;
	struct utsname u;
	char uname_buf[400];
	int ret = -1;

	tracecmd_set_loglevel(TEP_LOG_NONE);
	h = tracecmd_output_create(tmp);
	if (!h)
		return ft_error(e, -EIO, "%s: cannot create a trace-cmd file", dat);
	tracecmd_set_quiet(h, true);
	tracecmd_set_out_clock(h, tracing_clock(tr));
	if (tracecmd_output_write_headers(h, NULL) < 0)
		goto out;
	if (uname(&u) == 0) {
		snprintf(uname_buf, sizeof(uname_buf), "%s %s %s %s", u.sysname, u.nodename,
			 u.release, u.machine);
		tracecmd_add_option(h, FT_TRACECMD_OPTION_UNAME, (int)strlen(uname_buf) + 1,
				    uname_buf);
	}
	tracecmd_add_option(h, FT_TRACECMD_OPTION_TRACECLOCK, 0, NULL);
	if (tracecmd_write_cmdlines(h) < 0 || tracecmd_write_cpus(h, ncpu) < 0 ||
	    tracecmd_write_buffer_info(h) < 0 || tracecmd_write_options(h) < 0 ||
	    tracecmd_write_cpu_data(h, ncpu, cpu_files, NULL) < 0)
		goto out;
	ret = 0;
out:
	tracecmd_output_close(h);
	if (ret < 0)
		return ft_error(e, -EIO, "%s: writing the trace-cmd file failed", dat);
	return 0;
}
