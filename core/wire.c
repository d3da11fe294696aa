/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WIRE_WBUF	(256u * 1024u)
#define WIRE_HDR	5u

int wire_writer_init(struct wire_writer *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->buf = malloc(WIRE_WBUF + WIRE_MAX_FRAME + WIRE_HDR);
	return w->buf ? 0 : -ENOMEM;
}

void wire_writer_release(struct wire_writer *w)
{
	free(w->buf);
	w->buf = NULL;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int wire_flush(struct wire_writer *w)
{
	int ret;

	if (w->failed)
		return -w->failed;
	if (w->sink)
		ret = w->len ? w->sink(w->sink_ctx, w->buf, w->len) : 0;
	else
		ret = write_all(w->fd, w->buf, w->len);
	w->len = 0;
	if (ret < 0)
		w->failed = -ret;
	return ret;
}

void wire_begin(struct wire_writer *w, enum wire_type ty)
{
	if (w->len >= WIRE_WBUF)
		wire_flush(w);
	w->frame = w->len;
	w->len += WIRE_HDR;
	w->buf[w->frame + 4] = (uint8_t)ty;
}

void wire_put(struct wire_writer *w, const void *p, size_t n)
{
	/* A frame never exceeds WIRE_MAX_FRAME; the buffer has room for one. */
	if (w->len - w->frame - WIRE_HDR + n > WIRE_MAX_FRAME) {
		w->failed = EMSGSIZE;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void wire_put_u16(struct wire_writer *w, uint16_t x) { wire_put(w, &x, sizeof(x)); }
void wire_put_u32(struct wire_writer *w, uint32_t x) { wire_put(w, &x, sizeof(x)); }
void wire_put_u64(struct wire_writer *w, uint64_t x) { wire_put(w, &x, sizeof(x)); }

void wire_put_str(struct wire_writer *w, const char *s)
{
	size_t n;

	if (!s)
		s = "";
	n = strnlen(s, 4096);
	wire_put(w, s, n);
	wire_put(w, "", 1);
}

void wire_end(struct wire_writer *w)
{
	uint32_t len = (uint32_t)(w->len - w->frame - WIRE_HDR);

	memcpy(w->buf + w->frame, &len, sizeof(len));
}

void wire_send_hello(struct wire_writer *w)
{
	wire_begin(w, WIRE_HELLO);
	wire_put_u32(w, WIRE_VERSION);
	wire_end(w);
}

void wire_send_str(struct wire_writer *w, enum wire_type ty, const char *s)
{
	wire_begin(w, ty);
	wire_put_str(w, s);
	wire_end(w);
}

/* The hot path of a decoder: one event frame written in place (after
 * wire_begin the buffer has room for a whole frame: see wire_writer_init). */
#define PUT(o, x) do { __typeof__(x) v_ = (x); memcpy((o), &v_, sizeof(v_)); (o) += sizeof(v_); } while (0)
void wire_send_event(struct wire_writer *w, uint16_t buffer,
		     const struct ft_event *ev)
{
	uint8_t *o;

	if (ev->payload_len > WIRE_MAX_FRAME - 64 - 8 * FT_C__COUNT) {
		w->failed = EMSGSIZE;
		return;
	}
	wire_begin(w, WIRE_EVENT);
	o = w->buf + w->len;
	PUT(o, buffer);
	PUT(o, (uint64_t)ev->ts);
	PUT(o, (uint32_t)ev->cpu);
	PUT(o, (uint32_t)ev->pid);
	PUT(o, (uint32_t)ev->type);
	PUT(o, (uint16_t)ev->kind);
	PUT(o, (uint16_t)ev->present);
	for (int c = 0; c < FT_C__COUNT; c++)
		if (ft_event_has(ev, c))
			PUT(o, (uint64_t)ev->v[c]);
	PUT(o, (uint32_t)ev->payload_len);
	if (ev->payload_len)
		memcpy(o, ev->payload, ev->payload_len);
	o += ev->payload_len;
	w->len = (size_t)(o - w->buf);
	wire_end(w);
}
#undef PUT

/* --- reader ----------------------------------------------------------- */

int wire_reader_init(struct wire_reader *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->cap = 2 * (WIRE_MAX_FRAME + WIRE_HDR);
	r->buf = malloc(r->cap);
	return r->buf ? 0 : -ENOMEM;
}

void wire_reader_release(struct wire_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Ensures n bytes are buffered; returns 1, 0 at EOF, or -errno. */
static int fill(struct wire_reader *r, size_t n)
{
	while (r->end - r->start < n) {
		ssize_t k;

		if (r->cap - r->start < n) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		k = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return 0;
		r->end += (size_t)k;
	}
	return 1;
}

int wire_next(struct wire_reader *r, struct wire_frame *f, struct ft_err *e)
{
	uint32_t len;
	int ret;

	ret = fill(r, WIRE_HDR);
	if (ret < 0)
		return ft_error(e, ret, "decoder stream: read failed: %s", strerror(-ret));
	if (ret == 0) {
		if (r->end != r->start)
			return ft_error(e, -EPROTO, "decoder stream cut inside a frame header");
		return 0;
	}
	memcpy(&len, r->buf + r->start, sizeof(len));
	f->type = r->buf[r->start + 4];
	if (len > WIRE_MAX_FRAME || f->type == 0 || f->type >= WIRE__MAX)
		return ft_error(e, -EPROTO, "decoder stream: malformed frame (type %u, %u bytes)",
				(unsigned)f->type, len);
	ret = fill(r, WIRE_HDR + len);
	if (ret < 0)
		return ft_error(e, ret, "decoder stream: read failed: %s", strerror(-ret));
	if (ret == 0)
		return ft_error(e, -EPROTO, "decoder stream cut inside a frame");
	f->body = r->buf + r->start + WIRE_HDR;
	f->len = len;
	r->start += WIRE_HDR + len;
	r->bytes += WIRE_HDR + len;
	return 1;
}

void wire_cur_init(struct wire_cur *c, const struct wire_frame *f)
{
	c->p = f->body;
	c->end = f->body + f->len;
	c->bad = 0;
}

const uint8_t *wire_get_bytes(struct wire_cur *c, size_t n)
{
	const uint8_t *p = c->p;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		return NULL;
	}
	c->p += n;
	return p;
}

#define GETTER(name, type)						\
type name(struct wire_cur *c)						\
{									\
	type x = 0;							\
	const uint8_t *p = wire_get_bytes(c, sizeof(x));		\
	if (p)								\
		memcpy(&x, p, sizeof(x));				\
	return x;							\
}
GETTER(wire_get_u16, uint16_t)
GETTER(wire_get_u32, uint32_t)
GETTER(wire_get_u64, uint64_t)

const char *wire_get_str(struct wire_cur *c)
{
	const uint8_t *nul;
	const char *s;

	if (c->bad)
		return "";
	nul = memchr(c->p, 0, (size_t)(c->end - c->p));
	if (!nul) {
		c->bad = 1;
		return "";
	}
	s = (const char *)c->p;
	c->p = nul + 1;
	return s;
}

int wire_get_event(struct wire_cur *c, uint16_t *buffer, struct ft_event *ev)
{
	*buffer = wire_get_u16(c);
	ev->ts = wire_get_u64(c);
	ev->cpu = (int32_t)wire_get_u32(c);
	ev->pid = (int32_t)wire_get_u32(c);
	ev->type = wire_get_u32(c);
	ev->kind = wire_get_u16(c);
	ev->present = wire_get_u16(c);
	for (int col = 0; col < FT_C__COUNT; col++)
		ev->v[col] = ft_event_has(ev, col) ? (int64_t)wire_get_u64(c) : 0;
	ev->payload_len = wire_get_u32(c);
	if (ev->payload_len > FT_MAX_PAYLOAD)
		c->bad = 1;
	ev->payload = wire_get_bytes(c, ev->payload_len);
	if (!wire_cur_done(c) || (ev->present >> FT_C__COUNT))
		return -EPROTO;
	return 0;
}

int wire_each_frame(const uint8_t *buf, size_t len,
		    int (*fn)(void *ctx, const struct wire_frame *f), void *ctx)
{
	size_t off = 0;

	while (off < len) {
		struct wire_frame f;
		uint32_t flen;
		int ret;

		if (len - off < WIRE_HDR)
			return -EPROTO;
		memcpy(&flen, buf + off, sizeof(flen));
		f.type = buf[off + 4];
		if (flen > WIRE_MAX_FRAME || flen > len - off - WIRE_HDR ||
		    f.type == 0 || f.type >= WIRE__MAX)
			return -EPROTO;
		f.body = buf + off + WIRE_HDR;
		f.len = flen;
		ret = fn(ctx, &f);
		if (ret)
			return ret;
		off += WIRE_HDR + flen;
	}
	return 0;
}
