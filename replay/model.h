/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * model.h - the kernel-path model: build a state, add tasks, run a schedule,
 * explore the other interleavings.  The public face of replay/.
 *
 * Terms
 *   model     one inode of an XFS file system, seen through a window of at
 *             most MODEL_MAX_PAGES page-cache indices (block size == page
 *             size, order-0 folios), its data-fork extent map (one entry per
 *             block: hole, delalloc, unwritten, real with a block number),
 *             space accounting (free blocks, i_delayed_blks, allocated) and
 *             the locks IOLOCK, invalidate_lock (== MMAPLOCK), ILOCK and one
 *             folio lock per index, all rw-semaphores with waiters.
 *   variant   the kernel code the tasks run: "prefix", "fix", "v6.2",
 *             "upstream" (docs/ARCHITECTURE.md has the table), plus test-only
 *             "broken-*" variants that each trip one invariant.
 *   kernel    whose tracepoint names the steps report ("5.10", "6.1",
 *             "6.12"): one variant runs on several kernels (prefix: 5.10 and
 *             6.1.0-6.1.91), so the naming is a separate choice
 *             (model_config.kernel; by default the variant's: prefix 5.10,
 *             fix and v6.2 6.1, upstream 6.12).  docs/model-steps.md has
 *             the steps of each variant and the events they name.
 *   task      a step machine for one kernel path (buffered write, mmap write
 *             fault, mmap read fault, writeback, hole punch, truncate, read),
 *             named by a letter.  Its description is variant-independent.
 *   step      the smallest piece of a task the model interleaves: between two
 *             steps the kernel can be preempted; each step names the
 *             tracepoint(s) it corresponds to (or none).
 *   schedule  a sequence of task letters.  Replay runs the first listed task
 *             that can run (a blocked task's entries wait until it can), then
 *             continues past the end of the schedule with the lowest-numbered
 *             runnable task, until every task is finished or none can run.
 *   outcome   ok, or the most severe invariant broken during the run (the
 *             order of enum model_outcome), with where it first broke.
 *
 * Building a run programmatically (what a trace-driven replay does):
 *
 *	struct model_config c = { .variant = "prefix", .ino = 131, .base_index = 4096,
 *				  .npages = 8, .isize_pages = 8, .free_blocks = 64 };
 *	struct model *m;
 *	model_new(&m, &c);
 *	model_add_task(m, &(struct model_task_desc){ .kind = MODEL_TASK_WRITE,
 *		.letter = 'W', .ino = 131, .index = 4096, .npages = 4,
 *		.copied_bytes = 4096 });
 *	model_add_task(m, &(struct model_task_desc){ .kind = MODEL_TASK_FAULT,
 *		.letter = 'F', .ino = 131, .index = 4098, .npages = 1 });
 *	model_schedule_parse(m, "W6,F8,W2", sched, MODEL_MAX_RUN, &n, err, sizeof(err));
 *	model_explore(m, 0, &x);	// every order, from this (initial) state
 *	model_run(m, sched, n, &run);	// run.outcome, run.where[], run.step[], run.digest
 *	model_free(m);
 *
 * Ownership: model_new/model_clone allocate, model_free releases.  Results
 * (struct model_run, struct model_explore) are caller-owned, fixed-size
 * structs; the strings they point to are static.  model_run and model_step
 * change the model; model_explore and model_enumerate do not.  Nothing here
 * keeps global mutable state, reads the clock or the environment: the same
 * input gives the same output, byte for byte.
 *
 * Errors: negative errno-style codes (-EINVAL for a bad argument, -ENOSPC
 * when a bound of the fixed-size state is exceeded).
 */
#ifndef FT_REPLAY_MODEL_H
#define FT_REPLAY_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define MODEL_MAX_PAGES	64	/* page-cache indices in the window */
#define MODEL_MAX_TASKS	16	/* task masks are 16 bits wide */
#define MODEL_MAX_RUN	512	/* steps in one run (the rest is cut) */

enum model_task_kind {
	MODEL_TASK_WRITE,	/* buffered write of [index, index+npages), short copy */
	MODEL_TASK_FAULT,	/* mmap write fault (+ page_mkwrite) on each page */
	MODEL_TASK_WRITEBACK,	/* writeback of the dirty folios of the range */
	MODEL_TASK_PUNCH,	/* fallocate(PUNCH_HOLE) of the range */
	MODEL_TASK_TRUNCATE,	/* truncate to size index (page units) */
	MODEL_TASK_READ,	/* buffered read of the range */
	MODEL_TASK_READ_FAULT,	/* mmap read fault on each page (filemap_fault, no mkwrite) */
	MODEL_TASK_KINDS
};

/* In order of severity: a run's outcome is the most severe one it hit. */
enum model_outcome {
	MODEL_OK,
	MODEL_DATA_LOSS,	/* I4: writeback mapped a dirty block to a hole */
	MODEL_DIRTY_DROPPED,	/* I3: a write-failure cleanup dropped another task's dirty folio */
	MODEL_WRITEBACK_ERROR,	/* I4: delalloc vanished between writeback's map and convert */
	MODEL_UNBACKED_DIRTY,	/* I1: a dirty folio with no delalloc/real extent behind it */
	MODEL_STALE_FOLIO,	/* I2: a folio inserted in a range under a punch's invalidate_lock */
	MODEL_RESERVATION_LEAK,	/* I5: space accounting does not balance */
	MODEL_DEADLOCK,		/* I8: unfinished tasks, none runnable */
	MODEL_OUTCOMES
};

enum model_ext_type { MODEL_EXT_HOLE, MODEL_EXT_DELALLOC, MODEL_EXT_UNWRITTEN, MODEL_EXT_REAL };

struct model;

struct model_config {
	const char *variant;	/* a name from model_variant_name() */
	uint64_t ino;
	uint64_t base_index;	/* page index of the window's first page */
	unsigned npages;	/* window size, 1..MODEL_MAX_PAGES */
	unsigned isize_pages;	/* i_size in pages from base_index (<= npages) */
	unsigned free_blocks;	/* free blocks of the file system at the start */
	const char *kernel;	/* tracepoint names of "5.10", "6.1" or "6.12" (steps'
				 * tp); NULL: the variant's kernel (model_kernel_of) */
};

/* A variant-independent task description.  Ranges are in page indices
 * (absolute, within the window); the model's block size is the page size,
 * so copied_bytes counts whole pages (a partial page copy into a new folio
 * is not written, as in the kernel's short-copy path). */
struct model_task_desc {
	enum model_task_kind kind;
	char letter;		/* 'A'..'Z'; 0 picks the first free of W,F,B,P,T,R,A.. */
	uint64_t ino;		/* must be the model's inode */
	uint64_t index;		/* first page (TRUNCATE: the new size) */
	unsigned npages;	/* pages (TRUNCATE: ignored) */
	uint64_t copied_bytes;	/* WRITE: bytes copied before the copy fails */
};

struct model_step_rec {
	uint8_t task;		/* task id */
	uint8_t extra;		/* 1 when run past the schedule's end */
	int8_t folio;		/* page index relative to the window, or -1 */
	const char *name;	/* step name */
	const char *tp;		/* the trace events the step emits, in order, as named by
				 * the model's kernel: "xfs_ilock(ILOCK_EXCL),
				 * xfs_iomap_alloc" (an optional parenthesised detail
				 * after a name), or NULL when it emits none.  From
				 * model_step: valid until the model's next step; from
				 * model_run: as long as the struct model_run */
	uint32_t hits;		/* outcomes (bit 1 << outcome) first hit at this step */
};

struct model_where {
	int step;		/* 0-based position in the run, -1 if not hit */
	int task;		/* task that made the step */
	int folio;		/* page index relative to the window, -1 if none */
	int other;		/* the other task involved (e.g. who dirtied it), -1 if none */
};

struct model_run {
	enum model_outcome outcome;
	uint32_t hits;				/* every outcome hit (bit 1 << outcome) */
	struct model_where where[MODEL_OUTCOMES];
	size_t nsteps;
	struct model_step_rec step[MODEL_MAX_RUN];
	unsigned task_steps[MODEL_MAX_TASKS];	/* steps per task */
	int truncated;				/* MODEL_MAX_RUN reached */
	uint64_t digest;			/* FNV-1a over variant, schedule, outcome */
	char tptext[MODEL_MAX_RUN * 96];	/* the text step[].tp points into */
};

/*
 * Exploration (explore.c, states.c, pct.c; docs/replay-explore.md).
 *   dpor    every Mazurkiewicz trace of complete runs, at least once (source
 *           sets with sleep sets); counts executions per outcome.
 *   states  every reachable state once (visited set over a 128-bit hash of
 *           the semantic state): every reachable final state and outcome
 *           class; with max_preemptions >= 0, every state reachable with at
 *           most that many preemptions.
 *   pct     runs randomized priority schedules (Burckhardt et al. 2010).
 * A final state is the state of a complete run (every task done, or none
 * runnable); its outcome class is its hits mask (the outcome is the most
 * severe bit).  A budget (max_executions, or stop() polled every poll_every
 * executions or states) ends a search early: the result says so.
 */
enum model_explore_mode { MODEL_EXPLORE_DPOR, MODEL_EXPLORE_STATES, MODEL_EXPLORE_PCT };
enum model_explore_stop { MODEL_STOP_NONE, MODEL_STOP_BUDGET, MODEL_STOP_CALLBACK,
			  MODEL_STOP_NOMEM };

#define MODEL_MAX_CLASSES (1 << (MODEL_OUTCOMES - 1))

struct model_explore_opts {
	enum model_explore_mode mode;
	uint64_t max_executions;	/* 0: no limit (dpor: executions, states: states,
					 * pct: runs) */
	int (*stop)(void *arg);		/* nonzero: stop now (e.g. a deadline) */
	void *stop_arg;
	unsigned poll_every;		/* executions (or states) between stop() calls, 0: 64 */
	int max_preemptions;		/* states: -1 unbounded, K >= 0: preemption-bounded */
	unsigned pct_depth;		/* pct: bug depth d >= 1 */
	uint64_t pct_runs;		/* pct: runs */
	uint64_t seed;			/* pct: the random seed */
	/* called once per complete execution (dpor, pct) or distinct final
	 * state (states) with the final state's key and hits */
	void (*on_final)(void *arg, const uint64_t key[2], uint32_t hits);
	void *final_arg;
};

struct model_explore {
	enum model_explore_mode mode;
	uint64_t schedules;			/* complete executions (dpor: one or more per
						 * Mazurkiewicz trace; pct: runs); states: final
						 * states */
	uint64_t bad;				/* of which ended in an outcome != ok */
	uint64_t outcome[MODEL_OUTCOMES];	/* schedules per final outcome */
	uint64_t hit[MODEL_OUTCOMES];		/* schedules that hit each outcome at all */
	uint64_t sleep_blocked;			/* dpor: partial runs cut by sleep sets */
	uint64_t steps;				/* model steps executed */
	uint64_t states;			/* states: distinct states; dpor: nodes */
	uint64_t transitions;			/* states: transitions taken */
	uint64_t races;				/* dpor: races reversed (backtrack points added) */
	uint64_t woken;				/* dpor: of which named only sleeping tasks */
	uint64_t final_states;			/* distinct final states (128-bit keys) */
	unsigned nclasses;			/* distinct hits masks of final states */
	struct {
		uint32_t hits;
		uint64_t final_states;
	} klass[MODEL_MAX_CLASSES];		/* sorted by hits */
	int truncated;				/* a budget stopped it or a run was cut */
	int complete;				/* dpor/states: nothing left unexplored */
	enum model_explore_stop stopped;	/* why it ended early */
	int depth_cut;				/* some run reached MODEL_MAX_RUN steps */
	int max_preemptions;			/* states: the bound used, -1 none */
	int bound_hit;				/* states: the bound cut some schedule */
	unsigned pct_k;				/* pct: steps per run used for the bound */
	unsigned pct_ntasks;			/* pct: n */
	unsigned pct_longer;			/* pct: runs longer than pct_k */
	double pct_p;				/* pct: 1/(n k^(d-1)) per run */
	double pct_miss;			/* pct: (1 - pct_p)^runs */
	struct {
		size_t n;			/* 0: none found */
		uint8_t task[MODEL_MAX_RUN];
	} shortest[MODEL_OUTCOMES];		/* a shortest schedule found per outcome */
};

struct model_enum {
	uint64_t interleavings;			/* every schedule of the naive enumeration */
	uint64_t traces;			/* distinct ones up to commuting independent steps */
	uint64_t trace_outcome[MODEL_OUTCOMES];
	int truncated;
};

/* Variants.  Indices 0..model_variant_count(0)-1 are the user-facing ones
 * (prefix, fix, v6.2, upstream); model_variant_count(1) includes the
 * test-only broken-* variants after them. */
int model_variant_count(int with_test_only);
const char *model_variant_name(int i);
const char *model_variant_summary(int i);
int model_variant_find(const char *name);	/* index or -1 */
/* The enum ft_variant (core/vocab.h) of variant i, -1 for a test-only one;
 * the index of the variant whose enum is v, -1 when none: the analysis and
 * the model agree on variants by this identity, not by names. */
int model_variant_vocab(int i);
int model_variant_of_vocab(int v);

const char *model_outcome_name(enum model_outcome o);
int model_outcome_find(const char *name);	/* or -1 */
const char *model_task_kind_name(enum model_task_kind k);

/* Kernels whose tracepoint names the steps can use: 0 "5.10", 1 "6.1",
 * 2 "6.12" (docs/model-steps.md has the names per kernel). */
int model_kernel_count(void);
const char *model_kernel_name(int i);
int model_kernel_find(const char *name);		/* index or -1 */
const char *model_kernel_of(const struct model *m);	/* the model's kernel */

int model_new(struct model **out, const struct model_config *c);
struct model *model_clone(const struct model *m);
void model_free(struct model *m);

/* Adds a task; returns its id (0, 1, ...) or a negative code. */
int model_add_task(struct model *m, const struct model_task_desc *d);
/* Initial state: extents and cached folios before the tasks start.  A
 * delalloc or allocated preset takes its blocks from the free count. */
int model_preset_extent(struct model *m, uint64_t index, unsigned n, enum model_ext_type type);
int model_preset_folio(struct model *m, uint64_t index, int dirty);

int model_ntasks(const struct model *m);
char model_task_letter(const struct model *m, int task);
int model_task_find(const struct model *m, char letter);	/* id or -1 */
const char *model_variant_of(const struct model *m);

/*
 * Parses a schedule: task letters, each optionally followed by a repeat
 * count, separated by commas or nothing ("W6,F8,W2", "WWF").  On error
 * returns -EINVAL and writes a one-line reason to err.
 */
int model_schedule_parse(const struct model *m, const char *text, uint8_t *sched, size_t max,
			 size_t *n, char *err, size_t errlen);
/* Formats a task sequence run-length encoded ("W6,F8,W2"). */
void model_schedule_format(const struct model *m, const uint8_t *task, size_t n, char *buf,
			   size_t len);

/* Step-level API.  model_runnable: not finished and not blocked. */
int model_runnable(struct model *m, int task);
int model_finished(const struct model *m);		/* every task done */
/* Runs one step of a runnable task; fills rec if not NULL.  -EAGAIN if the
 * task cannot run. */
int model_step(struct model *m, int task, struct model_step_rec *rec);
/* The name of the step the task runs next, NULL when it is finished. */
const char *model_next_step(const struct model *m, int task);

/* Runs the schedule (then the default continuation) to the end. */
int model_run(struct model *m, const uint8_t *sched, size_t n, struct model_run *r);

/*
 * Explores every schedule of the model's tasks from its current state with
 * dynamic partial-order reduction (source sets with sleep sets; explore.c
 * has the design).  max_schedules 0 means no limit.
 */
int model_explore(const struct model *m, uint64_t max_schedules, struct model_explore *x);
/* Any mode, with a budget (o NULL: dpor, no budget). */
int model_explore_opts(const struct model *m, const struct model_explore_opts *o,
		       struct model_explore *x);
/* The full state-space search (states.c), the reference for model_explore. */
int model_states(const struct model *m, const struct model_explore_opts *o,
		 struct model_explore *x);
/* PCT (pct.c). */
int model_pct(const struct model *m, const struct model_explore_opts *o, struct model_explore *x);
/* The 128-bit key of the model's semantic state (states.c): equal for
 * states that differ only in scratch or history fields. */
void model_state_key(const struct model *m, uint64_t key[2]);
/* The naive enumeration: every interleaving, no reduction (for tests and the
 * bench).  Counts the distinct traces by canonical form. */
int model_enumerate(const struct model *m, uint64_t max_interleavings, struct model_enum *e);
/* Multinomial (sum n_i)! / prod(n_i!): interleavings of fixed step counts;
 * returns the count, or UINT64_MAX on overflow. */
uint64_t model_multinomial(const unsigned *steps, int n);

uint64_t model_fnv1a(uint64_t h, const void *p, size_t n);
#define MODEL_FNV_INIT 0xcbf29ce484222325ull

#endif
