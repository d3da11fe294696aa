/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * html.c - the postmortem as one self-contained HTML file: inline CSS
 * (screen and print), inline SVG figures, no script, no external
 * reference of any kind.  Verdicts are words and border styles as well as
 * colours, so the document reads in greyscale.  All text from the
 * database is escaped (rp_xml).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "doc.h"
#include "../core/vocab.h"

static const char css[] =
	"body{font-family:sans-serif;max-width:1040px;margin:1em auto;padding:0 1em;color:#111;"
	"line-height:1.35}\n"
	"h1{font-size:1.6em;border-bottom:3px solid #111}h2{margin-top:1.6em;border-bottom:1px solid #999}\n"
	"table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #999;padding:2px 6px;"
	"text-align:left;vertical-align:top;font-size:.92em}th{background:#eee}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"code,.mono{font-family:monospace}\n"
	".summary{font-size:1.15em;border:2px solid #111;padding:.6em;background:#f6f6f6}\n"
	".v{display:inline-block;padding:0 .4em;border:1px solid #333;font-weight:bold;"
	"text-transform:uppercase;font-size:.85em}\n"
	".v-loss{border:3px double #000;background:#f5b7b1}.v-hit{border:2px solid #000;"
	"background:#fad7a0}.v-dropped{border:2px dashed #000;background:#fcf3cf}"
	".v-unsafe{border:1px dotted #000;background:#eaf2f8}.v-protected{font-weight:normal;"
	"background:#d5f5e3}.v-unknown{font-weight:normal;font-style:italic}\n"
	"figure{margin:.6em 0;overflow-x:auto}figcaption{font-size:.9em;color:#333}\n"
	"svg.timeline{max-width:100%;height:auto;border:1px solid #ccc;background:#fff}\n"
	".note{color:#333;font-size:.92em}.bad{font-weight:bold}\n"
	"@media print{body{max-width:none;margin:0;font-size:10pt}a{color:#000;text-decoration:none}"
	"section.window{page-break-inside:avoid;break-inside:avoid}h2{page-break-after:avoid}"
	".summary,th{background:none}svg.timeline{border:none}}\n";

static void td_text(FILE *f, const char *s)
{
	fputs("<td>", f);
	rp_xml(f, s);
	fputs("</td>", f);
}

/*
 * A window's family, with what the family table says of it (core/vocab.h:
 * what goes wrong, the fixing commits); a name the table does not know (a
 * newer build's, or a hostile file's) is shown as it is.
 */
static void family_cell(FILE *f, const char *name)
{
	int k = ft_family_find(name);

	fputs("<td>", f);
	rp_xml(f, name);
	if (k >= 0) {
		fputs(": ", f);
		rp_xml(f, ft_families[k].title);
		if (*ft_families[k].commits) {
			fputs(" (fixed by ", f);
			rp_xml(f, ft_families[k].commits);
			fputs(")", f);
		}
	}
	fputs("</td>", f);
}

static void verdict_badge(FILE *f, const char *v)
{
	fputs("<span class=\"v v-", f);
	rp_xml(f, v);
	fputs("\">", f);
	rp_xml(f, v);
	fputs("</span>", f);
}

static void dev_ino(char *buf, size_t n, const struct rp_window *w)
{
	snprintf(buf, n, "%lld:%lld/%lld", (long long)(w->dev >> 20), (long long)(w->dev & 0xfffff),
		 (long long)w->ino);
}

static void provenance(FILE *f, const struct rp_doc *d)
{
	double span = (d->last_ts - d->first_ts) / 1e9;

	fputs("<h2 id=\"provenance\">Trace provenance</h2>\n<table class=\"prov\">\n", f);
	fputs("<tr><th>database</th>", f);
	td_text(f, d->db);
	fputs("</tr>\n<tr><th>trace file</th><td>", f);
	rp_xml(f, d->source);
	if (d->source_size >= 0)
		fprintf(f, " (%lld bytes)", (long long)d->source_size);
	fputs("</td></tr>\n<tr><th>host</th>", f);
	td_text(f, d->host);
	fputs("</tr>\n<tr><th>kernel</th><td>", f);
	rp_xml(f, d->kernel);
	fputs(" <span class=\"note\">(", f);
	rp_xml(f, d->uname);
	fputs(")</span></td></tr>\n", f);
	fprintf(f, "<tr><th>span</th><td>%.6f s (%.9f .. %.9f, clock ", span, d->first_ts / 1e9,
		d->last_ts / 1e9);
	rp_xml(f, d->clock);
	fprintf(f, "), %lld cpus</td></tr>\n", (long long)d->cpus);
	fprintf(f, "<tr><th>events</th><td class=\"n\">%lld</td></tr>\n", (long long)d->n_events);
	fprintf(f, "<tr><th>lost events</th><td>%lld counted%s", (long long)d->lost_events,
		d->lost_events ? " (windows overlapping a loss are judged unknown)" : "");
	if (d->lost_unknown)
		fprintf(f, ", %lld gaps of unknown size", (long long)d->lost_unknown);
	fprintf(f, "; %lld rows in the lost table</td></tr>\n", (long long)d->lost_rows);
	fputs("<tr><th>analysis</th><td>", f);
	if (d->analysed) {
		fputs("code variant <code>", f);
		rp_xml(f, d->variant);
		fputs("</code>", f);
		if (*d->notes) {
			fputs("; notes: ", f);
			rp_xml(f, d->notes);
		}
	} else {
		fputs("not analysed", f);
	}
	fputs("</td></tr>\n<tr><th>made by</th>", f);
	td_text(f, d->tool);
	fputs("</tr>\n</table>\n", f);

	fprintf(f, "<h3>What was recorded</h3>\n<p>%d tracepoints:</p>\n<table class=\"types\">"
		"<tr><th>tracepoint</th><th>events</th></tr>\n", d->ntypes);
	for (int i = 0; i < d->ntypes; i++) {
		fputs("<tr>", f);
		td_text(f, d->types[i].name);
		fprintf(f, "<td class=\"n\">%lld</td></tr>\n", (long long)d->types[i].n);
	}
	fputs("</table>\n<h3>What was not recorded</h3>\n", f);
	if (!d->nmissing) {
		fputs("<p>Every event kind foliotrace knows has events in this trace.</p>\n", f);
	} else {
		fprintf(f, "<p>%d event kinds foliotrace knows have no event in this trace (not "
			"enabled, not on this kernel, or not happening): ", d->nmissing);
		for (int i = 0; i < d->nmissing; i++) {
			fputs(i ? ", <code>" : "<code>", f);
			rp_xml(f, d->missing[i]);
			fputs("</code>", f);
		}
		fputs(".</p>\n", f);
	}
}

static void verdict_table(FILE *f, const struct rp_doc *d)
{
	fprintf(f, "<h2 id=\"verdicts\">Windows</h2>\n<p>%lld short-write cleanup windows.</p>\n"
		"<table class=\"verdicts\"><tr><th>verdict</th><th>windows</th><th>meaning</th></tr>\n",
		(long long)d->nwindows);
	for (int v = 0; v < FT_VERDICT__COUNT; v++) {
		fputs("<tr><td>", f);
		verdict_badge(f, ft_verdict_name(v));
		fprintf(f, "</td><td class=\"n\">%lld</td><td>%s</td></tr>\n", (long long)d->nverdict[v],
			ft_verdicts[v].meaning);
	}
	fputs("</table>\n", f);
}

static void window_row(FILE *f, const struct rp_window *w)
{
	char di[64];

	dev_ino(di, sizeof(di), w);
	fprintf(f, "<tr class=\"w\" data-window=\"%lld\" data-verdict=\"", (long long)w->id);
	rp_xml(f, w->verdict);
	fputs("\"><td class=\"n\">", f);
	if (w->detailed)
		fprintf(f, "<a href=\"#w%lld\">%lld</a>", (long long)w->id, (long long)w->id);
	else
		fprintf(f, "%lld", (long long)w->id);
	fputs("</td><td>", f);
	verdict_badge(f, w->verdict);
	fputs("</td>", f);
	td_text(f, di);
	fprintf(f, "<td>%lld-%lld</td><td class=\"n\">%.6f</td><td class=\"n\">%.1f</td>",
		(long long)w->first, (long long)w->last, w->start_ns / 1e9,
		(w->end_ns - w->start_ns) / 1e3);
	td_text(f, w->tasks);
	td_text(f, *w->racing ? w->racing : *w->lock ? w->lock : "");
	fputs("</tr>\n", f);
}

static void window_list(FILE *f, const struct rp_doc *d)
{
	static const char head[] = "<table class=\"windows\"><tr><th>id</th><th>verdict</th>"
		"<th>dev:inode</th><th>pages</th><th>start (s)</th><th>duration (us)</th>"
		"<th>tasks</th><th>evidence</th></tr>\n";
	int64_t worth = 0;
	int listed = 0, detailed = 0, examples = 0;

	for (int v = 0; v < FT_VERDICT__COUNT; v++)
		worth += ft_verdict_worth(v) ? d->nverdict[v] : 0;

	for (int i = 0; i < d->nwin; i++) {
		listed += ft_verdict_worth(ft_verdict_find(d->win[i].verdict));
		detailed += d->win[i].detailed;
	}
	fputs("<h3>Windows worth reading</h3>\n", f);
	fprintf(f, "<p class=\"caps\">%lld windows worth reading (%s); %d listed below",
		(long long)worth, ft_verdict_list(1), listed);
	if (d->unlisted)
		fprintf(f, " (%lld not listed: the list stops at %d rows)", (long long)d->unlisted, listed);
	fprintf(f, "; %d shown in detail", detailed);
	if (worth > detailed)
		fprintf(f, " (the first %d, most severe first; raise --max-detail for more)", detailed);
	fputs(".</p>\n", f);
	if (listed) {
		fputs(head, f);
		for (int i = 0; i < d->nwin; i++)
			if (ft_verdict_worth(ft_verdict_find(d->win[i].verdict)))
				window_row(f, &d->win[i]);
		fputs("</table>\n", f);
	}
	fputs("<h3>Protected and unknown windows (summarised)</h3>\n", f);
	fprintf(f, "<p class=\"summarised\">%lld protected, %lld unknown",
		(long long)d->nverdict[FT_VERDICT_PROTECTED],
		(long long)d->nverdict[FT_VERDICT_UNKNOWN]);
	for (int i = 0; i < d->nwin; i++)
		examples += !ft_verdict_worth(ft_verdict_find(d->win[i].verdict));
	if (examples)
		fprintf(f, "; up to %d examples of each:</p>\n%s", RP_MAX_EXAMPLES, head);
	else
		fputs(".</p>\n", f);
	for (int i = 0; i < d->nwin; i++)
		if (!ft_verdict_worth(ft_verdict_find(d->win[i].verdict)))
			window_row(f, &d->win[i]);
	if (examples)
		fputs("</table>\n", f);
}

/* The loss a page shows, and the other window that shows the same one. */
static void page_loss(FILE *f, const struct rp_page *pg)
{
	if (!pg->loss_event)
		return;
	fprintf(f, "<p class=\"loss\" data-loss-event=\"%lld\">Its data is lost at event %lld: %s.",
		(long long)pg->loss_event, (long long)pg->loss_event, pg->loss_how);
	if (pg->same_loss) {
		fprintf(f, " The same loss of page %lld is <a href=\"#w%lld\" data-same-loss=\"%lld\">"
			"window %lld</a> (", (long long)pg->index, (long long)pg->same_loss,
			(long long)pg->same_loss, (long long)pg->same_loss);
		rp_xml(f, pg->same_verdict);
		fputs("): one deletion, seen from both windows.", f);
	}
	fputs("</p>\n", f);
}

static void page_states(FILE *f, const struct rp_window *w)
{
	for (int p = 0; p < w->npages; p++) {
		const struct rp_page *pg = &w->page[p];

		fprintf(f, "<h4>Page %lld: state changes</h4>\n<p class=\"note\">Racing task pid %d, "
			"event %lld%s%s.</p>\n", (long long)pg->index, pg->pid, (long long)pg->event,
			pg->before_cleanup ? ", dirtied before the cleanup, which deleted it" : "",
			pg->written_back ? "; written back after the window" : "");
		page_loss(f, pg);
		fprintf(f, "<table class=\"states\" data-page=\"%lld\"><tr><th>event</th>"
			"<th>time from window start (us)</th><th>pid</th><th>tracepoint</th>"
			"<th>page state after</th><th>extent after</th></tr>\n", (long long)pg->index);
		for (int i = 0; i < pg->nstates; i++) {
			const struct rp_state *s = &pg->state[i];

			fprintf(f, "<tr%s><td class=\"n\">%lld</td><td class=\"n\">%+.1f</td>"
				"<td class=\"n\">%d</td>", s->id == pg->event || s->id == pg->loss_event ?
				" class=\"bad\"" : "", (long long)s->id, (s->ts - w->start_ns) / 1e3, s->pid);
			td_text(f, s->name);
			fprintf(f, "<td>%s%s</td>", s->state, s->id == pg->event ? " (racing)" :
				s->id == pg->loss_event ? " (loss)" : "");
			td_text(f, s->extent[0] ? s->extent : "unknown");
			fputs("</tr>\n", f);
		}
		fputs("</table>\n", f);
		if (pg->states_cut)
			fprintf(f, "<p class=\"note\">(first %d changes shown)</p>\n", RP_MAX_STATES);
	}
}

static void replay_table(FILE *f, const struct rp_doc *d, const struct rp_window *w)
{
	if (!w->nreplays && w->replay_timed_out) {
		fprintf(f, "<p class=\"note timeout\" data-replay=\"timeout\">Replay timed out: the "
			"report's replay of this window ran over its %g s timeout and was stopped, so "
			"none is stored (run <code>foliotrace replay DB --window %lld</code> for the "
			"recorded schedule alone, or the report with a longer --replay-timeout).</p>\n",
			d->replay_timeout, (long long)w->id);
		return;
	}
	if (!w->nreplays) {
		fputs("<p class=\"note\">No replay stored for this window (run <code>foliotrace "
		      "replay DB --window N --explore</code>, or the report without --no-replay).</p>\n", f);
		return;
	}
	fputs("<table class=\"replays\"><tr><th>model variant</th><th>outcome</th><th>recorded "
	      "schedule</th><th>digest</th><th>schedules explored (bad)</th><th>where</th>"
	      "<th>counterexample schedules</th></tr>\n", f);
	for (int i = 0; i < w->nreplays; i++) {
		const struct rp_replay *r = &w->replay[i];

		fputs("<tr><td>", f);
		rp_xml(f, r->model);
		if (rp_is_trace_variant(d, r->model))
			fputs(" <strong>(this kernel)</strong>", f);
		fprintf(f, "</td><td%s>", strcmp(r->outcome, "ok") ? " class=\"bad\"" : "");
		rp_xml(f, r->outcome);
		fputs("</td><td class=\"mono\">", f);
		rp_xml(f, r->schedule);
		fputs("</td><td class=\"mono\">", f);
		rp_xml(f, r->digest);
		if (r->explored >= 0)
			fprintf(f, "</td><td class=\"n\">%lld (%lld)</td>", (long long)r->explored,
				(long long)r->bad);
		else
			fputs("</td><td>not explored</td>", f);
		td_text(f, r->where ? r->where : "");
		fputs("<td class=\"mono\">", f);
		rp_xml(f, r->counterexamples ? r->counterexamples : "none");
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p class=\"note\">Schedules are task letters with step counts: W is the "
	      "writer, the other letters the tasks the trace shows on the window's pages (F, G, "
	      "H.. write faults, B.. writebacks; <code>foliotrace replay DB --window N</code> lists "
	      "each).</p>\n", f);
}

static void window_section(FILE *f, const struct rp_doc *d, const struct rp_window *w)
{
	char di[64];

	dev_ino(di, sizeof(di), w);
	fprintf(f, "<section class=\"window\" id=\"w%lld\" data-verdict=\"", (long long)w->id);
	rp_xml(f, w->verdict);
	fprintf(f, "\">\n<h2>Window %lld: ", (long long)w->id);
	verdict_badge(f, w->verdict);
	fputs("</h2>\n<table class=\"facts\"><tr><th>family</th>", f);
	family_cell(f, w->family);
	fputs("</tr><tr><th>inode</th>", f);
	td_text(f, di);
	fprintf(f, "</tr><tr><th>%s</th><td>%lld-%lld</td></tr>"
		"<tr><th>events</th><td>%lld..%lld</td></tr><tr><th>time</th><td>%.9f s, lasting "
		"%.1f us</td></tr><tr><th>tasks</th>",
		strcmp(w->family, "delalloc_punch") ? "pages" : "pages punched",
		(long long)w->first, (long long)w->last,
		(long long)w->start_event, (long long)w->end_event, w->start_ns / 1e9,
		(w->end_ns - w->start_ns) / 1e3);
	td_text(f, w->tasks);
	fputs("</tr><tr><th>evidence</th>", f);
	td_text(f, *w->racing ? w->racing : *w->lock ? w->lock : "no lock held across the window "
		"excludes page faults");
	fputs("</tr></table>\n<figure>\n", f);
	svg_timeline(f, w);
	fprintf(f, "<figcaption>Window %lld: tasks and racing pages over time; the hatched band is "
		"the cleanup window (truncate_pagecache_range to the delalloc punch)%s%s.</figcaption>\n"
		"</figure>\n", (long long)w->id, w->events_cut ? "; events cut at the figure's limit" : "",
		w->lanes_cut ? "; more tasks than lanes" : "");
	if (w->npages)
		page_states(f, w);
	else
		fputs("<p class=\"note\">No other task touched the punched pages.</p>\n", f);
	fputs("<h3>Replay in the kernel-path model</h3>\n", f);
	replay_table(f, d, w);
	fputs("</section>\n", f);
}

int html_write(FILE *f, const struct rp_doc *d)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>foliotrace postmortem: ", f);
	rp_xml(f, d->source);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
	fputs("<h1>foliotrace postmortem</h1>\n<p class=\"summary\" id=\"summary\"><strong>Summary:"
	      "</strong> ", f);
	rp_xml(f, d->summary);
	fputs("</p>\n<p class=\"note\">Race: commit 198dd8aedee6 (XFS). After a short buffered write, "
	      "the cleanup (truncate_pagecache_range, then the delalloc punch) ran under IOLOCK "
	      "only; an mmap write fault could dirty a folio in between, leaving it without "
	      "delalloc backing, and writeback then lost its data.</p>\n", f);
	provenance(f, d);
	verdict_table(f, d);
	window_list(f, d);
	if (d->replays_run || d->replays_failed)
		fprintf(f, "<p class=\"note\">This report ran %d replays (%d failed) and stored them "
			"in the database.</p>\n", d->replays_run + d->replays_failed, d->replays_failed);
	if (d->replays_timed_out) {
		fprintf(f, "<p class=\"note timeout\" id=\"replay-timeouts\">%d %s ran over the "
			"%g s replay timeout and %s stopped:", d->replays_timed_out,
			d->replays_timed_out == 1 ? "replay" : "replays", d->replay_timeout,
			d->replays_timed_out == 1 ? "was" : "were");
		for (int i = 0, n = 0; i < d->nwin; i++)
			if (d->win[i].replay_timed_out)
				fprintf(f, "%s <a href=\"#w%lld\">window %lld</a>", n++ ? "," : "",
					(long long)d->win[i].id, (long long)d->win[i].id);
		fputs(".</p>\n", f);
	}
	for (int i = 0; i < d->nwin; i++)
		if (d->win[i].detailed)
			window_section(f, d, &d->win[i]);
	fputs("<hr>\n<p class=\"note\">Written by foliotrace report. Times are nanoseconds of the "
	      "trace clock unless stated; pages are page-cache indexes.</p>\n</body>\n</html>\n", f);
	return ferror(f) ? -EIO : 0;
}
