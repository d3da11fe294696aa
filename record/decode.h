/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * decode.h - trace.dat -> wire stream.  Runs inside the decoder process
 * (record/sandbox.h): it calls libtracecmd and libtraceevent on hostile
 * input, so it may crash; it owns no database.
 *
 * Stream order: HELLO, PHASE..., META..., BUFFER..., then TYPE / SYMBOL /
 * TASK frames each before the first EVENT or LOST that needs them, EVENT and
 * LOST frames in trace order, STAT frames, DONE.  A clean failure sends FAIL
 * and returns non-zero.
 */
#ifndef FT_DECODE_H
#define FT_DECODE_H

#include "../core/wire.h"

/* Decodes the trace file open on fd; returns 0 or 1 (after FAIL). */
int decode_trace_fd(int fd, struct wire_writer *w);

#endif
