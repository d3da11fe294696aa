/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.c - gathering the postmortem document and writing it.
 *
 * Steps: open the database read-only -> provenance and verdict counts ->
 * the listed windows (query_windows) -> mark the detailed ones -> if asked,
 * close the database and run the window-replay job with --explore in a
 * child process (jobs/winreplay.h: winreplay_child, no exec) for the
 * detailed windows without stored replays (the child opens the database
 * for writing; we never do), each within the replay timeout (the child's
 * process group is killed when it runs over, and the window is marked)
 * -> reopen read-only -> each
 * detailed window's figure data -> the writer (html.c or markdown.c) into
 * a temporary file -> rename.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/store.h"
#include "../jobs/winreplay.h"
#include "doc.h"
#include "query.h"

static void window_free(struct rp_window *w)
{
	free(w->family);
	free(w->verdict);
	free(w->tasks);
	free(w->racing);
	free(w->lock);
	for (int i = 0; w->ev && i < w->nevents; i++) {
		free(w->ev[i].name);
		free(w->ev[i].kind);
		free(w->ev[i].what);
	}
	free(w->ev);
	for (int i = 0; i < w->nlanes; i++)
		free(w->lane[i].label);
	for (int i = 0; i < w->npages; i++)
		for (int j = 0; j < w->page[i].nstates; j++)
			free(w->page[i].state[j].name);
	for (int i = 0; i < w->nreplays; i++) {
		struct rp_replay *r = &w->replay[i];

		free(r->model);
		free(r->outcome);
		free(r->digest);
		free(r->schedule);
		free(r->where);
		free(r->counterexamples);
	}
}

void doc_free(struct rp_doc *d)
{
	free(d->db);
	free(d->source);
	free(d->host);
	free(d->kernel);
	free(d->uname);
	free(d->clock);
	free(d->variant);
	free(d->notes);
	free(d->tool);
	for (int i = 0; i < d->ntypes; i++)
		free(d->types[i].name);
	free(d->types);
	for (int i = 0; i < d->nmissing; i++)
		free(d->missing[i]);
	free(d->missing);
	for (int i = 0; i < d->nwin; i++)
		window_free(&d->win[i]);
	free(d->win);
	memset(d, 0, sizeof(*d));
}

/* --- the one-sentence summary ------------------------------------------ */

static const char *code_of(const char *variant)
{
	int v = ft_variant_find(variant);

	return v >= 0 ? ft_variants[v].code : "code of an unknown variant";
}

static const char *plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void summarise(struct rp_doc *d)
{
	char *p = d->summary;
	size_t room = sizeof(d->summary);
	const int64_t *n = d->nverdict;
	char kernel[160];
	int k;

	snprintf(kernel, sizeof(kernel), "%.64s runs %s", *d->kernel ? d->kernel : "the kernel",
		 code_of(d->variant));
	if (!d->analysed) {
		snprintf(p, room, "Not analysed yet: run 'foliotrace analyze' on the database to "
			 "find the race windows.");
		return;
	}
	if (n[FT_VERDICT_LOSS]) {
		k = snprintf(p, room, "%lld %s lost data: the trace shows %s (%s)", (long long)n[FT_VERDICT_LOSS],
			     plural(n[FT_VERDICT_LOSS], "window", "windows"),
			     ft_variant_find(d->variant) == FT_VARIANT_PREFIX ? "the pre-fix race of 198dd8aedee6" :
			     "writeback of a folio left without delalloc backing", kernel);
	} else if (n[FT_VERDICT_HIT]) {
		k = snprintf(p, room, "%lld %s had a page fault dirty a folio inside the short-write "
			     "cleanup (the race of 198dd8aedee6) but the trace shows no loss (%s)",
			     (long long)n[FT_VERDICT_HIT], plural(n[FT_VERDICT_HIT], "window", "windows"), kernel);
	} else if (n[FT_VERDICT_DROPPED]) {
		k = snprintf(p, room, "No data was written back over a hole, but %lld short-write %s "
			     "dropped another task's dirty data (%s)", (long long)n[FT_VERDICT_DROPPED],
			     plural(n[FT_VERDICT_DROPPED], "cleanup", "cleanups"), kernel);
	} else if (n[FT_VERDICT_UNSAFE]) {
		k = snprintf(p, room, "No race was observed, but %lld short-write cleanup %s open to "
			     "page faults (%s)", (long long)n[FT_VERDICT_UNSAFE],
			     plural(n[FT_VERDICT_UNSAFE], "window was", "windows were"), kernel);
	} else if (n[FT_VERDICT_PROTECTED]) {
		k = snprintf(p, room, "No race: %s %lld short-write cleanup %s protected against "
			     "page faults (%s)", n[FT_VERDICT_UNKNOWN] ? "" : "all",
			     (long long)n[FT_VERDICT_PROTECTED], plural(n[FT_VERDICT_PROTECTED], "window was",
			     "windows were"), kernel);
	} else if (n[FT_VERDICT_UNKNOWN]) {
		k = snprintf(p, room, "Undecided: the %lld short-write cleanup %s overlap lost "
			     "events or lack fault events (%s)", (long long)n[FT_VERDICT_UNKNOWN],
			     plural(n[FT_VERDICT_UNKNOWN], "window does", "windows do"), kernel);
	} else {
		k = snprintf(p, room, "No short-write cleanup window in this trace (%s)", kernel);
	}
	if (k < 0 || (size_t)k >= room)
		return;
	p += k;
	room -= (size_t)k;
	if (n[FT_VERDICT_LOSS] && n[FT_VERDICT_DROPPED]) {
		/* a dropped window loses data too: the failed write's truncate
		 * deleted another task's dirty page (core/vocab.h) */
		k = snprintf(p, room, "; in %lld more %s the failed write's truncate deleted "
			     "another task's dirty page, losing its data", (long long)n[FT_VERDICT_DROPPED],
			     plural(n[FT_VERDICT_DROPPED], "window", "windows"));
		if (k >= 0 && (size_t)k < room && n[FT_VERDICT_HIT]) {
			p += k;
			room -= (size_t)k;
			k = snprintf(p, room, "; %lld more %s raced without a loss in the trace",
				     (long long)n[FT_VERDICT_HIT], plural(n[FT_VERDICT_HIT], "window",
				     "windows"));
		}
	} else if (n[FT_VERDICT_LOSS] && n[FT_VERDICT_HIT])
		k = snprintf(p, room, "; %lld more %s raced without a loss in the trace",
			     (long long)n[FT_VERDICT_HIT], plural(n[FT_VERDICT_HIT], "window", "windows"));
	else if (n[FT_VERDICT_UNKNOWN] && (n[FT_VERDICT_LOSS] || n[FT_VERDICT_HIT] ||
					     n[FT_VERDICT_DROPPED] || n[FT_VERDICT_UNSAFE] ||
					     n[FT_VERDICT_PROTECTED]))
		k = snprintf(p, room, "; %lld %s could not be judged", (long long)n[FT_VERDICT_UNKNOWN],
			     plural(n[FT_VERDICT_UNKNOWN], "window", "windows"));
	else
		k = 0;
	if (k >= 0 && (size_t)k < room)
		snprintf(p + k, room - (size_t)k, ".");
}

/* --- output: the one discipline of core/durable.h ------------------------ */

int out_open(struct out_file *o, const char *path, int force, const char *what,
	     const char *input, struct ft_err *e)
{
	const char *inputs[] = { input, NULL };
	int ret;

	memset(o, 0, sizeof(*o));
	ret = durable_begin(&o->d, path, DURABLE_DIRECT | (force ? DURABLE_FORCE : 0), what,
			    inputs, e);
	if (ret < 0)
		return ret;
	if (o->d.fd == STDOUT_FILENO && !o->d.close_fd) {
		o->f = stdout;
		return 0;
	}
	o->f = fdopen(o->d.fd, "w");
	if (!o->f) {
		ret = ft_error(e, -errno, "%s: cannot create: %s", path, strerror(errno));
		durable_abort(&o->d);
		return ret;
	}
	o->d.close_fd = 0;	/* the FILE closes it */
	return 0;
}

int out_commit(struct out_file *o, struct ft_err *e)
{
	FILE *f = o->f;
	int ret = 0;

	if (!f)
		return ft_error(e, -EINVAL, "output not open");
	if (ferror(f) | fflush(f)) {
		ret = ft_error(e, -EIO, "%s: write error: %s", f == stdout ? "standard output" :
			       o->d.path, strerror(errno));
		out_abort(o);
		return ret;
	}
	ret = durable_commit(&o->d, e);	/* fsync, rename, fsync(dir); or just done */
	if (f != stdout && fclose(f) != 0 && ret == 0)
		ret = ft_error(e, -EIO, "write error: %s", strerror(errno));
	o->f = NULL;
	return ret;
}

void out_abort(struct out_file *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	o->f = NULL;
	durable_abort(&o->d);
}

/* --- replays in a child (jobs/winreplay.h) ------------------------------- */

/* Detailed windows whose pages show the same loss event (one deletion of a
 * dirty page: the writer's loss window and the dropped window of the
 * truncate that deleted it) name each other. */
static void link_losses(struct rp_doc *d)
{
	for (int i = 0; i < d->nwin; i++)
		for (int a = 0; a < d->win[i].npages; a++) {
			struct rp_page *p = &d->win[i].page[a];

			for (int j = 0; p->loss_event && !p->same_loss && j < d->nwin; j++)
				for (int b = 0; j != i && b < d->win[j].npages; b++) {
					const struct rp_page *q = &d->win[j].page[b];

					if (d->win[j].ino == d->win[i].ino && q->index == p->index &&
					    q->loss_event == p->loss_event) {
						p->same_loss = d->win[j].id;
						p->same_verdict = d->win[j].verdict;
						break;
					}
				}
		}
}

static int spawn_replays(struct store **s, const struct report_opts *o, struct rp_doc *d,
			 struct ft_err *e)
{
	int64_t *ids = NULL;
	int n = 0, ret, status;

	ret = query_unreplayed(*s, d, &ids, &n, e);
	if (ret < 0 || n == 0) {
		free(ids);
		return ret;
	}
	store_close(*s);
	*s = NULL;
	d->replay_timeout = o->replay_timeout;
	for (int i = 0; i < n; i++) {
		ret = winreplay_child(o->db, ids[i], o->replay_timeout, &status);
		if (ret == -ETIMEDOUT) {
			for (int k = 0; k < d->nwin; k++)
				if (d->win[k].id == ids[i])
					d->win[k].replay_timed_out = 1;
			d->replays_timed_out++;
			if (!o->quiet)
				ft_warn("%s: window %lld: replay %d of %d stopped after %g s "
					"(--replay-timeout); the report shows no replay for it",
					o->db, (long long)ids[i], i + 1, n, o->replay_timeout);
		}
		if (ret < 0)
			d->replays_failed++;
		else
			d->replays_run++;
	}
	free(ids);
	if (d->replays_failed > d->replays_timed_out && !o->quiet)
		ft_warn("%s: %d of %d replays failed; their windows show no replay", o->db,
			d->replays_failed - d->replays_timed_out, n);
	return store_open(s, o->db, STORE_READONLY, e);
}

int report_write(const struct report_opts *o, struct ft_err *e)
{
	struct rp_doc d;
	struct store *s = NULL;
	struct out_file out = { .d = { .fd = -1, .lock_fd = -1, .slot = -1 } };
	int ret, ndetail = 0;

	memset(&d, 0, sizeof(d));
	d.db = strdup(o->db);
	if (!d.db)
		return ft_error(e, -ENOMEM, "out of memory");
	ret = store_open(&s, o->db, STORE_READONLY, e);
	if (ret < 0)
		goto out;
	if ((ret = query_provenance(s, &d, e)) < 0)
		goto out;
	summarise(&d);
	if ((ret = query_windows(s, &d, o->max_list, e)) < 0)
		goto out;
	/* Detail: the listed read-worthy windows, most severe first, up to the cap. */
	for (int i = 0; i < d.nwin; i++) {
		if (ft_verdict_worth(ft_verdict_find(d.win[i].verdict)) && ndetail < o->max_detail) {
			d.win[i].detailed = 1;
			ndetail++;
		}
	}
	/* OUT checked and locked before the replays (they may take a while) */
	if ((ret = out_open(&out, o->out, o->force, "report", o->db, e)) < 0)
		goto out;
	if (o->run_replays && (ret = spawn_replays(&s, o, &d, e)) < 0)
		goto out;
	for (int i = 0; i < d.nwin; i++)
		if (d.win[i].detailed && (ret = query_window_detail(s, &d.win[i], e)) < 0)
			goto out;
	link_losses(&d);
	ret = o->format == REPORT_MARKDOWN ? markdown_write(out.f, &d) : html_write(out.f, &d);
	if (ret < 0) {
		ft_error(e, ret, "%s: write error", o->out);
		goto out;
	}
	ret = out_commit(&out, e);
out:
	if (out.f)
		out_abort(&out);
	store_close(s);
	doc_free(&d);
	return ret;
}
