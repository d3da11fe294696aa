/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scenfile.c - scenario files (see scenfile.h; the format reference is in
 * replay/README.md, "Scenario files").
 *
 * Design
 *   The file is untrusted text: every line is read whole by getc into a
 *   fixed buffer (a longer line, a NUL byte, a control character or a byte
 *   that is not UTF-8 is an error naming the line, never a crash or a
 *   silent cut), split into blank-separated tokens, and each key's values
 *   are parsed with overflow-checked decimal parsing and range checks.
 *   Keys come in any order, so what depends on the window (ranges, the
 *   extent map, free blocks, the schedule's letters) is checked after the
 *   last line, each error still naming the line it is about.  Last, the
 *   model is built once through scenario_build() (the same path the run
 *   takes), so a file that loads is a scenario the model accepts.
 *   Presets are stored extents first, then folios, each in file order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenfile.h"

#define PAGE_LIMIT	(1ull << 52)	/* page indices of a 64-bit file offset, 4 KiB pages */
#define FREE_LIMIT	(1u << 20)	/* model_new's bound */
#define MAX_TOKENS	8
#define DEFAULT_INO	131

enum key { K_NAME, K_SUMMARY, K_MODELS, K_SCHEDULE, K_INO, K_BASE, K_PAGES, K_ISIZE, K_FREE,
	   K_EXTENT, K_FOLIO, K_TASK, K_KERNEL, K__COUNT };

static const char *const key_names[K__COUNT] = {
	"name", "summary", "models", "schedule", "ino", "base", "pages", "isize", "free",
	"extent", "folio", "task", "kernel",
};

static const char *const ext_names[] = { "hole", "delalloc", "unwritten", "real" };

struct preset_line {
	uint64_t first, last;
	int type;		/* extent: enum model_ext_type; folio: 1 dirty, 0 clean */
	unsigned line;
};

struct parse {
	unsigned line;			/* current line */
	unsigned *errline;
	char *err;
	size_t errlen;
	unsigned key_line[K__COUNT];	/* last line of each single-valued key, 0: none */
	uint64_t ino, base, pages, isize, free_blocks;
	unsigned task_line[MODEL_MAX_TASKS];
	struct preset_line ext[MODEL_MAX_PAGES], fol[MODEL_MAX_PAGES];
	unsigned next, nfol;
};

static int fail(struct parse *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parse *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	*p->errline = line;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A token of the file as printable ASCII for a message, cut at 40 bytes. */
static const char *quote(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; s[i] && o + 8 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == 40) {
			o += (size_t)snprintf(buf + o, len - o, "...");
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	buf[o] = '\0';
	return buf;
}

/*
 * One UTF-8 character at s[0..n): its length with *cp, or 0 when it is not
 * a valid shortest-form character of at most U+10FFFF and not a surrogate.
 * (replay/ depends on nothing: not core/termsafe.c's twin.)
 */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint32_t c;

	if (!len || s[0] >= 0xf8 || len > n)
		return 0;
	c = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* C1 controls and the bidirectional-text controls a terminal acts on. */
static int cp_control(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x61c || c == 0x200e || c == 0x200f ||
	       (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* Decimal, no sign, no blanks: 0, -1 not a number, -2 above max. */
static int number(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -2;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -2;
	*out = v;
	return 0;
}

static int get_number(struct parse *p, const char *what, const char *s, uint64_t min,
		      uint64_t max, uint64_t *out)
{
	char q[200];
	int r = number(s, max, out);

	if (r == -1)
		return fail(p, p->line, "%s: '%s' is not a number (decimal digits only)", what,
			    quote(s, q, sizeof(q)));
	if (r == -2 || *out < min)
		return fail(p, p->line, "%s: %s is out of range %llu..%llu", what,
			    quote(s, q, sizeof(q)), (unsigned long long)min,
			    (unsigned long long)max);
	return 0;
}

/* "A" or "A-B", absolute page indices. */
static int get_range(struct parse *p, const char *what, const char *s, uint64_t *first,
		     uint64_t *last)
{
	char buf[64], q[200];
	const char *dash = strchr(s, '-');

	if (!dash)
		return get_number(p, what, s, 0, PAGE_LIMIT - 1, first) < 0 ? -EINVAL :
		       (*last = *first, 0);
	if ((size_t)(dash - s) >= sizeof(buf) || dash == s || !dash[1] ||
	    strspn(s, "0123456789-") != strlen(s) || strchr(dash + 1, '-'))
		return fail(p, p->line, "%s: '%s' is not a page range (N or N-M)", what,
			    quote(s, q, sizeof(q)));
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	if (get_number(p, what, buf, 0, PAGE_LIMIT - 1, first) < 0 ||
	    get_number(p, what, dash + 1, 0, PAGE_LIMIT - 1, last) < 0)
		return -EINVAL;
	if (*last < *first)
		return fail(p, p->line, "%s: range %s ends before it starts", what,
			    quote(s, q, sizeof(q)));
	return 0;
}

/*
 * Reads one line into buf (NUL-terminated, newline and a trailing CR
 * removed).  Returns 1, 0 at the end of the file, or an error (set).
 */
static int read_line(FILE *f, struct parse *p, char *buf)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (n == SCENFILE_LINE_MAX)
			return fail(p, p->line, "line longer than %d bytes", SCENFILE_LINE_MAX);
		if (c == '\0')
			return fail(p, p->line, "NUL byte in column %zu (not a text file?)", n + 1);
		buf[n++] = (char)c;
	}
	if (ferror(f)) {
		int e = errno ? errno : EIO;

		fail(p, 0, "read error: %s", strerror(e));
		return -e;
	}
	if (c == EOF && n == 0)
		return 0;
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	for (size_t i = 0; i < n; ) {
		unsigned char b = (unsigned char)buf[i];
		uint32_t cp;
		size_t l;

		if (b == '\t' || (b >= 0x20 && b < 0x7f)) {
			i++;
			continue;
		}
		if (b < 0x80)
			return fail(p, p->line, "control character 0x%02x in column %zu", b, i + 1);
		l = utf8_next((const unsigned char *)buf + i, n - i, &cp);
		if (!l)
			return fail(p, p->line, "byte 0x%02x in column %zu is not UTF-8 text", b,
				    i + 1);
		if (cp_control(cp))
			return fail(p, p->line, "control character U+%04X in column %zu",
				    (unsigned)cp, i + 1);
		i += l;
	}
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Cuts a comment ('#' first or after a blank) and trailing blanks. */
static void strip(char *s)
{
	size_t n;

	for (char *c = s; *c; c++)
		if (*c == '#' && (c == s || is_blank(c[-1]))) {
			*c = '\0';
			break;
		}
	n = strlen(s);
	while (n && is_blank(s[n - 1]))
		s[--n] = '\0';
}

static int once(struct parse *p, enum key k)
{
	if (p->key_line[k])
		return fail(p, p->line, "duplicate '%s' (first at line %u)", key_names[k],
			    p->key_line[k]);
	p->key_line[k] = p->line;
	return 0;
}

static int want_values(struct parse *p, enum key k, int ntok, int min, int max,
		       const char *usage)
{
	if (ntok - 1 < min || ntok - 1 > max)
		return fail(p, p->line, "'%s' wants %s, not %d value%s", key_names[k], usage,
			    ntok - 1, ntok == 2 ? "" : "s");
	return 0;
}

static int parse_models(struct parse *p, struct scenfile *sf, char **tok, int ntok)
{
	char q[200];

	if (want_values(p, K_MODELS, ntok, 1, MAX_TOKENS - 1,
			"one or more of prefix, fix, v6.2, upstream, or all") < 0)
		return -EINVAL;
	for (int i = 1; i < ntok; i++) {
		int v = model_variant_find(tok[i]);

		if (!strcmp(tok[i], "all")) {
			if (ntok != 2)
				return fail(p, p->line, "models: 'all' stands alone");
			sf->models = (1u << model_variant_count(0)) - 1;
			continue;
		}
		if (v < 0 || v >= model_variant_count(0))
			return fail(p, p->line, "models: unknown model '%s' (prefix, fix, v6.2, "
				    "upstream, all)", quote(tok[i], q, sizeof(q)));
		if (sf->models & (1u << v))
			return fail(p, p->line, "models: '%s' listed twice", tok[i]);
		sf->models |= 1u << v;
	}
	return 0;
}

static int parse_task(struct parse *p, struct scenfile *sf, char **tok, int ntok)
{
	struct scenario *sc = &sf->sc;
	struct model_task_desc *d;
	uint64_t first, last, copied = 0;
	char q[200];
	int kind = -1;

	if (ntok < 4 || ntok > 6 || ntok == 5)
		return fail(p, p->line, "'task' wants LETTER KIND PAGES [copied BYTES], e.g. "
			    "'task W write 0-3 copied 4096'");
	if (sc->ntasks == MODEL_MAX_TASKS)
		return fail(p, p->line, "too many tasks: the model takes at most %d",
			    MODEL_MAX_TASKS);
	if (strlen(tok[1]) != 1 || tok[1][0] < 'A' || tok[1][0] > 'Z')
		return fail(p, p->line, "task: letter '%s' is not one of A..Z",
			    quote(tok[1], q, sizeof(q)));
	for (unsigned i = 0; i < sc->ntasks; i++)
		if (sc->task[i].letter == tok[1][0])
			return fail(p, p->line, "task: letter %c already used at line %u",
				    tok[1][0], p->task_line[i]);
	for (int k = 0; k < MODEL_TASK_KINDS; k++)
		if (!strcmp(tok[2], model_task_kind_name(k)))
			kind = k;
	if (kind < 0) {
		char kinds[160] = "";

		for (int k = 0; k < MODEL_TASK_KINDS; k++)
			snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s%s",
				 k ? ", " : "", model_task_kind_name(k));
		return fail(p, p->line, "task %c: unknown kind '%s' (%s)", tok[1][0],
			    quote(tok[2], q, sizeof(q)), kinds);
	}
	if (kind == MODEL_TASK_TRUNCATE) {
		if (get_number(p, "task: truncate size", tok[3], 0, PAGE_LIMIT, &first) < 0)
			return -EINVAL;
		last = first;
	} else if (get_range(p, "task: pages", tok[3], &first, &last) < 0) {
		return -EINVAL;
	}
	if (ntok == 6) {
		if (kind != MODEL_TASK_WRITE || strcmp(tok[4], "copied"))
			return fail(p, p->line, "task %c: '%s' after the pages: only a write takes "
				    "'copied BYTES'", tok[1][0], quote(tok[4], q, sizeof(q)));
		if (get_number(p, "task: copied bytes", tok[5], 0, (last - first + 1) * 4096,
			       &copied) < 0)
			return -EINVAL;
	}
	p->task_line[sc->ntasks] = p->line;
	d = &sc->task[sc->ntasks++];
	*d = (struct model_task_desc){ .kind = (enum model_task_kind)kind, .letter = tok[1][0],
				       .index = first,
				       .npages = kind == MODEL_TASK_TRUNCATE ? 0 :
						 (unsigned)(last - first + 1),
				       .copied_bytes = copied };
	return 0;
}

static int parse_preset(struct parse *p, enum key k, char **tok, int ntok)
{
	struct preset_line *pl;
	char q[200];
	int type = -1;

	if (k == K_EXTENT) {
		if (want_values(p, k, ntok, 2, 2, "PAGES TYPE (hole, delalloc, unwritten, real)") < 0)
			return -EINVAL;
		if (p->next == MODEL_MAX_PAGES)
			return fail(p, p->line, "too many 'extent' lines (at most %d, one per page)",
				    MODEL_MAX_PAGES);
		for (int i = 0; i < 4; i++)
			if (!strcmp(tok[2], ext_names[i]))
				type = i;
		if (type < 0)
			return fail(p, p->line, "extent: unknown type '%s' (hole, delalloc, "
				    "unwritten, real)", quote(tok[2], q, sizeof(q)));
		pl = &p->ext[p->next++];
	} else {
		if (want_values(p, k, ntok, 2, 2, "PAGES STATE (clean, dirty)") < 0)
			return -EINVAL;
		if (p->nfol == MODEL_MAX_PAGES)
			return fail(p, p->line, "too many 'folio' lines (at most %d, one per page)",
				    MODEL_MAX_PAGES);
		if (!strcmp(tok[2], "clean") || !strcmp(tok[2], "dirty"))
			type = !strcmp(tok[2], "dirty");
		else
			return fail(p, p->line, "folio: unknown state '%s' (clean, dirty)",
				    quote(tok[2], q, sizeof(q)));
		pl = &p->fol[p->nfol++];
	}
	pl->type = type;
	pl->line = p->line;
	return get_range(p, key_names[k], tok[1], &pl->first, &pl->last);
}

static int parse_line(struct parse *p, struct scenfile *sf, char *s)
{
	char *tok[MAX_TOKENS + 1], *rest, q[200];
	int ntok = 0, k;
	uint64_t *num = NULL, min = 0, max = 0;

	strip(s);
	while (is_blank(*s))
		s++;
	if (!*s)
		return 0;
	/* the text after the key, for summary and schedule */
	rest = s;
	while (*rest && !is_blank(*rest))
		rest++;
	while (is_blank(*rest))
		rest++;
	for (k = 0; k < K__COUNT; k++) {
		size_t l = strlen(key_names[k]);

		if (!strncmp(s, key_names[k], l) && (!s[l] || is_blank(s[l])))
			break;
	}
	if (k == K__COUNT) {
		char key[64];
		size_t l = strcspn(s, " \t");

		snprintf(key, sizeof(key), "%.*s", (int)(l < 50 ? l : 50), s);
		return fail(p, p->line, "unknown key '%s' (name, summary, models, kernel, schedule, "
			    "ino, base, pages, isize, free, extent, folio, task)",
			    quote(key, q, sizeof(q)));
	}
	if (k == K_SUMMARY || k == K_SCHEDULE) {
		if (once(p, k) < 0)
			return -EINVAL;
		if (!*rest)
			return fail(p, p->line, "'%s' wants a value", key_names[k]);
		if (k == K_SUMMARY) {
			snprintf(sf->summary, sizeof(sf->summary), "%s", rest);
			return 0;
		}
		for (const char *c = rest; *c; c++)
			if (!(*c >= 'A' && *c <= 'Z') && !(*c >= '0' && *c <= '9') && *c != ',' &&
			    !is_blank(*c))
				return fail(p, p->line, "schedule: '%s' is not a task letter, a repeat "
					    "count or a comma (e.g. W6,F8,W2)", quote((char[]){ *c, 0 },
					    q, sizeof(q)));
		snprintf(sf->schedule, sizeof(sf->schedule), "%s", rest);
		for (char *c = sf->schedule; *c; c++)	/* model_schedule_parse: ' ' and ',' */
			if (*c == '\t')
				*c = ' ';
		return 0;
	}
	for (char *c = s; *c && ntok <= MAX_TOKENS; ) {
		tok[ntok++] = c;
		while (*c && !is_blank(*c))
			c++;
		if (*c)
			*c++ = '\0';
		while (is_blank(*c))
			c++;
	}
	if (ntok > MAX_TOKENS)
		return fail(p, p->line, "'%s': too many values", key_names[k]);
	switch (k) {
	case K_NAME:
		if (once(p, k) < 0 || want_values(p, k, ntok, 1, 1, "one value") < 0)
			return -EINVAL;
		if (strlen(tok[1]) > SCENFILE_NAME_MAX ||
		    strspn(tok[1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789._-") != strlen(tok[1]))
			return fail(p, p->line, "name: '%s' is not 1..%d letters, digits, '.', '_' "
				    "or '-'", quote(tok[1], q, sizeof(q)), SCENFILE_NAME_MAX);
		snprintf(sf->name, sizeof(sf->name), "%s", tok[1]);
		return 0;
	case K_MODELS:
		return once(p, k) < 0 ? -EINVAL : parse_models(p, sf, tok, ntok);
	case K_KERNEL:
		if (once(p, k) < 0 || want_values(p, k, ntok, 1, 1, "one kernel") < 0)
			return -EINVAL;
		if (model_kernel_find(tok[1]) < 0) {
			char kernels[64] = "";

			for (int i = 0; i < model_kernel_count(); i++)
				snprintf(kernels + strlen(kernels), sizeof(kernels) - strlen(kernels),
					 "%s%s", i ? ", " : "", model_kernel_name(i));
			return fail(p, p->line, "kernel: unknown kernel '%s' (%s)",
				    quote(tok[1], q, sizeof(q)), kernels);
		}
		snprintf(sf->kernel, sizeof(sf->kernel), "%s", tok[1]);
		return 0;
	case K_TASK:
		return parse_task(p, sf, tok, ntok);
	case K_EXTENT:
	case K_FOLIO:
		return parse_preset(p, k, tok, ntok);
	case K_INO: num = &p->ino; min = 1; max = UINT64_MAX; break;
	case K_BASE: num = &p->base; max = PAGE_LIMIT - 1; break;
	case K_PAGES: num = &p->pages; min = 1; max = MODEL_MAX_PAGES; break;
	case K_ISIZE: num = &p->isize; max = MODEL_MAX_PAGES; break;
	case K_FREE: num = &p->free_blocks; max = FREE_LIMIT; break;
	default: break;
	}
	if (once(p, k) < 0 || want_values(p, k, ntok, 1, 1, "one number") < 0)
		return -EINVAL;
	return get_number(p, key_names[k], tok[1], min, max, num);
}

/* Checks what depends on the window, fills sc, builds the model once. */
static int finish(struct parse *p, struct scenfile *sf)
{
	struct scenario *sc = &sf->sc;
	uint64_t end = p->base + p->pages;
	unsigned owner[MODEL_MAX_PAGES] = { 0 }, fowner[MODEL_MAX_PAGES] = { 0 };
	int mapped[MODEL_MAX_PAGES] = { 0 };
	uint64_t used = 0;
	struct model *m;
	uint8_t sched[MODEL_MAX_RUN];
	size_t n;
	char err[200];

	if (!p->key_line[K_PAGES])
		return fail(p, 0, "no 'pages' line (the window's size, 1..%d pages)",
			    MODEL_MAX_PAGES);
	if (end > PAGE_LIMIT)
		return fail(p, p->key_line[K_BASE], "base: the window's last page %llu is beyond "
			    "a 64-bit file offset", (unsigned long long)(end - 1));
	if (!p->key_line[K_ISIZE])
		p->isize = p->pages;
	else if (p->isize > p->pages)
		return fail(p, p->key_line[K_ISIZE], "isize %llu is beyond the window's %llu pages",
			    (unsigned long long)p->isize, (unsigned long long)p->pages);
	if (!sc->ntasks)
		return fail(p, 0, "no 'task' line (at least one task)");
	for (unsigned i = 0; i < sc->ntasks; i++) {
		struct model_task_desc *d = &sc->task[i];
		uint64_t last = d->index + (d->npages ? d->npages - 1 : 0);

		d->ino = p->ino;
		if (d->kind == MODEL_TASK_TRUNCATE && (d->index < p->base || d->index > end))
			return fail(p, p->task_line[i], "task %c: truncate size %llu outside the "
				    "window (%llu..%llu)", d->letter, (unsigned long long)d->index,
				    (unsigned long long)p->base, (unsigned long long)end);
		if (d->kind != MODEL_TASK_TRUNCATE && (d->index < p->base || last >= end))
			return fail(p, p->task_line[i], "task %c: pages %llu-%llu outside the window "
				    "(pages %llu-%llu)", d->letter, (unsigned long long)d->index,
				    (unsigned long long)last, (unsigned long long)p->base,
				    (unsigned long long)(end - 1));
	}
	sc->npresets = 0;
	for (unsigned i = 0; i < p->next + p->nfol; i++) {
		struct preset_line *pl = i < p->next ? &p->ext[i] : &p->fol[i - p->next];
		const char *what = i < p->next ? "extent" : "folio";

		if (pl->first < p->base || pl->last >= end)
			return fail(p, pl->line, "%s: pages %llu-%llu outside the window (pages "
				    "%llu-%llu)", what, (unsigned long long)pl->first,
				    (unsigned long long)pl->last, (unsigned long long)p->base,
				    (unsigned long long)(end - 1));
		for (uint64_t pg = pl->first; pg <= pl->last; pg++) {
			unsigned r = (unsigned)(pg - p->base);

			if (i < p->next) {
				if (owner[r])
					return fail(p, pl->line, "extent: page %llu already has an "
						    "extent (line %u)", (unsigned long long)pg,
						    owner[r]);
				owner[r] = pl->line;
				mapped[r] = pl->type != MODEL_EXT_HOLE;
				if (mapped[r] && ++used > p->free_blocks)
					return fail(p, pl->line, "extent: no free block left for "
						    "page %llu (free %llu)", (unsigned long long)pg,
						    (unsigned long long)p->free_blocks);
			} else {
				if (fowner[r])
					return fail(p, pl->line, "folio: page %llu already preset "
						    "(line %u)", (unsigned long long)pg, fowner[r]);
				fowner[r] = pl->line;
				if (pl->type && !mapped[r])
					return fail(p, pl->line, "folio: dirty page %llu has no "
						    "delalloc, unwritten or real extent under it (it "
						    "would start unbacked)", (unsigned long long)pg);
			}
		}
		sc->preset[sc->npresets++] = (struct scenario_preset){
			.index = pl->first, .npages = (unsigned)(pl->last - pl->first + 1),
			.ext = i < p->next ? pl->type : -1, .dirty = i < p->next ? 0 : pl->type };
	}
	sc->name = sf->name;
	sc->summary = sf->summary;
	sc->ino = p->ino;
	sc->base_index = p->base;
	sc->npages = (unsigned)p->pages;
	sc->isize_pages = (unsigned)p->isize;
	sc->free_blocks = (unsigned)p->free_blocks;
	sc->kernel = sf->kernel[0] ? sf->kernel : NULL;
	if (!p->key_line[K_SCHEDULE])	/* the first task, then the lowest runnable */
		snprintf(sf->schedule, sizeof(sf->schedule), "%c", sc->task[0].letter);
	sc->schedule = sf->schedule;
	if (scenario_build(sc, model_variant_name(0), &m) < 0)
		return fail(p, 0, "the model does not take this scenario");
	if (model_schedule_parse(m, sf->schedule, sched, MODEL_MAX_RUN, &n, err, sizeof(err)) < 0) {
		model_free(m);
		return fail(p, p->key_line[K_SCHEDULE], "%s", err);
	}
	model_free(m);
	return 0;
}

int scenfile_read(FILE *f, const char *path, struct scenfile *sf, unsigned *line, char *err,
		  size_t errlen)
{
	struct parse *p = calloc(1, sizeof(*p));
	char *buf = malloc(SCENFILE_LINE_MAX + 1);
	int ret;

	*line = 0;
	memset(sf, 0, sizeof(*sf));
	if (!p || !buf) {
		free(p);
		free(buf);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*p = (struct parse){ .errline = line, .err = err, .errlen = errlen,
			     .ino = DEFAULT_INO, .free_blocks = 64 };
	if (path) {	/* the default name: the file's base name without .scn */
		const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		size_t l = strlen(b);

		if (l > 4 && !strcmp(b + l - 4, ".scn"))
			l -= 4;
		if (l && l <= SCENFILE_NAME_MAX && strspn(b, "abcdefghijklmnopqrstuvwxyz"
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") >= l)
			snprintf(sf->name, sizeof(sf->name), "%.*s", (int)l, b);
	}
	if (!sf->name[0])
		snprintf(sf->name, sizeof(sf->name), "scenario");
	for (;;) {
		p->line++;
		ret = read_line(f, p, buf);
		if (ret <= 0)
			break;
		if ((ret = parse_line(p, sf, buf)) < 0)
			break;
	}
	if (!ret)
		ret = finish(p, sf);
	free(buf);
	free(p);
	return ret;
}

int scenfile_load(const char *path, struct scenfile *sf, unsigned *line, char *err,
		  size_t errlen)
{
	FILE *f = fopen(path, "r");
	int ret;

	*line = 0;
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return ret;
	}
	ret = scenfile_read(f, path, sf, line, err, errlen);
	fclose(f);
	return ret;
}
