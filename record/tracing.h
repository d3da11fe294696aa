/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tracing.h - foliotrace's own tracefs instance (libtracefs).
 *
 * tracing_open() mounts tracefs if needed, creates a new instance (never
 * reuses one: other tracing users are not disturbed), sets its clock and
 * per-cpu buffer size, enables the requested events that exist on the
 * running kernel and applies device/inode filters.  tracing_close() turns
 * the instance off and removes it; nothing outside it is written.
 */
#ifndef FT_TRACING_H
#define FT_TRACING_H

#include <stdint.h>
#include <tracefs.h>

#include "../core/err.h"

struct tracing_opts {
	const char *instance;	/* NULL: "foliotrace-<pid>" */
	const char *clock;	/* NULL: "mono" */
	unsigned buffer_kb;	/* per cpu; 0: keep the kernel's default */
	const char **events;	/* "system" or "system:event" */
	int nevents;
	int preset;		/* add the xfs-delalloc preset */
	int64_t filter_dev;	/* kernel dev_t, or -1 */
	int64_t filter_ino;	/* or -1 */
	const char *filter_bdi;	/* "major:minor" of the disk, or NULL */
};

struct tracing;

int tracing_open(struct tracing **out, const struct tracing_opts *o, struct ft_err *e);
/* Turns tracing off in the instance, removes it, frees t; NULL allowed. */
void tracing_close(struct tracing *t);

int tracing_start(struct tracing *t, struct ft_err *e);
int tracing_stop(struct tracing *t);

struct tracefs_instance *tracing_instance(struct tracing *t);
const char *tracing_name(const struct tracing *t);
const char *tracing_clock(const struct tracing *t);
int tracing_cpus(const struct tracing *t);
/* The event formats of the enabled systems, with kallsyms loaded. */
struct tep_handle *tracing_tep(struct tracing *t);
/* Events asked for that this kernel lacks (comma-separated, "" if none). */
const char *tracing_missing(const struct tracing *t);
int tracing_enabled_count(const struct tracing *t);
/* Entries read from /proc/kallsyms (0: none readable); *ksyms gets the
 * core/kfingerprint.h names among them. */
int tracing_kallsyms(const struct tracing *t, uint32_t *ksyms);
/* Stops tracing these tasks' events (set_event_notrace_pid). */
int tracing_exclude_pids(struct tracing *t, const int *pids, int n);
/* Text of per_cpu/cpuN/stats (malloc'd) or NULL. */
char *tracing_cpu_stats(struct tracing *t, int cpu);

#endif
