/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of replay/: the delalloc punch race per variant (default
 * schedule and exhaustive exploration), each invariant tripped by a
 * deliberately broken variant (and not by upstream on the same schedule),
 * DPOR against the naive enumeration, the naive count against a formula,
 * determinism, schedule parsing and API errors.
 *
 * Expected values come from the scenarios' construction: the page the
 * fault touches, the step counts of each task's program, binomials.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../replay/model.h"
#include "../../replay/scenario.h"
#include "tap.h"

#define INO 131

static struct model *build(const char *scenario, const char *variant)
{
	struct model *m = NULL;
	const struct scenario *sc = scenario_find(scenario);

	if (!sc || scenario_build(sc, variant, &m) < 0)
		return NULL;
	return m;
}

/* Runs text (or the scenario's default schedule) on a fresh model. */
static int run(const char *scenario, const char *variant, const char *text, struct model_run *r)
{
	struct model *m = build(scenario, variant);
	uint8_t sched[MODEL_MAX_RUN];
	char err[160];
	size_t n;
	int ret;

	if (!m)
		return -EINVAL;
	if (!text)
		text = scenario_find(scenario)->schedule;
	ret = model_schedule_parse(m, text, sched, MODEL_MAX_RUN, &n, err, sizeof(err));
	if (!ret)
		ret = model_run(m, sched, n, r);
	model_free(m);
	return ret;
}

static int explore(const char *scenario, const char *variant, struct model_explore *x)
{
	struct model *m = build(scenario, variant);
	int ret;

	if (!m)
		return -EINVAL;
	ret = model_explore(m, 0, x);
	model_free(m);
	return ret;
}

static const struct model_task_desc *desc_of(const char *scenario, char letter)
{
	const struct scenario *sc = scenario_find(scenario);

	for (unsigned i = 0; i < sc->ntasks; i++)
		if (sc->task[i].letter == letter)
			return &sc->task[i];
	return NULL;
}

static struct model_run R;	/* big: keep off the stack */
static struct model_explore X;

static void test_prefix_default(void)
{
	const struct model_task_desc *f = desc_of("punch-race", 'F');

	CHECK(run("punch-race", "prefix", NULL, &R) == 0, "punch-race runs under prefix");
	CHECK(R.outcome == MODEL_UNBACKED_DIRTY, "prefix punch-race default schedule: %s",
	      model_outcome_name(R.outcome));
	CHECK_EQ_INT(R.where[MODEL_UNBACKED_DIRTY].folio, f->index, "the unbacked folio is F's page");
	CHECK_EQ_INT(R.where[MODEL_UNBACKED_DIRTY].task, 0, "W (task 0) made the step: its punch");
	CHECK_EQ_INT(R.where[MODEL_UNBACKED_DIRTY].other, 1, "F (task 1) dirtied the folio");
	CHECK(!strcmp(R.step[R.where[MODEL_UNBACKED_DIRTY].step].name, "punch_delalloc"),
	      "the step is the punch: %s", R.step[R.where[MODEL_UNBACKED_DIRTY].step].name);
	CHECK(!(R.hits & (1u << MODEL_RESERVATION_LEAK)), "accounting balances (I5) in the race");

	CHECK(run("punch-race-writeback", "prefix", NULL, &R) == 0, "punch-race-writeback runs");
	CHECK(R.outcome == MODEL_DATA_LOSS, "prefix punch-race-writeback loses the write: %s",
	      model_outcome_name(R.outcome));
	CHECK_EQ_INT(R.where[MODEL_DATA_LOSS].folio, f->index, "lost write on F's page");
	CHECK_EQ_INT(R.where[MODEL_DATA_LOSS].task, 2, "found by writeback B (task 2)");
	CHECK(R.hits & (1u << MODEL_UNBACKED_DIRTY), "after the folio was left unbacked");

	/* the same schedule under the later variants is safe */
	for (int v = 1; v < 4; v++) {
		CHECK(run("punch-race-writeback", model_variant_name(v), NULL, &R) == 0 &&
		      R.outcome == MODEL_OK, "%s: default punch-race-writeback schedule is ok (%s)",
		      model_variant_name(v), model_outcome_name(R.outcome));
	}
}

/* Step counts from the programs: prefix W = iolock, begin, one write_folio
 * per copied page, the failing write_folio, iomap_end, truncate, punch,
 * iounlock; F = read, mkwrite lock, folio lock, begin, dirty, iomap_end,
 * unlock, store.  fix adds invalidate_lock/unlock to W; v6.2 has no
 * page_mkwrite iomap_end. */
static unsigned long long binom(unsigned n, unsigned k)
{
	unsigned long long c[64] = { 1 };

	for (unsigned i = 1; i <= n; i++)
		for (unsigned j = i; j > 0; j--)
			c[j] += c[j - 1];
	return c[k];
}

static void test_naive_count(void)
{
	const struct model_task_desc *w = desc_of("punch-race", 'W');
	unsigned wsteps[4], fsteps[4] = { 8, 8, 7, 8 };
	unsigned copied = (unsigned)(w->copied_bytes / 4096);

	wsteps[0] = 7 + copied;
	wsteps[1] = wsteps[2] = wsteps[3] = 9 + copied;
	for (int v = 0; v < 4; v++) {
		unsigned steps[2];

		run("punch-race", model_variant_name(v), NULL, &R);
		CHECK_EQ_INT(R.task_steps[0], wsteps[v], "W steps by construction");
		CHECK_EQ_INT(R.task_steps[1], fsteps[v], "F steps by construction");
		steps[0] = wsteps[v];
		steps[1] = fsteps[v];
		CHECK_EQ_INT(model_multinomial(steps, 2), binom(wsteps[v] + fsteps[v], fsteps[v]),
			     "naive interleavings = binomial");
	}
	{
		unsigned s3[3] = { 3, 2, 2 };

		CHECK_EQ_INT(model_multinomial(s3, 3), 210, "7!/(3!2!2!)");
	}
}

static void test_explore_variants(void)
{
	const char *races[] = { "punch-race", "punch-race-writeback" };

	for (int i = 0; i < 2; i++) {
		CHECK(explore(races[i], "prefix", &X) == 0 && !X.truncated, "%s: prefix explored",
		      races[i]);
		printf("# %s prefix: %llu schedules, %llu bad\n", races[i],
		       (unsigned long long)X.schedules, (unsigned long long)X.bad);
		CHECK(X.hit[MODEL_UNBACKED_DIRTY] > 0, "%s: prefix leaves unbacked dirty folios in "
		      "%llu schedules", races[i], (unsigned long long)X.hit[MODEL_UNBACKED_DIRTY]);
		CHECK(X.shortest[MODEL_UNBACKED_DIRTY].n > 0, "%s: with a counterexample", races[i]);
		if (i == 1)
			CHECK(X.outcome[MODEL_DATA_LOSS] > 0, "%s: prefix loses writes in %llu schedules",
			      races[i], (unsigned long long)X.outcome[MODEL_DATA_LOSS]);

		CHECK(explore(races[i], "fix", &X) == 0 && !X.truncated, "%s: fix explored", races[i]);
		printf("# %s fix: %llu schedules, %llu bad\n", races[i],
		       (unsigned long long)X.schedules, (unsigned long long)X.bad);
		CHECK_EQ_INT(X.hit[MODEL_UNBACKED_DIRTY], 0, "fix: no unbacked dirty folio");
		CHECK_EQ_INT(X.hit[MODEL_DATA_LOSS], 0, "fix: no lost write");
		CHECK_EQ_INT(X.hit[MODEL_WRITEBACK_ERROR], 0, "fix: no writeback error");
		CHECK(X.hit[MODEL_DIRTY_DROPPED] > 0, "%s: fix still drops F's dirty data in %llu "
		      "schedules", races[i], (unsigned long long)X.hit[MODEL_DIRTY_DROPPED]);

		for (int v = 2; v < 4; v++) {
			CHECK(explore(races[i], model_variant_name(v), &X) == 0 && !X.truncated,
			      "%s: %s explored exhaustively: %llu schedules", races[i],
			      model_variant_name(v), (unsigned long long)X.schedules);
			CHECK(X.schedules > 1, "more than one schedule");
			CHECK_EQ_INT(X.bad, 0, "no bad outcome in any schedule");
		}
	}
}

/* X1 + X2 of explore.c: one explored schedule per trace, every trace. */
static void test_dpor_vs_naive(void)
{
	const char *sc[] = { "punch-race", "short-write", "hole-punch" };
	struct model_enum e;

	for (int s = 0; s < 3; s++)
		for (int v = 0; v < model_variant_count(1); v++) {
			struct model *m = build(sc[s], model_variant_name(v));
			int ok;

			ok = m && model_explore(m, 0, &X) == 0 && model_enumerate(m, 0, &e) == 0;
			model_free(m);
			CHECK(ok, "%s %s explored and enumerated", sc[s], model_variant_name(v));
			CHECK(X.schedules == e.traces, "%s %s: DPOR %llu schedules == %llu distinct "
			      "traces among %llu interleavings", sc[s], model_variant_name(v),
			      (unsigned long long)X.schedules, (unsigned long long)e.traces,
			      (unsigned long long)e.interleavings);
			ok = 1;
			for (int o = 0; o < MODEL_OUTCOMES; o++)
				ok &= X.outcome[o] == e.trace_outcome[o];
			CHECK(ok, "%s %s: same outcome counts", sc[s], model_variant_name(v));
			CHECK(e.interleavings > X.schedules, "the reduction reduces");
		}
}

/* A model built through the public API, as a trace-driven replay would. */
static struct model *custom(const char *variant, const struct model_task_desc *t, int n)
{
	struct model_config c = { .variant = variant, .ino = INO, .base_index = 100,
				  .npages = 8, .isize_pages = 8, .free_blocks = 64 };
	struct model *m;

	if (model_new(&m, &c) < 0)
		return NULL;
	for (int i = 0; i < n; i++)
		if (model_add_task(m, &t[i]) < 0) {
			model_free(m);
			return NULL;
		}
	return m;
}

static enum model_outcome run_custom(const char *variant, const struct model_task_desc *t, int n,
				     const char *text, struct model_run *r)
{
	struct model *m = custom(variant, t, n);
	uint8_t sched[MODEL_MAX_RUN];
	char err[160];
	size_t len;

	if (!m || model_schedule_parse(m, text, sched, MODEL_MAX_RUN, &len, err, sizeof(err)) < 0 ||
	    model_run(m, sched, len, r) < 0) {
		model_free(m);
		return MODEL_OUTCOMES;
	}
	model_free(m);
	return r->outcome;
}

static void test_broken_variants(void)
{
	const struct model_task_desc fb[] = {
		{ .kind = MODEL_TASK_FAULT, .letter = 'F', .ino = INO, .index = 105, .npages = 1 },
		{ .kind = MODEL_TASK_WRITEBACK, .letter = 'B', .ino = INO, .index = 100, .npages = 8 },
	};
	const struct model_task_desc wfb[] = {
		{ .kind = MODEL_TASK_WRITE, .letter = 'W', .ino = INO, .index = 100, .npages = 4,
		  .copied_bytes = 4096 },
		{ .kind = MODEL_TASK_FAULT, .letter = 'F', .ino = INO, .index = 102, .npages = 1 },
		{ .kind = MODEL_TASK_WRITEBACK, .letter = 'B', .ino = INO, .index = 100, .npages = 4 },
	};
	enum model_outcome o;

	/* I1: page_mkwrite over a hole that reserves nothing */
	o = run_custom("broken-noreserve", fb, 1, "F", &R);
	CHECK(o == MODEL_UNBACKED_DIRTY, "broken-noreserve: unbacked_dirty (%s)", model_outcome_name(o));
	CHECK_EQ_INT(R.where[MODEL_UNBACKED_DIRTY].folio, 5, "on the faulted page");
	o = run_custom("upstream", fb, 1, "F", &R);
	CHECK(o == MODEL_OK, "upstream: the same fault is ok (%s)", model_outcome_name(o));
	/* I4 lost write: then writeback maps the hole */
	o = run_custom("broken-noreserve", fb, 2, "F8,B", &R);
	CHECK(o == MODEL_DATA_LOSS, "broken-noreserve + writeback: data_loss (%s)", model_outcome_name(o));
	o = run_custom("upstream", fb, 2, "F8,B", &R);
	CHECK(o == MODEL_OK, "upstream + writeback: ok (%s)", model_outcome_name(o));

	/* I5: the punch forgets to give the blocks back */
	CHECK(run("short-write", "broken-punch-leak", NULL, &R) == 0 &&
	      R.outcome == MODEL_RESERVATION_LEAK, "broken-punch-leak: reservation_leak (%s)",
	      model_outcome_name(R.outcome));
	CHECK(!strcmp(R.step[R.where[MODEL_RESERVATION_LEAK].step].name, "punch_delalloc (leaks)"),
	      "at the punch");
	CHECK(run("short-write", "prefix", NULL, &R) == 0 && R.outcome == MODEL_OK,
	      "prefix short write: its punch balances (%s)", model_outcome_name(R.outcome));

	/* I2: a fault inserting a folio without invalidate_lock while the
	 * release holds it (W's sixth upstream step takes it) */
	CHECK(run("punch-race", "broken-fault-nolock", "W6,F", &R) == 0 &&
	      R.outcome == MODEL_STALE_FOLIO, "broken-fault-nolock: stale_folio (%s)",
	      model_outcome_name(R.outcome));
	CHECK_EQ_INT(R.where[MODEL_STALE_FOLIO].folio, desc_of("punch-race", 'F')->index,
		     "at F's page");
	CHECK(run("punch-race", "upstream", "W6,F", &R) == 0 && R.outcome == MODEL_OK,
	      "upstream: the fault waits (%s)", model_outcome_name(R.outcome));

	/* I3: the release truncates F's dirty folio (F dirties it right after
	 * W's reservation) */
	CHECK(run("punch-race", "broken-truncate", "W2,F8,W", &R) == 0 &&
	      R.outcome == MODEL_DIRTY_DROPPED, "broken-truncate: dirty_dropped (%s)",
	      model_outcome_name(R.outcome));
	CHECK_EQ_INT(R.where[MODEL_DIRTY_DROPPED].other, 1, "F's data");
	CHECK(run("punch-race", "upstream", "W2,F8,W", &R) == 0 && R.outcome == MODEL_OK,
	      "upstream keeps it (%s)", model_outcome_name(R.outcome));
	CHECK(run("punch-race", "fix", "W2,F8,W", &R) == 0 && R.outcome == MODEL_DIRTY_DROPPED,
	      "fix (198dd8aedee6 alone) drops it too (%s)", model_outcome_name(R.outcome));

	/* I8: invalidate_lock never released: the fault waits forever */
	CHECK(run("punch-race", "broken-inval-leak", NULL, &R) == 0 &&
	      R.outcome == MODEL_DEADLOCK, "broken-inval-leak: deadlock (%s)",
	      model_outcome_name(R.outcome));
	CHECK(run("punch-race", "upstream", NULL, &R) == 0 && R.outcome == MODEL_OK,
	      "upstream: no deadlock (%s)", model_outcome_name(R.outcome));

	/* I4 vanished delalloc: writeback holds F's folio between its lookup
	 * and its convert while a release that locks nothing punches */
	o = run_custom("broken-scan-nolock", wfb, 3, "W2,F8,B2,W8,B", &R);
	CHECK(o == MODEL_WRITEBACK_ERROR, "broken-scan-nolock: writeback_error (%s)",
	      model_outcome_name(o));
	CHECK_EQ_INT(R.where[MODEL_WRITEBACK_ERROR].folio, 2, "on F's page");
	o = run_custom("upstream", wfb, 3, "W2,F8,B2,W8,B", &R);
	CHECK(o == MODEL_OK, "upstream: the release waits for the folio (%s)", model_outcome_name(o));

	/* exploration finds each broken variant's outcome too */
	CHECK(explore("punch-race", "broken-truncate", &X) == 0 &&
	      X.outcome[MODEL_DIRTY_DROPPED] > 0, "explore: broken-truncate drops data");
	CHECK(explore("punch-race", "broken-inval-leak", &X) == 0 &&
	      X.outcome[MODEL_DEADLOCK] > 0 && X.shortest[MODEL_DEADLOCK].n > 0,
	      "explore: broken-inval-leak deadlocks in %llu of %llu schedules",
	      (unsigned long long)X.outcome[MODEL_DEADLOCK], (unsigned long long)X.schedules);
}

static void test_determinism(void)
{
	static struct model_run r2;
	static struct model_explore x2;
	uint64_t d_prefix;

	run("punch-race-writeback", "prefix", NULL, &R);
	run("punch-race-writeback", "prefix", NULL, &r2);
	CHECK(R.digest == r2.digest && R.nsteps == r2.nsteps, "two runs: same digest");
	d_prefix = R.digest;
	run("punch-race-writeback", "fix", NULL, &R);
	CHECK(R.digest != d_prefix, "another variant: another digest");
	run("punch-race-writeback", "prefix", "W6,F8,W2,B6", &R);
	CHECK(R.digest == d_prefix, "the same executed schedule (continuation) gives the same digest");
	run("punch-race-writeback", "prefix", "W5,F8,W3", &R);
	CHECK(R.digest != d_prefix, "another schedule: another digest");
	explore("punch-race-writeback", "prefix", &X);
	explore("punch-race-writeback", "prefix", &x2);
	CHECK(!memcmp(&X, &x2, sizeof(X)), "two explorations: identical results");
}

static void test_schedules(void)
{
	struct model *m = build("punch-race", "prefix");
	uint8_t s[MODEL_MAX_RUN];
	char err[160], buf[64];
	size_t n;

	CHECK(m != NULL, "built");
	CHECK(model_schedule_parse(m, "W3,F,W2", s, MODEL_MAX_RUN, &n, err, sizeof(err)) == 0 &&
	      n == 6 && s[0] == 0 && s[3] == 1 && s[5] == 0, "W3,F,W2 parses");
	model_schedule_format(m, s, n, buf, sizeof(buf));
	CHECK(!strcmp(buf, "W3,F,W2"), "formats back: %s", buf);
	CHECK(model_schedule_parse(m, "WWF", s, MODEL_MAX_RUN, &n, err, sizeof(err)) == 0 && n == 3,
	      "WWF parses");
	CHECK(model_schedule_parse(m, "W,X", s, MODEL_MAX_RUN, &n, err, sizeof(err)) == -EINVAL &&
	      strstr(err, "no task 'X'") && !strchr(err, '\n'), "unknown task: %s", err);
	CHECK(model_schedule_parse(m, "W,3", s, MODEL_MAX_RUN, &n, err, sizeof(err)) == -EINVAL,
	      "a count without a task: %s", err);
	CHECK(model_schedule_parse(m, "W0", s, MODEL_MAX_RUN, &n, err, sizeof(err)) == -EINVAL,
	      "count 0: %s", err);
	CHECK(model_schedule_parse(m, "W300,F300", s, MODEL_MAX_RUN, &n, err, sizeof(err)) == -EINVAL,
	      "too long: %s", err);
	CHECK(model_schedule_parse(m, "", s, MODEL_MAX_RUN, &n, err, sizeof(err)) == -EINVAL,
	      "empty: %s", err);
	model_free(m);
}

static void test_api(void)
{
	struct model_config c = { .variant = "fix", .ino = INO, .base_index = 4096, .npages = 8,
				  .isize_pages = 8, .free_blocks = 2 };
	struct model_task_desc t = { .kind = MODEL_TASK_FAULT, .ino = INO, .index = 4098, .npages = 1 };
	struct model *m;

	c.variant = "nope";
	CHECK(model_new(&m, &c) == -EINVAL, "unknown variant refused");
	c.variant = "fix";
	c.npages = MODEL_MAX_PAGES + 1;
	CHECK(model_new(&m, &c) == -EINVAL, "window too large refused");
	c.npages = 8;
	CHECK(model_new(&m, &c) == 0, "model_new");
	CHECK(model_add_task(m, &t) == 0 && model_task_letter(m, 0) == 'W',
	      "first task gets a letter");
	t.ino = INO + 1;
	CHECK(model_add_task(m, &t) == -EINVAL, "another inode refused");
	t.ino = INO;
	t.index = 4095;
	CHECK(model_add_task(m, &t) == -EINVAL, "outside the window refused");
	t.index = 4100;
	t.letter = 'W';
	CHECK(model_add_task(m, &t) == -EINVAL, "duplicate letter refused");
	/* ENOSPC: two free blocks, three delalloc blocks wanted */
	CHECK(model_preset_extent(m, 4100, 3, MODEL_EXT_DELALLOC) == -ENOSPC, "preset beyond free space");
	model_free(m);
	CHECK(model_variant_count(0) == 4 && !strcmp(model_variant_name(3), "upstream"),
	      "four user variants, upstream last");
	CHECK(model_variant_find("broken-truncate") >= model_variant_count(0),
	      "broken variants after the user ones");
	CHECK(model_outcome_find("data_loss") == MODEL_DATA_LOSS, "outcome names");
}

int main(void)
{
	test_prefix_default();
	test_naive_count();
	test_explore_variants();
	test_dpor_vs_naive();
	test_broken_variants();
	test_determinism();
	test_schedules();
	test_api();
	return tap_done();
}
