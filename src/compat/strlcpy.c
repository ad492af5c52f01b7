/*
 * strlcpy: copy at most size-1 bytes and always terminate; returns
 * strlen(src) so truncation can be detected. For libcs without it.
 */
#include "config.h"

#include <string.h>

#include "../util.h"

size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}
