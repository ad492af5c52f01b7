/*
 * fuzz_netrc.c: libFuzzer target for the ~/.netrc parser. The first
 * bytes choose the host and user looked up (up to a NUL each), the rest
 * is the file; the parser must stay within it and return 0, 1 or -1.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "netrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The next NUL-terminated word of at most 63 bytes, or "". */
static const uint8_t *
fuzz_word(const uint8_t *p, const uint8_t *end, char *w)
{
	size_t n = 0;

	while (p < end && *p != '\0' && n < 63)
		w[n++] = (char)*p++;
	w[n] = '\0';
	return p < end ? p + 1 : p;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size, *p;
	char host[64], user[64];
	struct buf out;
	struct err e;
	int r;

	p = fuzz_word(data, end, host);
	p = fuzz_word(p, end, user);
	buf_init(&out, NETRC_TOKEN_MAX + 1);
	r = netrc_find((const char *)p, (size_t)(end - p), host, user, &out,
	    &e);
	if (r < -1 || r > 1 || (r == 0 && out.len > NETRC_TOKEN_MAX))
		__builtin_trap();
	buf_free(&out);
	return 0;
}
