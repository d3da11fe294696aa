/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wire.h - the framed byte stream from a decoder process to its parent.
 *
 * Trace files are hostile input and the libraries that parse them can crash
 * (see docs/ARCHITECTURE.md, "containment").  So a decoder runs in a child
 * process and sends what it decoded over a pipe; the parent, which owns the
 * database, trusts nothing it receives: every length and value is checked
 * here or by the consumer.
 *
 * Frame layout (host byte order; both ends are the same binary):
 *
 *   +--------+------+---------------------+
 *   | u32 len| u8 ty| body (len bytes)    |
 *   +--------+------+---------------------+
 *
 * len <= WIRE_MAX_FRAME.  Bodies are read and written field by field with
 * the cursor helpers below, which never read past the body: a short or
 * malformed body makes wire_cur_ok() false.
 */
#ifndef FT_WIRE_H
#define FT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "event.h"

#define WIRE_MAX_FRAME	(1u << 20)
#define WIRE_VERSION	1

enum wire_type {
	WIRE_HELLO = 1,		/* u32 version */
	WIRE_PHASE,		/* str: what the decoder is about to do */
	WIRE_META,		/* str key, str value */
	WIRE_BUFFER,		/* u32 buffer, u32 cpus, str name */
	WIRE_TYPE,		/* see decode.c: type description + fields */
	WIRE_SYMBOL,		/* u32 id, str name */
	WIRE_TASK,		/* i32 pid, str comm */
	WIRE_EVENT,		/* u16 buffer + struct ft_event, packed */
	WIRE_LOST,		/* u32 buffer, i32 cpu, i64 count, u64 before, u64 after */
	WIRE_STAT,		/* u32 buffer, i32 cpu, str kind, i64 count */
	WIRE_DONE,		/* u64 events */
	WIRE_FAIL,		/* str: a clean error found by the decoder */
	WIRE__MAX
};

/* --- writer (decoder side) ------------------------------------------ */

struct wire_writer {
	int fd;
	/* When set, flushes go here instead of fd (in-process streams); the
	 * buffer handed over always holds whole frames. */
	int (*sink)(void *ctx, const uint8_t *buf, size_t len);
	void *sink_ctx;
	int failed;		/* errno of the first write failure */
	size_t len;
	uint8_t *buf;		/* WIRE_WBUF bytes */
	size_t frame;		/* offset of the open frame's header */
};

int wire_writer_init(struct wire_writer *w, int fd);
void wire_writer_release(struct wire_writer *w);
/* Frame building: begin, put_*, end.  Errors are sticky in w->failed. */
void wire_begin(struct wire_writer *w, enum wire_type ty);
void wire_put(struct wire_writer *w, const void *p, size_t n);
void wire_put_u16(struct wire_writer *w, uint16_t x);
void wire_put_u32(struct wire_writer *w, uint32_t x);
void wire_put_u64(struct wire_writer *w, uint64_t x);
void wire_put_str(struct wire_writer *w, const char *s);
void wire_end(struct wire_writer *w);
int wire_flush(struct wire_writer *w);

/* Convenience frames. */
void wire_send_hello(struct wire_writer *w);
void wire_send_str(struct wire_writer *w, enum wire_type ty, const char *s);
void wire_send_event(struct wire_writer *w, uint16_t buffer,
		     const struct ft_event *ev);

/* --- reader (parent side) ------------------------------------------- */

struct wire_reader {
	int fd;
	uint8_t *buf;
	size_t cap, start, end;
	uint64_t bytes;		/* total bytes consumed */
};

struct wire_frame {
	enum wire_type type;
	const uint8_t *body;
	uint32_t len;
};

int wire_reader_init(struct wire_reader *r, int fd);
void wire_reader_release(struct wire_reader *r);
/*
 * Reads the next frame.  Returns 1 with *f filled (valid until the next
 * call), 0 at a clean end of stream (between frames), or a negative code
 * with e set: -EPROTO for a malformed frame or a stream cut mid-frame.
 */
int wire_next(struct wire_reader *r, struct wire_frame *f, struct ft_err *e);

/* Body cursor. */
struct wire_cur {
	const uint8_t *p, *end;
	int bad;
};

void wire_cur_init(struct wire_cur *c, const struct wire_frame *f);
uint16_t wire_get_u16(struct wire_cur *c);
uint32_t wire_get_u32(struct wire_cur *c);
uint64_t wire_get_u64(struct wire_cur *c);
/* A NUL-terminated string inside the body, or "" (and bad) if none. */
const char *wire_get_str(struct wire_cur *c);
const uint8_t *wire_get_bytes(struct wire_cur *c, size_t n);
static inline int wire_cur_ok(const struct wire_cur *c) { return !c->bad; }
static inline int wire_cur_done(const struct wire_cur *c) { return !c->bad && c->p == c->end; }

/*
 * Splits a buffer of whole frames (a sink's input) and calls fn on each;
 * stops at the first non-zero return.  -EPROTO if a frame is malformed.
 */
int wire_each_frame(const uint8_t *buf, size_t len,
		    int (*fn)(void *ctx, const struct wire_frame *f), void *ctx);

/* Decodes a WIRE_EVENT body; returns 0 or -EPROTO. */
int wire_get_event(struct wire_cur *c, uint16_t *buffer, struct ft_event *ev);

#endif
