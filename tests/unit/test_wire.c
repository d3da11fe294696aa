/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of core/wire.c: round trip and malformed streams. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../../core/wire.h"
#include "tap.h"

static int pipe_of(const void *bytes, size_t n)
{
	int p[2];

	if (pipe(p) < 0)
		return -1;
	if (write(p[1], bytes, n) != (ssize_t)n)
		return -1;
	close(p[1]);
	return p[0];
}

static void test_roundtrip(void)
{
	struct wire_writer w;
	struct wire_reader r;
	struct wire_frame f;
	struct ft_err e = FT_ERR_INIT;
	struct ft_event ev = { 0 }, got;
	uint8_t payload[40];
	int p[2], n = 0, ret;
	uint16_t b;

	CHECK(pipe(p) == 0, "pipe");
	wire_writer_init(&w, p[1]);
	wire_send_str(&w, WIRE_PHASE, "decoding events");
	memset(payload, 0xab, sizeof(payload));
	ev.ts = 123456789;
	ev.cpu = 1;
	ev.pid = 4242;
	ev.type = 1815;
	ev.kind = 5;
	ft_event_set(&ev, FT_C_INO, 0x83);
	ft_event_set(&ev, FT_C_EXT_BLOCK, (int64_t)0xffffffffe0005ull);
	ft_event_set(&ev, FT_C_PEER_PID, -1);
	ev.payload = payload;
	ev.payload_len = sizeof(payload);
	wire_send_event(&w, 3, &ev);
	CHECK(wire_flush(&w) == 0, "flush");
	close(p[1]);
	wire_writer_release(&w);

	wire_reader_init(&r, p[0]);
	while ((ret = wire_next(&r, &f, &e)) > 0) {
		struct wire_cur c;

		wire_cur_init(&c, &f);
		if (n == 0) {
			CHECK(f.type == WIRE_PHASE && !strcmp(wire_get_str(&c), "decoding events") &&
			      wire_cur_done(&c), "phase frame round trip");
		} else {
			CHECK(f.type == WIRE_EVENT && wire_get_event(&c, &b, &got) == 0,
			      "event frame decodes");
			CHECK(b == 3 && got.ts == ev.ts && got.cpu == 1 && got.pid == 4242 &&
			      got.type == 1815 && got.kind == 5, "event header round trip");
			CHECK(got.present == ev.present && got.v[FT_C_INO] == 0x83 &&
			      got.v[FT_C_EXT_BLOCK] == (int64_t)0xffffffffe0005ull &&
			      got.v[FT_C_PEER_PID] == -1, "present columns round trip");
			CHECK(got.payload_len == sizeof(payload) &&
			      !memcmp(got.payload, payload, sizeof(payload)), "payload round trip");
		}
		n++;
	}
	CHECK(ret == 0 && n == 2, "clean end of stream after 2 frames (ret %d, n %d)", ret, n);
	wire_reader_release(&r);
	close(p[0]);
}

static void expect_bad(const char *what, const void *bytes, size_t len)
{
	struct wire_reader r;
	struct wire_frame f;
	struct ft_err e = FT_ERR_INIT;
	int fd = pipe_of(bytes, len), ret;

	wire_reader_init(&r, fd);
	while ((ret = wire_next(&r, &f, &e)) > 0)
		;
	CHECK(ret == -EPROTO && e.msg[0], "%s: -EPROTO (%s)", what, e.msg);
	wire_reader_release(&r);
	close(fd);
}

static void test_malformed(void)
{
	uint8_t huge[5] = { 0xff, 0xff, 0xff, 0x7f, WIRE_EVENT };
	uint8_t badtype[5] = { 0, 0, 0, 0, 0xee };
	uint8_t cut[9] = { 10, 0, 0, 0, WIRE_PHASE, 'a', 'b', 'c', 'd' };
	uint8_t half[3] = { 1, 0, 0 };

	expect_bad("oversized frame length", huge, sizeof(huge));
	expect_bad("unknown frame type", badtype, sizeof(badtype));
	expect_bad("stream cut inside a frame", cut, sizeof(cut));
	expect_bad("stream cut inside a header", half, sizeof(half));
}

static void test_cursor_bounds(void)
{
	uint8_t body[6] = { 1, 2, 3, 4, 'x', 'y' };	/* no NUL */
	struct wire_frame f = { WIRE_META, body, sizeof(body) };
	struct wire_cur c;
	struct ft_event ev;
	uint16_t b;

	wire_cur_init(&c, &f);
	CHECK(wire_get_u32(&c) == 0x04030201 && wire_cur_ok(&c), "u32 read");
	CHECK(*wire_get_str(&c) == '\0' && !wire_cur_ok(&c), "unterminated string is bad");
	wire_cur_init(&c, &f);
	wire_get_u64(&c);
	CHECK(!wire_cur_ok(&c), "reading past the body is bad");
	wire_cur_init(&c, &f);
	CHECK(wire_get_event(&c, &b, &ev) == -EPROTO, "short event body is -EPROTO");
}

int main(void)
{
	test_roundtrip();
	test_malformed();
	test_cursor_bounds();
	return tap_done();
}
