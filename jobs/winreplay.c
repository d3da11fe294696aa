/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * winreplay.c - the window-replay job (winreplay.h): a recorded window as
 * a model run that follows the trace, compared with what the trace shows,
 * explored, printed and stored; and the same job in a child process with a
 * timeout for the report and the TUI.
 *
 * Design: the database side is analyze/window.c, the model side
 * replay/window.c; this file joins them and prints (the agreement line
 * first, then the first divergence, then per variant the steps with their
 * events; pages are file page indexes) and stores the runs in `replays`
 * (each detail's steps carry the ids of their events).  replay_explore is
 * the search chain shared with `replay --scenario` (cli/cmd_replay.c).
 * The outcome the trace shows (expected) comes from the window's verdict
 * and the trace's writeback events (window_facts), never from the model.
 * The child runner forks without exec: the child is this process's copy,
 * which calls winreplay_run and _exits.
 */
#include "winreplay.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/json.h"
#include "../core/store.h"
#include "../core/termsafe.h"
#include "../core/vocab.h"
#include "../replay/scenario.h"
#include "../replay/window.h"
#include "../analyze/window.h"

void replay_hits_json(FILE *out, uint32_t hits)
{
	int n = 0;

	fputc('[', out);
	for (int o = 1; o < MODEL_OUTCOMES; o++)
		if (hits & (1u << o)) {
			fprintf(out, "%s", n++ ? "," : "");
			json_str(out, model_outcome_name(o));
		}
	fputc(']', out);
}

void replay_hits_text(FILE *out, uint32_t hits)
{
	int n = 0;

	for (int o = 1; o < MODEL_OUTCOMES; o++)
		if (hits & (1u << o))
			fprintf(out, "%s%s", n++ ? ", " : "", model_outcome_name(o));
}

void replay_counts_json(FILE *out, const uint64_t *count, int first)
{
	for (int o = first; o < MODEL_OUTCOMES; o++) {
		fprintf(out, "%s", o > first ? "," : "");
		json_str(out, model_outcome_name(o));
		fprintf(out, ":%" PRIu64, count[o]);
	}
}

/* A page of the scenario as a file page index, or null. */
static void page_json(FILE *out, const struct scenario *sc, int folio)
{
	if (folio >= 0)
		fprintf(out, ",\"page\":%llu", (unsigned long long)(sc->base_index + (uint64_t)folio));
	else
		fputs(",\"page\":null", out);
}

void replay_run_json(FILE *out, const struct scenario *sc, struct model *m,
		     const struct model_run *r,
		     void (*step_more)(FILE *out, size_t step, const void *arg), const void *arg)
{
	const struct model_where *w = &r->where[r->outcome];

	if (r->outcome == MODEL_OK) {
		fprintf(out, ",\"where\":null");
	} else {
		char t[2] = { model_task_letter(m, w->task), 0 };

		fprintf(out, ",\"where\":{\"step\":%d,\"task\":", w->step + 1);
		json_str(out, t);
		page_json(out, sc, w->folio);
		if (w->other >= 0) {
			t[0] = model_task_letter(m, w->other);
			fprintf(out, ",\"other\":");
			json_str(out, t);
		}
		fputc('}', out);
	}
	fprintf(out, ",\"hits\":");
	replay_hits_json(out, r->hits);
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
		page_json(out, sc, s->folio);
		fprintf(out, ",\"extra\":%s,\"hits\":", s->extra ? "true" : "false");
		replay_hits_json(out, s->hits);
		if (step_more)
			step_more(out, i, arg);
		fputc('}', out);
	}
	fputc(']', out);
}

/* --- exploration: modes, budgets, the stated guarantee ------------------------ */

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int past(void *arg)
{
	return mono_now() >= *(const double *)arg;
}

static void guarantee_of(const struct model_explore *x, const struct replay_opts *o, char *g,
			 size_t len)
{
	if (x->mode == MODEL_EXPLORE_PCT)
		snprintf(g, len, "pct: a depth-%u bug is hit by one run with probability >= 1/(n k^(d-1)) "
			 "= %.3g (n %u tasks, k %u steps%s); %" PRIu64 " runs miss it with "
			 "probability <= %.3g", o->pct_depth ? o->pct_depth : 1, x->pct_p,
			 x->pct_ntasks, x->pct_k, x->pct_longer ? ", some runs were longer" : "",
			 x->schedules, x->pct_miss);
	else if (x->complete && x->mode == MODEL_EXPLORE_DPOR)
		snprintf(g, len, "exhaustive: every interleaving, up to the order of independent "
			 "steps (DPOR)");
	else if (x->complete)
		snprintf(g, len, "exhaustive: every reachable state and final state (state search)");
	else if (x->mode == MODEL_EXPLORE_STATES && x->max_preemptions >= 0 && !x->stopped &&
		 !x->depth_cut)
		snprintf(g, len, "bounded: every schedule with at most %d preemption%s",
			 x->max_preemptions, x->max_preemptions == 1 ? "" : "s");
	else
		snprintf(g, len, "partial: %s stopped by the %s after %" PRIu64 " %s; no guarantee",
			 x->mode == MODEL_EXPLORE_DPOR ? "DPOR" : "the state search",
			 x->stopped == MODEL_STOP_CALLBACK ? "time budget" :
			 x->stopped == MODEL_STOP_BUDGET ? "budget" : x->depth_cut ?
			 "step limit" : "memory",
			 x->mode == MODEL_EXPLORE_DPOR ? x->schedules : x->states,
			 x->mode == MODEL_EXPLORE_DPOR ? "executions" : "states");
}

int replay_explore(const struct replay_opts *o, const struct model *init, struct model_explore *x,
		   char *guarantee, size_t glen)
{
	struct model_explore_opts eo = {
		.mode = (enum model_explore_mode)o->explore_mode, .max_executions = o->budget,
		.max_preemptions = o->preemptions, .pct_depth = o->pct_depth,
		.pct_runs = o->runs, .seed = o->seed, .poll_every = 16,
	};
	double t0 = mono_now(), until = t0 + o->seconds;
	int err;

	if (o->seconds > 0) {
		eo.stop = past;
		eo.stop_arg = &until;
		if (o->explore_default)	/* 30% for DPOR, then the fallbacks */
			until = t0 + o->seconds * 0.3;
	}
	if (o->preemptions >= 0)
		eo.mode = MODEL_EXPLORE_STATES;
	/* the default search with no time budget (a window's --explore):
	 * budgets in executions and states, so the result does not depend on
	 * the machine's speed */
	if (o->explore_default && o->seconds <= 0)
		eo.max_executions = REPLAY_DET_EXECUTIONS;
	err = model_explore_opts(init, &eo, x);
	if (!err && o->explore_default && x->complete) {
		/* a self-check: DPOR's final states against the state search's
		 * with what is left of the budget (docs/replay-explore.md: they
		 * agree on every model tested); if they ever differ, the state
		 * search's (exact) final states and classes replace DPOR's and the
		 * guarantee says so */
		struct model_explore *y = malloc(sizeof(*y));

		until = t0 + o->seconds * 0.65;
		eo.mode = MODEL_EXPLORE_STATES;
		eo.max_executions = o->seconds > 0 ? 0 : REPLAY_DET_STATES;
		if (y && model_explore_opts(init, &eo, y) == 0 && y->complete &&
		    (y->final_states != x->final_states || y->nclasses != x->nclasses ||
		     memcmp(y->klass, x->klass, sizeof(x->klass)))) {
			uint64_t missed = y->final_states - x->final_states;

			x->final_states = y->final_states;
			x->nclasses = y->nclasses;
			memcpy(x->klass, y->klass, sizeof(x->klass));
			snprintf(guarantee, glen, "exhaustive (state search): DPOR missed %" PRIu64
				 " of %" PRIu64 " final states (a DPOR bug: please report it with "
				 "this scenario): the final states and classes are the "
				 "state search's, the schedule counts DPOR's", missed,
				 y->final_states);
			free(y);
			return 0;
		}
		if (y && !y->complete) {
			snprintf(guarantee, glen, "exhaustive (DPOR), not checked by the state search "
				 "(its budget ran out)");
			free(y);
			return 0;
		}
		free(y);
	}
	if (!err && o->explore_default && !x->complete) {
		/* fallback 1: the state search until 65% of the time; its final
		 * states and outcome classes are exact when it completes */
		uint64_t dpor_execs = x->schedules, states = 0;
		struct model_explore *b = NULL;
		int k_done = -1;

		until = t0 + o->seconds * 0.65;
		eo.mode = MODEL_EXPLORE_STATES;
		eo.max_executions = o->seconds > 0 ? 0 : REPLAY_DET_STATES;
		err = model_explore_opts(init, &eo, x);
		if (!err && !x->complete) {
			/* fallback 2: preemption-bounded state searches, K = 0, 1, ...
			 * with the rest of the time; the last one that completes is the
			 * guarantee (every schedule with at most K preemptions) */
			states = x->states;
			b = malloc(sizeof(*b));
			until = t0 + o->seconds;
			for (int k = 0; b && k < 64; k++) {
				eo.max_preemptions = k;
				if (model_explore_opts(init, &eo, b) < 0 || b->stopped || b->depth_cut)
					break;
				memcpy(x, b, sizeof(*x));
				k_done = k;
				if (!b->bound_hit)
					break;	/* no schedule needed more: exhaustive */
			}
			free(b);
		}
		if (err)
			return err;
		guarantee_of(x, o, guarantee, glen);
		{
			size_t n = strlen(guarantee);

			const char *why = o->seconds > 0 ? "time budget" : "budget";

			if (k_done >= 0)
				snprintf(guarantee + n, glen - n, " (DPOR stopped by the %s after %"
					 PRIu64 " executions, the full state search after %" PRIu64
					 " states)", why, dpor_execs, states);
			else
				snprintf(guarantee + n, glen - n, " (DPOR stopped by the %s after %"
					 PRIu64 " executions first)", why, dpor_execs);
		}
		return err;
	}
	if (!err)
		guarantee_of(x, o, guarantee, glen);
	return err;
}

void replay_counterexamples_json(FILE *out, const struct model *m, const struct model_explore *x)
{
	char buf[4 * MODEL_MAX_RUN];

	fputc('{', out);
	for (int o = 1, n = 0; o < MODEL_OUTCOMES; o++)
		if (x->shortest[o].n) {
			model_schedule_format(m, x->shortest[o].task, x->shortest[o].n, buf,
					      sizeof(buf));
			fprintf(out, "%s", n++ ? "," : "");
			json_str(out, model_outcome_name(o));
			fputc(':', out);
			json_str(out, buf);
		}
	fputc('}', out);
}

void replay_explore_json(FILE *out, const struct model *m, const struct model_explore *x,
			 const char *guarantee)
{
	static const char *const modes[] = { "dpor", "states", "pct" };
	static const char *const stops[] = { "none", "budget", "time", "memory" };
	char buf[4 * MODEL_MAX_RUN];

	fprintf(out, "{\"mode\":\"%s\",\"complete\":%s,\"stopped\":\"%s\",\"guarantee\":",
		modes[x->mode], x->complete ? "true" : "false", stops[x->stopped]);
	json_str(out, guarantee);
	fprintf(out, ",\"executions\":%" PRIu64 ",\"states\":%" PRIu64 ",\"final_states\":%" PRIu64
		",\"races\":%" PRIu64 ",\"sleep_blocked\":%" PRIu64 ",\"steps\":%" PRIu64
		",\"depth_cut\":%s,\"preemptions\":", x->mode == MODEL_EXPLORE_STATES ? 0 :
		x->schedules, x->states, x->final_states, x->races, x->sleep_blocked, x->steps,
		x->depth_cut ? "true" : "false");
	if (x->max_preemptions >= 0)
		fprintf(out, "%d", x->max_preemptions);
	else
		fputs("null", out);
	fprintf(out, ",\"bound_hit\":%s,\"classes\":[", x->bound_hit ? "true" : "false");
	for (unsigned i = 0; i < x->nclasses; i++) {
		fprintf(out, "%s{\"hits\":", i ? "," : "");
		replay_hits_json(out, x->klass[i].hits);
		fprintf(out, ",\"final_states\":%" PRIu64 "}", x->klass[i].final_states);
	}
	fputs("],\"pct\":", out);
	if (x->mode == MODEL_EXPLORE_PCT)
		fprintf(out, "{\"tasks\":%u,\"k\":%u,\"longer_runs\":%u,\"p_run\":%.6g,"
			"\"p_miss\":%.6g}", x->pct_ntasks, x->pct_k, x->pct_longer, x->pct_p,
			x->pct_miss);
	else
		fputs("null", out);
	fputs(",\"counterexamples\":{", out);
	for (int o = 1, n = 0; o < MODEL_OUTCOMES; o++)
		if (x->shortest[o].n) {
			model_schedule_format(m, x->shortest[o].task, x->shortest[o].n, buf, sizeof(buf));
			fprintf(out, "%s", n++ ? "," : "");
			json_str(out, model_outcome_name(o));
			fputc(':', out);
			json_str(out, buf);
		}
	fputs("}}", out);
}


/* --- the window job ------------------------------------------------------ */

/* The outcome the trace shows for a window: from its verdict and the trace's
 * events about its racing pages (written back afterwards; a hit whose racer
 * reserved its own block before dirtying its page leaves nothing unbacked),
 * NULL for none. */
static const char *expected_outcome(const struct window_facts *f)
{
	int v = ft_verdict_find(f->verdict);

	if (v == FT_VERDICT_LOSS) {
		for (int i = 0; i < f->nracers; i++)
			if (f->racer[i].written_back)
				return "data_loss";
		return "unbacked_dirty";	/* then dropped by a later cleanup */
	}
	if (v == FT_VERDICT_HIT) {
		/* unbacked only if a racer dirtied its page inside the window with
		 * no block of its own (after the punch it finds the hole and
		 * reserves, or the writer's next reservation backs it) */
		for (int i = 0; i < f->nracers; i++)
			if (f->racer[i].dirtied && !f->racer[i].reserved)
				return "unbacked_dirty";
		return "ok";
	}
	/* the others' outcome does not depend on the trace (core/vocab.h) */
	return v >= 0 ? ft_verdicts[v].outcome : NULL;
}

static const char *div_kind_name(enum replay_div_kind k)
{
	static const char *const n[] = { "none", "unexplained", "missing", "blocked", "order" };

	return (unsigned)k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
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

/* The trace events a window run's step stands for. */
static void step_events_json(FILE *out, size_t i, const void *arg)
{
	const struct vrun *v = arg;

	fprintf(out, ",\"events\":[");
	for (int k = 0; k < v->nev[i] && k < REPLAY_STEP_EVENTS; k++)
		fprintf(out, "%s%lld", k ? "," : "", (long long)v->ev[i][k]);
	fprintf(out, "]%s", v->nev[i] > REPLAY_STEP_EVENTS ? ",\"events_cut\":true" : "");
}

static void run_json(FILE *out, const struct scenario *sc, struct model *m, const struct vrun *v)
{
	const struct model_run *r = &v->r;

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
	replay_run_json(out, sc, m, r, step_events_json, v);
	if (v->explored) {
		const struct model_explore *x = &v->x;

		fprintf(out, ",\"schedules\":%" PRIu64 ",\"bad_schedules\":%" PRIu64
			",\"explore_truncated\":%s,\"outcomes\":{", x->schedules, x->bad,
			x->truncated || x->stopped ? "true" : "false");
		replay_counts_json(out, x->outcome, 0);
		fputs("},\"counterexamples\":", out);
		replay_counterexamples_json(out, m, x);
		fputs(",\"explore\":", out);
		replay_explore_json(out, m, x, v->guarantee);
	}
	fputc('}', out);
}

static void run_text(FILE *out, const struct scenario *sc, struct model *m, const struct vrun *v)
{
	const struct model_run *r = &v->r;
	const struct model_where *w = &r->where[r->outcome];

	fprintf(out, "\n== window under %s: outcome %s (the window's round: %s%s), digest %016" PRIx64
	       "\n", v->variant, model_outcome_name(r->outcome), model_outcome_name(v->wout),
	       v->wpunch < 0 ? ", its punch not found: the run's" : "", r->digest);
	fprintf(out, "schedule %s (%s)\n", v->sched, v->user ? "yours" : "recorded: follows the trace's "
	       "events");
	if (v->div.kind != RDIV_NONE) {
		fprintf(out, "divergence (%d in all): ", v->user ? 1 : v->fw.ndiv);
		div_text(out, &v->div);
		fputc('\n', out);
	} else {
		fprintf(out, "no divergence: every step agrees with the trace's events\n");
	}
	fprintf(out, "%4s  %-4s %-34s %-7s %-44s %s\n", "#", "task", "step", "page", "tracepoints",
	       "trace events");
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct model_step_rec *s = &r->step[i];
		char page[24] = "-";

		if (s->folio >= 0)
			snprintf(page, sizeof(page), "%lld", (long long)abs_page(sc, s->folio));
		fprintf(out, "%4zu  %c%-3s %-34s %-7s %-44s ", i + 1, model_task_letter(m, s->task),
		       s->extra ? "+" : "", s->name, page, s->tp ? s->tp : "(untraced)");
		for (int k = 0; k < v->nev[i] && k < REPLAY_STEP_EVENTS; k++)
			fprintf(out, "%s#%lld", k ? " " : "", (long long)v->ev[i][k]);
		if (v->nev[i] > REPLAY_STEP_EVENTS)
			fprintf(out, " (+%d)", v->nev[i] - REPLAY_STEP_EVENTS);
		if (s->hits) {
			fprintf(out, "  <- ");
			replay_hits_text(out, s->hits);
		}
		fputc('\n', out);
	}
	if (r->truncated)
		fprintf(out, "(cut at %d steps)\n", MODEL_MAX_RUN);
	if (r->outcome == MODEL_OK) {
		fprintf(out, "outcome ok: no invariant broken\n");
	} else {
		fprintf(out, "outcome %s: at step %d (%c %s)", model_outcome_name(r->outcome), w->step + 1,
		       model_task_letter(m, w->task),
		       w->step >= 0 && (size_t)w->step < r->nsteps ? r->step[w->step].name : "end");
		if (w->folio >= 0)
			fprintf(out, ", page %lld", (long long)abs_page(sc, w->folio));
		if (w->other >= 0)
			fprintf(out, ", dirtied by %c", model_task_letter(m, w->other));
		fputc('\n', out);
	}
	if (v->explored)
		fprintf(out, "explore: %" PRIu64 " %s, %" PRIu64 " bad%s\n  guarantee: %s\n", v->x.schedules,
		       v->x.mode == MODEL_EXPLORE_STATES ? "final states" : v->x.mode ==
		       MODEL_EXPLORE_PCT ? "runs" : "schedules", v->x.bad,
		       "", v->guarantee);
}

/* Runs variant v: the recorded schedule (or the user's), the events of each
 * step, exploration.  0, WINREPLAY_USAGE or a negative code (*e). */
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
		return ft_error(e, -ENOMEM, "replay: out of memory");
	}
	if (o->schedule) {
		v->user = 1;
		snprintf(v->sched, sizeof(v->sched), "%s", o->schedule);
		if (model_schedule_parse(m, o->schedule, sched, MODEL_MAX_RUN, &n, err,
					 sizeof(err)) < 0) {
			model_free(m);
			ft_error(e, -EINVAL, "%s", err);
			return WINREPLAY_USAGE;
		}
		if (o->strict && replay_window_strict(m, sched, n, err, sizeof(err)) < 0) {
			model_free(m);
			return ft_error(e, -EINVAL, "replay: --strict: %s", err);
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
		return ft_error(e, -ENOMEM, "replay: out of memory");
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
		 * states (winreplay.h: REPLAY_DET_*), so the output does not depend
		 * on the machine's speed; --timeout or an explicit search
		 * (--explore=MODE, --budget, --pct, --preemptions) is taken as given */
		if (wo.explore_default && !wo.timeout_given)
			wo.seconds = 0;
		if (replay_explore(&wo, init, &v->x, v->guarantee, sizeof(v->guarantee)) < 0) {
			model_free(init);
			model_free(m);
			return ft_error(e, -ENOMEM, "replay: out of memory");
		}
		v->explored = 1;
	}
	model_free(init);
	*mout = m;
	return 0;
}

static void print_tasks(FILE *out, const struct window_trace *wt,
			const struct replay_window_map *map, int json)
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

int winreplay_run(const struct replay_opts *o, int64_t id, FILE *out, struct ft_err *e)
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
	int nk = 0, ret = -EINVAL, match = -1, tv = -1;

	if (store_open(&s, o->db, STORE_READWRITE, e) < 0)
		return e->code < 0 ? e->code : -EIO;
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
		if (ret != 0)
			goto out;
		ret = -EINVAL;
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
		/* the trace's variant by identity (core/vocab.h), not by name */
		if (model_variant_vocab(i) >= 0 &&
		    model_variant_vocab(i) == ft_variant_find(f.variant)) {
			tv = nk;
			if (expect)
				match = !strcmp(model_outcome_name(runs[nk].wout), expect);
		}
		nk++;
	}
	/* stored before anything is printed: a database that cannot take the
	 * runs (read-only) fails the job with no output */
	if (window_replays_save(s, id, save, nk, e) < 0)
		goto out;
	if (!out) {
		ret = 0;	/* stored; silent */
		goto out;
	}
	if (o->json) {
		fprintf(out, "{\"window\":%lld,\"matches_trace\":%s,\"follows_trace\":%s,\"divergence\":",
		       (long long)id, match < 0 ? "null" : match ? "true" : "false",
		       tv < 0 ? "null" : runs[tv].div.kind == RDIV_NONE ? "true" : "false");
		if (tv >= 0)
			div_json(out, &runs[tv].div);
		else
			fputs("null", out);
		fprintf(out, ",\"verdict\":");
		json_str(out, f.verdict);	/* from the file: escaped */
		fprintf(out, ",\"trace_model\":");
		json_str(out, f.variant[0] ? f.variant : NULL);
		fprintf(out, ",\"expected\":");
		json_str(out, expect);
		fprintf(out, ",\"note\":");
		json_str(out, note);
		fprintf(out, ",\"model_pages\":[%llu,%llu],\"span\":[%lld,%lld],\"tasks\":[",
		       (unsigned long long)sc.base_index,
		       (unsigned long long)(sc.base_index + sc.npages - 1), (long long)wt.lo,
		       (long long)wt.hi);
		print_tasks(out, &wt, &map, 1);
		fprintf(out, "],\"models\":[");
		for (int i = 0; i < nk; i++)
			fprintf(out, "%s%s", i ? "," : "", detail[i]);
		fprintf(out, "]}\n");
	} else {
		if (tv >= 0 && match >= 0)
			fprintf(out, "window %lld: the trace shows %s; under %s, the trace's kernel, the model "
			       "gives %s, expected %s: %s; %s\n", (long long)id, ft_term_s(f.verdict),
			       ft_term_s(f.variant), model_outcome_name(runs[tv].wout), expect,
			       match ? "agrees" : "DISAGREES", runs[tv].div.kind == RDIV_NONE ?
			       "the run follows the trace with no divergence" :
			       "the run departs from the trace");
		else if (tv >= 0)
			fprintf(out, "window %lld: the trace shows %s: no outcome to compare; under %s the "
			       "model gives %s\n", (long long)id, ft_term_s(f.verdict),
			       ft_term_s(f.variant), model_outcome_name(runs[tv].wout));
		else
			fprintf(out, "window %lld: the trace shows %s; the trace's code variant (%s) was not "
			       "run: nothing to compare\n", (long long)id, ft_term_s(f.verdict),
			       f.variant[0] ? ft_term_s(f.variant) : "unknown");
		if (tv >= 0 && runs[tv].div.kind != RDIV_NONE) {
			fprintf(out, "first divergence under %s: ", ft_term_s(f.variant));
			div_text(out, &runs[tv].div);
			fputc('\n', out);
		}
		fprintf(out, "window %lld: %s on ino %lld, pages %lld-%lld, writer pid %d; events #%lld-"
		       "#%lld\n", (long long)id, ft_term_s(f.verdict), (long long)f.ino,
		       (long long)f.first, (long long)f.last, f.writer, (long long)wt.lo,
		       (long long)wt.hi);
		print_tasks(out, &wt, &map, 0);
		fprintf(out, "  model: pages %llu-%llu%s%s\n", (unsigned long long)sc.base_index,
		       (unsigned long long)(sc.base_index + sc.npages - 1), note[0] ? "; " : "",
		       note);
		for (int i = 0; i < nk; i++)
			run_text(out, &sc, models[i], &runs[i]);
	}
	ret = 0;
out:
	for (int i = 0; i < nk || (i < 8 && models[i]); i++) {
		model_free(models[i]);
		free(detail[i]);
	}
	free(runs);
	free(ev);
	window_trace_free(&wt);
	if (store_close(s) < 0 && ret == 0)
		ret = ft_error(e, -EIO, "%s: closing the database failed", o->db);
	if (ret < 0 && e->code < 0)
		ret = e->code;
	return ret;
}

/* --- the job in a child process ------------------------------------------- */

/* The test-only hook of winreplay_child (winreplay.h): is window to stall? */
static int test_stalled(int64_t window)
{
	const char *s = getenv("FOLIOTRACE_TEST_REPLAY_STALL");
	char *end;

	while (s && *s) {
		long long v = strtoll(s, &end, 10);

		if (end == s || (*end && *end != ','))
			return 0;
		if (v == window)
			return 1;
		s = *end ? end + 1 : end;
	}
	return 0;
}

static void __attribute__((noreturn)) test_stall(void)
{
	const char *path = getenv("FOLIOTRACE_TEST_REPLAY_STALL_PIDS");
	pid_t g = fork();
	FILE *f;

	if (g == 0)
		for (;;)
			pause();
	if (path && (f = fopen(path, "a"))) {
		fprintf(f, "%d %d\n", (int)getpid(), (int)g);
		fclose(f);
	}
	for (;;)
		pause();
}

/* Kills the child's process group and reaps the child. */
static void kill_group(pid_t pid, int *status)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);	/* in case the child had not called setpgid yet */
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* The child: its own process group, default signal dispositions, standard
 * streams on /dev/null, the job with --explore; never returns. */
static void __attribute__((noreturn)) child_main(const char *db, int64_t window,
						   const sigset_t *old)
{
	static const int dfl[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGTSTP, SIGCONT,
				   SIGPIPE, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2 };
	struct replay_opts o = REPLAY_OPTS_INIT;
	struct ft_err e = FT_ERR_INIT;
	int fd = open("/dev/null", O_RDWR);

	setpgid(0, 0);
	for (size_t i = 0; i < sizeof(dfl) / sizeof(dfl[0]); i++)
		signal(dfl[i], SIG_DFL);	/* not the front end's handlers (curses) */
	sigprocmask(SIG_SETMASK, old, NULL);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	if (test_stalled(window))
		test_stall();
	o.db = db;
	o.explore = 1;
	o.explore_default = 1;
	o.explore_mode = MODEL_EXPLORE_DPOR;
	_exit(winreplay_run(&o, window, NULL, &e) == 0 ? 0 : 1);
}

int winreplay_child(const char *db, int64_t window, double timeout, int *status)
{
	sigset_t set, old;
	double deadline = timeout > 0 ? mono_now() + timeout : 0;
	pid_t pid;
	int ret;

	*status = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (int i = 0; i < 3; i++) {	/* the stop signals this process does not ignore */
		static const int stop[] = { SIGINT, SIGTERM, SIGHUP };
		struct sigaction sa;

		if (sigaction(stop[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			sigaddset(&set, stop[i]);
	}
	fflush(NULL);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		return ret;
	}
	if (pid == 0) {
		child_main(db, window, &old);
	}
	setpgid(pid, pid);	/* both sides: the group exists before either goes on */
	for (;;) {
		double slice = 0.1;	/* waitpid again at least this often */
		struct timespec ts;
		pid_t r = waitpid(pid, status, WNOHANG);
		int sig;

		if (r == pid) {
			ret = WIFEXITED(*status) && WEXITSTATUS(*status) == 0 ? 0 : -ECHILD;
			break;
		}
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			kill_group(pid, status);
			break;
		}
		if (deadline) {
			double left = deadline - mono_now();

			if (left <= 0) {
				kill_group(pid, status);
				ret = -ETIMEDOUT;
				break;
			}
			slice = left < slice ? left : slice;
		}
		ts.tv_sec = (time_t)slice;
		ts.tv_nsec = (long)((slice - (double)ts.tv_sec) * 1e9);
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			/* the child is not in our terminal's group: stop it, then
			 * let the signal do what it does here */
			kill_group(pid, status);
			sigprocmask(SIG_SETMASK, &old, NULL);
			raise(sig);
			return -EINTR;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

