/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * event.h - the normalized event, as it travels from a decoder (trace.dat
 * import or live recording) to the store.
 *
 * v[] holds the normalized columns of the events table; bit (1 << col) of
 * present says which are set (the others are stored as NULL).  The payload
 * is the raw kernel record; it is borrowed, valid until the next event.
 */
#ifndef FT_EVENT_H
#define FT_EVENT_H

#include <stdint.h>

enum ft_col {
	FT_C_DEV,
	FT_C_INO,
	FT_C_OFFSET,
	FT_C_LENGTH,
	FT_C_FINDEX,
	FT_C_FORDER,
	FT_C_LOCK_CLASS,
	FT_C_LOCK_MODE,
	FT_C_FLAGS,
	FT_C_CALLER,		/* symbols.id */
	FT_C_CALLER_OFF,
	FT_C_EXT_OFF,
	FT_C_EXT_LEN,
	FT_C_EXT_BLOCK,
	FT_C_ADDR,
	FT_C_PEER_PID,
	FT_C__COUNT
};

/* lock_class bits */
#define FT_LOCK_IOLOCK		1
#define FT_LOCK_ILOCK		2
#define FT_LOCK_MMAPLOCK	4
#define FT_LOCK_KERNEL		8
/* lock_mode bits */
#define FT_LOCK_EXCL		1
#define FT_LOCK_SHARED		2

/* Upper bound on one raw record; larger ones are rejected as corrupt. */
#define FT_MAX_PAYLOAD		65536

struct ft_event {
	uint64_t ts;
	int32_t cpu;
	int32_t pid;
	uint32_t type;		/* the decoder's type number (see wire.h) */
	uint16_t kind;		/* enum ft_kind */
	uint16_t present;	/* bit per enum ft_col */
	int64_t v[FT_C__COUNT];
	uint32_t payload_len;
	const uint8_t *payload;
};

static inline void ft_event_set(struct ft_event *ev, enum ft_col c, int64_t x)
{
	ev->v[c] = x;
	ev->present |= (uint16_t)(1u << c);
}

static inline int ft_event_has(const struct ft_event *ev, enum ft_col c)
{
	return (ev->present >> c) & 1;
}

#endif
