/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_scenfile.c - scenario files (replay/scenfile.c) parsed into the
 * struct scenario the model is built from, field by field:
 *   - each built-in's file (replay/scenarios/NAME.scn) gives the built-in's
 *     struct exactly (pages, i_size, free blocks, inode, base, every task,
 *     schedule): more than t4003's output comparison sees (the output does
 *     not show free blocks or i_size);
 *   - the defaults and rules the format documents (replay/README.md,
 *     "Scenario files"): ino 131, free 64, isize = pages, base 0, the first
 *     task's letter as the schedule, absolute page ranges, presets extents
 *     first then folios in file order;
 *   - the line each error names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../replay/scenfile.h"

static struct scenfile sf;

static int parse(const char *text, unsigned *line, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f)
		return -1;
	ret = scenfile_read(f, "t.scn", &sf, line, err, errlen);
	fclose(f);
	return ret;
}

static void builtins(void)
{
	const char *root = getenv("FT_ROOT") ? getenv("FT_ROOT") : ".";

	for (int i = 0; i < scenario_count(); i++) {
		const struct scenario *b = scenario_at(i);
		const struct scenario *s = &sf.sc;
		char path[4096], err[300];
		unsigned line;
		int ret, same = 1;

		snprintf(path, sizeof(path), "%s/replay/scenarios/%s.scn", root, b->name);
		ret = scenfile_load(path, &sf, &line, err, sizeof(err));
		CHECK(ret == 0, "%s.scn loads (%s)", b->name, ret ? err : "ok");
		if (ret)
			continue;
		CHECK(!strcmp(s->name, b->name), "%s.scn: name", b->name);
		CHECK(!strcmp(s->summary, b->summary), "%s.scn: summary", b->name);
		CHECK(!strcmp(s->schedule, b->schedule), "%s.scn: schedule %s (built-in %s)", b->name,
		      s->schedule, b->schedule);
		CHECK_EQ_INT(s->npages, b->npages, "pages");
		CHECK_EQ_INT(s->isize_pages, b->isize_pages, "isize");
		CHECK_EQ_INT(s->free_blocks, b->free_blocks, "free blocks");
		CHECK_EQ_INT(s->ino, b->ino ? b->ino : 131, "inode");
		CHECK_EQ_INT(s->base_index, b->base_index, "base");
		CHECK_EQ_INT(s->npresets, b->npresets, "presets");
		CHECK_EQ_INT(s->ntasks, b->ntasks, "tasks");
		for (unsigned t = 0; t < s->ntasks && t < b->ntasks; t++) {
			const struct model_task_desc *x = &s->task[t], *y = &b->task[t];

			same &= x->kind == y->kind && x->letter == y->letter && x->ino == y->ino &&
				x->index == y->index && x->npages == y->npages &&
				x->copied_bytes == y->copied_bytes;
		}
		CHECK(same, "%s.scn: every task (kind, letter, inode, pages, copied bytes)",
		      b->name);
		CHECK(s->kernel == b->kernel, "%s.scn: no kernel (the variant's own)", b->name);
	}
}

static void defaults(void)
{
	unsigned line;
	char err[300];
	int ret = parse("pages 8\ntask F fault 2-3\n", &line, err, sizeof(err));

	CHECK(ret == 0, "a minimal file loads (%s)", ret ? err : "ok");
	CHECK(!strcmp(sf.sc.name, "t"), "default name: the file's name without .scn (%s)",
	      sf.sc.name);
	CHECK_EQ_INT(sf.sc.ino, 131, "default inode");
	CHECK_EQ_INT(sf.sc.free_blocks, 64, "default free blocks");
	CHECK_EQ_INT(sf.sc.isize_pages, 8, "default isize: pages");
	CHECK_EQ_INT(sf.sc.base_index, 0, "default base");
	CHECK(!strcmp(sf.sc.schedule, "F"), "default schedule: the first task (%s)",
	      sf.sc.schedule);
	CHECK_EQ_INT(sf.models, 0, "no models line: 0 (the --model default)");
	CHECK_EQ_INT(sf.sc.task[0].index, 2, "range 2-3: first page");
	CHECK_EQ_INT(sf.sc.task[0].npages, 2, "range 2-3: two pages");

	ret = parse("base 100\npages 16\nisize 10\nfree 9\nino 7\nmodels upstream fix\n"
		    "folio 101 dirty\nextent 100-103 delalloc\nfolio 102-103 clean\n"
		    "extent 110 real\ntask W write 100-107 copied 8192\ntask T truncate 116\n"
		    "schedule W3,T\n", &line, err, sizeof(err));
	CHECK(ret == 0, "a full file loads (%s)", ret ? err : "ok");
	CHECK_EQ_INT(sf.sc.ino, 7, "ino");
	CHECK_EQ_INT(sf.sc.task[0].ino, 7, "the tasks take the file's inode");
	CHECK_EQ_INT(sf.models, (1u << model_variant_find("fix")) | (1u << model_variant_find("upstream")),
		     "models: fix and upstream");
	CHECK_EQ_INT(sf.sc.task[0].copied_bytes, 8192, "copied bytes");
	CHECK_EQ_INT(sf.sc.task[1].kind, MODEL_TASK_TRUNCATE, "truncate task");
	CHECK_EQ_INT(sf.sc.task[1].index, 116, "truncate: the new size (base + pages)");
	CHECK_EQ_INT(sf.sc.npresets, 4, "four presets");
	CHECK(sf.sc.preset[0].ext == MODEL_EXT_DELALLOC && sf.sc.preset[0].index == 100 &&
	      sf.sc.preset[0].npages == 4, "preset 1: the first extent line");
	CHECK(sf.sc.preset[1].ext == MODEL_EXT_REAL && sf.sc.preset[1].index == 110 &&
	      sf.sc.preset[1].npages == 1, "preset 2: the second extent line");
	CHECK(sf.sc.preset[2].ext == -1 && sf.sc.preset[2].dirty == 1 &&
	      sf.sc.preset[2].index == 101, "preset 3: the first folio line, dirty");
	CHECK(sf.sc.preset[3].ext == -1 && sf.sc.preset[3].dirty == 0 &&
	      sf.sc.preset[3].index == 102 && sf.sc.preset[3].npages == 2,
	      "preset 4: the second folio line, clean, two pages");
	{
		struct model *m = NULL;

		CHECK(scenario_build(&sf.sc, "prefix", &m) == 0, "the model takes it");
		model_free(m);
	}
}

static void errors(void)
{
	static const struct { const char *text; unsigned line; const char *has; } c[] = {
		{ "pages 8\n\n# c\nfoo 1\n", 4, "unknown key 'foo'" },
		{ "pages 8\ntask F fault 1\nschedule F,G\n", 3, "no task 'G'" },
		{ "task F fault 9\npages 8\n", 1, "outside the window" },
		{ "pages 8\nfree 1\ntask F fault 1\nextent 0-1 delalloc\n", 4, "no free block left" },
		{ "pages 8\ntask F fault 1", 0, NULL },			/* no newline at the end */
		{ "pages 8\r\ntask F fault 1\r\n", 0, NULL },		/* CRLF */
		{ "pages 8\ntask F fault 1 # where\n", 0, NULL },	/* trailing comment */
		{ "pages 8\ntask F fault 1#x\n", 2, "is not a number" },	/* '#' inside a word */
		{ "pages 8\n", 0, "no 'task' line" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		unsigned line = 99;
		char err[300] = "";
		int ret = parse(c[i].text, &line, err, sizeof(err));

		if (!c[i].has && !c[i].line) {
			CHECK(ret == 0, "case %zu loads (%s)", i + 1, err);
			continue;
		}
		CHECK(ret < 0 && line == c[i].line && strstr(err, c[i].has),
		      "case %zu: line %u (want %u), '%s'", i + 1, line, c[i].line, err);
	}
}

int main(void)
{
	builtins();
	defaults();
	errors();
	return tap_done();
}
