/*
 * vis.c: bytes from elsewhere made visible for a terminal (see vis.h).
 * "evil\x1b]0;X\x07" (with real ESC and BEL bytes) is shown as the text
 * evil\x1b]0;X\x07.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vis.h"

/* Continuation bytes 2..n of a UTF-8 sequence: 10xxxxxx. */
static bool
vis_cont(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return false;
	return true;
}

/*
 * The length of the well-formed UTF-8 sequence of two or more bytes at
 * s (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF,
 * no C1 control), or 0.
 */
static size_t
vis_utf8(const unsigned char *s, size_t len)
{
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (len < n || !vis_cont(s, n))
		return 0;
	if ((s[0] == 0xc2 && s[1] < 0xa0) || /* C1 controls */
	    (s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/*
 * What to show for the bytes at s: out (NUL-terminated, at most 5 bytes)
 * and the number of input bytes it stands for.
 */
static size_t
vis_one(const unsigned char *s, size_t len, const char *keep, char out[5])
{
	size_t n;

	if ((s[0] >= 0x20 && s[0] < 0x7f) ||
	    (s[0] != '\0' && strchr(keep, s[0]) != NULL)) {
		out[0] = (char)s[0];
		out[1] = '\0';
		return 1;
	}
	if (s[0] >= 0x80 && (n = vis_utf8(s, len)) > 0) {
		memcpy(out, s, n);
		out[n] = '\0';
		return n;
	}
	(void)snprintf(out, 5, "\\x%02x", s[0]);
	return 1;
}

size_t
vis_str(char *dst, size_t cap, const char *s, size_t len, const char *keep)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, k, n;
	char one[5];

	if (cap == 0)
		return 0;
	while (i < len) {
		k = vis_one(p + i, len - i, keep, one);
		if (o + (n = strlen(one)) >= cap)
			break;
		memcpy(dst + o, one, n);
		o += n;
		i += k;
	}
	dst[o] = '\0';
	return o;
}

int
vis_buf(struct buf *out, const char *s, size_t len, const char *keep)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	char one[5];

	while (i < len) {
		i += vis_one(p + i, len - i, keep, one);
		if (buf_add_str(out, one) == -1)
			return -1;
	}
	return 0;
}
