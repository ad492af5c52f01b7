/*
 * span.h: how many leading bytes of a buffer are "plain text" for the
 * hot loops that move a message (msg.c while spooling, smtp_mail.c while
 * dot-stuffing): no CR, no LF, no NUL, and, when asked, no byte >= 0x80.
 *
 * Eight bytes are tested at a time with the usual word tricks (a byte is
 * zero iff (x - 0x01..) & ~x & 0x80.. flags it; XOR with 0x0d.. or
 * 0x0a.. turns CR or LF into zero), then the stopping word is finished
 * byte by byte. Pure, no state; the result is exact either way.
 */
#ifndef POSTERN_SPAN_H
#define POSTERN_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SPAN_ONES UINT64_C(0x0101010101010101)
#define SPAN_HIGH UINT64_C(0x8080808080808080)

/* A word with a zero byte: its high bit set in the result. */
static inline uint64_t
span_zero(uint64_t x)
{
	return (x - SPAN_ONES) & ~x & SPAN_HIGH;
}

static inline bool
span_stop(unsigned char c, bool high)
{
	return c == '\r' || c == '\n' || c == '\0' || (high && c >= 0x80);
}

/* Leading bytes of p[0..n) without CR, LF, NUL (and >= 0x80 if high). */
static inline size_t
span_text(const char *p, size_t n, bool high)
{
	const unsigned char *u = (const unsigned char *)p;
	uint64_t w, hit;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, u + i, 8);
		hit = span_zero(w) | span_zero(w ^ (SPAN_ONES * '\r')) |
		    span_zero(w ^ (SPAN_ONES * '\n'));
		if (high)
			hit |= w & SPAN_HIGH;
		if (hit != 0)
			break;
	}
	while (i < n && !span_stop(u[i], high))
		i++;
	return i;
}

#endif
