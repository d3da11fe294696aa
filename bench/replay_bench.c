/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay_bench.c - `make bench`, replay part: model steps/s, explored
 * schedules/s, exhaustive exploration time of the 3-task scenario
 * (short write, mmap fault, writeback) per variant, and DPOR beside the
 * naive enumeration of every interleaving on the 2-task race.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../replay/model_impl.h"
#include "../replay/scenario.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct model_run R;
static struct model_explore X;

/* The scenario's default schedule, into R. */
static void run_default(struct model *m, const char *scenario)
{
	uint8_t sched[MODEL_MAX_RUN];
	char err[160];
	size_t n;

	model_schedule_parse(m, scenario_find(scenario)->schedule, sched, MODEL_MAX_RUN, &n, err,
			     sizeof(err));
	model_run(m, sched, n, &R);
}

/* Raw steps: restore the snapshot, replay the recorded task sequence. */
static void bench_steps(const char *scenario)
{
	struct model *m, *w;
	uint8_t task[MODEL_MAX_RUN];
	uint64_t steps = 0;
	double t0, dt;
	size_t n;

	scenario_build(scenario_find(scenario), "prefix", &m);
	w = model_clone(m);
	run_default(w, scenario);
	n = R.nsteps;
	for (size_t i = 0; i < n; i++)
		task[i] = R.step[i].task;
	t0 = now();
	do {
		for (int k = 0; k < 20000; k++) {
			memcpy(w, m, sizeof(*m));
			for (size_t i = 0; i < n; i++)
				model_step_raw(w, task[i]);
			steps += n;
		}
		dt = now() - t0;
	} while (dt < 0.5);
	printf("replay: model steps (snapshot restore + step + invariant checks): %.1f M steps/s "
	       "(target >= 10 M)\n", steps / dt / 1e6);
	t0 = now();
	steps = 0;
	do {
		for (int k = 0; k < 2000; k++) {
			memcpy(w, m, sizeof(*m));
			model_run(w, task, n, &R);
			steps += R.nsteps;
		}
		dt = now() - t0;
	} while (dt < 0.5);
	printf("replay: model_run with step records and runnable checks: %.1f M steps/s\n",
	       steps / dt / 1e6);
	model_free(w);
	model_free(m);
}

static void bench_explore(const char *scenario)
{
	for (int v = 0; v < model_variant_count(0); v++) {
		struct model *m, *w;
		double t0, dt, best = 1e9;
		uint64_t naive;

		scenario_build(scenario_find(scenario), model_variant_name(v), &m);
		w = model_clone(m);
		run_default(w, scenario);
		naive = model_multinomial(R.task_steps, model_ntasks(m));
		for (int k = 0; k < 5; k++) {
			t0 = now();
			model_explore(m, 0, &X);
			dt = now() - t0;
			if (dt < best)
				best = dt;
		}
		printf("replay: explore %s %-8s exhaustive in %8.3f ms (target < 1000): %5llu "
		       "schedules (%llu bad), %.0f schedules/s, %.1f M steps/s; naive %llu "
		       "interleavings (default schedule's step counts)\n", scenario, model_variant_name(v), best * 1e3,
		       (unsigned long long)X.schedules, (unsigned long long)X.bad,
		       X.schedules / best, X.steps / best / 1e6, (unsigned long long)naive);
		model_free(w);
		model_free(m);
	}
}

static void bench_naive(const char *scenario)
{
	for (int v = 0; v < model_variant_count(0); v++) {
		struct model *m;
		struct model_enum e;
		double t0, tn, td;

		scenario_build(scenario_find(scenario), model_variant_name(v), &m);
		t0 = now();
		model_enumerate(m, 2000000, &e);	/* the grown model: capped */
		tn = now() - t0;
		t0 = now();
		model_explore(m, 0, &X);
		td = now() - t0;
		printf("replay: %s %-8s naive enumeration %7llu interleavings%s (%llu traces) in "
		       "%7.2f ms; DPOR %llu schedules in %.3f ms (%.0fx faster)\n", scenario,
		       model_variant_name(v), (unsigned long long)e.interleavings,
		       e.truncated ? " (stopped at 2 M)" : "", (unsigned long long)e.traces, tn * 1e3, (unsigned long long)X.schedules,
		       td * 1e3, tn / td);
		model_free(m);
	}
}

/* The state-space search (the reference) and DPOR on the same model. */
static void bench_states(const char *scenario)
{
	struct model *m;
	struct model_explore_opts o = { .mode = MODEL_EXPLORE_STATES, .max_preemptions = -1 };
	double t0, ts, td;

	scenario_build(scenario_find(scenario), "prefix", &m);
	t0 = now();
	model_states(m, &o, &X);
	ts = now() - t0;
	printf("replay: state search %s prefix: %llu states, %llu final states in %.3f s: "
	       "%.0f states/s, %.1f M steps/s\n", scenario, (unsigned long long)X.states,
	       (unsigned long long)X.final_states, ts, X.states / ts, X.steps / ts / 1e6);
	t0 = now();
	model_explore(m, 0, &X);
	td = now() - t0;
	printf("replay: DPOR %s prefix: %llu executions (%llu final states) in %.3f s: "
	       "%.0f executions/s, %.0f nodes/s\n", scenario, (unsigned long long)X.schedules,
	       (unsigned long long)X.final_states, td, X.schedules / td, X.states / td);
	model_free(m);
}

int main(void)
{
	bench_steps("punch-race-writeback");
	bench_explore("punch-race-writeback");
	bench_naive("punch-race");
	bench_states("punch-race-writeback");
	return 0;
}
