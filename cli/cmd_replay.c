/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_replay.c - foliotrace replay: run a scenario in the kernel-path model. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "replay_cli.h"
#include "../core/json.h"
#include "../core/termsafe.h"
#include "../core/vocab.h"
#include "../replay/model.h"
#include "../replay/scenario.h"
#include "../replay/scenfile.h"

const char cmd_replay_usage[] =
"usage: foliotrace replay --scenario NAME [--model M] [--schedule S]\n"
"                                 [--explore] [--json]\n"
"       foliotrace replay --scenario-file FILE [--model M] [--schedule S]\n"
"                                 [--explore] [--json]\n"
"       foliotrace replay --list\n"
"       foliotrace replay DB --window N [--model M] [--schedule S [--strict]]\n"
"                                 [--explore] [--json]\n"
"\n"
"Run a built-in scenario in the userspace model of the XFS kernel paths\n"
"(buffered write with a short copy, mmap write fault, writeback, hole punch,\n"
"truncate, read) under each code variant, with its default schedule or the\n"
"given one, and print per variant the outcome, a digest of the schedule and\n"
"outcome, and the step sequence (task, step, page, tracepoints).\n"
"\n"
"With DB --window N, the window N of an analysed database (foliotrace\n"
"windows) becomes the model's tasks: the writer W (its buffered write, the\n"
"copy up to the last page it added or dirtied) and every other task the trace\n"
"shows on the window's pages in its time span, with the kind the trace\n"
"shows: write faults F, G, H.., read faults R, S, U, writebacks B, C, D, E\n"
"(the writer's fsync or a kworker), punches P, Q, truncates T, V, other\n"
"buffered writes X, Y, Z; at most 16 tasks over at most 64 pages that hold\n"
"the punched pages (never moved) and the tasks' pages.  What does not fit\n"
"is said in the note, with how much.  The recorded schedule follows the\n"
"trace: its events, in happens-before order (a lock request counts at its\n"
"grant, the task's next non-scheduler event), each advance their task's\n"
"steps (untraced steps run as needed) to the step that emits the event on\n"
"its page; every step lists the trace events it stands for.  Where the\n"
"model cannot do what the trace shows (no next step emits the event, a\n"
"step emits a page-cache, dirty, writeback or allocation event the trace\n"
"does not show, or the task is blocked in the model) is a divergence; the\n"
"first is reported with the trace's event id and name and the model's\n"
"task, step and page.  The output starts with the agreement line (the\n"
"outcome of the window's cleanup round, from W's previous punch to the\n"
"window's, under the variant of the trace's kernel against what the trace\n"
"shows: loss: data_loss, or unbacked_dirty when the page was later\n"
"dropped; hit: unbacked_dirty when a racer dirtied its page inside the\n"
"window with no block of its own, else ok; dropped: dirty_dropped; unsafe,\n"
"protected: ok), then the first divergence, the tasks, and per model the\n"
"steps; pages are file page indexes.  The results, each step with its\n"
"event ids, are stored in the database's replays table.  Invariants\n"
"are checked after every step; an outcome is ok or the most severe of:\n"
"data_loss, dirty_dropped, writeback_error, unbacked_dirty, stale_folio,\n"
"reservation_leak, deadlock.\n"
"\n"
"scenarios:\n"
"   punch-race            the 198dd8aedee6 race: a fault between the failed\n"
"                         write's truncate and punch\n"
"   short-write           a short write with a fault elsewhere (race-free)\n"
"   punch-race-writeback  punch-race, then writeback of the range\n"
"   hole-punch            a fault, then a hole punch of its page\n"
"\n"
"models: prefix (5.10 .. 6.1.91), fix (198dd8aedee6 alone), v6.2 (6.2 ..\n"
"6.11), upstream (6.12 .. 6.18), all (the default: the four in this order).\n"
"\n"
"options:\n"
"      --scenario=NAME   the scenario to run (see --list)\n"
"      --model=M         prefix, fix, v6.2, upstream or all\n"
"      --schedule=S      task letters, each with an optional repeat count,\n"
"                        e.g. W6,F8,W2; a blocked task's entries wait, and\n"
"                        the run continues past the end with the lowest\n"
"                        runnable task (those steps are marked +)\n"
"      --explore[=MODE]  also explore the other interleavings from the initial\n"
"                        state.  dpor (the default): source-set DPOR with\n"
"                        sleep sets, complete executions per outcome, the\n"
"                        naive interleaving count, a shortest schedule per\n"
"                        bad outcome; states: the state-space search (every\n"
"                        reachable state once), every final state and outcome\n"
"                        class.  --explore alone runs DPOR up to 100000\n"
"                        executions, then the state search up to 300000\n"
"                        states, then preemption-bounded state searches\n"
"                        (K = 0, 1, ...) of up to 300000 states each: the\n"
"                        output does not depend on the machine's speed; with\n"
"                        --timeout the same chain shares the time (DPOR 30%,\n"
"                        the state search to 65%, the bounded ones the rest).\n"
"                        A DPOR run that completes is checked against the\n"
"                        state search.  Every result ends with a\n"
"                        guarantee line: exhaustive, bounded (K preemptions),\n"
"                        pct (the probability bound) or partial (what the\n"
"                        budget stopped); docs/replay-explore.md has the\n"
"                        algorithms\n"
"      --budget=N        stop after N executions (dpor, pct runs) or N states\n"
"                        (states): deterministic, unlike --timeout\n"
"      --timeout=T       time budget of the command (seconds with an optional\n"
"                        unit: 8, 1.5s, 500ms; 0: none), split between the\n"
"                        models\n"
"      --pct=D           PCT (Burckhardt et al., ASPLOS 2010): --runs=N runs\n"
"                        (default 1000) with random priorities and D-1\n"
"                        priority change points, --seed=S (default 1); prints\n"
"                        the per-run bound 1/(n k^(D-1)) for a depth-D bug\n"
"                        (n tasks, k steps per run) and (1-p)^N, the bound on\n"
"                        missing it after N runs\n"
"      --preemptions=K   the state search bounded to schedules with at most K\n"
"                        preemptions (a switch away from a task that could\n"
"                        still run): every final state such a schedule\n"
"                        reaches, nothing about the others\n"
"      --json            one JSON object: for a scenario {scenario, models},\n"
"                        for a window the object below; models is an array\n"
"                        of one object per model with model,\n"
"                        scenario, outcome, digest, schedule, where, hits,\n"
"                        steps; with --explore also schedules, bad_schedules,\n"
"                        naive, outcomes, hit_schedules, counterexamples and\n"
"                        explore: {mode, complete, stopped (none, budget,\n"
"                        time, memory), guarantee, executions, states,\n"
"                        final_states, races, sleep_blocked, steps, depth_cut,\n"
"                        preemptions, bound_hit, classes: [{hits,\n"
"                        final_states}], pct: {tasks, k, longer_runs, p_run,\n"
"                        p_miss} or null, counterexamples}; a window's output\n"
"                        is one object whose models array holds the same\n"
"                        per-model objects\n"
"      --scenario-file=FILE  run the scenario FILE describes instead of a\n"
"                        built-in one: a text file of 'key values' lines\n"
"                        (name, summary, models, kernel, pages, isize, free,\n"
"                        ino, base, extent, folio, task, schedule; '#'\n"
"                        comments), e.g. 'task W write 0-3 copied 4096',\n"
"                        'task F fault 2', 'schedule W6,F8,W2';\n"
"                        replay/scenarios/*.scn are the built-ins as files,\n"
"                        replay/README.md the format.  Its models line is\n"
"                        the default for --model.  A bad file is an error\n"
"                        naming FILE:LINE (exit status 1).  - reads\n"
"                        standard input\n"
"      --list            list the scenarios\n"
"      --window=N        replay window N of DB (see foliotrace windows);\n"
"                        with --schedule, your schedule runs instead of the\n"
"                        recorded one, each step beside the events the\n"
"                        recorded run gave that task's step, and the first\n"
"                        step run before one the trace shows earlier is the\n"
"                        divergence; with --json one object: window,\n"
"                        matches_trace, follows_trace, divergence, verdict,\n"
"                        trace_model, expected, note, model_pages, span,\n"
"                        tasks, models (each step with its events);\n"
"                        --explore alone on a window has budgets in steps,\n"
"                        not time (the output does not depend on the\n"
"                        machine): DPOR 20000 executions, then the state\n"
"                        search 300000 states, then preemption-bounded\n"
"                        searches of 300000 states each; the guarantee line\n"
"                        says which one answered\n"
"      --strict          with --window and --schedule: an entry whose task\n"
"                        is blocked is an error naming the entry (position,\n"
"                        task, its step and the lock it waits for, and the\n"
"                        holder) instead of waiting; a finished task's\n"
"                        entries are skipped\n"
"  -v, --verbose         how DB is opened and the time taken, on stderr\n"
"  -h, --help            show this help\n"
"\n"
"A window replay stores its runs in DB: a read-only DB is refused before\n"
"anything runs (copy it, or make it writable).\n"
"\n"
"exit status: 0 on success (whatever the outcomes; for a window, whether or\n"
"not they agree with the trace), 1 if the run cannot be made, 2 on a usage\n"
"error.\n";


static void print_text(const struct scenario *sc, struct model *m, const struct model_run *r,
		       const char *sched, const struct model_explore *x, uint64_t naive,
		       const char *guarantee)
{
	const struct model_where *w = &r->where[r->outcome];
	char buf[4 * MODEL_MAX_RUN];

	printf("== %s under %s: outcome %s, digest %016" PRIx64 "\n", sc->name,
	       model_variant_of(m), model_outcome_name(r->outcome), r->digest);
	{
		uint8_t run[MODEL_MAX_RUN];

		for (size_t i = 0; i < r->nsteps; i++)
			run[i] = r->step[i].task;
		model_schedule_format(m, run, r->nsteps, buf, sizeof(buf));
	}
	printf("schedule %s, ran %s\n", sched, buf);
	printf("%4s  %-4s %-36s %-5s %s\n", "#", "task", "step", "page", "tracepoints");
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct model_step_rec *s = &r->step[i];
		char page[24] = "-";

		if (s->folio >= 0)	/* file page indexes, as the scenario names them */
			snprintf(page, sizeof(page), "%llu",
				 (unsigned long long)(sc->base_index + (uint64_t)s->folio));
		printf("%4zu  %c%-3s %-36s %-5s %s", i + 1, model_task_letter(m, s->task),
		       s->extra ? "+" : "", s->name, page, s->tp ? s->tp : "(untraced)");
		if (s->hits) {
			printf("  <- ");
			replay_hits_text(stdout, s->hits);
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
			printf(", page %llu", (unsigned long long)(sc->base_index + (uint64_t)w->folio));
		if (w->other >= 0)
			printf(", dirtied by %c", model_task_letter(m, w->other));
		if (r->hits & ~(1u << r->outcome)) {
			printf("; also ");
			replay_hits_text(stdout, r->hits & ~(1u << r->outcome));
		}
		putchar('\n');
	}
	if (!x)
		return;
	if (x->mode == MODEL_EXPLORE_STATES)
		printf("explore (state search): %" PRIu64 " states, %" PRIu64 " transitions, %" PRIu64
		       " final states, %" PRIu64 " bad, %" PRIu64 " model steps\n", x->states,
		       x->transitions, x->final_states, x->bad, x->steps);
	else if (x->mode == MODEL_EXPLORE_PCT)
		printf("explore (pct): %" PRIu64 " runs, %" PRIu64 " final states, %" PRIu64
		       " bad, %" PRIu64 " model steps\n", x->schedules, x->final_states, x->bad,
		       x->steps);
	else
	printf("explore: %" PRIu64 " distinct schedules (naive enumeration: %" PRIu64
	       " interleavings), %" PRIu64 " bad, %" PRIu64 " cut by sleep sets, %" PRIu64
	       " model steps%s\n", x->schedules, naive, x->bad, x->sleep_blocked, x->steps,
	       x->truncated ? " (stopped at the limit)" : "");
	printf("  outcomes:");
	for (int o = 0; o < MODEL_OUTCOMES; o++)
		if (x->outcome[o])
			printf(" %s %" PRIu64, model_outcome_name(o), x->outcome[o]);
	printf("\n  schedules hitting:");
	for (int o = 1; o < MODEL_OUTCOMES; o++)
		if (x->hit[o])
			printf(" %s %" PRIu64, model_outcome_name(o), x->hit[o]);
	putchar('\n');
	for (int o = 1; o < MODEL_OUTCOMES; o++)
		if (x->shortest[o].n) {
			model_schedule_format(m, x->shortest[o].task, x->shortest[o].n, buf, sizeof(buf));
			printf("  shortest %s: %s (%zu steps)\n", model_outcome_name(o), buf,
			       x->shortest[o].n);
		}
	printf("  final states: %" PRIu64 " in %u outcome classes:", x->final_states, x->nclasses);
	for (unsigned i = 0; i < x->nclasses; i++) {
		printf("%s ", i ? ";" : "");
		if (x->klass[i].hits)
			replay_hits_text(stdout, x->klass[i].hits);
		else
			printf("ok");
		printf(" %" PRIu64, x->klass[i].final_states);
	}
	printf("\n  guarantee: %s\n", guarantee);
}

static void print_json(FILE *out, const struct scenario *sc, struct model *m, const struct model_run *r,
		       const char *sched, const struct model_explore *x, uint64_t naive,
		       const char *guarantee)
{
	fprintf(out, "{\"model\":");
	json_str(out, model_variant_of(m));
	fprintf(out, ",\"scenario\":");
	json_str(out, sc->name);
	fprintf(out, ",\"outcome\":");
	json_str(out, model_outcome_name(r->outcome));
	fprintf(out, ",\"digest\":\"%016" PRIx64 "\",\"schedule\":", r->digest);
	json_str(out, sched);
	replay_run_json(out, sc, m, r, NULL, NULL);
	if (x) {
		fprintf(out, ",\"schedules\":%" PRIu64 ",\"bad_schedules\":%" PRIu64 ",\"naive\":%" PRIu64
		       ",\"sleep_blocked\":%" PRIu64 ",\"explore_truncated\":%s,\"outcomes\":{",
		       x->schedules, x->bad, naive, x->sleep_blocked, x->truncated ? "true" : "false");
		replay_counts_json(out, x->outcome, 0);
		fprintf(out, "},\"hit_schedules\":{");
		replay_counts_json(out, x->hit, 1);
		fputs("},\"counterexamples\":", out);
		replay_counterexamples_json(out, m, x);
		fputs(",\"explore\":", out);
		replay_explore_json(out, m, x, guarantee);
	}
	fputc('}', out);
}



/* One variant: build, run the schedule, explore from the initial state. */
int replay_one(const struct replay_opts *o, const struct scenario *sc, const char *variant,
		      int first, const char *sched_text, struct kept *keep, struct ft_err *e)
{
	struct model *m = NULL, *init = NULL;
	struct model_run *r = NULL;
	struct model_explore *x = NULL;
	uint8_t sched[MODEL_MAX_RUN];
	const char *text = sched_text ? sched_text : o->schedule ? o->schedule : sc->schedule;
	char err[160], guarantee[512] = "";
	size_t n;
	uint64_t naive;
	int ret = FT_EXIT_FAIL;

	if (scenario_build(sc, variant, &m) < 0) {
		ft_error(e, -EINVAL, "replay: cannot build scenario '%s' for model '%s'", sc->name,
			 variant);
		goto out;
	}
	if (model_schedule_parse(m, text, sched, MODEL_MAX_RUN, &n, err, sizeof(err)) < 0) {
		ret = cmd_usage_error("replay", "%s", err);
		goto out;
	}
	init = model_clone(m);
	r = malloc(sizeof(*r));
	if (!init || !r || model_run(m, sched, n, r) < 0) {
		ft_error(e, -ENOMEM, "replay: out of memory");
		goto out;
	}
	naive = model_multinomial(r->task_steps, model_ntasks(m));
	if (o->explore) {
		x = malloc(sizeof(*x));
		if (!x || replay_explore(o, init, x, guarantee, sizeof(guarantee)) < 0) {
			ft_error(e, -ENOMEM, "replay: out of memory");
			goto out;
		}
	}
	if (keep) {
		size_t len = 0;
		FILE *f = open_memstream(&keep->detail, &len);

		if (!f) {
			ft_error(e, -ENOMEM, "replay: out of memory");
			goto out;
		}
		print_json(f, sc, m, r, text, x, naive, guarantee);
		fclose(f);
		snprintf(keep->model, sizeof(keep->model), "%s", model_variant_of(m));
		snprintf(keep->outcome, sizeof(keep->outcome), "%s", model_outcome_name(r->outcome));
		snprintf(keep->schedule, sizeof(keep->schedule), "%s", text);
		keep->digest = r->digest;
		keep->explored = x ? (int64_t)x->schedules : -1;
		keep->bad = x ? (int64_t)x->bad : -1;
	}
	if (o->json) {
		/* a window's models stay on its one line */
		printf("%s", first ? "" : keep ? "," : ",\n");
		if (keep)	/* the same object, inside the window's */
			fputs(keep->detail, stdout);
		else
			print_json(stdout, sc, m, r, text, x, naive, guarantee);
	} else {
		printf("%s", first ? "" : "\n");
		print_text(sc, m, r, text, x, naive, guarantee);
	}
	ret = FT_EXIT_OK;
out:
	free(x);
	free(r);
	model_free(init);
	model_free(m);
	return ret;
}

int cmd_replay(int argc, char **argv, struct ft_err *e)
{
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "scenario-file", required_argument, NULL, 'f' },
		{ "model", required_argument, NULL, 'm' },
		{ "schedule", required_argument, NULL, 'S' },
		{ "explore", optional_argument, NULL, 'x' },
		{ "budget", required_argument, NULL, 'B' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "pct", required_argument, NULL, 'P' },
		{ "runs", required_argument, NULL, 'N' },
		{ "seed", required_argument, NULL, 'E' },
		{ "preemptions", required_argument, NULL, 'K' },
		{ "json", no_argument, NULL, 'j' },
		{ "list", no_argument, NULL, 'l' },
		{ "window", required_argument, NULL, 'w' },
		{ "strict", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_getopt g = CMD_GETOPT("", opts, cmd_replay_usage);
	struct replay_opts o = REPLAY_OPTS_INIT;
	double timeout = -1;
	long long v;
	const struct scenario *sc;
	static struct scenfile sfile;	/* sc points into it */
	const char *sfile_path = NULL;
	unsigned models = 0;		/* a scenario file's models line, without --model */
	int c, ret = FT_EXIT_OK, model_given = 0;

	while ((c = cmd_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 's': o.scenario = optarg; break;
		case 'f': sfile_path = optarg; break;
		case 'm': o.model = optarg; model_given = 1; break;
		case 'S': o.schedule = optarg; break;
		case 'x':
			o.explore = 1;
			if (!optarg || !strcmp(optarg, "dpor"))
				o.explore_mode = MODEL_EXPLORE_DPOR;
			else if (!strcmp(optarg, "states"))
				o.explore_mode = MODEL_EXPLORE_STATES;
			else
				return cmd_usage_error("replay", "--explore wants dpor or states, not "
						       "'%s'", optarg);
			o.explore_default = !optarg;
			break;
		case 'B': case 'N': case 'E': case 'K': case 'P': {
			if (cmd_parse_int(optarg, c != 'E' && c != 'K' ? 1 : 0, c == 'K' ? 255 :
					  c == 'P' ? 64 : INT64_MAX, &v) < 0)
				return cmd_usage_error("replay", "--%s wants a %s integer, not '%s'",
						       c == 'B' ? "budget" : c == 'N' ? "runs" :
						       c == 'E' ? "seed" : c == 'K' ? "preemptions" :
						       "pct", c == 'K' ? "0..255" : c == 'P' ?
						       "1..64" : c == 'E' ? "non-negative" : "positive",
						       optarg);
			if (c == 'B')
				o.budget = v;
			else if (c == 'N')
				o.runs = v;
			else if (c == 'E')
				o.seed = v;
			else if (c == 'K')
				o.preemptions = (int)v;
			else
				o.pct_depth = (unsigned)v;
			if (c == 'K' || c == 'P')
				o.explore = 1;
			if (c == 'P')
				o.explore_mode = MODEL_EXPLORE_PCT;
			break;
		}
		case 'T':
			o.timeout_given = 1;
			if (cmd_parse_seconds(optarg, 86400, &timeout) < 0)
				return cmd_usage_error("replay", "--timeout wants a time up to a day (8, "
						       "1.5s, 500ms; 0: none), not '%s'", optarg);
			break;
		case 'j': o.json = 1; break;
		case 'l': o.list = 1; break;
		case 'w': o.window = optarg; break;
		case 'R': o.strict = 1; break;
		case CMD_DONE: return g.status;
		}
	}
	if (o.explore_mode == MODEL_EXPLORE_PCT || o.preemptions >= 0 || o.budget)
		o.explore_default = 0;	/* an explicit search */
	if (o.explore_mode == MODEL_EXPLORE_PCT && o.preemptions >= 0)
		return cmd_usage_error("replay", "--pct and --preemptions exclude each other");
	if (timeout < 0)
		timeout = 0;	/* --explore alone: budgets in executions and states */
	o.seconds = timeout / (strcmp(o.model, "all") ? 1 : model_variant_count(0));
	if (optind < argc)
		o.db = argv[optind++];
	if (optind < argc)
		return cmd_usage_error("replay", "too many arguments");
	if (o.list) {
		for (int i = 0; i < scenario_count(); i++)
			printf("%-22s %s (default schedule %s)\n", scenario_at(i)->name,
			       scenario_at(i)->summary, scenario_at(i)->schedule);
		return FT_EXIT_OK;
	}
	if (strcmp(o.model, "all") &&
	    (model_variant_find(o.model) < 0 || model_variant_find(o.model) >= model_variant_count(0)))
		return cmd_usage_error("replay", "unknown model '%s' (%s, all)", o.model,
				       ft_variant_list());
	if (o.db || o.window) {
		long long id;

		if (o.scenario || sfile_path)
			return cmd_usage_error("replay", "DB --window excludes --scenario and "
					       "--scenario-file");
		if (!o.db || !o.window)
			return cmd_usage_error("replay", "wants both DB and --window N");
		if (cmd_parse_int(o.window, 1, INT64_MAX, &id) < 0)
			return cmd_usage_error("replay", "--window wants a window id (a positive "
					       "integer), not '%s'", o.window);
		/* the runs are stored in DB: a read-only one fails before any output */
		if (cmd_db_writable(o.db, e) < 0)
			return FT_EXIT_FAIL;
		ret = winreplay_run(&o, id, stdout, e);
		if (ret == WINREPLAY_USAGE) {
			char msg[sizeof(e->msg)];

			snprintf(msg, sizeof(msg), "%s", e->msg);
			ft_err_clear(e);
			return cmd_usage_error("replay", "%s", msg);
		}
		return ret < 0 ? FT_EXIT_FAIL : FT_EXIT_OK;
	}
	if (o.strict)
		return cmd_usage_error("replay", "--strict goes with DB --window N --schedule S");
	if (o.scenario && sfile_path)
		return cmd_usage_error("replay", "--scenario and --scenario-file exclude each other");
	if (sfile_path) {
		char err[300];
		unsigned line;

		int bad = strcmp(sfile_path, "-") ?
			  scenfile_load(sfile_path, &sfile, &line, err, sizeof(err)) :
			  scenfile_read(stdin, NULL, &sfile, &line, err, sizeof(err));

		if (bad < 0) {
			if (line)
				ft_error(e, -EINVAL, "%s:%u: %s", ft_term_s(sfile_path), line, err);
			else
				ft_error(e, -EINVAL, "%s: %s", ft_term_s(sfile_path), err);
			return FT_EXIT_FAIL;
		}
		sc = &sfile.sc;
		models = model_given ? 0 : sfile.models;
	} else {
		if (!o.scenario)
			return cmd_usage_error("replay", "wants --scenario NAME, --scenario-file FILE "
					       "(or --list)");
		sc = scenario_find(o.scenario);
		if (!sc)
			return cmd_usage_error("replay", "unknown scenario '%s' (see --list)",
					       o.scenario);
	}
	if (o.schedule) {	/* task letters do not depend on the variant: check once */
		struct model *m;
		uint8_t sched[MODEL_MAX_RUN];
		char err[160];
		size_t n;
		int bad;

		if (scenario_build(sc, model_variant_name(0), &m) < 0)
			return ft_error(e, -ENOMEM, "replay: out of memory"), FT_EXIT_FAIL;
		bad = model_schedule_parse(m, o.schedule, sched, MODEL_MAX_RUN, &n, err, sizeof(err));
		model_free(m);
		if (bad < 0)
			return cmd_usage_error("replay", "%s", err);
	}

	if (o.json) {	/* one shape: an object with a models array, as for a window */
		printf("{\"scenario\":");
		json_str(stdout, sc->name);
		printf(",\"models\":[");
	}
	if (!strcmp(o.model, "all")) {
		for (int i = 0, first = 1; i < model_variant_count(0) && ret == FT_EXIT_OK; i++)
			if (!models || (models & (1u << i))) {
				ret = replay_one(&o, sc, model_variant_name(i), first, NULL, NULL, e);
				first = 0;
			}
	} else {
		ret = replay_one(&o, sc, o.model, 1, NULL, NULL, e);
	}
	if (o.json)
		printf("]}\n");
	return ret;
}
