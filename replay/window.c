/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * window.c - a recorded window as a model run that follows the trace; see
 * window.h for the interface.
 *
 * Design
 *   Tasks    one model task per operation the trace shows on the window's
 *            pages (analyze/window.h cuts them): the writer W (its buffered
 *            write, the copy stopping at the window's first punched page),
 *            faults F, G, H.. (write faults), read faults R, S, U, writebacks
 *            B, C, D, E (the writer's fsync and kworkers alike), punches P, Q,
 *            truncates T, V, other buffered writes X, Y, Z.  The model's pages
 *            run from the lowest to the highest page of W's write, the
 *            punched range and every task's pages; past MODEL_MAX_PAGES the
 *            punched range is kept (a racer never moves the window's bounds),
 *            then the racers' pages, then W's copied part from below; a task
 *            outside is left out, a task partly outside is cut; the note
 *            says which, and how many pages or tasks.  A writeback's pages
 *            outside the window's pages are not modelled (said in the note).
 *   Items    a step's tracepoints (model_step_rec.tp, "name(detail), ...")
 *            are items.  Items and events compare by a canonical key: the
 *            name after aliases across kernel versions (core/vocab.h's
 *            table: writeback_dirty_page = writeback_dirty_folio,
 *            iomap_apply = iomap_iter; here:
 *            iomap_writepage = iomap_writeback_folio, xfs_filemap_fault with
 *            write_fault=1 = xfs_write_fault, without = xfs_read_fault);
 *            lock events also by their lock flags (ILOCK_EXCL, ...); events
 *            about one folio (page add/delete, dirty, writepage, iomap and
 *            map_blocks lookups) also by page.  An item whose event type the
 *            trace does not have is never looked for.
 *   Kinds    *show* keys: page add, page delete, dirty, writepage,
 *            xfs_iomap_alloc, xfs_map_blocks_alloc, xfs_file_buffered_write,
 *            xfs_bunmap: a step that emits one must be seen in the trace.
 *            *explain* keys: the show keys, xfs_iomap_found and
 *            xfs_map_blocks_found: the trace's event must be a step's.
 *            Every other event (lock requests and releases, iomap_apply,
 *            bmap updates, iext inserts/removes, fault entries) is *soft*:
 *            matched when the task's pending or next steps emit it, skipped
 *            otherwise.  Skipped outright (never given a task by the loader):
 *            sched_* events, events of other inodes, events of tasks outside
 *            the window's pages or time span, the page-less events that a
 *            task shows while its last page was outside the window's pages
 *            (a writeback of other pages), kworker I/O completions (they
 *            show no page: xfs_end_io's conversion is folded into the
 *            writeback's submit step).
 *   Walk     each event of a modelled task, in happens-before order: (1) an
 *            item already emitted by the task's steps and not yet matched
 *            (a step's items are matched in order; unmatched earlier items
 *            are dropped, a show item among them is a *missing*
 *            divergence); (2) a repeat of the task's last matched page
 *            delete on a later page (one truncate step deletes many folios);
 *            (3) else the task's next steps are run on a copy until one
 *            emits it (64 steps for explain events, 16 for soft ones; untraced
 *            steps run as needed on the way); found: the same steps run on
 *            the model and are recorded; a show item passed on the way is a
 *            missing divergence (for a soft event: the event is skipped
 *            instead); not found: an explain event is *unexplained*, or
 *            *blocked* when the task could not run its next step (the lock
 *            and its holder are named).
 *            An iteration's or a fault's entry (iomap_apply/iomap_iter,
 *            xfs_filemap_fault) never moves its task on: the step's effect
 *            comes at its lock grant or page-cache event, maybe much later
 *            (a punch's ILOCK request granted after a fault ran); the entry
 *            is given to the step placed next.  A step that stands for an
 *            event its tracepoints do not name: writeback's mapping step,
 *            cached in the model, for a re-lookup (stands_for()).  A large
 *            folio's event covers the model's items of its later pages.
 *            After the events, items never matched and what the run's
 *            continuation (past the schedule, lowest task first) emits of
 *            the show keys are missing divergences too.
 *   Untraced a task's untraced steps after its last event run at once (a
 *            fault returns and user space stores); when a task's next step
 *            waits for a lock whose holder's next step is untraced, that
 *            step runs first (a fault's folio unlock before a truncate).
 *   Eager    an untraced step runs lazily, just before its task's next
 *            traced step.  That is wrong when the step emits nothing only
 *            early: the trace's write cleanup truncated an empty range
 *            before a fault added its page, so run late the truncate would
 *            delete that page.  When a lookahead passes a show item, the
 *            steps from the task's last matched step to the one emitting it
 *            become a *candidate*: the walk is repeated with them run at
 *            once after the task's previous step, and kept when it has fewer
 *            divergences (or the first one later); at most 24 walks.
 *   Order    the steps' order is the recorded schedule; model_run of it
 *            gives the same run (each step was runnable when placed).
 */
#include "window.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/vocab.h"
#include "model_impl.h"

/* --- the scenario ---------------------------------------------------------- */

/* enum window_op_kind of analyze/window.h, in its order */
enum { OP_WRITE, OP_FAULT, OP_READ_FAULT, OP_WRITEBACK, OP_PUNCH, OP_TRUNCATE };

static const char *const op_letters[] = {
	[OP_WRITE] = "XYZ", [OP_FAULT] = "FGHIJKLMN", [OP_READ_FAULT] = "RSU",
	[OP_WRITEBACK] = "BCDE", [OP_PUNCH] = "PQ", [OP_TRUNCATE] = "TV",
};

static const char *const op_names[] = {
	"write", "fault", "read fault", "writeback", "punch", "truncate",
};

/* The model's read-fault task kind, -1 when the model has none. */
static int read_fault_kind(void)
{
	for (int k = 0; k < MODEL_TASK_KINDS; k++) {
		const char *n = model_task_kind_name((enum model_task_kind)k);

		if (strstr(n, "read") && strstr(n, "fault"))
			return k;
	}
	return -1;
}

static char pick_letter(const struct scenario *sc, int kind)
{
	const char *p = kind >= 0 && kind <= OP_TRUNCATE ? op_letters[kind] : "";

	for (int pass = 0; pass < 2; pass++, p = "ACDEGHIJKLMNOQSUVXYZ")
		for (; *p; p++) {
			int used = *p == 'W';

			for (unsigned i = 0; i < sc->ntasks; i++)
				used |= sc->task[i].letter == *p;
			if (!used)
				return *p;
		}
	return 0;
}

#define NOTE(...) do {								\
	used += (size_t)snprintf(note + (used < notelen ? used : notelen),		\
				 used < notelen ? notelen - used : 0, __VA_ARGS__);	\
} while (0)

int replay_window_scenario(const struct replay_window_in *in, struct scenario *sc,
			   struct replay_window_map *map, char *note, size_t notelen)
{
	const struct replay_window_op *w = &in->op[0];
	int64_t need_lo = in->first, need_hi = in->last, want_lo, want_hi, base, end;
	size_t used = 0;
	int rf = read_fault_kind(), left = 0;

	if (notelen)
		note[0] = '\0';
	if (in->nops < 1 || !w->writer || w->first > in->first || w->last < in->last)
		return -EINVAL;
	for (int i = 0; i < REPLAY_WINDOW_OPS; i++) {
		map->task[i] = -1;
		map->letter[i] = 0;
	}
	map->open = 0;
	for (int i = 1; i < in->nops; i++) {
		need_lo = in->op[i].first < need_lo ? in->op[i].first : need_lo;
		need_hi = in->op[i].last > need_hi ? in->op[i].last : need_hi;
	}
	want_lo = w->first < need_lo ? w->first : need_lo;
	want_hi = w->last > need_hi ? w->last : need_hi;
	if (need_hi - need_lo + 1 > MODEL_MAX_PAGES) {
		/* the punched range first, from its low bound */
		base = in->first;
		end = base + MODEL_MAX_PAGES - 1;
		end = end > want_hi ? want_hi : end;
	} else {
		base = want_hi - (MODEL_MAX_PAGES - 1);
		base = base < want_lo ? want_lo : base;
		base = base > need_lo ? need_lo : base;
		end = base + MODEL_MAX_PAGES - 1;
		end = end > want_hi ? want_hi : end;
	}
	if (want_hi - want_lo + 1 > end - base + 1)
		NOTE("%sthe tasks' pages %lld-%lld (%lld) are wider than the model's %d: pages "
		     "%lld-%lld are modelled, %lld left out", used ? "; " : "", (long long)want_lo,
		     (long long)want_hi, (long long)(want_hi - want_lo + 1), MODEL_MAX_PAGES,
		     (long long)base, (long long)end,
		     (long long)(want_hi - want_lo + 1 - (end - base + 1)));

	memset(sc, 0, sizeof(*sc));
	sc->name = "window";
	sc->summary = "a recorded window";
	sc->schedule = "";
	sc->npages = (unsigned)(end - base + 1);
	sc->isize_pages = sc->npages;
	sc->free_blocks = 4 * MODEL_MAX_PAGES;
	sc->ino = in->ino;
	sc->base_index = (uint64_t)base;
	{
		int64_t lo = w->first > base ? w->first : base;
		int64_t hi = w->last < end ? w->last : end;
		int64_t copied = w->copied >= 0 ? w->first + w->copied - lo : in->first - lo;

		copied = copied < 0 ? 0 : copied;
		sc->task[sc->ntasks] = (struct model_task_desc){ .kind = MODEL_TASK_WRITE,
			.letter = 'W', .ino = in->ino, .index = (uint64_t)lo,
			.npages = (unsigned)(hi - lo + 1), .copied_bytes = (uint64_t)copied * 4096 };
		map->task[0] = (int)sc->ntasks++;
		map->letter[0] = 'W';
	}
	for (int i = 1; i < in->nops; i++) {
		const struct replay_window_op *o = &in->op[i];
		int64_t lo = o->first > base ? o->first : base, hi = o->last < end ? o->last : end;
		struct model_task_desc d = { .ino = in->ino, .index = (uint64_t)lo,
					     .npages = (unsigned)(hi - lo + 1) };
		char letter;

		if (sc->ntasks == MODEL_MAX_TASKS) {
			left++;
			continue;
		}
		if (lo > hi) {
			NOTE("%s%s of pid %d on pages %lld-%lld is outside the model's pages: left "
			     "out", used ? "; " : "", op_names[o->kind], o->pid, (long long)o->first,
			     (long long)o->last);
			continue;
		}
		switch (o->kind) {
		case OP_WRITE:
			d.kind = MODEL_TASK_WRITE;
			d.copied_bytes = (uint64_t)(o->copied < 0 ? 0 : o->copied) * 4096;
			break;
		case OP_FAULT: d.kind = MODEL_TASK_FAULT; break;
		case OP_WRITEBACK: d.kind = MODEL_TASK_WRITEBACK; break;
		case OP_PUNCH: d.kind = MODEL_TASK_PUNCH; break;
		case OP_TRUNCATE: d.kind = MODEL_TASK_TRUNCATE; break;
		case OP_READ_FAULT:
			if (rf >= 0) {
				d.kind = (enum model_task_kind)rf;
				break;
			}
			NOTE("%sread fault of pid %d on page %lld: the model has no read-fault task, "
			     "left out", used ? "; " : "", o->pid, (long long)o->first);
			continue;
		default:
			continue;
		}
		letter = pick_letter(sc, o->kind);
		if (!letter) {
			left++;
			continue;
		}
		d.letter = letter;
		if (lo != o->first || hi != o->last)
			NOTE("%s%c (%s of pid %d) on pages %lld-%lld is cut to %lld-%lld",
			     used ? "; " : "", letter, op_names[o->kind], o->pid, (long long)o->first,
			     (long long)o->last, (long long)lo, (long long)hi);
		else if (o->kind == OP_WRITEBACK &&
			 (o->all_first < o->first || o->all_last > o->last))
			NOTE("%s%c (writeback of pid %d) also writes back pages %lld-%lld outside the "
			     "window's pages: not modelled", used ? "; " : "", letter, o->pid,
			     (long long)o->all_first, (long long)o->all_last);
		if (o->open)
			map->open |= 1u << sc->ntasks;
		sc->task[sc->ntasks] = d;
		map->task[i] = (int)sc->ntasks++;
		map->letter[i] = letter;
	}
	if (left || in->ops_cut)
		NOTE("%s%d more tasks than the model's %d: left out", used ? "; " : "",
		     left + in->ops_cut, MODEL_MAX_TASKS);
	if (in->events_cut)
		NOTE("%sthe span has %lld events more than the loader reads: the later ones are "
		     "not followed", used ? "; " : "", (long long)in->events_cut);
	return 0;
}

/* --- items and keys --------------------------------------------------------- */

enum { K_OTHER, K_PAGE_ADD, K_DELETE, K_DIRTY, K_WRITEPAGE, K_IOMAP_ALLOC, K_IOMAP_FOUND,
       K_MAP_FOUND, K_MAP_ALLOC, K_WRITE, K_BUNMAP, K_FAULT_R, K_FAULT_W, K_ILOCK, K_IUNLOCK,
       K_ITER, K__COUNT };

static const struct {
	const char *name;
	int key;
} aliases[] = {
	{ "mm_filemap_add_to_page_cache", K_PAGE_ADD },
	{ "mm_filemap_delete_from_page_cache", K_DELETE },
	{ "writeback_dirty_folio", K_DIRTY },
	{ "iomap_writepage", K_WRITEPAGE }, { "iomap_writeback_folio", K_WRITEPAGE },
	{ "xfs_iomap_alloc", K_IOMAP_ALLOC }, { "xfs_iomap_found", K_IOMAP_FOUND },
	{ "xfs_map_blocks_found", K_MAP_FOUND }, { "xfs_map_blocks_alloc", K_MAP_ALLOC },
	{ "xfs_file_buffered_write", K_WRITE }, { "xfs_bunmap", K_BUNMAP },
	{ "xfs_read_fault", K_FAULT_R }, { "xfs_write_fault", K_FAULT_W },
	{ "xfs_filemap_fault", K_FAULT_R },
	{ "xfs_ilock", K_ILOCK }, { "xfs_ilock_nowait", K_ILOCK }, { "xfs_iunlock", K_IUNLOCK },
	{ "iomap_iter", K_ITER },
};

static int is_show(int k)
{
	return k == K_PAGE_ADD || k == K_DELETE || k == K_DIRTY || k == K_WRITEPAGE ||
		k == K_IOMAP_ALLOC || k == K_MAP_ALLOC || k == K_WRITE || k == K_BUNMAP;
}

static int is_explain(int k)
{
	return is_show(k) || k == K_IOMAP_FOUND || k == K_MAP_FOUND;
}

static int per_folio(int k)
{
	return k == K_PAGE_ADD || k == K_DELETE || k == K_DIRTY || k == K_WRITEPAGE ||
		k == K_IOMAP_FOUND || k == K_MAP_FOUND || k == K_MAP_ALLOC;
}

/* The key of a trace event's name, after the aliases of other kernels
 * (core/vocab.h: writeback_dirty_page, iomap_apply ..). */
static int key_of(const char *name)
{
	name = ft_event_canonical(name);
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(aliases[i].name, name))
			return aliases[i].key;
	return K_OTHER;
}

/* The XFS lock_flags a lock event's detail names (core/vocab.h). */
static int lock_bits(const char *detail)
{
	return (int)ft_lockflags_parse(detail);
}

struct item {
	char name[48];
	int key;
	int bits;		/* lock flags; -1: any */
	int64_t page;		/* file page index, -1 */
	int run;		/* the step (position in the run) that emitted it */
	int observable;
};

/* Splits a step's tracepoints into items ("a(b, c), d" is two). */
static int parse_items(const char *tp, int64_t page, int run, const char *present,
		       struct item *it, int max)
{
	int n = 0;

	while (tp && *tp && n < max) {
		const char *s = tp, *open = NULL;
		int depth = 0;
		char detail[64] = "";
		struct item *x = &it[n];
		size_t len;

		while (*tp && (depth || *tp != ',')) {
			if (*tp == '(' && !depth++)
				open = tp;
			else if (*tp == ')' && depth)
				depth--;
			tp++;
		}
		len = (size_t)((open ? open : tp) - s);
		while (len && s[len - 1] == ' ')
			len--;
		if (len >= sizeof(x->name))
			len = sizeof(x->name) - 1;
		memcpy(x->name, s, len);
		x->name[len] = '\0';
		if (open) {
			size_t dl = (size_t)(tp - open - 1);

			dl = dl >= sizeof(detail) ? sizeof(detail) - 1 : dl;
			memcpy(detail, open + 1, dl);
			detail[dl] = '\0';
		}
		x->key = key_of(x->name);
		x->bits = -1;
		if (x->key == K_ILOCK || x->key == K_IUNLOCK)
			x->bits = lock_bits(detail) ? lock_bits(detail) : -1;
		if (!strcmp(x->name, "xfs_filemap_fault") && strstr(detail, "write_fault=1"))
			x->key = K_FAULT_W;
		x->page = page;
		x->run = run;
		x->observable = 0;
		if (present) {
			/* observable: the trace has this event or an alias of it */
			for (size_t a = 0; a < sizeof(aliases) / sizeof(aliases[0]) + 1; a++) {
				const char *nm = a < sizeof(aliases) / sizeof(aliases[0]) ?
					(aliases[a].key == x->key && x->key != K_OTHER ?
					 aliases[a].name : NULL) : x->name;
				char pat[64];

				if (!nm)
					continue;
				snprintf(pat, sizeof(pat), "\n%s\n", nm);
				if (strstr(present, pat))
					x->observable = 1;
			}
		}
		if (x->name[0])
			n++;
		while (*tp == ',' || *tp == ' ')
			tp++;
	}
	return n;
}

static int ev_key(const struct replay_window_event *e)
{
	int k = key_of(e->name);

	if (k == K_FAULT_R && !strcmp(e->name, "xfs_filemap_fault") && e->flags)
		k = K_FAULT_W;
	return k;
}

static int item_matches(const struct item *x, const struct replay_window_event *e, int k)
{
	if (k == K_OTHER ? strcmp(x->name, e->name) : x->key != k)
		return 0;
	if ((k == K_ILOCK || k == K_IUNLOCK) && x->bits >= 0 && x->bits != (e->flags & 0x3f))
		return 0;
	/* a truncate step names its first deleted page once per deletion */
	if (k == K_DELETE && x->page >= 0 && e->page >= 0)
		return x->page <= e->page;
	if (per_folio(k) && x->page >= 0 && e->page >= 0 && x->page != e->page)
		return 0;
	return 1;
}

/* --- the walk ----------------------------------------------------------------- */

struct walk;
static int covered(const struct walk *w, int t, const struct item *x);


#define QMAX 64
#define PRE_MAX 4
#define MAX_WALKS 24
#define MAX_CAND 16

struct cand {
	int task, from, to;	/* the task's steps (ordinals) to run eagerly */
};

struct walk {
	struct model *m;
	const struct scenario *sc;
	const char *present;
	uint32_t open;
	struct replay_follow *f;
	unsigned ord[MODEL_MAX_TASKS];			/* steps run per task */
	struct item q[MODEL_MAX_TASKS][QMAX];		/* emitted, not matched */
	int nq[MODEL_MAX_TASKS];
	int last_key[MODEL_MAX_TASKS];
	int64_t last_page[MODEL_MAX_TASKS];
	int last_run[MODEL_MAX_TASKS];
	unsigned last_ord[MODEL_MAX_TASKS];		/* ordinal after its last matched step */
	const uint8_t (*eager)[MODEL_MAX_RUN];
	struct cand cand[MAX_CAND];
	int ncand;
	const char *name[MODEL_MAX_RUN];		/* each placed step's name */
	const struct replay_window_event *pre[MODEL_MAX_TASKS][PRE_MAX];	/* entries */
	int npre[MODEL_MAX_TASKS];
	int64_t cover_lo[MODEL_MAX_TASKS][K__COUNT], cover_hi[MODEL_MAX_TASKS][K__COUNT];
	int64_t first_pos;				/* event index of the first divergence */
	int nomem;
};

static int64_t abs_page(const struct walk *w, int folio)
{
	return folio >= 0 ? (int64_t)w->sc->base_index + folio : -1;
}

static void diverge(struct walk *w, size_t pos, enum replay_div_kind kind,
		    const struct replay_window_event *e, int task, const char *step, int64_t spage,
		    int run, const char *fmt, ...) __attribute__((format(printf, 9, 10)));

static void diverge(struct walk *w, size_t pos, enum replay_div_kind kind,
		    const struct replay_window_event *e, int task, const char *step, int64_t spage,
		    int run, const char *fmt, ...)
{
	struct replay_divergence *d = &w->f->div;
	va_list ap;

	if (w->f->ndiv++)
		return;
	w->first_pos = (int64_t)pos;
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->event = e ? e->id : -1;
	snprintf(d->event_name, sizeof(d->event_name), "%s", e ? e->name : "");
	d->pid = e ? e->pid : -1;
	d->event_page = e ? e->page : -1;
	d->task = model_task_letter(w->m, task);
	snprintf(d->step, sizeof(d->step), "%s", step ? step : "(finished)");
	d->step_page = spage;
	d->run_step = run;
	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
}

/* Describes what task t of m waits for ("invalidate_lock, held by W"). */
static void describe_wait(struct model *m, int t, char *buf, size_t len)
{
	static const char *const names[] = { "IOLOCK", "invalidate_lock (MMAPLOCK)", "ILOCK" };
	int mode, lock = model_need(m, t, &mode);
	char holder[40] = "";
	const struct mrwsem *l;

	if (lock < 0) {
		snprintf(buf, len, "%s", m->t[t].done ? "nothing (finished)" : "nothing");
		return;
	}
	l = &m->lk[lock];
	if (l->writer >= 0)
		snprintf(holder, sizeof(holder), ", held exclusively by %c",
			 model_task_letter(m, l->writer));
	else
		for (int i = 0; i < m->ntasks; i++)
			if (l->readers & (1u << i))
				snprintf(holder + strlen(holder), sizeof(holder) - strlen(holder),
					 "%s%c", holder[0] ? "," : ", held shared by ",
					 model_task_letter(m, i));
	if (lock < LK_FOLIO0)
		snprintf(buf, len, "%s %s%s", names[lock], mode == LM_X ? "exclusive" : "shared",
			 holder);
	else
		snprintf(buf, len, "the folio lock of page %llu%s",
			 (unsigned long long)(m->base + (uint64_t)(lock - LK_FOLIO0)), holder);
}

/* An item about a later page of a large folio whose event of the same key
 * was matched already (the model's folios are one page each). */
static int covered(const struct walk *w, int t, const struct item *x)
{
	/* a truncate step's deletions: once one is seen, the step is (large
	 * folios make fewer delete events than the model's one-page folios) */
	if (x->key == K_DELETE && x->run >= 0 && (size_t)x->run < w->f->n && w->f->nev[x->run])
		return 1;
	return per_folio(x->key) && x->page >= 0 && x->page > w->cover_lo[t][x->key] &&
		x->page <= w->cover_hi[t][x->key];
}

/* Runs one step of t on the walk's model and records it. */
static int commit_step(struct walk *w, int t)
{
	struct model_step_rec rec;
	struct replay_follow *f = w->f;
	struct item it[24];
	int n;

	if (f->n == MODEL_MAX_RUN || model_step(w->m, t, &rec) < 0)
		return -1;
	f->sched[f->n] = (uint8_t)t;
	f->nev[f->n] = 0;
	w->name[f->n] = rec.name;
	n = parse_items(rec.tp, abs_page(w, rec.folio), (int)f->n, w->present, it, 24);
	for (int i = 0; i < n && w->nq[t] < QMAX; i++)
		w->q[t][w->nq[t]++] = it[i];
	f->n++;
	w->ord[t]++;
	return 0;
}

static void run_eager(struct walk *w, int t)
{
	while (w->ord[t] < MODEL_MAX_RUN && w->eager[t][w->ord[t]] && model_runnable(w->m, t) &&
	       commit_step(w, t) == 0)
		;
}

static void record(struct walk *w, int run, const struct replay_window_event *e)
{
	struct replay_follow *f = w->f;

	if (run < 0 || (size_t)run >= f->n)
		return;
	if (f->nev[run] < REPLAY_STEP_EVENTS)
		f->ev[run][f->nev[run]] = e->id;
	if (f->nev[run] < 255)
		f->nev[run]++;
	f->matched++;
}

/* Matches queue item j of task t to event e: earlier items are dropped (a
 * show item among them: missing). */
static void take(struct walk *w, size_t pos, int t, int j, const struct replay_window_event *e,
		 int k)
{
	for (int i = 0; i < j; i++) {
		const struct item *x = &w->q[t][i];

		if (is_show(x->key) && x->observable && !covered(w, t, x))
			diverge(w, pos, RDIV_MISSING, e, t, w->name[x->run], x->page, x->run, "step %d of %c emits %s%s, which the trace does not "
				"show before this event", x->run + 1, model_task_letter(w->m, t), x->name,
				x->page >= 0 ? " on its page" : "");
	}
	record(w, w->q[t][j].run, e);
	if (k < K__COUNT && per_folio(k) && e->page >= 0) {
		w->cover_lo[t][k] = e->page;
		w->cover_hi[t][k] = e->page + (e->npages > 1 ? e->npages : 1) - 1;
		/* writeback_dirty_folio has no order: the folio the task added */
		if (k == K_DIRTY && e->npages <= 1 && e->page >= w->cover_lo[t][K_PAGE_ADD] &&
		    e->page <= w->cover_hi[t][K_PAGE_ADD])
			w->cover_hi[t][k] = w->cover_hi[t][K_PAGE_ADD];
	}
	w->last_key[t] = k;
	w->last_page[t] = e->page;
	w->last_run[t] = w->q[t][j].run;
	memmove(w->q[t], w->q[t] + j + 1, (size_t)(w->nq[t] - j - 1) * sizeof(w->q[t][0]));
	w->nq[t] -= j + 1;
	w->last_ord[t] = w->ord[t];
}

/* The first queued item of t that e matches, or -1; *anchor_before: an
 * observable explain item comes before it (or, with no match, is queued);
 * *pending: an observable item is queued. */
static int queue_find(const struct walk *w, int t, const struct replay_window_event *e, int k,
		      int *anchor_before, int *pending)
{
	*anchor_before = *pending = 0;
	for (int i = 0; i < w->nq[t]; i++) {
		if (item_matches(&w->q[t][i], e, k))
			return i;
		if (covered(w, t, &w->q[t][i]))
			continue;
		*anchor_before |= is_explain(w->q[t][i].key) && w->q[t][i].observable;
		*pending |= w->q[t][i].observable;
	}
	return -1;
}

static void add_cand(struct walk *w, int t, int from, int to)
{
	for (int i = 0; i < w->ncand; i++)
		if (w->cand[i].task == t && w->cand[i].from == from && w->cand[i].to == to)
			return;
	if (w->ncand < MAX_CAND)
		w->cand[w->ncand++] = (struct cand){ t, from, to };
}

/*
 * Steps that stand for an event their tracepoints do not name: writeback's
 * mapping step reuses a cached mapping in the model (untraced), while the
 * kernel looked it up again because something outside the model's pages
 * (an I/O completion converting other blocks) changed the fork's sequence
 * number (5.10 fs/xfs/xfs_aops.c:xfs_imap_valid).
 */
static int stands_for(const struct model_step_rec *rec, int64_t page,
		      const struct replay_window_event *e, int k)
{
	return (k == K_MAP_FOUND || k == K_MAP_ALLOC) && rec->name &&
		!strcmp(rec->name, "wb_map_blocks") && page == e->page;
}

/* The task holding the lock t waits for (a reader other than t), or -1. */
static int holder_of_wait(struct model *m, int t)
{
	int mode, lock = model_need(m, t, &mode);
	const struct mrwsem *l;

	if (lock < 0)
		return -1;
	l = &m->lk[lock];
	if (l->writer >= 0)
		return l->writer != t ? l->writer : -1;
	for (int i = 0; i < m->ntasks; i++)
		if (i != t && (l->readers & (1u << i)))
			return i;
	return -1;
}

/* Whether u's next step runs now and emits nothing the trace records. */
static int untraced_next(const struct walk *w, const struct model *m, int u)
{
	struct model *c = model_clone(m);
	struct model_step_rec rec;
	struct item it[24];
	int n, ok = 0;

	if (!c)
		return 0;
	if (model_runnable(c, u) && model_step(c, u, &rec) == 0) {
		n = parse_items(rec.tp, abs_page(w, rec.folio), -1, w->present, it, 24);
		ok = 1;
		for (int i = 0; i < n; i++)
			ok &= !it[i].observable;
	}
	model_free(c);
	return ok;
}

static void follow_event(struct walk *w, size_t pos, const struct replay_window_event *e)
{
	int t = e->task, k = ev_key(e), explain = is_explain(k), show_before, pending, j;
	struct model *c;
	struct item it[24];
	int steps = 0, found = 0, blocked = 0, first_show = -1, limit = explain ? 64 : 16;
	int nbatch = 0, nhelp = 0;
	uint8_t batch[MODEL_MAX_RUN];
	const char *next = model_next_step(w->m, t);

#ifdef FT_WINDOW_DEBUG
	{
		fprintf(stderr, "ev #%lld %c %s page %lld flags %d | q:", (long long)e->id,
			model_task_letter(w->m, t), e->name, (long long)e->page, e->flags);
		for (int i = 0; i < w->nq[t]; i++)
			fprintf(stderr, " %s/%d", w->q[t][i].name, w->q[t][i].bits);
		fprintf(stderr, "\n");
	}
#endif
	j = queue_find(w, t, e, k, &show_before, &pending);
	if (j >= 0) {
		if (show_before && !explain) {
			w->f->skipped++;
			return;
		}
		take(w, pos, t, j, e, k);
		run_eager(w, t);
		return;
	}
	/* one truncate step deletes many folios */
	if (k == K_DELETE && w->last_key[t] == K_DELETE && e->page > w->last_page[t]) {
		record(w, w->last_run[t], e);
		w->last_page[t] = e->page;
		return;
	}
	/* an iteration's or a fault's entry does not move its task on: the
	 * step's effect comes at its lock grant or its page-cache event, maybe
	 * much later; it is given to the step placed next */
	if (k == K_ITER || k == K_FAULT_R || k == K_FAULT_W) {
		if (w->npre[t] == PRE_MAX) {
			memmove(w->pre[t], w->pre[t] + 1, (PRE_MAX - 1) * sizeof(w->pre[t][0]));
			w->npre[t]--;
			w->f->skipped++;
		}
		w->pre[t][w->npre[t]++] = e;
		return;
	}
	/* a soft event moves a task on only when its steps so far are seen */
	if (!explain && pending) {
		w->f->skipped++;
		return;
	}
	/* the task's next steps, on a copy */
	c = model_clone(w->m);
	if (!c) {
		w->nomem = 1;
		return;
	}
	while (steps < limit && !found) {
		struct model_step_rec rec;
		int n, u;

		if (c->t[t].done)
			break;
		if (!model_runnable(c, t)) {
			/* the holder's untraced steps run as needed too */
			u = holder_of_wait(c, t);
			if (u >= 0 && nhelp < 8 && nbatch < MODEL_MAX_RUN && untraced_next(w, c, u)) {
				model_step(c, u, NULL);
				batch[nbatch++] = (uint8_t)u;
				nhelp++;
				continue;
			}
			blocked = 1;
			break;
		}
		model_step(c, t, &rec);
		batch[nbatch++] = (uint8_t)t;
		steps++;
		n = parse_items(rec.tp, abs_page(w, rec.folio), -1, w->present, it, 24);
		if (stands_for(&rec, abs_page(w, rec.folio), e, k))
			found = 2;
		for (int i = 0; i < n && !found; i++) {
			if (item_matches(&it[i], e, k))
				found = 1;
			else if (first_show < 0 && it[i].observable && !covered(w, t, &it[i]) &&
				 (explain ? is_show(it[i].key) : is_explain(it[i].key)))
				first_show = steps;
		}
	}
	if (found && first_show >= 0) {
		/* a show item on the way: the steps before may belong earlier */
		add_cand(w, t, (int)w->last_ord[t], (int)w->ord[t] + first_show - 1);
		if (!explain) {
			model_free(c);
			w->f->skipped++;
			return;
		}
	}
	if (!found) {
		if (first_show >= 0 && explain)
			add_cand(w, t, (int)w->last_ord[t], (int)w->ord[t] + first_show - 1);
		if (explain && blocked && steps == 0) {
			char buf[120];

			describe_wait(w->m, t, buf, sizeof(buf));
			diverge(w, pos, RDIV_BLOCKED, e, t, next, -1, -1, "the trace shows %s of %c "
				"(pid %d) here; in the model %c's next step %s waits for %s", e->name,
				model_task_letter(w->m, t), e->pid, model_task_letter(w->m, t),
				next ? next : "?", buf);
		} else if (explain) {
			char buf[120] = "";

			if (blocked)
				describe_wait(c, t, buf, sizeof(buf));
			diverge(w, pos, RDIV_UNEXPLAINED, e, t, next, -1, -1, "no step of %c emits %s%s "
				"(its next step: %s%s%s)", model_task_letter(w->m, t), e->name,
				e->page >= 0 ? " on this page" : "", next ? next : "none, finished",
				blocked ? "; further on it would wait for " : "", buf);
		} else {
			w->f->skipped++;
		}
		model_free(c);
		return;
	}
	model_free(c);
	for (int i = 0; i < nbatch; i++)
		if (commit_step(w, batch[i]) < 0) {
			w->f->skipped++;
			return;
		}
	/* the entries seen before, on the steps just placed */
	for (int p = 0; p < w->npre[t]; p++) {
		int pj = queue_find(w, t, w->pre[t][p], ev_key(w->pre[t][p]), &show_before, &pending);

		if (pj >= 0)
			take(w, pos, t, pj, w->pre[t][p], ev_key(w->pre[t][p]));
		else
			w->f->skipped++;
	}
	w->npre[t] = 0;
	if (found == 2) {
		/* the last step placed stands for the event */
		record(w, (int)w->f->n - 1, e);
		w->last_key[t] = k;
		w->last_page[t] = e->page;
		w->last_run[t] = (int)w->f->n - 1;
		w->last_ord[t] = w->ord[t];
		run_eager(w, t);
		return;
	}
	j = queue_find(w, t, e, k, &show_before, &pending);
	if (j >= 0) {
		take(w, pos, t, j, e, k);
		run_eager(w, t);
	}
}

/* After the events: unmatched show items, and what the continuation emits. */
static void finish_walk(struct walk *w, size_t pos)
{
	struct model *c;

	for (int t = 0; t < model_ntasks(w->m); t++)
		for (int i = 0; i < w->nq[t]; i++) {
			const struct item *x = &w->q[t][i];

			if (is_show(x->key) && x->observable && !covered(w, t, x))
				diverge(w, pos, RDIV_MISSING, NULL, t, w->name[x->run], x->page, x->run,
					"step %d of %c emits %s%s, which the trace does not show",
					x->run + 1, model_task_letter(w->m, t), x->name,
					x->page >= 0 ? " on its page" : "");
		}
	c = model_clone(w->m);
	if (!c) {
		w->nomem = 1;
		return;
	}
	for (size_t n = w->f->n; n < MODEL_MAX_RUN; n++) {
		struct model_step_rec rec;
		struct item it[24];
		int t = -1, k;

		for (int i = 0; i < model_ntasks(c) && t < 0; i++)
			if (model_runnable(c, i))
				t = i;
		if (t < 0)
			break;
		model_step(c, t, &rec);
		if (w->open & (1u << t))
			continue;	/* its trace goes on past the span */
		k = parse_items(rec.tp, abs_page(w, rec.folio), (int)n, w->present, it, 24);
		for (int i = 0; i < k; i++)
			if (is_show(it[i].key) && it[i].observable)
				diverge(w, pos, RDIV_MISSING, NULL, t, rec.name, it[i].page, (int)n,
					"after the trace's events, step %zu (%c %s, past the recorded "
					"schedule) emits %s, which the trace does not show", n + 1,
					model_task_letter(c, t), rec.name, it[i].name);
	}
	model_free(c);
}

static int walk_once(const struct scenario *sc, const char *variant,
		     const struct replay_window_event *ev, size_t nev, const char *present,
		     uint32_t open, const uint8_t (*eager)[MODEL_MAX_RUN], struct replay_follow *f,
		     struct walk *w)
{
	size_t last[MODEL_MAX_TASKS];
	int ret;

	for (int t = 0; t < MODEL_MAX_TASKS; t++)
		last[t] = SIZE_MAX;
	memset(f, 0, sizeof(*f));
	memset(w, 0, sizeof(*w));
	ret = scenario_build(sc, variant, &w->m);
	if (ret < 0)
		return ret;
	w->sc = sc;
	w->present = present;
	w->open = open;
	w->f = f;
	w->eager = eager;
	for (int t = 0; t < MODEL_MAX_TASKS; t++) {
		w->last_key[t] = -1;
		w->last_run[t] = -1;
		for (int k = 0; k < K__COUNT; k++) {
			w->cover_lo[t][k] = 0;
			w->cover_hi[t][k] = -1;
		}
	}
	for (int t = 0; t < model_ntasks(w->m); t++)
		run_eager(w, t);
	for (size_t i = 0; i < nev; i++)
		if (ev[i].task >= 0 && ev[i].task < model_ntasks(w->m))
			last[ev[i].task] = i;
	for (size_t i = 0; i < nev; i++) {
		int t = ev[i].task;

		if (t < 0 || t >= model_ntasks(w->m))
			continue;
		follow_event(w, i, &ev[i]);
		if (w->nomem)
			break;
		/* after a task's last event, what it does untraced comes at once
		 * (a fault returns and user space stores) */
		if (i == last[t])
			while (!w->m->t[t].done && w->f->n < MODEL_MAX_RUN &&
			       untraced_next(w, w->m, t) && commit_step(w, t) == 0)
				;
	}
	finish_walk(w, nev);
	model_free(w->m);
	w->m = NULL;
	return w->nomem ? -ENOMEM : 0;
}

static int better(const struct replay_follow *a, int64_t apos, const struct replay_follow *b,
		  int64_t bpos)
{
	if (a->ndiv != b->ndiv)
		return a->ndiv < b->ndiv;
	return a->ndiv && apos > bpos;
}

int replay_window_follow(const struct scenario *sc, const char *variant,
			 const struct replay_window_event *ev, size_t nev, const char *present,
			 uint32_t open, struct replay_follow *out)
{
	uint8_t (*eager)[MODEL_MAX_RUN] = calloc(MODEL_MAX_TASKS, sizeof(*eager));
	uint8_t (*trial)[MODEL_MAX_RUN] = calloc(MODEL_MAX_TASKS, sizeof(*trial));
	struct replay_follow *f = malloc(sizeof(*f));
	struct walk *w = malloc(sizeof(*w)), *wbest = malloc(sizeof(*wbest));
	struct cand tried[MAX_WALKS];
	int ntried = 0, walks = 0, ret = -ENOMEM;
	int64_t best_pos;

	if (!eager || !trial || !f || !w || !wbest)
		goto out;
	ret = walk_once(sc, variant, ev, nev, present, open,
			(const uint8_t (*)[MODEL_MAX_RUN])eager, out, wbest);
	walks = 1;
	best_pos = wbest->first_pos;
	while (ret == 0 && walks < MAX_WALKS) {
		int improved = 0;

		for (int c = 0; c < wbest->ncand && walks < MAX_WALKS && !improved; c++) {
			struct cand cd = wbest->cand[c];
			int seen = 0;

			for (int i = 0; i < ntried; i++)
				seen |= tried[i].task == cd.task && tried[i].from == cd.from &&
					tried[i].to == cd.to;
			if (seen || ntried == MAX_WALKS)
				continue;
			tried[ntried++] = cd;
			memcpy(trial, eager, MODEL_MAX_TASKS * sizeof(*eager));
			for (int o = cd.from < 0 ? 0 : cd.from; o <= cd.to && o < MODEL_MAX_RUN; o++)
				trial[cd.task][o] = 1;
			ret = walk_once(sc, variant, ev, nev, present, open,
					(const uint8_t (*)[MODEL_MAX_RUN])trial, f, w);
			walks++;
#ifdef FT_WINDOW_DEBUG
			fprintf(stderr, "walk %d: cand %c %d-%d: ndiv %d pos %lld (best %d %lld)\n",
				walks, 'A' + cd.task, cd.from, cd.to, f->ndiv,
				(long long)w->first_pos, out->ndiv, (long long)best_pos);
#endif
			if (ret < 0)
				break;
			if (better(f, w->first_pos, out, best_pos)) {
				memcpy(eager, trial, MODEL_MAX_TASKS * sizeof(*eager));
				memcpy(out, f, sizeof(*f));
				memcpy(wbest, w, sizeof(*w));
				best_pos = w->first_pos;
				improved = 1;
			}
		}
		if (!improved)
			break;
	}
	out->walks = (unsigned)walks;
out:
	free(eager);
	free(trial);
	free(f);
	free(w);
	free(wbest);
	return ret;
}

/* --- user schedules ----------------------------------------------------------- */

void replay_window_map_run(const struct model *m, const struct model_run *r,
			   const struct replay_follow *f, uint8_t *nev,
			   int64_t (*ev)[REPLAY_STEP_EVENTS], struct replay_divergence *div)
{
	unsigned ord[MODEL_MAX_TASKS] = { 0 };
	int64_t latest = -1;
	int latest_step = -1;

	memset(div, 0, sizeof(*div));
	for (size_t i = 0; i < r->nsteps; i++) {
		int t = r->step[i].task;
		unsigned k = 0, o = ord[t]++;

		nev[i] = 0;
		/* the recorded run's o-th step of t */
		for (size_t j = 0; j < f->n; j++)
			if (f->sched[j] == t && k++ == o) {
				nev[i] = f->nev[j];
				memcpy(ev[i], f->ev[j], sizeof(ev[i]));
				break;
			}
		if (!nev[i])
			continue;
		if (ev[i][0] < latest && div->kind == RDIV_NONE &&
		    r->step[latest_step].task != t) {
			div->kind = RDIV_ORDER;
			div->event = ev[i][0];
			div->task = model_task_letter(m, t);
			snprintf(div->step, sizeof(div->step), "%s", r->step[i].name);
			div->step_page = r->step[i].folio >= 0 ?
				(int64_t)m->base + r->step[i].folio : -1;
			div->run_step = (int)i;
			div->pid = -1;
			div->event_page = -1;
			snprintf(div->why, sizeof(div->why), "step %zu (%c %s, trace event #%lld) runs "
				 "after step %d (%c %s, trace event #%lld), which the trace shows later",
				 i + 1, div->task, r->step[i].name, (long long)ev[i][0],
				 latest_step + 1, model_task_letter(m, r->step[latest_step].task),
				 r->step[latest_step].name, (long long)latest);
		}
		if (ev[i][0] > latest) {
			latest = ev[i][0];
			latest_step = (int)i;
		}
	}
}

int replay_window_strict(const struct model *m, const uint8_t *sched, size_t n, char *err,
			 size_t errlen)
{
	struct model *c = model_clone(m);
	int ret = 0;

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n && !ret; i++) {
		int t = sched[i];
		const char *next = model_next_step(c, t);

		if (c->t[t].done) {
			continue;	/* as model_run: a finished task's entry is skipped */
		} else if (!model_runnable(c, t)) {
			char buf[120];

			describe_wait(c, t, buf, sizeof(buf));
			snprintf(err, errlen, "schedule entry %zu (%c) is blocked: %c's step %s waits "
				 "for %s", i + 1, model_task_letter(c, t), model_task_letter(c, t),
				 next ? next : "?", buf);
			ret = -EINVAL;
		} else {
			model_step(c, t, NULL);
		}
	}
	model_free(c);
	return ret;
}
