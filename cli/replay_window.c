/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay_window.c - foliotrace replay DB --window N: a recorded window as a
 * model run that follows the trace, compared with what the trace shows.
 *
 * The database side is analyze/window.c (the window's facts, its events cut
 * into operations, in happens-before order); the model side is
 * replay/window.c (the tasks, the walk that places every step at the trace
 * event it stands for).  This file joins them, prints (the agreement line
 * first, then the first divergence, then per variant the steps with their
 * events; pages are file page indexes) and stores the runs in `replays`
 * (each detail's steps carry the ids of their events).
 *
 * The outcome the trace shows (expected) comes from the window's verdict and
 * the trace's writeback events (window_facts), never from the model.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "replay_cli.h"
#include "../core/json.h"
#include "../core/termsafe.h"
#include "../replay/window.h"
#include "../analyze/window.h"


/* The outcome the trace shows for a window: from its verdict and the trace's
 * events about its racing pages (written back afterwards; a hit whose racer
 * reserved its own block before dirtying its page leaves nothing unbacked),
 * NULL for none. */
static const char *expected_outcome(const struct window_facts *f)
{
	if (!strcmp(f->verdict, "loss")) {
		for (int i = 0; i < f->nracers; i++)
			if (f->racer[i].written_back)
				return "data_loss";
		return "unbacked_dirty";	/* then dropped by a later cleanup */
	}
	if (!strcmp(f->verdict, "hit")) {
		/* unbacked only if a racer dirtied its page inside the window with
		 * no block of its own (after the punch it finds the hole and
		 * reserves, or the writer's next reservation backs it) */
		for (int i = 0; i < f->nracers; i++)
			if (f->racer[i].dirtied && !f->racer[i].reserved)
				return "unbacked_dirty";
		return "ok";
	}
	if (!strcmp(f->verdict, "dropped"))
		return "dirty_dropped";
	if (!strcmp(f->verdict, "unsafe") || !strcmp(f->verdict, "protected"))
		return "ok";
	return NULL;
}

static const char *div_kind_name(enum replay_div_kind k)
{
	static const char *const n[] = { "none", "unexplained", "missing", "blocked", "order" };

	return (unsigned)k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
}

static void print_hits(FILE *out, uint32_t hits, int json)
{
	int n = 0;

	if (json)
		fputc('[', out);
	for (int o = 1; o < MODEL_OUTCOMES; o++)
		if (hits & (1u << o)) {
			fprintf(out, "%s", n++ ? (json ? "," : ", ") : "");
			if (json)
				json_str(out, model_outcome_name(o));
			else
				fputs(model_outcome_name(o), out);
		}
	if (json)
		fputc(']', out);
}

static void div_text(FILE *out, const struct replay_divergence *d)
{
	if (d->event >= 0)
		fprintf(out, "trace event #%lld %s (pid %d%s", (long long)d->event,
			ft_term_s(d->event_name), d->pid, d->event_page >= 0 ? ", page " : "");
	else
		fprintf(out, "after the trace's events (");
	if (d->event >= 0 && d->event_page >= 0)
		fprintf(out, "%lld", (long long)d->event_page);
	fprintf(out, "), model %c step %s", d->task ? d->task : '?', d->step);
	if (d->step_page >= 0)
		fprintf(out, " page %lld", (long long)d->step_page);
	fprintf(out, " [%s]: %s", div_kind_name(d->kind), d->why);
}

static void div_json(FILE *out, const struct replay_divergence *d)
{
	char t[2] = { d->task, 0 };

	if (d->kind == RDIV_NONE) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"kind\":\"%s\",\"event\":", div_kind_name(d->kind));
	if (d->event >= 0) {
		fprintf(out, "%lld,\"event_name\":", (long long)d->event);
		json_str(out, d->event_name);
		fprintf(out, ",\"pid\":%d,\"event_page\":", d->pid);
		if (d->event_page >= 0)
			fprintf(out, "%lld", (long long)d->event_page);
		else
			fputs("null", out);
	} else {
		fputs("null,\"event_name\":null,\"pid\":null,\"event_page\":null", out);
	}
	fputs(",\"task\":", out);
	json_str(out, t);
	fputs(",\"step\":", out);
	json_str(out, d->step);
	fputs(",\"page\":", out);
	if (d->step_page >= 0)
		fprintf(out, "%lld", (long long)d->step_page);
	else
		fputs("null", out);
	fprintf(out, ",\"run_step\":");
	if (d->run_step >= 0)
		fprintf(out, "%d", d->run_step + 1);
	else
		fputs("null", out);
	fputs(",\"why\":", out);
	json_str(out, d->why);
	fputc('}', out);
}

/* One variant's run, as kept and printed. */
struct vrun {
	enum model_outcome wout;	/* the window's outcome (window_outcome) */
	int wpunch;			/* the window's punch step, -1 not found */
	const char *variant;
	struct model_run r;
	struct replay_follow fw;
	uint8_t nev[MODEL_MAX_RUN];
	int64_t ev[MODEL_MAX_RUN][REPLAY_STEP_EVENTS];
	struct replay_divergence div;
	char sched[4 * MODEL_MAX_RUN];
	int user;
	struct model_explore x;
	int explored;
	char guarantee[512];
};

static int in_round(int s, int prev, int punch)
{
	return s > prev && s <= punch;
}

/*
 * The window's outcome: a run covers W's whole write, every cleanup round
 * of it, but a window is one round (from W's last progress to that round's
 * punch).  Its punch is W's cleanup punch step that stands for an event
 * between the window's first and last event; the outcomes that count are
 * those first hit after W's previous punch up to it (a truncate dropping a
 * dirty folio, a punch leaving one unbacked), data loss or a writeback
 * error on the page left unbacked there, and the others (leaks, stale
 * folios, deadlock) wherever they are.  Without that step (the run departs
 * from the trace) it is the run's outcome.  Only each outcome's first hit
 * is known (model_run.where).
 */
static void window_outcome(const struct window_facts *f, struct vrun *v)
{
	const struct model_run *r = &v->r;
	const struct model_where *u = &r->where[MODEL_UNBACKED_DIRTY];
	int prev = -1, punch = -1;
	uint32_t mask = 0;

	for (size_t i = 0; i < r->nsteps && punch < 0; i++) {
		const char *n = r->step[i].name;

		if (r->step[i].task != 0 || (strcmp(n, "punch_delalloc") && strcmp(n, "punch_clean")))
			continue;
		for (int k = 0; k < v->nev[i] && k < REPLAY_STEP_EVENTS; k++)
			if (v->ev[i][k] >= f->start_event && v->ev[i][k] <= f->end_event)
				punch = (int)i;
		if (punch < 0)
			prev = (int)i;
	}
	v->wpunch = punch;
	if (punch < 0) {
		v->wout = r->outcome;
		return;
	}
	for (int o = 1; o < MODEL_OUTCOMES; o++) {
		int s = r->where[o].step;

		if (!(r->hits & (1u << o)))
			continue;
		switch (o) {
		case MODEL_DIRTY_DROPPED:
		case MODEL_UNBACKED_DIRTY:
			if (in_round(s, prev, punch))
				mask |= 1u << o;
			break;
		case MODEL_DATA_LOSS:
		case MODEL_WRITEBACK_ERROR:
			if (!(r->hits & (1u << MODEL_UNBACKED_DIRTY)) ||
			    (in_round(u->step, prev, punch) && u->folio == r->where[o].folio))
				mask |= 1u << o;
			break;
		default:
			mask |= 1u << o;
		}
	}
	v->wout = MODEL_OK;
	for (int o = 1; o < MODEL_OUTCOMES && v->wout == MODEL_OK; o++)
		if (mask & (1u << o))
			v->wout = (enum model_outcome)o;
}

static int64_t abs_page(const struct scenario *sc, int folio)
{
	return folio >= 0 ? (int64_t)sc->base_index + folio : -1;
}

static void run_json(FILE *out, const struct scenario *sc, struct model *m, const struct vrun *v)
{
	const struct model_run *r = &v->r;
	const struct model_where *w = &r->where[r->outcome];

	fprintf(out, "{\"model\":");
	json_str(out, v->variant);
	fprintf(out, ",\"scenario\":\"window\",\"outcome\":");
	json_str(out, model_outcome_name(r->outcome));
	fprintf(out, ",\"window_outcome\":");
	json_str(out, model_outcome_name(v->wout));
	fprintf(out, ",\"window_punch_step\":");
	if (v->wpunch >= 0)
		fprintf(out, "%d", v->wpunch + 1);
	else
		fputs("null", out);
	fprintf(out, ",\"digest\":\"%016" PRIx64 "\",\"schedule\":", r->digest);
	json_str(out, v->sched);
	fprintf(out, ",\"schedule_source\":\"%s\",\"divergence\":", v->user ? "user" : "recorded");
	div_json(out, &v->div);
	fprintf(out, ",\"follow\":{\"matched\":%u,\"skipped\":%u,\"divergences\":%d,\"walks\":%u}",
		v->fw.matched, v->fw.skipped, v->fw.ndiv, v->fw.walks);
	if (r->outcome == MODEL_OK) {
		fprintf(out, ",\"where\":null");
	} else {
		char t[2] = { model_task_letter(m, w->task), 0 };

		fprintf(out, ",\"where\":{\"step\":%d,\"task\":", w->step + 1);
		json_str(out, t);
		if (w->folio >= 0)
			fprintf(out, ",\"page\":%lld", (long long)abs_page(sc, w->folio));
		else
			fprintf(out, ",\"page\":null");
		if (w->other >= 0) {
			t[0] = model_task_letter(m, w->other);
			fprintf(out, ",\"other\":");
			json_str(out, t);
		}
		fputc('}', out);
	}
	fprintf(out, ",\"hits\":");
	print_hits(out, r->hits, 1);
	fprintf(out, ",\"truncated\":%s,\"steps\":[", r->truncated ? "true" : "false");
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct model_step_rec *s = &r->step[i];
		char t[2] = { model_task_letter(m, s->task), 0 };

		fprintf(out, "%s{\"task\":", i ? "," : "");
		json_str(out, t);
		fprintf(out, ",\"step\":");
		json_str(out, s->name);
		fprintf(out, ",\"tracepoints\":");
		json_str(out, s->tp);
		if (s->folio >= 0)
			fprintf(out, ",\"page\":%lld", (long long)abs_page(sc, s->folio));
		else
			fprintf(out, ",\"page\":null");
		fprintf(out, ",\"extra\":%s,\"hits\":", s->extra ? "true" : "false");
		print_hits(out, s->hits, 1);
		fprintf(out, ",\"events\":[");
		for (int k = 0; k < v->nev[i] && k < REPLAY_STEP_EVENTS; k++)
			fprintf(out, "%s%lld", k ? "," : "", (long long)v->ev[i][k]);
		fprintf(out, "]%s}", v->nev[i] > REPLAY_STEP_EVENTS ? ",\"events_cut\":true" : "");
	}
	fputc(']', out);
	if (v->explored) {
		const struct model_explore *x = &v->x;

		fprintf(out, ",\"schedules\":%" PRIu64 ",\"bad_schedules\":%" PRIu64
			",\"explore_truncated\":%s,\"outcomes\":{", x->schedules, x->bad,
			x->truncated || x->stopped ? "true" : "false");
		for (int o = 0; o < MODEL_OUTCOMES; o++) {
			fprintf(out, "%s", o ? "," : "");
			json_str(out, model_outcome_name(o));
			fprintf(out, ":%" PRIu64, x->outcome[o]);
		}
		fputs("},\"counterexamples\":", out);
		replay_counterexamples_json(out, m, x);
		fputs(",\"explore\":", out);
		replay_explore_json(out, m, x, v->guarantee);
	}
	fputc('}', out);
}

static void run_text(const struct scenario *sc, struct model *m, const struct vrun *v)
{
	const struct model_run *r = &v->r;
	const struct model_where *w = &r->where[r->outcome];

	printf("\n== window under %s: outcome %s (the window's round: %s%s), digest %016" PRIx64
	       "\n", v->variant, model_outcome_name(r->outcome), model_outcome_name(v->wout),
	       v->wpunch < 0 ? ", its punch not found: the run's" : "", r->digest);
	printf("schedule %s (%s)\n", v->sched, v->user ? "yours" : "recorded: follows the trace's "
	       "events");
	if (v->div.kind != RDIV_NONE) {
		printf("divergence (%d in all): ", v->user ? 1 : v->fw.ndiv);
		div_text(stdout, &v->div);
		putchar('\n');
	} else {
		printf("no divergence: every step agrees with the trace's events\n");
	}
	printf("%4s  %-4s %-34s %-7s %-44s %s\n", "#", "task", "step", "page", "tracepoints",
	       "trace events");
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct model_step_rec *s = &r->step[i];
		char page[24] = "-";

		if (s->folio >= 0)
			snprintf(page, sizeof(page), "%lld", (long long)abs_page(sc, s->folio));
		printf("%4zu  %c%-3s %-34s %-7s %-44s ", i + 1, model_task_letter(m, s->task),
		       s->extra ? "+" : "", s->name, page, s->tp ? s->tp : "(untraced)");
		for (int k = 0; k < v->nev[i] && k < REPLAY_STEP_EVENTS; k++)
			printf("%s#%lld", k ? " " : "", (long long)v->ev[i][k]);
		if (v->nev[i] > REPLAY_STEP_EVENTS)
			printf(" (+%d)", v->nev[i] - REPLAY_STEP_EVENTS);
		if (s->hits) {
			printf("  <- ");
			print_hits(stdout, s->hits, 0);
		}
		putchar('\n');
	}
	if (r->truncated)
		printf("(cut at %d steps)\n", MODEL_MAX_RUN);
	if (r->outcome == MODEL_OK) {
		printf("outcome ok: no invariant broken\n");
	} else {
		printf("outcome %s: at step %d (%c %s)", model_outcome_name(r->outcome), w->step + 1,
		       model_task_letter(m, w->task),
		       w->step >= 0 && (size_t)w->step < r->nsteps ? r->step[w->step].name : "end");
		if (w->folio >= 0)
			printf(", page %lld", (long long)abs_page(sc, w->folio));
		if (w->other >= 0)
			printf(", dirtied by %c", model_task_letter(m, w->other));
		putchar('\n');
	}
	if (v->explored)
		printf("explore: %" PRIu64 " %s, %" PRIu64 " bad%s\n  guarantee: %s\n", v->x.schedules,
		       v->x.mode == MODEL_EXPLORE_STATES ? "final states" : v->x.mode ==
		       MODEL_EXPLORE_PCT ? "runs" : "schedules", v->x.bad,
		       "", v->guarantee);
}

/* Runs variant v: the recorded schedule (or the user's), the events of each
 * step, exploration.  Returns an FT_EXIT_* code. */
static int run_variant(const struct replay_opts *o, const struct scenario *sc,
		       const struct window_facts *f, const struct window_trace *wt,
		       const struct replay_window_event *ev, uint32_t open,
		       struct vrun *v, struct model **mout, struct ft_err *e)
{
	struct model *m = NULL, *init = NULL;
	uint8_t sched[MODEL_MAX_RUN];
	size_t n;
	char err[240];
	int ret;

	ret = replay_window_follow(sc, v->variant, ev, wt->nev, wt->present, open, &v->fw);
	if (ret < 0 || scenario_build(sc, v->variant, &m) < 0) {
		ft_error(e, -ENOMEM, "replay: out of memory");
		return FT_EXIT_FAIL;
	}
	if (o->schedule) {
		v->user = 1;
		snprintf(v->sched, sizeof(v->sched), "%s", o->schedule);
		if (model_schedule_parse(m, o->schedule, sched, MODEL_MAX_RUN, &n, err,
					 sizeof(err)) < 0) {
			model_free(m);
			return cmd_usage_error("replay", "%s", err);
		}
		if (o->strict && replay_window_strict(m, sched, n, err, sizeof(err)) < 0) {
			model_free(m);
			ft_error(e, -EINVAL, "replay: --strict: %s", err);
			return FT_EXIT_FAIL;
		}
	} else {
		memcpy(sched, v->fw.sched, v->fw.n);
		n = v->fw.n;
		model_schedule_format(m, sched, n, v->sched, sizeof(v->sched));
	}
	init = model_clone(m);
	if (!init || model_run(m, sched, n, &v->r) < 0) {
		model_free(init);
		model_free(m);
		ft_error(e, -ENOMEM, "replay: out of memory");
		return FT_EXIT_FAIL;
	}
	if (v->user) {
		replay_window_map_run(m, &v->r, &v->fw, v->nev, v->ev, &v->div);
	} else {
		for (size_t i = 0; i < v->r.nsteps; i++) {
			v->nev[i] = i < v->fw.n ? v->fw.nev[i] : 0;
			if (i < v->fw.n)
				memcpy(v->ev[i], v->fw.ev[i], sizeof(v->ev[i]));
		}
		v->div = v->fw.div;
	}
	window_outcome(f, v);
	if (o->explore) {
		struct replay_opts wo = *o;

		/* --explore alone on a window: DPOR, the state search, then
		 * preemption-bounded searches, each with a budget in executions or
		 * states (replay_cli.h: REPLAY_DET_*), so the output does not depend
		 * on the machine's speed; --timeout or an explicit search
		 * (--explore=MODE, --budget, --pct, --preemptions) is taken as given */
		if (wo.explore_default && !wo.timeout_given)
			wo.seconds = 0;
		if (replay_explore(&wo, init, &v->x, v->guarantee, sizeof(v->guarantee)) < 0) {
			model_free(init);
			model_free(m);
			ft_error(e, -ENOMEM, "replay: out of memory");
			return FT_EXIT_FAIL;
		}
		v->explored = 1;
	}
	model_free(init);
	*mout = m;
	return FT_EXIT_OK;
}

static void print_tasks(FILE *out, const struct window_trace *wt, const struct replay_window_map *map,
			int json)
{
	int n = 0;

	for (int i = 0; i < wt->nops; i++) {
		const struct window_op *op = &wt->op[i];
		char l[2] = { map->letter[i] ? map->letter[i] : '-', 0 };

		if (json) {
			fprintf(out, "%s{\"task\":", n++ ? "," : "");
			if (map->letter[i])
				json_str(out, l);
			else
				fputs("null", out);
			fprintf(out, ",\"pid\":%d,\"kind\":\"%s\",\"pages\":[%lld,%lld],\"events\":%lld",
				op->pid, window_op_kind_name(op->kind), (long long)op->first,
				(long long)op->last, (long long)op->nevents);
			if (op->kind == WOP_WRITE)
				fprintf(out, ",\"copied_pages\":%lld", (long long)op->copied);
			fputc('}', out);
		} else {
			fprintf(out, "  %s  pid %d: %s of pages %lld-%lld", l, op->pid,
				window_op_kind_name(op->kind), (long long)op->first, (long long)op->last);
			if (op->kind == WOP_WRITE)
				fprintf(out, ", %lld pages copied", (long long)op->copied);
			if (op->kind == WOP_WRITEBACK &&
			    (op->all_first < op->first || op->all_last > op->last))
				fprintf(out, " (in all %lld-%lld)", (long long)op->all_first,
					(long long)op->all_last);
			fprintf(out, ", events #%lld-#%lld (%lld)%s\n", (long long)op->ev_first,
				(long long)op->ev_last, (long long)op->nevents,
				map->letter[i] ? "" : ": left out");
		}
	}
}

int replay_window(const struct replay_opts *o, int64_t id, struct ft_err *e)
{
	struct store *s = NULL;
	struct window_facts f;
	struct window_trace wt = { 0 };
	struct replay_window_in in = { 0 };
	struct replay_window_map map;
	struct replay_window_event *ev = NULL;
	struct scenario sc;
	struct vrun *runs = NULL;
	struct model *models[8] = { 0 };
	struct window_replay save[8];
	char *detail[8] = { 0 };
	const char *expect;
	char note[1024];
	int nk = 0, ret = FT_EXIT_FAIL, match = -1, tv = -1;

	if (store_open(&s, o->db, STORE_READWRITE, e) < 0)
		return FT_EXIT_FAIL;
	if (window_facts_load(s, id, &f, e) < 0)
		goto out;
	if (strcmp(f.family, "delalloc_punch")) {
		ft_error(e, -EOPNOTSUPP, "%s: window %lld is of family '%s': the model replays the "
			 "delalloc punch race only (family delalloc_punch)", o->db, (long long)id,
			 f.family);
		goto out;
	}
	if (window_trace_load(s, &f, &wt, e) < 0)
		goto out;
	in.ino = (uint64_t)f.ino;
	in.first = f.first;
	in.last = f.last;
	in.nops = wt.nops < REPLAY_WINDOW_OPS ? wt.nops : REPLAY_WINDOW_OPS;
	in.ops_cut = wt.ops_cut + (wt.nops - in.nops);
	in.events_cut = wt.events_cut;
	for (int i = 0; i < in.nops; i++)
		in.op[i] = (struct replay_window_op){ .kind = wt.op[i].kind, .pid = wt.op[i].pid,
			.writer = wt.op[i].writer, .first = wt.op[i].first, .last = wt.op[i].last,
			.all_first = wt.op[i].all_first, .all_last = wt.op[i].all_last,
			.copied = wt.op[i].copied, .nevents = wt.op[i].nevents,
			/* a punch or truncate whose IOLOCK release is past the span */
			.open = (wt.op[i].kind == WOP_PUNCH || wt.op[i].kind == WOP_TRUNCATE) &&
				!wt.op[i].ev_stop };
	if (replay_window_scenario(&in, &sc, &map, note, sizeof(note)) < 0) {
		ft_error(e, -EINVAL, "%s: window %lld: its pages do not fit the model", o->db,
			 (long long)id);
		goto out;
	}
	ev = calloc(wt.nev ? wt.nev : 1, sizeof(*ev));
	runs = calloc(model_variant_count(0), sizeof(*runs));
	if (!ev || !runs) {
		ft_error(e, -ENOMEM, "replay: out of memory");
		goto out;
	}
	for (size_t i = 0; i < wt.nev; i++)
		ev[i] = (struct replay_window_event){ .id = wt.ev[i].id, .pid = wt.ev[i].pid,
			.task = wt.ev[i].op >= 0 && wt.ev[i].op < REPLAY_WINDOW_OPS ?
				map.task[wt.ev[i].op] : -1,
			.page = wt.ev[i].page, .npages = (int64_t)1 << wt.ev[i].forder,
			.flags = wt.ev[i].flags, .name = wt.ev[i].name };
	expect = expected_outcome(&f);
	for (int i = 0; i < model_variant_count(0); i++) {
		const char *v = model_variant_name(i);
		size_t len = 0;
		FILE *mf;

		if (strcmp(o->model, "all") && strcmp(o->model, v))
			continue;
		runs[nk].variant = v;
		ret = run_variant(o, &sc, &f, &wt, ev, map.open, &runs[nk], &models[nk], e);
		if (ret != FT_EXIT_OK)
			goto out;
		ret = FT_EXIT_FAIL;
		mf = open_memstream(&detail[nk], &len);
		if (!mf) {
			ft_error(e, -ENOMEM, "replay: out of memory");
			goto out;
		}
		run_json(mf, &sc, models[nk], &runs[nk]);
		fclose(mf);
		save[nk] = (struct window_replay){ v, model_outcome_name(runs[nk].wout),
			runs[nk].r.digest, runs[nk].sched,
			runs[nk].explored ? (int64_t)runs[nk].x.schedules : -1,
			runs[nk].explored ? (int64_t)runs[nk].x.bad : -1, detail[nk] };
		if (!strcmp(v, f.variant)) {
			tv = nk;
			if (expect)
				match = !strcmp(model_outcome_name(runs[nk].wout), expect);
		}
		nk++;
	}
	if (o->json) {
		printf("{\"window\":%lld,\"matches_trace\":%s,\"follows_trace\":%s,\"divergence\":",
		       (long long)id, match < 0 ? "null" : match ? "true" : "false",
		       tv < 0 ? "null" : runs[tv].div.kind == RDIV_NONE ? "true" : "false");
		if (tv >= 0)
			div_json(stdout, &runs[tv].div);
		else
			fputs("null", stdout);
		printf(",\"verdict\":");
		json_str(stdout, f.verdict);	/* from the file: escaped */
		printf(",\"trace_model\":");
		json_str(stdout, f.variant[0] ? f.variant : NULL);
		printf(",\"expected\":");
		json_str(stdout, expect);
		printf(",\"note\":");
		json_str(stdout, note);
		printf(",\"model_pages\":[%llu,%llu],\"span\":[%lld,%lld],\"tasks\":[",
		       (unsigned long long)sc.base_index,
		       (unsigned long long)(sc.base_index + sc.npages - 1), (long long)wt.lo,
		       (long long)wt.hi);
		print_tasks(stdout, &wt, &map, 1);
		printf("],\"models\":[");
		for (int i = 0; i < nk; i++)
			printf("%s%s", i ? "," : "", detail[i]);
		printf("]}\n");
	} else {
		if (tv >= 0 && match >= 0)
			printf("window %lld: the trace shows %s; under %s, the trace's kernel, the model "
			       "gives %s, expected %s: %s; %s\n", (long long)id, ft_term_s(f.verdict),
			       ft_term_s(f.variant), model_outcome_name(runs[tv].wout), expect,
			       match ? "agrees" : "DISAGREES", runs[tv].div.kind == RDIV_NONE ?
			       "the run follows the trace with no divergence" :
			       "the run departs from the trace");
		else if (tv >= 0)
			printf("window %lld: the trace shows %s: no outcome to compare; under %s the "
			       "model gives %s\n", (long long)id, ft_term_s(f.verdict),
			       ft_term_s(f.variant), model_outcome_name(runs[tv].wout));
		else
			printf("window %lld: the trace shows %s; the trace's code variant (%s) was not "
			       "run: nothing to compare\n", (long long)id, ft_term_s(f.verdict),
			       f.variant[0] ? ft_term_s(f.variant) : "unknown");
		if (tv >= 0 && runs[tv].div.kind != RDIV_NONE) {
			printf("first divergence under %s: ", ft_term_s(f.variant));
			div_text(stdout, &runs[tv].div);
			putchar('\n');
		}
		printf("window %lld: %s on ino %lld, pages %lld-%lld, writer pid %d; events #%lld-"
		       "#%lld\n", (long long)id, ft_term_s(f.verdict), (long long)f.ino,
		       (long long)f.first, (long long)f.last, f.writer, (long long)wt.lo,
		       (long long)wt.hi);
		print_tasks(stdout, &wt, &map, 0);
		printf("  model: pages %llu-%llu%s%s\n", (unsigned long long)sc.base_index,
		       (unsigned long long)(sc.base_index + sc.npages - 1), note[0] ? "; " : "",
		       note);
		for (int i = 0; i < nk; i++)
			run_text(&sc, models[i], &runs[i]);
	}
	if (window_replays_save(s, id, save, nk, e) < 0)
		goto out;
	ret = FT_EXIT_OK;
out:
	for (int i = 0; i < nk || (i < 8 && models[i]); i++) {
		model_free(models[i]);
		free(detail[i]);
	}
	free(runs);
	free(ev);
	window_trace_free(&wt);
	if (store_close(s) < 0 && ret == FT_EXIT_OK) {
		ft_error(e, -EIO, "%s: closing the database failed", o->db);
		ret = FT_EXIT_FAIL;
	}
	return ret;
}
