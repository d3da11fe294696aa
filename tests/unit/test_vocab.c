/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of core/vocab.c, the domain tables, and of their users'
 * agreement: every code variant the analysis can name exists in the model
 * (the replay builds a scenario under it, and the model's row carries the
 * same enum), every model variant that is not test-only is one the analysis
 * can name, every verdict has its words and a severity, and the analysis,
 * the report and the replay read verdicts and variants from the one table.
 * Expected values come from the kernel: fs/xfs/xfs_inode.h (lock_flags
 * bits), the upstream releases of the variants' commits (docs/variants.md),
 * the tracepoint renames between 5.10 and 6.x.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../analyze/analyze.h"
#include "../../analyze/variant.h"
#include "../../core/event.h"
#include "../../core/kfingerprint.h"
#include "../../core/vocab.h"
#include "../../replay/model.h"
#include "../../replay/scenario.h"
#include "tap.h"

static int is_outcome(const char *name)
{
	for (int o = 0; o < MODEL_OUTCOMES; o++)
		if (!strcmp(model_outcome_name(o), name))
			return 1;
	return 0;
}

static void test_verdicts(void)
{
	int sev_seen = 0;

	for (int v = 0; v < FT_VERDICT__COUNT; v++) {
		const struct ft_verdict_row *r = &ft_verdicts[v];

		CHECK(r->name && r->name[0], "verdict %d has a name", v);
		CHECK(r->meaning && strlen(r->meaning) > 20, "verdict %s has words for humans",
		      r->name);
		CHECK(r->severity >= 1 && r->severity <= FT_VERDICT__COUNT &&
		      !(sev_seen & (1 << r->severity)), "verdict %s has its own severity (%d)",
		      r->name, r->severity);
		sev_seen |= 1 << r->severity;
		CHECK(!r->outcome || is_outcome(r->outcome), "verdict %s: its outcome '%s' is a "
		      "model outcome", r->name, r->outcome ? r->outcome : "(none)");
		CHECK_EQ_INT(ft_verdict_find(r->name), v, "ft_verdict_find of its name");
		CHECK(!strcmp(verdict_name(v), r->name), "analysis names verdict %d '%s'", v,
		      r->name);
		CHECK_EQ_INT(verdict_from_name(r->name), v, "analysis reads its name back");
		if (v)	/* the list order of every front end is the severity */
			CHECK(r->severity > ft_verdicts[v - 1].severity, "%s after %s in severity",
			      r->name, ft_verdicts[v - 1].name);
	}
	CHECK_EQ_INT(V__COUNT, FT_VERDICT__COUNT, "the analysis has every verdict");
	/* analyze/analyze.c's rules: a loss and a drop lose data, protected and
	 * unknown say nothing a reader must act on */
	CHECK(ft_verdict_worth(FT_VERDICT_LOSS) && ft_verdict_worth(FT_VERDICT_DROPPED) &&
	      !ft_verdict_worth(FT_VERDICT_PROTECTED) && !ft_verdict_worth(FT_VERDICT_UNKNOWN),
	      "worth reading: loss and dropped, not protected or unknown");
	CHECK(!strcmp(ft_verdicts[FT_VERDICT_DROPPED].outcome, "dirty_dropped"),
	      "a dropped window's replay must drop a dirty folio");
	CHECK_EQ_INT(ft_verdict_find("lost"), -1, "an unknown verdict name");
	CHECK(!strcmp(ft_verdict_list(0), "loss, hit, dropped, unsafe, unknown, protected"),
	      "every verdict, most severe first: %s", ft_verdict_list(0));
	CHECK(!strcmp(ft_verdict_list(1), "loss, hit, dropped, unsafe"),
	      "the worth-reading ones: %s", ft_verdict_list(1));
	CHECK(strstr(ft_verdict_severity_sql(), "WHEN 'loss' THEN 1") &&
	      strstr(ft_verdict_severity_sql(), "WHEN 'protected' THEN 6") &&
	      strstr(ft_verdict_severity_sql(), "ELSE 7 END"), "the severity in SQL: %s",
	      ft_verdict_severity_sql());
	CHECK(!strcmp(ft_verdict_name(FT_VERDICT__COUNT), "?"), "out of range");
}

static void test_variants(void)
{
	const struct scenario *sc = scenario_find("punch-race");

	CHECK_EQ_INT(model_variant_count(0), FT_VARIANT__COUNT,
		     "the model has as many user-facing variants as the table");
	for (int v = 0; v < VAR__COUNT; v++) {
		const char *name = variant_name(v);	/* what the analysis stores */
		int i = model_variant_find(name);
		struct model *m = NULL;

		CHECK(i >= 0, "the model knows the analysis's variant '%s'", name);
		CHECK_EQ_INT(model_variant_of_vocab(v), i, "the model's row of the variant's enum");
		CHECK_EQ_INT(model_variant_vocab(i), v, "the model's row carries the enum");
		CHECK(sc && scenario_build(sc, name, &m) == 0 && m, "replay builds punch-race "
		      "under '%s'", name);
		if (m) {
			CHECK(!strcmp(model_kernel_of(m), ft_variants[v].model_kernel),
			      "'%s' names the tracepoints of %s (model %s)", name,
			      ft_variants[v].model_kernel, model_kernel_of(m));
			model_free(m);
		}
		CHECK(ft_variants[v].kernels && ft_variants[v].summary && ft_variants[v].code,
		      "variant %s has its words", name);
	}
	for (int i = 0; i < model_variant_count(1); i++) {
		int v = model_variant_vocab(i);

		if (i < model_variant_count(0))
			CHECK(v >= 0 && !strcmp(ft_variant_name(v), model_variant_name(i)),
			      "model variant %s is the table's %s", model_variant_name(i),
			      ft_variant_name(v));
		else
			CHECK_EQ_INT(v, -1, "test-only model variant has no enum");
	}
	/* fingerprints: each row's need and none are disjoint, names of
	 * core/kfingerprint.h; the order is a permutation */
	for (int v = 0; v < FT_VARIANT__COUNT; v++) {
		const struct ft_variant_row *r = &ft_variants[v];

		CHECK(!(r->need & r->none), "%s: no name both needed and absent", r->name);
		CHECK(!((r->need | r->none | r->also) >> KFP__COUNT), "%s: names of the table",
		      r->name);
		for (int w = 0; w < v; w++)
			CHECK(r->fp_order != ft_variants[w].fp_order, "%s and %s: distinct order",
			      r->name, ft_variants[w].name);
	}
}

static void test_versions(void)
{
	/* the upstream releases: 198dd8aedee6's race is in 5.5 .. 6.1 (Debian
	 * 5.10.223 runs it); the 6.2 series (9c7babf94a0d..304a68b9c63b) is
	 * in 6.2 and backported to 6.1.92+; caf0ea451d97 is in 6.12 */
	static const struct { int a, b, c, want; } k[] = {
		{ 5, 10, 223, FT_VARIANT_PREFIX }, { 6, 1, 0, FT_VARIANT_PREFIX },
		{ 6, 1, 91, FT_VARIANT_PREFIX }, { 6, 1, 92, FT_VARIANT_V62 },
		{ 6, 1, 192, FT_VARIANT_V62 }, { 6, 2, 0, FT_VARIANT_V62 },
		{ 6, 11, 9, FT_VARIANT_V62 }, { 6, 12, 0, FT_VARIANT_UPSTREAM },
		{ 6, 18, 1, FT_VARIANT_UPSTREAM }, { 7, 0, 0, FT_VARIANT_UPSTREAM },
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		CHECK_EQ_INT(ft_variant_of_version(k[i].a, k[i].b, k[i].c), k[i].want,
			     "kernel version -> variant");
	CHECK(strstr(ft_variant_list(), "prefix") && strstr(ft_variant_list(), "upstream"),
	      "the list of names: %s", ft_variant_list());
}

static void test_lockflags(void)
{
	/* fs/xfs/xfs_inode.h (5.10 .. 6.12): XFS_IOLOCK_EXCL (1u << 0),
	 * XFS_IOLOCK_SHARED (1u << 1), XFS_ILOCK_EXCL (1u << 2),
	 * XFS_ILOCK_SHARED (1u << 3), XFS_MMAPLOCK_EXCL (1u << 4),
	 * XFS_MMAPLOCK_SHARED (1u << 5) */
	CHECK_EQ_INT(ft_lockflags_parse("IOLOCK_EXCL"), 0x01, "IOLOCK_EXCL");
	CHECK_EQ_INT(ft_lockflags_parse("IOLOCK_SHARED"), 0x02, "IOLOCK_SHARED");
	CHECK_EQ_INT(ft_lockflags_parse("ILOCK_SHARED"), 0x08, "ILOCK_SHARED");
	CHECK_EQ_INT(ft_lockflags_parse("MMAPLOCK_EXCL"), 0x10, "MMAPLOCK_EXCL is not ILOCK_EXCL");
	CHECK_EQ_INT(ft_lockflags_parse("IOLOCK_EXCL|MMAPLOCK_EXCL"), 0x11, "a pair");
	CHECK_EQ_INT(ft_lockflags_parse("xfs_ilock(ILOCK_EXCL)"), 0x04, "inside a step's item");
	CHECK_EQ_INT(ft_lockflags_parse("MMAPLOCK_SHARED|ILOCK_EXCL"), 0x24, "two classes");
	CHECK_EQ_INT(ft_lockflags_parse("XILOCK_EXCLX"), 0, "not a word");
	CHECK_EQ_INT(ft_lockflags_of(FT_LOCK_IOLOCK, 0), 0x03, "IOLOCK's bits");
	CHECK_EQ_INT(ft_lockflags_of(FT_LOCK_ILOCK, FT_LOCK_EXCL), 0x04, "ILOCK exclusive");
	CHECK_EQ_INT(ft_lockflags_of(FT_LOCK_MMAPLOCK, FT_LOCK_SHARED), 0x20, "MMAPLOCK shared");
	CHECK(!strcmp(ft_lock_class_name(FT_LOCK_MMAPLOCK), "MMAPLOCK"), "class name");
}

static void test_aliases(void)
{
	/* 5.10's names of what 6.x calls otherwise */
	CHECK(!strcmp(ft_event_canonical("writeback_dirty_page"), "writeback_dirty_folio"),
	      "writeback_dirty_page");
	CHECK(!strcmp(ft_event_canonical("iomap_apply"), "iomap_iter"), "iomap_apply");
	CHECK(!strcmp(ft_event_canonical("iomap_invalidatepage"), "iomap_invalidate_folio"),
	      "iomap_invalidatepage");
	CHECK(!strcmp(ft_event_canonical("xfs_iomap_found"), "xfs_iomap_found"),
	      "a name the same everywhere is itself");
	for (int i = 0; i < ft_naliases; i++)
		CHECK(strcmp(ft_aliases[i].name, ft_aliases[i].canonical) &&
		      !strcmp(ft_event_canonical(ft_aliases[i].canonical), ft_aliases[i].canonical),
		      "alias %s: one step to a canonical name", ft_aliases[i].name);
}

/*
 * Every race family: a unique name the front ends can filter on, its
 * commits as abbreviated hashes (the kernel's 12 hex digits), the variants
 * that have it (some), every field for humans filled in, and the document
 * that explains it present in the tree (FT_ROOT, set by tests/run.sh).
 */
static void test_families(void)
{
	const char *root = getenv("FT_ROOT");

	for (int f = 0; f < FT_FAMILY__COUNT; f++) {
		const struct ft_family_row *r = &ft_families[f];
		char path[512];
		int hex = 1;

		CHECK(r->name && r->name[0] && !strchr(r->name, ' '), "family %d has a name", f);
		CHECK(ft_family_find(r->name) == f && !strcmp(ft_family_name(f), r->name),
		      "family %s is found by its name", r->name);
		CHECK(strstr(ft_family_list(), r->name) != NULL, "family %s is in the list",
		      r->name);
		for (const char *c = r->commits; *c; c++)
			if (!(isxdigit((unsigned char)*c) || *c == ' '))
				hex = 0;
		CHECK(hex && (!*r->commits || strlen(r->commits) >= 12),
		      "family %s: commits '%s' are hashes", r->name, r->commits);
		CHECK(r->affected && !(r->affected >> FT_VARIANT__COUNT),
		      "family %s has affected variants, all known", r->name);
		CHECK(r->title && strlen(r->title) > 20 && r->opens && strlen(r->opens) > 10 &&
		      r->closes && strlen(r->closes) > 5 && r->invariant && strlen(r->invariant) > 20 &&
		      r->rules && strlen(r->rules) > 20, "family %s: every field for humans", r->name);
		snprintf(path, sizeof(path), "%s/%s", root ? root : ".", r->doc ? r->doc : "");
		CHECK(r->doc && access(path, R_OK) == 0, "family %s: its document %s exists",
		      r->name, r->doc ? r->doc : "(none)");
	}
	CHECK(ft_family_find("no_such_family") == -1 && ft_family_find(NULL) == -1 &&
	      !strcmp(ft_family_name(FT_FAMILY__COUNT), "?"), "no family by another name");
}

int main(void)
{
	test_verdicts();
	test_families();
	test_variants();
	test_versions();
	test_lockflags();
	test_aliases();
	return tap_done();
}
