/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * normalize.c - the table from kernel events to normalized events.
 *
 * Adding an event (or an alias of an event on another kernel version):
 * add one row to rules[] below, naming the fields that fill columns and
 * the transform each needs.  Fields a kernel lacks are skipped; the first
 * field of a row that sets a column wins, so an old name can be listed
 * before a new one.  Nothing else changes.
 */
#include "normalize.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/kinds.h"

enum xform {
	X_END = 0,
	X_RAW,		/* value as is */
	X_BYTES,	/* byte offset: sets the column and findex = off >> page shift */
	X_PAGES,	/* page index: sets findex and offset = idx << page shift */
	X_XFSLOCK,	/* XFS lock_flags: lock_class, lock_mode, flags */
	X_CALLER,	/* kernel text address: caller (symbol id) + caller_off */
	X_BDI,		/* "major:minor" text: dev */
	X_WFAULT,	/* 5.10 xfs_filemap_fault write_fault: kind + flags */
	X_CONTEND,	/* lock:contention_begin flags: class, mode, flags */
	X_TYPEHI,	/* iomap mapping type: flags |= type << 16 */
};

struct rule_field {
	const char *name;
	enum ft_col col;
	enum xform x;
};

#define MAX_RULE_FIELDS 10

struct rule {
	const char *system;
	const char *event;
	enum ft_kind kind;
	struct rule_field f[MAX_RULE_FIELDS];
};

#define F(n, c, x) { n, FT_C_##c, x }
#define DEV_INO F("dev", DEV, X_RAW), F("ino", INO, X_RAW)
#define IOMAP_MAP DEV_INO, F("offset", OFFSET, X_BYTES), F("count", LENGTH, X_RAW), \
	F("startoff", EXT_OFF, X_RAW), F("blockcount", EXT_LEN, X_RAW), \
	F("startblock", EXT_BLOCK, X_RAW), F("whichfork", FLAGS, X_RAW)
#define XLOCK DEV_INO, F("lock_flags", LOCK_CLASS, X_XFSLOCK), F("caller_ip", CALLER, X_CALLER)
#define IEXT DEV_INO, F("startoff", EXT_OFF, X_RAW), F("blockcount", EXT_LEN, X_RAW), \
	F("startblock", EXT_BLOCK, X_RAW), F("bmap_state", FLAGS, X_RAW), \
	F("caller_ip", CALLER, X_CALLER)
#define STALE DEV_INO, F("pos", OFFSET, X_BYTES), F("len", LENGTH, X_RAW), \
	F("flags", FLAGS, X_RAW), F("type", FLAGS, X_TYPEHI)
#define FOLIO_RANGE DEV_INO, F("pgoff", OFFSET, X_BYTES), F("offset", OFFSET, X_BYTES), \
	F("length", LENGTH, X_RAW)
#define PCACHE F("s_dev", DEV, X_RAW), F("i_ino", INO, X_RAW), F("index", FINDEX, X_PAGES), \
	F("order", FORDER, X_RAW), F("pfn", ADDR, X_RAW)
#define DIRTY F("name", DEV, X_BDI), F("ino", INO, X_RAW), F("index", FINDEX, X_PAGES)
#define ITER DEV_INO, F("pos", OFFSET, X_BYTES), F("length", LENGTH, X_RAW), \
	F("flags", FLAGS, X_RAW), F("caller", CALLER, X_CALLER)
#define MAP DEV_INO, F("offset", OFFSET, X_BYTES), F("length", LENGTH, X_RAW), \
	F("flags", FLAGS, X_RAW), F("type", FLAGS, X_TYPEHI), F("addr", ADDR, X_RAW)
#define WAKE F("pid", PEER_PID, X_RAW), F("target_cpu", FLAGS, X_RAW)

static const struct rule rules[] = {
	{ "xfs", "xfs_file_buffered_write", FT_K_BUFFERED_WRITE,
	  { DEV_INO, F("offset", OFFSET, X_BYTES), F("count", LENGTH, X_RAW) } },
	{ "xfs", "xfs_iomap_alloc", FT_K_IOMAP_ALLOC, { IOMAP_MAP } },
	{ "xfs", "xfs_iomap_found", FT_K_IOMAP_FOUND, { IOMAP_MAP } },
	{ "xfs", "xfs_iomap_invalid", FT_K_IOMAP_INVALID, { STALE } },
	{ "xfs", "xfs_ilock", FT_K_ILOCK, { XLOCK } },
	{ "xfs", "xfs_ilock_nowait", FT_K_ILOCK_NOWAIT, { XLOCK } },
	{ "xfs", "xfs_iunlock", FT_K_IUNLOCK, { XLOCK } },
	{ "xfs", "xfs_bunmap", FT_K_BUNMAP,
	  { DEV_INO, F("fileoff", EXT_OFF, X_RAW), F("len", EXT_LEN, X_RAW),
	    F("flags", FLAGS, X_RAW), F("caller_ip", CALLER, X_CALLER) } },
	{ "xfs", "xfs_iext_insert", FT_K_IEXT_INSERT, { IEXT } },
	{ "xfs", "xfs_iext_remove", FT_K_IEXT_REMOVE, { IEXT } },
	{ "xfs", "xfs_bmap_pre_update", FT_K_BMAP_PRE_UPDATE, { IEXT } },
	{ "xfs", "xfs_bmap_post_update", FT_K_BMAP_POST_UPDATE, { IEXT } },
	{ "xfs", "xfs_write_fault", FT_K_WRITE_FAULT, { DEV_INO, F("order", FORDER, X_RAW) } },
	{ "xfs", "xfs_read_fault", FT_K_READ_FAULT, { DEV_INO, F("order", FORDER, X_RAW) } },
	{ "xfs", "xfs_filemap_fault", FT_K_READ_FAULT,
	  { DEV_INO, F("write_fault", FLAGS, X_WFAULT) } },
	{ "xfs", "xfs_map_blocks_found", FT_K_MAP_BLOCKS_FOUND, { IOMAP_MAP } },
	{ "xfs", "xfs_map_blocks_alloc", FT_K_MAP_BLOCKS_ALLOC, { IOMAP_MAP } },
	{ "xfs", "xfs_wb_data_iomap_invalid", FT_K_WB_IOMAP_INVALID, { STALE } },
	{ "xfs", "xfs_wb_cow_iomap_invalid", FT_K_WB_IOMAP_INVALID, { STALE } },
	{ "xfs", "xfs_delalloc_enospc", FT_K_DELALLOC_ENOSPC,
	  { DEV_INO, F("offset", OFFSET, X_BYTES), F("count", LENGTH, X_RAW) } },
	{ "filemap", "mm_filemap_add_to_page_cache", FT_K_PAGE_ADD, { PCACHE } },
	{ "filemap", "mm_filemap_delete_from_page_cache", FT_K_PAGE_DELETE, { PCACHE } },
	{ "filemap", "mm_filemap_fault", FT_K_FILEMAP_FAULT,
	  { F("s_dev", DEV, X_RAW), F("i_ino", INO, X_RAW), F("index", FINDEX, X_PAGES) } },
	{ "writeback", "writeback_dirty_folio", FT_K_DIRTY, { DIRTY } },
	{ "writeback", "writeback_dirty_page", FT_K_DIRTY, { DIRTY } },
	{ "iomap", "iomap_iter", FT_K_IOMAP_ITER, { ITER } },
	{ "iomap", "iomap_apply", FT_K_IOMAP_ITER, { ITER } },
	{ "iomap", "iomap_iter_dstmap", FT_K_IOMAP_DSTMAP, { MAP } },
	{ "iomap", "iomap_apply_dstmap", FT_K_IOMAP_DSTMAP, { MAP } },
	{ "iomap", "iomap_iter_srcmap", FT_K_IOMAP_SRCMAP, { MAP } },
	{ "iomap", "iomap_apply_srcmap", FT_K_IOMAP_SRCMAP, { MAP } },
	{ "iomap", "iomap_writeback_folio", FT_K_WRITEBACK_FOLIO, { FOLIO_RANGE } },
	{ "iomap", "iomap_writepage", FT_K_WRITEBACK_FOLIO, { FOLIO_RANGE } },
	{ "iomap", "iomap_invalidate_folio", FT_K_INVALIDATE_FOLIO, { FOLIO_RANGE } },
	{ "iomap", "iomap_invalidatepage", FT_K_INVALIDATE_FOLIO, { FOLIO_RANGE } },
	{ "iomap", "iomap_release_folio", FT_K_RELEASE_FOLIO, { FOLIO_RANGE } },
	{ "iomap", "iomap_releasepage", FT_K_RELEASE_FOLIO, { FOLIO_RANGE } },
	{ "iomap", "iomap_add_to_ioend", FT_K_ADD_TO_IOEND,
	  { DEV_INO, F("pos", OFFSET, X_BYTES), F("dirty_len", LENGTH, X_RAW),
	    F("flags", FLAGS, X_RAW), F("type", FLAGS, X_TYPEHI), F("addr", ADDR, X_RAW) } },
	{ "lock", "contention_begin", FT_K_CONTENTION_BEGIN,
	  { F("lock_addr", ADDR, X_RAW), F("flags", LOCK_CLASS, X_CONTEND) } },
	{ "lock", "contention_end", FT_K_CONTENTION_END,
	  { F("lock_addr", ADDR, X_RAW), F("ret", FLAGS, X_RAW) } },
	{ "sched", "sched_switch", FT_K_SCHED_SWITCH,
	  { F("next_pid", PEER_PID, X_RAW), F("prev_state", FLAGS, X_RAW) } },
	{ "sched", "sched_wakeup", FT_K_SCHED_WAKEUP, { WAKE } },
	{ "sched", "sched_wakeup_new", FT_K_SCHED_WAKEUP, { WAKE } },
	{ "sched", "sched_waking", FT_K_SCHED_WAKING, { WAKE } },
};

#define NRULES (sizeof(rules) / sizeof(rules[0]))

/* A rule field bound to a trace's layout. */
struct bound {
	int offset, size, is_signed;
	enum ft_col col;
	enum xform x;
};

struct ntype {
	struct tep_event *event;
	int kind;
	int nb;
	struct bound b[MAX_RULE_FIELDS];
};

/* The common fields' layout, the same for every event of every kernel:
 * u16 common_type at 0, int common_pid at 4 (records are >= 8 bytes). */
#define COMMON_TYPE_OFF	0
#define COMMON_PID_OFF	4

#define MAX_TYPES	65536
#define SYM_SLOTS	4096	/* caller address cache (open addressing) */

struct symslot {
	uint64_t addr;
	int64_t id, off;	/* id < 0: unresolved */
	int used;
};

struct norm {
	struct tep_handle *tep;
	norm_symbol_fn sym;
	void *sym_data;
	int page_shift;
	struct ntype *types[MAX_TYPES];
	struct symslot syms[SYM_SLOTS];
};

static const struct rule *find_rule(const char *system, const char *name)
{
	for (size_t i = 0; i < NRULES; i++)
		if (!strcmp(rules[i].event, name) && !strcmp(rules[i].system, system))
			return &rules[i];
	return NULL;
}

int norm_kind_of(const char *system, const char *name)
{
	const struct rule *r = find_rule(system, name);

	return r ? (int)r->kind : FT_K_OTHER;
}

int norm_known_events(const struct norm_name **names)
{
	static struct norm_name table[NRULES];

	for (size_t i = 0; i < NRULES; i++) {
		table[i].system = rules[i].system;
		table[i].name = rules[i].event;
	}
	*names = table;
	return (int)NRULES;
}

struct norm *norm_new(struct tep_handle *tep, norm_symbol_fn sym, void *sym_data)
{
	struct norm *n = calloc(1, sizeof(*n));
	int ps;

	if (!n)
		return NULL;
	n->tep = tep;
	n->sym = sym;
	n->sym_data = sym_data;
	ps = tep ? tep_get_page_size(tep) : 4096;
	n->page_shift = 12;
	if (ps > 0 && (ps & (ps - 1)) == 0)
		n->page_shift = __builtin_ctz((unsigned)ps);
	return n;
}

void norm_free(struct norm *n)
{
	if (!n)
		return;
	for (int i = 0; i < MAX_TYPES; i++)
		free(n->types[i]);
	free(n);
}

static struct ntype *bind_type(struct norm *n, int id)
{
	struct tep_event *event = tep_find_event(n->tep, id);
	const struct rule *r;
	struct ntype *t;

	if (!event)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->event = event;
	r = (event->system && event->name) ? find_rule(event->system, event->name) : NULL;
	t->kind = r ? (int)r->kind : FT_K_OTHER;
	for (int i = 0; r && i < MAX_RULE_FIELDS && r->f[i].name; i++) {
		struct tep_format_field *f = tep_find_field(event, r->f[i].name);

		if (!f || f->offset < 0 || f->size <= 0)
			continue;
		/* Numbers are 1..8 bytes; only the bdi name is read as text. */
		if (r->f[i].x != X_BDI && f->size > 8)
			continue;
		t->b[t->nb].offset = f->offset;
		t->b[t->nb].size = f->size;
		t->b[t->nb].is_signed = !!(f->flags & TEP_FIELD_IS_SIGNED);
		t->b[t->nb].col = r->f[i].col;
		t->b[t->nb].x = r->f[i].x;
		t->nb++;
	}
	n->types[id] = t;
	return t;
}

struct tep_event *norm_event_of(struct norm *n, uint32_t type)
{
	if (type >= MAX_TYPES)
		return NULL;
	if (!n->types[type] && !bind_type(n, (int)type))
		return NULL;
	return n->types[type]->event;
}

static uint64_t rd(struct norm *n, const uint8_t *p, int size)
{
	switch (size) {
	case 1: return *p;
	case 2: case 4: case 8:
		return n->tep ? tep_read_number(n->tep, p, size) : 0;
	default: {
		uint64_t v = 0;

		memcpy(&v, p, (size_t)(size < 8 ? size : 8));
		return v;
	}
	}
}

static void caller(struct norm *n, struct ft_event *ev, uint64_t addr)
{
	uint32_t h = (uint32_t)((addr * 0x9E3779B97F4A7C15ull) >> 52) % SYM_SLOTS;
	struct symslot *s = NULL;

	for (int probe = 0; probe < 16; probe++) {
		struct symslot *c = &n->syms[(h + probe) % SYM_SLOTS];

		if (c->used && c->addr == addr) {
			s = c;
			break;
		}
		if (!c->used) {
			const char *name = n->tep ? tep_find_function(n->tep, addr) : NULL;
			unsigned long long start = name ? tep_find_function_address(n->tep, addr) : 0;

			c->used = 1;
			c->addr = addr;
			c->id = (name && n->sym) ? n->sym(n->sym_data, name) : -1;
			c->off = (name && start <= addr) ? (int64_t)(addr - start) : 0;
			s = c;
			break;
		}
	}
	if (!s) {			/* cache full around h: resolve uncached */
		const char *name = n->tep ? tep_find_function(n->tep, addr) : NULL;

		if (name && n->sym) {
			ft_event_set(ev, FT_C_CALLER, n->sym(n->sym_data, name));
			ft_event_set(ev, FT_C_CALLER_OFF,
				     (int64_t)(addr - tep_find_function_address(n->tep, addr)));
		}
		return;
	}
	if (s->id >= 0) {
		ft_event_set(ev, FT_C_CALLER, s->id);
		ft_event_set(ev, FT_C_CALLER_OFF, s->off);
	}
}

static int parse_bdi(const uint8_t *p, int size, int64_t *dev)
{
	char buf[40];
	unsigned maj, min;
	int len = size < (int)sizeof(buf) - 1 ? size : (int)sizeof(buf) - 1;

	memcpy(buf, p, (size_t)len);
	buf[len] = '\0';
	if (sscanf(buf, "%u:%u", &maj, &min) != 2 || maj > 4095 || min > 0xfffff)
		return -1;
	*dev = ((int64_t)maj << 20) | min;
	return 0;
}

static void apply(struct norm *n, struct ft_event *ev, const struct bound *b,
		  const uint8_t *data)
{
	const uint8_t *p = data + b->offset;
	uint64_t u;
	int64_t v;

	if (b->x == X_BDI) {
		if (!ft_event_has(ev, b->col) && parse_bdi(p, b->size, &v) == 0)
			ft_event_set(ev, b->col, v);
		return;
	}
	u = rd(n, p, b->size);
	if (b->is_signed && b->size < 8 && ((u >> (b->size * 8 - 1)) & 1))
		u |= ~0ull << (b->size * 8);
	v = (int64_t)u;
	switch (b->x) {
	case X_RAW:
		if (!ft_event_has(ev, b->col))
			ft_event_set(ev, b->col, v);
		break;
	case X_BYTES:
		if (!ft_event_has(ev, b->col)) {
			ft_event_set(ev, b->col, v);
			if (v >= 0)
				ft_event_set(ev, FT_C_FINDEX, v >> n->page_shift);
		}
		break;
	case X_PAGES:
		ft_event_set(ev, FT_C_FINDEX, v);
		if (v >= 0 && v < (INT64_MAX >> n->page_shift))
			ft_event_set(ev, FT_C_OFFSET, v << n->page_shift);
		break;
	case X_XFSLOCK: {
		int f = (int)(u & 0x3f), cls = 0, mode = 0;

		if (f & 0x03) cls |= FT_LOCK_IOLOCK;
		if (f & 0x0c) cls |= FT_LOCK_ILOCK;
		if (f & 0x30) cls |= FT_LOCK_MMAPLOCK;
		if (f & 0x15) mode |= FT_LOCK_EXCL;
		if (f & 0x2a) mode |= FT_LOCK_SHARED;
		ft_event_set(ev, FT_C_LOCK_CLASS, cls);
		ft_event_set(ev, FT_C_LOCK_MODE, mode);
		ft_event_set(ev, FT_C_FLAGS, f);
		break;
	}
	case X_CALLER:
		if (u)
			caller(n, ev, u);
		break;
	case X_WFAULT:
		ev->kind = u ? FT_K_WRITE_FAULT : FT_K_READ_FAULT;
		ft_event_set(ev, FT_C_FLAGS, u ? 1 : 0);
		break;
	case X_CONTEND:
		/* rwsem waiters: LCB_F_READ 0x2 shared, LCB_F_WRITE 0x4 exclusive */
		ft_event_set(ev, FT_C_LOCK_CLASS, FT_LOCK_KERNEL);
		ft_event_set(ev, FT_C_LOCK_MODE, (u & 0x2) ? FT_LOCK_SHARED :
			     (u & 0x4) ? FT_LOCK_EXCL : 0);
		ft_event_set(ev, FT_C_FLAGS, v);
		break;
	case X_TYPEHI:
		ft_event_set(ev, FT_C_FLAGS,
			     (ft_event_has(ev, FT_C_FLAGS) ? ev->v[FT_C_FLAGS] : 0) |
			     (int64_t)((u & 0xffff) << 16));
		break;
	case X_BDI:
	case X_END:
		break;
	}
}

int norm_record(struct norm *n, struct tep_record *rec, struct ft_event *ev)
{
	const uint8_t *data = rec->data;
	struct ntype *t;
	uint32_t type;

	memset(ev, 0, sizeof(*ev));
	ev->ts = rec->ts;
	ev->cpu = rec->cpu;
	if (!data || rec->size < 8 || rec->size > FT_MAX_PAYLOAD)
		return -EINVAL;
	type = (uint32_t)rd(n, data + COMMON_TYPE_OFF, 2);
	ev->type = type;
	ev->pid = (int32_t)rd(n, data + COMMON_PID_OFF, 4);
	ev->payload = data;
	ev->payload_len = (uint32_t)rec->size;
	t = type < MAX_TYPES ? n->types[type] : NULL;
	if (!t && type < MAX_TYPES)
		t = bind_type(n, (int)type);
	if (!t)
		return -EINVAL;
	ev->kind = (uint16_t)t->kind;
	for (int i = 0; i < t->nb; i++) {
		const struct bound *b = &t->b[i];

		if (b->offset > rec->size || b->size > rec->size - b->offset)
			continue;	/* field beyond this record: leave NULL */
		apply(n, ev, b, data);
	}
	return 0;
}
