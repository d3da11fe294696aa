/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * svg.c - a window's timeline as inline SVG text.
 *
 *   x: time from the window start (the window is shaded and hatched);
 *   lanes: the tasks (writer first, then the racing tasks, then others on
 *          the inode), then one lane per racing page;
 *   marks: one shape per kind of event (so the figure reads in greyscale),
 *          racing events drawn larger with a heavy outline and a label;
 *          every mark has a <title> (id, time, event, detail);
 *   arrows: happens-before edges between shown events (dashed if implied).
 *
 * Everything printed from the database goes through rp_xml().
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "doc.h"
#include "../core/termsafe.h"

#define W_TOTAL	980
#define W_LABEL	150
#define W_RIGHT	20
#define Y_TOP	34
#define LANE_H	40

void rp_xml(FILE *f, const char *s)
{
	size_t n = s ? strlen(s) : 0, i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t l;

		switch (c) {
		case '<': fputs("&lt;", f); i++; continue;
		case '>': fputs("&gt;", f); i++; continue;
		case '&': fputs("&amp;", f); i++; continue;
		case '"': fputs("&quot;", f); i++; continue;
		case '\'': fputs("&#39;", f); i++; continue;
		}
		l = ft_utf8_next(s + i, n - i, &cp);
		if (!l) {
			fputs("&#xfffd;", f);	/* not UTF-8 */
			i++;
		} else if (cp < 0x20 && cp != '\t' && cp != '\n') {
			fputc('?', f);		/* not allowed in XML */
			i++;
		} else if (cp >= 0x7f && ft_term_cp_unsafe(cp)) {
			/* DEL, C1 (HTML maps &#155; to cp1252) and bidi controls: shown */
			fprintf(f, "\\u%04x", (unsigned)cp);
			i += l;
		} else {
			fwrite(s + i, 1, l, f);	/* valid UTF-8 as is */
			i += l;
		}
	}
}

struct scale {
	int64_t t0;
	double span;
};

static double xpos(const struct scale *sc, int64_t ts)
{
	return W_LABEL + (double)(ts - sc->t0) / sc->span * (W_TOTAL - W_LABEL - W_RIGHT);
}

static double ypos(int lane)
{
	return Y_TOP + LANE_H * lane + LANE_H / 2.0;
}

enum shape { SH_LOCK, SH_ADD, SH_DIRTY, SH_DELETE, SH_WRITEBACK, SH_FAULT, SH_EXTENT, SH_OTHER, SH_N };

static const struct {
	const char *kind_prefix;
	enum shape shape;
} shape_rows[] = {
	{ "ilock", SH_LOCK }, { "iunlock", SH_LOCK }, { "contention", SH_LOCK },
	{ "page_add", SH_ADD }, { "dirty", SH_DIRTY }, { "page_delete", SH_DELETE },
	{ "writeback", SH_WRITEBACK }, { "map_blocks", SH_WRITEBACK },
	{ "write_fault", SH_FAULT }, { "read_fault", SH_FAULT }, { "filemap_fault", SH_FAULT },
	{ "iomap", SH_EXTENT }, { "bmap", SH_EXTENT }, { "iext", SH_EXTENT }, { "bunmap", SH_EXTENT },
	{ "buffered_write", SH_EXTENT },
};

static const struct {
	const char *legend, *fill;
} shapes[SH_N] = {
	[SH_LOCK] = { "lock / unlock", "#777777" },
	[SH_ADD] = { "page added", "#ffffff" },
	[SH_DIRTY] = { "page dirtied", "#c0392b" },
	[SH_DELETE] = { "page deleted", "#000000" },
	[SH_WRITEBACK] = { "writeback", "#2e86c1" },
	[SH_FAULT] = { "page fault", "#f39c12" },
	[SH_EXTENT] = { "extent / iomap", "#27ae60" },
	[SH_OTHER] = { "other", "#bbbbbb" },
};

static enum shape shape_of(const char *kind)
{
	for (size_t i = 0; i < sizeof(shape_rows) / sizeof(shape_rows[0]); i++)
		if (!strncmp(kind, shape_rows[i].kind_prefix, strlen(shape_rows[i].kind_prefix)))
			return shape_rows[i].shape;
	return SH_OTHER;
}

static void mark(FILE *f, enum shape sh, double x, double y, double r, int heavy)
{
	const char *fill = shapes[sh].fill;
	const char *stroke = heavy ? "stroke=\"#000\" stroke-width=\"2.5\"" :
				     "stroke=\"#222\" stroke-width=\"1\"";

	switch (sh) {
	case SH_LOCK:
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" %s/>",
			x - r / 3, y - r, 2 * r / 3, 2 * r, fill, stroke);
		break;
	case SH_ADD:
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" %s/>", x, y, r, fill,
			stroke);
		break;
	case SH_DIRTY:
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" %s/>",
			x - r, y - r, 2 * r, 2 * r, fill, stroke);
		break;
	case SH_DELETE:
		fprintf(f, "<path d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\" stroke=\"%s\" "
			"stroke-width=\"%s\"/>", x - r, y - r, x + r, y + r, x - r, y + r, x + r, y - r,
			fill, heavy ? "3.5" : "2");
		break;
	case SH_WRITEBACK:
		fprintf(f, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" fill=\"%s\" %s/>", x, y - r,
			x + r, y + r, x - r, y + r, fill, stroke);
		break;
	case SH_FAULT:
		fprintf(f, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" fill=\"%s\" %s/>",
			x, y - r, x + r, y, x, y + r, x - r, y, fill, stroke);
		break;
	case SH_EXTENT:
		fprintf(f, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" fill=\"%s\" %s/>", x, y + r,
			x + r, y - r, x - r, y - r, fill, stroke);
		break;
	default:
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" %s/>", x, y, r / 2,
			fill, stroke);
	}
}

/* Where an edge end is drawn: the event on a task lane. */
static const struct rp_event *find_task_event(const struct rp_window *w, int64_t id)
{
	for (int i = 0; i < w->nevents; i++)
		if (w->ev[i].id == id && w->lane[w->ev[i].lane].pid >= 0)
			return &w->ev[i];
	return NULL;
}

static void fmt_us(char *buf, size_t n, double ns)
{
	if (ns >= 1e6 || ns <= -1e6)
		snprintf(buf, n, "%+.2f ms", ns / 1e6);
	else
		snprintf(buf, n, "%+.1f us", ns / 1e3);
}

/* The loss a page-lane event is (rp_page.loss_event), or NULL. */
static const char *loss_of(const struct rp_window *w, const struct rp_event *ev)
{
	for (int p = 0; p < w->npages; p++)
		if (w->page[p].loss_event == ev->id && w->lane[ev->lane].index == w->page[p].index)
			return w->page[p].loss_how;
	return NULL;
}

void svg_timeline(FILE *f, const struct rp_window *w)
{
	const char *loss;
	struct scale sc;
	int64_t span = w->t1 - w->t0 > 0 ? w->t1 - w->t0 : 1000;
	int height = Y_TOP + LANE_H * w->nlanes + 72;
	double x0, x1;
	char buf[64];
	int before[RP_MAX_LANES + RP_MAX_PAGES] = { 0 }, after[RP_MAX_LANES + RP_MAX_PAGES] = { 0 };

	sc.t0 = w->t0 - span / 20;
	sc.span = (double)span * 1.1;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" "
		"viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
		"aria-labelledby=\"svgt%lld\" font-family=\"sans-serif\" font-size=\"11\">\n",
		W_TOTAL, height, W_TOTAL, height, (long long)w->id);
	fprintf(f, "<title id=\"svgt%lld\">Timeline of window %lld (", (long long)w->id,
		(long long)w->id);
	rp_xml(f, w->verdict);
	fprintf(f, "): %d lanes, %d events, %d happens-before edges</title>\n", w->nlanes,
		w->nevents, w->nedges);
	fprintf(f, "<defs><pattern id=\"hatch%lld\" width=\"8\" height=\"8\" "
		"patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
		"<rect width=\"8\" height=\"8\" fill=\"#eeeeee\"/>"
		"<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#999\" stroke-width=\"2\"/>"
		"</pattern><marker id=\"arr%lld\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
		"markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
		"<path d=\"M0 0L10 5L0 10z\" fill=\"#333\"/></marker></defs>\n",
		(long long)w->id, (long long)w->id);

	/* the window, shaded and hatched */
	x0 = xpos(&sc, w->start_ns);
	x1 = xpos(&sc, w->end_ns);
	fprintf(f, "<rect class=\"win\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		"fill=\"url(#hatch%lld)\" stroke=\"#555\" stroke-dasharray=\"4 2\"><title>window %lld: "
		"events %lld..%lld, %.1f us</title></rect>\n", x0, Y_TOP - 6,
		x1 - x0 > 2 ? x1 - x0 : 2, LANE_H * w->nlanes + 12, (long long)w->id, (long long)w->id,
		(long long)w->start_event, (long long)w->end_event, (w->end_ns - w->start_ns) / 1e3);
	fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-weight=\"bold\">cleanup window</text>\n", x0,
		Y_TOP - 10);

	/* lanes */
	for (int i = 0; i < w->nlanes; i++) {
		double y = ypos(i);

		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#bbb\"%s/>",
			W_LABEL, y, W_TOTAL - W_RIGHT, y,
			w->lane[i].pid < 0 ? " stroke-dasharray=\"6 3\"" : "");
		fprintf(f, "<text x=\"4\" y=\"%.1f\"%s>", y + 4,
			w->lane[i].pid == w->writer ? " font-weight=\"bold\"" : "");
		rp_xml(f, w->lane[i].label);
		if (w->lane[i].pid == w->writer)
			fputs(" (writer)", f);
		fputs("</text>\n", f);
	}

	/* happens-before edges, under the marks */
	for (int i = 0; i < w->nedges; i++) {
		const struct rp_event *a = find_task_event(w, w->edge[i].src);
		const struct rp_event *b = find_task_event(w, w->edge[i].dst);

		if (!a || !b || a->lane == b->lane)
			continue;
		fprintf(f, "<line class=\"hb\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"#333\" stroke-width=\"1.2\"%s marker-end=\"url(#arr%lld)\">"
			"<title>happens-before (", xpos(&sc, a->ts), ypos(a->lane), xpos(&sc, b->ts),
			ypos(b->lane), w->edge[i].implied ? " stroke-dasharray=\"3 3\"" : "",
			(long long)w->id);
		rp_xml(f, w->edge[i].why);
		fprintf(f, "%s): event %lld -&gt; %lld</title></line>\n",
			w->edge[i].implied ? ", implied" : "", (long long)a->id, (long long)b->id);
	}

	/* marks; events outside the figure's range are counted at its edges */
	for (int i = 0; i < w->nevents; i++) {
		const struct rp_event *ev = &w->ev[i];
		double x = xpos(&sc, ev->ts), y = ypos(ev->lane);

		if (ev->ts < sc.t0 || ev->ts > sc.t0 + (int64_t)sc.span) {
			if (ev->ts < sc.t0)
				before[ev->lane]++;
			else
				after[ev->lane]++;
			continue;
		}

		fprintf(f, "<g class=\"ev%s\">", ev->racing ? " racing" : "");
		mark(f, shape_of(ev->kind), x, y, ev->racing ? 8 : 5, ev->racing);
		fmt_us(buf, sizeof(buf), (double)(ev->ts - w->start_ns));
		fprintf(f, "<title>event %lld at %s: ", (long long)ev->id, buf);
		rp_xml(f, ev->name);
		if (*ev->what) {
			fputs(" (", f);
			rp_xml(f, ev->what);
			fputc(')', f);
		}
		fprintf(f, " by pid %d%s</title>", ev->pid, ev->racing ? ", racing" : "");
		loss = w->lane[ev->lane].pid < 0 ? loss_of(w, ev) : NULL;
		if (ev->id == w->punch_event && w->lane[ev->lane].pid >= 0) {
			/* the writer's delalloc punch: labelled, with a rule across
			 * the lanes (what the racers' pages lose there) */
			fprintf(f, "<line class=\"punch\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
				"stroke=\"#8e44ad\" stroke-width=\"1.5\" stroke-dasharray=\"2 2\"/>"
				"<text class=\"punch\" x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\" "
				"fill=\"#8e44ad\" text-anchor=\"start\">punch</text>", x, Y_TOP - 4, x,
				Y_TOP + LANE_H * w->nlanes + 4, x + 4, y - 10);
		} else if (loss) {
			fprintf(f, "<text class=\"loss\" x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\" "
				"fill=\"#c0392b\" text-anchor=\"end\">loss: %s</text>", x - 10, y - 9, loss);
		} else if (ev->racing) {
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\" text-anchor=\"middle\">"
				"! ", x, y + (i % 2 ? 20 : -11));
			rp_xml(f, ev->kind);
			fputs("</text>", f);
		} else if (w->lane[ev->lane].pid < 0) {
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\">",
				x, y + (i % 2 ? 17 : -9));
			rp_xml(f, ev->kind);
			fputs("</text>", f);
		}
		fputs("</g>\n", f);
	}

	for (int l = 0; l < w->nlanes; l++) {
		if (before[l])
			fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"9\">&lt; %d earlier</text>",
				W_LABEL, ypos(l) - 6, before[l]);
		if (after[l])
			fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\">"
				"%d later &gt;</text>", W_TOTAL - W_RIGHT, ypos(l) - 6, after[l]);
	}
	/* time axis: offsets from the window start */
	{
		double ya = Y_TOP + LANE_H * w->nlanes + 8;

		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#000\"/>",
			W_LABEL, ya, W_TOTAL - W_RIGHT, ya);
		for (int t = 0; t <= 4; t++) {
			double ts = sc.t0 + sc.span * t / 4;
			double x = xpos(&sc, (int64_t)ts);

			fmt_us(buf, sizeof(buf), ts - (double)w->start_ns);
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>"
				"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>", x, ya, x, ya + 4,
				x, ya + 16, t == 0 ? "start" : t == 4 ? "end" : "middle", buf);
		}
		fputc('\n', f);
		/* legend: shapes, so that greyscale prints read */
		for (int s = 0; s < SH_N; s++) {
			double x = W_LABEL + s * 100.0;

			mark(f, (enum shape)s, x, ya + 32, 5, 0);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>", x + 9, ya + 36,
				shapes[s].legend);
		}
		fprintf(f, "<text x=\"%d\" y=\"%.1f\">x: time from the window start; ! marks a racing "
			"event; arrows: happens-before (dashed: implied)</text>\n", W_LABEL, ya + 56);
	}
	fputs("</svg>\n", f);
}
