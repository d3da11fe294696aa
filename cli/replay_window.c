/* SPDX-License-Identifier: GPL-2.0-or-later */
/* replay_window.c - foliotrace replay DB --window N: a recorded window as a
 * model run, compared with what the trace shows. */
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

/* The outcome the trace shows for a window's verdict, NULL for none. */
static const char *expected_outcome(const struct window_facts *f)
{
	if (!strcmp(f->verdict, "loss")) {
		for (int i = 0; i < f->nracers; i++)
			if (f->racer[i].written_back)
				return "data_loss";
		return "unbacked_dirty";	/* then dropped by a later cleanup */
	}
	if (!strcmp(f->verdict, "hit"))
		return "unbacked_dirty";
	if (!strcmp(f->verdict, "dropped"))
		return "dirty_dropped";
	if (!strcmp(f->verdict, "unsafe") || !strcmp(f->verdict, "protected"))
		return "ok";
	return NULL;
}

static void print_window(const struct window_facts *f, const struct scenario *sc,
			 const char *note)
{
	printf("window %lld: %s on ino %lld, pages %lld-%lld, writer pid %d; the trace's kernel "
	       "runs the %s code\n", (long long)f->id, ft_term_s(f->verdict), (long long)f->ino,
	       (long long)f->first, (long long)f->last, f->writer,
	       f->variant[0] ? ft_term_s(f->variant) : "(unknown)");
	if (f->write_known)
		printf("  W  pid %d: buffered write of pages %lld-%lld, the copy stopped at page %lld\n",
		       f->writer, (long long)f->write_first,
		       (long long)(f->write_first + f->write_pages - 1), (long long)f->first);
	else
		printf("  W  pid %d: its buffered write is not in the trace: taken as the punched "
		       "pages, nothing copied\n", f->writer);
	for (int i = 0; i < f->nracers; i++)
		printf("  %c  pid %d: fault on page %lld %s (event %lld)%s\n", "FGHI"[i],
		       f->racer[i].pid, (long long)f->racer[i].index, f->racer[i].before_cleanup ?
		       "dirtied before the cleanup deleted it" : "inside the window",
		       (long long)f->racer[i].event, f->racer[i].written_back ?
		       ", written back afterwards (B)" : "");
	if (f->racers_cut)
		printf("  (more racing tasks than %d: the others are left out)\n", WINDOW_MAX_RACERS);
	printf("  model: ino %lld, pages %llu-%llu", (long long)f->ino,
	       (unsigned long long)sc->base_index,
	       (unsigned long long)(sc->base_index + sc->npages - 1));
	if (note[0])
		printf("; %s", note);
	printf("\n\n");
}

int replay_window(const struct replay_opts *o, int64_t id, struct ft_err *e)
{
	struct store *s = NULL;
	struct window_facts f;
	struct replay_window_in in = { 0 };
	struct scenario sc;
	struct kept keep[8];
	struct window_replay save[8];
	const char *expect, *got = "";
	char note[256], sched[4 * MODEL_MAX_RUN];
	int nk = 0, ret = FT_EXIT_FAIL, match = -1;

	memset(keep, 0, sizeof(keep));
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
	in.ino = (uint64_t)f.ino;
	in.first = f.first;
	in.last = f.last;
	in.write_first = f.write_first;
	in.write_pages = f.write_pages;
	in.nracers = f.nracers;
	for (int i = 0; i < f.nracers; i++) {
		in.racer[i].index = f.racer[i].index;
		in.racer[i].before_cleanup = f.racer[i].before_cleanup;
		in.racer[i].written_back = f.racer[i].written_back;
	}
	if (replay_window_scenario(&in, &sc, note, sizeof(note)) < 0) {
		ft_error(e, -EINVAL, "%s: window %lld: its pages do not fit the model", o->db,
			 (long long)id);
		goto out;
	}
	expect = expected_outcome(&f);
	if (o->json) {
		printf("{\"window\":%lld,\"verdict\":", (long long)id);
		json_str(stdout, f.verdict);	/* from the file: escaped */
		printf(",\"trace_model\":");
	} else {
		print_window(&f, &sc, note);
	}
	if (o->json) {
		json_str(stdout, f.variant[0] ? f.variant : NULL);
		printf(",\"expected\":");
		json_str(stdout, expect);
		printf(",\"note\":");
		json_str(stdout, note);
		printf(",\"model_pages\":[%llu,%llu]", (unsigned long long)sc.base_index,
		       (unsigned long long)(sc.base_index + sc.npages - 1));
		printf(",\"models\":[");
	}
	for (int i = 0; i < model_variant_count(0); i++) {
		const char *v = model_variant_name(i);

		if (strcmp(o->model, "all") && strcmp(o->model, v))
			continue;
		if (replay_window_schedule(&sc, &in, v, sched, sizeof(sched)) < 0) {
			ft_error(e, -ENOMEM, "replay: out of memory");
			goto out;
		}
		if (replay_one(o, &sc, v, nk == 0, sched, &keep[nk], e) != FT_EXIT_OK)
			goto out;
		save[nk] = (struct window_replay){ keep[nk].model, keep[nk].outcome, keep[nk].digest,
			keep[nk].schedule, keep[nk].explored, keep[nk].bad, keep[nk].detail };
		if (expect && !strcmp(v, f.variant)) {
			match = !strcmp(keep[nk].outcome, expect);
			got = keep[nk].outcome;
		}
		nk++;
	}
	if (o->json) {
		printf("],\"matches_trace\":%s}\n", match < 0 ? "null" : match ? "true" : "false");
	} else if (match >= 0) {
		printf("\nthe trace shows %s: under %s, the kernel's code, the model gives %s, "
		       "expected %s: %s\n", ft_term_s(f.verdict), ft_term_s(f.variant), got, expect,
		       match ? "agrees" : "DISAGREES");
	}
	if (window_replays_save(s, id, save, nk, e) < 0)
		goto out;
	ret = FT_EXIT_OK;
out:
	for (int i = 0; i < nk; i++)
		free(keep[i].detail);
	if (store_close(s) < 0 && ret == FT_EXIT_OK) {
		ft_error(e, -EIO, "%s: closing the database failed", o->db);
		ret = FT_EXIT_FAIL;
	}
	return ret;
}

