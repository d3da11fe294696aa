/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * markdown.c - the postmortem as GitHub-flavoured Markdown, for pasting
 * into a bug tracker: the same sections as the HTML without the figures
 * (each detailed window lists its events in order instead).  Text from the
 * database is escaped so that it can neither break a table nor inject
 * markup: | ` * _ [ ] < > & \ are escaped, control bytes replaced.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "doc.h"

static void md(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (strchr("|`*_[]\\#", c))
			fprintf(f, "\\%c", c);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (c < 0x20)
			fputc(' ', f);
		else
			fputc(c, f);
	}
}

static void window_rows(FILE *f, const struct rp_doc *d, int worth)
{
	fputs("| id | verdict | dev:inode | pages | start (s) | duration (us) | tasks | evidence |\n"
	      "|---:|---|---|---|---:|---:|---|---|\n", f);
	for (int i = 0; i < d->nwin; i++) {
		const struct rp_window *w = &d->win[i];

		if (ft_verdict_worth(ft_verdict_find(w->verdict)) != worth)
			continue;
		/* the verdict is a known word (ft_verdict_find), safe to print */
		fprintf(f, "| %lld | **", (long long)w->id);
		md(f, w->verdict);
		fprintf(f, "** | %lld:%lld/%lld | %lld-%lld | %.6f | %.1f | ",
			(long long)(w->dev >> 20), (long long)(w->dev & 0xfffff), (long long)w->ino,
			(long long)w->first, (long long)w->last, w->start_ns / 1e9,
			(w->end_ns - w->start_ns) / 1e3);
		md(f, w->tasks);
		fputs(" | ", f);
		md(f, *w->racing ? w->racing : w->lock);
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

static void window_detail(FILE *f, const struct rp_doc *d, const struct rp_window *w)
{
	int fam = ft_family_find(w->family);

	fprintf(f, "### Window %lld: ", (long long)w->id);
	md(f, w->verdict);
	fputs("\n\n- family ", f);
	md(f, w->family);
	if (fam >= 0) {
		/* the table's words (core/vocab.h) */
		fprintf(f, ": %s", ft_families[fam].title);
		if (*ft_families[fam].commits)
			fprintf(f, " (fixed by %s)", ft_families[fam].commits);
	}
	fprintf(f, "\n- inode %lld:%lld/%lld, pages %lld-%lld, events %lld..%lld\n"
		"- time %.9f s, lasting %.1f us\n- tasks ", (long long)(w->dev >> 20),
		(long long)(w->dev & 0xfffff), (long long)w->ino, (long long)w->first,
		(long long)w->last, (long long)w->start_event, (long long)w->end_event,
		w->start_ns / 1e9, (w->end_ns - w->start_ns) / 1e3);
	md(f, w->tasks);
	fputs("\n- evidence: ", f);
	md(f, *w->racing ? w->racing : *w->lock ? w->lock :
	   "no lock held across the window excludes page faults");
	fputs("\n\nEvents (racing ones marked **!**; the HTML report draws them):\n\n"
	      "| event | us from start | lane | tracepoint | detail |\n|---:|---:|---|---|---|\n", f);
	for (int i = 0; i < w->nevents; i++) {
		const struct rp_event *ev = &w->ev[i];

		fprintf(f, "| %lld%s%s | %+.1f | ", (long long)ev->id, ev->racing ? " **!**" : "",
			ev->id == w->punch_event && w->lane[ev->lane].pid >= 0 ? " (punch)" : "",
			(ev->ts - w->start_ns) / 1e3);
		md(f, w->lane[ev->lane].label);
		fputs(" | ", f);
		md(f, ev->name);
		fputs(" | ", f);
		md(f, ev->what);
		fputs(" |\n", f);
	}
	if (w->events_cut)
		fprintf(f, "\n(first %d events shown)\n", RP_MAX_EVENTS);
	fputc('\n', f);
	for (int p = 0; p < w->npages; p++) {
		const struct rp_page *pg = &w->page[p];

		fprintf(f, "Page %lld (racing pid %d, event %lld%s%s):\n\n", (long long)pg->index,
			pg->pid, (long long)pg->event, pg->before_cleanup ? ", dirtied before the cleanup" : "",
			pg->written_back ? ", written back after the window" : "");
		if (pg->loss_event) {
			fprintf(f, "Its data is lost at event %lld: %s.", (long long)pg->loss_event,
				pg->loss_how);
			if (pg->same_loss) {
				fprintf(f, " The same loss of page %lld is window %lld (", (long long)pg->index,
					(long long)pg->same_loss);
				md(f, pg->same_verdict);
				fputs("): one deletion, seen from both windows.", f);
			}
			fputs("\n\n", f);
		}
		fputs("| event | us from start | pid | tracepoint | state after | extent after |\n"
		      "|---:|---:|---:|---|---|---|\n", f);
		for (int i = 0; i < pg->nstates; i++) {
			const struct rp_state *s = &pg->state[i];

			fprintf(f, "| %lld | %+.1f | %d | ", (long long)s->id, (s->ts - w->start_ns) / 1e3,
				s->pid);
			md(f, s->name);
			fprintf(f, " | %s%s | ", s->state, s->id == pg->loss_event ? " (loss)" : "");
			md(f, s->extent[0] ? s->extent : "unknown");
			fputs(" |\n", f);
		}
		fputc('\n', f);
	}
	if (!w->nreplays && w->replay_timed_out) {
		fprintf(f, "Replay timed out: the report's replay of this window ran over its %g s "
			"timeout and was stopped, so none is stored.\n\n", d->replay_timeout);
		return;
	}
	if (!w->nreplays) {
		fputs("No replay stored for this window.\n\n", f);
		return;
	}
	fputs("| model | outcome | recorded schedule | explored (bad) | where | counterexamples |\n"
	      "|---|---|---|---:|---|---|\n", f);
	for (int i = 0; i < w->nreplays; i++) {
		const struct rp_replay *r = &w->replay[i];

		fputs("| ", f);
		md(f, r->model);
		fputs(rp_is_trace_variant(d, r->model) ? " (this kernel) | " : " | ", f);
		md(f, r->outcome);
		fputs(" | `", f);
		md(f, r->schedule);
		if (r->explored >= 0)
			fprintf(f, "` | %lld (%lld) | ", (long long)r->explored, (long long)r->bad);
		else
			fputs("` | not explored | ", f);
		md(f, r->where ? r->where : "");
		fputs(" | ", f);
		md(f, r->counterexamples ? r->counterexamples : "none");
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

int markdown_write(FILE *f, const struct rp_doc *d)
{
	int detailed = 0, listed = 0;

	fputs("# foliotrace postmortem\n\n**Summary:** ", f);
	md(f, d->summary);
	fputs("\n\n## Trace provenance\n\n", f);
	fputs("- trace file: ", f);
	md(f, d->source);
	fputs("\n- host: ", f);
	md(f, d->host);
	fputs("\n- kernel: ", f);
	md(f, d->kernel);
	fputs(" (", f);
	md(f, d->uname);
	fprintf(f, ")\n- span: %.6f s, clock ", (d->last_ts - d->first_ts) / 1e9);
	md(f, d->clock);
	fprintf(f, ", %lld cpus\n- events: %lld\n- lost events: %lld counted, %lld gaps of unknown "
		"size\n- analysis: ", (long long)d->cpus, (long long)d->n_events,
		(long long)d->lost_events, (long long)d->lost_unknown);
	if (d->analysed) {
		fputs("code variant ", f);
		md(f, d->variant);
	} else {
		fputs("not analysed", f);
	}
	fprintf(f, "\n- recorded: %d tracepoints", d->ntypes);
	for (int i = 0; i < d->ntypes; i++) {
		fputs(i ? ", " : " (", f);
		md(f, d->types[i].name);
		fprintf(f, " %lld", (long long)d->types[i].n);
	}
	fputs(d->ntypes ? ")\n- not recorded: " : "\n- not recorded: ", f);
	for (int i = 0; i < d->nmissing; i++) {
		fputs(i ? ", " : "", f);
		md(f, d->missing[i]);
	}
	fputs(d->nmissing ? "\n\n## Windows\n\n| verdict | windows |\n|---|---:|\n" :
	      "nothing\n\n## Windows\n\n| verdict | windows |\n|---|---:|\n", f);
	for (int v = 0; v < FT_VERDICT__COUNT; v++)
		fprintf(f, "| %s | %lld |\n", ft_verdict_name(v), (long long)d->nverdict[v]);
	for (int i = 0; i < d->nwin; i++) {
		detailed += d->win[i].detailed;
		listed += ft_verdict_worth(ft_verdict_find(d->win[i].verdict));
	}
	fprintf(f, "\n%d windows worth reading listed", listed);
	if (d->unlisted)
		fprintf(f, " (%lld more not listed)", (long long)d->unlisted);
	fprintf(f, ", %d in detail.\n\n", detailed);
	if (listed)
		window_rows(f, d, 1);
	fprintf(f, "Protected: %lld, unknown: %lld (examples below).\n\n",
		(long long)d->nverdict[FT_VERDICT_PROTECTED], (long long)d->nverdict[FT_VERDICT_UNKNOWN]);
	if (d->nwin > listed)
		window_rows(f, d, 0);
	if (d->replays_timed_out) {
		fprintf(f, "%d %s ran over the %g s replay timeout and %s stopped:",
			d->replays_timed_out, d->replays_timed_out == 1 ? "replay" : "replays",
			d->replay_timeout, d->replays_timed_out == 1 ? "was" : "were");
		for (int i = 0, n = 0; i < d->nwin; i++)
			if (d->win[i].replay_timed_out)
				fprintf(f, "%s window %lld", n++ ? "," : "", (long long)d->win[i].id);
		fputs(".\n\n", f);
	}
	if (detailed)
		fputs("## Windows in detail\n\n", f);
	for (int i = 0; i < d->nwin; i++)
		if (d->win[i].detailed)
			window_detail(f, d, &d->win[i]);
	fputs("Schedules are task letters with step counts: W is the writer, the other letters the "
	      "tasks the trace shows on the window's pages (F, G, H.. write faults, B.. writebacks; "
	      "`foliotrace replay DB --window N` lists each).\n", f);
	return ferror(f) ? -EIO : 0;
}
