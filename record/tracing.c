/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tracing.c - see tracing.h. */
#include "tracing.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../core/kfingerprint.h"
#include "normalize.h"

#define MAX_SYSTEMS 32

struct tracing {
	struct tracefs_instance *inst;
	char name[64];
	char clock[32];
	int cpus;
	int created;
	struct tep_handle *tep;
	char missing[2048];
	int enabled;
	const char *systems[MAX_SYSTEMS + 1];
	int nsystems;
	int kallsyms;		/* entries loaded from /proc/kallsyms */
	uint32_t ksyms;		/* core/kfingerprint.h names among them */
};

static int ensure_tracefs(struct ft_err *e)
{
	const char *path = NULL;

	if (tracefs_tracing_dir_is_mounted(false, &path) == 1)
		return 0;
	if (geteuid() != 0)
		return ft_error(e, -EPERM, "recording needs root: tracefs is not mounted "
				"and only root can mount it");
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0 &&
	    errno != EBUSY)
		return ft_error(e, -errno, "cannot mount tracefs at /sys/kernel/tracing: %s",
				strerror(errno));
	if (tracefs_tracing_dir_is_mounted(false, &path) != 1)
		return ft_error(e, -ENODEV, "tracefs is not available on this kernel");
	return 0;
}

static void add_system(struct tracing *t, const char *sys)
{
	for (int i = 0; i < t->nsystems; i++)
		if (!strcmp(t->systems[i], sys))
			return;
	if (t->nsystems < MAX_SYSTEMS) {
		t->systems[t->nsystems++] = strdup(sys);
		t->systems[t->nsystems] = NULL;
	}
}

static void note_missing(struct tracing *t, const char *sys, const char *ev)
{
	size_t n = strlen(t->missing);

	snprintf(t->missing + n, sizeof(t->missing) - n, "%s%s:%s", n ? ", " : "", sys, ev);
}

/* Enables sys:ev (ev NULL: the whole system); missing ones are noted. */
static int enable(struct tracing *t, const char *sys, const char *ev, struct ft_err *e)
{
	if (tracefs_event_enable(t->inst, sys, ev) < 0) {
		char path[256];

		snprintf(path, sizeof(path), "events/%s%s%s", sys, ev ? "/" : "", ev ? ev : "");
		if (!tracefs_file_exists(t->inst, path)) {
			note_missing(t, sys, ev ? ev : "*");
			return 0;
		}
		return ft_error(e, -errno ? -errno : -EPERM,
				"cannot enable %s:%s in tracing instance %s: %s%s", sys,
				ev ? ev : "*", t->name, strerror(errno ? errno : EPERM),
				errno == EPERM ? " (kernel lockdown?)" : "");
	}
	add_system(t, sys);
	t->enabled++;
	return 0;
}

/* Device/inode filters on the events that have the fields for them. */
static int apply_filters(struct tracing *t, const struct tracing_opts *o, struct ft_err *e)
{
	const struct norm_name *names;
	int n = norm_known_events(&names);

	if (o->filter_dev < 0 && o->filter_ino < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		struct tep_event *ev = tep_find_event_by_name(t->tep, names[i].system, names[i].name);
		const char *devf = NULL, *inof = NULL;
		char filter[256] = "";

		if (!ev)
			continue;
		if (tep_find_field(ev, "dev")) devf = "dev";
		else if (tep_find_field(ev, "s_dev")) devf = "s_dev";
		if (tep_find_field(ev, "ino")) inof = "ino";
		else if (tep_find_field(ev, "i_ino")) inof = "i_ino";
		if (o->filter_dev >= 0 && devf)
			snprintf(filter, sizeof(filter), "%s == %lld", devf, (long long)o->filter_dev);
		else if (o->filter_dev >= 0 && o->filter_bdi && tep_find_field(ev, "name") &&
			 !strcmp(names[i].system, "writeback"))
			snprintf(filter, sizeof(filter), "name == \"%s\"", o->filter_bdi);
		if (o->filter_ino >= 0 && inof) {
			size_t k = strlen(filter);

			snprintf(filter + k, sizeof(filter) - k, "%s%s == %lld", k ? " && " : "",
				 inof, (long long)o->filter_ino);
		}
		if (!filter[0])
			continue;
		if (tracefs_event_file_write(t->inst, names[i].system, names[i].name,
					     "filter", filter) < 0)
			return ft_error(e, -EINVAL, "cannot set filter '%s' on %s:%s", filter,
					names[i].system, names[i].name);
	}
	return 0;
}

/* Lines "ADDR TYPE NAME" of a kallsyms text, but absolute symbols (type
 * A/a: x86-64 per-cpu offsets), which libtraceevent skips. */
static int count_kallsyms(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	int n = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *sp;
		const char *le = eol ? eol : end;

		sp = memchr(p, ' ', (size_t)(le - p));
		if (sp && le - sp > 3 && sp[2] == ' ' && sp[1] != 'A' && sp[1] != 'a')
			n++;
		p = eol ? eol + 1 : end;
	}
	return n;
}

static int load_kallsyms(struct tracing *t)
{
	struct tep_handle *tep = t->tep;
	FILE *f = fopen("/proc/kallsyms", "r");
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if (!f)
		return -1;
	/* /proc files report no size: read to EOF */
	{
		size_t cap = 0, k;

		for (;;) {
			if (cap - len < 65536) {
				char *p = realloc(buf, cap + (1 << 22));

				if (!p) {
					free(buf);
					fclose(f);
					return -1;
				}
				buf = p;
				cap += 1 << 22;
			}
			k = fread(buf + len, 1, cap - len - 1, f);
			if (!k)
				break;
			len += k;
		}
	}
	fclose(f);
	buf[len] = '\0';
	ret = tep_parse_kallsyms(tep, buf);
	/* What import records from a trace-cmd file's kallsyms (decode.c):
	 * the entries libtraceevent keeps (not the absolute ones), counted
	 * here because libtracefs may have loaded them into tep already. */
	t->kallsyms = count_kallsyms(buf, len);
	kfp_scan(&t->ksyms, buf, len, 2);	/* "ADDR TYPE NAME [MOD]" */
	free(buf);
	return ret;
}

/*
 * Instances "foliotrace-PID" of recordings that were killed (kill -9): the
 * kernel keeps them, with their buffers, until someone removes them.  Only
 * those whose process no longer exists go.
 */
static void remove_stale_instances(void)
{
	char **names = tracefs_instances("^foliotrace-[0-9][0-9]*$");	/* BRE or ERE */

	for (int i = 0; names && names[i]; i++) {
		long pid = strtol(names[i] + strlen("foliotrace-"), NULL, 10);
		struct tracefs_instance *inst;

		if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		inst = tracefs_instance_alloc(NULL, names[i]);
		if (inst) {
			tracefs_instance_destroy(inst);
			tracefs_instance_free(inst);
		}
	}
	tracefs_list_free(names);
}

int tracing_open(struct tracing **out, const struct tracing_opts *o, struct ft_err *e)
{
	struct tracing *t;
	int ret;

	*out = NULL;
	ret = ensure_tracefs(e);
	if (ret < 0)
		return ret;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ft_error(e, -ENOMEM, "out of memory");
	if (o->instance)
		snprintf(t->name, sizeof(t->name), "%s", o->instance);
	else
		snprintf(t->name, sizeof(t->name), "foliotrace-%d", (int)getpid());
	remove_stale_instances();
	snprintf(t->clock, sizeof(t->clock), "%s", o->clock ? o->clock : "mono");
	if (tracefs_instance_exists(t->name)) {
		ret = ft_error(e, -EEXIST, "tracing instance %s exists already (used by someone "
			       "else?); choose another with --instance", t->name);
		goto fail;
	}
	t->inst = tracefs_instance_create(t->name);
	if (!t->inst) {
		ret = ft_error(e, -errno ? -errno : -EPERM, "cannot create tracing instance %s: %s",
			       t->name, strerror(errno ? errno : EPERM));
		goto fail;
	}
	t->created = 1;
	tracefs_trace_off(t->inst);
	if (tracefs_instance_file_write(t->inst, "trace_clock", t->clock) < 0) {
		ret = ft_error(e, -EINVAL, "trace clock '%s' is not available (see %s/trace_clock)",
			       t->clock, tracefs_tracing_dir());
		goto fail;
	}
	if (o->buffer_kb && tracefs_instance_set_buffer_size(t->inst, o->buffer_kb, -1) < 0) {
		ret = ft_error(e, -ENOMEM, "cannot set a %u KB per-cpu buffer", o->buffer_kb);
		goto fail;
	}
	t->cpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (o->preset || !o->nevents) {
		const struct norm_name *names;
		int n = norm_known_events(&names);

		for (int i = 0; i < n && ret == 0; i++)
			ret = enable(t, names[i].system, names[i].name, e);
	}
	for (int i = 0; i < o->nevents && ret == 0; i++) {
		char sys[64], *colon;

		snprintf(sys, sizeof(sys), "%s", o->events[i]);
		colon = strchr(sys, ':');
		if (colon)
			*colon = '\0';
		ret = enable(t, sys, colon ? colon + 1 : NULL, e);
	}
	if (ret < 0)
		goto fail;
	if (!t->enabled) {
		ret = ft_error(e, -ENOENT, "none of the requested events exists on this kernel (%s)",
			       t->missing);
		goto fail;
	}
	t->tep = tracefs_local_events_system(NULL, t->systems);
	if (!t->tep) {
		ret = ft_error(e, -EINVAL, "cannot read the event formats from tracefs");
		goto fail;
	}
	load_kallsyms(t);		/* best effort: callers stay unresolved without it */
	tracefs_load_cmdlines(NULL, t->tep);
	ret = apply_filters(t, o, e);
	if (ret < 0)
		goto fail;
	*out = t;
	return 0;
fail:
	tracing_close(t);
	return ret;
}

void tracing_close(struct tracing *t)
{
	if (!t)
		return;
	if (t->inst) {
		tracefs_trace_off(t->inst);
		if (t->created) {
			tracefs_event_disable(t->inst, NULL, NULL);
			tracefs_instance_destroy(t->inst);
		}
		tracefs_instance_free(t->inst);
	}
	if (t->tep)
		tep_free(t->tep);
	for (int i = 0; i < t->nsystems; i++)
		free((char *)t->systems[i]);
	free(t);
}

int tracing_start(struct tracing *t, struct ft_err *e)
{
	if (tracefs_trace_on(t->inst) < 0)
		return ft_error(e, -EIO, "cannot turn tracing on in instance %s", t->name);
	return 0;
}

int tracing_stop(struct tracing *t) { return tracefs_trace_off(t->inst); }
struct tracefs_instance *tracing_instance(struct tracing *t) { return t->inst; }
const char *tracing_name(const struct tracing *t) { return t->name; }
const char *tracing_clock(const struct tracing *t) { return t->clock; }
int tracing_cpus(const struct tracing *t) { return t->cpus; }
struct tep_handle *tracing_tep(struct tracing *t) { return t->tep; }
const char *tracing_missing(const struct tracing *t) { return t->missing; }
int tracing_enabled_count(const struct tracing *t) { return t->enabled; }
int tracing_kallsyms(const struct tracing *t, uint32_t *ksyms)
{
	*ksyms = t->ksyms;
	return t->kallsyms;
}

char *tracing_cpu_stats(struct tracing *t, int cpu)
{
	char path[64];

	snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", cpu);
	return tracefs_instance_file_read(t->inst, path, NULL);
}

int tracing_exclude_pids(struct tracing *t, const int *pids, int n)
{
	char buf[256] = "";
	size_t len = 0;

	for (int i = 0; i < n && len < sizeof(buf) - 16; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%d", i ? " " : "", pids[i]);
	if (!tracefs_file_exists(t->inst, "set_event_notrace_pid"))
		return -1;
	return tracefs_instance_file_write(t->inst, "set_event_notrace_pid", buf) < 0 ? -1 : 0;
}
