/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xorshift.h - the unit tests' pseudo-random numbers: Marsaglia's 64-bit
 * xorshift (13, 7, 17), deterministic from a test's own seed.
 */
#ifndef FT_TEST_XORSHIFT_H
#define FT_TEST_XORSHIFT_H

#include <stdint.h>

static inline uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#endif
