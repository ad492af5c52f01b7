/*
 * strlcat: append to a terminated string in a buffer of size bytes;
 * returns the length it tried to create. For libcs without it.
 */
#include "config.h"

#include <string.h>

#include "../util.h"

size_t
strlcat(char *dst, const char *src, size_t size)
{
	size_t d = strnlen(dst, size);

	if (d == size)
		return size + strlen(src);
	return d + strlcpy(dst + d, src, size - d);
}
